"""Reproducibility capture: source, git state and packages recorded for every run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import jupyter_mlops as ml
from jupyter_mlops.store import open_store
from jupyter_mlops.tracking import environment


def _artifact_text(run_id: str, path: str) -> str:
    record = next(a for a in ml.get_run(run_id).artifacts if a["path"] == path)
    return open_store().blobs.path(record["sha256"]).read_text()


def test_script_run_records_source_python_packages_and_git(home, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "init")
    (repo / "train.py").write_text("import jupyter_mlops as ml\nwith ml.start_run('scripted') as r:\n    print(r.run_id)\n")
    git("add", "train.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "add")
    (repo / "train.py").write_text((repo / "train.py").read_text() + "# local edit\n")
    result = subprocess.run([sys.executable, "train.py"], cwd=repo, capture_output=True, text=True,
                            env={**os.environ, "MLOPS_HOME": str(home), "MLOPS_CAPTURE": "1"})
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip()
    tags = ml.get_run(run_id).tags
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert tags["mlops.source.type"] == "script"
    assert tags["mlops.source.name"] == str(repo / "train.py")
    assert tags["mlops.git.commit"] == head
    assert tags["mlops.git.dirty"] == "true"
    assert "+# local edit" in _artifact_text(run_id, "environment/git.diff")
    assert "duckdb==" in _artifact_text(run_id, "environment/requirements.txt").lower()
    assert tags["mlops.python"].count(".") == 2


def test_requirements_blob_is_shared_between_runs(home, monkeypatch):
    monkeypatch.setenv("MLOPS_CAPTURE", "1")
    ids = []
    for _ in range(3):
        with ml.start_run() as run:
            ids.append(run.run_id)
    environment.wait_for_capture()
    digests = {next(a["sha256"] for a in ml.get_run(i).artifacts if a["path"] == "environment/requirements.txt") for i in ids}
    assert len(digests) == 1


def test_context_provider_failure_never_breaks_a_run(home, monkeypatch):
    monkeypatch.setenv("MLOPS_CAPTURE", "1")

    def broken():
        raise RuntimeError("provider exploded")

    environment.register_context_provider(broken)
    try:
        with pytest.warns(UserWarning, match="provider exploded"):
            with ml.start_run() as run:
                ml.log_metric("ok", 1)
    finally:
        environment._providers.remove(broken)
    assert ml.get_run(run.run_id).status == "finished"


def test_capture_can_be_turned_off(home):
    with ml.start_run() as run:
        pass
    environment.wait_for_capture()
    assert ml.get_run(run.run_id).tags == {}


def test_kernel_started_by_jupyter_records_its_notebook_without_the_extension(home):
    from .conftest import python_code

    code = "import jupyter_mlops as ml\nwith ml.start_run('plain') as r:\n    print(r.run_id)\n"
    result = python_code(code, home, env={"MLOPS_CAPTURE": "1", "JPY_SESSION_NAME": "analysis/churn.ipynb"})
    assert result.returncode == 0, result.stderr
    tags = ml.get_run(result.stdout.strip()).tags
    assert (tags["mlops.source.type"], tags["mlops.source.notebook"]) == ("notebook", "analysis/churn.ipynb")
