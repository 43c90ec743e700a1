"""Point-in-time training sets on a hand-checked example with late-arriving features."""

from __future__ import annotations

import pandas as pd
import pytest

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput, NotFound

T = pd.Timestamp


@pytest.fixture
def labels():
    return pd.DataFrame({
        "customer": [1, 1, 2, 3, 4],
        "label_time": [T("2024-01-05"), T("2024-01-10"), T("2024-01-03"), T("2024-01-10"), T("2024-01-10")],
        "churned": [0, 1, 0, 1, 0],
    })


@pytest.fixture
def stats():
    return pd.DataFrame({
        "customer": [1, 1, 1, 2, 3],
        "as_of": [T("2024-01-01"), T("2024-01-06"), T("2024-01-11"), T("2024-01-04"), T("2023-12-01")],
        "spend": [10.0, 20.0, 30.0, 99.0, 5.0],
    })


def _spend(version):
    return [None if pd.isna(v) else v for v in ml.load_dataset(version.ref)["spend"]]


def test_each_label_sees_only_features_known_at_its_time(home, labels, stats):
    ml.define_feature_table("customer_stats", stats, entity="customer", event_time="as_of")
    training = ml.build_training_set(labels, ["customer_stats"], label_time="label_time", name="churn_train")
    frame = ml.load_dataset(training.ref)
    assert frame[["customer", "churned"]].values.tolist() == labels[["customer", "churned"]].values.tolist()
    # customer 1 at Jan 5 -> Jan 1 row; at Jan 10 -> Jan 6 row (the Jan 11 row is in the future);
    # customer 2's only row is after its label; customer 3's is old but there is no TTL; 4 has none.
    assert _spend(training) == [10.0, 20.0, None, 5.0, None]
    assert training.definition["kind"] == "feature-set"
    assert training.definition["tables"][0]["dataset"] == "customer_stats@1"


def test_ttl_drops_values_older_than_the_time_to_live(home, labels, stats):
    ml.define_feature_table("customer_stats", stats, entity="customer", event_time="as_of", ttl="7d")
    training = ml.build_training_set(labels, ["customer_stats"], label_time="label_time", name="churn_train")
    assert _spend(training) == [10.0, 20.0, None, None, None]
    assert training.definition["tables"][0]["ttl_seconds"] == 7 * 86400


def test_a_late_arriving_row_is_used_only_by_labels_after_its_event_time(home, labels, stats):
    ml.define_feature_table("customer_stats", stats, entity="customer", event_time="as_of")
    before = ml.build_training_set(labels, ["customer_stats"], label_time="label_time", name="churn_train")
    late = pd.concat([stats, pd.DataFrame({"customer": [1], "as_of": [T("2024-01-04")], "spend": [15.0]})])
    ml.register_dataset(late, "customer_stats")  # arrives later as version 2; the table follows latest
    after = ml.build_training_set(labels, ["customer_stats"], label_time="label_time", name="churn_train")
    assert after.version == before.version + 1
    assert _spend(after) == [15.0, 20.0, None, 5.0, None]  # Jan 5 now sees the Jan 4 row; Jan 10 still Jan 6
    assert after.definition["tables"][0]["dataset"] == "customer_stats@2"


def test_several_feature_tables_and_a_label_dataset(home, labels, stats):
    profile = pd.DataFrame({"customer": [1, 2, 3], "updated": [T("2023-06-01")] * 3, "tier": ["gold", "silver", "bronze"]})
    ml.define_feature_table("customer_stats", stats, entity="customer", event_time="as_of")
    ml.define_feature_table("customer_profile", profile, entity=["customer"], event_time="updated", features=["tier"])
    ml.register_dataset(labels, "labels")
    training = ml.build_training_set("labels@1", ["customer_stats", "customer_profile"], "label_time", "churn_train")
    frame = ml.load_dataset(training.ref)
    assert list(frame.columns) == ["customer", "label_time", "churned", "spend", "tier"]
    assert [None if pd.isna(v) else v for v in frame["tier"]] == ["gold", "gold", "silver", "bronze", None]
    assert training.definition["labels"] == "labels@1"


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"entity": "client"}, InvalidInput, "no column 'client'"),
        ({"event_time": "spend"}, InvalidInput, "must be a date or timestamp"),
        ({"ttl": "soon"}, InvalidInput, "ttl must be a duration"),
        ({"features": []}, InvalidInput, "no feature columns"),
    ],
)
def test_bad_feature_table_definitions(home, stats, kwargs, error, message):
    args = {"entity": "customer", "event_time": "as_of", **kwargs}
    with pytest.raises(error, match=message):
        ml.define_feature_table("customer_stats", stats, **args)


def test_bad_training_set_requests(home, labels, stats):
    ml.define_feature_table("customer_stats", stats, entity="customer", event_time="as_of")
    with pytest.raises(NotFound, match="no feature table 'customer_stat'; did you mean 'customer_stats'"):
        ml.build_training_set(labels, ["customer_stat"], "label_time", "t")
    with pytest.raises(InvalidInput, match="no column 'when'"):
        ml.build_training_set(labels, ["customer_stats"], "when", "t")
    with pytest.raises(InvalidInput, match="entity column"):
        ml.build_training_set(labels.drop(columns="customer"), ["customer_stats"], "label_time", "t")
    with pytest.raises(InvalidInput, match="clash"):
        ml.build_training_set(labels.assign(spend=1.0), ["customer_stats"], "label_time", "t")
