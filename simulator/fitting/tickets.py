"""A queue-ticket log (CSV, one row per ticket) -> the tickets frame every fit reads.

The frame has one row per ticket: `row` (the file's line), `ticket`,
`service`, `desk`, `counter`, `citizen` (text, empty where the log has no such
column) and `issued`, `called`, `ended` (datetime64, NaT where missing). An
office's own column names are mapped with `columns` (`{"service": "Layanan"}`);
without a mapping a column is found by its canonical name or a common alias,
in any case.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from simulator.fitting.problems import LogError
from simulator.fitting.times import CLOCK_FORMATS, best_format, parse_dates, parse_times
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


def read_table(path: Path) -> pd.DataFrame:
    """The CSV file's cells as text, with `row`: the file's line of each row (blank rows left out)."""
    try:
        if not path.is_file():
            raise LogError(f"{path}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise LogError(f"{path}: larger than {MAX_BYTES / 1024**3:.0f} GB")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            delimiter = _delimiter(handle.readline())
        table = pd.read_csv(
            path, sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig",
            quoting=csv.QUOTE_MINIMAL, engine="c",
        )  # fmt: skip
    except UnicodeDecodeError as error:
        raise LogError(f"{path}: not UTF-8 text (byte {error.start}); save it as UTF-8 CSV") from None
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))
        where = f" row {line.group(1)}" if line else ""
        raise LogError(f"{path}{where}: not readable as CSV ({str(error).strip()[:160]})") from None
    except pd.errors.EmptyDataError:
        raise LogError(f"{path}: empty, expected a header and one row per ticket") from None
    except OSError as error:
        raise LogError(f"{path}: cannot be read ({error.strerror})") from None
    table.insert(0, "row", table.index.to_numpy() + 2)
    blank = (table.drop(columns="row") == "").all(axis=1)
    return table[~blank].reset_index(drop=True)


def _times(table: pd.DataFrame, column: str, dates: pd.Series | None, file: str) -> pd.Series:
    values = table[column].astype(str)
    fmt = best_format(values)
    if fmt is None:
        given = values[values.str.strip() != ""]
        row = int(table.loc[given.index[0], "row"])
        raise LogError(
            f"{file} row {row}, column {column!r}: {given.iloc[0][:40]!r} is not a date and time "
            "(expected e.g. 2026-03-02 08:15:30, 02/03/2026 08:15, or 08:15 with a date column)"
        )
    times = parse_times(values, fmt)
    if fmt in CLOCK_FORMATS:
        if dates is None:
            raise LogError(
                f"{file}, column {column!r}: clock times without dates; name a date column (--columns date=...)"
            )
        times = dates + (times - times.dt.normalize())
    return times


def tickets_from_table(table: pd.DataFrame, mapping: Mapping[str, str], file: str) -> pd.DataFrame:
    """The tickets frame of a table of text cells (with `row`), its columns found by `mapping` or aliases."""
    if table.empty:
        raise LogError(f"{file}: a header and no rows; expected one row per ticket")
    columns = find_columns([name for name in table.columns if name != "row"], mapping, file)
    frame = pd.DataFrame({"row": table["row"].to_numpy()})
    for field in TEXTS:
        frame[field] = table[columns[field]].str.strip().to_numpy() if field in columns else ""
    if "desk" not in columns:
        frame["desk"] = "office"
    dates = parse_dates(table[columns["date"]].astype(str)) if "date" in columns else None
    for field in TIMES:
        frame[field] = _times(table, columns[field], dates, file).to_numpy()
        frame[f"{field}_text"] = table[columns[field]].str.strip().to_numpy()  # to tell missing from unreadable
    return frame


def read_tickets(path: Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The tickets of a CSV ticket log (see the module's docstring); LogError when it cannot be read at all."""
    return tickets_from_table(read_table(path), mapping or {}, str(path))
