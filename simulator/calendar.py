"""Opening hours and working-time arithmetic.

The clock runs in minutes from 00:00 of day 0 (the calendar's `start`). Work
in the back office advances only in working time: 90 working minutes started
at 15:30 on a Friday end at 09:00 on Monday (08:00-16:00, Monday to Friday).

>>> from simulator.scenario import Calendar
>>> week = WorkCalendar(Calendar(start=date(2026, 1, 5)))  # a Monday
>>> friday_1530 = 4 * DAY + 15.5 * 60
>>> week.add_working(friday_1530, 90) == 7 * DAY + 9 * 60  # Monday 09:00
True
"""

from __future__ import annotations

import bisect
import math
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from simulator.scenario import WEEKDAYS, Calendar

DAY = 1440.0
"""Minutes in a calendar day."""


class WorkCalendar:
    """Which days are working days, when offices open and close, and working time."""

    def __init__(self, spec: Calendar) -> None:
        self.open = float(spec.open_minute)
        self.close = float(spec.close_minute)
        self.day_length = self.close - self.open
        """Working minutes in one working day."""
        start = spec.start
        self._weekday_open = [WEEKDAYS[(start.weekday() + i) % 7] in spec.workdays for i in range(7)]
        self._holidays = {(h - start).days for h in spec.holidays if h >= start}
        self._last_holiday = max(self._holidays, default=-1)
        self._start = start
        self._days: list[int] = []
        self._scanned = -1
        self._closing: dict[int, float] = {}

    def is_workday(self, day: int) -> bool:
        return self._weekday_open[day % 7] and day not in self._holidays

    def _extend(self, count: int | None = None, through_day: int | None = None) -> None:
        while (count is not None and len(self._days) < count) or (
            through_day is not None and self._scanned < through_day
        ):
            self._scanned += 1
            if self.is_workday(self._scanned):
                self._days.append(self._scanned)

    def workday(self, k: int) -> int:
        """The calendar day of the k-th working day (k = 0 is the first)."""
        self._extend(count=k + 1)
        return self._days[k]

    def workdays_before(self, day: int) -> int:
        """How many working days come before calendar day `day`."""
        self._extend(through_day=day)
        return bisect.bisect_left(self._days, day)

    def workday_after(self, day: int, n: int = 1) -> int:
        """The n-th working day after calendar day `day`."""
        return self.workday(self.workdays_before(day + 1) + n - 1)

    def date_of(self, day: int) -> date:
        return self._start + timedelta(days=day)

    def opening(self, day: int) -> float:
        """The minute a working day opens."""
        return day * DAY + self.open

    def is_open(self, t: float) -> bool:
        day = int(t // DAY)
        return self.is_workday(day) and self.open <= t - day * DAY < self.close

    def closing_time(self, t: float) -> float:
        """When the opening that contains `t` ends; infinite for a calendar that never closes."""
        day = int(t // DAY)
        found = self._closing.get(day)
        if found is None:
            found = self._stretch_end(day)
            self._closing[day] = found
        return found

    def _stretch_end(self, day: int) -> float:
        if not (self.open == 0 and self.close == DAY):
            return day * DAY + self.close
        if all(self._weekday_open) and day >= self._last_holiday:
            return math.inf
        while self.is_workday(day + 1):
            day += 1
        return (day + 1) * DAY

    def working_minutes(self, t: float) -> float:
        """Working minutes from the start of day 0 to `t`."""
        day = int(t // DAY)
        done = self.workdays_before(day) * self.day_length
        if self.is_workday(day):
            done += min(max(t - day * DAY - self.open, 0.0), self.day_length)
        return done

    def working_minutes_of(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        """`working_minutes` of many times at once (NaN stays NaN)."""
        times = np.asarray(times, dtype=np.float64)
        known = np.isfinite(times)
        self._extend(count=1, through_day=int(times[known].max() // DAY) + 1 if known.any() else 0)
        days = np.asarray(self._days, dtype=np.float64)
        day = np.floor(np.where(known, times, 0.0) / DAY)
        before = np.searchsorted(days, day, side="left")
        working = (before < len(days)) & (days[np.minimum(before, len(days) - 1)] == day)
        within = np.clip(times - day * DAY - self.open, 0.0, self.day_length)
        done = before * self.day_length + np.where(working, within, 0.0)
        return np.where(known, done, np.nan)

    def at_working_minutes(self, w: float) -> float:
        """The earliest time at which `w` working minutes have passed since day 0."""
        k = int(w // self.day_length)
        rest = w - k * self.day_length
        if rest == 0 and k > 0:
            return self.workday(k - 1) * DAY + self.close
        return self.workday(k) * DAY + self.open + rest

    def add_working(self, t: float, minutes: float) -> float:
        """The time when `minutes` of working time started at `t` are done."""
        if minutes <= 0:
            return t
        return max(t, self.at_working_minutes(self.working_minutes(t) + minutes))

    def working_days_between(self, start: float, end: float) -> float:
        """Working days (in units of one opening day) elapsed from `start` to `end`."""
        return (self.working_minutes(end) - self.working_minutes(start)) / self.day_length
