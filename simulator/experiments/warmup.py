"""When has the system warmed up? MSER-5 on the daily means of a long run.

A run starts with empty queues and idle back offices. Citizens arriving in the
first days meet a system that is not yet typical; `warmup_days` leaves them out
of the statistics. MSER-5 (White, 1997; Hoad, Robinson and Davies, 2010)
batches a series into means of five observations and cuts where the mean
squared error of what remains is smallest, looking only at the first half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.experiments.executors import Executor
from simulator.experiments.runs import Progress, run_experiment
from simulator.model.calendar import DAY, WorkCalendar
from simulator.scenario.schema import Scenario

BATCH = 5
SERIES = ("wait_minutes", "lead_time_days")
"""What is watched, per working day of arrival."""
NEGLIGIBLE_MINUTES = 1.0
"""A series whose mean is under a minute (of wait, or of working time for lead times) is noise around zero.

A system started empty is biased low at first; when the level it settles at is
under a minute, so is the bias, and MSER-5 would only be cutting at noise.
"""


def mser5(series: Sequence[float]) -> int:
    """The number of leading observations to cut (a multiple of five)."""
    values = np.asarray(series, dtype=np.float64)
    batches = len(values) // BATCH
    if batches < 2:
        return 0
    means = values[: batches * BATCH].reshape(batches, BATCH).mean(axis=1)
    errors = [float(np.var(means[d:]) / (batches - d)) for d in range(batches // 2 + 1)]
    return BATCH * int(np.argmin(errors))


@dataclass(frozen=True)
class WarmupStudy:
    """Daily means of a long run, where MSER-5 cuts each series, and the suggested warm-up."""

    scenario: Scenario
    horizon_days: int
    replications: int
    series: pd.DataFrame
    """configuration, metric, day (working day of arrival, from 0), value (mean over replications)."""
    cuts: pd.DataFrame
    """configuration, metric, cut (working days), ignored (a series of noise around zero)."""
    suggestion: int
    """The largest cut of a series not ignored: `warmup_days` for the scenario."""
    horizon_suggestion: int
    """`horizon_days` that keeps the scenario's counted days after the suggested warm-up."""


def daily_means(citizens: pd.DataFrame, calendar: WorkCalendar) -> pd.DataFrame:
    """Each metric's mean per configuration and working day of arrival, over replications."""
    day = (citizens["arrival"] // DAY).astype(int)
    workday = day.map({d: calendar.workdays_before(d) for d in day.unique()})
    frame = citizens.assign(day=workday).melt(
        id_vars=["configuration", "replication", "day"], value_vars=list(SERIES), var_name="metric"
    )
    per_replication = frame.groupby(["configuration", "metric", "day", "replication"], sort=False).mean()
    return per_replication.groupby(["configuration", "metric", "day"], sort=False)["value"].mean().reset_index()


def study_warmup(
    scenario: Scenario,
    horizon_days: int,
    replications: int,
    configurations: Sequence[str],
    executor: Executor,
    progress: Progress | None = None,
) -> WarmupStudy:
    """Run a long horizon from empty, and cut each daily series with MSER-5."""
    long = scenario.model_copy(update={"horizon_days": horizon_days + tail(horizon_days), "warmup_days": 0})
    results = run_experiment(long, configurations, replications, executor=executor, progress=progress)
    series = daily_means(results.citizens, WorkCalendar(scenario.calendar))
    series = series[series["day"] < horizon_days].reset_index(drop=True)
    cuts = cut_series(series, WorkCalendar(scenario.calendar).day_length)
    suggestion = int(cuts.loc[~cuts["ignored"], "cut"].max()) if (~cuts["ignored"]).any() else 0
    return WarmupStudy(long, horizon_days, replications, series, cuts, suggestion, horizon_for(scenario, suggestion))


def cut_series(series: pd.DataFrame, day_length: float) -> pd.DataFrame:
    """Where MSER-5 cuts each (configuration, metric) series, and whether the series is ignored as noise."""
    rows = []
    for (configuration, metric), group in series.sort_values("day").groupby(["configuration", "metric"], sort=False):
        values = group["value"].dropna().to_list()
        ignored = negligible(values, str(metric), day_length)
        rows.append({"configuration": configuration, "metric": metric, "cut": mser5(values), "ignored": ignored})
    return pd.DataFrame(rows, columns=["configuration", "metric", "cut", "ignored"])


def negligible(values: Sequence[float], metric: str, day_length: float) -> bool:
    """True when a daily series is flat at zero or within noise of it: its mean is under `NEGLIGIBLE_MINUTES`."""
    floor = NEGLIGIBLE_MINUTES / day_length if metric.endswith("_days") else NEGLIGIBLE_MINUTES
    return not len(values) or float(np.mean(values)) < floor


def horizon_for(scenario: Scenario, warmup_days: int) -> int:
    """The horizon that keeps the scenario's counted days (horizon less warm-up) after `warmup_days`."""
    return max(scenario.horizon_days, warmup_days + scenario.horizon_days - scenario.warmup_days)


def tail(horizon_days: int) -> int:
    """Days run beyond the studied ones: citizens of the last days meet an office that empties."""
    return max(5, horizon_days // 4)


def settled(study: WarmupStudy) -> bool:
    """False when MSER-5 cut as far as it may look (half the series): the run was too short to tell."""
    return study.suggestion < BATCH * ((study.horizon_days // BATCH) // 2)


def default_horizon(scenario: Scenario) -> int:
    """A long run for the study: four times the scenario's horizon, and at least 100 working days."""
    return max(100, 4 * scenario.horizon_days, math.ceil(scenario.warmup_days * 10))
