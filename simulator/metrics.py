"""Pure functions from the recorded logs of one run to its tables and KPIs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulator.calendar import DAY, WorkCalendar
from simulator.configurations import Setup
from simulator.records import RunRecords
from simulator.satisfaction import index, survey
from simulator.scenario import FRONT_OFFICE, Scenario
from simulator.streams import Streams

HEADLINE = (
    "wait_minutes",
    "longest_wait_minutes",
    "lead_time_days",
    "trips",
    "contacts",
    "rejections",
    "abandoned_share",
    "within_standard_share",
    "ikm",
    "citizen_cost",
    "staff_cost_per_case",
)
"""The metrics every run reports (names fixed by the result-file contract)."""


class Window:
    """The observation window: from the end of the warm-up to the end of the horizon."""

    def __init__(self, scenario: Scenario, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.counted_from = calendar.workday(scenario.warmup_days) * DAY
        self.start = calendar.working_minutes(calendar.opening(calendar.workday(scenario.warmup_days)))
        self.working_minutes = (scenario.horizon_days - scenario.warmup_days) * calendar.day_length
        self.end = self.start + self.working_minutes
        self.horizon_hours = scenario.horizon_days * calendar.day_length / 60
        days = [calendar.workday(k) for k in range(scenario.warmup_days, scenario.horizon_days)]
        minutes = calendar.open + np.arange(calendar.day_length) + 0.5
        self.grid = (np.asarray(days, dtype=np.float64)[:, None] * DAY + minutes).ravel()
        """The middle of every opening minute in the window, for averages by hour of day."""

    def count_within(self, times: pd.Series) -> int:
        """How many of `times` fall inside the window."""
        worked = self.calendar.working_minutes_of(times.to_numpy(dtype=np.float64))
        return int(((worked >= self.start) & (worked < self.end)).sum())

    def overlap(self, starts: pd.Series, ends: pd.Series) -> float:
        """Working minutes of the intervals [start, end) that fall inside the window, summed."""
        begin = self.calendar.working_minutes_of(starts.to_numpy(dtype=np.float64))
        finish = self.calendar.working_minutes_of(ends.to_numpy(dtype=np.float64))
        return float(np.clip(np.minimum(finish, self.end) - np.maximum(begin, self.start), 0, None).sum())


def citizen_table(
    records: RunRecords, scenario: Scenario, setup: Setup, window: Window, streams: Streams
) -> pd.DataFrame:
    """The citizen table with lead times, costs, the service standard and survey answers."""
    citizens = records.citizens  # new columns only: copy-on-write leaves the recorded ones shared
    calendar = window.calendar
    citizens["counted"] = citizens["arrival"] >= window.counted_from
    completed = citizens["outcome"] == "completed"
    lead = calendar.working_minutes_of(citizens["end"].to_numpy()) - calendar.working_minutes_of(
        citizens["arrival"].to_numpy()
    )
    citizens["lead_time_days"] = np.where(completed, lead / calendar.day_length, np.nan)
    citizens["lead_time_calendar_days"] = np.where(completed, (citizens["end"] - citizens["arrival"]) / DAY, np.nan)
    plans = setup.services
    service = citizens["service"].astype(str)
    citizens["standard_days"] = service.map({sid: plan.standard_days for sid, plan in plans.items()}).astype(float)
    citizens["within_standard"] = np.where(completed, citizens["lead_time_days"] <= citizens["standard_days"], np.nan)
    fee = service.map({sid: plan.fee for sid, plan in plans.items()}).astype(float)
    per_trip = scenario.citizens.cost_per_trip
    citizens["citizen_cost"] = fee + per_trip * citizens["trips"]
    citizens["trips_cost_beyond_fee"] = (citizens["citizen_cost"] - fee) / per_trip if per_trip else 0.0
    answers = survey(citizens, scenario.satisfaction, streams)
    return citizens.assign(**{name: answers[name] for name in answers.columns})


def staff_cost(scenario: Scenario, setup: Setup, window: Window) -> float:
    """Every counter and back-office officer paid for the opening hours of the horizon days."""
    total = 0.0
    for agency in setup.catalogue.agencies.values():
        staff = agency.backoffice + (0 if setup.single else agency.counters)
        total += staff * agency.wage_per_hour
    if setup.single:
        total += setup.front_office_counters * setup.front_office_wage
    return total * window.horizon_hours


def place_table(records: RunRecords, setup: Setup, window: Window) -> pd.DataFrame:
    """Per desk or agency: staff, utilisation, citizens served and queue length in the window."""
    contacts = records.contacts[["agency", "kind", "queued", "started", "ended", "ahead"]]
    work = records.work
    served = contacts.loc[contacts["kind"].isin(["submission", "pickup"]) & contacts["started"].notna(),
                          ["agency", "started", "ended"]]  # fmt: skip
    officers = work.loc[work["kind"] == "backoffice", ["agency", "started", "ended"]]
    desks = setup.desks
    rows = []
    for place in [*setup.catalogue.agencies, *([FRONT_OFFICE] if setup.single else [])]:
        counters = desks.get(place, 0)
        backoffice = setup.catalogue.agencies[place].backoffice if place in setup.catalogue.agencies else 0
        at_desk = served[served["agency"] == place]
        queueing = contacts[contacts["agency"] == place]
        queue_minutes = window.overlap(queueing["queued"], queueing["started"].fillna(queueing["ended"]))
        busy = window.overlap(at_desk["started"], at_desk["ended"])
        office = officers[officers["agency"] == place]
        working = window.overlap(office["started"], office["ended"])
        rows.append(
            {
                "agency": place,
                "counters": counters,
                "backoffice_staff": backoffice,
                "counter_utilization": busy / (counters * window.working_minutes) if counters else np.nan,
                "backoffice_utilization": working / (backoffice * window.working_minutes) if backoffice else np.nan,
                "served": window.count_within(at_desk["started"]),
                "mean_queue": queue_minutes / window.working_minutes if counters else np.nan,
                "max_queue": int(queueing["ahead"].max()) + 1 if len(queueing) else 0,
            }
        )
    return pd.DataFrame(rows)


def hourly_table(records: RunRecords, setup: Setup, window: Window) -> pd.DataFrame:
    """Per desk and hour of day: mean queue length and counter utilisation over the window."""
    contacts = records.contacts
    grid = window.grid
    hour = (grid % DAY // 60).astype(np.int64)
    frames = []
    for desk, counters in setup.desks.items():
        queueing = contacts[contacts["agency"] == desk]
        left = queueing["started"].fillna(queueing["ended"])
        served = queueing.dropna(subset=["started"])
        queue = _in_progress(queueing["queued"], left, grid)
        busy = _in_progress(served["started"], served["ended"], grid)
        frame = pd.DataFrame({"hour": hour, "mean_queue": queue, "counter_utilization": busy / counters})
        frames.append(frame.groupby("hour", as_index=False).mean().assign(agency=desk))
    columns = ["agency", "hour", "mean_queue", "counter_utilization"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _in_progress(starts: pd.Series, ends: pd.Series, times: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) contain each of `times`."""
    begun = np.searchsorted(np.sort(starts.to_numpy(dtype=np.float64)), times, side="right")
    over = np.searchsorted(np.sort(ends.to_numpy(dtype=np.float64)), times, side="right")
    return (begun - over).astype(np.float64)


def run_metrics(citizens: pd.DataFrame, staff_total: float, elements: list[str]) -> dict[str, float]:
    """The KPIs of one run from its citizen table (all citizens, counted or not)."""
    counted = citizens[citizens["counted"]]
    completed = counted[counted["outcome"] == "completed"]
    every_completed = (citizens["outcome"] == "completed").sum()
    respondents = counted.dropna(subset=["ikm"])
    metrics: dict[str, Any] = {
        "wait_minutes": counted["wait_minutes"].mean(),
        "longest_wait_minutes": counted["longest_wait_minutes"].mean(),
        "lead_time_days": completed["lead_time_days"].mean(),
        "trips": counted["trips"].mean(),
        "contacts": counted["contacts"].mean(),
        "rejections": counted["rejections"].mean(),
        "abandoned_share": (counted["outcome"] == "abandoned").mean(),
        "within_standard_share": completed["within_standard"].mean(),
        "ikm": index(respondents),
        "citizen_cost": counted["citizen_cost"].mean(),
        "staff_cost_per_case": staff_total / every_completed if every_completed else np.nan,
        "lead_time_calendar_days": completed["lead_time_calendar_days"].mean(),
        "wait_minutes_p90": counted["wait_minutes"].quantile(0.9),
        "lead_time_days_p50": completed["lead_time_days"].median(),
        "lead_time_days_p90": completed["lead_time_days"].quantile(0.9),
        "documents": counted["documents"].mean(),
        "product_errors": counted["product_errors"].mean(),
        "travel_minutes": counted["travel_minutes"].mean(),
        "online_share": counted["online"].mean(),
        "arrived": float(len(counted)),
        "completed": float(len(completed)),
        "in_system": float((counted["outcome"] == "in_system").sum()),
    }
    for element in elements:
        metrics[element] = respondents[element].mean()
    return {name: float(value) for name, value in metrics.items()}
