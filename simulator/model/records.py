"""What the model records, column by column, and the tidy frames made from it.

Three logs: the contact log (every time a citizen joins a queue or is served,
online or by delivery), the work log (back-office work, approval waits and
hand-offs between back offices) and the citizen table (one row per citizen,
written when the journey ends). Recording appends numbers to typed arrays;
frames are built once, at the end of a run. Given somewhere to flush them,
the recorder hands the contact and work logs over in chunks of about
CHUNK_ROWS rows as the run goes on and forgets them, so a long run does not
hold its logs; the citizen columns (one row per citizen) stay to the end.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

CONTACT_KINDS = ("submission", "pickup", "online", "delivery", "booking")
"""Kinds of contact: at a counter (submission, pickup), or without one (online, delivery)."""
CONTACT_OUTCOMES = ("accepted", "rejected", "collected", "product_error", "left_queue", "sent_home", "turned_away")
WORK_KINDS = ("backoffice", "approval", "handoff")
OUTCOMES = ("completed", "abandoned", "in_system")
IN_SYSTEM = OUTCOMES.index("in_system")
ROOM = 1024
"""Citizens the citizen columns grow by at a time."""
CHUNK_ROWS = 1 << 16
"""Rows of the contact and work logs together at which a recorder that flushes hands them over."""

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
        self._typecodes = {**typecodes, **dict.fromkeys(self.TIMES, "d")}
        self.columns: dict[str, array[Any]] = {}
        self.clear()

    def clear(self) -> None:
        """Start the log again on new arrays: the old ones stay whole for any view still taken of them."""
        self.columns = {name: array(code) for name, code in self._typecodes.items()}

    def view(self, name: str) -> np.ndarray:
        """A column as a numpy array sharing the log's memory."""
        return as_numpy(self.columns[name])


def as_numpy(column: array[Any]) -> np.ndarray:
    """A typed array as a numpy array sharing its memory."""
    return np.frombuffer(column, dtype=np.dtype(column.typecode)) if len(column) else np.array([], column.typecode)


class Recorder:
    """Columnar logs of one run: contacts and work by the row, citizens by their index.

    With `flush`, the logs are handed to it as a LogChunk whenever they reach
    CHUNK_ROWS rows (checked as each citizen arrives) and at the end, and
    then emptied.
    """

    def __init__(
        self,
        services: list[str],
        groups: tuple[str, ...] = (),
        flush: Callable[[LogChunk], None] | None = None,
    ) -> None:
        self.flush = flush
        self.chunk_rows = CHUNK_ROWS
        self.steps = Codes()
        self.places = Codes()
        self.services = Codes(tuple(services))
        self.groups = Codes(("", *groups))
        """Citizens' groups; code 0 is no group."""
        self.contacts = Log(citizen="i", step="h", place="h", kind="b", outcome="b", ahead="i")
        self.work_log = Log(citizen="i", step="h", place="h", kind="b")
        self.count = 0
        """Citizens arrived so far; the citizen columns hold room for more."""
        self.arrivals = array("d")
        self.service_of = array("i")
        self.online = array("b")
        self.outcome = array("b")
        self.group = array("b")
        self.booked = array("b")
        self.counts = {name: array("i") for name in CITIZEN_COUNTS}
        self.numbers = {name: array("d") for name in CITIZEN_NUMBERS if name != "arrival"}
        self._counts = tuple(self.counts.values())
        self._numbers = tuple(self.numbers.values())
        self._blank: tuple[tuple[array[Any], array[Any]], ...] = (
            (self.arrivals, array("d", [math.nan]) * ROOM),
            (self.service_of, array("i", [0]) * ROOM),
            (self.online, array("b", [0]) * ROOM),
            (self.outcome, array("b", [IN_SYSTEM]) * ROOM),
            (self.group, array("b", [0]) * ROOM),
            (self.booked, array("b", [0]) * ROOM),
            *((column, array("i", [0]) * ROOM) for column in self._counts),
            *((column, array("d", [math.nan]) * ROOM) for column in self._numbers),
        )
        """Each citizen column with a block of the values a new citizen starts with."""
        self._bind()

    def _bind(self) -> None:
        """Keep the appends of the logs' current columns at hand (each row calls them)."""
        c = self.contacts.columns
        self._contact = (c["citizen"].append, c["step"].append, c["place"].append, c["kind"].append,
                         c["outcome"].append, c["ahead"].append, c["queued"].append, c["started"].append,
                         c["ended"].append)  # fmt: skip
        w = self.work_log.columns
        self._contact_rows, self._work_rows = c["citizen"], w["citizen"]
        self._work = (w["citizen"].append, w["step"].append, w["place"].append, w["kind"].append,
                      w["queued"].append, w["started"].append, w["ended"].append)  # fmt: skip

    def arrive(self, arrival: float, service: str) -> int:
        """A new citizen's row, still in the system; returns the citizen's number (arrival order)."""
        if self.flush is not None and len(self._contact_rows) + len(self._work_rows) >= self.chunk_rows:
            self.flush_logs()
        citizen = self.count
        if citizen == len(self.arrivals):
            for column, blank in self._blank:
                column.extend(blank)
        self.arrivals[citizen] = arrival
        self.service_of[citizen] = self.services[service]
        self.count = citizen + 1
        return citizen

    def classify(self, citizen: int, group: int, booked: bool) -> None:
        """The citizen's group (a code of `groups`) and whether they booked an appointment."""
        self.group[citizen] = group
        self.booked[citizen] = booked

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

    def flush_logs(self) -> None:
        """Hand the contact and work logs recorded since the last flush to `flush`, and start them again.

        The chunk's frames keep the logs' arrays as they were, and the logs go on in new ones:
        an array cannot be emptied while a view of it lives, and when the last view goes is not
        ours to know (a frame's internals, a worker's threads).
        """
        if self.flush is None:
            return
        count = self.count
        chunk = LogChunk(
            contacts=self._log_frame(self.contacts, CONTACT_KINDS),
            work=self._log_frame(self.work_log, WORK_KINDS),
            arrivals=as_numpy(self.arrivals)[:count].copy(),
            services=as_numpy(self.service_of)[:count].copy(),
        )
        self.contacts.clear()
        self.work_log.clear()
        self._bind()
        self.flush(chunk)

    def frames(self) -> RunRecords:
        """The three logs as tidy frames, sharing the logs' memory where they can.

        A recorder that flushes flushes the rest of its logs first: its frames' logs are empty.
        """
        self.flush_logs()
        return RunRecords(
            citizens=self._citizen_frame(),
            contacts=self._log_frame(self.contacts, CONTACT_KINDS),
            work=self._log_frame(self.work_log, WORK_KINDS),
        )

    def _citizen_frame(self) -> pd.DataFrame:
        """One row per citizen, in citizen order; those still in the system have no end."""
        count = self.count

        def column(values: array[Any]) -> np.ndarray:
            return as_numpy(values)[:count]

        numbers = {name: column(values) for name, values in self.numbers.items()}
        counts = {name: column(values) for name, values in self.counts.items()}
        columns = {
            "citizen": np.arange(count, dtype=np.int32),
            "service": self.services.categorical(column(self.service_of)),
            "online": column(self.online).astype(bool),
            "group": self.groups.categorical(column(self.group)),
            "booked": column(self.booked).astype(bool),
            "outcome": pd.Categorical.from_codes(column(self.outcome), categories=pd.Index(OUTCOMES)),
            "arrival": column(self.arrivals),
            **numbers,
            **counts,
        }
        return pd.DataFrame(columns, copy=False)[["citizen", "service", "online", "group", "booked", "outcome",
                                                   *CITIZEN_NUMBERS, *CITIZEN_COUNTS]]  # fmt: skip

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
class LogChunk:
    """Consecutive rows of a run's contact and work logs, with every citizen's arrival and service so far."""

    contacts: pd.DataFrame
    work: pd.DataFrame
    arrivals: np.ndarray
    """By citizen number: when each citizen who has arrived so far arrived."""
    services: np.ndarray
    """By citizen number: the code of each one's service (`Recorder.services`)."""


@dataclass(frozen=True)
class RunRecords:
    """The tidy frames of one run, before any statistics."""

    citizens: pd.DataFrame
    contacts: pd.DataFrame
    work: pd.DataFrame
