"""The Dask executor: pipeline runs submitted to a ``dask.distributed`` scheduler.

``get_executor("tcp://host:8786")`` (or ``dask://host:8786``) connects a ``distributed.Client``;
each spec becomes one task, ``execute_spec(spec)``, on whichever worker Dask picks. The worker
writes the run's records into the store named by ``spec.home``, so that store must be reachable
at the same path from every worker (one machine, or a shared file system).

>>> with get_executor("tcp://127.0.0.1:8786") as cluster:    # doctest: +SKIP
...     cluster.submit(spec).result().status
'finished'
"""

from __future__ import annotations

from concurrent.futures import Future

from ..errors import InvalidInput
from .executors import Executor, record_executor_died
from .spec import PipelineResult, PipelineSpec

CONNECT_TIMEOUT = "10s"


class DaskExecutor(Executor):
    """Submits ``execute_spec`` to a Dask distributed scheduler at ``address``.

    Dask's workers bound the concurrency (``max_workers`` is accepted for the common signature);
    ``connect_timeout`` is how long to try reaching the scheduler.
    """

    def __init__(self, address: str, max_workers: int = 2, connect_timeout: str = CONNECT_TIMEOUT):
        try:
            from distributed import Client
        except ImportError:
            raise InvalidInput('the Dask executor needs dask.distributed: pip install "jupyter-mlops[dask]"') from None
        if address.startswith("dask://"):
            address = "tcp://" + address[len("dask://"):]
        self.name = address
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise InvalidInput(f"cannot reach a Dask scheduler at {address} ({type(e).__name__}); start one with "
                               "`dask scheduler` (and `dask worker <address>`) or fix the address") from None

    def submit(self, spec: PipelineSpec) -> "Future[PipelineResult]":
        from .execute import execute_spec

        spec = self._labelled(spec)
        task = self.client.submit(execute_spec, spec, pure=False, key=f"pipeline-{spec.name}-{spec.pipeline_run_id}")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        task.add_done_callback(lambda done: _settle(done, future, spec))
        return future

    def shutdown(self, wait: bool = True) -> None:
        self.client.close()


def _settle(task, future: Future, spec: PipelineSpec) -> None:
    """Resolve ``future`` from the finished Dask task; a lost task becomes an ExecutorDied result."""
    try:
        if task.status == "finished":
            future.set_result(task.result())
            return
        error = task.exception() if task.status == "error" else None
        message = (f"the Dask task ended with {type(error).__name__}: {error}" if error is not None
                   else f"the Dask task was {task.status} before it reported a result")
        future.set_result(record_executor_died(spec, " ".join(message.split())[:500]))
    except BaseException as e:  # never leave the caller waiting
        if not future.done():
            future.set_exception(e)
