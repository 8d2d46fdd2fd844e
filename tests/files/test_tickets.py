"""`run --event-log tickets`: contacts as the queue-ticket logs `fit` reads, one per configuration and replication."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator.analysis.tickets import ticket_log
from simulator.cli import main
from simulator.experiments.runs import run_experiment
from simulator.files.output import write_run
from simulator.files.tickets import TicketLogs, log_days
from simulator.fitting import clean, read_tickets
from simulator.model import records as recorded
from simulator.scenario.loading import load_scenario, read_records, validate
from simulator.scenario.schema import Scenario
from tests.conftest import ROOT, TINY, streamed_pieces

BUNDLED = ROOT / "scenarios" / "fitting"


def test_the_bundled_ticket_log_is_what_the_command_writes(tmp_path: Path) -> None:
    """The log the fitting tests recover the office from is a user command away from its scenario."""
    out = tmp_path / "run"
    arguments = ["run", str(BUNDLED / "kantor_dukcapil.yaml"), "--replications", "1", "--event-log", "tickets",
                 "--records", "none", "--no-plots", "--jobs", "1", "--quiet", "--out", str(out)]  # fmt: skip
    assert main(arguments) == 0
    written = out / "tickets" / "observed-0.csv"
    assert written.read_bytes() == (BUNDLED / "tickets.csv").read_bytes()
    assert "tickets/observed-0.csv" in (out / "manifest.json").read_text()
    assert sorted(path.name for path in (out / "tickets").iterdir()) == ["observed-0.csv"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two configurations, two replications, with patience (some give up) and a waiting room (some turned away)."""
    folder = tmp_path_factory.mktemp("tickets")
    data = {**TINY, "citizens": {"patience_minutes": {"dist": "exponential", "mean": 20}}}
    data["agencies"] = {**TINY["agencies"], "office": {**TINY["agencies"]["office"], "waiting_room": 2}}
    (folder / "tiny.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    arguments = ["run", str(folder / "tiny.yaml"), "--out", str(folder / "run"), "--jobs", "1", "--quiet", "--no-plots"]
    assert main([*arguments, "--event-log", "tickets"]) == 0
    return folder


def test_one_log_per_configuration_and_replication_of_the_tickets_printed(tiny_run: Path) -> None:
    scenario = load_scenario(tiny_run / "tiny.yaml")
    contacts = read_records(tiny_run / "run" / "contacts.parquet")
    cut = pd.Timestamp(scenario.calendar.start) + pd.Timedelta(days=log_days(scenario))
    names = sorted(path.name for path in (tiny_run / "run" / "tickets").iterdir())
    assert names == ["integrated-0.csv", "integrated-1.csv", "siloed-0.csv", "siloed-1.csv"]
    outcomes = set(contacts["outcome"].astype(str))
    assert {"turned_away", "left_queue"} <= outcomes
    for name in names:
        configuration, replication = name.removesuffix(".csv").split("-")
        mine = contacts[(contacts["configuration"] == configuration) & (contacts["replication"] == int(replication))]
        printed = mine[mine["kind"].isin(["submission", "pickup"]) & (mine["outcome"] != "turned_away")
                       & (mine["queued"] < log_days(scenario) * 1440)]  # fmt: skip
        tickets = read_tickets(tiny_run / "run" / "tickets" / name)
        log = clean(tickets)
        assert log.defects.lines() == []  # a log our own simulator prints has none of a messy log's defects
        assert len(tickets) == len(printed) > 20
        assert (tickets["issued"] < cut).all()
        assert tickets["called"].notna().sum() == printed["started"].notna().sum()
        assert sorted(tickets["desk"]) == sorted(printed["agency"].astype(str))
        assert set(tickets["citizen"]) == {f"C{c}" for c in printed["citizen"]}


def test_a_life_events_tickets_name_the_service_of_the_sitting() -> None:
    """A citizen of a life event takes tickets for its services; a single window's sitting, for its first step's."""
    contacts = pd.DataFrame({
        "citizen": [0, 0, 1, 2], "step": ["kk.update", "kia.issue+kk.update", "serve", "serve"],
        "agency": ["dukcapil", "front_office", "office", "office"], "kind": ["submission", "pickup", "submission",
                                                                          "submission"],
        "queued": [500.0, 600.0, 510.0, 520.0], "started": [505.0, 610.0, 515.0, float("nan")],
        "ended": [515.0, 615.0, 520.0, 520.0], "outcome": ["accepted", "collected", "accepted", "turned_away"],
    })  # fmt: skip
    citizens = pd.DataFrame({"citizen": [0, 1, 2], "service": ["birth", "visit", "visit"]})
    tickets = ticket_log(contacts, citizens, date(2026, 1, 5))
    assert tickets["service"].tolist() == ["kk", "visit", "kia"]
    assert tickets["citizen"].tolist() == ["C0", "C1", "C0"]
    assert tickets["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05"] * 3


def test_a_replication_cut_at_the_horizon_ends_where_its_working_days_do() -> None:
    scenario = validate({**TINY, "horizon_days": 5, "calendar": {**TINY["calendar"], "start": "2026-01-05"}}, "t")
    assert log_days(scenario) == 7  # Monday to Friday, then the weekend: the next working day is day 7


@pytest.mark.parametrize("rows", [1 << 16, 50])
def test_a_run_streamed_and_a_run_kept_in_memory_give_the_same_logs(
    tiny: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    """Streamed, a replication comes in pieces (records `rows` at a time, its citizens after them, its hours
    last); write_run gives every replication at once."""
    write_run(tmp_path / "kept", run_experiment(tiny, replications=2, jobs=1), {}, event_logs=("tickets",))
    monkeypatch.setattr(recorded, "CHUNK_ROWS", rows)
    (tmp_path / "streamed").mkdir()
    pieces = streamed_pieces(tiny, TicketLogs(tmp_path / "streamed", tiny))
    citizens = sum("citizens" in piece for piece in pieces)
    assert citizens > 4 if rows == 50 else citizens == 4, "the citizens of a replication in several pieces"
    names = sorted(path.name for path in (tmp_path / "kept" / "tickets").iterdir())
    assert names == ["integrated-0.csv", "integrated-1.csv", "siloed-0.csv", "siloed-1.csv"]
    for name in names:
        kept, alone = (tmp_path / run / "tickets" / name for run in ("kept", "streamed"))
        assert kept.read_bytes() == alone.read_bytes()
