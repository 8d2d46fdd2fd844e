"""Where replications run: in this process, on local worker processes, or on Dask.

An executor maps a function over tasks and yields the results in the order of
the tasks, so results never depend on which worker ran what, or how many
workers there were. Executors are context managers: the workers live as long
as the `with` block, across batches of replications and sweep points. There
are never more workers than tasks, and local workers die with the process
that started them, however it ends (on Linux: a parent-death signal).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
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
    in_process: bool
    """Whether the tasks run in this process (a function given to `map` may then hold what cannot be sent)."""

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        """Results of `function` over `tasks`, in task order."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...


class _Context:
    in_process = False

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""


class Serial(_Context):
    """Everything in this process, one task after another."""

    workers = 1
    in_process = True

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        return map(function, tasks)


def die_with_parent(parent: int) -> bool:
    """Ask the system to kill this process when `parent`, its parent, ends (Linux); False if it is not the parent."""
    if os.getppid() != parent:
        return False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            libc = ctypes.CDLL(None, use_errno=True)  # this process's own symbols, libc's among them
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    return os.getppid() == parent  # the parent may have ended while the signal was asked for


def _worker_setup(parent: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops them all at once, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool ends its workers with SIGTERM
    if not die_with_parent(parent):
        os._exit(1)  # the run that started this worker has already ended


class LocalPool(_Context):
    """A pool of worker processes on this machine (no more than the first batch has tasks); Ctrl-C ends them."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Any = None

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        if self._pool is None:
            if isinstance(tasks, Sized):
                self.workers = max(1, min(self.workers, len(tasks)))
            context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
            gc.freeze()  # forked workers' collections skip all they inherit (a web server's heap: 7% of their time)
            try:
                self._pool = context.Pool(self.workers, initializer=_worker_setup, initargs=(os.getpid(),))
            finally:
                gc.unfreeze()  # this process collects its own garbage as before
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


@dataclass(frozen=True)
class _Failed:
    """An error of the model itself, carried back as a result: running it again would only fail again."""

    error: Exception


@dataclass(frozen=True)
class _Guarded:
    """`function` with the model's own errors returned, not raised: Dask retries only what the machine caused."""

    function: Callable[[Any], Any]

    def __call__(self, task: Any) -> Any:
        try:
            return self.function(task)
        except (OSError, MemoryError):
            raise
        except Exception as error:
            return _Failed(error)


@contextlib.contextmanager
def _quiet_logs(quiet: bool) -> Iterator[None]:
    """Dask distributed's log messages, silenced with --quiet."""
    if not quiet:
        yield
        return
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


class DaskCluster(_Context):
    """A Dask distributed cluster: the scheduler at `address`, or a LocalCluster started here.

    A task that fails because of the machine (a lost worker, an I/O error) is
    retried once; a second failure stops the run. An error of the model (an
    overloaded system) stops it at once.
    """

    def __init__(self, address: str | None, workers: int, quiet: bool = False) -> None:
        from dask.distributed import Client, LocalCluster  # noqa: PLC0415 (Dask only when asked for)

        self._quiet = _quiet_logs(quiet)
        self._quiet.__enter__()
        if quiet:  # e.g. "Port 8787 is already in use": distributed's own words, not an error of the run
            warnings.filterwarnings("ignore", category=UserWarning, module=r"distributed\.")
        self._cluster = None
        try:
            if address is None:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL + 1 if quiet else logging.WARNING,
                )
                self._client = Client(self._cluster)  # its workers watch this process and end with it
            else:
                self._client = Client(address, timeout="10s")
        except Exception as error:  # an unreachable or malformed address; Dask raises many kinds
            self.close()
            what = "start a Dask LocalCluster" if address is None else f"reach the Dask scheduler {address}"
            raise ExecutorError(f"cannot {what}: {error}") from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        from concurrent.futures import CancelledError  # noqa: PLC0415

        from distributed import KilledWorker  # noqa: PLC0415

        futures = self._client.map(_Guarded(function), list(tasks), retries=1, pure=False)
        try:
            for future in futures:
                try:
                    result = future.result()
                except (KilledWorker, CancelledError, OSError, TimeoutError) as error:
                    raise ExecutorError(f"a task failed twice on the Dask cluster: {error!r}") from None
                if isinstance(result, _Failed):
                    raise result.error
                yield result
        finally:
            self._client.cancel(futures)

    def close(self) -> None:
        with contextlib.suppress(AttributeError):
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._quiet.__exit__(None, None, None)


def default_workers() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def make_executor(
    kind: Kind = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    tasks: int | None = None,
    quiet: bool = False,
) -> Executor:
    """An executor: `local` processes (default: all cores; one job runs here), `serial`, or `dask`.

    No more workers are started than `tasks`, when the number of tasks is known.
    """
    workers = default_workers() if jobs is None else jobs
    if tasks is not None:
        workers = max(1, min(workers, tasks))
    if kind == "dask":
        return DaskCluster(scheduler, workers, quiet)
    if kind == "serial" or workers <= 1:
        return Serial()
    return LocalPool(workers)
