"""Timestamps in any common format -> datetime64 values, one format per column, chosen by the data.

Offices export times as ISO dates (`2026-03-02 08:15:30`), day-first dates
(`02/03/2026 08:15`, the Indonesian order), or clock times beside a date
column. A column is read with the first format under which most of its values
parse; values that do not are NaT, and the caller counts them as defects.

>>> parse_times(pd.Series(["02/03/2026 08:15", "", "31/03/2026 16:00"])).dt.strftime("%Y-%m-%d %H:%M").tolist()
['2026-03-02 08:15', nan, '2026-03-31 16:00']
"""

from __future__ import annotations

import warnings

import pandas as pd

FORMATS = (
    "ISO8601",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%H:%M:%S",
    "%H:%M",
    "%H.%M",
)
"""Tried in this order: ISO first, then day-first dates (the Indonesian order), then clock times alone."""
CLOCK_FORMATS = frozenset({"%H:%M:%S", "%H:%M", "%H.%M"})
DATE_FORMATS = ("ISO8601", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%m/%d/%Y")
ENOUGH = 0.5
"""A format is the column's when at least this share of its non-empty values parse under it."""


def _parse(values: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed: pd.Series = pd.to_datetime(values, format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:  # a zone in the file: local time is what the office saw
        parsed = parsed.dt.tz_localize(None)
    return parsed


def best_format(values: pd.Series, formats: tuple[str, ...] = FORMATS) -> str | None:
    """The first format under which most non-empty values parse (None: none does)."""
    given = values[values.str.strip().fillna("") != ""]
    if given.empty:
        return formats[0]
    probe = given.iloc[:: max(1, len(given) // 2_000)]  # a sample decides; the whole column is parsed once
    for fmt in formats:
        if _parse(probe, fmt).notna().mean() >= ENOUGH:
            return fmt
    return None


def parse_times(values: pd.Series, fmt: str | None = None) -> pd.Series:
    """The values as datetime64 under `fmt` (or the best format); NaT where empty or not parseable."""
    chosen = fmt or best_format(values) or FORMATS[0]
    return _parse(values.str.strip(), chosen)


def parse_dates(values: pd.Series) -> pd.Series:
    """A date column (no time of day) as datetime64 at midnight; NaT where not parseable."""
    return parse_times(values, best_format(values, DATE_FORMATS))
