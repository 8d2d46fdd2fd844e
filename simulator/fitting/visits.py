"""Tickets grouped into citizens' visits: the desks a service passes through, and the visits that come back.

With a citizen column, a visit is one citizen's tickets for one service on
one day, in order of issue: the most common sequence of desks is the service's
steps in series, and a later visit for the same service within RETURN_DAYS is a
return (a rejected application brought back, or a pickup: a ticket log cannot
tell them apart) when the visit before it was served; after a visit that was not
(the citizen gave up or was sent home) it is a retry, which the model makes by
itself from patience. Without one, every ticket is a visit of its own, and a
service served at several desks takes one of them (alternative steps, in the
observed shares).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RETURN_DAYS = 30
"""A visit for the same service within this many days of the citizen's previous one is a return."""


@dataclass(frozen=True)
class Route:
    """How a service's tickets reach its desks: in `series` (one visit passes all), or one desk of `shares`."""

    series: tuple[str, ...]
    shares: dict[str, float]
    visits: int
    returns: int
    return_gap_days: float

    @property
    def desks(self) -> list[str]:
        return list(self.series) if self.series else list(self.shares)

    @property
    def return_share(self) -> float:
        """Share of first visits that came back at least once."""
        return self.returns / self.visits if self.visits else 0.0


def mark_visits(tickets: pd.DataFrame, open_days: list[pd.Timestamp]) -> pd.DataFrame:
    """The tickets (in order of issue) marked by visit: `visit`, `first`, `returning`, `gap_days` and `after_served`.

    `visit` is an id per visit, `first` its first ticket, `returning` a return to a recent visit, `gap_days`
    the working days (`open_days`) since the citizen's previous visit, `after_served` that visit was served.
    """
    citizen = pd.factorize(tickets["citizen"])[0]
    linked = (tickets["citizen"] != "").to_numpy()
    person = np.where(linked, citizen, citizen.max(initial=0) + 1 + np.arange(len(tickets)))  # unlinked: alone
    service, services = pd.factorize(tickets["service"])
    key = person.astype(np.int64) * max(1, len(services)) + service  # a citizen's service
    day = tickets["issued"].dt.normalize()
    number = ((day - day.min()) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    visit = pd.factorize(key * (int(number.max(initial=0)) + 1) + number)[0]  # ids in order of first ticket
    first = np.r_[True, visit[1:] > np.maximum.accumulate(visit)[:-1]] if len(visit) else np.zeros(0, dtype=bool)
    key_of = key[first]  # per visit, in order of id
    issued = tickets["issued"].to_numpy()[first]
    by_key = pd.Series(issued).groupby(key_of)
    calendar_gap = by_key.diff().dt.total_seconds().to_numpy() / 86_400
    working = pd.Series(np.searchsorted(np.array(open_days, dtype="datetime64[ns]"), day.to_numpy()[first]))
    gap = working.groupby(key_of).diff().to_numpy()
    unserved = np.bincount(visit, weights=tickets["called"].isna().to_numpy(), minlength=len(key_of))
    previous = pd.Series(unserved == 0).groupby(key_of).shift(1)
    gap_days = np.full(len(tickets), np.nan)
    gap_days[first] = gap
    return tickets.assign(
        visit=visit,
        first=first,
        returning=(calendar_gap <= RETURN_DAYS)[visit],
        gap_days=gap_days,
        after_served=previous.fillna(False).to_numpy(dtype=bool)[visit],
    )


def _most_common_sequence(visit: np.ndarray, desks: pd.Series) -> tuple[tuple[str, ...], int]:
    """The most common sequence of desks of the visits (the first seen of equals), and the number of visits.

    `visit` holds the tickets' visits, ids in order of their first tickets, the tickets in order of issue.
    """
    desk, names = pd.factorize(desks)
    position = pd.Series(visit).groupby(visit).cumcount().to_numpy()
    wide = np.full((int(visit.max(initial=-1)) + 1, int(position.max(initial=-1)) + 1), -1, dtype=np.int64)
    wide[visit, position] = desk
    wide = wide[np.unique(visit)]  # a row per visit, in order of id: its desks, then -1
    base = len(names) + 1
    if base ** wide.shape[1] < 2**62:  # each row as one number: quick to count
        rows = (wide + 1) @ base ** np.arange(wide.shape[1], dtype=np.int64)
        _, first_seen, count = np.unique(rows, return_index=True, return_counts=True)
    else:
        _, first_seen, count = np.unique(wide, axis=0, return_index=True, return_counts=True)
    best = wide[first_seen[count == count.max()].min()]
    return tuple(str(names[code]) for code in best if code >= 0), len(wide)


def route_of(service_tickets: pd.DataFrame) -> Route:
    """The route of one service, from its marked tickets."""
    new = service_tickets[~service_tickets["returning"]]
    common, visits = _most_common_sequence(new["visit"].to_numpy(), new["desk"])
    returned = service_tickets[
        service_tickets["returning"] & service_tickets["first"] & service_tickets["after_served"]
    ]
    gaps = returned["gap_days"].dropna()
    gap = float(gaps.median()) if len(gaps) else 0.0
    if len(common) > 1 and len(set(common)) == len(common):
        return Route(tuple(common), {}, visits, len(returned), gap)
    counts = new["desk"].value_counts()
    counts = counts[counts > 0]  # a categorical's other desks are counted too
    return Route((), {str(d): float(c / counts.sum()) for d, c in counts.items()}, visits, len(returned), gap)
