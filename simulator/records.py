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


class Recorder:
    """Columnar logs of one run."""

    def __init__(self, citizens: int, services: list[str]) -> None:
        self.steps = Codes()
        self.places = Codes()
        self.services = Codes(tuple(services))
        self._contact_ints = {name: array("q") for name in ("citizen", "step", "place", "kind", "outcome", "ahead")}
        self._contact_times = {name: array("d") for name in ("queued", "started", "ended")}
        self._work_ints = {name: array("q") for name in ("citizen", "step", "place", "kind")}
        self._work_times = {name: array("d") for name in ("queued", "started", "ended")}
        self.service = np.zeros(citizens, dtype=np.int64)
        self.online = np.zeros(citizens, dtype=bool)
        self.outcome = np.full(citizens, OUTCOMES.index("in_system"), dtype=np.int64)
        self.numbers = {name: np.full(citizens, np.nan) for name in CITIZEN_NUMBERS}
        self.counts = {name: np.zeros(citizens, dtype=np.int64) for name in CITIZEN_COUNTS}

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
        ints, times = self._contact_ints, self._contact_times
        ints["citizen"].append(citizen)
        ints["step"].append(self.steps(step))
        ints["place"].append(self.places(place))
        ints["kind"].append(kind)
        ints["outcome"].append(outcome)
        ints["ahead"].append(ahead)
        times["queued"].append(queued)
        times["started"].append(started)
        times["ended"].append(ended)

    def work(self, citizen: int, step: str, place: str, kind: int, queued: float, started: float, ended: float) -> None:
        """Back-office work, an approval wait or a hand-off: `kind` indexes WORK_KINDS."""
        ints, times = self._work_ints, self._work_times
        ints["citizen"].append(citizen)
        ints["step"].append(self.steps(step))
        ints["place"].append(self.places(place))
        ints["kind"].append(kind)
        times["queued"].append(queued)
        times["started"].append(started)
        times["ended"].append(ended)

    def frames(self) -> RunRecords:
        """The three logs as tidy frames."""
        return RunRecords(
            citizens=self._citizen_frame(),
            contacts=self._log_frame(self._contact_ints, self._contact_times, CONTACT_KINDS, "agency", True),
            work=self._log_frame(self._work_ints, self._work_times, WORK_KINDS, "agency", False),
        )

    def _citizen_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"citizen": np.arange(len(self.service))})
        frame["service"] = self.services.categorical(self.service)
        frame["online"] = self.online
        frame["outcome"] = pd.Categorical.from_codes(self.outcome, categories=pd.Index(OUTCOMES))
        for name, values in self.numbers.items():
            frame[name] = values
        for name, counts in self.counts.items():
            frame[name] = counts
        return frame

    def _log_frame(
        self,
        ints: dict[str, array[int]],
        times: dict[str, array[float]],
        kinds: tuple[str, ...],
        place: str,
        with_outcome: bool,
    ) -> pd.DataFrame:
        frame = pd.DataFrame({"citizen": np.frombuffer(ints["citizen"], dtype=np.int64)})
        frame["step"] = self.steps.categorical(np.frombuffer(ints["step"], dtype=np.int64))
        frame[place] = self.places.categorical(np.frombuffer(ints["place"], dtype=np.int64))
        frame["kind"] = pd.Categorical.from_codes(
            np.frombuffer(ints["kind"], dtype=np.int64), categories=pd.Index(kinds)
        )
        for name, values in times.items():
            frame[name] = np.frombuffer(values, dtype=np.float64)
        if with_outcome:
            frame["outcome"] = pd.Categorical.from_codes(
                np.frombuffer(ints["outcome"], dtype=np.int64), categories=pd.Index(CONTACT_OUTCOMES)
            )
            frame["ahead"] = np.frombuffer(ints["ahead"], dtype=np.int64)
        return frame


@dataclass(frozen=True)
class RunRecords:
    """The tidy frames of one run, before any statistics."""

    citizens: pd.DataFrame
    contacts: pd.DataFrame
    work: pd.DataFrame
