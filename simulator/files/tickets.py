"""The contacts of a run as queue-ticket logs (`run --event-log tickets`): the CSV that `fit --format tickets` reads.

One file per configuration and replication, `tickets/<configuration>-<replication>.csv`: each is one
office's log over the horizon (`analysis.tickets`), written as its replication finishes. A log covers the
tickets issued before the first working day after the horizon; citizens arriving in the warm-up are not
counted, so their tickets (and their later returns) are not in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from simulator.analysis.tickets import ticket_log
from simulator.files.replications import ReplicationLog, by_replication
from simulator.model.calendar import WorkCalendar
from simulator.scenario.schema import Scenario

TICKETS = "tickets"
"""The folder of the ticket logs in a run folder."""
TIMES = ("issued", "called", "ended")


def log_days(scenario: Scenario) -> int:
    """Calendar days from the calendar's start that a log covers: up to the first working day after the horizon."""
    return WorkCalendar(scenario.calendar).workday(scenario.horizon_days)


def ticket_csv(tickets: pd.DataFrame, path: Path) -> None:
    """A ticket log as CSV: dates as `YYYY-MM-DD`, times as `YYYY-MM-DD HH:MM:SS` (empty where missing)."""
    text = tickets.assign(date=tickets["date"].dt.strftime("%Y-%m-%d"))
    for column in TIMES:
        text[column] = text[column].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    text.to_csv(path, index=False)


class TicketLogs(ReplicationLog):
    """Writes each replication's ticket log to `folder/tickets/<configuration>-<replication>.csv` (a record sink)."""

    TABLES = ("citizens", "contacts")

    def __init__(self, folder: Path, scenario: Scenario) -> None:
        super().__init__()
        self.folder = folder / TICKETS
        self.folder.mkdir(exist_ok=True)
        self._start = scenario.calendar.start
        self._days = log_days(scenario)

    def write(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write the ticket log of each replication in the tables (from its contacts and its citizens' services)."""
        for configuration, replication, mine in by_replication(tables, ("citizens", "contacts")):
            tickets = ticket_log(mine["contacts"], mine["citizens"], self._start, self._days)
            ticket_csv(tickets, self.folder / f"{configuration}-{replication}.csv")

    def end(self) -> None:
        """Each file is whole when written: nothing is held open."""
