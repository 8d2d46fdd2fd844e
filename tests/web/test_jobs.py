"""Runs of the page: the files `run` writes, the same numbers, cancel, visitors whose runs do not mix, a queue."""

from __future__ import annotations

import json
import os
import time
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest

from simulator.cli import main
from simulator.scenario.loading import load_scenario
from simulator.web.downloads import brief_files, figure_files, zipped
from simulator.web.jobs import NICENESS, Job, Order
from simulator.web.slots import Slots
from simulator.web.visitors import new_visitor, next_run_folder
from simulator.web.whatif import apply

SMALL = Path(__file__).with_name("small.yaml")


def _job(
    folder: Path, settings: dict[str, object], figures: bool = False, replications: int = 3, slots: Slots | None = None
) -> Job:
    base = load_scenario(SMALL)
    made = apply(base, settings, list(base.configurations), replications)
    assert made.scenario is not None, made.errors
    job = Job(Order(made.scenario, SMALL, made.settings, folder, "id", 2, figures), slots)
    job.shown()  # no page here to show the first result before the figures are drawn
    return job.start()


def test_a_run_writes_what_run_writes_and_run_reproduces_it(tmp_path: Path) -> None:
    job = _job(tmp_path / "page", {"agencies.licensing.counters": 2}, figures=True)
    assert job.wait(120) == "done", job.error
    folder = job.order.folder
    assert job.results is not None and job.done == job.total == 6
    pd.testing.assert_frame_equal(pd.read_csv(folder / "summary.csv"), job.results.summary, check_dtype=False)
    assert main(["run", str(folder / "scenario.yaml"), "--out", str(tmp_path / "cli"), "--no-plots", "--quiet",
                 "--jobs", "1"]) == 0  # fmt: skip
    assert (folder / "summary.csv").read_bytes() == (tmp_path / "cli" / "summary.csv").read_bytes()
    assert set(brief_files(folder, "id")) == {".html", ".pdf"} and not brief_files(folder, "en")
    assert figure_files(folder, "id") and all(".id." in path.name for path in figure_files(folder, "id"))
    with zipfile.ZipFile(BytesIO(zipped(folder))) as archive:
        names = archive.namelist()
    assert "page/summary.csv" in names and "page/brief.id.pdf" in names
    assert not any("/." in name for name in names)


def test_the_time_left_is_the_pace_so_far_times_the_replications_left(tmp_path: Path) -> None:
    base = load_scenario(SMALL)
    job = Job(Order(base, SMALL, {}, tmp_path / "run-1"), total=10)  # never started: its fields set by hand
    assert job.seconds_left() is None  # queued
    job.state, job.running_from = "running", time.monotonic() - 4.0
    assert job.seconds_left() is None  # no replication done yet: no pace
    job.done = 2
    left = job.seconds_left()
    assert left is not None and 16.0 <= left < 16.5  # 2 done in 4 s, 8 to go
    job.state = "writing"
    assert job.seconds_left() is None


def test_a_cancelled_run_writes_nothing(tmp_path: Path) -> None:
    job = _job(tmp_path / "run-1", {}, replications=60)
    deadline = time.monotonic() + 60
    while job.done == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    job.cancel()
    assert job.wait(60) == "cancelled"
    assert job.done < job.total and job.results is None
    assert not (tmp_path / "run-1").exists()


def test_two_visitors_runs_do_not_mix(tmp_path: Path) -> None:
    first, second = new_visitor(tmp_path), new_visitor(tmp_path)
    jobs = [_job(next_run_folder(first), {}), _job(next_run_folder(second), {"agencies.licensing.counters": 3})]
    assert [job.wait(120) for job in jobs] == ["done", "done"]
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir()) == ["run-1"]
    counters = [load_scenario(v / "run-1" / "scenario.yaml").agencies["licensing"].counters.default
                for v in (first, second)]  # fmt: skip
    assert counters == [1, 3]
    waits = [
        job.results.summary.query("configuration == 'siloed' and service == 'all' and metric == 'wait_minutes'")[
            "mean"
        ].item()
        for job in jobs
        if job.results is not None
    ]
    assert waits[1] < waits[0]


def test_a_run_that_cannot_claim_its_folder_fails_with_a_message(tmp_path: Path) -> None:
    taken = tmp_path / "run-1"
    taken.mkdir()
    (taken / "something").write_text("not a run")
    job = _job(taken, {})
    assert job.wait(60) == "failed" and job.failure == "refused"
    assert "run-1" in job.error and (taken / "something").exists()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_manifest_tells_how_the_page_changed_the_file(tmp_path: Path, lang: str) -> None:
    base = load_scenario(SMALL)
    made = apply(base, {"configurations.integrated.online_share": 0.5}, ["integrated"], 2)
    assert made.scenario is not None
    job = Job(Order(made.scenario, SMALL, made.settings, tmp_path / "r", lang, 1, False))
    job.shown()
    assert job.start().wait(60) == "done"
    meta = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert meta["whatif"] == {"configurations.integrated.online_share": 0.5}
    assert meta["configurations"] == ["integrated"] and meta["replications"] == 2
    assert meta["scenario_file"] == str(SMALL)


def _until(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.02)


def test_with_one_slot_a_second_run_waits_its_turn(tmp_path: Path) -> None:
    slots = Slots(1)
    first = _job(tmp_path / "first", {}, replications=40, slots=slots)
    _until(lambda: first.state == "running")
    second = _job(tmp_path / "second", {}, slots=slots)
    third = _job(tmp_path / "third", {}, slots=slots)
    _until(lambda: slots.waiting == 2)
    assert (second.state, second.position, second.done) == ("queued", 1, 0)
    assert (third.state, third.position) == ("queued", 2)
    assert first.done < first.total  # the first still runs while the others wait
    third.cancel()  # leaves the queue at once, nothing written
    assert third.wait(30) == "cancelled" and not (tmp_path / "third").exists()
    _until(lambda: second.state != "queued", 120)
    assert first.finished and first.state == "done"  # the slot was given back only when the first was written
    assert second.wait(60) == "done" and slots.running == slots.waiting == 0
    assert second.results is not None and second.done == second.total


def _stat(pid: int | str) -> list[str]:
    """A process's fields from /proc after its name (state, parent, ...), or none if it has ended."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _niceness(pid: int) -> int:
    return int(_stat(pid)[16])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads priorities from Linux's /proc")
def test_a_runs_workers_give_way_to_the_page(tmp_path: Path) -> None:
    job = _job(tmp_path / "run-1", {}, replications=60)
    try:
        _until(lambda: job.done > 0)
        me = os.getpid()
        workers = [int(path.name) for path in Path("/proc").glob("[0-9]*") if _stat(path.name)[1:2] == [str(me)]]
        assert workers, "the run has no worker processes"
        assert {_niceness(pid) for pid in workers} == {min(19, _niceness(me) + NICENESS)}
        assert os.getpriority(os.PRIO_PROCESS, 0) == _niceness(me)  # this thread, the page's, keeps its own
    finally:
        job.cancel()
        job.wait(60)
