"""An event log (XES, or a CSV with case, activity, timestamps and resource) -> the tickets frame, read with pm4py.

Each event at a counter is a ticket: its case is the citizen, its resource the
desk, its `start_timestamp` the call and `time:timestamp` the end; the issue
time is the event's `queued` (or enabled) time where the log has one, and its
start otherwise (then waits are not seen). The service is the case's
`service` attribute, or else the activity. pm4py (an optional extra:
`pip install 'simulator[events]'`) is imported only here.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.fitting.problems import LogError
from simulator.fitting.tickets import read_table
from simulator.fitting.times import parse_times

EVENT_FIELDS = ("case", "activity", "start", "end", "resource", "issued", "service")
DEFAULTS = {"case": "case", "activity": "activity", "start": "start", "end": "end", "resource": "resource",
            "issued": "queued", "service": "service"}  # fmt: skip
COUNTER_KINDS = ("submission", "pickup")


def _pm4py() -> Any:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # pm4py prints a banner on import
            import pm4py  # noqa: PLC0415
    except ImportError:
        raise LogError("reading an event log needs pm4py: pip install 'simulator[events]'") from None
    return pm4py


def _local(times: pd.Series) -> pd.Series:
    times = pd.to_datetime(times, errors="coerce")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    return times.astype("datetime64[ns]")


def _frame(log: pd.DataFrame, rows: Any, columns: Mapping[str, str | None]) -> pd.DataFrame:
    """The tickets frame of a pm4py event frame with the named columns (None: the log has none)."""

    def text(field: str) -> Any:
        name = columns.get(field)
        return log[name].astype(str).str.strip().to_numpy() if name else ""

    start, end = _local(log[columns["start"]]), _local(log[columns["end"]])
    issued = _local(log[columns["issued"]]) if columns.get("issued") else start
    frame = pd.DataFrame({
        "row": rows, "ticket": "", "service": text("service") if columns.get("service") else text("activity"),
        "desk": text("resource") if columns.get("resource") else text("activity"), "counter": "",
        "citizen": text("case"), "issued": issued.to_numpy(), "called": start.to_numpy(), "ended": end.to_numpy(),
    })  # fmt: skip
    frame["unreadable"] = False  # pm4py has read every time, or the file
    return frame


def read_xes(path: Path) -> pd.DataFrame:
    """The tickets of an XES event log (LogError if it cannot be read or lacks start times)."""
    pm4py = _pm4py()
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            log = pm4py.read_xes(str(path), return_legacy_log_object=False, show_progress_bar=False)
    except Exception as error:  # pm4py raises many kinds for a broken file
        raise LogError(f"{path}: not readable as XES ({type(error).__name__}: {str(error)[:160]})") from None
    if "start_timestamp" not in log:
        raise LogError(f"{path}: events have no start_timestamp: counter times and waits cannot be seen")
    if "kind" in log:
        log = log[log["kind"].astype(str).isin(COUNTER_KINDS)]
    columns = {
        "case": "case:concept:name", "activity": "concept:name", "start": "start_timestamp", "end": "time:timestamp",
        "resource": "org:resource" if "org:resource" in log else None,
        "issued": "queued" if "queued" in log else None, "service": "case:service" if "case:service" in log else None,
    }  # fmt: skip
    return _frame(log.reset_index(drop=True), range(1, len(log) + 1), columns)


def read_csv_events(path: Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The tickets of a CSV event log, its columns named by `mapping` (case, activity, start, end, resource...)."""
    pm4py = _pm4py()
    table = read_table(path)
    names = {**DEFAULTS, **(mapping or {})}
    unknown = sorted(set(mapping or {}) - set(EVENT_FIELDS))
    if unknown:
        raise LogError(f"--columns: unknown field {unknown[0]!r} for an event log (fields: {', '.join(EVENT_FIELDS)})")
    for field in ("case", "activity", "start", "end"):
        if names[field] not in table:
            raise LogError(f"{path}: no column {names[field]!r} for the {field} (name it with --columns {field}=...)")
    for field in ("start", "end", "issued"):
        if names[field] in table:
            parsed = parse_times(table[names[field]].astype(str))
            bad = parsed.isna() & (table[names[field]].str.strip() != "")
            if bad.mean() > 0.5:
                first = int(np.argmax(bad.to_numpy()))
                row, value = int(table["row"].iloc[first]), str(table[names[field]].iloc[first])
                raise LogError(f"{path} row {row}, column {names[field]!r}: {value[:40]!r} is not a date and time")
            table[names[field]] = parsed
    log = pm4py.format_dataframe(table, case_id=names["case"], activity_key=names["activity"],
                                 timestamp_key=names["end"])  # fmt: skip
    columns = {
        "case": "case:concept:name", "activity": "concept:name", "start": names["start"], "end": "time:timestamp",
        **{f: names[f] if names[f] in table else None for f in ("resource", "issued", "service")},
    }  # fmt: skip
    return _frame(log.reset_index(drop=True), log["row"].to_numpy(), columns)
