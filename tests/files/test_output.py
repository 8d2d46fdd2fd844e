"""Run folders: named by scenario and time, written all or nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from simulator.experiments.runs import Results, run_experiment
from simulator.files.folders import DestinationError, check_destination, new_run_folder
from simulator.files.output import write_run
from simulator.scenario.schema import Scenario


@pytest.fixture
def results(tiny: Scenario) -> Results:
    return run_experiment(tiny, replications=2, jobs=1)


def test_new_folders_never_collide(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 28, 9, 30, 5)
    first = new_run_folder(Path("scenarios/business.yaml"), tmp_path, moment)
    assert first == tmp_path / "business" / "20261128-093005"
    first.mkdir(parents=True)
    assert new_run_folder(Path("business.yaml"), tmp_path, moment).name == "20261128-093005-2"


def test_destination_must_be_new_or_empty(tmp_path: Path) -> None:
    check_destination(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_destination(tmp_path / "empty")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DestinationError, match="file"):
        check_destination(tmp_path / "file")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "summary.csv").write_text("x")
    with pytest.raises(DestinationError, match="full"):
        check_destination(tmp_path / "full")


def test_a_failed_write_leaves_nothing(results: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = []
    original = pd.DataFrame.to_csv

    def failing(frame: pd.DataFrame, path: Path, **kwargs: object) -> None:
        if len(written) == 3:
            raise OSError("disk full")
        written.append(path)
        original(frame, path, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError, match="disk full"):
        write_run(tmp_path / "run", results, {})
    assert list(tmp_path.iterdir()) == []


def test_written_into_an_empty_folder(results: Results, tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    write_run(tmp_path / "run", results, {"seed": 1})
    names = {path.name for path in (tmp_path / "run").iterdir()}
    assert {
        "summary.csv",
        "comparison.csv",
        "replications.csv",
        "citizens.parquet",
        "contacts.parquet",
        "agencies.csv",
        "work.parquet",
        "hours.parquet",
        "scenario.yaml",
        "stress-des.md",
        "manifest.json",
    } == names
    assert [path.name for path in tmp_path.iterdir()] == ["run"]
