"""``%mlops <subcommand>`` and ``%%mlops run|sql``: parse, dispatch, translate errors once."""

from __future__ import annotations

import difflib

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..errors import MlopsError, closest, one_line
from .commands import CELL_COMMANDS, COMMANDS


def usage_of(name: str) -> str:
    """The full help of one subcommand."""
    if name not in COMMANDS:
        raise UsageError(f"no subcommand {name!r}{closest(name, COMMANDS)}; subcommands: {', '.join(COMMANDS)}")
    help_text = COMMANDS[name].parser.format_help()
    return "\n".join(line for line in help_text.splitlines() if line.strip() != "::").strip() + "\n"


def overview() -> str:
    """One line per subcommand."""
    lines = ["%mlops <subcommand> [options]   |   %%mlops run [options]   |   %mlops help <subcommand>", ""]
    for name, fn in sorted(COMMANDS.items(), key=lambda item: item[0] == "help"):
        # magic_arguments rewrites __doc__ into a usage block; the parser keeps the original summary.
        summary = (fn.parser.description or "").strip().splitlines()[0]
        lines.append(f"  {name:<11} {summary}")
    return "\n".join(lines)


def _unknown_option_hint(name: str, error: UsageError) -> str:
    text = str(error)
    if "unrecognized arguments" not in text:
        return text
    bad = text.rsplit(":", 1)[-1].split()[0]
    options = [o for action in COMMANDS[name].parser._actions for o in action.option_strings]
    match = difflib.get_close_matches(bad, options, n=1)
    hint = f"; did you mean {match[0]}?" if match else f"; options: {', '.join(sorted(set(options)))}"
    return f"{text}{hint} (see %mlops help {name})"


@magics_class
class MlopsMagics(Magics):
    @line_cell_magic
    def mlops(self, line: str, cell: str | None = None):
        name, _, rest = line.strip().partition(" ")
        if not name:
            print(overview())
            return None
        if name not in COMMANDS:
            raise UsageError(f"no subcommand {name!r}{closest(name, COMMANDS)}; subcommands: {', '.join(COMMANDS)}")
        if cell is not None and name not in CELL_COMMANDS:
            raise UsageError(f"%%mlops {name} is not a cell magic; use %mlops {name} (cell magics: run, sql)")
        try:
            return COMMANDS[name](self.shell, rest, cell)
        except MlopsError as e:
            raise UsageError(one_line(e)) from None
        except UsageError as e:
            raise UsageError(one_line(_unknown_option_hint(name, e))) from None


MlopsMagics.mlops.__doc__ = "Track experiments, data and models from cells.\n\n" + overview() + "\n\n" + "\n".join(
    usage_of(name) for name in COMMANDS
)
