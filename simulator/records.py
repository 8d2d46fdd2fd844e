"""What the model records, column by column, and the tidy frames made from it.

Three logs: the contact log (every time a citizen joins a queue or is served,
online or by delivery), the work log (back-office work, approval waits and
hand-offs between back offices) and the citizen table (one row per citizen,
written when the journey ends). Recording appends numbers to typed arrays;
frames are built once, at the end of a run.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
import pandas as pd

CONTACT_KINDS = ("submission", "pickup", "online", "delivery")
"""Kinds of contact: at a counter (submission, pickup), or without one (online, delivery)."""
CONTACT_OUTCOMES = ("accepted", "rejected", "collected", "product_error", "left_queue", "sent_home")
WORK_KINDS = ("backoffice", "approval", "handoff")
OUTCOMES = ("completed", "abandoned", "in_system")

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


class Codes:
    """Names stored once, referred to by number in the logs."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self.names: list[str] = list(names)
        self._index = {name: i for i, name in enumerate(self.names)}

    def __call__(self, name: str) -> int:
        code = self._index.get(name)
        if code is None:
            code = self._index[name] = len(self.names)
            self.names.append(name)
        return code

    def categorical(self, codes: np.ndarray) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(codes, categories=pd.Index(self.names))


class Log:
    """Rows of whole numbers and of times, each kept in one flat typed array."""

    def __init__(self, ints: tuple[str, ...]) -> None:
        self.int_names = ints
        self.ints = array("i")
        self.times = array("d")

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows x whole-number columns, rows x (queued, started, ended))."""
        ints = np.frombuffer(self.ints, dtype=np.int32).reshape(-1, len(self.int_names))
        return ints, np.frombuffer(self.times, dtype=np.float64).reshape(-1, 3)


class Recorder:
    """Columnar logs of one run."""

    def __init__(self, arrivals: np.ndarray, service_of: list[str], services: list[str]) -> None:
        self.steps = Codes()
        self.places = Codes()
        self.services = Codes(tuple(services))
        self.arrivals = arrivals
        self.service_of = np.array([self.services(name) for name in service_of], dtype=np.int64)
        self.contacts = Log(("citizen", "step", "place", "kind", "outcome", "ahead"))
        self.work_log = Log(("citizen", "step", "place", "kind"))
        self.size = len(arrivals)
        self.ended = Log(("citizen", "service", "online", "outcome", *CITIZEN_COUNTS))
        self.ended_numbers = array("d")

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
        self.contacts.ints.extend((citizen, self.steps(step), self.places(place), kind, outcome, ahead))
        self.contacts.times.extend((queued, started, ended))

    def work(self, citizen: int, step: str, place: str, kind: int, queued: float, started: float, ended: float) -> None:
        """Back-office work, an approval wait or a hand-off: `kind` indexes WORK_KINDS."""
        self.work_log.ints.extend((citizen, self.steps(step), self.places(place), kind))
        self.work_log.times.extend((queued, started, ended))

    def citizen(self, counts: tuple[int, ...], numbers: tuple[float, ...]) -> None:
        """A journey's row: (citizen, service code, online, outcome, *CITIZEN_COUNTS), CITIZEN_NUMBERS.

        Every citizen's arrival and service are known from the start, even for one still in the system.
        """
        self.ended.ints.extend(counts)
        self.ended_numbers.extend(numbers)

    def frames(self) -> RunRecords:
        """The three logs as tidy frames."""
        return RunRecords(
            citizens=self._citizen_frame(),
            contacts=self._log_frame(self.contacts, CONTACT_KINDS),
            work=self._log_frame(self.work_log, WORK_KINDS),
        )

    def _citizen_frame(self) -> pd.DataFrame:
        """One row per citizen, in citizen order; those still in the system have no end."""
        ints = np.frombuffer(self.ended.ints, dtype=np.int32).reshape(-1, len(self.ended.int_names))
        numbers = np.frombuffer(self.ended_numbers, dtype=np.float64).reshape(-1, len(CITIZEN_NUMBERS))
        who = ints[:, 0]
        whole = np.zeros((self.size, ints.shape[1]), dtype=np.int64)
        whole[:, self.ended.int_names.index("outcome")] = OUTCOMES.index("in_system")
        whole[who] = ints
        real = np.full((self.size, len(CITIZEN_NUMBERS)), np.nan)
        real[who] = numbers
        real[:, CITIZEN_NUMBERS.index("arrival")] = self.arrivals
        whole[:, self.ended.int_names.index("service")] = self.service_of
        column = dict(zip(self.ended.int_names, whole.T, strict=True))
        frame = pd.DataFrame({"citizen": np.arange(self.size)})
        frame["service"] = self.services.categorical(column["service"])
        frame["online"] = column["online"].astype(bool)
        frame["outcome"] = pd.Categorical.from_codes(column["outcome"], categories=pd.Index(OUTCOMES))
        for k, name in enumerate(CITIZEN_NUMBERS):
            frame[name] = real[:, k]
        for name in CITIZEN_COUNTS:
            frame[name] = column[name]
        return frame

    def _log_frame(self, log: Log, kinds: tuple[str, ...]) -> pd.DataFrame:
        ints, times = log.columns()
        column = dict(zip(log.int_names, ints.T, strict=True))
        frame = pd.DataFrame({"citizen": column["citizen"].astype(np.int64)})
        frame["step"] = self.steps.categorical(column["step"])
        frame["agency"] = self.places.categorical(column["place"])
        frame["kind"] = pd.Categorical.from_codes(column["kind"], categories=pd.Index(kinds))
        for k, name in enumerate(("queued", "started", "ended")):
            frame[name] = times[:, k]
        if "outcome" in column:
            frame["outcome"] = pd.Categorical.from_codes(column["outcome"], categories=pd.Index(CONTACT_OUTCOMES))
            frame["ahead"] = column["ahead"].astype(np.int64)
        return frame


@dataclass(frozen=True)
class RunRecords:
    """The tidy frames of one run, before any statistics."""

    citizens: pd.DataFrame
    contacts: pd.DataFrame
    work: pd.DataFrame
