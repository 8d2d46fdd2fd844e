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

from collections import Counter
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
    """The tickets marked by visit: `visit`, `first`, `returning`, `gap_days` and `after_served`.

    `visit` is an id per visit, `first` its first ticket, `returning` a return to a recent visit, `gap_days`
    the working days (`open_days`) since the citizen's previous visit, `after_served` that visit was served.
    """
    frame = tickets.copy()
    linked = frame["citizen"] != ""
    day = frame["issued"].dt.normalize()
    key = frame["citizen"].where(linked, "#" + frame.index.astype(str)) + "\x1f" + frame["service"]
    frame["visit"] = pd.factorize(key + "\x1f" + day.astype(str))[0]
    frame["first"] = ~frame.duplicated("visit", keep="first")
    visits = frame.loc[frame["first"], ["visit", "issued"]].assign(key=key[frame["first"]])
    calendar_gap = visits.groupby("key")["issued"].diff().dt.total_seconds() / 86_400
    working = pd.Series(np.searchsorted(np.array(open_days, dtype="datetime64[ns]"),
                                        visits["issued"].dt.normalize().to_numpy()), index=visits.index)  # fmt: skip
    gap = working.groupby(visits["key"].to_numpy()).diff()
    frame["returning"] = False
    returning = visits.loc[calendar_gap.le(RETURN_DAYS).to_numpy(), "visit"]
    frame.loc[frame["visit"].isin(returning), "returning"] = True
    frame["gap_days"] = np.nan
    frame.loc[visits.index, "gap_days"] = gap.to_numpy()
    served = frame["called"].notna().groupby(frame["visit"]).all()
    previous = served.reindex(visits["visit"]).groupby(visits["key"].to_numpy()).shift(1)
    frame["after_served"] = False
    frame.loc[visits.index, "after_served"] = previous.fillna(False).astype(bool).to_numpy()
    frame["after_served"] = frame.groupby("visit")["after_served"].transform("max")
    return frame


def route_of(service_tickets: pd.DataFrame) -> Route:
    """The route of one service, from its marked tickets."""
    new = service_tickets[~service_tickets["returning"]]
    sequences = new.groupby("visit", sort=False)["desk"].agg(tuple)
    visits = len(sequences)
    returned = service_tickets[
        service_tickets["returning"] & service_tickets["first"] & service_tickets["after_served"]
    ]
    gaps = returned["gap_days"].dropna()
    gap = float(gaps.median()) if len(gaps) else 0.0
    common, _ = Counter(sequences).most_common(1)[0]
    if len(common) > 1 and len(set(common)) == len(common):
        return Route(tuple(common), {}, visits, len(returned), gap)
    counts = new["desk"].value_counts()
    return Route((), {str(d): float(c / counts.sum()) for d, c in counts.items()}, visits, len(returned), gap)
