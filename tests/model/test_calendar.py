"""Working-time arithmetic of simulator.model.calendar (day 0 = Monday 2026-01-05, 08:00-16:00 Mon-Fri)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from simulator.model.calendar import DAY, WorkCalendar
from simulator.scenario.schema import WEEKDAYS, Calendar

MONDAY = date(2026, 1, 5)
FRIDAY = 4
NEXT_MONDAY = 7
HOUR = 60.0


def at(day: int, hour: float) -> float:
    """The clock minute of `hour` o'clock on calendar day `day`."""
    return day * DAY + hour * HOUR


def week(**fields: object) -> WorkCalendar:
    """The default office calendar (08:00-16:00, Mon-Fri, from Monday 2026-01-05), with changes."""
    return WorkCalendar(Calendar.model_validate({"start": MONDAY, **fields}))


def never_closing(**fields: object) -> WorkCalendar:
    return week(open="00:00", close="24:00", workdays=list(WEEKDAYS), **fields)


# ---------------------------------------------------------------- add_working


def test_ninety_minutes_from_friday_1530_end_monday_0900():
    assert week().add_working(at(FRIDAY, 15.5), 90) == at(NEXT_MONDAY, 9)


def test_work_within_one_day_is_plain_addition():
    assert week().add_working(at(1, 9), 120) == at(1, 11)


def test_work_started_before_opening_starts_at_opening():
    assert week().add_working(at(2, 6), 30) == at(2, 8.5)


def test_work_started_on_saturday_starts_monday_morning():
    assert week().add_working(at(5, 11), 30) == at(NEXT_MONDAY, 8.5)


def test_work_started_after_closing_starts_next_morning():
    assert week().add_working(at(1, 18), 60) == at(2, 9)


def test_work_across_a_midweek_holiday():
    """Wednesday 2026-01-07 (day 2) is a holiday: Tuesday 15:30 + 90 minutes ends Thursday 09:00."""
    calendar = week(holidays=[date(2026, 1, 7)])
    assert calendar.add_working(at(1, 15.5), 90) == at(3, 9)


def test_work_across_a_weekend_and_a_monday_holiday():
    calendar = week(holidays=[date(2026, 1, 12)])
    assert calendar.add_working(at(FRIDAY, 15.5), 90) == at(8, 9)


def test_work_ending_exactly_at_closing_ends_at_closing():
    """Ends 16:00 Friday, not 08:00 Monday."""
    calendar = week()
    assert calendar.add_working(at(FRIDAY, 15), 60) == at(FRIDAY, 16)
    assert calendar.add_working(at(FRIDAY, 8), 480) == at(FRIDAY, 16)
    assert calendar.add_working(at(0, 8), 5 * 480) == at(FRIDAY, 16)


def test_work_started_at_closing_continues_next_working_day():
    assert week().add_working(at(FRIDAY, 16), 30) == at(NEXT_MONDAY, 8.5)


def test_several_days_of_work():
    """1,500 minutes from Thursday 10:00: Thu 10-16 (360), Fri (480), Mon (480), Tue 08:00-11:00 (180)."""
    assert week().add_working(at(3, 10), 3 * 480 + 60) == at(8, 11)


@pytest.mark.parametrize("t", [at(0, 8), at(FRIDAY, 15.5), at(5, 12), at(2, 20), 0.0])
def test_zero_or_negative_minutes_leave_time_unchanged(t):
    calendar = week()
    assert calendar.add_working(t, 0) == t
    assert calendar.add_working(t, -5) == t


# ---------------------------------------------------------------- working_minutes / at_working_minutes


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.0, 0.0),
        (at(0, 8), 0.0),
        (at(0, 9), 60.0),
        (at(0, 16), 480.0),
        (at(0, 23), 480.0),
        (at(1, 7), 480.0),
        (at(FRIDAY, 15.5), 4 * 480 + 450.0),
        (at(5, 12), 5 * 480.0),
        (at(6, 23.9), 5 * 480.0),
        (at(NEXT_MONDAY, 9), 5 * 480 + 60.0),
    ],
)
def test_working_minutes_counts_opening_hours_only(t, expected):
    assert week().working_minutes(t) == expected


@pytest.mark.parametrize(
    ("w", "expected"),
    [
        (0.0, at(0, 8)),
        (60.0, at(0, 9)),
        (480.0, at(0, 16)),
        (481.0, at(1, 8) + 1),
        (5 * 480.0, at(FRIDAY, 16)),
        (5 * 480 + 0.5, at(NEXT_MONDAY, 8) + 0.5),
    ],
)
def test_at_working_minutes_is_the_earliest_time(w, expected):
    assert week().at_working_minutes(w) == expected


def test_working_minutes_of_at_working_minutes_round_trip():
    calendar = week(holidays=[date(2026, 1, 7), date(2026, 1, 19)])
    rng = np.random.default_rng(11)
    for w in [*rng.uniform(0, 40 * 480, 500), *(k * 480.0 for k in range(40))]:
        assert calendar.working_minutes(calendar.at_working_minutes(w)) == pytest.approx(w, abs=1e-9)


def test_at_working_minutes_of_working_minutes_round_trip_inside_opening_hours():
    """Inside (open, close] of a working day the time comes back unchanged."""
    calendar = week(holidays=[date(2026, 1, 7)])
    rng = np.random.default_rng(12)
    workdays = [d for d in range(40) if calendar.is_workday(d)]
    for _ in range(500):
        t = at(int(rng.choice(workdays)), 8) + rng.uniform(1e-6, 480)
        assert calendar.at_working_minutes(calendar.working_minutes(t)) == pytest.approx(t, abs=1e-9)
    assert calendar.at_working_minutes(calendar.working_minutes(at(3, 16))) == at(3, 16)


def test_outside_opening_hours_round_trip_goes_back_to_last_closing():
    calendar = week()
    assert calendar.at_working_minutes(calendar.working_minutes(at(5, 12))) == at(FRIDAY, 16)
    assert calendar.at_working_minutes(calendar.working_minutes(at(NEXT_MONDAY, 8))) == at(FRIDAY, 16)
    assert calendar.at_working_minutes(calendar.working_minutes(at(2, 7))) == at(1, 16)


# ---------------------------------------------------------------- working_minutes_of (array version)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"holidays": [date(2026, 1, 7), date(2026, 1, 12), date(2026, 2, 2)]},
        {"open": "07:30", "close": "15:45", "workdays": ["mon", "tue", "wed", "thu", "fri", "sat"]},
        {"open": "00:00", "close": "24:00", "workdays": list(WEEKDAYS), "holidays": [date(2026, 1, 10)]},
        {"start": date(2026, 1, 8), "workdays": ["mon", "wed", "thu"]},
    ],
    ids=["office", "holidays", "odd-hours", "never-closing", "thursday-start"],
)
def test_working_minutes_of_equals_scalar_version(fields):
    calendar = week(**fields)
    rng = np.random.default_rng(21)
    random_times = rng.uniform(0, 45 * DAY, 3000)
    boundaries = [at(d, h) for d in range(15) for h in (0, 7.5, 8, 15.75, 16, 24)]
    times = np.array([*random_times, *boundaries, np.nan, np.nan])
    rng.shuffle(times)
    got = calendar.working_minutes_of(times)
    fresh = week(**fields)
    expected = np.array([np.nan if math.isnan(t) else fresh.working_minutes(t) for t in times])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    assert np.array_equal(np.isnan(got), np.isnan(times))


def test_working_minutes_of_keeps_nan_and_handles_all_nan():
    calendar = week()
    got = calendar.working_minutes_of(np.array([np.nan, at(FRIDAY, 15.5), np.nan]))
    assert np.isnan(got[0])
    assert np.isnan(got[2])
    assert got[1] == 4 * 480 + 450
    assert np.isnan(week().working_minutes_of(np.array([np.nan, np.nan]))).all()
    assert week().working_minutes_of(np.array([], dtype=np.float64)).shape == (0,)


def test_working_minutes_of_before_the_first_working_day():
    saturday_start = week(start=date(2026, 1, 10))
    assert saturday_start.working_minutes(100.0) == 0.0
    np.testing.assert_array_equal(saturday_start.working_minutes_of(np.array([100.0, np.nan])), [0.0, np.nan])


# ---------------------------------------------------------------- workdays


def test_workday_skips_weekends():
    calendar = week()
    assert [calendar.workday(k) for k in range(11)] == [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14]


def test_workday_skips_holidays():
    calendar = week(holidays=[date(2026, 1, 7), date(2026, 1, 12)])
    assert [calendar.workday(k) for k in range(6)] == [0, 1, 3, 4, 8, 9]
    assert not calendar.is_workday(2)
    assert not calendar.is_workday(7)


def test_holidays_before_start_are_ignored():
    calendar = week(holidays=[date(2025, 12, 25)])
    assert [calendar.workday(k) for k in range(5)] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("day", "expected"),
    [(0, 0), (1, 1), (4, 4), (5, 5), (6, 5), (7, 5), (8, 6), (14, 10), (15, 11)],
)
def test_workdays_before(day, expected):
    assert week().workdays_before(day) == expected


def test_workdays_before_with_holiday():
    calendar = week(holidays=[date(2026, 1, 7)])
    assert calendar.workdays_before(2) == 2
    assert calendar.workdays_before(3) == 2
    assert calendar.workdays_before(4) == 3


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [(0, 1, 1), (3, 1, 4), (FRIDAY, 1, 7), (FRIDAY, 2, 8), (5, 1, 7), (6, 1, 7), (FRIDAY, 6, 14)],
)
def test_workday_after(day, n, expected):
    assert week().workday_after(day, n) == expected


def test_workday_after_skips_holiday():
    calendar = week(holidays=[date(2026, 1, 7), date(2026, 1, 12)])
    assert calendar.workday_after(1) == 3
    assert calendar.workday_after(FRIDAY) == 8


def test_week_starting_on_thursday():
    """Weekdays are counted from the start date, not from day 0 being a Monday."""
    calendar = week(start=date(2026, 1, 8))  # a Thursday
    assert [calendar.workday(k) for k in range(4)] == [0, 1, 4, 5]
    assert calendar.date_of(4) == date(2026, 1, 12)


# ---------------------------------------------------------------- closing_time and never-closing calendars


def test_closing_time_of_an_ordinary_day():
    calendar = week()
    assert calendar.closing_time(at(0, 8)) == at(0, 16)
    assert calendar.closing_time(at(FRIDAY, 15.99)) == at(FRIDAY, 16)
    assert calendar.closing_time(at(NEXT_MONDAY, 10)) == at(NEXT_MONDAY, 16)


def test_never_closing_calendar_has_infinite_closing_and_full_days():
    calendar = never_closing()
    assert calendar.day_length == 1440
    assert calendar.closing_time(0.0) == math.inf
    assert calendar.closing_time(at(123, 13)) == math.inf
    assert calendar.is_open(at(5, 0)) and calendar.is_open(at(6, 23.99))
    assert calendar.add_working(at(FRIDAY, 15.5), 90) == at(FRIDAY, 17)
    assert calendar.working_days_between(0.0, 3 * DAY) == 3.0


def test_never_closing_calendar_with_holiday_closes_at_holiday_midnight():
    """Holiday on Thursday 2026-01-15 (day 10): the stretch before it ends at day 10's midnight."""
    calendar = never_closing(holidays=[date(2026, 1, 15)])
    assert calendar.closing_time(at(3, 12)) == 10 * DAY
    assert calendar.closing_time(at(9, 23.5)) == 10 * DAY
    assert calendar.closing_time(at(11, 0.5)) == math.inf
    assert calendar.add_working(at(9, 23), 120) == at(11, 1)


def test_never_closing_calendar_with_two_holidays():
    calendar = never_closing(holidays=[date(2026, 1, 15), date(2026, 1, 25)])
    assert calendar.closing_time(at(2, 5)) == 10 * DAY
    assert calendar.closing_time(at(12, 5)) == 20 * DAY
    assert calendar.closing_time(at(21, 5)) == math.inf


def test_round_the_clock_on_weekdays_only_closes_at_saturday_midnight():
    calendar = week(open="00:00", close="24:00")
    assert calendar.day_length == 1440
    assert calendar.closing_time(at(1, 3)) == 5 * DAY
    assert calendar.add_working(at(FRIDAY, 23), 120) == at(NEXT_MONDAY, 1)


def test_is_open():
    calendar = week()
    assert calendar.is_open(at(0, 8))
    assert calendar.is_open(at(0, 15.99))
    assert not calendar.is_open(at(0, 16))
    assert not calendar.is_open(at(0, 7.99))
    assert not calendar.is_open(at(5, 10))


# ---------------------------------------------------------------- working_days_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(0, 8), at(0, 16), 1.0),
        (at(0, 8), at(NEXT_MONDAY, 8), 5.0),
        (at(FRIDAY, 15.5), at(NEXT_MONDAY, 9), 90 / 480),
        (at(0, 12), at(0, 12), 0.0),
        (at(5, 9), at(6, 17), 0.0),
        (at(1, 12), at(3, 12), 2.0),
    ],
)
def test_working_days_between(start, end, expected):
    assert week().working_days_between(start, end) == pytest.approx(expected, abs=1e-12)


def test_working_days_between_across_a_holiday():
    calendar = week(holidays=[date(2026, 1, 7)])
    assert calendar.working_days_between(at(1, 12), at(3, 12)) == pytest.approx(1.0)


# ---------------------------------------------------------------- hours by weekday

SATURDAY = 5


def six_days() -> WorkCalendar:
    """Monday-Friday 08:00-16:00 but Friday to 16:30, and Saturday 08:00-12:00."""
    return week(
        workdays=["mon", "tue", "wed", "thu", "fri", "sat"],
        hours={"fri": {"close": "16:30"}, "sat": {"open": "08:00", "close": "12:00"}},
    )


def test_each_weekday_closes_at_its_own_hour():
    calendar = six_days()
    assert calendar.closing_time(at(FRIDAY, 15)) == at(FRIDAY, 16.5)
    assert calendar.closing_time(at(SATURDAY, 9)) == at(SATURDAY, 12)
    assert calendar.is_open(at(FRIDAY, 16.25)) and not calendar.is_open(at(SATURDAY, 12.5))
    assert calendar.opening(SATURDAY) == at(SATURDAY, 8)


def test_work_runs_through_a_saturday_morning():
    """90 minutes from Friday 15:30: 60 on Friday (to 16:30), 30 on Saturday (08:00-08:30).

    Five hours from Saturday 09:00: three on Saturday, two on Monday (to 10:00).
    """
    assert six_days().add_working(at(FRIDAY, 15.5), 90) == at(SATURDAY, 8.5)
    assert six_days().add_working(at(SATURDAY, 9), 300) == at(NEXT_MONDAY, 10)


def test_a_short_day_is_part_of_a_working_day():
    """A Saturday morning (4 hours) is half a usual working day of 8 hours."""
    calendar = six_days()
    assert calendar.working_days_between(at(SATURDAY, 8), at(SATURDAY, 12)) == 0.5
    assert calendar.working_days_between(at(FRIDAY, 8), at(NEXT_MONDAY, 8)) == 8.5 / 8 + 0.5


def test_working_minutes_of_many_times_agree_with_one_at_a_time():
    calendar = six_days()
    times = np.array([at(d, h) for d in range(12) for h in (0, 7.5, 8, 11.9, 12.5, 16.2, 16.5, 23)])
    assert np.allclose(calendar.working_minutes_of(times), [calendar.working_minutes(t) for t in times])


def test_hours_for_a_day_off_or_backwards_are_refused():
    with pytest.raises(ValueError, match="sat is not a working day"):
        Calendar.model_validate({"hours": {"sat": {"open": "08:00", "close": "12:00"}}})
    with pytest.raises(ValueError, match="closing time on fri"):
        Calendar.model_validate({"hours": {"fri": {"open": "17:00"}}})
