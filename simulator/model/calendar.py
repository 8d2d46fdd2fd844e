"""Opening hours and working-time arithmetic.

The clock runs in minutes from 00:00 of day 0 (the calendar's `start`). Work
in the back office advances only in working time: 90 working minutes started
at 15:30 on a Friday end at 09:00 on Monday (08:00-16:00, Monday to Friday).
A weekday may keep other hours (a Saturday morning, a longer Friday); the
usual day, from `open` to `close`, is the unit of a working day.

>>> from simulator.scenario.schema import Calendar
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

from simulator.scenario.schema import WEEKDAYS, Calendar, Roster

DAY = 1440.0
"""Minutes in a calendar day."""


class WorkCalendar:
    """Which days are working days, when offices open and close, and working time."""

    def __init__(self, spec: Calendar) -> None:
        self.open = float(spec.open_minute)
        self.close = float(spec.close_minute)
        self.day_length = self.close - self.open
        """Working minutes of a usual working day: the unit of working days."""
        start = spec.start
        self._weekdays = weekdays = [WEEKDAYS[(start.weekday() + i) % 7] for i in range(7)]
        self._hours: list[tuple[float, float] | None] = [
            tuple(map(float, spec.hours_of(day))) if day in spec.workdays else None  # type: ignore[misc]
            for day in weekdays
        ]
        """Opening and closing minute by calendar day modulo 7 (None: not a working weekday)."""
        self.uniform = all(hours in (None, (self.open, self.close)) for hours in self._hours)
        """Every working day keeps the usual hours."""
        self._holidays = {(h - start).days for h in spec.holidays if h >= start}
        self._last_holiday = max(self._holidays, default=-1)
        self._start = start
        self._days: list[int] = []
        """Calendar day of each working day, as far as scanned."""
        self._before: list[float] = [0.0]
        """Working minutes before each working day (one more entry than `_days`)."""
        self._scanned = -1
        self._closing: dict[int, float] = {}
        self._facts: dict[int, tuple[float, float, float]] = {}
        """By calendar day: working minutes before it, its opening minute and its working minutes (0: closed)."""
        self._starts: dict[int, float] = {}
        """By working day k: the time it opens."""
        self._after: dict[tuple[int, int], int] = {}
        """By (calendar day, n): the n-th working day after it."""

    def weekday(self, day: int) -> str:
        """The weekday of calendar day `day`: 'mon' ... 'sun'."""
        return self._weekdays[day % 7]

    def is_workday(self, day: int) -> bool:
        return self._hours[day % 7] is not None and day not in self._holidays

    def hours(self, day: int) -> tuple[float, float]:
        """Opening and closing minute (after midnight) of a working day."""
        hours = self._hours[day % 7]
        assert hours is not None, f"day {day} is not a working weekday"
        return hours

    def _extend(self, count: int | None = None, through_day: int | None = None) -> None:
        while (count is not None and len(self._days) < count) or (
            through_day is not None and self._scanned < through_day
        ):
            self._scanned += 1
            if self.is_workday(self._scanned):
                opens, closes = self.hours(self._scanned)
                self._days.append(self._scanned)
                self._before.append(self._before[-1] + closes - opens)

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
        found = self._after.get((day, n))
        if found is None:
            found = self._after[(day, n)] = self.workday(self.workdays_before(day + 1) + n - 1)
        return found

    def date_of(self, day: int) -> date:
        return self._start + timedelta(days=day)

    def opening(self, day: int) -> float:
        """The minute a working day opens."""
        return day * DAY + self.hours(day)[0]

    def is_open(self, t: float) -> bool:
        day = int(t // DAY)
        if not self.is_workday(day):
            return False
        opens, closes = self.hours(day)
        return opens <= t - day * DAY < closes

    def closing_time(self, t: float) -> float:
        """When the opening that contains `t` ends; infinite for a calendar that never closes."""
        day = int(t // DAY)
        found = self._closing.get(day)
        if found is None:
            found = self._stretch_end(day)
            self._closing[day] = found
        return found

    def _stretch_end(self, day: int) -> float:
        hours = self._hours[day % 7]
        if hours != (0.0, DAY):
            return day * DAY + (hours[1] if hours is not None else self.close)
        if all(h == (0.0, DAY) for h in self._hours) and day >= self._last_holiday:
            return math.inf
        while self.is_workday(day + 1) and self._hours[(day + 1) % 7] == (0.0, DAY):
            day += 1
        return (day + 1) * DAY

    def working_minutes(self, t: float) -> float:
        """Working minutes from the start of day 0 to `t`."""
        day = int(t // DAY)
        facts = self._facts.get(day)
        if facts is None:
            facts = self._facts[day] = self._facts_of(day)
        done, opens, length = facts
        within = t - day * DAY - opens  # minutes since opening (clamped by hand: min and max cost a call each)
        if length and within > 0.0:
            done += within if within < length else length
        return done

    def _facts_of(self, day: int) -> tuple[float, float, float]:
        before = self._before[self.workdays_before(day)]
        if not self.is_workday(day):
            return before, 0.0, 0.0
        opens, closes = self.hours(day)
        return before, opens, closes - opens

    def working_minutes_of(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        """`working_minutes` of many times at once (NaN stays NaN)."""
        times = np.asarray(times, dtype=np.float64)
        known = np.isfinite(times)
        self._extend(count=1, through_day=int(times[known].max() // DAY) + 1 if known.any() else 0)
        days = np.asarray(self._days, dtype=np.float64)
        hours = np.array([self.hours(d) for d in self._days], dtype=np.float64).reshape(-1, 2)
        day = np.floor(np.where(known, times, 0.0) / DAY)
        before = np.searchsorted(days, day, side="left")
        at = np.minimum(before, len(days) - 1)
        working = (before < len(days)) & (days[at] == day)
        within = np.clip(times - day * DAY - hours[at, 0], 0.0, hours[at, 1] - hours[at, 0])
        done = np.asarray(self._before, dtype=np.float64)[before] + np.where(working, within, 0.0)
        return np.where(known, done, np.nan)

    def at_working_minutes(self, w: float) -> float:
        """The earliest time at which `w` working minutes have passed since day 0."""
        if self.uniform:
            k = int(w // self.day_length)
            rest = w - k * self.day_length
        else:
            while self._before[-1] <= w:
                self._extend(count=len(self._days) + 1)
            k = bisect.bisect_right(self._before, w) - 1
            rest = w - self._before[k]
        if rest == 0 and k > 0:
            day = self.workday(k - 1)
            return day * DAY + self.hours(day)[1]
        opens = self._starts.get(k)
        if opens is None:
            day = self.workday(k)
            opens = self._starts[k] = day * DAY + self.hours(day)[0]
        return opens + rest

    def add_working(self, t: float, minutes: float) -> float:
        """The time when `minutes` of working time started at `t` are done."""
        if minutes <= 0:
            return t
        done = self.at_working_minutes(self.working_minutes(t) + minutes)
        return done if done > t else t

    def staff_minutes(self, roster: Roster, start: float, end: float) -> float:
        """Staff x opening minutes on duty from time `start` to time `end`."""
        total = 0.0
        k = self.workdays_before(int(start // DAY))
        while (day := self.workday(k)) * DAY < end:
            opens, closes = self.hours(day)
            begin, finish = max(opens, start - day * DAY), min(closes, end - day * DAY)
            if finish > begin:
                total += roster.staff_minutes(self.weekday(day), begin, finish)
            k += 1
        return total

    def working_days_between(self, start: float, end: float) -> float:
        """Working days (in units of one usual opening day) elapsed from `start` to `end`."""
        return (self.working_minutes(end) - self.working_minutes(start)) / self.day_length
