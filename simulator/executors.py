"""Where replications run: in this process, or on a pool of local worker processes.

An executor maps a function over tasks and returns the results in the order
of the tasks, so results never depend on which worker ran what.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")


class Executor(Protocol):
    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        """Results of `function` over `tasks`, in task order."""
        ...


class Serial:
    """Everything in this process, one task after another."""

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        return map(function, tasks)


class LocalPool:
    """A pool of worker processes on this machine."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, function: Callable[[Task], Result], tasks: Iterable[Task]) -> Iterator[Result]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            yield from pool.map(function, tasks)


def default_workers() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def executor_for(jobs: int | None) -> Executor:
    """`jobs` worker processes (default: all cores); one job runs in this process."""
    workers = default_workers() if jobs is None else jobs
    return Serial() if workers <= 1 else LocalPool(workers)
