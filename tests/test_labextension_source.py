"""The sidebar's source keeps its seams: tabs share only the kit, and charts share one style with Python.

These read the TypeScript source as text (no Node needed): each tab folder under
`labextension/src/` may import the shared modules (`../ui`, `../client`, `../format`, ...) but never
another tab's folder, and `src/ui/chart-style.ts` must be what `jlpm build:style` writes from
`jupyter_mlops/render/chart_style.json`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "labextension" / "src"
KIT = "ui"
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]""", re.MULTILINE | re.DOTALL)


def tab_folders(src: Path) -> list[str]:
    return sorted(p.name for p in src.iterdir() if p.is_dir() and p.name != KIT)


def cross_tab_imports(src: Path) -> list[str]:
    """Each `file: specifier` where a tab folder imports another tab folder (or the kit a tab)."""
    tabs = set(tab_folders(src))
    found = []
    for folder in [*tabs, KIT]:
        for path in sorted((src / folder).rglob("*.ts*")):
            for spec in IMPORT.findall(path.read_text(encoding="utf-8")):
                parts = spec.split("/")
                if parts[0] == ".." and len(parts) > 1 and parts[1] in tabs and parts[1] != folder:
                    found.append(f"{path.relative_to(src)}: {spec}")
    return found


def test_no_tab_imports_another_tab():
    assert tab_folders(SRC), "no tab folders found under labextension/src"
    assert cross_tab_imports(SRC) == []


def test_the_check_sees_a_tab_reaching_into_another(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "drift").mkdir()
    (tmp_path / KIT).mkdir()
    (tmp_path / "models" / "ok.tsx").write_text("import { ErrorText } from '../ui';\nimport { x } from './own';\n")
    (tmp_path / "drift" / "bad.tsx").write_text(
        "import {\n  formatShare\n} from '../models/format';\nexport { y } from \"../models/list\";\n"
    )
    (tmp_path / KIT / "bad.ts").write_text("import type { T } from '../drift/tab';\n")
    assert cross_tab_imports(tmp_path) == [
        "drift/bad.tsx: ../models/format",
        "drift/bad.tsx: ../models/list",
        "ui/bad.ts: ../drift/tab",
    ]


def test_loading_and_clickable_rows_live_only_in_the_kit():
    """One loading hook (`useLoad`) and one clickable row (`ClickableRow`): no tab rebuilds them."""
    offenders = []
    for path in sorted(SRC.rglob("*.tsx")):
        if path.parent.name == KIT:
            continue
        text = path.read_text(encoding="utf-8")
        if "usePolling" in text:
            offenders.append(f"{path.relative_to(SRC)}: usePolling (use useLoad from ../ui)")
        if re.search(r"<tr\b[^>]*\btabIndex=", text, re.DOTALL):
            offenders.append(f"{path.relative_to(SRC)}: a focusable <tr> (use ClickableRow from ../ui)")
    assert offenders == []


def test_generated_chart_style_matches_the_shared_json():
    style = json.loads((ROOT / "jupyter_mlops" / "render" / "chart_style.json").read_text(encoding="utf-8"))
    generated = (SRC / KIT / "chart-style.ts").read_text(encoding="utf-8")
    palette = re.search(r"export const PALETTE\b[^=]*=\s*\[(.*?)\];", generated, re.DOTALL)
    max_points = re.search(r"export const MAX_POINTS\s*=\s*(\d+);", generated)
    assert palette and max_points, "src/ui/chart-style.ts lost its PALETTE or MAX_POINTS: run `jlpm build:style`"
    assert re.findall(r"'([^']*)'", palette.group(1)) == style["palette"], "stale: run `jlpm build:style`"
    assert int(max_points.group(1)) == style["max_points"], "stale: run `jlpm build:style`"
