"""Event logs take a run one whole replication at a time: its pieces gathered, and a run's records split.

A record sink is given a replication's tables in pieces (in this process, its
contacts and work while it runs, then its citizens, its hours last; from a
worker, all at once) or, from `write_run`, a whole run's at once. An event log
needs every table of a replication together: a trace or a ticket names its
citizen's service, an object-centric log relates every record to its citizen.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping

import pandas as pd

from simulator.experiments.runs import joined

LAST_TABLE = "hours"
"""The table that ends a replication's pieces (see `RecordSink`)."""


def by_replication(
    tables: Mapping[str, pd.DataFrame], names: tuple[str, ...] = ("citizens", "contacts", "work")
) -> Iterator[tuple[str, int, dict[str, pd.DataFrame]]]:
    """Configuration, replication and tables of each replication in `tables` (its citizens'), in order of appearance.

    A sink is given one replication at a time while a run goes on, and a whole run's kept records by `write_run`.
    """
    keys = tables["citizens"][["configuration", "replication"]].astype({"configuration": str}).drop_duplicates()
    for configuration, replication in keys.itertuples(index=False):
        if len(keys) == 1:
            yield str(configuration), int(replication), {name: tables[name] for name in names}
            continue
        yield str(configuration), int(replication), {
            name: tables[name][(tables[name]["configuration"].astype(str) == configuration).to_numpy()
                               & (tables[name]["replication"] == replication).to_numpy()]
            for name in names
        }  # fmt: skip


class ReplicationLog(ABC):
    """A record sink that writes each replication whole, when its last table (LAST_TABLE) has come.

    The pieces of the tables it reads (`TABLES`) are held until then and put
    together as `run_once` puts together a replication it keeps, so a log is
    the same whether a replication came in pieces or at once. The pieces of a
    replication that never ended (a run stopped midway) are dropped at the close.
    """

    TABLES: tuple[str, ...] = ("citizens", "contacts", "work")
    """The record tables the log is written from."""

    def __init__(self) -> None:
        self._pieces: list[dict[str, pd.DataFrame]] = []
        self._closed = False

    def __call__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Take a piece of a replication's tables (or every table of one or more replications)."""
        if self._closed:
            raise ValueError("the event log is closed")
        if piece := {name: tables[name] for name in self.TABLES if name in tables}:
            self._pieces.append(piece)
        if LAST_TABLE in tables:
            pieces, self._pieces = self._pieces, []
            if pieces:
                self.write(joined(pieces))

    @abstractmethod
    def write(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write the log of the replications in `tables` (one, or a whole run's)."""

    @abstractmethod
    def end(self) -> None:
        """Finish the log after its last replication."""

    def close(self) -> None:
        """Finish the log (once)."""
        if self._closed:
            return
        self._closed = True
        self._pieces = []
        self.end()
