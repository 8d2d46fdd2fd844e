"""What can be wrong with an office's log: a fatal `LogError`, or `Defects` counted with example rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from simulator.scenario.loading import ScenarioError

EXAMPLES = 3
"""Example rows kept for each kind of defect."""


class LogError(ScenarioError, ValueError):
    """A log that cannot be read at all: the message names the file, and the row and column where known.

    A ScenarioError, so that the command line says it (exit 2) without importing the fitting for every command.
    """


@dataclass
class Defect:
    """One kind of defect: how many rows have it, what happens to them, and a few of their rows."""

    what: str
    action: str
    count: int = 0
    rows: list[int] = field(default_factory=list)

    def add(self, rows: Iterable[int]) -> None:
        """Count `rows` (file rows) as having this defect."""
        listed = list(rows)
        self.count += len(listed)
        self.rows.extend(listed[: max(0, EXAMPLES - len(self.rows))])

    def line(self) -> str:
        """`12 tickets with a missing end time (rows 4, 9, 17): left out of counter times`."""
        shown = ", ".join(str(row) for row in self.rows)
        return (
            f"{self.count:,} {self.what} (rows {shown}{', ...' if self.count > len(self.rows) else ''}): {self.action}"
        )


@dataclass
class Defects:
    """Every defect found in a log, in the order they were looked for."""

    found: dict[str, Defect] = field(default_factory=dict)

    def add(self, key: str, what: str, action: str, rows: Iterable[int]) -> None:
        """Count `rows` under `key` (nothing is recorded for no rows)."""
        listed = list(rows)
        if listed:
            self.found.setdefault(key, Defect(what, action)).add(listed)

    def count(self, key: str) -> int:
        return self.found[key].count if key in self.found else 0

    def lines(self) -> list[str]:
        """One sentence per kind of defect found."""
        return [defect.line() for defect in self.found.values()]
