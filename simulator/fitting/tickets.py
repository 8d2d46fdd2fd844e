"""A queue-ticket log (CSV, one row per ticket) -> the tickets frame every fit reads.

The frame has one row per ticket: `row` (the file's line), `ticket`,
`service`, `desk`, `counter`, `citizen` (text as categoricals, empty where the
log has no such column), `issued`, `called`, `ended` (datetime64, NaT where
missing) and `unreadable` (a time given that cannot be read). An office's own
column names are mapped with `columns` (`{"service": "Layanan"}`); without a
mapping a column is found by its canonical name or a common alias, in any
case. Only the columns found are read, by Arrow's CSV reader.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from simulator.fitting.problems import LogError
from simulator.fitting.times import CLOCK_FORMATS, Text, best_format, given, parse_dates, parse_times
from simulator.scenario.loading import FileRefusedError, utf8_text
from simulator.scenario.schema import did_you_mean

REQUIRED = ("service", "issued", "called", "ended")
OPTIONAL = ("ticket", "desk", "counter", "citizen", "date")
TIMES = ("issued", "called", "ended")
TEXTS = ("ticket", "service", "desk", "counter", "citizen")
ALIASES = {
    "ticket": ("ticket", "ticket_no", "no", "nomor", "nomor_antrian", "antrian", "queue_number"),
    "service": ("service", "layanan", "jenis_layanan"),
    "desk": ("desk", "agency", "unit", "bagian"),
    "counter": ("counter", "loket", "counter_no"),
    "citizen": ("citizen", "nik", "citizen_id", "customer", "pemohon"),
    "date": ("date", "tanggal", "tgl"),
    "issued": ("issued", "queued", "ambil", "waktu_ambil", "created"),
    "called": ("called", "started", "dipanggil", "waktu_panggil", "start"),
    "ended": ("ended", "selesai", "waktu_selesai", "finished", "end"),
}
"""Names a column is found by when no mapping names it (compared in lower case, spaces as '_')."""
MAX_BYTES = 2 * 1024**3


def parse_mapping(text: str) -> dict[str, str]:
    """`ticket=No,service=Layanan` -> {"ticket": "No", "service": "Layanan"}; refuses unknown fields.

    >>> parse_mapping("ticket=No, service = Layanan")
    {'ticket': 'No', 'service': 'Layanan'}
    """
    mapping: dict[str, str] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        field, equals, column = (piece.strip() for piece in part.partition("="))
        if not equals or not column:
            raise LogError(f"--columns: expected FIELD=COLUMN, found {part!r}")
        if field not in (*REQUIRED, *OPTIONAL):
            known = (*REQUIRED, *OPTIONAL)
            raise LogError(
                f"--columns: unknown field {field!r}{did_you_mean(field, known)} (fields: {', '.join(known)})"
            )
        mapping[field] = column
    return mapping


def _key(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def find_columns(header: list[str], mapping: Mapping[str, str], file: str) -> dict[str, str]:
    """Each field -> the file's column holding it (optional fields only where found)."""
    found: dict[str, str] = {}
    by_key = {_key(name): name for name in reversed(header)}
    for field in (*REQUIRED, *OPTIONAL):
        if field in mapping:
            if mapping[field] not in header:
                raise LogError(
                    f"{file}: no column {mapping[field]!r} (mapped to {field}){did_you_mean(mapping[field], header)}; "
                    f"its columns: {', '.join(header[:20])}"
                )
            found[field] = mapping[field]
            continue
        alias = next((by_key[name] for name in ALIASES[field] if name in by_key), None)
        if alias is not None:
            found[field] = alias
        elif field in REQUIRED:
            raise LogError(
                f"{file}: no column for {field!r} (looked for {', '.join(ALIASES[field][:4])}); its columns: "
                f"{', '.join(header[:20])}. Name it with --columns {field}=COLUMN"
            )
    return found


def _delimiter(first_line: str) -> str:
    return max(",;\t", key=first_line.count)


def _checked(path: Path) -> None:
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise LogError(f"{path}: larger than {MAX_BYTES / 1024**3:.0f} GB")


def read_header(path: Path) -> tuple[list[str], str]:
    """The column names of a CSV file, and its delimiter: whichever of `,` `;` and tab its header has most of."""
    _checked(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError:
        _not_utf8(path)
    except OSError as error:
        raise LogError(f"{path}: cannot be read ({error.strerror})") from None
    if not first.strip():
        raise LogError(f"{path}: empty, expected a header and one row per ticket")
    delimiter = _delimiter(first)
    return next(csv.reader([first], delimiter=delimiter)), delimiter


def _not_utf8(path: Path) -> NoReturn:
    try:
        utf8_text(path.read_bytes())
    except FileRefusedError as refusal:
        raise LogError(f"{path}: {refusal}") from None
    raise LogError(f"{path}: not UTF-8 text; save it as UTF-8 CSV")


def _ragged(path: Path, delimiter: str, width: int) -> str:
    """Where a row first has another number of cells than the header, in words."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, cells in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            if cells and len(cells) != width:
                return f" row {number}: {len(cells)} cells where the header has {width}"
    return ""


def read_columns(path: Path, names: list[str], delimiter: str) -> pa.Table:
    """The named columns of a CSV file as text, a row per line after the header (a blank line: an empty row).

    Read by Arrow's CSV reader, only the columns named: a million rows take a second or two.
    """
    options = pacsv.ConvertOptions(
        include_columns=names, column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
    )
    parsing = pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=True)
    try:
        return pacsv.read_csv(path, parse_options=parsing, convert_options=options)
    except pa.ArrowInvalid as error:
        message = str(error)
        if "UTF8" in message:
            _not_utf8(path)
        if "Expected" in message and "columns" in message:
            where = _ragged(path, delimiter, len(read_header(path)[0]))
            raise LogError(f"{path}{where}: not readable as CSV") from None
        raise LogError(f"{path}: not readable as CSV ({message.strip()[:160]})") from None
    except OSError as error:
        raise LogError(f"{path}: cannot be read ({error.strerror})") from None


def read_table(path: Path) -> pd.DataFrame:
    """The CSV file's cells as text, with `row`: the file's line of each row (blank rows left out)."""
    header, delimiter = read_header(path)
    table = read_columns(path, list(dict.fromkeys(header)), delimiter).to_pandas()
    table.insert(0, "row", table.index.to_numpy() + 2)
    blank = (table.drop(columns="row") == "").all(axis=1)
    return table[~blank].reset_index(drop=True)


def _texts(text: Text) -> pd.Categorical[str]:
    """Text as a categorical, names in order of first appearance: a million tickets' take a few megabytes."""
    encoded = text.combine_chunks().dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return pd.Categorical.from_codes(codes, categories=pd.Index(encoded.dictionary.to_pandas()))


def _times(text: Text, column: str, rows: np.ndarray, dates: pd.Series | None, file: str) -> pd.Series:
    fmt = best_format(text)
    if fmt is None:
        first = int(np.argmax(given(text)))
        raise LogError(
            f"{file} row {int(rows[first])}, column {column!r}: {text[first].as_py()[:40]!r} is not a date and time "
            "(expected e.g. 2026-03-02 08:15:30, 02/03/2026 08:15, or 08:15 with a date column)"
        )
    times = parse_times(text, fmt)
    if fmt in CLOCK_FORMATS:
        if dates is None:
            raise LogError(
                f"{file}, column {column!r}: clock times without dates; name a date column (--columns date=...)"
            )
        times = dates + (times - times.dt.normalize())
    return times


def _trimmed(text: Text) -> Text:
    """The text without surrounding spaces (copied only where some value has them)."""
    spaced = pc.any(pc.match_substring_regex(text, r"^\s|\s$")).as_py()
    return pc.utf8_trim_whitespace(text) if spaced else text


def _tickets(texts: dict[str, Text], columns: Mapping[str, str], file: str) -> pd.DataFrame:
    """The tickets frame of a log's text columns, a row per line (`columns`: each field's column).

    Each text column is let go of once it is made into the frame's: the log is not held twice.
    """
    lines = len(next(iter(texts.values())))
    blank = np.ones(lines, dtype=bool)
    for text in texts.values():
        blank &= ~given(text)
    kept = np.flatnonzero(~blank)
    if not len(kept):
        raise LogError(f"{file}: a header and no rows; expected one row per ticket")
    if len(kept) < lines:
        for name, text in texts.items():
            texts[name] = text.take(kept)
    rows = kept + 2
    uses = Counter(columns.values())
    frame = pd.DataFrame({"row": rows})

    def done(field: str) -> None:
        uses[columns[field]] -= 1
        if not uses[columns[field]]:
            del texts[columns[field]]

    for field in TEXTS:
        if field in columns:
            frame[field] = _texts(texts[columns[field]])
            done(field)
        else:
            only = pd.Index(["office" if field == "desk" else ""])
            frame[field] = pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), categories=only)
    dates = None
    if "date" in columns:
        dates = parse_dates(texts[columns["date"]])
        done("date")
    unreadable = np.zeros(len(rows), dtype=bool)
    for field in TIMES:
        text = texts[columns[field]]
        frame[field] = _times(text, columns[field], rows, dates, file).to_numpy()
        unreadable |= frame[field].isna().to_numpy() & given(text)
        done(field)
    frame["unreadable"] = unreadable  # a time given that cannot be read, told apart from one missing
    return frame


def read_tickets(path: Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The tickets of a CSV ticket log (see the module's docstring); LogError when it cannot be read at all."""
    header, delimiter = read_header(path)
    columns = find_columns(header, mapping or {}, str(path))
    table = read_columns(path, list(dict.fromkeys(columns.values())), delimiter)
    texts = {name: _trimmed(table[name]) for name in table.column_names}
    del table
    frame = _tickets(texts, columns, str(path))
    pa.default_memory_pool().release_unused()  # Arrow's pool would keep the text's memory from what comes next
    return frame
