r"""Observed data in a scenario: the bytes of a CSV file -> the numbers a scenario holds. No I/O.

An office's queue-ticket log gives a service's arrivals; a sample of timed
counter sittings gives an empirical distribution. The loader reads the file
and hands its bytes here; what comes back goes into the scenario, so the model
never sees a file. A column is read row by row into a float64 array: ten
million rows take 80 MB, not a Python object per cell.

>>> counts = table("hour,count\n08:00,3\n09:00,1\n08:00,5\n09:00,3\n", "tickets.csv")
>>> arrivals_from_counts(counts, "count", "hour", Calendar(open="08:00", close="10:00"), "hour")
ObservedArrivals(per_day=6.0, profile=[4.0, 2.0], rows=4)
"""

from __future__ import annotations

import array
import csv
import hashlib
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from simulator.scenario.schema import Calendar, did_you_mean

Per = Literal["day", "hour"]
DELIMITERS = ",;\t"
MAX_ROWS = 10_000_000
"""Rows of a data file."""
_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:[-\u2013]\s*\d{1,2}(?:[:.]\d{2})?\s*)?$")


class DataError(ValueError):
    """A data file that cannot be used; `key` names the scenario field it concerns (e.g. 'column')."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def sha256(path: Path) -> str:
    """The sha256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def excerpt(text: Any, limit: int = 40) -> str:
    r"""A short, escaped quotation of text from a file: never more than about `limit` characters of it.

    >>> excerpt("ab\x1b[2J" * 30, 12)
    "'ab\\x1b[2Jab\\x1b[2J'..."
    """
    text = str(text)
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def _listing(names: list[str], most: int = 6) -> str:
    shown = ", ".join(excerpt(name, 30) for name in names[:most])
    return shown + (f", ... ({len(names):,} columns)" if len(names) > most else "")


@dataclass(frozen=True)
class Table:
    """A CSV file's header and its bytes; its rows are read one at a time, column by column."""

    file: str
    header: list[str]
    data: bytes
    delimiter: str

    @property
    def decimal_comma(self) -> bool:
        """True when cells are separated by ';' or tabs, so that '12,5' reads as 12.5."""
        return self.delimiter != ","

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row, cells) of every non-blank row after the header; a row is the line it starts on (the first is 1)."""
        text = io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        width = len(self.header)
        seen_header = False
        count = 0
        while True:
            start = reader.line_num + 1  # a quoted cell may span lines: an error is where its row starts
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise DataError(f"{self.file} row {start}: not readable as CSV: {error}", "csv") from None
            if not any(cell.strip() for cell in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                raise DataError(
                    f"{self.file} row {start}: {len(cells)} cells, but the header has {width} "
                    f"(split by {self.delimiter!r}; a decimal comma needs quotes, or ';' between cells)",
                    "csv",
                )
            count += 1
            if count > MAX_ROWS:
                raise DataError(f"{self.file} has more than {MAX_ROWS:,} rows (docs/limits.md)", "csv")
            yield start, cells

    def cells(self, column: str, key: str = "column") -> Iterator[tuple[int, str]]:
        """(row, text) of every row in `column`; refuses a column that is not there, or has no values."""
        if column not in self.header:
            raise DataError(
                f"{self.file} has no column {excerpt(column)}{did_you_mean(column, self.header[:1000])} "
                f"(its columns: {_listing(self.header)})",
                key,
            )
        if self.header.count(column) > 1:
            raise DataError(f"{self.file} has two columns named {excerpt(column)}", key)
        return self._cells(self.header.index(column), column, key)

    def _cells(self, index: int, column: str, key: str) -> Iterator[tuple[int, str]]:
        found = False
        for row, cells in self.rows():
            if index >= len(cells):
                raise DataError(
                    f"{self.file} row {row}: no cell in column {excerpt(column)} (the row has {len(cells)})", key
                )
            found = True
            yield row, cells[index].strip()
        if not found:
            raise DataError(
                f"{self.file}: column {excerpt(column)} has no values (the file has a header and no rows)", key
            )


def table(data: str | bytes, file: str) -> Table:
    """The header of CSV text (its first non-blank line); cells are split by ',', ';' or tabs."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    lines = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", errors="replace", newline="")
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise DataError(f"{file} is empty: expected a header line and rows", "csv")
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    lines.seek(0)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(cells for cells in reader if any(cell.strip() for cell in cells))
    except csv.Error as error:
        raise DataError(f"{file} row {reader.line_num}: not readable as CSV: {error}", "csv") from None
    except StopIteration:
        raise DataError(f"{file} is empty: expected a header line and rows", "csv") from None
    return Table(file, [name.strip() for name in header], raw, delimiter)


FloatArray = NDArray[np.float64]


def numbers(table: Table, column: str) -> FloatArray:
    """The non-negative numbers in `column`, refusing any other cell with its row."""
    values = array.array("d")
    append = values.append
    decimal_comma = table.decimal_comma
    for row, text in table.cells(column):
        number = _number(text, decimal_comma)
        if number is None or number < 0:
            found = "an empty cell" if not text else excerpt(text)
            hint = " (a decimal point; a decimal comma only with ';' between cells)" if "," in text else ""
            raise DataError(
                f"{table.file} row {row}, column {excerpt(column)}: expected a number >= 0, found {found}{hint}"
            )
        append(number)
    return np.frombuffer(values, dtype=np.float64) if len(values) else np.zeros(0)


def _number(text: str, decimal_comma: bool) -> float | None:
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class ObservedArrivals(NamedTuple):
    """A service's arrivals as observed counts give them."""

    per_day: float
    profile: list[float] | None
    rows: int
    """Rows of counts read."""

    def fields(self) -> dict[str, Any]:
        """The scenario fields: `per_day`, and `profile` from hourly counts."""
        return {"per_day": self.per_day} | ({} if self.profile is None else {"profile": self.profile})


def arrivals_from_counts(
    table: Table, column: str, per: str, calendar: Calendar, hour: str | None = None
) -> ObservedArrivals:
    """`per_day` (and, from hourly counts, `profile`) of a service's arrivals from observed counts.

    Daily counts: one row per working day. Hourly counts: one row per opening
    hour, day after day, each day from the opening hour to the last; when the
    `hour` column is named, each row's hour is checked against the calendar.
    """
    if per not in ("day", "hour"):
        raise DataError(
            f"unknown value {excerpt(per)}{did_you_mean(per, ['day', 'hour'])} (expected day or hour)", "per"
        )
    counts = numbers(table, column)
    if not counts.sum() > 0:
        raise DataError(f"{table.file}: every count in column {excerpt(column)} is 0: expected some arrivals", "column")
    if per == "day":
        if hour is not None:
            raise DataError("an hour column goes with per: hour, not per: day", "hour")
        return ObservedArrivals(float(counts.sum()) / len(counts), None, len(counts))
    if calendar.hours:
        raise DataError(
            f"hourly counts need the same opening hours every working day, and calendar.hours sets other hours "
            f"for {', '.join(calendar.hours)}: give daily counts (per: day) and a profile",
            "per",
        )
    slots = calendar.opening_hours
    if hour is not None:
        _check_hours(table, hour, calendar)
    if len(counts) % slots:
        raise DataError(
            f"{table.file} has {len(counts)} rows of hourly counts, not whole days: expected a multiple of {slots}, "
            f"one row per opening hour from {calendar.open} to {calendar.close} (calendar.open, calendar.close)",
            "per",
        )
    days = len(counts) // slots
    totals = [float(counts[slot::slots].sum()) for slot in range(slots)]
    lengths = [min(60, calendar.close_minute - calendar.open_minute - 60 * slot) for slot in range(slots)]
    profile = [total / days * 60 / length for total, length in zip(totals, lengths, strict=True)]
    return ObservedArrivals(float(counts.sum()) / days, profile, len(counts))


def _check_hours(table: Table, column: str, calendar: Calendar) -> None:
    """Row k of the file must hold the (k mod slots)-th opening hour."""
    slots = calendar.opening_hours
    for k, (row, text) in enumerate(table.cells(column, "hour")):
        expected = calendar.open_minute + 60 * (k % slots)
        match = _CLOCK.match(text)
        found = int(match[1]) * 60 + int(match[2] or 0) if match else None
        if found != expected:
            what = "the hour" if match else "a time such as"
            raise DataError(
                f"{table.file} row {row}, column {excerpt(column)}: expected {what} {_clock(expected)}, "
                f"found {excerpt(text)} (each day lists its {slots} opening hours in order, "
                f"from {calendar.open} to {calendar.close})",
                "hour",
            )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
