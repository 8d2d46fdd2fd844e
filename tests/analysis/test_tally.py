"""The logs tallied chunk by chunk as they are recorded give every table and metric the whole logs give, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.metrics import (
    Window,
    busy_minutes,
    citizen_table,
    hourly_table,
    place_table,
    run_metrics,
    staff_cost,
)
from simulator.experiments.runs import run_once
from simulator.model import records
from simulator.model.calendar import WorkCalendar
from simulator.model.configurations import resolve
from simulator.model.run import simulate
from simulator.model.streams import Streams
from simulator.scenario.loading import read_mapping, validate
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
CASES = [("business_licensing", "siloed"), ("business_licensing", "integrated_online"), ("civil_registration", "mpp")]
"""Back offices and approvals, a pooled front office and online steps, and a second office with its own calendar."""


def short(name: str) -> Scenario:
    mapping = read_mapping(ROOT / "scenarios" / f"{name}.yaml")
    return validate(mapping | {"horizon_days": 4, "warmup_days": 1}, f"{name}.yaml")


@pytest.mark.parametrize(("name", "configuration"), CASES)
def test_a_replication_in_many_chunks_gives_what_its_whole_logs_give(
    name: str, configuration: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = short(name)
    setup = resolve(scenario, configuration)
    window = Window(scenario, WorkCalendar(scenario.calendar_of(configuration)), WorkCalendar(scenario.calendar))
    logs = simulate(scenario, configuration, 0)  # no flush: the whole logs, as the tables were made before
    places, hours = place_table(logs, setup, window), hourly_table(logs, setup, window)
    citizens = citizen_table(logs, scenario, setup, window, Streams(scenario.seed, 0))
    busy = busy_minutes(logs, window.calendar, citizens["in_horizon"].to_numpy())
    metrics = run_metrics(citizens, staff_cost(scenario, setup, window), scenario.satisfaction.elements,
                          list(scenario.journeys), busy, scenario.booking)  # fmt: skip

    chunks: list[int] = []
    flush = records.Recorder.flush_logs

    def counted(recorder: records.Recorder) -> None:
        chunks.append(len(recorder.contacts.columns["citizen"]) + len(recorder.work_log.columns["citizen"]))
        flush(recorder)

    monkeypatch.setattr(records, "CHUNK_ROWS", 50)
    monkeypatch.setattr(records.Recorder, "flush_logs", counted)
    run = run_once(scenario, configuration, 0)
    assert len(chunks) > 10, "the logs went in many chunks"
    np.testing.assert_equal(run.metrics, metrics)
    pd.testing.assert_frame_equal(run.places.drop(columns=["configuration", "replication"]), places, check_exact=True)
    pd.testing.assert_frame_equal(run.hours.drop(columns=["configuration", "replication"]), hours, check_exact=True)
    assert (run.citizens["procedures"].to_numpy() == citizens.loc[citizens["counted"], "procedures"]).all()
    for log in ("contacts", "work"):
        whole = getattr(logs, log)
        whole = whole[citizens["counted"].to_numpy()[whole["citizen"].to_numpy()]].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(run, log).drop(columns=["configuration", "replication"]), whole,
                                      check_exact=True)  # fmt: skip


def test_a_flushed_chunk_keeps_its_rows_while_views_of_the_logs_live(monkeypatch: pytest.MonkeyPatch) -> None:
    """A view of a log still alive at a flush (a frame's internals, another thread) neither stops nor changes it."""
    scenario = short("business_licensing")
    chunks: list[tuple[records.LogChunk, pd.DataFrame, pd.DataFrame]] = []
    views: list[np.ndarray] = []
    flush = records.Recorder.flush_logs

    def holding(recorder: records.Recorder) -> None:
        views.append(recorder.contacts.view("queued"))  # alive past the flush, as a lingering frame's would be
        flush(recorder)

    monkeypatch.setattr(records, "CHUNK_ROWS", 50)
    monkeypatch.setattr(records.Recorder, "flush_logs", holding)
    simulate(scenario, "siloed", 0, flush=lambda c: chunks.append((c, c.contacts.copy(), c.work.copy())))
    assert len(chunks) > 10
    for chunk, contacts, work in chunks:  # the rows recorded after a chunk went out did not touch it
        pd.testing.assert_frame_equal(chunk.contacts, contacts, check_exact=True)
        pd.testing.assert_frame_equal(chunk.work, work, check_exact=True)
