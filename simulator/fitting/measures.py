"""What a ticket log shows of an office's performance, per service and per hour: the numbers a fit is checked on.

`wait_minutes` is the mean wait of served tickets (issue to call),
`served_per_day` the tickets served per open day, and `queue_length` the mean
number of tickets waiting (issued, not yet called or gone) over the opening
hours. Rows are per service (and `all`) and per hour of issue (and `all`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.fitting.hours import clock, minute_of_day

MEASURES = ("wait_minutes", "served_per_day", "queue_length")


def _queue(waiting_from: np.ndarray, waiting_to: np.ndarray, low: float, high: float, days: int) -> float:
    """Mean number waiting between minutes `low` and `high` of the day, over `days` days."""
    overlap = np.clip(np.minimum(waiting_to, high) - np.maximum(waiting_from, low), 0, None)
    return float(overlap.sum() / ((high - low) * days))


def measures(tickets: pd.DataFrame, opens: int, closes: int) -> pd.DataFrame:
    """Long frame (service, hour, measure, value) of the tickets' waits, served counts and queue lengths."""
    days = max(1, tickets["issued"].dt.normalize().nunique())
    issued = minute_of_day(tickets["issued"]).to_numpy()
    left = tickets["called"].fillna(tickets["ended"])
    until = np.where(left.notna(), minute_of_day(left).to_numpy(), closes)
    served = tickets["called"].notna().to_numpy()
    wait = (tickets["called"] - tickets["issued"]).dt.total_seconds().to_numpy() / 60
    hour = np.floor(issued / 60) * 60
    rows = []
    services = [("all", np.ones(len(tickets), dtype=bool))] + [
        (str(s), (tickets["service"] == s).to_numpy()) for s in sorted(tickets["service"].unique())
    ]
    hours = [("all", None)] + [(clock(h), h) for h in range(opens // 60 * 60, closes, 60)]
    for service, mine in services:
        for label, start in hours:
            if start is None:
                within, low, high = mine, float(opens), float(closes)
            else:
                within, low, high = mine & (hour == start), float(max(start, opens)), float(min(start + 60, closes))
            done = within & served
            rows += [
                (service, label, "wait_minutes", float(wait[done].mean()) if done.any() else np.nan),
                (service, label, "served_per_day", float(done.sum() / days)),
                (service, label, "queue_length", _queue(issued[mine], until[mine], low, high, days)),
            ]
    return pd.DataFrame(rows, columns=["service", "hour", "measure", "value"])
