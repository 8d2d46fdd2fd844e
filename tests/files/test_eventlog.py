"""The event log out: contacts.csv as XES, read back by a process-mining tool (pm4py)."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pm4py
import pytest
import yaml

from simulator.cli import main
from simulator.experiments.runs import run_experiment
from simulator.files.eventlog import EventLog, activity_names, xes_lines
from simulator.files.output import EVENT_LOG, write_run
from simulator.model import records as recorded
from simulator.scenario.loading import read_records
from simulator.scenario.schema import Scenario
from tests.conftest import TINY

XES = "{http://www.xes-standard.org/}"
pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the tiny scenario (with patience, so some leave the queue) with --event-log xes."""
    folder = tmp_path_factory.mktemp("eventlog")
    data = {**TINY, "citizens": {"patience_minutes": {"dist": "exponential", "mean": 20}}}
    (folder / "tiny.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    arguments = ["run", str(folder / "tiny.yaml"), "--out", str(folder / "run"), "--jobs", "1", "--quiet"]
    assert main([*arguments, "--no-plots", "--event-log", "xes"]) == 0
    return folder / "run"


@pytest.fixture(scope="module")
def contacts(run_folder: Path) -> pd.DataFrame:
    return read_records(run_folder / "contacts.parquet")


@pytest.fixture(scope="module")
def mined(run_folder: Path) -> pd.DataFrame:
    """The event log as pm4py reads it."""
    return pm4py.read_xes(str(run_folder / EVENT_LOG), show_progress_bar=False)


def test_one_event_per_contact_and_one_case_per_citizen(mined: pd.DataFrame, contacts: pd.DataFrame) -> None:
    assert len(mined) == len(contacts) > 100
    replication, citizen = contacts["replication"].astype(str), contacts["citizen"].astype(str)
    cases = contacts["configuration"] + ":" + replication + ":" + citizen
    assert set(mined["case:concept:name"]) == set(cases)
    assert mined.groupby("case:concept:name").size().sort_index().tolist() == cases.value_counts().sort_index().tolist()
    assert set(mined["case:configuration"]) == {"siloed", "integrated"}


def test_activities_resources_and_outcomes_match_the_contacts(mined: pd.DataFrame, contacts: pd.DataFrame) -> None:
    assert sorted(mined["concept:name"]) == sorted(activity_names(contacts))
    assert {"submission serve", "submission serve rejected", "submission serve left queue"} <= set(
        mined["concept:name"]
    )
    assert sorted(mined["org:resource"]) == sorted(contacts["agency"])
    assert sorted(mined["outcome"]) == sorted(contacts["outcome"])
    assert mined["ahead"].sum() == contacts["ahead"].sum()


def test_timestamps_are_calendar_dates_from_day_0(mined: pd.DataFrame, contacts: pd.DataFrame) -> None:
    day_0 = pd.Timestamp("2026-01-05")  # the tiny scenario's default calendar start
    ended = np.sort(day_0 + pd.to_timedelta(contacts["ended"], unit="min").to_numpy())
    mined_ended = np.sort(mined["time:timestamp"].dt.tz_localize(None).to_numpy())
    assert np.abs(ended - mined_ended).max() <= np.timedelta64(1, "ms")
    served = contacts["started"].notna()
    assert mined["start_timestamp"].notna().sum() == served.sum()


def test_events_of_a_case_are_in_time_order_with_journey_attributes(mined: pd.DataFrame) -> None:
    assert mined.groupby("case:concept:name", sort=False)["time:timestamp"].apply(
        lambda times: times.is_monotonic_increasing
    ).all()
    assert set(mined["case:service"]) == {"visit"}
    assert set(mined["case:outcome"]) <= {"completed", "abandoned", "in_system"}


def test_the_file_is_well_formed_xes_listed_in_the_manifest(run_folder: Path) -> None:
    with gzip.open(run_folder / EVENT_LOG) as text:
        root = ET.parse(text).getroot()
    assert root.tag == f"{XES}log" and root.get("xes.version") == "1849-2016"
    assert {extension.get("prefix") for extension in root.iter(f"{XES}extension")} == {"concept", "time", "org"}
    assert EVENT_LOG in (run_folder / "manifest.json").read_text()


def test_without_the_option_there_is_no_event_log(tiny: Scenario, tmp_path: Path) -> None:
    results = run_experiment(tiny, replications=1, jobs=1)
    write_run(tmp_path / "plain", results, {})
    write_run(tmp_path / "a", results, {}, event_logs=("xes",))
    write_run(tmp_path / "b", results, {}, event_logs=("xes",))
    assert not (tmp_path / "plain" / EVENT_LOG).exists()
    assert (tmp_path / "a" / EVENT_LOG).read_bytes() == (tmp_path / "b" / EVENT_LOG).read_bytes()


def test_a_run_streamed_in_small_pieces_and_a_run_kept_in_memory_give_the_same_bytes(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamed, a trace gathers its citizen's contacts from the pieces of 50 records its replication came in."""
    write_run(tmp_path / "kept", run_experiment(tiny, replications=2, jobs=1), {}, event_logs=("xes",))
    monkeypatch.setattr(recorded, "CHUNK_ROWS", 50)
    streamed = EventLog(tmp_path / "streamed.xes.gz", tiny.calendar.start, tiny.name)
    run_experiment(tiny, replications=2, jobs=1, records=streamed)
    streamed.close()
    assert (tmp_path / "kept" / EVENT_LOG).read_bytes() == (tmp_path / "streamed.xes.gz").read_bytes()
    traces = gzip.decompress((tmp_path / "streamed.xes.gz").read_bytes()).count(b"<trace>")
    cases = read_records(tmp_path / "kept" / "contacts.parquet")[["configuration", "replication", "citizen"]]
    assert traces == len(cases.drop_duplicates()) > 50


def test_names_are_escaped_and_a_missing_start_is_left_out() -> None:
    frame = pd.DataFrame({"configuration": ["siloed"] * 2, "replication": [0, 0], "citizen": [3, 3],
                          "step": ["nib", "nib"], "agency": ["investment"] * 2, "kind": ["submission", "pickup"],
                          "queued": [500.0, 2000.0], "started": [510.0, np.nan], "ended": [520.0, 2010.0],
                          "outcome": ["accepted", "left_queue"], "ahead": [0, 4]})  # fmt: skip
    text = "".join(xes_lines(frame, None, date(2026, 1, 5), 'Izin "usaha" & <lokasi>'))
    root = ET.fromstring(text)
    assert root.find(f"{XES}string").get("value") == 'Izin "usaha" & <lokasi>'  # type: ignore[union-attr]
    events = root.findall(f"{XES}trace/{XES}event")
    assert [len(event.findall(f"{XES}date")) for event in events] == [3, 2]
    assert "pickup nib left queue" in text and "2026-01-06T09:30:00.000" in text
