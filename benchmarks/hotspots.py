"""Where servicecycle spends its time: cProfile of one replication of a floor-and-peer workload, or of `fit`.

    python -m benchmarks.hotspots [--workload tandem|mm1] [--customers 20000] [--top 15]
    python -m benchmarks.hotspots --workload fit [--log tickets.csv] [--memory]

Prints the functions with the most time of their own (tottime) and the most
time including what they call (cumulative). Not part of `make bench`: a
profiler slows Python code down unevenly, so its times are for finding the
hot path, not for the table. The fit workload reads, cleans and fits a ticket
log (by default it first writes the fit section's million tickets to
--log), printing each stage's CPU time and the process's resident memory
after it; with --memory, tracemalloc's peak of each stage and what is still
held at its end, by line, instead of cProfile (Arrow's own memory is not
traced, only the resident set shows it).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from time import process_time
from typing import Any

from benchmarks.child import peak_kib, resident_kib
from benchmarks.fitting import write_log
from benchmarks.ours import MINUTES_PER_DAY, queue_scenario
from simulator.experiments.runs import run_once

WORKLOADS = {"mm1": (0.9, 1, 1), "tandem": (1.5, 2, 5)}  # arrivals a minute, servers, stations


def _print(profiler: cProfile.Profile, title: str, top: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"== {title}, by {order} ==")
        print(out.getvalue().split("\n", 4)[-1] if order == "cumulative" else out.getvalue())


def fit_stages(path: Path, memory: bool, top: int) -> None:
    """Read, clean and fit the log at `path`, a stage at a time, saying what each took."""
    from simulator.fitting import clean, fit_office, read_tickets  # noqa: PLC0415

    stages: list[tuple[str, Callable[[Any], Any]]] = [("read", read_tickets), ("clean", clean), ("fit", fit_office)]
    profiler = cProfile.Profile()
    value: Any = path
    for name, stage in stages:
        if memory:
            tracemalloc.start()
        else:
            profiler.enable()
        cpu = process_time()
        value = stage(value)
        cpu = process_time() - cpu
        profiler.disable()
        resident, peak_so_far = resident_kib() / 1024, peak_kib() / 1024
        line = f"{name}: {cpu:.2f} s CPU, resident {resident:.0f} MB, peak {peak_so_far:.0f} MB so far"
        if memory:
            traced, peak = tracemalloc.get_traced_memory()
            held = tracemalloc.take_snapshot().statistics("lineno")[:top]
            tracemalloc.stop()
            line += f"; traced: {traced / 2**20:.0f} MB held, {peak / 2**20:.0f} MB at its peak"
            print(line, *(f"    {stat}" for stat in held), sep="\n")
        else:
            print(line)
    if not memory:
        _print(profiler, f"fit {path.name}", top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotspots", description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=[*sorted(WORKLOADS), "fit"], default="tandem")
    parser.add_argument("--customers", type=int, default=20_000, help="expected arrivals (default 20,000)")
    parser.add_argument("--log", type=Path, default=Path("tickets.csv"), help="fit: the log (written if missing)")
    parser.add_argument("--memory", action="store_true", help="fit: tracemalloc instead of cProfile")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    if args.workload == "fit":
        if not args.log.exists():
            write_log({"scale": 33, "tickets": 1_000_000, "path": str(args.log)})
        fit_stages(args.log, args.memory, args.top)
        return 0
    rate, servers, stations = WORKLOADS[args.workload]
    days = max(1, round(args.customers / (rate * MINUTES_PER_DAY)))
    scenario = queue_scenario(rate, servers, stations, 1.0, days, seed=1)
    profiler = cProfile.Profile()
    profiler.enable()
    run_once(scenario, "siloed", 0)
    profiler.disable()
    _print(profiler, f"{args.workload}, {days} days", args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
