"""Run the benchmark suite and print one markdown table (also written to benchmarks/results.md).

Every ``benchmarks/bench_<name>.py`` module is a benchmark: it exposes ``run(quick) -> list[Row]``
(see ``_common.Row``). Modules run in name order.

    python benchmarks/run.py                  # everything, full sizes (several minutes)
    python benchmarks/run.py --quick          # small sizes: a smoke run well under a minute (no file written)
    python benchmarks/run.py --only tracking  # just bench_tracking.py (repeatable)
    python benchmarks/run.py --quick --output /tmp/results.md
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import markdown_table  # noqa: E402

PEER_PACKAGES = ("duckdb", "mlflow", "pandas")


def discover() -> list[str]:
    """Names of the benchmark modules, e.g. ``["tracking"]`` for bench_tracking.py."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> str:
    """One line naming the versions and the machine, printed above the table."""
    versions = ", ".join(f"{p} {_version(p)}" for p in ("jupyter-mlops", *PEER_PACKAGES))
    return (
        f"Python {platform.python_version()}, {versions}; "
        f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'} usable), "
        f"{platform.system()} {platform.machine()}"
    )


def parse_args(argv=None) -> argparse.Namespace:
    names = discover()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=names, metavar="NAME",
                        help=f"run only this module (repeatable): {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the table (default: benchmarks/results.md, none with --quick)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    rows = []
    started = time.perf_counter()
    for name in args.only or discover():
        module = importlib.import_module(f"bench_{name}")
        print(f"running {name}{' (quick)' if args.quick else ''}...", file=sys.stderr, flush=True)
        rows.extend(module.run(quick=args.quick))
    elapsed = time.perf_counter() - started
    report = (
        f"{environment()}\n"
        f"{'Quick sizes (smoke run). ' if args.quick else ''}Measured in {elapsed:.0f} s.\n\n"
        f"{markdown_table(rows)}\n"
    )
    print(report, end="")
    output = args.output or (None if args.quick else HERE / "results.md")
    if output:
        output.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
