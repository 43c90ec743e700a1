"""Reproducibility capture for every run, without the user asking.

At run start this records, as tags and artifacts of the run:

- where the code came from: the notebook path (from the kernel's session, via a context
  provider the notebook adapter registers) or the script path;
- the code executed so far in the kernel, in execution order (``code/history.py``; from the
  notebook adapter's provider);
- the git commit, branch, and uncommitted diff (``environment/git.diff``) when in a repo;
- the Python version and installed packages (``environment/requirements.txt``), computed once
  per process; the blob is content-addressed, so identical environments take the space once.

Host and user are columns of ``runs``. Git and package capture run on a background thread so
starting a run stays cheap; they finish before the process exits.

>>> register_context_provider(lambda: {"tags": {"mlops.source.type": "job"}, "texts": {}})  # doctest: +SKIP
"""

from __future__ import annotations

import os
import platform
import queue
import subprocess
import sys
import threading
import time
import warnings

from . import runs as _runs

CAPTURE_ENV = "MLOPS_CAPTURE"  # "0" turns capture off
NOTEBOOK_ENV = "MLOPS_NOTEBOOK"  # set by pipelines for the notebook they execute
GIT_CACHE_SECONDS = 2.0

_providers: list = []
_jobs: "queue.Queue" = queue.Queue()
_worker: threading.Thread | None = None
_packages: str | None = None
_git_cache: dict = {}


def register_context_provider(provider) -> None:
    """Add ``provider() -> {"tags": {...}, "texts": {artifact_file: text}}`` run at each run start.

    The notebook adapter registers one giving the notebook path and the kernel's code history.
    """
    if provider not in _providers:
        _providers.append(provider)


def _script_context() -> dict:
    # Jupyter's server tells the kernels it starts which notebook they run (JPY_SESSION_NAME),
    # so a kernel that only did `import jupyter_mlops` still records its notebook.
    notebook = os.environ.get(NOTEBOOK_ENV) or os.environ.get("JPY_SESSION_NAME")
    if notebook:
        return {"tags": {"mlops.source.type": "notebook", "mlops.source.notebook": notebook}}
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path and "ipykernel" not in path:
        return {"tags": {"mlops.source.type": "script", "mlops.source.name": os.path.abspath(path)}}
    return {}


def capture(run) -> None:
    """Record the run's context now and queue git and package capture in the background."""
    if os.environ.get(CAPTURE_ENV) == "0":
        return
    run.set_tags({"mlops.python": platform.python_version()})
    for provider in [_script_context, *_providers]:
        try:
            context = provider() or {}
            if context.get("tags"):
                run.set_tags(context["tags"])
            for artifact_file, text in (context.get("texts") or {}).items():
                run.log_text(text, artifact_file)
        except Exception as e:  # capture must never break the user's run
            warnings.warn(f"jupyter-mlops could not capture run context: {e}", stacklevel=3)
    _jobs.put((run, os.getcwd()))
    _ensure_worker()


def _ensure_worker() -> None:
    global _worker
    if _worker is None or not _worker.is_alive():
        _worker = threading.Thread(target=_work, name="mlops-capture", daemon=True)
        _worker.start()


def _work() -> None:
    while True:
        run, cwd = _jobs.get()
        try:
            _capture_slow(run, cwd)
        except Exception:
            pass
        finally:
            _jobs.task_done()


def _capture_slow(run, cwd: str) -> None:
    global _packages
    if _packages is None:
        _packages = installed_packages()
    run.log_text(_packages, "environment/requirements.txt")
    info = git_state(cwd)
    if info:
        run.set_tags({k: v for k, v in info.items() if k != "diff"})
        if info.get("diff"):
            run.log_text(info["diff"], "environment/git.diff")


def installed_packages() -> str:
    """``name==version`` lines for every installed distribution, sorted."""
    from importlib import metadata

    lines = {f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"]}
    return "\n".join(sorted(lines, key=str.lower)) + "\n"


def git_state(cwd: str) -> dict:
    """Commit, branch, dirty flag and diff of the git repo containing ``cwd`` ({} outside one)."""
    cached = _git_cache.get(cwd)
    if cached and time.monotonic() - cached[0] < GIT_CACHE_SECONDS:
        return cached[1]

    def git(*args):
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
        return out.stdout if out.returncode == 0 else None

    info = {}
    try:
        commit = git("rev-parse", "HEAD")
        if commit:
            diff = git("diff", "HEAD") or ""
            info = {
                "mlops.git.commit": commit.strip(),
                "mlops.git.branch": (git("rev-parse", "--abbrev-ref", "HEAD") or "").strip(),
                "mlops.git.dirty": "true" if diff or git("status", "--porcelain") else "false",
                "diff": diff,
            }
    except (OSError, subprocess.SubprocessError):
        info = {}
    _git_cache[cwd] = (time.monotonic(), info)
    return info


def wait_for_capture(timeout: float = 10.0) -> None:
    """Block until queued background capture is done (used at exit and by tests)."""
    deadline = time.monotonic() + timeout
    while _jobs.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.005)


def _reset_after_fork() -> None:
    global _worker, _jobs
    _worker = None
    _jobs = queue.Queue()


os.register_at_fork(after_in_child=_reset_after_fork)
_runs._start_hooks.append(capture)
_runs._exit_hooks.append(wait_for_capture)
