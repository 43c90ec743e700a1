"""The help text of ``%mlops``: one line per subcommand, or one subcommand's full usage.

Both read the table of subcommands they are given, so the ``help`` subcommand and the magic's
docstring share them without ``commands`` and ``magics`` importing each other.

>>> from jupyter_mlops.notebook.commands import COMMANDS
>>> overview(COMMANDS).splitlines()[0].startswith("%mlops <subcommand>")
True
"""

from __future__ import annotations

from IPython.core.error import UsageError

from ..errors import closest


def usage_of(name: str, commands: dict) -> str:
    """The full help of one subcommand."""
    if name not in commands:
        raise UsageError(f"no subcommand {name!r}{closest(name, commands)}; subcommands: {', '.join(commands)}")
    help_text = commands[name].parser.format_help()
    return "\n".join(line for line in help_text.splitlines() if line.strip() != "::").strip() + "\n"


def overview(commands: dict) -> str:
    """One line per subcommand."""
    lines = ["%mlops <subcommand> [options]   |   %%mlops run [options]   |   %mlops help <subcommand>", ""]
    for name, fn in sorted(commands.items(), key=lambda item: item[0] == "help"):
        # magic_arguments rewrites __doc__ into a usage block; the parser keeps the original summary.
        summary = (fn.parser.description or "").strip().splitlines()[0]
        lines.append(f"  {name:<11} {summary}")
    return "\n".join(lines)
