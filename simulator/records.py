"""What the model records, column by column, and the tidy frames made from it.

Three logs: the contact log (every time a citizen joins a queue or is served,
online or by delivery), the work log (back-office work, approval waits and
hand-offs between back offices) and the citizen table (one row per citizen,
written when the journey ends). Recording appends numbers to typed arrays;
frames are built once, at the end of a run.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

CONTACT_KINDS = ("submission", "pickup", "online", "delivery")
"""Kinds of contact: at a counter (submission, pickup), or without one (online, delivery)."""
CONTACT_OUTCOMES = ("accepted", "rejected", "collected", "product_error", "left_queue", "sent_home")
WORK_KINDS = ("backoffice", "approval", "handoff")
OUTCOMES = ("completed", "abandoned", "in_system")
IN_SYSTEM = OUTCOMES.index("in_system")

CITIZEN_NUMBERS = (
    "arrival",
    "end",
    "wait_minutes",
    "longest_wait_minutes",
    "travel_minutes",
    "competence",
)
CITIZEN_COUNTS = (
    "trips",
    "contacts",
    "rejections",
    "documents",
    "product_errors",
    "most_ahead",
)


class Codes(dict[str, int]):
    """Names stored once, referred to by number in the logs: `codes[name]` numbers a new name on first sight."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        super().__init__((name, i) for i, name in enumerate(names))
        self.names: list[str] = list(names)

    def __missing__(self, name: str) -> int:
        code = self[name] = len(self.names)
        self.names.append(name)
        return code

    def categorical(self, codes: np.ndarray) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(codes, categories=pd.Index(self.names))


class Log:
    """A log's columns, each a typed array that grows by one entry a row."""

    TIMES = ("queued", "started", "ended")

    def __init__(self, **typecodes: str) -> None:
        self.columns: dict[str, array[Any]] = {
            name: array(code) for name, code in {**typecodes, **dict.fromkeys(self.TIMES, "d")}.items()
        }

    def view(self, name: str) -> np.ndarray:
        """A column as a numpy array sharing the log's memory."""
        return as_numpy(self.columns[name])


def as_numpy(column: array[Any]) -> np.ndarray:
    """A typed array as a numpy array sharing its memory."""
    return np.frombuffer(column, dtype=np.dtype(column.typecode)) if len(column) else np.array([], column.typecode)


class Recorder:
    """Columnar logs of one run: contacts and work by the row, citizens by their index."""

    def __init__(self, services: list[str]) -> None:
        self.steps = Codes()
        self.places = Codes()
        self.services = Codes(tuple(services))
        self.contacts = Log(citizen="i", step="h", place="h", kind="b", outcome="b", ahead="i")
        self.work_log = Log(citizen="i", step="h", place="h", kind="b")
        self.arrivals = array("d")
        self.service_of = array("i")
        self.online = array("b")
        self.outcome = array("b")
        self.counts = {name: array("i") for name in CITIZEN_COUNTS}
        self.numbers = {name: array("d") for name in CITIZEN_NUMBERS if name != "arrival"}
        self._counts = tuple(self.counts.values())
        self._numbers = tuple(self.numbers.values())
        self._arrive = (self.arrivals.append, self.service_of.append, self.online.append, self.outcome.append)
        self._blank_counts = tuple(column.append for column in self._counts)
        self._blank_numbers = tuple(column.append for column in self._numbers)
        c = self.contacts.columns
        self._contact = (c["citizen"].append, c["step"].append, c["place"].append, c["kind"].append,
                         c["outcome"].append, c["ahead"].append, c["queued"].append, c["started"].append,
                         c["ended"].append)  # fmt: skip
        w = self.work_log.columns
        self._work = (w["citizen"].append, w["step"].append, w["place"].append, w["kind"].append,
                      w["queued"].append, w["started"].append, w["ended"].append)  # fmt: skip

    def arrive(self, arrival: float, service: str) -> int:
        """A new citizen's row, still in the system; returns the citizen's number (arrival order)."""
        arrivals, service_of, online, outcome = self._arrive
        arrivals(arrival)
        service_of(self.services[service])
        online(0)
        outcome(IN_SYSTEM)
        for append in self._blank_counts:
            append(0)
        for append in self._blank_numbers:
            append(math.nan)
        return len(self.arrivals) - 1

    def contact(
        self,
        citizen: int,
        step: str,
        place: str,
        kind: int,
        queued: float,
        started: float,
        ended: float,
        outcome: int,
        ahead: int = 0,
    ) -> None:
        """One queue joined or one contact: `kind` and `outcome` index CONTACT_KINDS/_OUTCOMES."""
        a_citizen, a_step, a_place, a_kind, a_outcome, a_ahead, a_queued, a_started, a_ended = self._contact
        a_citizen(citizen)
        a_step(self.steps[step])
        a_place(self.places[place])
        a_kind(kind)
        a_outcome(outcome)
        a_ahead(ahead)
        a_queued(queued)
        a_started(started)
        a_ended(ended)

    def work(self, citizen: int, step: str, place: str, kind: int, queued: float, started: float, ended: float) -> None:
        """Back-office work, an approval wait or a hand-off: `kind` indexes WORK_KINDS."""
        a_citizen, a_step, a_place, a_kind, a_queued, a_started, a_ended = self._work
        a_citizen(citizen)
        a_step(self.steps[step])
        a_place(self.places[place])
        a_kind(kind)
        a_queued(queued)
        a_started(started)
        a_ended(ended)

    def citizen(
        self, citizen: int, online: bool, outcome: int, counts: tuple[int, ...], numbers: tuple[float, ...]
    ) -> None:
        """A journey's row when it ends: CITIZEN_COUNTS and CITIZEN_NUMBERS but the arrival, which is known."""
        self.online[citizen] = online
        self.outcome[citizen] = outcome
        trips, contacts, rejections, documents, product_errors, most_ahead = self._counts
        (
            trips[citizen],
            contacts[citizen],
            rejections[citizen],
            documents[citizen],
            product_errors[citizen],
            most_ahead[citizen],
        ) = counts
        end, wait, longest_wait, travel, competence = self._numbers
        end[citizen], wait[citizen], longest_wait[citizen], travel[citizen], competence[citizen] = numbers

    def frames(self) -> RunRecords:
        """The three logs as tidy frames, sharing the logs' memory where they can."""
        return RunRecords(
            citizens=self._citizen_frame(),
            contacts=self._log_frame(self.contacts, CONTACT_KINDS),
            work=self._log_frame(self.work_log, WORK_KINDS),
        )

    def _citizen_frame(self) -> pd.DataFrame:
        """One row per citizen, in citizen order; those still in the system have no end."""
        numbers = {name: as_numpy(column) for name, column in self.numbers.items()}
        counts = {name: as_numpy(column) for name, column in self.counts.items()}
        outcomes = as_numpy(self.outcome)
        columns = {
            "citizen": np.arange(len(self.arrivals), dtype=np.int32),
            "service": self.services.categorical(as_numpy(self.service_of)),
            "online": as_numpy(self.online).astype(bool),
            "outcome": pd.Categorical.from_codes(outcomes, categories=pd.Index(OUTCOMES)),
            "arrival": as_numpy(self.arrivals),
            **numbers,
            **counts,
        }
        return pd.DataFrame(columns, copy=False)[["citizen", "service", "online", "outcome", *CITIZEN_NUMBERS,
                                                   *CITIZEN_COUNTS]]  # fmt: skip

    def _log_frame(self, log: Log, kinds: tuple[str, ...]) -> pd.DataFrame:
        columns: dict[str, object] = {
            "citizen": log.view("citizen"),
            "step": self.steps.categorical(log.view("step")),
            "agency": self.places.categorical(log.view("place")),
            "kind": pd.Categorical.from_codes(log.view("kind"), categories=pd.Index(kinds)),
            **{name: log.view(name) for name in Log.TIMES},
        }
        if "outcome" in log.columns:
            columns["outcome"] = pd.Categorical.from_codes(log.view("outcome"), categories=pd.Index(CONTACT_OUTCOMES))
            columns["ahead"] = log.view("ahead")
        return pd.DataFrame(columns, copy=False)


@dataclass(frozen=True)
class RunRecords:
    """The tidy frames of one run, before any statistics."""

    citizens: pd.DataFrame
    contacts: pd.DataFrame
    work: pd.DataFrame
