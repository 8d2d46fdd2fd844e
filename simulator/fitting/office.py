"""A clean ticket log -> every fitted part of an office: calendar, arrivals, routes, counter times, staff, patience."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.fitting.arrivals import FittedArrivals, fit_arrivals
from simulator.fitting.cleaning import CleanLog
from simulator.fitting.durations import FittedDurations, fit_durations
from simulator.fitting.hours import FittedCalendar, fit_calendar, minute_of_day
from simulator.fitting.patience import AT_CLOSE, FittedPatience, fit_patience
from simulator.fitting.problems import LogError
from simulator.fitting.rosters import FittedRoster, fit_roster
from simulator.fitting.visits import Route, mark_visits, route_of

MIN_SITTINGS = 2
"""Counter times of fewer sittings than this are not fitted: the step's time is left for the analyst."""


def identifier(name: str) -> str:
    """A scenario id made of a name from a log.

    >>> identifier("KTP-el (baru)")
    'ktp-el_baru'
    """
    text = re.sub(r"[^a-z0-9_-]+", "_", name.strip().lower()).strip("_") or "unnamed"
    return text if re.match(r"[a-z_]", text) else f"_{text}"


def _identified(values: pd.Series, names: dict[str, str]) -> pd.Categorical[str]:
    """The log's names as scenario ids (a categorical, in sorted order), noting in `names` the first name of each."""
    codes, uniques = pd.factorize(values)
    ids = [identifier(str(name)) for name in uniques]
    for key, name in zip(ids, uniques, strict=True):
        names.setdefault(key, str(name))
    distinct = sorted(set(ids))
    recoded = np.array([distinct.index(key) for key in ids], dtype=np.int64)
    return pd.Categorical.from_codes(recoded[codes], categories=pd.Index(distinct))


@dataclass(frozen=True)
class FittedOffice:
    """What a log says about an office; ids are scenario ids, `names` the log's own names of them."""

    calendar: FittedCalendar
    counted_days: list[pd.Timestamp]
    arrivals: dict[str, FittedArrivals]
    routes: dict[str, Route]
    times: dict[tuple[str, str], FittedDurations]
    rosters: dict[str, FittedRoster]
    patience: FittedPatience | None
    names: dict[str, str]
    log: CleanLog
    tickets: int
    citizens_linked: bool


def _patience(tickets: pd.DataFrame, calendar: FittedCalendar) -> FittedPatience | None:
    unserved = tickets[tickets["called"].isna() & tickets["ended"].notna()]
    closes = np.array([calendar.hours_of(d)[1] for d in unserved["issued"].dt.day_name().str[:3].str.lower()])
    left = minute_of_day(unserved["ended"]).to_numpy() < closes - AT_CLOSE
    waits = (unserved["ended"] - unserved["issued"]).dt.total_seconds().to_numpy() / 60
    served = tickets["called"].notna()
    served_waits = (tickets.loc[served, "called"] - tickets.loc[served, "issued"]).dt.total_seconds().to_numpy() / 60
    return fit_patience(waits[left], np.r_[waits[~left], served_waits])


def fit_office(log: CleanLog) -> FittedOffice:
    """Fit every part the log shows; LogError when no usable ticket is left."""
    tickets = log.tickets
    if tickets.empty:
        raise LogError("no usable tickets left after leaving out the defective rows: " + "; ".join(log.defects.lines()))
    names: dict[str, str] = {}
    tickets = tickets.assign(service=_identified(tickets["service"], names), desk=_identified(tickets["desk"], names))
    calendar = fit_calendar(tickets)
    counted = [day for day in calendar.open_days if day not in log.down_days and day.day_name()[:3].lower() not in
               calendar.hours] or [day for day in calendar.open_days if day not in log.down_days]  # fmt: skip
    marked = mark_visits(tickets, calendar.open_days)
    arrivals, routes, times = {}, {}, {}
    for service, group in marked.groupby("service", sort=True, observed=True):
        key = str(service)
        routes[key] = route_of(group)
        arrivals[key] = fit_arrivals(group[group["first"] & ~group["returning"]], calendar, counted)
        for desk in routes[key].desks:
            sat = group[(group["desk"] == desk) & group["called"].notna() & group["ended"].notna()]
            minutes = (sat["ended"] - sat["called"]).dt.total_seconds().to_numpy() / 60
            if len(minutes) >= MIN_SITTINGS:
                times[key, desk] = fit_durations(minutes)
    desks = tickets.groupby("desk", sort=True, observed=True)
    rosters = {str(desk): fit_roster(group, calendar) for desk, group in desks}
    return FittedOffice(
        calendar,
        counted,
        arrivals,
        routes,
        times,
        rosters,
        _patience(tickets, calendar),
        names,
        log,
        len(tickets),
        bool((tickets["citizen"] != "").any()),
    )
