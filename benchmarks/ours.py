"""servicecycle's side: the same queues written as scenarios, the bundled scenarios, replications in parallel, optimise.

Every measurement goes through the Python API as a user would call it:
`run_once(scenario, configuration, replication)` simulates, records
everything the model normally records and computes the tables and KPIs of
one replication. The time spent inside `simulate()` is clocked separately by
wrapping the name `run_once` calls, so one run gives both numbers.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

from benchmarks.child import peak_kib
from simulator.experiments import runs as experiment
from simulator.experiments.executors import make_executor
from simulator.experiments.optimise import optimise
from simulator.experiments.optimise_question import Question, make_variable, parse_requirement
from simulator.experiments.runs import run_experiment, run_once
from simulator.scenario.loading import load_scenario, read_mapping, validate
from simulator.scenario.schema import Scenario

MINUTES_PER_DAY = 1440
ALWAYS_OPEN = {"open": "00:00", "close": "24:00", "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def queue_mapping(
    rate: float, servers: int, stations: int, service_mean: float, days: int, seed: int
) -> dict[str, Any]:
    """A tandem of M/M/c stations (one station: M/M/c) as a scenario, like tests/validation/test_queueing.py.

    One service whose steps each need the previous step's output, at agencies
    `station1`, `station2`, ... with `servers` counters, exponential counter
    times, no back office, no travel, no defects, in an office that never
    closes; `rate` arrivals a minute for `days` days.
    """
    steps: list[dict[str, Any]] = []
    for k in range(stations):
        step: dict[str, Any] = {
            "id": f"step{k + 1}",
            "agency": f"station{k + 1}",
            "counter": {"dist": "exponential", "mean": service_mean},
        }
        if k:
            step["requires"] = [f"step{k}"]
        steps.append(step)
    return {
        "name": f"benchmark tandem of {stations} M/M/{servers}",
        "seed": seed,
        "horizon_days": days,
        "warmup_days": 0,
        "replications": 1,
        "calendar": ALWAYS_OPEN,
        "agencies": {
            f"station{k + 1}": {"counters": servers, "backoffice": 0, "travel_minutes": 0} for k in range(stations)
        },
        "services": {
            "visit": {"arrivals": {"per_day": rate * MINUTES_PER_DAY}, "standard_days": 1, "steps": steps}
        },
        "configurations": {"siloed": {"preset": "siloed"}},
    }


def queue_scenario(rate: float, servers: int, stations: int, service_mean: float, days: int, seed: int) -> Scenario:
    """The queues of `queue_mapping` as a scenario."""
    return validate(queue_mapping(rate, servers, stations, service_mean, days, seed), "benchmark.yaml")


def bundled_scenario(path: str, horizon_days: int | None = None, warmup_days: int | None = None) -> Scenario:
    """A scenario file as it is, or with a shorter horizon (quick mode)."""
    if horizon_days is None:
        return load_scenario(path)
    mapping = read_mapping(Path(path))
    mapping["horizon_days"] = horizon_days
    mapping["warmup_days"] = warmup_days or 0
    return validate(mapping, Path(path).name)


class SimulateClock:
    """Clocks the calls `run_once` makes to `simulate` and counts what they recorded.

    The time the logs' chunks take to be tallied and written (the `flush`
    handed to `simulate`) is left out: it is run_once's work, not the model's.

    If `run_once` no longer calls `simulator.experiments.runs.simulate`, `calls` stays 0
    and the split is reported as unknown rather than wrong.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.citizens = 0
        self.contacts = 0
        self._original: Any = None

    def __enter__(self) -> SimulateClock:
        self._original = getattr(experiment, "simulate", None)
        if self._original is not None:
            experiment.simulate = self._timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._original is not None:
            experiment.simulate = self._original

    def _timed(self, *args: Any, **kwargs: Any) -> Any:
        flush = kwargs.get("flush")
        flushing = 0.0
        if flush is not None:  # the logs go out in chunks while the run goes on: counted there, and not clocked

            def counted(chunk: Any) -> None:
                nonlocal flushing
                begun = perf_counter()
                self.contacts += len(chunk.contacts)
                flush(chunk)
                flushing += perf_counter() - begun

            kwargs["flush"] = counted
        start = perf_counter()
        records = self._original(*args, **kwargs)
        self.seconds += perf_counter() - start - flushing
        self.calls += 1
        self.citizens += len(records.citizens)
        self.contacts += len(records.contacts)
        return records


def _timed_run_once(scenario: Scenario, configuration: str) -> tuple[experiment.Run, float, float, SimulateClock]:
    with SimulateClock() as clock:
        start, cpu = perf_counter(), process_time()
        run = run_once(scenario, configuration, 0)
        seconds, cpu = perf_counter() - start, process_time() - cpu
    return run, seconds, cpu, clock


def measure_queue(params: dict[str, Any]) -> dict[str, Any]:
    """One replication of a queue scenario: time, recorded volume and mean waits (overall and per station)."""
    scenario = queue_scenario(
        params["rate"], params["servers"], params["stations"], params["service_mean"], params["days"], params["seed"]
    )
    run, seconds, cpu, clock = _timed_run_once(scenario, "siloed")
    peak = peak_kib()  # before the waits below are tallied: those are the benchmark's check, not the run
    contacts = run.contacts
    waits = (contacts["started"] - contacts["queued"]).groupby(contacts["agency"].astype(str)).mean()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_kib": peak,
        "simulate_seconds": clock.seconds if clock.calls else None,
        "customers": clock.citizens if clock.calls else len(run.citizens),
        "contacts": clock.contacts if clock.calls else len(contacts),
        "expected_customers": params["rate"] * MINUTES_PER_DAY * params["days"],
        "mean_wait": float(run.metrics["all"]["wait_minutes"]),
        "station_waits": [float(waits[f"station{k + 1}"]) for k in range(params["stations"])],
    }


def measure_scenario(params: dict[str, Any]) -> dict[str, Any]:
    """One replication of one configuration of a scenario file."""
    scenario = bundled_scenario(params["path"], params.get("horizon_days"), params.get("warmup_days"))
    run, seconds, cpu, clock = _timed_run_once(scenario, params["configuration"])
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "simulate_seconds": clock.seconds if clock.calls else None,
        "citizens": clock.citizens if clock.calls else len(run.citizens),
        "contacts": clock.contacts if clock.calls else len(run.contacts),
        "counted_citizens": len(run.citizens),
        "horizon_days": scenario.horizon_days,
    }


def measure_experiment(params: dict[str, Any]) -> dict[str, Any]:
    """`run_experiment` of one configuration, `replications` times, on `jobs` workers."""
    scenario = bundled_scenario(params["path"], params.get("horizon_days"), params.get("warmup_days"))
    start = perf_counter()
    results = run_experiment(
        scenario, configurations=[params["configuration"]], replications=params["replications"], jobs=params["jobs"]
    )
    seconds = perf_counter() - start
    return {"seconds": seconds, "citizens": len(results.citizens), "replications": results.replications}


def measure_two_at_once(params: dict[str, Any]) -> dict[str, Any]:
    """Two processes at once, each `run_experiment` of half the replications on one worker.

    No executor is involved: the two processes share nothing but the machine,
    so their speed-up over one process doing all the replications is what the
    machine itself gives two busy processes, the yardstick for the executor's.
    """
    context = multiprocessing.get_context("fork")
    half = {**params, "replications": params["replications"] // 2, "jobs": 1}
    start = perf_counter()
    halves = [context.Process(target=measure_experiment, args=(half,)) for _ in range(2)]
    for process in halves:
        process.start()
    for process in halves:
        process.join()
    if any(process.exitcode for process in halves):
        raise RuntimeError("a half of the two-at-once run failed")
    return {"seconds": perf_counter() - start, "replications": 2 * half["replications"]}


def measure_optimise(params: dict[str, Any]) -> dict[str, Any]:
    """`optimise` on a bundled scenario, by the monotone search or, with `exhaustive`, every staffing in the ranges."""
    scenario = bundled_scenario(params["path"], params.get("horizon_days"), params.get("warmup_days"))
    name, source = params["configuration"], Path(params["path"]).name
    question = Question(
        scenario,
        name,
        tuple(make_variable(scenario, name, text, source) for text in params["vary"]),
        tuple(parse_requirement(scenario, text, source) for text in params["require"]),
        first=params["first"],
        most=params["most"],
    )
    start, cpu = perf_counter(), process_time()
    with make_executor("local", params["jobs"]) as executor:
        answer = optimise(question, executor, exhaustive=params["exhaustive"], source=source)
    return {
        "seconds": perf_counter() - start,
        "cpu_seconds": process_time() - cpu,
        "simulations": answer.total_simulations,
        "stages": dict(answer.simulations),
        "judged": len(answer.verdicts),
        "grid": answer.grid,
        "chosen": None if answer.chosen is None else list(answer.chosen),
        "chosen_cost": None if answer.chosen is None else answer.chosen_cost,
        "confirmations": answer.confirmations,
        "contradictions": answer.contradictions,
    }
