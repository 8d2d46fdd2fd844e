"""Visitors by session: a folder each, removed when the session ends (its run cancelled first), stale ones swept."""

from __future__ import annotations

import os
import time
from pathlib import Path

from simulator.scenario.loading import load_scenario
from simulator.web.jobs import Job, Order
from simulator.web.sessions import Visitors
from simulator.web.visitors import next_run_folder
from simulator.web.whatif import apply

SMALL = Path(__file__).with_name("small.yaml")
DAY = 24 * 3600


def _aged(folder: Path, seconds: float) -> Path:
    """The folder as if nothing had touched it for `seconds`."""
    folder.mkdir(exist_ok=True)
    then = time.time() - seconds
    os.utime(folder, (then, then))
    return folder


def test_a_session_keeps_its_folder_and_another_gets_its_own(tmp_path: Path) -> None:
    visitors = Visitors(tmp_path, lambda session: True)
    first = visitors.arrive("a")
    assert visitors.arrive("a") is first and first.folder.parent == tmp_path
    assert visitors.arrive("b").folder != first.folder


def test_a_stale_folder_is_swept_and_a_live_visitors_is_not(tmp_path: Path) -> None:
    live = {"here"}
    visitors = Visitors(tmp_path, live.__contains__, max_age=3600)
    here = visitors.arrive("here").folder
    _aged(here, DAY)  # a long meeting: the folder itself has not changed for a day
    stale = tmp_path / "visitor-left-by-a-stopped-server"
    (stale / "run-1").mkdir(parents=True)
    _aged(stale, DAY)
    recent = _aged(tmp_path / "visitor-of-another-server", 60)
    other = _aged(tmp_path / "not-a-visitor", DAY)
    assert visitors.sweep() == [stale]
    assert here.is_dir() and recent.is_dir() and other.is_dir() and not stale.exists()
    assert time.time() - here.stat().st_mtime < 60  # touched: another server sharing the root keeps it too


def test_an_ended_sessions_run_is_cancelled_and_its_folder_removed(tmp_path: Path) -> None:
    live = {"leaving", "staying"}
    visitors = Visitors(tmp_path, live.__contains__, away=0.2)
    leaving, staying = visitors.arrive("leaving"), visitors.arrive("staying")
    base = load_scenario(SMALL)
    made = apply(base, {}, list(base.configurations), 100)
    assert made.scenario is not None
    job = Job(Order(made.scenario, SMALL, {}, next_run_folder(leaving.folder), "en", 1, False)).start()
    leaving.jobs.append(job)
    live.discard("leaving")  # the browser tab is closed
    assert visitors.sweep() == [] and leaving.folder.is_dir()  # away for less than a session is kept
    time.sleep(0.3)
    removed = visitors.sweep()  # the session has ended: its run is told to stop
    if not removed:  # it was still stopping: the next sweep removes the folder
        assert job.wait(60) == "cancelled"
        removed = visitors.sweep()
    assert removed == [leaving.folder] and not leaving.folder.exists()
    assert job.state == "cancelled" and job.done < job.total
    assert staying.folder.is_dir() and visitors.arrive("staying") is staying
    assert visitors.arrive("leaving").folder != leaving.folder  # a new session, should the id come back


def test_the_sweeper_sweeps_at_start_and_then_again(tmp_path: Path) -> None:
    stale = _aged(tmp_path / "visitor-old", DAY)
    visitors = Visitors(tmp_path, lambda session: False, max_age=3600).start(every=0.05)
    try:
        deadline = time.monotonic() + 30
        while stale.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not stale.exists()
        later = _aged(tmp_path / "visitor-later", DAY)
        while later.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not later.exists()
    finally:
        visitors.stop()


def test_when_the_server_stops_its_visitors_folders_go_with_it(tmp_path: Path) -> None:
    visitors = Visitors(tmp_path, lambda session: True)
    mine = [visitors.arrive(session).folder for session in ("a", "b")]
    someone_elses = _aged(tmp_path / "visitor-of-another-server", 0)
    visitors.close()
    assert not any(folder.exists() for folder in mine) and someone_elses.is_dir()
