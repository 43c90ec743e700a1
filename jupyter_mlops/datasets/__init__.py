"""Datasets: versioned registration with stored profiles, lineage, and point-in-time feature sets."""

from .diff import DatasetDiff, diff_datasets
from .features import FeatureTable, build_training_set, define_feature_table
from .lineage import Lineage, lineage, log_input
from .registry import DataChanged, DatasetVersion, dataset_path, describe_dataset, list_datasets, load_dataset, register_dataset

__all__ = [
    "register_dataset", "load_dataset", "dataset_path", "list_datasets", "describe_dataset", "diff_datasets",
    "log_input", "lineage", "define_feature_table", "build_training_set",
    "DatasetVersion", "DatasetDiff", "Lineage", "FeatureTable", "DataChanged",
]
