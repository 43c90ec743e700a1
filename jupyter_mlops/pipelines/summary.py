"""What an executed notebook did, cell by cell, as data and as static HTML (escaped, no scripts).

>>> cells = cell_summary(nbformat.read("out.ipynb", as_version=4))     # doctest: +SKIP
>>> cells[3]
{'index': 3, 'kind': 'code', 'execution_count': 2, 'first_line': 'model.fit(X, y)', 'state': 'ok', 'error': None}
"""

from __future__ import annotations

from ..widgets._html import WRAP_STYLE, esc, fmt_value, html_table, note


def cell_summary(notebook) -> list[dict]:
    """One dict per cell: index, kind, execution_count, first source line, state (ok | error | not run), error."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        source = cell.get("source", "")
        lines = [line for line in source.splitlines() if line.strip()]
        entry = {"index": index, "kind": cell.cell_type, "execution_count": cell.get("execution_count"),
                 "first_line": lines[0] if lines else "", "state": "", "error": None}
        if cell.cell_type == "code":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            status = cell.get("metadata", {}).get("papermill", {}).get("status")
            if errors:
                entry["state"], entry["error"] = "error", f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
            elif status == "failed":
                entry["state"] = "error"
            elif entry["execution_count"] is None and status in (None, "pending"):
                entry["state"] = "not run"
            else:
                entry["state"] = "ok"
        cells.append(entry)
    return cells


def _duration(run) -> str:
    if run.started_at is None or run.ended_at is None:
        return ""
    return f"{(run.ended_at - run.started_at).total_seconds():.1f} s"


def pipeline_html(run, cells: list[dict] | None = None, link: str | None = None) -> str:
    """Static HTML of a pipeline run: its outcome, parameters, error and the executed cells."""
    where = f"schedule {run.schedule}, " if run.schedule else ""
    head = note(f"pipeline {run.name} · run {run.pipeline_run_id[:8]} · {run.status} · {where}trigger {run.trigger}"
                f"{f', attempt {run.attempt}' if run.attempt and run.attempt > 1 else ''} · {_duration(run)}")
    parts = [head]
    if run.error:
        cell = f" in cell {run.failed_cell}" if run.failed_cell is not None else ""
        message = f"{run.error_name or 'Error'}{cell}: {run.error}"
        parts.append(f'<pre class="mlops-error" style="white-space:pre-wrap;margin:4px 0">{esc(message)}</pre>')
    for warning in run.warnings or []:
        parts.append(note(f"warning: {warning}"))
    if run.parameters:
        parts.append(html_table(["parameter", "value"], [[k, fmt_value(v)] for k, v in run.parameters.items()],
                                css_class="mlops-pipeline-params"))
    if cells:
        rows = [[str(c["index"]), c["kind"], fmt_value(c["execution_count"]), c["first_line"],
                 c["state"] + (f": {c['error']}" if c["error"] else "")] for c in cells]
        parts.append(html_table(["cell", "kind", "exec", "first line", "state"], rows,
                                row_classes=["mlops-failed" if c["state"] == "error" else "" for c in cells],
                                css_class="mlops-pipeline-cells"))
    if link:
        parts.append(f'<div style="margin-top:4px">executed notebook: <a href="{esc(link)}" target="_blank">'
                     f"{esc(link)}</a></div>")
    return f'<div class="mlops-widget mlops-pipeline-run" style="{WRAP_STYLE}">{"".join(parts)}</div>'
