"""A run's contact and work logs taken in chunks as they are recorded, so that the run need not hold them.

What the run's tables need of the logs is kept in the smallest exact form:
each citizen's distinct counter procedures (one number per procedure), the
staff's busy minutes per service (summed in the order the rows came, as one
pass over the whole log would), and, for the agency and hourly tables, the
rows of each place written to a scratch file of its own (nameless: the
system removes it when the process ends, however it ends) and read back one
place at a time. Every number is the one the whole logs give.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.analysis.metrics import Window, hourly_frames, hours_of, place_rows, places_of
from simulator.model.configurations import Setup
from simulator.model.records import CONTACT_KINDS, CONTACT_OUTCOMES, WORK_KINDS, LogChunk, RunRecords

PLACE_BITS = 17
"""A procedure's key: the citizen's number above these bits, the place's code and whether it was a pickup below."""
AT_COUNTER = ("submission", "pickup")
CONTACT_COLUMNS = {"kind": np.int8, "outcome": np.int8, "ahead": np.int32, "queued": np.float64,
                   "started": np.float64, "ended": np.float64}  # fmt: skip
"""The contact columns the agency and hourly tables read, with their types in the scratch files."""
WORK_COLUMNS = {"citizen": np.int32, "started": np.float64, "ended": np.float64}
"""The columns of back-office work the agency table reads."""


class LogTally:
    """The contact and work logs of one run, chunk by chunk (a recorder's `flush`).

    The citizens of the window's horizon are those whose staff time is
    shared out among the `services` (by code). With `places` (those of the
    agency table), each one's rows are kept in scratch files for
    `place_table` and `hourly_table`. Close it (or use it in a `with` block)
    to let the files go.
    """

    def __init__(self, window: Window, services: int, places: Sequence[str] = ()) -> None:
        self.window = window
        self._keys: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        """The distinct procedure keys seen, sorted, but for those of the latest chunks (`_fresh`)."""
        self._fresh: list[NDArray[np.int64]] = []
        self._busy = {"contacts": np.zeros(services), "work": np.zeros(services)}
        self._places = set(places)
        self._files: dict[tuple[str, str], IO[bytes]] = {}
        """Each (log, place) with rows kept: its file, the rows one after another (`_rows`)."""

    def __call__(self, chunk: LogChunk) -> None:
        contacts, work = chunk.contacts, chunk.work
        at_counter = contacts["kind"].isin(AT_COUNTER).to_numpy()
        self._faced(contacts, at_counter)
        in_backoffice = (work["kind"] == "backoffice").to_numpy()
        horizon = chunk.arrivals < self.window.counted_until
        calendar = self.window.calendar
        for name, log, worked in (("contacts", contacts, at_counter), ("work", work, in_backoffice)):
            citizen = log["citizen"].to_numpy()
            started, ended = log["started"].to_numpy(), log["ended"].to_numpy()
            chosen = worked & ~np.isnan(started) & horizon[citizen]
            spent = calendar.working_minutes_of(ended[chosen]) - calendar.working_minutes_of(started[chosen])
            np.add.at(self._busy[name], chunk.services[citizen[chosen]], spent)  # in row order, as np.bincount adds
        if self._places:
            self._spill("contacts", contacts, np.ones(len(contacts), dtype=bool), CONTACT_COLUMNS)
            self._spill("work", work, in_backoffice, WORK_COLUMNS)

    def _faced(self, contacts: pd.DataFrame, at_counter: NDArray[np.bool_]) -> None:
        """Add the chunk's distinct (citizen, place, submission or pickup) at a counter to those already seen."""
        rows = contacts[at_counter]
        citizen = rows["citizen"].to_numpy().astype(np.int64)
        place = rows["agency"].cat.codes.to_numpy().astype(np.int64)
        pickup = (rows["kind"] == "pickup").to_numpy().astype(np.int64)
        self._fresh.append(np.unique((citizen << PLACE_BITS) | (place << 1) | pickup))
        if sum(len(keys) for keys in self._fresh) > len(self._keys):  # merged as they double: n log n in all
            self._merge()

    def _merge(self) -> None:
        self._keys = np.unique(np.concatenate([self._keys, *self._fresh]))
        self._fresh = []

    def _spill(self, log: str, frame: pd.DataFrame, rows: NDArray[np.bool_], columns: dict[str, Any]) -> None:
        """Append the chosen rows of each place to the place's scratch file."""
        places = frame["agency"]
        codes = places.cat.codes.to_numpy()
        for code in np.unique(codes[rows]).tolist():
            place = str(places.cat.categories[code])
            if place not in self._places:
                continue
            here = rows & (codes == code)
            kept = np.empty(int(here.sum()), dtype=_rows(columns))
            for name in columns:
                values = frame[name]
                array = values.cat.codes.to_numpy() if isinstance(values.dtype, pd.CategoricalDtype) else values
                kept[name] = np.asarray(array)[here]
            if (log, place) not in self._files:
                self._files[log, place] = tempfile.TemporaryFile(prefix="servicecycle-logs-")  # noqa: SIM115 (closed by close)
            self._files[log, place].write(kept.tobytes())

    def procedures(self, citizens: NDArray[np.int32]) -> NDArray[np.int64]:
        """For each of `citizens`, the distinct counter procedures they faced in person (as `metrics.procedures`)."""
        self._merge()
        every = np.bincount(self._keys >> PLACE_BITS, minlength=int(citizens.max(initial=-1)) + 1)
        return np.asarray(every[citizens], dtype=np.int64)

    def busy(self, services: Sequence[str]) -> dict[str, float]:
        """Working minutes staff spent on each service's citizens of the horizon (as `metrics.busy_minutes`)."""
        minutes = np.zeros(len(services))
        minutes += self._busy["contacts"]
        minutes += self._busy["work"]
        return {str(service): float(value) for service, value in zip(services, minutes, strict=True)}

    def _read(self, log: str, place: str, columns: dict[str, Any]) -> dict[str, np.ndarray]:
        file = self._files.get((log, place))
        if file is None:
            return {name: np.zeros(0, dtype=kind) for name, kind in columns.items()}
        file.seek(0)
        kept = np.frombuffer(file.read(), dtype=_rows(columns))
        file.seek(0, 2)
        return {name: kept[name].copy() for name in columns}

    def records_of(self, place: str, citizens: pd.DataFrame) -> RunRecords:
        """The logs of one place (its contacts, its back-office work), as `place_rows` and `hourly_frames` read them."""
        contacts = self._read("contacts", place, CONTACT_COLUMNS)
        work = self._read("work", place, WORK_COLUMNS)

        def named(count: int) -> pd.Categorical[str]:
            return pd.Categorical.from_codes(np.zeros(count, dtype=np.int8), categories=pd.Index([place]))

        kinds = pd.Index(CONTACT_KINDS)
        return RunRecords(
            citizens=citizens,
            contacts=pd.DataFrame({
                "agency": named(len(contacts["queued"])),
                "kind": pd.Categorical.from_codes(contacts.pop("kind"), categories=kinds),
                "outcome": pd.Categorical.from_codes(contacts.pop("outcome"), categories=pd.Index(CONTACT_OUTCOMES)),
                **contacts,
            }),
            work=pd.DataFrame({
                "citizen": work["citizen"],
                "agency": named(len(work["citizen"])),
                "kind": pd.Categorical.from_codes(np.zeros(len(work["citizen"]), dtype=np.int8),
                                                  categories=pd.Index(WORK_KINDS)),
                "started": work["started"],
                "ended": work["ended"],
            }),
        )  # fmt: skip

    def places(self, setup: Setup, citizens: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The agency table and the hourly table (`place_table`, `hourly_table`), one place's logs at a time."""
        rows, frames = [], {}
        for place in places_of(setup):
            records = self.records_of(place, citizens)
            rows += place_rows(records, setup, self.window, [place])
            if place in setup.desks:
                frames[place] = hourly_frames(records, setup, self.window, [place])
        return pd.DataFrame(rows), hours_of([frame for desk in setup.desks for frame in frames[desk]])

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._files = {}

    def __enter__(self) -> LogTally:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rows(columns: dict[str, Any]) -> np.dtype[Any]:
    """A scratch file's row: the columns side by side."""
    return np.dtype([(name, kind) for name, kind in columns.items()])
