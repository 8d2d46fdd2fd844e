"""Measurements in fresh processes: wall time, peak resident memory, and their medians over runs.

Every measured run is a new Python process (`benchmarks.child`), so no run
inherits a warm heap, cached imports or a grown allocator from another, and
the peak memory is the process's own. Wall time is `time.perf_counter()`
around the workload inside the child: it leaves out starting Python and the
imports (about a second for servicecycle, which imports pandas and scipy),
which are paid once per command, not per replication. Peak memory is the
most resident memory the process (or a worker process it waited for) ever
had, imports included, which is what a user sees in `top`; see
`benchmarks.child` for how it is read.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KIB_PER_MB = 1024.0


class BenchmarkError(Exception):
    """A measured process failed."""


def run_child(module: str, function: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run benchmarks.MODULE.FUNCTION(params) in a fresh process: its result, with memory in MB."""
    with tempfile.TemporaryDirectory(prefix="servicecycle-bench-") as folder:
        result_path = Path(folder) / "result.json"
        command = [sys.executable, "-m", "benchmarks.child", module, function, json.dumps(params), str(result_path)]
        start = perf_counter()
        done = subprocess.run(  # noqa: S603 - our own child, our own arguments
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        elapsed = perf_counter() - start
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace")[-4000:]
            raise BenchmarkError(f"{module}.{function}({params}) exited with {done.returncode}:\n{tail}")
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["peak_rss_mb"] = result.pop("peak_kib") / KIB_PER_MB
    result["after_imports_mb"] = result.pop("after_imports_kib") / KIB_PER_MB
    result["process_seconds"] = elapsed
    return result


@dataclass(frozen=True)
class Spread:
    """The median of some runs, with their minimum and maximum."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))


@dataclass
class Task:
    """One thing to measure: which tool's function, with which parameters, and what its warm-up run uses."""

    label: str
    module: str
    function: str
    params: dict[str, Any]
    warmup_params: dict[str, Any] | None = None
    samples: list[dict[str, Any]] | None = None

    def spread(self, key: str) -> Spread | None:
        values = [sample[key] for sample in self.samples or [] if sample.get(key) is not None]
        return Spread.of(values) if values else None

    def first(self, key: str) -> Any:
        return (self.samples or [{}])[0].get(key)


def measure_all(
    tasks: Sequence[Task], runs: int, warmup: bool, progress: Callable[[str], None] = lambda _: None
) -> None:
    """Measure every task `runs` times, interleaved (a, b, c, a, b, c, ...) after one warm-up run of each.

    Interleaving spreads any change in the machine's load over every task
    alike. Each task's samples are stored in `task.samples`.
    """
    if warmup:
        for task in tasks:
            progress(f"warm-up   {task.label}")
            run_child(task.module, task.function, task.warmup_params or task.params)
    for task in tasks:
        task.samples = []
    for r in range(runs):
        for task in tasks:
            sample = run_child(task.module, task.function, task.params)
            assert task.samples is not None
            task.samples.append(sample)
            progress(f"run {r + 1}/{runs}   {task.label}: {sample['seconds']:.3f} s, {sample['peak_rss_mb']:.0f} MB")
