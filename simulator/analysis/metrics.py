"""Pure functions from the recorded logs of one run to its tables and KPIs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.analysis.satisfaction import index, survey
from simulator.model.calendar import DAY, WorkCalendar
from simulator.model.configurations import Setup
from simulator.model.records import RunRecords
from simulator.model.streams import Streams
from simulator.scenario.schema import ALL_SERVICES, FRONT_OFFICE, Roster, Scenario

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

Minutes = NDArray[np.float64]
"""Times or durations on the model's clock."""


class Window:
    """The observation window: from the end of the warm-up to the end of the horizon."""

    def __init__(self, scenario: Scenario, calendar: WorkCalendar, base: WorkCalendar | None = None) -> None:
        self.calendar = calendar
        """The calendar the configuration's offices keep: staffed time, hours of the day."""
        self.base = base = base or calendar
        """The scenario's calendar: the days citizens arrive on, and the working days lead times are counted in,
        the same yardstick for every configuration."""
        self.counted_from = base.workday(scenario.warmup_days) * DAY
        self.counted_until = base.workday(scenario.horizon_days) * DAY
        """Citizens arriving from `counted_from` until here are counted; later ones only keep the office busy."""
        self.start = calendar.working_minutes(self.counted_from)
        self.end = calendar.working_minutes(self.counted_until)
        self.working_minutes = self.end - self.start
        first = calendar.workdays_before(int(self.counted_from // DAY))
        last = calendar.workdays_before(int(self.counted_until // DAY))
        self.days = [calendar.workday(k) for k in range(first, last)]
        """The configuration's working days in the window (a Saturday it opens on, too)."""
        self.grid = np.concatenate(
            [day * DAY + np.arange(*calendar.hours(day)) + 0.5 for day in self.days]
        ).astype(np.float64)
        """The middle of every opening minute in the window, for averages by hour of day."""

    def within(self, times: Minutes) -> NDArray[np.bool_]:
        """Which of `times` fall inside the window."""
        worked = self.calendar.working_minutes_of(times)
        return (worked >= self.start) & (worked < self.end)

    def staff_minutes(self, roster: Roster, horizon: bool = False, until: float | None = None) -> float:
        """Staff x opening minutes on duty in the window (from day 0 with `horizon`; to `until` working minutes)."""
        start = 0.0 if horizon else self.counted_from
        end = self.counted_until if until is None else self.calendar.at_working_minutes(until)
        return self.calendar.staff_minutes(roster, start, end)

    def staff_on_grid(self, roster: Roster) -> NDArray[np.float64]:
        """The staff on duty at each minute of `grid`."""
        if roster.constant:
            return np.full(len(self.grid), float(roster.default))
        staff = []
        for day in self.days:
            minutes = np.arange(*self.calendar.hours(day)) + 0.5
            schedule = roster.on(self.calendar.weekday(day))
            cuts = np.array([minute for minute, _ in schedule])
            values = np.array([value for _, value in schedule], dtype=np.float64)
            staff.append(values[np.searchsorted(cuts, minutes, side="right") - 1])
        return np.concatenate(staff)

    def count_within(self, times: Minutes) -> int:
        """How many of `times` fall inside the window."""
        return int(self.within(times).sum())

    def overlap(self, starts: Minutes, ends: Minutes, until: float | None = None) -> float:
        """Working minutes of the intervals [start, end) from the window's start to its end (or `until`), summed."""
        begin = self.calendar.working_minutes_of(starts)
        finish = self.calendar.working_minutes_of(ends)
        end = self.end if until is None else until
        return float(np.clip(np.minimum(finish, end) - np.maximum(begin, self.start), 0, None).sum())


def citizen_table(
    records: RunRecords,
    scenario: Scenario,
    setup: Setup,
    window: Window,
    streams: Streams,
    faced: NDArray[np.int64] | None = None,
) -> pd.DataFrame:
    """The citizen table with lead times, costs, the service standard and survey answers.

    `faced` is each citizen's procedures (`procedures`) when the contact log was tallied as it went.
    """
    citizens = records.citizens  # new columns only: copy-on-write leaves the recorded ones shared
    calendar = window.base
    arrival = citizens["arrival"]
    citizens["in_horizon"] = arrival < window.counted_until
    citizens["counted"] = citizens["in_horizon"] & (arrival >= window.counted_from)
    completed = citizens["outcome"] == "completed"
    lead = calendar.working_minutes_of(citizens["end"].to_numpy()) - calendar.working_minutes_of(
        citizens["arrival"].to_numpy()
    )
    citizens["lead_time_days"] = np.where(completed, lead / calendar.day_length, np.nan)
    citizens["lead_time_calendar_days"] = np.where(completed, (citizens["end"] - citizens["arrival"]) / DAY, np.nan)
    services = pd.Categorical(citizens["service"])
    events = ["", *scenario.life_events]  # like `group`: empty for a citizen who came for one service
    event_of = np.array([events.index(sid) if sid in events else 0 for sid in services.categories], dtype=np.int64)
    codes = event_of[services.codes] if len(event_of) else np.zeros(0, dtype=np.int64)
    citizens["life_event"] = pd.Categorical.from_codes(codes, categories=pd.Index(events))
    plans = [setup.services[sid] for sid in services.categories]
    service = services.codes
    citizens["standard_days"] = np.array([plan.standard_days for plan in plans], dtype=np.float64)[service]
    citizens["within_standard"] = (completed & (citizens["lead_time_days"] <= citizens["standard_days"])).astype(
        np.float64
    )  # one who gave up, or is still in the system, is not within the standard
    fee = np.array([plan.fee for plan in plans], dtype=np.float64)[service]
    per_trip = scenario.citizens.cost_per_trip
    citizens["citizen_cost"] = fee + per_trip * citizens["trips"]
    reference = np.maximum(fee, per_trip)
    extra = (citizens["citizen_cost"] - fee).to_numpy()
    citizens["extra_cost_ratio"] = np.divide(extra, reference, out=np.zeros(len(extra)), where=reference > 0)
    citizens["procedures"] = procedures(records.contacts, citizens["citizen"].to_numpy()) if faced is None else faced
    answers = survey(citizens, scenario.satisfaction, streams)
    return citizens.assign(**{name: answers[name] for name in answers.columns})


def procedures(contacts: pd.DataFrame, citizens: NDArray[np.int32]) -> NDArray[np.int64]:
    """For each of `citizens`, the distinct counter procedures they faced in person (the IKM's "alur").

    A submission at a desk is one procedure and a pickup at it another, however
    often each is repeated (repeats are rejections and trips, scored elsewhere);
    a queue left unserved counts too: the citizen faced that desk's procedure.
    Online submissions and digital deliveries are not at a counter.
    """
    at_counter = contacts["kind"].isin(["submission", "pickup"])
    faced = contacts.loc[at_counter, ["citizen", "agency", "kind"]].drop_duplicates()
    return np.asarray(faced["citizen"].value_counts().reindex(citizens, fill_value=0), dtype=np.int64)


def staff_costs(setup: Setup, window: Window) -> dict[str, float]:
    """Each place's staff paid for the opening hours of the horizon days.

    An agency pays its back office and, where citizens come to its own desk, its
    counters; a pooled front office has its own row, paid the agencies' mean wage.
    """
    desks = setup.desks

    def paid(roster: Roster) -> float:
        return window.staff_minutes(roster, horizon=True) / 60

    costs = {
        name: (paid(agency.backoffice) + (paid(desks[name]) if name in desks else 0.0)) * agency.wage_per_hour
        for name, agency in setup.catalogue.agencies.items()
    }
    if setup.single:
        costs[FRONT_OFFICE] = paid(desks[FRONT_OFFICE]) * setup.front_office_wage
    return costs


def staff_cost(scenario: Scenario, setup: Setup, window: Window) -> float:
    """Every counter and back-office officer paid for the opening hours of the horizon days they are on duty."""
    return sum(staff_costs(setup, window).values())


def places_of(setup: Setup) -> list[str]:
    """The places of the agency table, in its order: every agency, then a pooled front office."""
    return [*setup.catalogue.agencies, *([FRONT_OFFICE] if setup.single else [])]


def place_table(records: RunRecords, setup: Setup, window: Window) -> pd.DataFrame:
    """Per desk or agency: staff and their cost, utilisation, citizens served, queues and waits.

    Counters are measured over the window. A back office is measured from the
    window's start until the last back-office work of a counted citizen there
    ends (at least to the window's end): files of the horizon's last days are
    still worked on after it, and cutting at the horizon would hide that work.
    Waits and `max_queue` are of the queues joined in the window; `turned_away` counts the citizens
    a full waiting room or a long queue sent home in it (they joined no queue).
    """
    return pd.DataFrame(place_rows(records, setup, window, places_of(setup)))


def place_rows(records: RunRecords, setup: Setup, window: Window, places: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of `place_table` of some places; the logs need hold only those places' rows."""
    log = _Contacts(records.contacts)
    work = records.work
    officer_place = work["agency"]
    officer = (work["kind"] == "backoffice").to_numpy()
    officer_started, officer_ended = work["started"].to_numpy(), work["ended"].to_numpy()
    arrival = records.citizens["arrival"].to_numpy()
    counted_citizen = (arrival >= window.counted_from) & (arrival < window.counted_until)
    counted_work = counted_citizen[work["citizen"].to_numpy()] if len(work) else np.zeros(0, dtype=bool)
    finished = window.calendar.working_minutes_of(officer_ended)
    arrived = window.within(log.queued)
    joined = arrived & ~log.turned_away
    desks = setup.desks
    costs = staff_costs(setup, window)
    rows = []
    for place in places:
        counter_roster = desks.get(place, Roster(default=0))
        backoffice_roster = setup.catalogue.agencies[place].backoffice if place in setup.catalogue.agencies else None
        counters, backoffice = counter_roster.default, backoffice_roster.default if backoffice_roster else 0
        counter_minutes = window.staff_minutes(counter_roster)
        queueing = log.at(place)
        at_desk = queueing & log.served
        queue_minutes = window.overlap(log.queued[queueing], log.left[queueing])
        busy = window.overlap(log.started[at_desk], log.ended[at_desk])
        office = officer & (officer_place == place).to_numpy()
        counted = office & counted_work
        until = max(window.end, float(finished[counted].max())) if counted.any() else window.end
        working = window.overlap(officer_started[office], officer_ended[office], until)
        backoffice_minutes = window.staff_minutes(backoffice_roster, until=until) if backoffice_roster else 0.0
        waits = log.waits(queueing & joined)
        rows.append(
            {
                "agency": place,
                "counters": counters,
                "backoffice_staff": backoffice,
                "staff_cost": costs[place],
                "counter_utilization": busy / counter_minutes if counter_minutes else np.nan,
                "backoffice_utilization": working / backoffice_minutes if backoffice_minutes else np.nan,
                "backoffice_days": (until - window.start) / window.calendar.day_length if backoffice else np.nan,
                "served": window.count_within(log.started[at_desk]),
                "mean_queue": queue_minutes / window.working_minutes if counter_minutes else np.nan,
                "max_queue": log.longest_queue(queueing & joined),
                "turned_away": int((queueing & arrived & log.turned_away).sum()),
                "mean_wait_minutes": float(waits.mean()) if len(waits) else np.nan,
                "wait_minutes_p90": float(np.quantile(waits, 0.9)) if len(waits) else np.nan,
            }
        )
    return rows


def hourly_table(records: RunRecords, setup: Setup, window: Window) -> pd.DataFrame:
    """Per desk and hour of day: queue length, utilisation and the waits of the queues joined in that hour.

    `mean_queue` and `counter_utilization` are averaged over the window's
    opening minutes of that hour; `mean_wait_minutes` and `max_queue` are of
    the queues joined in that hour within the window (NaN and 0 when none).
    """
    return hours_of(hourly_frames(records, setup, window, list(setup.desks)))


HOURLY_COLUMNS = ["agency", "hour", "mean_queue", "counter_utilization", "mean_wait_minutes", "max_queue"]


def hours_of(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The hourly table from the frames of its desks (`hourly_frames`), in desk order."""
    return pd.concat(frames, ignore_index=True)[HOURLY_COLUMNS] if frames else pd.DataFrame(columns=HOURLY_COLUMNS)


def hourly_frames(records: RunRecords, setup: Setup, window: Window, desks: Sequence[str]) -> list[pd.DataFrame]:
    """The hourly table's frame of each of `desks`; the logs need hold only those desks' rows."""
    log = _Contacts(records.contacts)
    grid = window.grid
    hour = (grid % DAY // 60).astype(np.int64)
    joined = window.within(log.queued) & ~log.turned_away
    joined_hour = (log.queued % DAY // 60).astype(np.int64)
    frames = []
    for desk in desks:
        counters = window.staff_on_grid(setup.desks[desk])
        queueing = log.at(desk)
        served = queueing & log.served
        queue = _in_progress(log.queued[queueing], log.left[queueing], grid)
        busy = _in_progress(log.started[served], log.ended[served], grid)
        utilization = np.divide(busy, counters, out=np.full(len(busy), np.nan), where=counters > 0)
        frame = pd.DataFrame({"hour": hour, "mean_queue": queue, "counter_utilization": utilization})
        frame = frame.groupby("hour", as_index=False).mean()
        here = queueing & joined
        joins = pd.DataFrame({"hour": joined_hour[here], "wait": log.waits(here), "length": log.lengths[here]})
        per_hour = joins.groupby("hour").agg(mean_wait_minutes=("wait", "mean"), max_queue=("length", "max"))
        frame = frame.merge(per_hour, on="hour", how="left").fillna({"max_queue": 0})
        frame["max_queue"] = frame["max_queue"].astype(np.int64)
        frames.append(frame.assign(agency=desk))
    return frames


class _Contacts:
    """The contact log's columns as arrays, shared with the log, for sums place by place without copying rows."""

    def __init__(self, contacts: pd.DataFrame) -> None:
        self.place = contacts["agency"]
        self.queued = contacts["queued"].to_numpy()
        self.started = contacts["started"].to_numpy()
        self.ended = contacts["ended"].to_numpy()
        self.ahead = contacts["ahead"].to_numpy()
        self.left = np.where(np.isnan(self.started), self.ended, self.started)
        """When each citizen left the queue: served, or gave up."""
        self.served = contacts["kind"].isin(["submission", "pickup"]).to_numpy() & ~np.isnan(self.started)
        """Served at a counter."""
        self.turned_away = (contacts["outcome"] == "turned_away").to_numpy()
        """Turned away by a full waiting room, or by too many ahead."""
        self.lengths = np.where(self.left > self.queued, self.ahead + 1, 0)
        """Citizens waiting just after each joined: those ahead and the joiner, or 0 when served at once."""

    def at(self, place: str) -> NDArray[np.bool_]:
        """Which rows are at `place`."""
        return (self.place == place).to_numpy()

    def waits(self, rows: NDArray[np.bool_]) -> Minutes:
        """Minutes each of `rows` waited in the queue (until served, or until they left)."""
        waits: Minutes = self.left[rows] - self.queued[rows]
        return waits

    def longest_queue(self, rows: NDArray[np.bool_]) -> int:
        """The most citizens waiting at once when one of `rows` joined (0 when none of them had to wait)."""
        return int(self.lengths[rows].max()) if rows.any() else 0


def _in_progress(starts: Minutes, ends: Minutes, times: Minutes) -> Minutes:
    """How many intervals [start, end) contain each of `times`."""
    begun = np.searchsorted(np.sort(starts), times, side="right")
    over = np.searchsorted(np.sort(ends), times, side="right")
    return (begun - over).astype(np.float64)


def busy_minutes(
    records: RunRecords, calendar: WorkCalendar, of: NDArray[np.bool_] | None = None
) -> dict[str, float]:
    """Working minutes staff spent on each service's citizens (those marked in `of`, by citizen number).

    Counter contacts served and back-office work; the staff cost of a service
    is shared out by these (`run_metrics`).
    """
    services = pd.Categorical(records.citizens["service"])
    minutes = np.zeros(len(services.categories))
    for log, worked in (
        (records.contacts, records.contacts["kind"].isin(["submission", "pickup"]).to_numpy()),
        (records.work, (records.work["kind"] == "backoffice").to_numpy()),
    ):
        citizen = log["citizen"].to_numpy()
        chosen = worked & ~np.isnan(log["started"].to_numpy()) & (of[citizen] if of is not None else True)
        started, ended = log["started"].to_numpy()[chosen], log["ended"].to_numpy()[chosen]
        spent = calendar.working_minutes_of(ended) - calendar.working_minutes_of(started)
        minutes += np.bincount(services.codes[citizen[chosen]], weights=spent, minlength=len(minutes))
    return {str(service): float(value) for service, value in zip(services.categories, minutes, strict=True)}


def run_metrics(
    citizens: pd.DataFrame,
    staff_total: float,
    elements: list[str],
    services: Sequence[str] = (),
    busy: Mapping[str, float] | None = None,
    booking: bool = False,
) -> dict[str, dict[str, float]]:
    """The KPIs of one run from its citizen table (all citizens, counted or not): every service together, then each.

    The staff cost is shared out among `services` by their share of the
    staff's busy minutes on the horizon's citizens (`busy`, from
    `busy_minutes`): a service's `staff_cost_per_case` is its share of the
    cost over its completed citizens of the horizon. With `booking` (some
    service takes appointments) the waits of booked and walk-in citizens are
    reported apart; with groups of citizens, each group's wait.
    """
    metrics = {ALL_SERVICES: _kpis(citizens, staff_total, elements, booking)}
    total = sum((busy or {}).values())
    for service in services:
        share = (busy or {}).get(service, 0.0) / total if total > 0 else np.nan
        metrics[service] = _kpis(citizens[citizens["service"] == service], staff_total * share, elements, booking)
    return metrics


def _kpis(citizens: pd.DataFrame, staff_total: float, elements: list[str], booking: bool) -> dict[str, float]:
    """The KPIs of a group of citizens (counted or not), with the staff cost that falls to them."""
    counted = citizens[citizens["counted"]]
    completed = counted[counted["outcome"] == "completed"]
    every_completed = (citizens["in_horizon"] & (citizens["outcome"] == "completed")).sum()
    respondents = counted.dropna(subset=["ikm"])
    metrics: dict[str, Any] = {
        "wait_minutes": counted["wait_minutes"].mean(),
        "longest_wait_minutes": counted["longest_wait_minutes"].mean(),
        "lead_time_days": completed["lead_time_days"].mean(),
        "trips": counted["trips"].mean(),
        "contacts": counted["contacts"].mean(),
        "rejections": counted["rejections"].mean(),
        "abandoned_share": (counted["outcome"] == "abandoned").mean(),
        "within_standard_share": counted["within_standard"].mean(),
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
    if booking:
        booked = counted["booked"].to_numpy(dtype=bool)
        metrics["booked_share"] = booked.mean() if len(booked) else np.nan
        metrics["wait_minutes_booked"] = counted.loc[booked, "wait_minutes"].mean()
        metrics["wait_minutes_walk_in"] = counted.loc[~booked, "wait_minutes"].mean()
    groups = citizens["group"].cat.categories if "group" in citizens else pd.Index([])
    for group in groups[groups != ""]:
        metrics[f"wait_minutes_group_{group}"] = counted.loc[counted["group"] == group, "wait_minutes"].mean()
    return {name: float(value) for name, value in metrics.items()}
