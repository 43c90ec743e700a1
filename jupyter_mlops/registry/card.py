"""The model card: versions, an alias timeline, evaluations, decisions and lineage of one model.

A widget with a static HTML form like the other views (inline SVG and tables, no scripts, every
piece of user text escaped), so saved notebooks show it on nbviewer and GitHub too.

>>> ModelCard("churn")         # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ..widgets._base import StaticForm
from ..widgets._html import BORDER, FG_MUTED, FONT, WRAP_STYLE, esc, fmt_value, html_table, note, shorten
from ..widgets.svg import PALETTE

TIMELINE_ENTRIES = 40  # the latest moves drawn in the timeline; the table lists them all
_STEP, _LANE, _LEFT = 56, 30, 96


def _metrics_text(metrics: dict, limit: int = 4) -> str:
    shown = [f"{k}={fmt_value(v)}" for k, v in list(metrics.items())[:limit]]
    more = f" (+{len(metrics) - limit})" if len(metrics) > limit else ""
    return ", ".join(shown) + more


def _when(value) -> str:
    return fmt_value(value)


def timeline_svg(changes: list) -> str:
    """One lane per alias; each move a dot labelled with the version it moved to (tooltip: who, when, why)."""
    changes = changes[-TIMELINE_ENTRIES:]
    if not changes:
        return note("no aliases yet: set one with set_alias(name, 'champion', version)")
    lanes = list(dict.fromkeys(c.alias for c in changes))
    width = _LEFT + _STEP * len(changes) + 20
    height = 18 + _LANE * len(lanes)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'class="mlops-alias-timeline" font-family="{esc(FONT)}"><title>alias timeline</title>']
    last: dict = {}
    for lane, alias in enumerate(lanes):
        y = 14 + _LANE * lane + _LANE / 2
        parts.append(f'<text x="{_LEFT - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{FG_MUTED}">'
                     f'{esc(shorten(alias, 14))}</text>')
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{BORDER}" />')
    for i, change in enumerate(changes):
        lane = lanes.index(change.alias)
        x, y = _LEFT + _STEP * i + _STEP / 2, 14 + _LANE * lane + _LANE / 2
        color = PALETTE[lane % len(PALETTE)]
        if change.alias in last:
            px = last[change.alias]
            parts.append(f'<line x1="{px:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{color}" stroke-width="2" />')
        last[change.alias] = x
        start = "new" if change.from_version is None else f"v{change.from_version}"
        tip = (f"#{change.seq} {change.alias}: {start} -> v{change.to_version}, {change.action} by {change.user} "
               f"at {_when(change.changed_at)}" + (f": {change.reason}" if change.reason else ""))
        fill = "#fff" if change.action == "rollback" else color
        parts.append(f'<g class="mlops-alias-move"><title>{esc(tip)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{fill}" stroke="{color}" stroke-width="2" />'
                     f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="9" text-anchor="middle" '
                     f'fill="{"#222" if fill == "#fff" else "#fff"}">v{change.to_version}</text></g>')
        parts.append(f'<text x="{x:.1f}" y="10" font-size="8" text-anchor="middle" fill="{FG_MUTED}">#{change.seq}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _section(title: str, inner: str) -> str:
    return f'<h4 style="margin:8px 0 2px 0;font-size:13px">{esc(title)}</h4>{inner}'


def card_html(name: str) -> str:
    """The static model card of ``name``."""
    from .aliases import alias_changes
    from .evaluation import list_evaluations
    from .policy import list_decisions
    from .versions import list_models, model_versions

    versions = model_versions(name, include_deleted=True)
    changes = alias_changes(name)
    evaluations = list_evaluations(name)
    decisions = list_decisions(name)
    summary = list_models().set_index("name").loc[name]
    rows = [[str(v.version), ", ".join(v.aliases), v.flavor + (" (unsafe)" if v.unsafe else ""),
             (v.model_class or "").rsplit(".", 1)[-1], (v.run_id or "")[:8], ", ".join(v.datasets),
             _metrics_text(v.metrics), _when(v.created_at), v.user or "", "deleted" if v.deleted else ""]
            for v in reversed(versions)]
    classes = ["mlops-deleted" if v.deleted else "" for v in reversed(versions)]
    version_table = html_table(["version", "aliases", "flavour", "class", "run", "trained on", "run metrics",
                                "registered", "by", ""], rows, row_classes=classes, css_class="mlops-model-versions")
    history = html_table(["#", "when", "alias", "action", "from", "to", "who", "why"],
                         [[str(c.seq), _when(c.changed_at), c.alias, c.action,
                           "" if c.from_version is None else f"v{c.from_version}", f"v{c.to_version}", c.user or "",
                           c.reason or ""] for c in reversed(changes)], css_class="mlops-alias-history")
    evaluation_table = html_table(["when", "version", "data", "rows", "metrics"],
                                  [[_when(e["created_at"]), f"v{e['version']}", e["dataset"] or e["data_fingerprint"][:12],
                                    fmt_value(e["rows"]), _metrics_text(e["metrics"], 6)]
                                   for e in evaluations.to_dict("records")], css_class="mlops-evaluations")
    decision_table = html_table(["when", "champion", "challenger", "data", "metric", "champion value", "challenger value",
                                 "passed", "promoted"],
                                [[_when(d["created_at"]), f"{d['champion']} v{d['champion_version']}",
                                  f"{d['challenger']} v{d['challenger_version']}", d["dataset"] or "", d["primary_metric"],
                                  fmt_value(d["champion_value"]), fmt_value(d["challenger_value"]),
                                  "yes" if d["passed"] else "no", "yes" if d["promoted"] else "no"]
                                 for d in decisions.to_dict("records")], css_class="mlops-decisions")
    aliases = summary["aliases"] if isinstance(summary["aliases"], str) else "no aliases"
    header = note(f"model {name}: {int(summary['versions'])} live version(s), latest v{fmt_value(summary['latest_version'])}; "
                  f"{aliases}" + (f"; {summary['description']}" if isinstance(summary["description"], str) else ""))
    body = (header + _section("Versions", version_table) + _section("Alias timeline", timeline_svg(changes) + history)
            + _section("Evaluations", evaluation_table if len(evaluations) else note("no evaluations yet"))
            + _section("Promotion decisions", decision_table if len(decisions) else note("no decisions yet")))
    return f'<div class="mlops-widget mlops-model-card" style="{WRAP_STYLE}">{body}</div>'


def decision_html(decision) -> str:
    """Static HTML of a PromotionDecision: its verdict and one row per check."""
    rows = [[c["role"], c["metric"], c["better"], fmt_value(c["champion"]), fmt_value(c["challenger"]),
             fmt_value(c["improvement"]), fmt_value(c["required"]), "ok" if c["passed"] else "FAILED"]
            for c in decision.checks]
    table = html_table(["check", "metric", "better", f"champion v{decision.champion_version}",
                        f"challenger v{decision.challenger_version}", "improvement", "required", ""], rows,
                       row_classes=["" if c["passed"] else "mlops-failed" for c in decision.checks],
                       css_class="mlops-decision")
    verdict = ("PASS" if decision.passed else "FAIL") + (", promoted" if decision.promoted else "")
    on = f" on {decision.dataset}" if decision.dataset else ""
    return (f'<div class="mlops-widget mlops-decision" style="{WRAP_STYLE}">'
            f"{note(f'{decision.name}: {verdict}{on} (decision {decision.decision_id[:8]})')}{table}</div>")


class ModelCard(StaticForm, widgets.HTML):
    """A model's card (versions, alias timeline, evaluations, decisions, lineage) with a static form."""

    def __init__(self, name: str):
        super().__init__(value=card_html(name))
        self.name = name

    def refresh(self) -> None:
        """Re-read the store (e.g. after a promotion)."""
        self.value = card_html(self.name)

    def to_html(self) -> str:
        return self.value

    def _summary(self) -> str:
        return f"<ModelCard {self.name}>"
