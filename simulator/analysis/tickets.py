"""The model's contact records as a queue-ticket log: what an office's ticket system would have printed.

One row per contact at a counter (submissions and pickups; online, delivery
and booking contacts have no ticket, nor has a citizen turned away at a full
waiting room): a ticket number per desk and day in order of issue, the day,
the service (the citizen's, or for a life event the service of the sitting's
first step), the desk, the counter that served it (the lowest-numbered free
one: a desk with k staff never shows more than k), the citizen, and the issue,
call and end times (call and end empty for a ticket never served; the end is
when the citizen left). The columns are those `fit --format tickets` reads.
Nothing here runs the model: it reads its record frames.
"""

from __future__ import annotations

import heapq
from datetime import date

import numpy as np
import pandas as pd

COUNTER_KINDS = ("submission", "pickup")
COLUMNS = ("ticket", "date", "service", "desk", "counter", "citizen", "issued", "called", "ended")


def _counters(desk: np.ndarray, day: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Counter number (1, 2, ...) of each served sitting: the lowest free at its start, per desk and day."""
    counter = np.zeros(len(start), dtype=np.int64)
    order = np.lexsort((end, start, day, desk))
    free: list[int] = []
    busy: list[tuple[float, int]] = []
    last: tuple[object, object] | None = None
    for i in order.tolist():
        if (desk[i], day[i]) != last:
            last, free, busy = (desk[i], day[i]), [], []
        while busy and busy[0][0] <= start[i]:
            heapq.heappush(free, heapq.heappop(busy)[1])
        number = heapq.heappop(free) if free else len(busy) + 1
        heapq.heappush(busy, (end[i], number))
        counter[i] = number
    return counter


def ticket_log(contacts: pd.DataFrame, citizens: pd.DataFrame, start: date, days: int | None = None) -> pd.DataFrame:
    """The ticket log of one configuration and replication's records (contacts.csv and citizens.csv frames).

    With `days`, only tickets issued in the first `days` calendar days from `start`: the period a log covers.
    """
    ticketed = contacts["kind"].astype(str).isin(COUNTER_KINDS) & (contacts["outcome"].astype(str) != "turned_away")
    at_counter = contacts[ticketed]
    if days is not None:
        at_counter = at_counter[at_counter["queued"].to_numpy() < days * 1440]
    journey = at_counter["citizen"].map(citizens.set_index("citizen")["service"].astype(str))
    codes, steps = pd.factorize(at_counter["step"].astype(str))
    member = pd.Series(steps).str.extract(r"^([^.+]+)\.", expand=False).to_numpy()[codes]  # a life event's `kk.step`
    service = np.where(pd.isna(member), journey.to_numpy(dtype=object), member)
    origin = pd.Timestamp(start)
    issued, called, ended = (origin + pd.to_timedelta(at_counter[c].to_numpy(), unit="min")
                             for c in ("queued", "started", "ended"))  # fmt: skip
    called = called.round("s")
    frame = pd.DataFrame({
        "service": service, "desk": at_counter["agency"].astype(str).to_numpy(),
        "citizen": at_counter["citizen"].to_numpy(), "issued": issued.round("s"), "called": called,
        "ended": ended.round("s"),
    })  # fmt: skip
    served = frame["called"].notna().to_numpy()
    day = frame["issued"].dt.normalize().to_numpy()
    frame["counter"] = ""
    numbers = _counters(
        frame["desk"].to_numpy()[served], day[served],
        frame["called"].to_numpy()[served].astype(np.int64), frame["ended"].to_numpy()[served].astype(np.int64),
    )  # fmt: skip
    frame.loc[served, "counter"] = [str(n) for n in numbers]
    frame = frame.sort_values(["issued", "desk"], kind="stable").reset_index(drop=True)
    frame["ticket"] = (frame.groupby(["desk", frame["issued"].dt.normalize()]).cumcount() + 1).map("{:03d}".format)
    frame["citizen"] = "C" + frame["citizen"].astype(str)
    frame["date"] = frame["issued"].dt.normalize()
    return frame[list(COLUMNS)]
