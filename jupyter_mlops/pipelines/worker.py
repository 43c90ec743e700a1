"""A worker process of the local executor: runs one spec read from stdin, prints its result.

It imports papermill and jupyter_client first, then waits for the spec, so the executor can keep
one spare worker ready and a due run starts its kernel without paying for those imports.

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
    import os

    # Import everything a run needs before reading the spec: a spare worker the local executor
    # keeps ready then starts a kernel as soon as a run is handed to it.
    import jupyter_client.manager  # noqa: F401
    import papermill  # noqa: F401

    from .execute import execute_spec
    from .executors import RESULT_PREFIX
    from .spec import PipelineSpec

    text = sys.stdin.read()
    if not text.strip():  # a spare that was never used: the executor shut down
        return 0
    spec = PipelineSpec.from_dict(json.loads(text))
    os.environ["MLOPS_HOME"] = str(spec.home)  # this process's store is the run's, whoever started it
    result = execute_spec(spec)
    sys.stdout.write("\n" + RESULT_PREFIX + json.dumps(result.to_dict()) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
