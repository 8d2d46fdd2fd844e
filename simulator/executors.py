"""Where replications run: in this process, on local worker processes, or on Dask.

An executor maps a function over tasks and yields the results in the order of
the tasks, so results never depend on which worker ran what, or how many
workers there were. Executors are context managers: the workers live as long
as the `with` block, across batches of replications and sweep points.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, Protocol, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")
Kind = Literal["local", "serial", "dask"]
KINDS: tuple[Kind, ...] = ("local", "serial", "dask")


class ExecutorError(Exception):
    """Replications could not be run (a failed remote task, an unreachable scheduler)."""


class Executor(Protocol):
    """Runs tasks somewhere and gives their results back in task order."""

    workers: int

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        """Results of `function` over `tasks`, in task order."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...


class _Context:
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""


class Serial(_Context):
    """Everything in this process, one task after another."""

    workers = 1

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        return map(function, tasks)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops them all at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalPool(_Context):
    """A pool of worker processes on this machine; Ctrl-C terminates them at once."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Any = None

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        if self._pool is None:
            context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
            self._pool = context.Pool(self.workers, initializer=_ignore_interrupts)
        try:
            yield from self._pool.imap(function, tasks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class DaskCluster(_Context):
    """A Dask distributed cluster: the scheduler at `address`, or a LocalCluster started here.

    A failed task is retried once; a second failure stops the run.
    """

    def __init__(self, address: str | None, workers: int) -> None:
        from dask.distributed import Client, LocalCluster  # noqa: PLC0415 (Dask only when asked for)

        self._cluster = None
        try:
            if address is None:
                self._cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise ExecutorError(f"cannot reach the Dask scheduler {address}: {error}") from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        from concurrent.futures import CancelledError  # noqa: PLC0415

        from distributed import KilledWorker  # noqa: PLC0415

        futures = self._client.map(function, list(tasks), retries=1, pure=False)
        try:
            for future in futures:
                try:
                    yield future.result()
                except (KilledWorker, CancelledError, OSError, TimeoutError) as error:
                    raise ExecutorError(f"a task failed twice on the Dask cluster: {error!r}") from None
        finally:
            self._client.cancel(futures)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def default_workers() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def make_executor(kind: Kind = "local", jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """An executor: `local` processes (default: all cores; one job runs here), `serial`, or `dask`."""
    workers = default_workers() if jobs is None else jobs
    if kind == "dask":
        return DaskCluster(scheduler, workers)
    if kind == "serial" or workers <= 1:
        return Serial()
    return LocalPool(workers)
