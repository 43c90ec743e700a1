"""What an executed notebook did, cell by cell, as data and as static HTML (escaped, no scripts).

Cells are numbered as ``failed_cell`` numbers them, by their position in the input notebook:
papermill's injected-parameters cell has no input position, and its error-marker cells are left
out.

>>> cells = cell_summary(nbformat.read("out.ipynb", as_version=4))     # doctest: +SKIP
>>> cells[2]
{'index': 3, 'input_index': 2, 'kind': 'code', 'injected': False, 'execution_count': 2,
 'first_line': 'model.fit(X, y)', 'state': 'ok', 'error': None}
"""

from __future__ import annotations

from ..widgets._html import WRAP_STYLE, esc, fmt_value, html_table


def _state(cell) -> tuple[str, str | None]:
    if cell.cell_type != "code":
        return "", None
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    status = cell.get("metadata", {}).get("papermill", {}).get("status")
    if errors:
        return "error", f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
    if status == "failed":
        return "error", None
    if cell.get("execution_count") is None and status in (None, "pending"):
        return "not run", None
    return "ok", None


def cell_summary(notebook) -> list[dict]:
    """One dict per cell: index (executed), input_index, kind, injected, execution_count, first_line, state, error.

    ``state`` is ok, error or not run (code cells), '' for markdown.
    """
    from .notebooks import ERROR_MARKER_TAG, INJECTED_TAG

    cells, position = [], 0
    for index, cell in enumerate(notebook.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if ERROR_MARKER_TAG in tags:
            continue
        injected = INJECTED_TAG in tags
        lines = [line for line in cell.get("source", "").splitlines() if line.strip()]
        state, error = _state(cell)
        cells.append({"index": index, "input_index": None if injected else position, "kind": cell.cell_type,
                      "injected": injected, "execution_count": cell.get("execution_count"),
                      "first_line": lines[0] if lines else "", "state": state, "error": error})
        position += 0 if injected else 1
    return cells


def pipeline_html(run, cells: list[dict], link: str | None = None) -> str:
    """Static HTML of a pipeline run: its facts, the executed cells, a link to the executed notebook."""
    parts = [run._repr_html_()]
    if cells:
        rows = [["injected" if c["injected"] else str(c["input_index"]), c["kind"], fmt_value(c["execution_count"]),
                 c["first_line"], c["state"] + (f": {c['error']}" if c["error"] else "")] for c in cells]
        parts.append(html_table(["cell", "kind", "exec", "first line", "state"], rows,
                                row_classes=["mlops-failed" if c["state"] == "error" else "" for c in cells],
                                css_class="mlops-pipeline-cells"))
    if link:
        parts.append(f'<div style="margin-top:4px">executed notebook: <a href="{esc(link)}" target="_blank">'
                     f"{esc(link)}</a></div>")
    return f'<div class="mlops-widget mlops-pipeline-run" style="{WRAP_STYLE}">{"".join(parts)}</div>'
