"""The plug-in Registry (jupyter_mlops/plugins.py), and the store's registries filled by the packages
that own record kinds and blob references, collected whatever a process imported first."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.plugins import Registry
from jupyter_mlops.store import open_store

from .conftest import forget_store

GROUP = "jupyter_mlops_test.shapes"


def _registry() -> Registry:
    return Registry("shape", GROUP, unknown="no shape {name!r}{hint}; known shapes: {known}")


def test_register_get_names_and_unregister():
    shapes = _registry()
    shapes.register("square", 4)

    @shapes.register("triangle")
    def triangle():
        return 3

    assert shapes.names() == ["square", "triangle"] and shapes.get("triangle") is triangle
    assert "square" in shapes and shapes.get("circle", None) is None
    assert shapes.unregister("square") == 4 and shapes.names() == ["triangle"]
    assert shapes.unregister("square") is None


def test_an_unknown_name_lists_the_known_ones_with_a_did_you_mean():
    shapes = _registry()
    shapes.register("square", 4)
    shapes.register("circle", 0)
    with pytest.raises(InvalidInput) as caught:
        shapes.get("sqaure")
    assert str(caught.value) == "no shape 'sqaure'; did you mean 'square'?; known shapes: square, circle"
    with pytest.raises(InvalidInput, match=r"^no shape 'hexagon'; known shapes: square, circle$"):
        shapes.get("hexagon")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_any_unknown_name_fails_with_one_line_naming_every_known_one(name):
    shapes = _registry()
    shapes.register("square", 4)
    if name == "square":
        assert shapes.get(name) == 4
        return
    with pytest.raises(InvalidInput) as caught:
        shapes.get(name)
    assert str(caught.value).endswith("known shapes: square") and repr(name) in str(caught.value)


def _dist(folder, name: str, entry_points: str) -> None:
    dist = folder / f"{name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\n{entry_points}")


def test_entry_points_load_on_first_lookup_and_a_broken_one_warns_and_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "good_shapes.py").write_text("PENTAGON = 5\n")
    (tmp_path / "bad_shapes.py").write_text("raise RuntimeError('the plug-in is broken')\n")
    _dist(tmp_path, "good_shapes", "pentagon = good_shapes:PENTAGON\nmissing = good_shapes:NOT_THERE\n")
    _dist(tmp_path, "bad_shapes", "broken = bad_shapes:ANYTHING\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    shapes = _registry()
    shapes.register("square", 4)
    with pytest.warns(UserWarning) as warned:
        assert sorted(shapes.names()) == ["pentagon", "square"]
    messages = sorted(str(w.message) for w in warned)
    assert len(messages) == 2 and all("\n" not in m for m in messages)
    assert messages[0].startswith("shape entry point 'broken' (bad_shapes:ANYTHING) could not be loaded, skipped: "
                                  "RuntimeError: the plug-in is broken")
    assert messages[1].startswith("shape entry point 'missing' (good_shapes:NOT_THERE) could not be loaded")
    assert shapes.get("pentagon") == 5
    shapes.unregister("pentagon")
    assert "pentagon" not in shapes  # read once, not on every lookup
    shapes.reread_entry_points()
    with pytest.warns(UserWarning):
        assert shapes.get("pentagon") == 5


def test_declaring_modules_are_imported_once_on_first_lookup(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "declares_hexagon.py").write_text(
        "import tests.test_plugins as t\nt.DECLARED.register('hexagon', 6)\nt.IMPORTS.append(1)\n")
    global DECLARED, IMPORTS
    DECLARED, IMPORTS = Registry("shape"), []
    DECLARED.declared_in("declares_hexagon")
    assert IMPORTS == []  # nothing imported until someone looks
    barrier = threading.Barrier(4)
    seen = []

    def look():
        barrier.wait()
        seen.append(DECLARED.names())

    threads = [threading.Thread(target=look) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [["hexagon"]] * 4 and IMPORTS == [1]


def test_a_fresh_process_that_only_opens_the_store_knows_every_kind_and_blob_reference(home):
    store = open_store(home)
    kept = {what: store.blobs.put_bytes(what.encode())[0] for what in ("notebook", "sample")}
    garbage = store.blobs.put_bytes(b"referenced by nobody")[0]
    with store.connect() as con:
        con.execute("INSERT INTO pipeline_runs (pipeline_run_id, name, notebook, parameters, \"trigger\", attempt, "
                    "executor, status, queued_at, output_sha256) VALUES ('p1', 'nightly', 'n.ipynb', '{}', 'manual', "
                    "1, 'inline', 'finished', now(), ?)", [kept["notebook"]])
        con.execute("INSERT INTO dataset_samples VALUES ('churn', 1, ?, 10, now())", [kept["sample"]])
    forget_store(home)
    code = (
        "import sys\n"
        "from jupyter_mlops.store import open_store\n"
        "from jupyter_mlops.store.declared import RECORD_KINDS, blob_references\n"
        "from jupyter_mlops.store.doctor import diagnose\n"
        "from jupyter_mlops.store.maintenance import gc\n"
        "store = open_store(sys.argv[1])\n"
        "print(sorted(RECORD_KINDS.names()))\n"
        "print(sorted(f'{t}.{c}' for t, c in blob_references()))\n"
        "print(gc(store).blobs_removed)\n"
        "print([f.check for f in diagnose(store).findings])\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    kinds, references, removed, findings = out.stdout.strip().splitlines()
    assert kinds == str(sorted(["exp", "run", "param", "tag", "m", "art", "end", "dsrun", "pred", "fb", "srv", "prun"]))
    assert references == str(["artifacts.sha256", "dataset_samples.sha256", "dataset_versions.sha256",
                              "model_versions.sha256", "pipeline_runs.output_sha256"])
    assert removed == "1" and findings == "[]"
    store = open_store(home)
    assert store.blobs.path(kept["notebook"]).exists() and store.blobs.path(kept["sample"]).exists()
    assert not store.blobs.path(garbage).exists()
