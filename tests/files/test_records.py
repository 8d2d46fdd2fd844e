"""Record tables streamed to Parquet or CSV one replication at a time: the same frames either way."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulator.cli import main
from simulator.experiments.executors import make_executor
from simulator.experiments.runs import RECORD_TABLES, run_experiment
from simulator.files.records import MANTISSA_BITS, RecordFiles, RecordFormat, to_mantissa
from simulator.scenario.loading import ScenarioError, read_records, read_run, validate
from simulator.scenario.schema import Scenario


def test_both_formats_read_back_into_equal_frames(tiny: Scenario, tmp_path: Path) -> None:
    kept = run_experiment(tiny, replications=2, jobs=1)
    forms: tuple[RecordFormat, ...] = ("parquet", "csv")
    for form in forms:
        (tmp_path / form).mkdir()
        with RecordFiles(tmp_path / form, form) as files:
            run_experiment(tiny, replications=2, jobs=1, records=files)
    for name in RECORD_TABLES:
        parquet = read_records(tmp_path / "parquet" / f"{name}.parquet")
        csv = read_records(tmp_path / "csv" / f"{name}.csv")
        assert len(parquet) > 0, name
        assert list(parquet.columns) == list(csv.columns), name
        # CSV keeps ten significant digits; Parquet a 36-bit mantissa, and the width of the integers
        pd.testing.assert_frame_equal(parquet, csv, check_dtype=False, rtol=1e-9, atol=0)
        in_memory = getattr(kept, name)
        names = in_memory.select_dtypes("category").columns
        expected = in_memory.astype(dict.fromkeys(names, str))
        pd.testing.assert_frame_equal(parquet, expected, check_dtype=False, rtol=2.0**-MANTISSA_BITS, atol=0)
        floats = expected.select_dtypes("float64").columns
        held = expected.assign(**{column: to_mantissa(expected[column].to_numpy()) for column in floats})
        pd.testing.assert_frame_equal(parquet, held, check_dtype=False, check_exact=True)


def test_a_mantissa_of_36_bits_is_within_the_ten_digits_the_csv_writes() -> None:
    values = np.array([480.0, 480.12345678912345, 57_599.999999999, 1e-7, -3.25, 0.0, np.nan, np.inf, 2.0**60 - 1])
    held = to_mantissa(values)
    finite = np.isfinite(values)
    assert np.array_equal(np.isnan(held), np.isnan(values)) and held[~finite & ~np.isnan(values)][0] == np.inf
    assert (np.abs(held[finite] - values[finite]) <= np.abs(values[finite]) * 2.0**-37).all()
    assert [f"{v:.10g}" for v in held[finite][:5]] == [f"{v:.10g}" for v in values[finite][:5]]
    assert (held[finite].view(np.uint64) & np.uint64(0xFFFF) == 0).all(), "the two lowest bytes are zero"
    assert held[0] == 480.0 and held[4] == -3.25, "a number with a short mantissa is kept as it is"


def test_parquet_has_a_row_group_per_replication_and_names_as_dictionaries(tiny: Scenario, tmp_path: Path) -> None:
    with RecordFiles(tmp_path) as files:
        run_experiment(tiny, replications=3, jobs=1, records=files)
    contacts = pq.ParquetFile(tmp_path / "contacts.parquet")
    assert contacts.metadata.num_row_groups == 3 * len(tiny.configurations)
    groups = [contacts.read_row_group(k, columns=["configuration", "replication"]).to_pandas() for k in range(6)]
    keys = [(str(g["configuration"].iloc[0]), int(g["replication"].iloc[0])) for g in groups]
    assert keys == [(name, r) for name in tiny.configurations for r in range(3)], "configuration by configuration"
    schema = contacts.schema_arrow
    assert str(schema.field("step").type) == "dictionary<values=string, indices=int32, ordered=0>"
    assert str(schema.field("queued").type) == "double"
    group = contacts.metadata.row_group(0)
    assert group.column(0).compression == "ZSTD"
    assert "BYTE_STREAM_SPLIT" in group.column(schema.get_field_index("queued")).encodings, "floats as byte streams"
    assert "RLE_DICTIONARY" in group.column(schema.get_field_index("citizen")).encodings, "the rest as dictionaries"


def test_the_parent_keeps_no_records(tiny: Scenario) -> None:
    """Handed to the sink one replication at a time and dropped: the Results hold none of them."""
    seen: list[int] = []

    def sink(tables: Mapping[str, pd.DataFrame]) -> None:
        assert set(tables) == set(RECORD_TABLES)
        replications = set(tables["citizens"]["replication"])
        assert len(replications) == 1, "one replication at a time"
        seen.append(replications.pop())

    with make_executor("local", 2) as pool:
        results = run_experiment(tiny, replications=3, executor=pool, records=sink)
    assert seen == [0, 1, 2] * len(tiny.configurations)
    assert all(getattr(results, name).empty for name in RECORD_TABLES)
    assert len(results.agencies) > 0 and len(results.summary) > 0


def test_without_records_the_statistics_are_the_same(tiny: Scenario) -> None:
    kept = run_experiment(tiny, replications=2, jobs=1)
    bare = run_experiment(tiny, replications=2, jobs=1, records="none")
    pd.testing.assert_frame_equal(kept.summary, bare.summary)
    pd.testing.assert_frame_equal(kept.agencies, bare.agencies)
    assert bare.citizens.empty and bare.contacts.empty


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_an_empty_log_still_gets_its_file(tmp_path: Path, form: RecordFormat) -> None:
    """A replication without back-office work writes a table of no rows, which reads back."""
    empty = pd.DataFrame({"configuration": pd.Categorical([]), "replication": pd.Series([], dtype="int32")})
    with RecordFiles(tmp_path, form) as files:
        files({"work": empty})
    assert read_records(tmp_path / f"work.{form}").empty


def test_the_command_writes_each_format_and_plot_reads_it(
    tiny_data: dict[str, Any], write_scenario: Callable[[dict[str, Any], str], Path], tmp_path: Path
) -> None:
    path = write_scenario(tiny_data, "tiny.yaml")
    for form in ("parquet", "csv", "none"):
        out = tmp_path / form
        options = ["--jobs", "1", "--quiet", "--no-plots", "--records", form]
        assert main(["run", str(path), "--out", str(out), *options]) == 0
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["records"] == form
        written = {name for name in RECORD_TABLES if (out / f"{name}.{form}").is_file()}
        assert written == (set() if form == "none" else set(RECORD_TABLES)), form
        assert (out / "summary.csv").is_file() and (out / "agencies.csv").is_file(), "statistics stay CSV"
        assert main(["plot", str(out)]) == 0, form
        figures = {figure.stem for figure in (out / "figures").glob("*.png")}
        assert ("timeline" in figures) == (form != "none") and "headline" in figures, form
    for name in RECORD_TABLES:
        parquet, csv = (read_records(tmp_path / form / f"{name}.{form}") for form in ("parquet", "csv"))
        pd.testing.assert_frame_equal(parquet, csv, check_dtype=False, rtol=1e-9, atol=0)
    (tmp_path / "parquet" / "contacts.parquet").unlink()
    with pytest.raises(ScenarioError, match=r"missing contacts\.parquet"):
        read_run(tmp_path / "parquet")


def test_a_long_replication_reaches_the_sink_in_chunks_and_writes_the_same_files(
    tiny_data: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process the records go to the files while the replication runs; read back, nothing differs."""
    from simulator.experiments.runs import Task, run_many  # noqa: PLC0415
    from simulator.model import records  # noqa: PLC0415

    scenario = validate(tiny_data | {"horizon_days": 10}, "tiny.yaml")
    tasks = [Task(scenario, name, r) for name in scenario.configurations for r in range(2)]
    forms: tuple[RecordFormat, ...] = ("parquet", "csv")
    written: dict[int, list[Mapping[str, pd.DataFrame]]] = {}
    for rows in (1 << 16, 40):
        monkeypatch.setattr(records, "CHUNK_ROWS", rows)
        for form in forms:
            folder = tmp_path / f"{form}-{rows}"
            folder.mkdir()
            pieces = written.setdefault(rows, [])
            with RecordFiles(folder, form) as files, make_executor("serial") as serial:

                def sink(
                    tables: Mapping[str, pd.DataFrame], files: RecordFiles = files, pieces: list[Any] = pieces
                ) -> None:
                    pieces.append({name: frame[["configuration", "replication"]] for name, frame in tables.items()})
                    files(tables)

                run_many(serial, tasks, sink=sink)
    assert all(len(piece) for piece in written[1 << 16]) and len(written[1 << 16]) == 2 * 3 * len(tasks)
    contacts = [p["contacts"] for p in written[40] if "contacts" in p and len(p["contacts"])]
    assert len(contacts) > 4 * len(tasks), "several chunks a replication"
    first = contacts[0][["configuration", "replication"]].drop_duplicates()
    assert len(first) == 1, "a chunk is of one replication"
    for form in forms:
        for name in RECORD_TABLES:
            whole = read_records(tmp_path / f"{form}-{1 << 16}" / f"{name}.{form}")
            chunked = read_records(tmp_path / f"{form}-40" / f"{name}.{form}")
            assert len(whole) > 0, name
            pd.testing.assert_frame_equal(chunked, whole, check_exact=True)
    for name in ("contacts", "work", "citizens"):  # CSV: the very same bytes
        csv = f"{name}.csv"
        assert (tmp_path / "csv-40" / csv).read_bytes() == (tmp_path / f"csv-{1 << 16}" / csv).read_bytes()
