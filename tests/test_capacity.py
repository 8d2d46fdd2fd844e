"""Offered load: warned about before a run, and a run that overloads stops in bounded memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.capacity import offered_load, overloads
from simulator.cli import main
from simulator.loading import validate
from simulator.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WriteScenario = Callable[[dict[str, Any] | str, str], Path]


def test_offered_load_by_hand(tiny: Scenario) -> None:
    """20 a day; serve: 5 min at the office, 10 min back office, 5 min pickup; stamp: 5 min at the registry."""
    loads = {(load.configuration, load.place): load.load for load in offered_load(tiny)}
    day = 480
    assert loads[("siloed", "the counters of 'office'")] == pytest.approx(20 * (5 + 5) / (1 * day))
    assert loads[("siloed", "the counters of 'registry'")] == pytest.approx(20 * 5 / (2 * day))
    assert loads[("siloed", "the back office of 'office'")] == pytest.approx(20 * 10 / (1 * day))
    assert loads[("integrated", "the front office")] == pytest.approx(20 * (5 + 5) / (3 * day)), "digital delivery"
    assert overloads(tiny) == []


def overloaded(data: dict[str, Any]) -> dict[str, Any]:
    data["agencies"]["office"]["counters"] = 1
    data["services"]["visit"]["arrivals"]["per_day"] = 200  # 1,000 counter minutes a day at one counter
    return data


def test_check_and_run_warn_about_an_overloaded_place(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, capsys: pytest.CaptureFixture[str]
) -> None:
    warnings = overloads(validate(overloaded(tiny_data), "busy.yaml"))
    assert any("'siloed': the counters of 'office' is overloaded (offered load 4.17" in w for w in warnings)
    assert main(["check", str(write_scenario(tiny_data, "busy.yaml"))]) == 0
    assert (
        "warning: busy.yaml: configuration 'siloed': the counters of 'office' is overloaded" in capsys.readouterr().err
    )


def runaway(write_scenario: WriteScenario) -> Path:
    """Twice as many arrivals as one counter can serve, in an office that never closes."""
    return write_scenario(
        {
            "name": "runaway",
            "horizon_days": 400,
            "replications": 1,
            "max_in_system": 3000,
            "calendar": {"open": "00:00", "close": "24:00", "workdays": WEEK},
            "agencies": {"office": {"counters": 1, "backoffice": 0, "travel_minutes": 0}},
            "services": {"visit": {"arrivals": {"per_day": 2880}, "standard_days": 1,
                                   "steps": [{"id": "serve", "agency": "office", "counter": 1}]}},
            "configurations": {"siloed": {"preset": "siloed"}},
        },
        "runaway.yaml",
    )  # fmt: skip


def test_an_overloaded_run_stops_with_a_message_in_bounded_memory(
    write_scenario: WriteScenario, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "run_sim.py", "run", str(runaway(write_scenario)), "--out", str(out), "--jobs", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)  # the child's own peak memory (its messages fit the pipe)
    stderr = process.stderr.read() if process.stderr else ""
    assert os.waitstatus_to_exitcode(status) == 2, stderr[-500:]
    assert "the system is overloaded: more than 3,000 citizens" in stderr
    assert "the busiest place is the counters of 'office'" in stderr
    assert "Traceback" not in stderr
    assert "warning: runaway.yaml: configuration 'siloed': the counters of 'office' is overloaded" in stderr
    assert not out.exists()
    assert usage.ru_maxrss / 1024 < 400, f"peak memory {usage.ru_maxrss / 1024:.0f} MB"
    process.returncode = 0  # reaped above


def test_ctrl_c_stops_the_workers_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "run_sim.py", "run", "scenarios/business_licensing.yaml", "--replications", "40",
         "--jobs", "2", "--out", str(out), "--quiet"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    time.sleep(6)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    stopped = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - stopped < 15, "workers did not stop promptly"
    assert process.returncode == 130, stderr[-500:]
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == [], "no run folder, no partial folder"
