"""Small HTML helpers shared by the widgets: escaping, value formatting, themed inline styles.

Every piece of user text (run names, keys, values, tags, error messages) goes through
:func:`esc` before it reaches HTML or SVG. Styles are inline and use JupyterLab CSS variables
with fallbacks, so the same markup looks right in JupyterLab (light or dark), in the classic
notebook, and as a static snapshot on nbviewer or GitHub. No markup here contains scripts.

>>> esc("<img src=x onerror=alert(1)>")
'&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import html
import math
import re
from datetime import datetime

# XML 1.0 forbids most control characters even as character references; replace them so the
# SVG snapshots always parse, whatever a run was named.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

FONT = "var(--jp-ui-font-family, -apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif)"
MONO = "var(--jp-code-font-family, SFMono-Regular, Menlo, Consolas, monospace)"
FG = "var(--jp-ui-font-color1, #222)"
FG_MUTED = "var(--jp-ui-font-color2, #666)"
BORDER = "var(--jp-border-color2, #ddd)"
HEAD_BG = "var(--jp-layout-color2, #f3f3f3)"
DIFF_BG = "var(--jp-warn-color3, #fff3cd)"
SELECTED_BG = "var(--jp-brand-color3, #e3f0fb)"
ERROR_FG = "var(--jp-error-color1, #c62828)"

WRAP_STYLE = f"font-family:{FONT};font-size:12px;color:{FG};"
TABLE_STYLE = "border-collapse:collapse;margin:4px 0;"
TH_STYLE = (f"text-align:left;padding:3px 8px;border-bottom:1px solid {BORDER};background:{HEAD_BG};"
            "font-weight:600;white-space:nowrap;position:sticky;top:0;")
TD_STYLE = f"padding:2px 8px;border-bottom:1px solid {BORDER};white-space:nowrap;"
CELL_CHARS = 60  # longer cell text is cut, with the full text in the cell's title (tooltip)
NOTE_STYLE = f"color:{FG_MUTED};margin:2px 0;"
ERROR_STYLE = f"color:{ERROR_FG};font-family:{MONO};white-space:pre-wrap;margin:4px 0;"

MISSING = "\u2014"  # shown for a value a run does not have


def esc(value) -> str:
    """Escape any value for HTML text or a quoted attribute (quotes included).

    >>> esc('a "b" <c>')
    'a &quot;b&quot; &lt;c&gt;'
    """
    return html.escape(_BAD_XML.sub("\ufffd", str(value)), quote=True)


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (before escaping it).

    >>> shorten("abcdefgh", 5)
    'abcd…'
    """
    text = str(text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "\u2026"


def is_missing(value) -> bool:
    """True for None, NaN-like and pandas NA/NaT values (anything a cell should leave blank)."""
    if value is None:
        return True
    try:
        import pandas as pd

        result = pd.isna(value)
        return bool(result) if isinstance(result, bool) or getattr(result, "shape", None) == () else False
    except (ImportError, TypeError, ValueError):
        return False


def fmt_number(value: float) -> str:
    """Format a number compactly: 4 significant digits, ``nan``/``inf`` spelled out.

    >>> fmt_number(0.123456), fmt_number(1234567.0), fmt_number(float("inf"))
    ('0.1235', '1.235e+06', 'inf')
    """
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def fmt_value(value) -> str:
    """Format a table cell (unescaped): numbers compactly, times to the second, missing as ''.

    NaN counts as missing, since that is how a DataFrame marks a key a run does not have.

    >>> fmt_value(0.5), fmt_value(float("nan")), fmt_value(None), fmt_value("<b>")
    ('0.5', '', '', '<b>')
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt_number(value)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalar
        return fmt_value(value.item())
    if is_missing(value):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def html_table(headers: list[str], rows: list[list[str]], *, row_classes: list[str] | None = None,
               row_styles: list[str] | None = None, css_class: str = "mlops-table") -> str:
    """Render a table; ``headers`` and ``rows`` are plain text (escaped here), never HTML.

    Cell text longer than ``CELL_CHARS`` is cut; its ``title`` then holds the full text.

    >>> html_table(["a"], [["<b>"]]).count("&lt;b&gt;")
    1
    """
    head = "".join(f'<th style="{TH_STYLE}">{esc(h)}</th>' for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        style = row_styles[i] if row_styles else ""
        cells = "".join(_cell(c) for c in row)
        attrs = (f' class="{esc(cls)}"' if cls else "") + (f' style="{style}"' if style else "")
        body.append(f"<tr{attrs}>{cells}</tr>")
    return (f'<table class="{css_class}" style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _cell(text: str) -> str:
    text = str(text)
    short = shorten(text, CELL_CHARS)
    title = f' title="{esc(text[:2000])}"' if short != text else ""
    return f'<td style="{TD_STYLE}"{title}>{esc(short)}</td>'


def wrap(css_class: str, inner: str) -> str:
    """Wrap a snapshot in a themed ``div`` (no scripts, inline styles only)."""
    return f'<div class="mlops-widget {css_class}" style="{WRAP_STYLE}">{inner}</div>'


def note(text: str) -> str:
    """A muted one-line note (escaped)."""
    return f'<div class="mlops-note" style="{NOTE_STYLE}">{esc(text)}</div>'


def error_block(message: str) -> str:
    """An error message shown inline as preformatted text (escaped), never a traceback."""
    return f'<pre class="mlops-error" style="{ERROR_STYLE}">{esc(message)}</pre>'
