"""Sweeps: a full grid of values at dotted paths into a scenario, every point on the same citizens.

`--set agencies.tax.counters=1,2,3,4 --set citizens.rework_days=1,3` is a grid of
eight points. Each point is the scenario with those values, validated like a
scenario file before anything runs; replication r of every point and every
configuration draws the same citizens, so neighbouring points are paired.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import ValidationError

from simulator.analysis.statistics import summarise
from simulator.experiments.executors import Executor
from simulator.experiments.runs import Progress, RecordSink, Task, each_run, metrics_frame
from simulator.scenario.loading import ScenarioError, describe, parse_scalar
from simulator.scenario.schema import MAX_SWEEP_POINTS, Scenario, changed

RECORDS = {"citizens": "citizens", "contacts": "contacts", "work": "work", "agencies": "places", "hours": "hours"}
"""Result file stem -> the Run frame handed to the record sink with `--keep-records`."""


@dataclass(frozen=True)
class Parameter:
    """A dotted path into the scenario and the values it takes."""

    path: str
    values: tuple[Any, ...]


def parse_setting(text: str) -> Parameter:
    """'agencies.tax.counters=1,2,3' -> Parameter('agencies.tax.counters', (1, 2, 3))."""
    path, equals, values = text.partition("=")
    shown = text if len(text) <= 80 else text[:77] + "..."
    if values.count(",") >= MAX_SWEEP_POINTS:
        raise ScenarioError(f"--set {shown}: more than {MAX_SWEEP_POINTS:,} values (docs/limits.md)")
    pieces = [piece.strip() for piece in values.split(",")]
    if not equals or not path.strip() or not all(pieces):
        raise ScenarioError(f"--set {shown}: expected PATH=VALUE[,VALUE...], e.g. agencies.tax.counters=1,2,3")
    return Parameter(path.strip(), tuple(parse_scalar(piece, f"--set {shown}") for piece in pieces))


def parameters_of(scenario: Scenario, settings: Sequence[Parameter]) -> list[Parameter]:
    """The scenario's own `sweep:` section, with the command line's settings replacing or adding paths."""
    chosen = {path: Parameter(path, tuple(values)) for path, values in scenario.sweep.items()}
    chosen.update({setting.path: setting for setting in settings})
    return list(chosen.values())


def grid(parameters: Sequence[Parameter]) -> list[dict[str, Any]]:
    """Every combination of the parameters' values, the first parameter varying slowest."""
    paths = [p.path for p in parameters]
    return [
        dict(zip(paths, combination, strict=True)) for combination in itertools.product(*(p.values for p in parameters))
    ]


def points(scenario: Scenario, parameters: Sequence[Parameter], source: str) -> list[tuple[dict[str, Any], Scenario]]:
    """Every point of the grid and its scenario, each validated; a wrong path or value is a ScenarioError."""
    count = math.prod(len(parameter.values) for parameter in parameters)
    if count > MAX_SWEEP_POINTS:
        raise ScenarioError(f"{source}: a sweep of {count:,} points: expected at most {MAX_SWEEP_POINTS:,} "
                            "(docs/limits.md)")  # fmt: skip
    found = []
    for values in grid(parameters):
        try:
            found.append((values, changed(scenario, values)))
        except ValidationError as error:
            setting = ", ".join(f"{path}={value}" for path, value in values.items())
            raise ScenarioError(f"{source}: sweep point {setting}: {describe(error.errors()[0])}") from None
    return found


@dataclass(frozen=True)
class SweepResults:
    """Per point, configuration and metric: mean and 95% interval; and the runs behind them."""

    scenario: Scenario
    parameters: list[Parameter]
    configurations: list[str]
    replications: int
    table: pd.DataFrame
    """sweep.csv: parameter columns, configuration, metric, mean, ci_low, ci_high, replications."""
    metrics: pd.DataFrame
    """Per replication: parameter columns, configuration, replication, metric, value."""


def run_sweep(
    scenario: Scenario,
    grid_points: Sequence[tuple[dict[str, Any], Scenario]],
    configurations: Sequence[str],
    replications: int,
    executor: Executor,
    progress: Progress | None = None,
    records: RecordSink | None = None,
) -> SweepResults:
    """Run every configuration at every point (from `points`); keep only metrics.

    With a record sink, each replication's citizens, contacts, work, agencies
    and hours, with the point's parameter columns, are handed to it as it comes
    (point by point, configuration by configuration, replication by replication).
    """
    kept = records is not None
    tasks = [
        Task(at, name, r, kept, kept) for _, at in grid_points for name in configurations for r in range(replications)
    ]
    per_point = len(configurations) * replications
    kinds = _parameter_types(grid_points)
    runs = []
    for k, run in enumerate(each_run(executor, tasks, progress)):
        if records is not None:
            values = grid_points[k // per_point][0]
            records({stem: _with(getattr(run, name), values, kinds) for stem, name in RECORDS.items()})
        runs.append(run.without_records())
    tables, metrics = [], []
    for k, (values, _) in enumerate(grid_points):
        frame = metrics_frame(runs[k * per_point : (k + 1) * per_point])
        tables.append(_with(summarise(frame), values, kinds))
        metrics.append(_with(frame, values, kinds))
    return SweepResults(
        scenario=scenario,
        parameters=[
            Parameter(path, tuple(dict.fromkeys(v[path] for v, _ in grid_points))) for path in grid_points[0][0]
        ],
        configurations=list(configurations),
        replications=replications,
        table=pd.concat(tables, ignore_index=True),
        metrics=pd.concat(metrics, ignore_index=True),
    )


def _parameter_types(grid_points: Sequence[tuple[dict[str, Any], Scenario]]) -> dict[str, Any]:
    """Each parameter column's type over the whole grid, so that every point's records have the same columns."""
    return {path: pd.Series([values[path] for values, _ in grid_points]).dtype for path in grid_points[0][0]}


def _with(frame: pd.DataFrame, values: Mapping[str, Any], kinds: Mapping[str, Any]) -> pd.DataFrame:
    """The frame with one leading column per parameter, of the parameter's type over the grid."""
    frame = frame.copy(deep=False)
    for position, (path, value) in enumerate(values.items()):
        frame.insert(position, path, pd.Series([value] * len(frame), dtype=kinds[path], index=frame.index))
    return frame
