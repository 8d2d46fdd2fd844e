"""Replications of every configuration, and their comparison with the baseline.

Each (configuration, replication) is one independent task; the tasks run on an
executor and come back in a fixed order, so the results are the same for any
number of workers. Replication r of every configuration draws from the same
streams: the configurations meet the same citizens.

The workers send back each replication's metrics and its record tables; the
records go to a sink (a callable: the files of the run, an event log) as each
replication comes back, in task order, and are not kept. Only the metrics and
the small per-agency table of every replication stay in memory, so a run's
memory does not grow with its replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.analysis.metrics import Window, citizen_table, places_of, run_metrics, staff_cost
from simulator.analysis.statistics import compare, interval, summarise, warm_up_statistics
from simulator.analysis.tally import LogTally
from simulator.experiments.executors import Executor, make_executor
from simulator.model import records as recorded
from simulator.model.calendar import WorkCalendar
from simulator.model.configurations import resolve
from simulator.model.records import LogChunk
from simulator.model.run import simulate
from simulator.model.streams import Streams
from simulator.scenario.schema import ALL_SERVICES, Scenario

CITIZEN_COLUMNS = (
    "citizen", "service", "life_event", "group", "booked", "arrival", "end", "outcome", "online", "wait_minutes",
    "longest_wait_minutes", "lead_time_days", "lead_time_calendar_days", "trips", "contacts", "rejections", "documents",
    "product_errors", "travel_minutes", "citizen_cost", "within_standard", "competence", "most_ahead",
    "procedures", "extra_cost_ratio",
)  # fmt: skip


RECORD_TABLES = ("citizens", "contacts", "work", "hours")
"""The record tables of a replication: what a record sink is given."""
RecordSink = Callable[[Mapping[str, pd.DataFrame]], None]
"""Takes the record tables (RECORD_TABLES) of each replication, in task order: all at once, or (from `run_once`)
in pieces as they are made, its hours last."""
Records = RecordSink | Literal["keep", "none"]
"""Where records go: to a sink, kept in memory in the Results ("keep"), or not made at all ("none")."""


@dataclass(frozen=True)
class Run:
    """What one configuration gave in one replication (counted citizens only).

    `metrics` holds the KPIs of every service together (`metrics["all"]`) and of
    each service. The frames are empty when the run was asked for its metrics only.
    """

    configuration: str
    replication: int
    metrics: dict[str, dict[str, float]]
    citizens: pd.DataFrame = field(default_factory=pd.DataFrame)
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    work: pd.DataFrame = field(default_factory=pd.DataFrame)
    places: pd.DataFrame = field(default_factory=pd.DataFrame)
    hours: pd.DataFrame = field(default_factory=pd.DataFrame)

    def records(self) -> dict[str, pd.DataFrame]:
        """The record tables, by name (RECORD_TABLES)."""
        return {"citizens": self.citizens, "contacts": self.contacts, "work": self.work, "hours": self.hours}

    def without_records(self) -> Run:
        """The run with its metrics and per-agency table only."""
        empty = pd.DataFrame()
        return replace(self, citizens=empty, contacts=empty, work=empty, hours=empty)


def run_once(
    scenario: Scenario, configuration: str, replication: int, records: bool = True, sink: RecordSink | None = None
) -> Run:
    """Simulate one configuration for one replication and compute its KPIs (and tables).

    The contact and work logs are tallied in chunks as they are recorded
    (`LogTally`), so a long replication does not hold them. With `sink`, the
    record tables go to it in pieces as they are made, the contacts and work
    while the replication runs, and the Run holds none of them.
    """
    setup = resolve(scenario, configuration)
    base = WorkCalendar(scenario.calendar)
    window = Window(scenario, WorkCalendar(scenario.calendar_of(configuration)), base)
    made: list[Mapping[str, pd.DataFrame]] = []
    out = made.append if sink is None else sink
    sent: set[str] = set()

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with configuration and replication in front (shared, not copied)."""
        frame = frame.reset_index(drop=True)
        rows = len(frame)
        head = {
            "configuration": pd.Categorical.from_codes(
                np.zeros(rows, dtype=np.int8), categories=pd.Index([configuration])
            ),
            "replication": np.full(rows, replication, dtype=np.int32),
        }
        return pd.DataFrame({**head, **{name: frame[name] for name in frame.columns}}, copy=False)

    def counted(arrivals: NDArray[np.float64]) -> NDArray[np.bool_]:
        return (arrivals >= window.counted_from) & (arrivals < window.counted_until)

    with LogTally(window, len(setup.services), places_of(setup) if records else ()) as tally:

        def flush(chunk: LogChunk) -> None:
            tally(chunk)
            if not records:
                return
            chosen = counted(chunk.arrivals)
            logs = {"contacts": chunk.contacts, "work": chunk.work}
            tables = {name: tidy(log[chosen[log["citizen"].to_numpy()]]) for name, log in logs.items() if len(log)}
            if tables:
                out(tables)
                sent.update(tables)

        logs = simulate(scenario, configuration, replication, flush=flush)
        if records:  # before the citizen table, so that their scratch memory and the table's never add up
            places, hours = tally.places(setup, logs.citizens)
        faced = tally.procedures(logs.citizens["citizen"].to_numpy())
    citizens = citizen_table(logs, scenario, setup, window, Streams(scenario.seed, replication), faced)
    elements = scenario.satisfaction.elements
    busy = tally.busy([str(service) for service in citizens["service"].cat.categories])
    metrics = run_metrics(
        citizens, staff_cost(scenario, setup, window), elements, list(scenario.journeys), busy, scenario.booking
    )
    if not records:
        return Run(configuration, replication, metrics)
    empty = {"contacts": logs.contacts, "work": logs.work}  # the logs' columns, no rows: a table that got none
    if missing := {name: tidy(log) for name, log in empty.items() if name not in sent}:
        out(missing)
    rows = np.flatnonzero(citizens["counted"].to_numpy())
    columns = [*CITIZEN_COLUMNS, *elements, "ikm"]
    piece = recorded.CHUNK_ROWS if sink is not None else max(len(rows), 1)
    for start in range(0, max(len(rows), 1), piece):  # a piece at a time: its copy is all the memory
        out({"citizens": tidy(citizens.iloc[rows[start : start + piece]][columns])})
    out({"hours": tidy(hours)})
    if sink is not None:
        return Run(configuration, replication, metrics, places=tidy(places))
    tables = joined(made)
    return Run(configuration, replication, metrics, tables["citizens"], tables["contacts"], tables["work"],
               tidy(places), tables["hours"])  # fmt: skip


def joined(pieces: Sequence[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Each record table of a replication from its pieces, in order.

    A log's names are numbered as they are met, so a later piece's categories
    extend an earlier one's: every piece takes the last one's before they are put together.
    """
    tables: dict[str, pd.DataFrame] = {}
    for name in RECORD_TABLES:
        frames = [piece[name] for piece in pieces if name in piece]
        if not frames:
            continue
        if len(frames) > 1:
            last = frames[-1].dtypes
            kinds = {column: kind for column, kind in last.items() if isinstance(kind, pd.CategoricalDtype)}
            frames = [frame.astype(kinds) for frame in frames]
        tables[name] = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return tables


@dataclass(frozen=True)
class Task:
    """One replication of one configuration of one scenario, to run anywhere."""

    scenario: Scenario
    configuration: str
    replication: int
    records: bool = True
    """Whether the tables are made; without them, the metrics only."""
    kept: bool = True
    """Whether the record tables (RECORD_TABLES) travel back, or only the metrics and the per-agency table."""


def run_task(task: Task, sink: RecordSink | None = None) -> Run:
    """Run a task; with `sink` (in this process), its record tables go there as they are made."""
    run = run_once(task.scenario, task.configuration, task.replication, task.records, sink if task.kept else None)
    return run if task.kept else run.without_records()


Progress = Callable[[int, int], None]
"""Told (done, total) as runs finish."""


def each_run(
    executor: Executor,
    tasks: Sequence[Task],
    progress: Progress | None = None,
    done: int = 0,
    total: int | None = None,
    function: Callable[[Task], Run] = run_task,
) -> Iterator[Run]:
    """Run tasks on an executor (with `function`, `run_task` by default); the runs one by one, in task order."""
    for finished, run in enumerate(executor.map(function, tasks), start=1):
        if progress is not None:
            progress(done + finished, total or len(tasks))
        yield run


def run_many(
    executor: Executor,
    tasks: Sequence[Task],
    progress: Progress | None = None,
    done: int = 0,
    total: int | None = None,
    sink: RecordSink | None = None,
) -> list[Run]:
    """Run tasks on an executor; results in task order, their records handed to `sink` (and dropped) if given.

    On an executor of this process, each replication's records go to the sink
    while it runs (`run_once`); from worker processes, as each replication comes back.
    """
    streamed = sink is not None and executor.in_process
    function = partial(run_task, sink=sink) if streamed else run_task
    runs = []
    for run in each_run(executor, tasks, progress, done, total, function):
        if sink is not None and not streamed:
            sink(run.records())
        runs.append(run if sink is None else run.without_records())
    return runs


def tasks_of(scenario: Scenario, names: Sequence[str], replications: range, records: Records) -> list[Task]:
    """Every configuration's replications, configuration by configuration (the order of the record files)."""
    return [Task(scenario, name, r, kept=records != "none") for name in names for r in replications]


FLOORS: dict[str, float] = {
    "wait_minutes": 1.0,
    "longest_wait_minutes": 1.0,
    "lead_time_days": 0.1,
    "trips": 0.1,
    "contacts": 0.1,
    "rejections": 0.1,
    "abandoned_share": 0.01,
    "within_standard_share": 0.01,
    "ikm": 1.0,
    "citizen_cost": 1.0,
    "staff_cost_per_case": 1.0,
}
"""Per metric, the mean below which `--precision` judges the half-width against `target x floor` instead.

A relative half-width means nothing near zero: an integrated wait of 0.04
minutes would need hundreds of replications to be known within 5% of itself.
Below the floor (1 minute, 0.1 working day, 0.1 trip, contact or rejection, 1
point of a share, 1 IKM point, 1 unit of money) the interval must be narrower
than the target's share of the floor: at 5%, 0.05 minutes for a wait.
"""


@dataclass(frozen=True)
class Precision:
    """Add replications until every chosen metric's 95% half-width is within `target` of its mean.

    A mean below the metric's floor (`FLOORS`) is judged on the half-width within `target` of the floor.
    """

    target: float
    metrics: tuple[str, ...] = ("wait_minutes", "lead_time_days")
    max_replications: int = 200
    batch: int = 5


def look_ahead(n: int, limit: int = 5) -> int:
    """Replications the precision must keep holding for, after it is first reached (Hoad et al., 2010)."""
    return limit if n <= 100 else n * limit // 100


def half_width(values: Sequence[float]) -> tuple[float, float]:
    """The mean of the values and the half-width of its 95% Student t interval (NaN while undefined)."""
    mean, low, high = interval(values)
    return mean, (high - low) / 2


def relative_half_width(values: Sequence[float], floor: float = 0.0) -> float:
    """Half-width of the 95% interval over the absolute mean, or over `floor` if larger (infinite while undefined)."""
    mean, half = half_width(values)
    if math.isnan(half):
        return math.inf
    scale = max(abs(mean), floor)
    return 0.0 if half == 0 else half / scale if scale else math.inf


def replications_needed(
    series: Sequence[Sequence[float]], target: float, floors: Sequence[float] | None = None
) -> int | None:
    """The replications algorithm of Hoad, Robinson and Davies (2010), on every series at once.

    The smallest n (at least 3) at which each series' relative half-width (against
    its floor, if the mean is below it) is within `target` and stays within it for
    the next `look_ahead(n)` replications; None while the series are too short to tell.
    """
    floors = floors or [0.0] * len(series)
    length = min(len(values) for values in series)
    precise = [
        all(relative_half_width(values[:n], floor) <= target for values, floor in zip(series, floors, strict=True))
        for n in range(length + 1)
    ]
    for n in range(3, length + 1):
        if precise[n]:
            end = n + look_ahead(n)
            if end > length:
                return None
            if all(precise[n : end + 1]):
                return n
    return None


@dataclass(frozen=True)
class Imprecise:
    """A series that was not within the target when the replications ran out."""

    configuration: str
    metric: str
    mean: float
    half_width: float
    allowed: float
    """The half-width it needed: target x max(|mean|, floor)."""


@dataclass(frozen=True)
class PrecisionReport:
    """How many replications the precision rule needed (None: not reached within the maximum)."""

    target: float
    metrics: tuple[str, ...]
    needed: int | None
    ran: int
    missed: tuple[Imprecise, ...] = ()
    """When not reached: every configuration and metric not within the target at the last replication."""


@dataclass(frozen=True)
class Results:
    """All runs of an experiment, as tidy frames, with the summary and the comparison.

    The record tables (citizens, contacts, work, hours) are here only when the
    run kept them in memory (`records="keep"`); otherwise they are empty.
    """

    scenario: Scenario
    configurations: list[str]
    replications: int
    citizens: pd.DataFrame
    contacts: pd.DataFrame
    work: pd.DataFrame
    agencies: pd.DataFrame
    hours: pd.DataFrame
    metrics: pd.DataFrame
    summary: pd.DataFrame
    comparison: pd.DataFrame
    precision: PrecisionReport | None = None

    @property
    def baseline(self) -> str:
        return self.configurations[0]


def metrics_frame(runs: Sequence[Run]) -> pd.DataFrame:
    """Per-replication metrics in long form: configuration, service (`all`, then each), replication, metric, value."""
    return pd.DataFrame(
        [
            (run.configuration, service, run.replication, metric, value)
            for run in runs
            for service, metrics in run.metrics.items()
            for metric, value in metrics.items()
        ],
        columns=["configuration", "service", "replication", "metric", "value"],
    )


def run_experiment(
    scenario: Scenario,
    configurations: Sequence[str] | None = None,
    replications: int | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    precision: Precision | None = None,
    records: Records = "keep",
) -> Results:
    """Run every configuration (or those named; the first is the baseline) `replications` times.

    Without an executor, `jobs` local worker processes run the replications.
    With `precision`, replications are added in batches until the precision rule holds.
    `records` says where each replication's record tables go: kept in the
    Results (for a small run), handed to a sink as they come, or nowhere.
    """
    names = list(configurations or scenario.configurations)
    count = replications or scenario.replications
    sink = None if isinstance(records, str) else records  # kept: each run holds its own record tables
    warm_up_statistics()  # before any worker forks: the workers share it, and the summary is not slowed at the end
    with executor or make_executor("local", jobs) as pool:
        runs = run_many(pool, tasks_of(scenario, names, range(count), records), progress, sink=sink)
        report = None
        while precision is not None:
            series = _series(runs, names, precision.metrics)
            floors = [FLOORS.get(metric, 0.0) for _ in names for metric in precision.metrics]
            needed = replications_needed(series, precision.target, floors)
            if needed is not None or count >= precision.max_replications:
                missed = () if needed is not None else _missed(series, names, precision, floors)
                report = PrecisionReport(precision.target, precision.metrics, needed, count, missed)
                break
            more = min(precision.batch, precision.max_replications - count)
            tasks = tasks_of(scenario, names, range(count, count + more), records)
            runs += run_many(pool, tasks, progress, len(runs), len(runs) + len(tasks), sink)
            count += more
    order = sorted(range(len(runs)), key=lambda k: (names.index(runs[k].configuration), runs[k].replication))
    runs = [runs[k] for k in order]
    metrics = metrics_frame(runs)
    return Results(
        scenario=scenario,
        configurations=names,
        replications=count,
        citizens=_concat(runs, "citizens", records == "keep"),
        contacts=_concat(runs, "contacts", records == "keep"),
        work=_concat(runs, "work", records == "keep"),
        agencies=pd.concat([run.places for run in runs], ignore_index=True),
        hours=_concat(runs, "hours", records == "keep"),
        metrics=metrics,
        summary=summarise(metrics),
        comparison=compare(metrics, names[0]),
        precision=report,
    )


def _concat(runs: Sequence[Run], name: str, kept: bool) -> pd.DataFrame:
    """A record table of every replication, one after another, if they were kept; else empty."""
    return pd.concat([getattr(run, name) for run in runs], ignore_index=True) if kept and runs else pd.DataFrame()


def _series(runs: Sequence[Run], names: Sequence[str], metrics: Sequence[str]) -> list[list[float]]:
    """Each (configuration, metric) series of every service together over replications, in replication order."""
    ordered = sorted(runs, key=lambda run: run.replication)
    return [
        [run.metrics[ALL_SERVICES][metric] for run in ordered if run.configuration == name]
        for name in names
        for metric in metrics
    ]


def _missed(
    series: Sequence[Sequence[float]], names: Sequence[str], precision: Precision, floors: Sequence[float]
) -> tuple[Imprecise, ...]:
    """The series not within the target over all their replications, with their half-widths."""
    labels = [(name, metric) for name in names for metric in precision.metrics]
    missed = []
    for (name, metric), values, floor in zip(labels, series, floors, strict=True):
        if relative_half_width(values, floor) > precision.target:
            mean, half = half_width(values)
            missed.append(Imprecise(name, metric, mean, half, precision.target * max(abs(mean), floor)))
    return tuple(missed)
