"""Replications of every configuration, and their comparison with the baseline.

Each (configuration, replication) is one independent task; the tasks run on an
executor and come back in a fixed order, so the results are the same for any
number of workers. Replication r of every configuration draws from the same
streams: the configurations meet the same citizens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from simulator.calendar import WorkCalendar
from simulator.configurations import resolve
from simulator.executors import executor_for
from simulator.metrics import Window, citizen_table, hourly_table, place_table, run_metrics, staff_cost
from simulator.model import simulate
from simulator.scenario import Scenario
from simulator.statistics import compare, summarise
from simulator.streams import Streams

CITIZEN_COLUMNS = (
    "citizen", "service", "arrival", "end", "outcome", "online", "wait_minutes", "longest_wait_minutes",
    "lead_time_days", "lead_time_calendar_days", "trips", "contacts", "rejections", "documents",
    "product_errors", "travel_minutes", "citizen_cost", "within_standard", "competence", "most_ahead",
)  # fmt: skip


@dataclass(frozen=True)
class Run:
    """What one configuration gave in one replication (counted citizens only)."""

    configuration: str
    replication: int
    citizens: pd.DataFrame
    contacts: pd.DataFrame
    work: pd.DataFrame
    places: pd.DataFrame
    hours: pd.DataFrame
    metrics: dict[str, float]


def run_once(scenario: Scenario, configuration: str, replication: int) -> Run:
    """Simulate one configuration for one replication and compute its tables and KPIs."""
    setup = resolve(scenario, configuration)
    records = simulate(scenario, configuration, replication)
    window = Window(scenario, WorkCalendar(scenario.calendar))
    citizens = citizen_table(records, scenario, setup, window, Streams(scenario.seed, replication))
    elements = scenario.satisfaction.elements
    metrics = run_metrics(citizens, staff_cost(scenario, setup, window), elements)
    counted = citizens[citizens["counted"]]
    keep = counted["citizen"]

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.reset_index(drop=True)
        frame.insert(0, "replication", replication)
        frame.insert(0, "configuration", configuration)
        return frame

    return Run(
        configuration=configuration,
        replication=replication,
        citizens=tidy(counted[[*CITIZEN_COLUMNS, *elements, "ikm"]]),
        contacts=tidy(records.contacts[records.contacts["citizen"].isin(keep)]),
        work=tidy(records.work[records.work["citizen"].isin(keep)]),
        places=tidy(place_table(records, setup, window)),
        hours=tidy(hourly_table(records, setup, window)),
        metrics=metrics,
    )


def _run_task(task: tuple[Scenario, str, int]) -> Run:
    return run_once(*task)


@dataclass(frozen=True)
class Results:
    """All runs of an experiment, as tidy frames, with the summary and the comparison."""

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

    @property
    def baseline(self) -> str:
        return self.configurations[0]


def run_experiment(
    scenario: Scenario,
    configurations: Sequence[str] | None = None,
    replications: int | None = None,
    jobs: int | None = None,
    progress: Callable[[Run], None] | None = None,
) -> Results:
    """Run every configuration (or those named; the first is the baseline) `replications` times."""
    names = list(configurations or scenario.configurations)
    count = replications or scenario.replications
    tasks = [(scenario, name, r) for r in range(count) for name in names]
    runs = []
    for run in executor_for(jobs).map(_run_task, tasks):
        runs.append(run)
        if progress is not None:
            progress(run)
    runs.sort(key=lambda run: (names.index(run.configuration), run.replication))
    metrics = pd.DataFrame(
        [(run.configuration, run.replication, metric, value) for run in runs for metric, value in run.metrics.items()],
        columns=["configuration", "replication", "metric", "value"],
    )
    return Results(
        scenario=scenario,
        configurations=names,
        replications=count,
        citizens=pd.concat([run.citizens for run in runs], ignore_index=True),
        contacts=pd.concat([run.contacts for run in runs], ignore_index=True),
        work=pd.concat([run.work for run in runs], ignore_index=True),
        agencies=pd.concat([run.places for run in runs], ignore_index=True),
        hours=pd.concat([run.hours for run in runs], ignore_index=True),
        metrics=metrics,
        summary=summarise(metrics),
        comparison=compare(metrics, names[0]),
    )
