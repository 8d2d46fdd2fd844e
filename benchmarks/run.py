"""The benchmark runner: `python -m benchmarks.run [--quick]` prints one table and writes benchmarks/RESULTS.md.

Sections: floor and peer (M/M/1 and a tandem of five M/M/2 stations in a
minimal SimPy script, in Ciw and in servicecycle), realistic (the bundled
scenarios), growth (a longer horizon), parallel (replications on one and
two workers), optimise (the simulations the optimiser's search takes
against judging every staffing), records (the whole command with its record
tables: time, memory, file sizes), scale (a province-sized scenario) and fit
(`fit` of a log of a million tickets). The targets are reported with PASS or FAIL,
never asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from benchmarks.fitting import office_mapping
from benchmarks.measure import ROOT, Task, measure_all, run_child
from benchmarks.report import Table, machine, megabytes, rate, seconds, verdict
from benchmarks.theory import erlang_c_wait
from simulator.scenario.loading import load_scenario

SECTIONS = ("floor", "realistic", "growth", "parallel", "optimise", "records", "scale", "fit")
TITLES = {
    "floor": "Floor and peer",
    "realistic": "Realistic: the bundled scenarios",
    "growth": "Growth: a longer horizon",
    "parallel": "Parallel: replications on 1 and 2 workers",
    "optimise": "Optimise: the search against an exhaustive grid",
    "records": "Records: the whole command, its memory and its files",
    "scale": "Scale: a province-sized scenario",
    "fit": "Fit: an office's log of a million tickets",
    "targets": "Targets (reported, not asserted)",
}
DEFAULT_OUTPUT = ROOT / "benchmarks" / "RESULTS.md"
QUICK_ENV = "SERVICECYCLE_BENCH_QUICK"
MINUTES_PER_DAY = 1440

# The targets of the performance issue.
MAX_RATIO_TO_SIMPY = 1.5
MAX_TANDEM_MB = 150.0
MAX_GROWTH_RATIO = 9.0
MIN_SPEEDUP = 1.7
# The targets of the records issue (16).
MAX_COMMAND_TO_SIMPY = 2.0
"""The whole command (M/M/1, everything recorded and written) against the SimPy script's whole process."""
MAX_REPLICATIONS_GROWTH = 1.2
"""Peak memory of the most replications against the fewest."""
MAX_RECORDS_MB = 25.0
"""The default demo's record tables as Parquet."""
# The targets of the fitting issue (17).
MAX_FIT_SECONDS = 60.0
"""`fit` of a million tickets, the whole command's time inside main()."""
MAX_FIT_MB = 1024.0
"""... and its peak memory."""


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full suite, or tiny sizes that only show everything runs."""

    mode: str
    runs: int
    warmup: bool
    customers: int
    warmup_customers: int
    growth_rate: float
    growth_days: int
    growth_factors: tuple[int, ...]
    realistic_horizon: int | None
    realistic_all_configurations: bool
    parallel_replications: int
    parallel_horizon: int | None
    optimise_vary: tuple[str, ...]
    optimise_require: tuple[str, ...]
    optimise_looks: tuple[int, int]
    """Replications of a staffing at its first look, and at most."""
    optimise_horizon: int | None
    optimise_jobs: int
    records_runs: int
    """Measured runs of the records section's workloads (its replication runs are long)."""
    replication_counts: tuple[int, int]
    """Replications of the default scenario's first configuration, fewest and most, for the memory's growth."""
    default_horizon: int | None
    """The default scenario's horizon in the records section (None: the file's)."""
    province_days: int
    province_per_day: float
    province_fractions: tuple[float, ...]
    fit_tickets: int
    """Tickets of the log that `fit` reads."""
    fit_scale: int
    """The bundled office's arrivals and staff times this: about 120 tickets a day times it."""


FULL = Plan(
    mode="full",
    runs=5,
    warmup=True,
    customers=200_000,
    warmup_customers=20_000,
    growth_rate=0.7,
    growth_days=10,
    growth_factors=(1, 2, 4, 8),
    realistic_horizon=None,
    realistic_all_configurations=True,
    parallel_replications=8,
    parallel_horizon=None,
    optimise_vary=(
        "front_office_counters=3..10",
        "agencies.investment.backoffice=2..6",
        "agencies.spatial.backoffice=2..6",
    ),
    optimise_require=("wait_minutes_p90<=20", "lead_time_days<=5", "ikm>=85"),
    optimise_looks=(10, 40),
    optimise_horizon=None,
    optimise_jobs=2,
    records_runs=3,
    replication_counts=(20, 200),
    default_horizon=None,
    province_days=250,
    province_per_day=4_000.0,
    province_fractions=(0.125, 0.25, 0.5, 1.0),
    fit_tickets=1_000_000,
    fit_scale=33,
)
QUICK = Plan(
    mode="quick",
    runs=1,
    warmup=False,
    customers=2_000,
    warmup_customers=2_000,
    growth_rate=0.2,
    growth_days=1,
    growth_factors=(1, 8),
    realistic_horizon=2,
    realistic_all_configurations=False,
    parallel_replications=8,
    parallel_horizon=1,
    optimise_vary=("front_office_counters=3..8",),
    optimise_require=("wait_minutes_p90<=30",),
    optimise_looks=(3, 6),
    optimise_horizon=1,
    optimise_jobs=1,
    records_runs=1,
    replication_counts=(2, 4),
    default_horizon=2,
    province_days=2,
    province_per_day=400.0,
    province_fractions=(0.5, 1.0),
    fit_tickets=20_000,
    fit_scale=2,
)


@dataclass(frozen=True)
class Queue:
    """A floor-and-peer workload: `stations` M/M/`servers` stations in tandem, service mean 1 minute."""

    name: str
    rate: float
    servers: int
    stations: int
    ciw_ratio: float = 0.5
    """Our time over Ciw's, at most."""
    service_mean: float = 1.0

    def theory(self) -> float:
        """Erlang C mean wait at one station."""
        return erlang_c_wait(self.rate, 1.0 / self.service_mean, self.servers)

    def params(self, customers: int) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "servers": self.servers,
            "stations": self.stations,
            "service_mean": self.service_mean,
            "customers": customers,
            "seed": 1,
        }

    def days(self, customers: int) -> int:
        """Days of a never-closing calendar whose expected arrivals are closest to `customers`."""
        return max(1, round(customers / (self.rate * MINUTES_PER_DAY)))

    def ours(self, customers: int) -> dict[str, Any]:
        return {**self.params(customers), "days": self.days(customers)}


MM1 = Queue("M/M/1 (arrivals 0.9/min, service mean 1 min, rho 0.9)", 0.9, servers=1, stations=1, ciw_ratio=1 / 1.5)
TANDEM = Queue(
    "tandem of five M/M/2 (arrivals 1.5/min, service mean 1 min, rho 0.75)", 1.5, servers=2, stations=5, ciw_ratio=0.5
)


@dataclass
class Target:
    name: str
    need: str
    measured: str
    ok: bool | None  # None: could not be measured

    @property
    def verdict(self) -> str:
        return "n/a" if self.ok is None else verdict(self.ok)


def ciw_available() -> bool:
    return importlib.util.find_spec("ciw") is not None


def _progress(start: float) -> Any:
    def say(message: str) -> None:
        print(f"[{perf_counter() - start:7.1f} s] {message}", file=sys.stderr, flush=True)

    return say


def _median(task: Task, key: str) -> float | None:
    spread = task.spread(key)
    return None if spread is None else spread.median


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _cpu(task: Task) -> str:
    cpu = _median(task, "cpu_seconds")
    return "n/a" if cpu is None else f"{cpu:.3g}"


def _percent(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _times(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


# -- floor and peer -------------------------------------------------------------------------------------------------


def floor_tasks(plan: Plan, with_ciw: bool) -> dict[Queue, dict[str, Task]]:
    tasks: dict[Queue, dict[str, Task]] = {}
    for queue in (MM1, TANDEM):
        short = "M/M/1" if queue is MM1 else "tandem"
        tasks[queue] = {
            "simpy": Task(
                f"{short}: raw SimPy",
                "floor",
                "measure",
                queue.params(plan.customers),
                queue.params(plan.warmup_customers),
            )
        }
        if with_ciw:
            tasks[queue]["ciw"] = Task(
                f"{short}: Ciw", "peer", "measure", queue.params(plan.customers), queue.params(plan.warmup_customers)
            )
        tasks[queue]["ours"] = Task(
            f"{short}: servicecycle",
            "ours",
            "measure_queue",
            queue.ours(plan.customers),
            queue.ours(plan.warmup_customers),
        )
    return tasks


def _low(task: Task | None, key: str) -> float | None:
    spread = task.spread(key) if task else None
    return None if spread is None else spread.low


def _fastest_ratios(rows: Sequence[tuple[str, Task, str]], simpy: Task, ciw: Task | None) -> str:
    """The ratios of the fastest runs, which a busy machine disturbs less than the medians."""
    parts = []
    for label, task, key in rows:
        if label.startswith("servicecycle"):
            fastest = _low(task, key)
            part = f"{label.removeprefix('servicecycle ')} {_times(_ratio(fastest, _low(simpy, 'seconds')))} SimPy"
            if ciw:
                part += f", {_times(_ratio(fastest, _low(ciw, 'seconds')))} Ciw"
            parts.append(part)
    return "fastest run against fastest run (less disturbed by a busy machine): " + "; ".join(parts)


def floor_tables(plan: Plan, tasks: dict[Queue, dict[str, Task]], targets: list[Target]) -> list[Table]:
    tables = []
    for queue, by_tool in tasks.items():
        theory = queue.theory()
        short = "M/M/1" if queue is MM1 else "tandem"
        simpy_time = _median(by_tool["simpy"], "seconds")
        ciw_task = by_tool.get("ciw")
        ciw_time = _median(ciw_task, "seconds") if ciw_task else None
        ours = by_tool["ours"]
        columns = ["tool", "customers", "wall s median [min-max]", "customers/s", "peak RSS MB", "after imports MB",
                   "CPU s", "x SimPy", "x Ciw", f"mean wait (Erlang C {theory * queue.stations:.3f})"]  # fmt: skip
        if queue.stations > 1:
            columns.append(f"per station (Erlang C {theory:.3f})")
        columns.append("targets")
        title = f"{TITLES['floor']}: {queue.name}"
        table = Table(title, columns)
        rows: list[tuple[str, Task, str]] = [("raw SimPy script", by_tool["simpy"], "seconds")]
        if ciw_task:
            rows.append((f"Ciw {ciw_task.first('version')}", ciw_task, "seconds"))
        rows += [("servicecycle simulate()", ours, "simulate_seconds"), ("servicecycle run_once()", ours, "seconds")]
        for label, task, key in rows:
            spread = task.spread(key)
            median = spread.median if spread else None
            customers = task.first("customers")
            to_simpy = _ratio(median, simpy_time)
            to_ciw = _ratio(median, ciw_time)
            mean_wait = task.first("mean_wait")
            row = [
                label,
                f"{customers:,}",
                seconds(spread),
                rate(_ratio(customers, median)),
                megabytes(task.spread("peak_rss_mb")),
                f"{_median(task, 'after_imports_mb'):.0f}",
                "" if key != "seconds" else _cpu(task),
                _times(to_simpy),
                _times(to_ciw),
                f"{mean_wait:.3f} ({mean_wait / (theory * queue.stations) - 1:+.1%})",
            ]
            if queue.stations > 1:
                row.append(" ".join(f"{w:.3f}" for w in task.first("station_waits")))
            checks = []
            if task is ours:
                name = label.removeprefix("servicecycle ")
                ok = None if to_simpy is None else to_simpy <= MAX_RATIO_TO_SIMPY
                need = f"<= {MAX_RATIO_TO_SIMPY}x"
                targets.append(Target(f"{short}: {name} time / raw SimPy's", need, _times(to_simpy), ok))
                checks.append(f"{need} SimPy {targets[-1].verdict}")
                need = f"<= {queue.ciw_ratio:.2f}x"
                faster = f"{1 / queue.ciw_ratio:g}x faster"
                if ciw_task:
                    ok = None if to_ciw is None else to_ciw <= queue.ciw_ratio
                    targets.append(Target(f"{short}: {name} time / Ciw's ({faster})", need, _times(to_ciw), ok))
                    checks.append(f"{need} Ciw {targets[-1].verdict}")
                else:
                    targets.append(Target(f"{short}: {name} time / Ciw's ({faster})", need, "no Ciw", None))
                if queue is TANDEM and key == "seconds":
                    peak = _median(task, "peak_rss_mb")
                    ok = None if peak is None else peak <= MAX_TANDEM_MB
                    need = f"<= {MAX_TANDEM_MB:.0f} MB"
                    measured = "n/a" if peak is None else f"{peak:.0f} MB"
                    targets.append(Target("tandem: servicecycle peak memory", need, measured, ok))
                    checks.append(f"{need} {targets[-1].verdict}")
            row.append("; ".join(checks))
            table.rows.append(row)
        table.notes.append(_fastest_ratios(rows, by_tool["simpy"], ciw_task))
        expected = ours.params["rate"] * MINUTES_PER_DAY * ours.params["days"]
        table.notes.append(
            f"servicecycle: {ours.params['days']} days of a never-closing calendar x "
            f"{ours.params['rate'] * MINUTES_PER_DAY:,.0f} arrivals/day = {expected:,.0f} expected arrivals "
            f"(Poisson; the count is the one simulated), warm-up 0; "
            f"{ours.first('contacts'):,} contacts recorded"
        )
        if not ciw_task:
            table.notes.append(
                "Ciw is not installed (or --no-ciw): row and the x Ciw column are skipped (pip install -e '.[bench]')"
            )
        table.notes.append(
            "simulate() and run_once() are the same runs: simulate() is clocked inside run_once(), "
            "which also builds the tables and KPIs of the replication"
        )
        table.notes.append(
            "CPU s is the process's CPU time over the same span as the wall time: well below the wall time means "
            "the machine was busy with something else"
        )
        tables.append(table)
    return tables


# -- realistic ------------------------------------------------------------------------------------------------------


def scenario_files() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*.yaml"))


def realistic_tasks(plan: Plan) -> list[Task]:
    tasks = []
    for path in scenario_files():
        scenario = load_scenario(path)
        names = list(scenario.configurations)
        if not plan.realistic_all_configurations:
            names = names[:1]
        for name in names:
            params: dict[str, Any] = {"path": str(path), "configuration": name}
            if plan.realistic_horizon is not None:
                params |= {"horizon_days": plan.realistic_horizon, "warmup_days": 1}
            tasks.append(Task(f"{path.stem}/{name}", "ours", "measure_scenario", params))
    return tasks


def realistic_table(plan: Plan, tasks: Sequence[Task]) -> Table:
    table = Table(
        TITLES["realistic"],
        ["scenario / configuration", "days", "citizens", "contacts", "run_once s median [min-max]", "simulate s",
         "citizens/s", "contacts/s", "us/citizen", "peak RSS MB [min-max]"],
    )  # fmt: skip
    for task in tasks:
        time = _median(task, "seconds")
        citizens, contacts = task.first("citizens"), task.first("contacts")
        simulate = task.spread("simulate_seconds")
        table.rows.append([
            task.label,
            str(task.first("horizon_days")),
            f"{citizens:,}",
            f"{contacts:,}",
            seconds(task.spread("seconds")),
            "n/a" if simulate is None else f"{simulate.median:.3f}",
            rate(_ratio(citizens, time)),
            rate(_ratio(contacts, time)),
            "n/a" if time is None else f"{time / citizens * 1e6:,.0f}",
            megabytes(task.spread("peak_rss_mb")),
        ])  # fmt: skip
    table.notes.append(
        "one replication (replication 0) of each configuration; citizens and contacts are all those simulated, "
        "warm-up days included; us/citizen is run_once time per citizen"
    )
    if not plan.realistic_all_configurations:
        table.notes.append(
            f"{plan.mode} mode: the first configuration of each scenario only, {plan.realistic_horizon} days"
        )
    return table


# -- growth ---------------------------------------------------------------------------------------------------------


def growth_queue(plan: Plan) -> Queue:
    return Queue(f"M/M/1 (arrivals {plan.growth_rate}/min, service mean 1 min)", plan.growth_rate, 1, 1)


def growth_tasks(plan: Plan) -> list[Task]:
    queue = growth_queue(plan)
    base = queue.params(0)
    return [
        Task(f"growth x{factor}", "ours", "measure_queue", {**base, "days": plan.growth_days * factor})
        for factor in plan.growth_factors
    ]


def growth_table(plan: Plan, tasks: Sequence[Task], targets: list[Target]) -> Table:
    queue = growth_queue(plan)
    table = Table(
        f"{TITLES['growth']}: {queue.name}, {plan.growth_days} days x1",
        ["horizon", "days", "citizens", "run_once s median [min-max]", "simulate s", "us/citizen",
         "peak RSS MB [min-max]", "run's own MB", "time / x1", "memory / x1", "run's own MB / x1"],
    )  # fmt: skip
    first = tasks[0]

    def own(task: Task) -> float:
        return (_median(task, "peak_rss_mb") or 0) - (_median(task, "after_imports_mb") or 0)

    for factor, task in zip(plan.growth_factors, tasks, strict=True):
        time = _median(task, "seconds")
        simulate = task.spread("simulate_seconds")
        table.rows.append([
            f"x{factor}",
            str(task.params["days"]),
            f"{task.first('customers'):,}",
            seconds(task.spread("seconds")),
            "n/a" if simulate is None else f"{simulate.median:.3f}",
            "n/a" if time is None else f"{time / task.first('customers') * 1e6:,.0f}",
            megabytes(task.spread("peak_rss_mb")),
            f"{own(task):.0f}",
            _times(_ratio(time, _median(first, "seconds"))),
            _times(_ratio(_median(task, "peak_rss_mb"), _median(first, "peak_rss_mb"))),
            _times(_ratio(own(task), own(first))),
        ])  # fmt: skip
    last = tasks[-1]
    ratio = _ratio(_median(last, "seconds"), _median(first, "seconds"))
    factor = plan.growth_factors[-1] // plan.growth_factors[0]
    ok = None if ratio is None else ratio <= MAX_GROWTH_RATIO
    need = f"<= {MAX_GROWTH_RATIO:.0f}x"
    targets.append(Target(f"growth: x{factor} horizon's time / x1's (run_once)", need, _times(ratio), ok))
    table.notes.append(
        f"x{factor}/x1 run_once time {_times(ratio)}: target <= {MAX_GROWTH_RATIO:.0f}x {targets[-1].verdict}; "
        f"run's own MB is peak RSS minus RSS after imports (what the run itself added); "
        f"the x{factor}/x1 ratio of citizens is {last.first('customers') / first.first('customers'):.2f}"
    )
    return table


# -- parallel -------------------------------------------------------------------------------------------------------


def parallel_tasks(plan: Plan) -> list[Task]:
    path = ROOT / "scenarios" / "business_licensing.yaml"
    configuration = next(iter(load_scenario(path).configurations))
    params: dict[str, Any] = {
        "path": str(path),
        "configuration": configuration,
        "replications": plan.parallel_replications,
    }
    if plan.parallel_horizon is not None:
        params |= {"horizon_days": plan.parallel_horizon, "warmup_days": 0}
    tasks = [Task(f"parallel jobs={jobs}", "ours", "measure_experiment", {**params, "jobs": jobs}) for jobs in (1, 2)]
    return [*tasks, Task("parallel: two processes at once", "ours", "measure_two_at_once", params)]


def parallel_table(plan: Plan, tasks: Sequence[Task], targets: list[Target]) -> Table:
    params = tasks[0].params
    table = Table(
        f"{TITLES['parallel']}: {Path(params['path']).stem}/{params['configuration']}, "
        f"{params['replications']} replications via run_experiment",
        ["jobs", "wall s median [min-max]", "replications/s", "citizens counted", "peak RSS MB [min-max]", "speed-up"],
    )
    one, two, ceiling = tasks
    serial = _median(one, "seconds")
    for task in tasks:
        time = _median(task, "seconds")
        table.rows.append([
            str(task.params["jobs"]) if task is not ceiling else "2 processes at once, half each",
            seconds(task.spread("seconds")),
            "n/a" if time is None else f"{task.params['replications'] / time:.2f}",
            f"{task.first('citizens'):,}" if task is not ceiling else "",
            megabytes(task.spread("peak_rss_mb")),
            _times(_ratio(serial, time)),
        ])  # fmt: skip
    speedup = _ratio(serial, _median(two, "seconds"))
    most = _ratio(serial, _median(ceiling, "seconds"))
    ok = None if speedup is None else speedup >= MIN_SPEEDUP
    targets.append(
        Target(
            f"parallel: {params['replications']} replications, speed-up of 2 workers over 1",
            f">= {MIN_SPEEDUP}x",
            _times(speedup),
            ok,
        )
    )
    fastest = _ratio(_low(one, "seconds"), _low(two, "seconds"))
    table.notes.append(
        f"speed-up {_times(speedup)}: target >= {MIN_SPEEDUP}x {targets[-1].verdict}; fastest run against fastest run "
        f"{_times(fastest)}; the time includes starting the worker processes; peak RSS is of the main process or "
        "its largest worker"
    )
    table.notes.append(
        f"two processes at once {_times(most)}: two independent processes, each running half the replications on "
        "one worker at the same time, against one process running them all: what this machine gives two busy "
        f"processes, with no executor in between (the executor's speed-up is {_percent(_ratio(speedup, most))} "
        "of it)"
    )
    return table


# -- records --------------------------------------------------------------------------------------------------------

DEFAULT_SCENARIO = ROOT / "scenarios" / "business_licensing.yaml"


def _command(label: str, scenario: dict[str, Any], records: str, options: Sequence[str]) -> Task:
    return Task(label, "records", "measure_command", {**scenario, "records": records, "options": list(options)})


def _default(plan: Plan) -> dict[str, Any]:
    """The default scenario as a file (quick mode: a copy with a short horizon)."""
    if plan.default_horizon is None:
        return {"scenario": "file", "path": str(DEFAULT_SCENARIO)}
    return {"scenario": "short", "path": str(DEFAULT_SCENARIO), "days": plan.default_horizon}


def records_tasks(plan: Plan) -> tuple[Task, list[Task], list[Task], list[Task]]:
    """The SimPy script, the command on two queues, the default scenario at two replication counts, the demo.

    The command runs M/M/1 and the tandem; the default scenario's first
    configuration at few and many replications; the default demo as CSV and Parquet.
    """
    floor = Task("M/M/1: raw SimPy script", "floor", "measure", MM1.params(plan.customers),
                 MM1.params(plan.warmup_customers))  # fmt: skip
    serial = ["--executor", "serial"]
    commands = []
    for short, queue in (("M/M/1", MM1), ("tandem", TANDEM)):
        task = _command(f"{short}: run_sim.py run, parquet", {"scenario": "queue", **queue.ours(plan.customers)},
                        "parquet", serial)  # fmt: skip
        task.warmup_params = {**task.params, **queue.ours(plan.warmup_customers)}
        commands.append(task)
    first = next(iter(load_scenario(DEFAULT_SCENARIO).configurations))
    counts = [
        _command(f"{DEFAULT_SCENARIO.stem}/{first}: {n} replications", _default(plan), "parquet",
                 ["--configurations", first, "--replications", str(n), "--jobs", "2"])
        for n in plan.replication_counts
    ]  # fmt: skip
    sizes = [
        _command(f"{DEFAULT_SCENARIO.stem}: the demo, {form}", _default(plan), form, ["--jobs", "2"])
        for form in ("csv", "parquet")
    ]
    return floor, commands, counts, sizes


def records_tables(
    plan: Plan, floor: Task, commands: Sequence[Task], counts: Sequence[Task], sizes: Sequence[Task],
    targets: list[Target],
) -> list[Table]:  # fmt: skip
    table = Table(
        TITLES["records"],
        ["workload", "whole process s median [min-max]", "inside main() s", "peak RSS MB [min-max]",
         "citizens", "contacts", "record files MB", "x SimPy's whole process"],
    )  # fmt: skip
    simpy = _median(floor, "process_seconds")
    for task in (floor, *commands, *counts, *sizes):
        whole = _median(task, "process_seconds")
        record_mb = task.first("record_bytes")
        table.rows.append([
            task.label,
            seconds(task.spread("process_seconds")),
            "" if task is floor else seconds(task.spread("seconds")),
            megabytes(task.spread("peak_rss_mb")),
            f"{task.first('citizens') or task.first('customers') or 0:,}",
            f"{task.first('contacts') or 0:,}",
            "" if record_mb is None else f"{record_mb / 1e6:.1f}",
            _times(_ratio(whole, simpy)),
        ])  # fmt: skip
    mm1, tandem = commands
    ratio = _ratio(_median(mm1, "process_seconds"), simpy)
    ok = None if ratio is None else ratio <= MAX_COMMAND_TO_SIMPY
    targets.append(Target("M/M/1: the whole command / the SimPy script's whole process", f"<= {MAX_COMMAND_TO_SIMPY}x",
                          _times(ratio), ok))  # fmt: skip
    peak = _median(tandem, "peak_rss_mb")
    measured = "n/a" if peak is None else f"{peak:.0f} MB"
    ok = None if peak is None else peak <= MAX_TANDEM_MB
    targets.append(Target("tandem: the whole command's peak memory (Parquet written)", f"<= {MAX_TANDEM_MB:.0f} MB",
                          measured, ok))  # fmt: skip
    few, many = counts
    growth = _ratio(_median(many, "peak_rss_mb"), _median(few, "peak_rss_mb"))
    targets.append(Target(
        f"memory: {many.params['options'][3]} replications' peak / {few.params['options'][3]}'s",
        f"<= {MAX_REPLICATIONS_GROWTH}x", _times(growth), None if growth is None else growth <= MAX_REPLICATIONS_GROWTH,
    ))  # fmt: skip
    csv, parquet = (task.first("record_bytes") for task in sizes)
    targets.append(Target(
        "the default demo's record tables as Parquet", f"<= {MAX_RECORDS_MB:.0f} MB",
        f"{parquet / 1e6:.1f} MB (CSV {csv / 1e6:.1f} MB)", parquet / 1e6 <= MAX_RECORDS_MB,
    ))  # fmt: skip
    table.notes.append(
        "whole process: from starting Python to its end, as the benchmark's parent sees it (imports, validation, "
        "simulation, the record tables written, the statistics and the manifest; no figures: --no-plots); the "
        "SimPy script's the same way"
    )
    table.notes.append(
        "peak RSS: of the command's process, or of its largest worker (--jobs 2); the replication runs use the first "
        "configuration of the default scenario, the demo runs every configuration with the file's replications"
    )
    if plan.default_horizon is not None:
        table.notes.append(f"{plan.mode} mode: the default scenario over {plan.default_horizon} days")
    return [table]


# -- scale ----------------------------------------------------------------------------------------------------------


def scale_tasks(plan: Plan) -> list[Task]:
    return [
        _command(
            f"province x{fraction:g}",
            {"scenario": "province", "days": max(1, round(plan.province_days * fraction)),
             "per_day": plan.province_per_day},
            "parquet",
            ["--executor", "local"],
        )
        for fraction in plan.province_fractions
    ]  # fmt: skip


def scale_table(plan: Plan, tasks: Sequence[Task]) -> Table:
    table = Table(
        f"{TITLES['scale']}: one licence at 32 offices, {plan.province_per_day:,.0f} arrivals a working day",
        ["horizon", "days", "citizens", "contacts", "whole process s", "citizens/s per core", "peak RSS MB",
         "time / smallest", "memory / smallest"],
    )  # fmt: skip
    first = tasks[0]
    for task in tasks:
        time = _median(task, "process_seconds")
        citizens = task.first("citizens") or 0
        table.rows.append([
            task.label.removeprefix("province "),
            str(task.params["days"]),
            f"{citizens:,}",
            f"{task.first('contacts') or 0:,}",
            seconds(task.spread("process_seconds")),
            rate(_ratio(citizens, time)),
            megabytes(task.spread("peak_rss_mb")),
            _times(_ratio(time, _median(first, "process_seconds"))),
            _times(_ratio(_median(task, "peak_rss_mb"), _median(first, "peak_rss_mb"))),
        ])  # fmt: skip
    table.notes.append(
        "one replication through run_sim.py run on the local executor (one task: one core), records as Parquet, "
        "no figures; citizens counted (warm-up 0); each office 4 counters (exponential, mean 10 min) and 2 back-office "
        "staff (5 min a file)"
    )
    return table


# -- fit --------------------------------------------------------------------------------------------------------------


def fit_log(plan: Plan, folder: Path) -> dict[str, Any]:
    """Write the log `fit` reads into `folder` (in a fresh process, not measured): its path and size."""
    path = folder / "tickets.csv"
    made = run_child("fitting", "write_log", {"scale": plan.fit_scale, "tickets": plan.fit_tickets, "path": str(path)})
    return {**made, "path": str(path)}


def fit_table(plan: Plan, log: dict[str, Any], task: Task, targets: list[Target]) -> Table:
    table = Table(
        f"{TITLES['fit']}: the bundled office x{plan.fit_scale}, {log['copies']} copies of its four weeks",
        ["workload", "tickets", "days", "file MB", "inside main() s median [min-max]", "CPU s", "tickets/s",
         "peak RSS MB [min-max]", "per day fitted (truth)"],
    )  # fmt: skip
    time = _median(task, "seconds")
    services = office_mapping(plan.fit_scale)["services"]
    truth = {name: service["arrivals"]["per_day"] for name, service in services.items()}
    fitted = task.first("per_day") or {}
    table.rows.append([
        "run_sim.py fit tickets.csv",
        f"{log['tickets']:,}",
        str(task.first("days")),
        f"{log['bytes'] / 1e6:.0f}",
        seconds(task.spread("seconds")),
        _cpu(task),
        rate(_ratio(log["tickets"], time)),
        megabytes(task.spread("peak_rss_mb")),
        ", ".join(f"{name} {fitted.get(name, 'n/a')} ({per_day:g})" for name, per_day in truth.items()),
    ])  # fmt: skip
    if plan.fit_tickets >= 1_000_000:
        ok = None if time is None else time <= MAX_FIT_SECONDS
        targets.append(Target(f"fit: {log['tickets']:,} tickets, time inside main()", f"<= {MAX_FIT_SECONDS:.0f} s",
                              "n/a" if time is None else f"{time:.1f} s", ok))  # fmt: skip
        peak = _median(task, "peak_rss_mb")
        measured = "n/a" if peak is None else f"{peak:.0f} MB"
        targets.append(Target(f"fit: {log['tickets']:,} tickets, peak memory", f"<= {MAX_FIT_MB:.0f} MB", measured,
                              None if peak is None else peak <= MAX_FIT_MB))  # fmt: skip
    table.notes.append(
        "the log: scenarios/fitting/kantor_dukcapil.yaml with its arrivals and staff multiplied, one replication of "
        "its four weeks written by run --event-log tickets, repeated four weeks apart with its citizens renamed "
        "(benchmarks/fitting.py); fit without --report, through simulator.cli.main in a fresh process; CPU s is the "
        "process's CPU time over the same span, which a busy machine does not inflate"
    )
    if plan.fit_tickets < 1_000_000:
        table.notes.append(f"{plan.mode} mode: {plan.fit_tickets:,} tickets at least, no target")
    return table


# -- optimise -------------------------------------------------------------------------------------------------------


def optimise_tasks(plan: Plan) -> list[Task]:
    path = ROOT / "scenarios" / "business_licensing.yaml"
    first, most = plan.optimise_looks
    params: dict[str, Any] = {
        "path": str(path),
        "configuration": "integrated",
        "vary": list(plan.optimise_vary),
        "require": list(plan.optimise_require),
        "first": first,
        "most": most,
        "jobs": plan.optimise_jobs,
    }
    if plan.optimise_horizon is not None:
        params |= {"horizon_days": plan.optimise_horizon, "warmup_days": 0}
    return [
        Task("optimise: monotone search", "ours", "measure_optimise", {**params, "exhaustive": False}),
        Task("optimise: exhaustive grid", "ours", "measure_optimise", {**params, "exhaustive": True}),
    ]


def optimise_table(plan: Plan, tasks: Sequence[Task], targets: list[Target]) -> Table:
    search, grid = tasks
    params = search.params
    question = "; ".join([*params["vary"], *params["require"]])
    table = Table(
        f"{TITLES['optimise']}: {Path(params['path']).stem}/{params['configuration']}, {question}",
        ["strategy", "staffings in ranges", "staffings judged", "simulations (search, selection, confirmation)",
         "chosen staffing", "staff cost a month", "wall s", "x grid's simulations"],
    )  # fmt: skip
    for task in tasks:
        stages = task.first("stages") or {}
        split = ", ".join(str(stages.get(stage, 0)) for stage in ("search", "selection", "confirmation"))
        chosen = task.first("chosen")
        cost = task.first("chosen_cost")
        table.rows.append([
            task.label.removeprefix("optimise: "),
            f"{task.first('grid'):,}",
            f"{task.first('judged'):,}",
            f"{task.first('simulations'):,} ({split})",
            "none" if chosen is None else ", ".join(f"{path.split('=')[0]}={value}" for path, value in
                                                   zip(params["vary"], chosen, strict=True)),
            "n/a" if cost is None else f"{cost:,.0f}",
            seconds(task.spread("seconds")),
            _times(_ratio(task.first("simulations"), grid.first("simulations"))),
        ])  # fmt: skip
    same = search.first("chosen") == grid.first("chosen")
    fewer = search.first("simulations") < grid.first("simulations")
    share = _ratio(search.first("simulations"), grid.first("simulations"))
    targets.append(
        Target(
            "optimise: the exhaustive grid's staffing, from fewer simulations",
            "same, fewer",
            f"{'same' if same else 'different'}, {_percent(share)} of the grid's",
            same and fewer,
        )
    )
    first, most = plan.optimise_looks
    table.notes.append(
        f"both judge each staffing the same way (one-sided t bounds at looks from {first} to {most} replications, "
        "then the winner again on fresh replications); the search also rules out staffings with no more staff "
        "anywhere than one that failed, and never simulates one costlier than a staffing found feasible"
    )
    table.notes.append(
        "run once: the simulation counts and the answer are the same on every run (same seed, any workers); "
        f"the wall time is of that run, on {params['jobs']} workers"
    )
    return table


# -- the whole run --------------------------------------------------------------------------------------------------


def targets_table(targets: Sequence[Target]) -> Table:
    table = Table(TITLES["targets"], ["target", "need", "measured", "verdict"])
    for target in targets:
        table.rows.append([target.name, target.need, target.measured, target.verdict])
    return table


def header(plan: Plan, facts: dict[str, str]) -> list[str]:
    runs = f"medians of {plan.runs} run{'s' if plan.runs > 1 else ''}"
    runs += " after a warm-up run of each workload" if plan.warmup else ", no warm-up"
    lines = [f"servicecycle benchmarks ({plan.mode} mode): {runs}, each run a fresh process"]
    lines += [f"{key}: {value}" for key, value in facts.items()]
    return lines


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"tiny sizes, one run, no warm-up (or set {QUICK_ENV}=1)")
    parser.add_argument("--runs", type=int, help="measured runs of each workload (default 5; 1 in quick mode)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument(
        "--output",
        type=Path,
        help="Markdown results file (default benchmarks/RESULTS.md for a full run of every section)",
    )
    parser.add_argument("--json", type=Path, help="also write every sample as JSON")
    parser.add_argument("--no-ciw", action="store_true", help="leave Ciw out even if it is installed")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    plan = QUICK if quick else FULL
    if args.runs is not None:
        plan = Plan(**{**asdict(plan), "runs": max(1, args.runs), "growth_factors": plan.growth_factors})
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        print(
            f"unknown sections: {', '.join(sorted(unknown))}; expected some of {', '.join(SECTIONS)}", file=sys.stderr
        )
        return 2
    output = args.output
    if output is None and not quick and set(sections) == set(SECTIONS):
        output = DEFAULT_OUTPUT
    with_ciw = ciw_available() and not args.no_ciw
    facts = machine()
    start = perf_counter()
    say = _progress(start)
    tables: list[Table] = []
    targets: list[Target] = []
    samples: dict[str, Any] = {}

    def measure(section: str, tasks: Sequence[Task]) -> None:
        say(f"{TITLES[section]}: {len(tasks)} workloads x {plan.runs} runs")
        measure_all(tasks, plan.runs, plan.warmup, say)
        samples[section] = [{"label": t.label, "params": t.params, "samples": t.samples} for t in tasks]

    if "floor" in sections:
        by_queue = floor_tasks(plan, with_ciw)
        measure("floor", [task for by_tool in by_queue.values() for task in by_tool.values()])
        tables += floor_tables(plan, by_queue, targets)
    if "realistic" in sections:
        tasks = realistic_tasks(plan)
        measure("realistic", tasks)
        tables.append(realistic_table(plan, tasks))
    if "growth" in sections:
        tasks = growth_tasks(plan)
        measure("growth", tasks)
        tables.append(growth_table(plan, tasks, targets))
    if "parallel" in sections:
        tasks = parallel_tasks(plan)
        measure("parallel", tasks)
        tables.append(parallel_table(plan, tasks, targets))
    if "records" in sections:
        floor, commands, counts, sizes = records_tasks(plan)
        runs = min(plan.records_runs, plan.runs)
        say(f"{TITLES['records']}: {len(commands) + len(counts) + 1} workloads x {runs} runs, 2 once")
        measure_all([floor, *commands], runs, plan.warmup, say)
        measure_all(counts, runs, False, say)  # long runs of the model alone: no warm-up run
        measure_all(sizes, 1, False, say)
        everything = [floor, *commands, *counts, *sizes]
        samples["records"] = [{"label": t.label, "params": t.params, "samples": t.samples} for t in everything]
        tables += records_tables(plan, floor, commands, counts, sizes, targets)
    if "scale" in sections:
        tasks = scale_tasks(plan)
        say(f"{TITLES['scale']}: {len(tasks)} workloads x 1 run")
        measure_all(tasks, 1, False, say)
        samples["scale"] = [{"label": t.label, "params": t.params, "samples": t.samples} for t in tasks]
        tables.append(scale_table(plan, tasks))
    if "fit" in sections:
        with tempfile.TemporaryDirectory(prefix="servicecycle-bench-") as folder:
            say(f"{TITLES['fit']}: writing the log of {plan.fit_tickets:,} tickets")
            log = fit_log(plan, Path(folder))
            task = Task(f"fit {log['tickets']:,} tickets", "fitting", "measure_fit", {"path": log["path"]})
            runs = min(plan.records_runs, plan.runs)
            say(f"{TITLES['fit']}: 1 workload x {runs} runs")
            measure_all([task], runs, False, say)
        samples["fit"] = [{"label": task.label, "params": task.params, "samples": task.samples, "log": log}]
        tables.append(fit_table(plan, log, task, targets))
    if "optimise" in sections:
        tasks = optimise_tasks(plan)
        say(f"{TITLES['optimise']}: {len(tasks)} workloads x 1 run (the counts do not vary)")
        measure_all(tasks, 1, False, say)
        samples["optimise"] = [{"label": t.label, "params": t.params, "samples": t.samples} for t in tasks]
        tables.append(optimise_table(plan, tasks, targets))
    tables.append(targets_table(targets))
    total = perf_counter() - start
    facts["load average at end (1, 5, 15 min)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["benchmark wall time"] = f"{total:.0f} s"
    lines = header(plan, facts)

    print("\n".join(lines))
    for table in tables:
        print()
        print(table.text())
    if output is not None:
        write_markdown(output, plan, lines, tables, with_ciw)
        print(f"\nwritten: {output}")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {"plan": asdict(plan), "machine": facts, "targets": [asdict(t) for t in targets], "sections": samples},
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


METHOD = """\
## Method

- Every measured run is a fresh Python process (`benchmarks/child.py`), started one at a time; the runs of a
  section are interleaved (a, b, c, a, b, c, ...) so a change in the machine's load touches every tool alike.
- **Wall time** is `time.perf_counter()` around the workload inside that process: building and running the
  model and collecting its records. Starting Python and importing the libraries are left out (they are paid
  once per command, not per replication); the process's whole life is in the JSON samples (`process_seconds`).
- **Peak memory** is the measured process's peak resident set size, imports included (what a user sees): VmHWM
  of `/proc/self/status` read at the end of the run (for floor and peer, of all three tools alike, before the
  benchmark tallies the waits it checks against Erlang C), or for the parallel runs the largest worker's
  (`getrusage(RUSAGE_CHILDREN)`) if larger. Not `ru_maxrss` from the parent, which Linux inflates to the
  parent's own peak across fork and exec. "after imports" is the resident set just before the workload, so
  peak minus it is what the run itself added.
- **Floor**: `benchmarks/floor.py`, a minimal SimPy script (`simpy.Resource` per station, `random.expovariate`,
  one number per customer: its wait), run for exactly N arrivals until all have left.
  **Peer**: `benchmarks/peer.py`, Ciw with the same network, `simulate_until_max_customers(N, method="Complete")`
  and `get_all_records()`. **servicecycle**: `benchmarks/ours.py`, `run_once(scenario, "siloed", 0)` on the
  equivalent scenario (as in tests/validation/test_queueing.py); `simulate()` is clocked inside it.
- Each tool's mean wait is printed against Erlang C so the three are known to do the same work (one seed per
  tool, so a few percent either way is noise at rho 0.9).
- **Optimise**: `benchmarks/ours.py` `measure_optimise`, the optimiser on the bundled business-licensing
  scenario's integrated configuration, by its monotone search and by judging every staffing in the ranges
  (`optimise(..., exhaustive=True)`), run once each: the counts and the answer do not vary from run to run.
- Targets are reported with PASS or FAIL and never asserted; no test checks a time.
"""


def write_markdown(path: Path, plan: Plan, lines: list[str], tables: Sequence[Table], with_ciw: bool) -> None:
    first, *facts = lines
    out = [
        "# servicecycle benchmark results",
        "",
        f"{first}.",
        "",
        "Made by `make bench` (`python -m benchmarks.run`).",
        "",
    ]
    out += ["| | |", "|---|---|"] + [f"| {key} | {value} |" for key, value in (fact.split(": ", 1) for fact in facts)]
    if not with_ciw:
        out += ["", "Ciw is not installed (or --no-ciw) for this run: its rows are missing."]
    targets = [t for t in tables if t.title == TITLES["targets"]]
    for table in targets + [t for t in tables if t.title != TITLES["targets"]]:
        out += ["", table.markdown()]
    out += ["", METHOD]
    path.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
