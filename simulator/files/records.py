"""Record tables written as the replications finish: Parquet (the default) or CSV, one replication at a time.

The citizens, contacts, work and hours of each finished replication are
appended to their files at once, in task order, so a run never holds the
records of more than the replication at hand, and the files are the same
for any number of workers. A Parquet file gets a row group per
replication (a replication of more than ROW_GROUP_ROWS rows gets several,
converted one at a time; none spans two replications): typed columns, names
as dictionaries, numbers split into byte streams and held to a 36-bit
mantissa (more than the ten digits the CSV writes; see `to_mantissa`),
zstd-compressed. Other
tables a writer is given (a sweep's agencies) are always CSV, for
spreadsheets. The files are written into the run's hidden folder, which is
renamed into place only when the run has finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

RecordFormat = Literal["parquet", "csv", "none"]
RECORD_FORMATS: tuple[RecordFormat, ...] = ("parquet", "csv", "none")
RECORD_TABLES = ("citizens", "contacts", "work", "hours")
"""Tables written in the chosen format; any other table a writer is given is CSV."""
LOG_FLOATS = "%.10g"
"""Ten significant digits for the large CSV tables (minutes to 1e-5 over a year)."""
COMPRESSION: Final = "zstd"
COMPRESSION_LEVEL = 9
"""zstd's level: the demo's records 4-9% smaller than at Arrow's default (1), in about the same time."""
MANTISSA_BITS = 36
"""Bits of a float's mantissa a Parquet table keeps, of 52: within 2**-37 (7e-12) of the value, finer than the
ten significant digits (5e-11) the CSV writes, and its two lowest bytes zero, which compress to nothing."""
ROW_GROUP_ROWS = 1 << 16
"""The most rows of a row group: a replication's rows are converted and written this many at a time."""


def settled(schema: pa.Schema) -> pa.Schema:
    """The schema every replication is cast to: names as dictionaries of 32-bit codes; no pandas metadata.

    A replication's names are numbered in the order it met them, with as few
    bits as they need; the file's schema must not depend on which came first.
    """
    string_codes = pa.dictionary(pa.int32(), pa.string())
    return pa.schema(
        [field.with_type(string_codes) if pa.types.is_dictionary(field.type) else field for field in schema]
    )


def to_mantissa(values: np.ndarray, bits: int = MANTISSA_BITS) -> np.ndarray:
    """The floats rounded to the nearest with a `bits`-bit mantissa (ties away from zero); NaN and infinities kept."""
    rounded = np.array(values, dtype=np.float64)
    raw = rounded.view(np.uint64)
    finite = np.isfinite(rounded)
    drop = 52 - bits
    raw[finite] = (raw[finite] + np.uint64(1 << (drop - 1))) & ~np.uint64((1 << drop) - 1)
    return rounded


def _held(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its float columns to MANTISSA_BITS."""
    floats = frame.select_dtypes("float64").columns
    return frame.assign(**{name: to_mantissa(frame[name].to_numpy()) for name in floats}) if len(floats) else frame


class ParquetTable:
    """A Parquet file that takes each replication as its own row groups; its schema is set by the first.

    Floats are held to MANTISSA_BITS and written as byte streams (each
    byte of the numbers apart, so the zero bytes and the slowly changing
    exponents compress well); every other column is dictionary-encoded.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._schema = pa.schema([])

    def append(self, frame: pd.DataFrame) -> None:
        """One replication's rows: a row group, or several of ROW_GROUP_ROWS for a large replication."""
        for start in range(0, max(len(frame), 1), ROW_GROUP_ROWS):  # a slice at a time: its copy is all the memory
            table = pa.Table.from_pandas(_held(frame.iloc[start : start + ROW_GROUP_ROWS]), preserve_index=False)
            if self._writer is None:
                self._schema = settled(table.schema)
                floats = [field.name for field in self._schema if pa.types.is_floating(field.type)]
                self._writer = pq.ParquetWriter(
                    self.path, self._schema, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL,
                    use_byte_stream_split=floats,
                    use_dictionary=[n for n in self._schema.names if n not in floats],  # type: ignore[arg-type]
                )  # fmt: skip
            self._writer.write_table(table.cast(self._schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class CsvTable:
    """A CSV file that takes the rows of one replication after another; the header once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._started = False

    def append(self, frame: pd.DataFrame) -> None:
        frame.to_csv(self.path, mode="a" if self._started else "w", header=not self._started, index=False,
                     float_format=LOG_FLOATS)  # fmt: skip
        self._started = True

    def close(self) -> None:
        """Nothing is held open between replications."""


class RecordFiles:
    """Appends each replication's record tables to `folder/<name>.parquet` or `.csv` as it comes (a record sink)."""

    def __init__(self, folder: Path, record_format: RecordFormat = "parquet") -> None:
        self.folder = folder
        self.format = record_format
        self._tables: dict[str, ParquetTable | CsvTable] = {}

    def __call__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        for name, frame in tables.items():
            if self.format == "none" and name in RECORD_TABLES:
                continue
            if name not in self._tables:
                parquet = self.format == "parquet" and name in RECORD_TABLES
                kind = ParquetTable if parquet else CsvTable
                self._tables[name] = kind(self.folder / f"{name}.{'parquet' if parquet else 'csv'}")
            self._tables[name].append(frame)

    def close(self) -> None:
        """Finish every file (a Parquet file's footer)."""
        for table in self._tables.values():
            table.close()

    def __enter__(self) -> RecordFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

