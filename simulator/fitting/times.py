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
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

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
ZONE = r"\s*(?:Z|[+-]\d\d:?\d\d)$"
"""A time zone at the end of an ISO time."""
PROBE = 2_000
"""Values of a column that decide its format."""
EMPTY = pa.scalar("", pa.string())
Text: TypeAlias = "pa.ChunkedArray[Any]"
"""A column of a log as Arrow text."""
ISO_LAYOUTS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
"""ISO 8601 layouts Arrow reads fast; a column's other ISO values (fractions of a second, zones) go to pandas."""


def _parse(values: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed: pd.Series = pd.to_datetime(values, format=fmt, errors="coerce")
        except ValueError:  # zones that differ: each value's own clock time is kept
            parsed = pd.to_datetime(values.str.replace(ZONE, "", regex=True), format=fmt, errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:  # a zone in the file: local time is what the office saw
        parsed = parsed.dt.tz_localize(None)
    return parsed


def text_of(values: pd.Series | Text) -> Text:
    """Values as Arrow text without surrounding spaces (missing values empty)."""
    if isinstance(values, pd.Series):
        values = pa.chunked_array([pa.array(values.astype(object).where(values.notna(), ""), type=pa.string())])
    trimmed: Text = pc.utf8_trim_whitespace(values)
    return trimmed


def given(text: Text) -> NDArray[np.bool_]:
    """Where the text is not empty."""
    mask: NDArray[np.bool_] = pc.not_equal(text, EMPTY).to_numpy(zero_copy_only=False)
    return mask


def _probe(text: Text) -> Text:
    """A sample of the non-empty values, every k-th, at most PROBE of them."""
    values = text.filter(pc.not_equal(text, EMPTY))
    return values.take(np.arange(0, len(values), max(1, len(values) // PROBE)))


def best_format(values: pd.Series | Text, formats: tuple[str, ...] = FORMATS) -> str | None:
    """The first format under which most non-empty values parse (None: none does)."""
    probe = _probe(text_of(values))
    if len(probe) == 0:
        return formats[0]
    sample = probe.to_pandas()  # a sample decides; the whole column is parsed once
    for fmt in formats:
        if _parse(sample, fmt).notna().mean() >= ENOUGH:
            return fmt
    return None


def parse_times(values: pd.Series | Text, fmt: str | None = None) -> pd.Series:
    """The values as datetime64[ns] under `fmt` (or the best format); NaT where empty or not parseable.

    Arrow parses the values of the column's usual layout (for ISO 8601, the one most of a sample has),
    quickly; pandas parses the rest under `fmt`, so a value reads the same either way
    (tests/fitting/test_reading.py checks it).
    """
    text = text_of(values)
    chosen = fmt or best_format(text) or FORMATS[0]
    layouts = ISO_LAYOUTS if chosen == "ISO8601" else (chosen,)
    probe = _probe(text)
    layout = min(layouts, key=lambda form: pc.strptime(probe, form, "ns", error_is_null=True).null_count)
    parsed = pc.strptime(text, layout, "ns", error_is_null=True)
    if "%d" in layout:  # Arrow reads 31 February as 3 March: pandas reads again days read as a month's first three
        parsed = pc.if_else(pc.less_equal(pc.day(parsed), pa.scalar(3)), pa.scalar(None, parsed.type), parsed)
    times = parsed.to_pandas().astype("datetime64[ns]")
    rest = np.flatnonzero(times.isna().to_numpy() & given(text))
    if len(rest):
        times.iloc[rest] = _parse(text.take(rest).to_pandas(), chosen).astype("datetime64[ns]")
    return times


def parse_dates(values: pd.Series | Text) -> pd.Series:
    """A date column (no time of day) as datetime64 at midnight; NaT where not parseable."""
    return parse_times(values, best_format(values, DATE_FORMATS))
