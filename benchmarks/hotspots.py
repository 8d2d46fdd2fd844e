"""Where servicecycle spends its time: cProfile of one replication of a floor-and-peer workload.

    python -m benchmarks.hotspots [--workload tandem|mm1] [--customers 20000] [--top 15]

Prints the functions with the most time of their own (tottime) and the most
time including what they call (cumulative). Not part of `make bench`: a
profiler slows Python code down unevenly, so its times are for finding the
hot path, not for the table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
from collections.abc import Sequence

from benchmarks.ours import MINUTES_PER_DAY, queue_scenario
from simulator.experiments.runs import run_once

WORKLOADS = {"mm1": (0.9, 1, 1), "tandem": (1.5, 2, 5)}  # arrivals a minute, servers, stations


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotspots", description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="tandem")
    parser.add_argument("--customers", type=int, default=20_000, help="expected arrivals (default 20,000)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    rate, servers, stations = WORKLOADS[args.workload]
    days = max(1, round(args.customers / (rate * MINUTES_PER_DAY)))
    scenario = queue_scenario(rate, servers, stations, 1.0, days, seed=1)
    profiler = cProfile.Profile()
    profiler.enable()
    run_once(scenario, "siloed", 0)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"== {args.workload}, {days} days, by {order} ==")
        print(out.getvalue().split("\n", 4)[-1] if order == "cumulative" else out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
