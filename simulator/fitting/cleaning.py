"""A messy log made usable: every defect counted with example rows, unusable rows left out, never silently.

Looked for, in this order: times that cannot be read, tickets without a
service or an issue time, duplicate ticket numbers, negative durations, clocks
that jump (a call or end on another day, or hours after the issue), missing
end times, tickets out of order, and days the system was down (far fewer
tickets than usual on that weekday).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.fitting.problems import Defects

LONGEST_HOURS = 12
"""A wait or a counter sitting longer than this is a clock that jumped."""
DOWN_SHARE = 0.25
"""A day with fewer tickets than this share of its weekday's median is a day the system was down."""


@dataclass(frozen=True)
class CleanLog:
    """The usable tickets, in order of issue, the defects found, and the days the system was down."""

    tickets: pd.DataFrame
    defects: Defects
    down_days: frozenset[pd.Timestamp]


def _rows(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> list[int]:
    rows: list[int] = frame.loc[np.asarray(mask), "row"].astype(int).tolist()
    return rows


def _drop(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> pd.DataFrame:
    return frame.loc[~np.asarray(mask)]


def down_days(tickets: pd.DataFrame) -> frozenset[pd.Timestamp]:
    """Days with fewer tickets than DOWN_SHARE of the median day of the same weekday (3 such days at least)."""
    per_day = tickets.groupby(tickets["issued"].dt.normalize()).size()
    weekday = pd.DatetimeIndex(per_day.index).day_of_week
    median = per_day.groupby(weekday).transform("median")
    seen = per_day.groupby(weekday).transform("size")
    return frozenset(per_day.index[(seen >= 3) & (per_day < DOWN_SHARE * median)])


def clean(frame: pd.DataFrame) -> CleanLog:
    """The tickets frame of `read_tickets` without its unusable rows, and what was wrong with it."""
    defects = Defects()
    bad_time = frame["unreadable"].to_numpy()
    defects.add("unreadable_time", "tickets with a time that cannot be read", "left out", _rows(frame, bad_time))
    frame = _drop(frame, bad_time)
    missing = (frame["service"] == "") | frame["issued"].isna()
    defects.add("missing_field", "tickets without a service or an issue time", "left out", _rows(frame, missing))
    frame = _drop(frame, missing)
    numbered = frame["ticket"] != ""
    keys = frame[["ticket", "desk"]].assign(day=frame["issued"].dt.normalize())
    duplicate = numbered & keys.duplicated(keep="first")
    defects.add("duplicate_ticket", "duplicate ticket numbers (same desk and day)", "later copies left out",
                _rows(frame, duplicate))  # fmt: skip
    frame = _drop(frame, duplicate)
    wait = (frame["called"] - frame["issued"]).dt.total_seconds()
    sitting = (frame["ended"] - frame["called"]).dt.total_seconds()
    negative = (wait < 0) | (sitting < 0)
    defects.add("negative_duration", "tickets called before issued or ended before called", "left out",
                _rows(frame, negative))  # fmt: skip
    day = frame["issued"].dt.normalize()
    jumped = ~negative & (
        (frame["called"].notna() & (frame["called"].dt.normalize() != day))
        | (frame["ended"].notna() & (frame["ended"].dt.normalize() != day))
        | (wait > LONGEST_HOURS * 3600)
        | (sitting > LONGEST_HOURS * 3600)
    )
    defects.add("clock_jump", f"tickets whose clock jumped (another day, or over {LONGEST_HOURS} h)", "left out",
                _rows(frame, jumped))  # fmt: skip
    frame = _drop(frame, negative | jumped)
    no_end = frame["called"].notna() & frame["ended"].isna()
    defects.add("missing_end", "served tickets without an end time", "kept for waits, left out of counter times",
                _rows(frame, no_end))  # fmt: skip
    issued = frame["issued"].to_numpy()
    earlier = np.r_[False, issued[1:] < np.maximum.accumulate(issued)[:-1]] if len(issued) else np.array([], bool)
    defects.add("out_of_order", "tickets out of order (issued before a ticket above them)", "put in order",
                _rows(frame, earlier))  # fmt: skip
    tickets = frame.drop(columns="unreadable").sort_values(
        ["issued", "row"], kind="stable"
    ).reset_index(drop=True)  # fmt: skip
    down = down_days(tickets)
    on_down = tickets["issued"].dt.normalize().isin(list(down))
    dates = ", ".join(day.strftime("%Y-%m-%d") for day in sorted(down)[:3])
    defects.add("system_down", f"tickets on days the system was down or partly down ({dates})",
                "kept for times, days left out of arrival rates", _rows(tickets, on_down))  # fmt: skip
    return CleanLog(tickets, defects, down)
