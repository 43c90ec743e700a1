"""A real kernel executes a notebook that uses the magics end to end (papermill)."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

import jupyter_mlops as ml

CELLS = [
    "%load_ext jupyter_mlops",
    "%mlops experiment notebook-e2e",
    "%%mlops run --name first --param alpha=0.5\nimport jupyter_mlops as ml\nfor i in range(5):\n    ml.log_metric('loss', 1 / (i + 1))",
    "%%mlops run --name second --param alpha=0.1\nfor i in range(5):\n    ml.log_metric('loss', 1 / (i + 2))",
    "%mlops runs --order-by \"metrics.loss\"",
    "%mlops compare first second",
    "%mlops experimnt",
]


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def test_magics_end_to_end_in_a_real_kernel(home, tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_CAPTURE", "1")
    source, output = tmp_path / "e2e.ipynb", tmp_path / "e2e-out.ipynb"
    _notebook(source, CELLS)
    with pytest.raises(pm.PapermillExecutionError) as failure:
        pm.execute_notebook(str(source), str(output), kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    assert failure.value.exec_count == len(CELLS)  # the typo in the last cell stopped it
    runs = ml.search_runs("notebook-e2e", order_by="metrics.loss")
    assert runs["run_name"].tolist() == ["second", "first"]
    assert runs["status"].tolist() == ["finished", "finished"]
    first = ml.get_run("first")
    assert first.params == {"alpha": "0.5"} and first.metrics["loss"] == 0.2
    assert first.tags["mlops.source.type"] == "notebook"
    assert any(a["path"] == "code/history.py" for a in first.artifacts)
    executed = nbformat.read(str(output), as_version=4)
    typo_outputs = [c for c in executed.cells if c.cell_type == "code"][-1].outputs
    assert [o.output_type for o in typo_outputs] == ["stream"]  # one line, no traceback
    assert typo_outputs[0].text.strip().startswith("UsageError: no subcommand 'experimnt'; did you mean 'experiment'")
    assert len(typo_outputs[0].text.strip().splitlines()) == 1
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    html = [o.get("data", {}).get("text/html", "") for c in code_cells[4:6] for o in c.get("outputs", [])]
    assert any("second" in h for h in html), "the runs table has a static HTML form in the saved notebook"
    assert any("<svg" in h for h in html), "the compare view draws its curves in the static form"
