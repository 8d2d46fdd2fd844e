"""`run --event-log ocel`: the records as OCEL 2.0 JSON, read back by a process-mining tool (pm4py).

The expected objects are worked out here from the record tables and the tiny scenario's own words (its
steps' documents written out by hand), not by the writer's code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pm4py
import pytest
import yaml

from simulator.cli import main
from simulator.experiments.runs import run_experiment
from simulator.files.eventlog import activity_names
from simulator.files.ocel import OcelLog
from simulator.files.output import OCEL_LOG, write_run
from simulator.model import records as recorded
from simulator.scenario.loading import read_records
from simulator.scenario.schema import Scenario
from tests.conftest import TINY, streamed_pieces

DOCUMENTS = {"serve": ["ktp"], "stamp": ["letter"], "apply": ["form"]}
"""The documents each step of the scenario below requires, read off it."""
WORLD = ["configuration", "replication"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with a second service and a life event needing both, patience, and --event-log ocel."""
    folder = tmp_path_factory.mktemp("ocel")
    services = {
        **TINY["services"],
        "permit": {"name": "Permit", "arrivals": {"per_day": 5}, "standard_days": 3,
                   "steps": [{"id": "apply", "agency": "registry", "counter": 4, "requires": ["form"]}]},
    }  # fmt: skip
    data = {
        **TINY,
        "documents": {**TINY["documents"], "form": {"p_defective": 0.2, "held_by_government": True}},
        "services": services,
        "life_events": {"opening": {"arrivals": {"per_day": 6}, "services": ["visit", "permit"]}},
        "citizens": {"patience_minutes": {"dist": "exponential", "mean": 30}},
    }
    (folder / "tiny.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    arguments = ["run", str(folder / "tiny.yaml"), "--out", str(folder / "run"), "--jobs", "1", "--quiet"]
    assert main([*arguments, "--no-plots", "--event-log", "ocel", "--event-log", "xes"]) == 0
    return folder / "run"


@pytest.fixture(scope="module")
def tables(run_folder: Path) -> dict[str, pd.DataFrame]:
    return {name: read_records(run_folder / f"{name}.parquet") for name in ("citizens", "contacts", "work")}


@pytest.fixture(scope="module")
def ocel(run_folder: Path) -> pm4py.OCEL:
    return pm4py.read_ocel2_json(str(run_folder / OCEL_LOG))


def _prefix(frame: pd.DataFrame) -> pd.Series:
    return frame["configuration"].astype(str) + ":" + frame["replication"].astype(str) + ":"


def _applications(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(id, step) of every step of every record: a life event's `visit.serve` is the visit application's `serve`."""
    citizens = tables["citizens"].assign(journey=lambda c: c["service"].astype(str))[[*WORLD, "citizen", "journey"]]
    records = pd.concat([tables["contacts"], tables["work"]])[[*WORLD, "citizen", "step"]]
    records = records.astype({"configuration": str, "step": str}).merge(citizens.astype({"configuration": str}))
    steps = records.assign(step=records["step"].str.split("+")).explode("step")
    member = steps["step"].str.extract(r"^(\w+)\.", expand=False)
    steps["service"] = member.fillna(steps["journey"])
    steps.loc[steps["step"] == "appointment", "step"] = ""
    steps["own"] = steps["step"].str.replace(r"^\w+\.", "", regex=True)
    steps["id"] = _prefix(steps) + steps["citizen"].astype(str) + ":" + steps["service"]
    return steps[["id", "own"]].drop_duplicates()


def test_pm4py_reads_every_record_as_an_event(ocel: pm4py.OCEL, tables: dict[str, pd.DataFrame]) -> None:
    contacts, work = tables["contacts"], tables["work"]
    assert len(ocel.events) == len(contacts) + len(work) > 200
    assert {"backoffice", "handoff"} <= set(work["kind"].astype(str))
    expected = [*activity_names(contacts), *(work["kind"].astype(str) + " " + work["step"].astype(str))]
    assert sorted(ocel.events["ocel:activity"]) == sorted(expected)
    ids = [*(_prefix(contacts) + "contact:" + contacts.groupby(WORLD, observed=True).cumcount().astype(str)),
           *(_prefix(work) + "work:" + work.groupby(WORLD, observed=True).cumcount().astype(str))]  # fmt: skip
    assert sorted(ocel.events["ocel:eid"]) == sorted(ids)
    ended = pd.Timestamp("2026-01-05") + pd.to_timedelta(pd.concat([contacts["ended"], work["ended"]]), unit="min")
    mined = ocel.events["ocel:timestamp"].dt.tz_localize(None)
    assert (mined.sort_values().to_numpy() - ended.sort_values().to_numpy()).max() <= pd.Timedelta(milliseconds=1)
    assert ocel.events["started"].notna().sum() == contacts["started"].notna().sum() + len(work)
    assert set(ocel.events["configuration"]) == {"siloed", "integrated"}


def test_objects_are_citizens_applications_documents_and_desks(ocel: pm4py.OCEL,
                                                                tables: dict[str, pd.DataFrame]) -> None:  # fmt: skip
    objects = ocel.objects.set_index("ocel:oid")["ocel:type"]
    assert set(objects) == {"citizen", "application", "document", "desk"}
    citizens = tables["citizens"]
    assert sorted(objects[objects == "citizen"].index) == sorted(_prefix(citizens) + citizens["citizen"].astype(str))
    assert set(citizens["service"].astype(str)) == {"visit", "permit", "opening"}
    steps = _applications(tables)
    assert sorted(objects[objects == "application"].index) == sorted(steps["id"].unique())
    documents = {f"{app}:{document}" for app, own in zip(steps["id"], steps["own"], strict=True)
                 for document in DOCUMENTS.get(own, [])}  # fmt: skip
    assert sorted(objects[objects == "document"].index) == sorted(documents)
    contacts, work = tables["contacts"], tables["work"]
    at_counter = contacts[~contacts["agency"].isin(["online", "digital"])]
    desks = {*(_prefix(at_counter) + at_counter["agency"].astype(str) + " counter"),
             *(_prefix(work) + work["agency"].astype(str) + " back office")}  # fmt: skip
    assert sorted(objects[objects == "desk"].index) == sorted(desks)
    assert {"front_office counter", "office back office"} <= {desk.split(":")[-1] for desk in desks}


def test_relations_link_events_to_their_objects(ocel: pm4py.OCEL, tables: dict[str, pd.DataFrame]) -> None:
    relations = ocel.relations
    per_event = relations.groupby(["ocel:eid", "ocel:qualifier"]).size().unstack(fill_value=0)
    assert (per_event["citizen"] == 1).all() and (per_event["application"] >= 1).all()
    contacts = tables["contacts"]
    submissions = contacts[contacts["kind"].isin(["submission", "online"])]
    required = sum(len(DOCUMENTS.get(step.split(".")[-1], [])) for label in submissions["step"].astype(str)
                   for step in label.split("+"))  # fmt: skip
    assert per_event["required"].sum() == required > 0
    at_desk = len(contacts) - contacts["agency"].isin(["online", "digital"]).sum() + len(tables["work"])
    assert per_event["desk"].sum() == at_desk
    links = ocel.o2o.groupby("ocel:qualifier").size()
    types = ocel.objects.set_index("ocel:oid")["ocel:type"]
    assert links["applicant"] == (types == "application").sum()
    assert links["carried by"] == (types == "document").sum()
    documents = ocel.objects[ocel.objects["ocel:type"] == "document"]
    assert set(documents.loc[documents["document"] == "form", "held_by_government"]) == {True}


def test_the_file_is_ocel_2_json_listed_in_the_manifest(run_folder: Path) -> None:
    log = json.loads((run_folder / OCEL_LOG).read_text(encoding="utf-8"))
    assert set(log) == {"objectTypes", "eventTypes", "objects", "events"}
    assert [kind["name"] for kind in log["objectTypes"]] == ["citizen", "application", "document", "desk"]
    assert {kind["name"] for kind in log["eventTypes"]} == {event["type"] for event in log["events"]}
    manifest = (run_folder / "manifest.json").read_text()
    assert OCEL_LOG in manifest and "eventlog.xes.gz" in manifest
    assert not [path.name for path in run_folder.iterdir() if path.name.startswith(OCEL_LOG + ".")]  # spool gone


@pytest.mark.parametrize("rows", [1 << 16, 50])
def test_a_run_streamed_and_a_run_kept_in_memory_give_the_same_bytes(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    """Streamed, the log takes a replication in pieces (records `rows` at a time, then its citizens, its hours
    last); write_run gives it all four replications at once."""
    write_run(tmp_path / "kept", run_experiment(tiny, replications=2, jobs=1), {}, event_logs=("ocel",))
    monkeypatch.setattr(recorded, "CHUNK_ROWS", rows)
    pieces = streamed_pieces(tiny, OcelLog(tmp_path / "streamed.json", tiny))
    contacts = sum("contacts" in piece for piece in pieces)
    assert contacts > 4 if rows == 50 else contacts == 4, "the contacts of a replication in several pieces"
    assert (tmp_path / "kept" / OCEL_LOG).read_bytes() == (tmp_path / "streamed.json").read_bytes()
    assert len(json.loads((tmp_path / "streamed.json").read_text())["events"]) > 100
