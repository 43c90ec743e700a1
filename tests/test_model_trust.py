"""Safe model loading by explicit allowlist: real skops files, real stores, a real model server.

A crafted skops file names ``numpy.testing._private.utils.runstring`` (which calls ``exec``) as
the constructor of one of a fitted model's attributes: skops would call it while loading. Under
the old rule (trust anything from sklearn/numpy/scipy) it passed as a safe ``sklearn`` model.
"""

from __future__ import annotations

import builtins
import functools
import io
import json
import os
import pickle
import re
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.registry import UnsafeModel, load_model, register_model
from jupyter_mlops.registry.evaluation import evaluate
from jupyter_mlops.registry.flavors import get_flavor
from jupyter_mlops.registry.loading import _load
from jupyter_mlops.registry.trust import SCIPY_FUNCTIONS, SKLEARN_FUNCTIONS, check_extra_trusted, trusted_types
from jupyter_mlops.store import open_store

from .model_zoo import ZOO, fitted

RUNSTRING = "numpy.testing._private.utils.runstring"


def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _strip_ids(node):
    if isinstance(node, dict):
        return {k: _strip_ids(v) for k, v in node.items() if k not in ("__id__", "protocol", "_skops_version")}
    if isinstance(node, list):
        return [_strip_ids(v) for v in node]
    return node


def _schema_of(obj) -> dict:
    with zipfile.ZipFile(io.BytesIO(sio.dumps(obj))) as archive:
        return _strip_ids(json.loads(archive.read("schema.json")))


def with_attribute_node(model, node: dict, key: str = "note_") -> bytes:
    """``model`` saved by skops, with one more attribute whose value is rebuilt from ``node``."""
    data = sio.dumps(model)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    schema["content"]["content"][key] = node
    schema["content"]["key_types"]["content"].append({"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"})
    files["schema.json"] = json.dumps(schema).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def call_node(qualified: str, *args) -> dict:
    """A skops node that loading turns into ``qualified(*args)``."""
    module, _, name = qualified.rpartition(".")
    return {"__class__": name, "__module__": module, "__loader__": "ConstructorFromReduceNode",
            "content": _schema_of(tuple(args))}


def crafted(marker) -> bytes:
    """A real fitted LogisticRegression whose file runs code (creating ``marker``) if loaded unsafely."""
    X, y = iris()
    code = f"open({str(marker)!r}, 'w').write('ran')"
    return with_attribute_node(LogisticRegression(max_iter=500).fit(X, y), call_node(RUNSTRING, code, {}))


def slip_in(version_ref: str, data: bytes) -> None:
    """Point a registered version's row at ``data``, put in the artifact store behind the registry's back."""
    name, version = version_ref.split("/")
    store = open_store()
    with store.blobs.referencing():
        digest, size = store.blobs.put_bytes(data)
    with store.connect() as con:
        con.execute("UPDATE model_versions SET sha256 = ?, size = ? WHERE name = ? AND version = ?",
                    [digest, size, name, int(version)])


def serve_cli(home, ref: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "serve", ref, "--port", "0"],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "MLOPS_HOME": str(home)})


# -- the crafted file ------------------------------------------------------------------------------
def test_the_crafted_file_runs_code_when_its_types_are_trusted_blindly(tmp_path):
    marker = tmp_path / "pwned"
    data = crafted(marker)
    needed = sio.get_untrusted_types(data=data)
    assert RUNSTRING in needed
    assert all(t.split(".")[0] in ("sklearn", "numpy", "scipy") for t in needed)  # the old rule let it through
    (tmp_path / "model.skops").write_bytes(data)
    child = subprocess.run([sys.executable, "-c", "import sys, skops.io as sio; p = sys.argv[1]; "
                            "sio.load(p, trusted=sio.get_untrusted_types(file=p))", str(tmp_path / "model.skops")],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert marker.read_text() == "ran"


def test_the_crafted_file_is_refused_at_registration(home, tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "model.skops").write_bytes(crafted(marker))
    with ml.start_run("crafted") as run:
        run.log_artifact(tmp_path / "model.skops", "model")
    with pytest.raises(UnsafeModel, match=rf"needs untrusted type {RUNSTRING}; it is not on the trust list — register"):
        register_model(f"runs:/{run.run_id}/model", "iris")
    with pytest.raises(UnsafeModel, match=RUNSTRING):
        register_model(f"runs:/{run.run_id}/model", "iris", input_example=iris()[0].head())
    assert not marker.exists()
    with open_store().connect() as con:
        assert con.execute("SELECT count(*) FROM model_versions").fetchone() == (0,)


def test_the_crafted_file_slipped_in_as_a_registered_version_is_refused_by_every_loader(home, tmp_path):
    X, y = iris()
    marker = tmp_path / "pwned"
    version = register_model(LogisticRegression(max_iter=500).fit(X, y), "iris")
    slip_in(version.ref, crafted(marker))
    message = rf"model iris/1 needs untrusted type {RUNSTRING}; it is not on the trust list — load it only if you trust"
    with pytest.raises(UnsafeModel, match=message):
        load_model("iris/1")
    with pytest.raises(UnsafeModel, match=message):
        evaluate("iris/1", X.assign(target=y), target="target")
    with open_store().connect() as con:  # a row cannot widen trust either
        con.execute("UPDATE model_versions SET trusted_types = ? WHERE name = 'iris'", [json.dumps([RUNSTRING])])
    with pytest.raises(UnsafeModel, match=message):
        load_model("iris/1")
    served = serve_cli(home, "iris/1")
    assert served.returncode == 2
    (line,) = served.stderr.strip().splitlines()
    assert RUNSTRING in line and "allow_unsafe=True" in line
    assert not marker.exists()


def test_a_model_file_replaced_in_place_is_refused_before_skops_reads_it(home, tmp_path):
    X, y = iris()
    marker = tmp_path / "pwned"
    version = register_model(LogisticRegression(max_iter=500).fit(X, y), "iris")
    blob = open_store().blobs.path(version.sha256)
    os.chmod(blob, 0o644)
    blob.write_bytes(crafted(marker))
    with pytest.raises(ml.registry.ModelTampered, match="model iris/1 was modified"):
        load_model("iris")
    assert not marker.exists()


@functools.lru_cache(maxsize=1)
def small_model():
    X, y = iris()
    return LogisticRegression(max_iter=200).fit(X, y)


def _callables(*modules) -> list[str]:
    return sorted(f"{module.__name__}.{attr}" for module in modules for attr in dir(module)
                  if not attr.startswith("__") and callable(getattr(module, attr, None)))


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(_callables(os, builtins, pickle, np, np.testing, np.lib.npyio, subprocess)))
def test_any_callable_off_the_list_is_refused_without_being_called(name):
    target = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mlops-trust-{os.getpid()}")
    data = with_attribute_node(small_model(), call_node(name, target))
    if name in trusted_types():
        return  # e.g. numpy.dtype: a named harmless type
    with pytest.raises(UnsafeModel, match=f"needs untrusted type {re.escape(name)}; it is not on the trust list"):
        _load(get_flavor("sklearn"), data, {}, "model m/1", allow_unsafe=False)
    assert not os.path.exists(target)


# -- the trust list --------------------------------------------------------------------------------
def test_the_trust_list_names_classes_and_only_the_named_pure_functions():
    import importlib

    for qualified in trusted_types():
        module, _, attr = qualified.rpartition(".")
        obj = getattr(importlib.import_module(module), attr)
        assert isinstance(obj, type) or qualified in SKLEARN_FUNCTIONS + SCIPY_FUNCTIONS, qualified
        assert qualified.split(".")[0] in ("sklearn", "numpy", "scipy") or qualified == "functools.partial", qualified
    assert RUNSTRING not in trusted_types() and "numpy.load" not in trusted_types()


@pytest.mark.parametrize("name", sorted(ZOO))
def test_real_scikit_learn_models_register_and_load_safely_by_default(home, name):
    model, X, y = fitted(name)
    version = register_model(model, name.replace("_", "-"))
    assert not version.unsafe and version.flavor == "sklearn"
    assert set(version.trusted_types) <= trusted_types()
    loaded = load_model(version.ref)
    method = "predict" if hasattr(model, "predict") else "transform"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


def halve(values):
    return values / 2


def test_a_type_you_wrote_is_trusted_only_when_named_at_registration_and_at_each_load(home):
    X, y = iris()
    model = FunctionTransformer(halve).fit(X)
    with pytest.raises(UnsafeModel, match=r"needs untrusted type tests\.test_model_trust\.halve.*register it with trusted="):
        register_model(model, "halver")
    version = register_model(model, "halver", trusted=["tests.test_model_trust.halve"])
    with pytest.raises(UnsafeModel, match=r"model halver/1 needs untrusted type tests\.test_model_trust\.halve"):
        load_model("halver")
    pd.testing.assert_frame_equal(load_model("halver", trusted=["tests.test_model_trust.halve"]).transform(X), X / 2)
    with pytest.warns(ml.registry.UnsafeModelWarning, match="allow_unsafe=True"):
        load_model(version.ref, allow_unsafe=True)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.lists(st.one_of(st.text(max_size=30), st.integers()), max_size=4)))
def test_trusted_is_a_list_of_dotted_names_or_invalid_input(value):
    try:
        names = check_extra_trusted(value)
    except InvalidInput as error:
        assert "\n" not in str(error) and "trusted must" in str(error)
        return
    assert all(isinstance(n, str) and "." in n for n in names)


# -- trees whose indices point outside them --------------------------------------------------------
def _oob_tree():
    model, X, _ = fitted("decision_tree")
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][0] = 10**6
    model.tree_.__setstate__({**state, "nodes": nodes})
    return model


def _oob_hist():
    model, X, _ = fitted("hist_gradient_boosting")
    predictor = model._predictors[0][0]
    predictor.nodes = predictor.nodes.copy()
    predictor.nodes["feature_idx"][0] = 10**4
    return model


def _oob_kdtree():
    model, X, _ = fitted("kneighbors_kd_tree")
    tree = model._tree
    state = list(tree.__getstate__())
    state[1] = state[1].copy()
    state[1][0] = 10**7
    tree.__setstate__(tuple(state))
    return model


@pytest.mark.parametrize("make, kind", [(_oob_tree, "decision_tree"), (_oob_hist, "hist_gradient_boosting"),
                                        (_oob_kdtree, "kneighbors_kd_tree")], ids=["tree", "hist", "kdtree"])
def test_trusted_trees_with_indices_outside_them_are_refused(home, make, kind):
    model = make()
    with pytest.raises(UnsafeModel, match="point outside .*refusing to load it"):
        register_model(model, "bad")
    good, _, _ = fitted(kind)
    version = register_model(good, "bad")
    slip_in(version.ref, sio.dumps(model))
    with pytest.raises(UnsafeModel, match="model bad/1 holds .* point outside"):
        load_model("bad")


# -- mislabelled files -----------------------------------------------------------------------------
class RunsCode:
    """Unpickling this creates a marker file: what any pickle can do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('ran')",)


def test_a_pickle_behind_a_row_that_says_safe_skops_is_refused(home, tmp_path):
    X, y = iris()
    marker = tmp_path / "pwned"
    version = register_model(LogisticRegression(max_iter=500).fit(X, y), "iris")
    slip_in(version.ref, pickle.dumps(RunsCode(marker)))
    with pytest.raises(UnsafeModel, match="registered as a 'sklearn' model but its file is a pickle"):
        load_model("iris/1", allow_unsafe=True)
    served = serve_cli(home, "iris/1")
    assert served.returncode == 2 and "its file is a pickle" in served.stderr
    assert not marker.exists()


def test_a_row_cannot_flip_the_unsafe_flag_or_the_flavour_of_a_pickle(home, tmp_path):
    X, y = iris()
    version = register_model(LogisticRegression(max_iter=500).fit(X, y), "iris", flavor="joblib")
    with open_store().connect() as con:
        con.execute("UPDATE model_versions SET unsafe = false WHERE name = 'iris'")
    with pytest.raises(UnsafeModel, match="row says unsafe=False, but the 'joblib' flavour is unsafe"):
        load_model("iris")
    with open_store().connect() as con:
        con.execute("UPDATE model_versions SET flavor = 'sklearn' WHERE name = 'iris'")
    with pytest.raises(UnsafeModel, match="its file is a pickle"):
        load_model(version.ref, allow_unsafe=True)


def test_a_pickle_logged_as_model_skops_is_refused_at_registration(home, tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "model.skops").write_bytes(pickle.dumps(RunsCode(marker)))
    with ml.start_run("mislabelled") as run:
        run.log_artifact(tmp_path / "model.skops", "model")
    with pytest.raises(UnsafeModel, match=r"not a sklearn file \(it is a pickle\)"):
        register_model(f"runs:/{run.run_id}/model", "iris")
    assert not marker.exists()
