"""Staff per desk by half hour, from the counters seen serving.

For each day and half hour, the staff seen is the number of distinct counters
that called a ticket in it (with a counter column), or else the most tickets
in service at once among those called in it. Being seen is a lower bound (a
counter idle a whole half hour is not seen), so the roster takes a high
quantile over the days (SEEN_QUANTILE) of each half hour: its most common value
is the default and other half hours are changes. A weekday whose most seen
over its days stays below that gets changes of its own. At quiet hours, when
counters idle for half an hour, this still undercounts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.fitting.hours import WEEKDAYS, FittedCalendar, clock, minute_of_day

SLOT = 30
"""Minutes of one roster slot."""
SEEN_QUANTILE = 0.9
"""Of the staff seen in a half hour over the days: staff on duty are seen on most, but not all, busy days."""
WEEKDAY_DAYS = 3
"""Dates of a weekday needed before it gets changes of its own."""


@dataclass(frozen=True)
class FittedRoster:
    """A desk's roster as a scenario mapping (or a number), the staff of each slot, and the days they rest on."""

    spec: int | dict[str, Any]
    slots: dict[int, float]
    days: int
    by_counter: bool

    def comment(self) -> str:
        how = "distinct counters calling" if self.by_counter else "most tickets in service at once"
        return f"{SEEN_QUANTILE:.0%} quantile over {self.days} days of the {how} per half hour (idle ones unseen)"


def _seen(sittings: pd.DataFrame, by_counter: bool) -> pd.DataFrame:
    """Staff seen per (day, slot) of one desk's served tickets (with `start`, `end` minutes and `day`)."""
    slot = (sittings["start"] // SLOT).astype(np.int64)
    if by_counter:
        staff = sittings["counter"].groupby([sittings["day"], slot], observed=True).nunique()
    else:  # at each call, the sittings begun and not yet ended (those of other days cancel out)
        base = ((sittings["day"] - sittings["day"].min()) // pd.Timedelta(days=1)).to_numpy() * 1440.0
        begin, finish = base + sittings["start"].to_numpy(), base + sittings["end"].to_numpy()
        busy = np.searchsorted(np.sort(begin), begin, "right") - np.searchsorted(np.sort(finish), begin, "right")
        staff = pd.Series(busy, index=sittings.index).groupby([sittings["day"], slot]).max()
    return staff.rename_axis(["day", "slot"]).rename("staff").reset_index()


def _runs(medians: dict[int, int], default: int, days: list[str] | None) -> list[dict[str, Any]]:
    """Roster changes for the contiguous slots whose staff differs from `default`."""
    changes: list[dict[str, Any]] = []
    for slot in sorted(medians):
        staff = medians[slot]
        if staff == default:
            continue
        last = changes[-1] if changes else None
        if last is not None and last["staff"] == staff and last["_end"] == slot:
            last["_end"] = slot + 1
            continue
        changes.append({**({"days": days} if days else {}), "_start": slot, "_end": slot + 1, "staff": staff})
    return [
        {**{k: v for k, v in c.items() if not k.startswith("_")}, "from": clock(c["_start"] * SLOT),
         "to": clock(c["_end"] * SLOT)}
        for c in changes
    ]  # fmt: skip


def fit_roster(desk_tickets: pd.DataFrame, calendar: FittedCalendar) -> FittedRoster:
    """The roster of one desk from its tickets (those never called are not looked at)."""
    served = desk_tickets[desk_tickets["called"].notna()]
    end = served["ended"].fillna(served["called"])
    sittings = pd.DataFrame({
        "day": served["issued"].dt.normalize(),
        "start": minute_of_day(served["called"]),
        "end": np.maximum(minute_of_day(end), minute_of_day(served["called"]) + 1 / 60),
        "counter": served["counter"],
    })  # fmt: skip
    by_counter = bool((served["counter"] != "").all()) and len(served) > 0
    seen = _seen(sittings, by_counter)
    days = sorted(sittings["day"].unique())
    grid = pd.MultiIndex.from_product(
        [days, range(calendar.open // SLOT, -(-calendar.close // SLOT))], names=["day", "slot"]
    )
    table = seen.set_index(["day", "slot"])["staff"].reindex(grid, fill_value=0).reset_index()
    weekday = pd.DatetimeIndex(table["day"]).day_of_week.to_numpy()
    table["weekday"] = np.array(WEEKDAYS)[weekday]
    hours = np.array([calendar.hours_of(name) for name in WEEKDAYS])[weekday]
    minute = table["slot"].to_numpy() * SLOT
    table = table[(hours[:, 0] <= minute) & (minute < hours[:, 1])]
    seen = table.groupby("slot")["staff"].quantile(SEEN_QUANTILE, interpolation="nearest")
    whole = {int(slot): int(staff) for slot, staff in seen.items()}
    default = Counter(whole.values()).most_common(1)[0][0] if whole else 1
    changes = _runs(whole, default, None)
    for weekday, group in table.groupby("weekday"):
        most = {int(s): int(v) for s, v in group.groupby("slot")["staff"].max().items()}
        fewer = {s: v for s, v in most.items() if v < whole.get(s, default)}
        if group["day"].nunique() >= WEEKDAY_DAYS and fewer:
            changes += _runs(fewer, -1, [str(weekday)])
    spec: int | dict[str, Any] = {"default": default, "changes": changes} if changes else default
    return FittedRoster(spec, {s: float(v) for s, v in whole.items()}, len(days), by_counter)
