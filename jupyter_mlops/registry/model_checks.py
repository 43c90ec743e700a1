"""Checks on a loaded model's index arrays that scikit-learn follows without bounds checks.

skops can only check that each object in a file has a trusted type, not that its content is
sane. Decision trees (``Tree``), HistGradientBoosting's ``TreePredictor`` and the neighbour
search trees (``KDTree``/``BallTree``) hold raw indices that compiled code follows at predict
time: a crafted file with an index out of range reads or crashes outside the arrays. These
types are on the trust list only together with ``check_structure``, run on every load.

>>> check_structure(DecisionTreeClassifier().fit(X, y), "model churn/1")   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

LEAF = -1  # sklearn.tree._tree.TREE_LEAF
MAX_OBJECTS = 1_000_000  # a walk bound: a real model holds far fewer objects


def _refuse(what: str, problem: str):
    from .flavors import UnsafeModel

    return UnsafeModel(f"{what} holds {problem}, which would read outside its arrays when predicting (a crafted or "
                       "corrupt file); refusing to load it — re-register the model from its training code")


def _children_ok(left, right, count: int) -> bool:
    """Leaves have both children LEAF; other nodes point forward (no cycles) and inside the tree."""
    index = np.arange(count)
    leaf = left == LEAF
    inner = ~leaf
    return bool((right[leaf] == LEAF).all()
                and ((left[inner] > index[inner]) & (left[inner] < count)).all()
                and ((right[inner] > index[inner]) & (right[inner] < count)).all())


def check_tree(tree, n_features: int | None, what: str) -> None:
    """A ``sklearn.tree._tree.Tree``: children inside and forward, split features inside ``n_features``."""
    count = int(tree.node_count)
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    width = int(tree.n_features) if n_features is None else int(n_features)
    if count < 1 or len(left) != count or (n_features is not None and int(tree.n_features) != width):
        raise _refuse(what, f"a decision tree of {count} nodes over {int(tree.n_features)} features (model: {width})")
    inner = left != LEAF
    if not _children_ok(left, right, count) or not ((feature[inner] >= 0) & (feature[inner] < width)).all():
        raise _refuse(what, "a decision tree whose node indices point outside it")


def check_tree_predictor(predictor, n_features: int | None, categorical, what: str) -> None:
    """A HistGradientBoosting ``TreePredictor``: children, feature and bitset indices inside their arrays."""
    nodes = predictor.nodes
    count = len(nodes)
    leaf = nodes["is_leaf"].astype(bool)
    left, right = nodes["left"].astype(np.int64), nodes["right"].astype(np.int64)
    left[leaf], right[leaf] = LEAF, LEAF  # a leaf's children are never followed
    feature = nodes["feature_idx"].astype(np.int64)[~leaf]
    is_categorical = nodes["is_categorical"].astype(bool) & ~leaf
    bitsets = nodes["bitset_idx"].astype(np.int64)[is_categorical]
    n_bitsets = len(getattr(predictor, "raw_left_cat_bitsets", ()))
    categorical_features = feature[is_categorical[~leaf]]
    allowed = np.zeros(0, dtype=bool) if categorical is None else np.asarray(categorical, dtype=bool)
    ok = (count >= 1 and _children_ok(left, right, count)
          and (feature >= 0).all() and (n_features is None or (feature < n_features).all())
          and ((bitsets >= 0) & (bitsets < n_bitsets)).all()
          and ((categorical_features < len(allowed)).all() and allowed[categorical_features].all()))
    if not ok:
        raise _refuse(what, "a gradient-boosting tree whose node indices point outside it")


def check_search_tree(tree, what: str) -> None:
    """A ``KDTree``/``BallTree``: the sample index and node ranges inside the data."""
    data, index, node_data, node_bounds = tree.get_arrays()
    state = tree.__getstate__()
    n_nodes = int(state[6])
    samples = len(data)
    starts, ends = node_data["idx_start"], node_data["idx_end"]
    leaf = node_data["is_leaf"].astype(bool)
    inner = np.flatnonzero(~leaf)
    ok = (data.ndim == 2 and index.shape == (samples,) and n_nodes == len(node_data) >= 1
          and ((index >= 0) & (index < samples)).all()
          and ((starts >= 0) & (starts <= ends) & (ends <= samples)).all()
          and (2 * inner + 2 < n_nodes).all()
          and node_bounds.ndim == 3 and node_bounds.shape[1:] == (n_nodes, data.shape[1]))
    if not ok:
        raise _refuse(what, "a neighbour search tree whose indices point outside its data")


def _kinds():
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.neighbors import BallTree, KDTree
    from sklearn.tree._tree import Tree

    return Tree, TreePredictor, (KDTree, BallTree)


def check_structure(model, what: str) -> None:
    """Walk everything ``model`` holds; UnsafeModel if a tree's indices point outside its arrays.

    The owning estimator's ``n_features_in_`` bounds the feature indices of the trees under it.
    """
    Tree, TreePredictor, search_trees = _kinds()
    seen: set[int] = set()
    stack = [(model, None, None)]
    while stack:
        obj, n_features, categorical = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool)):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise _refuse(what, f"more than {MAX_OBJECTS:,} objects")
        if isinstance(obj, Tree):
            check_tree(obj, n_features, what)
        elif isinstance(obj, TreePredictor):
            check_tree_predictor(obj, n_features, categorical, what)
        elif isinstance(obj, search_trees):
            check_search_tree(obj, what)
        elif isinstance(obj, dict):
            stack.extend((value, n_features, categorical) for value in obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend((value, n_features, categorical) for value in obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend((value, n_features, categorical) for value in obj.ravel())
        elif hasattr(obj, "__dict__"):
            state = vars(obj)
            count = state.get("n_features_in_")
            if isinstance(count, (int, np.integer)):
                n_features, categorical = int(count), None
            if "is_categorical_" in state:
                categorical = state["is_categorical_"]
            stack.extend((value, n_features, categorical) for value in state.values())
