r"""Observed data in a scenario: the text of a CSV file -> the numbers a scenario holds. No I/O.

An office's queue-ticket log gives a service's arrivals; a sample of timed
counter sittings gives an empirical distribution. The loader reads the file
and hands its text here; what comes back goes into the scenario, so the model
never sees a file.

>>> counts = table("hour,count\n08:00,3\n09:00,1\n08:00,5\n09:00,3\n", "tickets.csv")
>>> arrivals_from_counts(counts, "count", "hour", Calendar(open="08:00", close="10:00"), "hour")
{'per_day': 6.0, 'profile': [4.0, 2.0]}
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from typing import Literal

from simulator.scenario import Calendar, did_you_mean

Per = Literal["day", "hour"]
DELIMITERS = ",;\t"
_CLOCK = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:[-\u2013]\s*\d{1,2}(?:[:.]\d{2})?\s*)?$")


class DataError(ValueError):
    """A data file that cannot be used; `key` names the scenario field it concerns (e.g. 'column')."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Table:
    """A CSV file's header and its non-blank rows, each with its row number (the header is row 1)."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    decimal_comma: bool
    """True when cells are separated by ';' or tabs, so that '12,5' reads as 12.5."""

    def cells(self, column: str, key: str = "column") -> list[tuple[int, str]]:
        """(row, text) of every row in `column`; refuses a column that is not there."""
        if column not in self.header:
            raise DataError(
                f"{self.file} has no column {column!r}{did_you_mean(column, self.header)} "
                f"(its columns: {', '.join(map(repr, self.header))})",
                key,
            )
        if self.header.count(column) > 1:
            raise DataError(f"{self.file} has two columns named {column!r}", key)
        index = self.header.index(column)
        found = []
        for row, cells in self.rows:
            if index >= len(cells):
                raise DataError(f"{self.file} row {row}: no cell in column {column!r} (the row has {len(cells)})", key)
            found.append((row, cells[index].strip()))
        if not found:
            raise DataError(f"{self.file}: column {column!r} has no values (the file has a header and no rows)", key)
        return found


def table(text: str, file: str) -> Table:
    """Parse CSV text: the first non-blank line is the header; cells are split by ',', ';' or tabs."""
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise DataError(f"{file} is empty: expected a header line and rows", "csv")
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    reader = csv.reader(lines, delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise DataError(f"{file} row {reader.line_num + 1}: not readable as CSV: {error}", "csv") from None
    header = [name.strip() for name in rows[0][1]]
    for row, cells in rows[1:]:
        if any(cell.strip() for cell in cells[len(header) :]):
            raise DataError(
                f"{file} row {row}: {len(cells)} cells, but the header has {len(header)} "
                f"(split by {delimiter!r}; a decimal comma needs quotes, or ';' between cells)",
                "csv",
            )
    return Table(file, header, rows[1:], decimal_comma=delimiter != ",")


def numbers(table: Table, column: str) -> list[float]:
    """The non-negative numbers in `column`, refusing any other cell with its row."""
    values = []
    for row, text in table.cells(column):
        number = _number(text, table.decimal_comma)
        if number is None or number < 0:
            found = "an empty cell" if not text else repr(text)
            hint = " (a decimal point; a decimal comma only with ';' between cells)" if "," in text else ""
            raise DataError(f"{table.file} row {row}, column {column!r}: expected a number >= 0, found {found}{hint}")
        values.append(number)
    return values


def _number(text: str, decimal_comma: bool) -> float | None:
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def arrivals_from_counts(
    table: Table, column: str, per: str, calendar: Calendar, hour: str | None = None
) -> dict[str, float | list[float]]:
    """`per_day` (and, from hourly counts, `profile`) of a service's arrivals from observed counts.

    Daily counts: one row per working day. Hourly counts: one row per opening
    hour, day after day, each day from the opening hour to the last; when the
    `hour` column is named, each row's hour is checked against the calendar.
    """
    if per not in ("day", "hour"):
        raise DataError(f"unknown value {per!r}{did_you_mean(per, ['day', 'hour'])} (expected day or hour)", "per")
    counts = numbers(table, column)
    if not sum(counts) > 0:
        raise DataError(f"{table.file}: every count in column {column!r} is 0: expected some arrivals", "column")
    if per == "day":
        if hour is not None:
            raise DataError("an hour column goes with per: hour, not per: day", "hour")
        return {"per_day": sum(counts) / len(counts)}
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
    totals = [sum(counts[slot::slots]) for slot in range(slots)]
    lengths = [min(60, calendar.close_minute - calendar.open_minute - 60 * slot) for slot in range(slots)]
    return {
        "per_day": sum(counts) / days,
        "profile": [total / days * 60 / length for total, length in zip(totals, lengths, strict=True)],
    }


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
                f"{table.file} row {row}, column {column!r}: expected {what} {_clock(expected)}, found {text!r} "
                f"(each day lists its {slots} opening hours in order, from {calendar.open} to {calendar.close})",
                "hour",
            )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
