"""A worker process of the local executor: runs one spec read from stdin, prints its result.

    echo '{"pipeline_run_id": ..., "notebook": ..., ...}' | python -m jupyter_mlops.pipelines.worker

The last stdout line is ``MLOPS-PIPELINE-RESULT {result json}``. The run is recorded in the
store by ``execute_spec`` itself, so a worker killed half-way still leaves its records, and the
store marks the run failed (ExecutorDied) once it sees this process gone.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    """Read a ``PipelineSpec`` as JSON on stdin, execute it, print the ``PipelineResult``."""
    # jsonschema (under nbformat) imports rfc3987_syntax when installed, which builds a grammar
    # for ~1.3 s: a third of a short run in a fresh worker. Notebook schemas check no IRI formats.
    sys.modules.setdefault("rfc3987_syntax", None)
    from .execute import execute_spec
    from .executors import RESULT_PREFIX
    from .spec import PipelineSpec

    spec = PipelineSpec.from_dict(json.loads(sys.stdin.read()))
    result = execute_spec(spec)
    sys.stdout.write("\n" + RESULT_PREFIX + json.dumps(result.to_dict()) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
