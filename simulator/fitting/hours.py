"""The office's calendar as its tickets show it: opening hours, workdays, closures.

Opening is the earliest ticket of any day, rounded down to a quarter hour;
closing the latest, rounded up; a weekday whose own hours differ gets its own.
A weekday is a workday when tickets were seen on at least half of its dates;
a workday with no ticket at all is a closure (a holiday).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
QUARTER = 15


def clock(minute: float) -> str:
    """Minutes after midnight -> 'HH:MM'.

    >>> clock(495)
    '08:15'
    """
    whole = round(minute)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def minute_of_day(times: pd.Series) -> pd.Series:
    """Minutes after midnight of each time (NaN where missing)."""
    minutes: pd.Series = (times - times.dt.normalize()).dt.total_seconds() / 60
    return minutes


@dataclass(frozen=True)
class FittedCalendar:
    """Opening hours (minutes after midnight), workdays, closures, and the dates the office was open."""

    start: pd.Timestamp
    open: int
    close: int
    workdays: list[str]
    hours: dict[str, tuple[int, int]]
    holidays: list[pd.Timestamp]
    open_days: list[pd.Timestamp] = field(default_factory=list)

    def hours_of(self, weekday: str) -> tuple[int, int]:
        return self.hours.get(weekday, (self.open, self.close))

    @property
    def hour_slots(self) -> int:
        """Hour slots from opening to closing (a last partial hour counts), as the scenario's profile has."""
        return math.ceil((self.close - self.open) / 60)


def _rounded(first: float, last: float) -> tuple[int, int]:
    return int(first // QUARTER * QUARTER), int(math.ceil(last / QUARTER) * QUARTER)


def fit_calendar(tickets: pd.DataFrame) -> FittedCalendar:
    """The calendar of the (clean, non-empty) tickets."""
    issued = tickets["issued"]
    day = issued.dt.normalize()
    minute = minute_of_day(issued)
    daily = pd.DataFrame({"first": minute.groupby(day).min(), "last": minute.groupby(day).max()})
    daily["weekday"] = [WEEKDAYS[d.day_of_week] for d in daily.index]
    opens, closes = _rounded(daily["first"].min(), daily["last"].max())
    span = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    seen = set(daily.index)
    workdays = []
    for k, name in enumerate(WEEKDAYS):
        dates = [d for d in span if d.day_of_week == k]
        if dates and sum(d in seen for d in dates) >= len(dates) / 2:
            workdays.append(name)
    hours: dict[str, tuple[int, int]] = {}
    for weekday, group in daily.groupby("weekday"):
        name = str(weekday)
        own = _rounded(group["first"].min(), group["last"].max())
        if name in workdays and own != (opens, closes) and len(group) >= 2:
            hours[name] = own
    holidays = [d for d in span if WEEKDAYS[d.day_of_week] in workdays and d not in seen]
    return FittedCalendar(daily.index.min(), opens, closes, workdays, hours, holidays, sorted(seen))


def hour_slot(times: pd.Series, opens: int) -> np.ndarray:
    """The opening-hour slot (0 = the first hour after opening) of each time."""
    return np.floor((minute_of_day(times).to_numpy() - opens) / 60).astype(np.int64)
