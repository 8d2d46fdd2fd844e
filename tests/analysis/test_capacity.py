"""Offered load: warned about before a run, and a run that overloads stops in bounded memory."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.analysis.capacity import HOPELESS, Load, offered_load, overloads, pile_up
from simulator.analysis.metrics import Window
from simulator.cli import main
from simulator.experiments.runs import run_once
from simulator.model.calendar import WorkCalendar
from simulator.model.run import simulate
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WriteScenario = Callable[[dict[str, Any] | str, str], Path]


def loads_of(scenario: Scenario, configurations: list[str] | None = None) -> dict[tuple[str, str], Load]:
    return {(load.configuration, load.place): load for load in offered_load(scenario, configurations)}


def test_offered_load_by_hand(tiny: Scenario) -> None:
    """20 a day; serve: 5 min at the office (ktp wrong 10%), 10 min back office, 5 min pickup;
    stamp: 5 min at the registry (letter wrong 30%)."""
    loads = loads_of(tiny)
    day = 480
    office = loads[("siloed", "the counters of 'office'")]
    assert office.mean == pytest.approx(20 * (1.1 * 5 + 5) / (1 * day)), "one resubmission per defect"
    assert office.peak == pytest.approx(office.mean), "a flat profile: every hour is the busiest"
    assert office.staff_needed == 1
    assert loads[("siloed", "the counters of 'registry'")].mean == pytest.approx(20 * 1.3 * 5 / (2 * day))
    assert loads[("siloed", "the back office of 'office'")].mean == pytest.approx(20 * 10 / (1 * day))
    front = loads[("integrated", "the front office")]
    assert front.mean == pytest.approx(20 * (2 - 0.9 * 0.7) * (5 + 5) / (3 * day)), (
        "reveal all: one resubmission of the whole file if any document is wrong; digital delivery"
    )
    assert overloads(offered_load(tiny), 30) == []


def test_product_errors_and_once_only_change_the_work(tiny_data: dict[str, Any]) -> None:
    """An error rate of 20% makes 1.25 outputs per output received: back-office work and pickups both."""
    tiny_data["agencies"]["office"]["error_rate"] = 0.2
    tiny_data["documents"]["letter"]["held_by_government"] = True
    loads = loads_of(validate(tiny_data, "errors.yaml"))
    assert loads[("siloed", "the back office of 'office'")].mean == pytest.approx(20 * 1.25 * 10 / 480)
    assert loads[("siloed", "the counters of 'office'")].mean == pytest.approx(20 * (1.1 * 5 + 1.25 * 5) / 480)
    assert loads[("siloed", "the counters of 'registry'")].mean == pytest.approx(20 * 1.3 * 5 / 960), (
        "siloed offices ask for the letter all the same"
    )
    assert loads[("integrated", "the front office")].mean == pytest.approx(20 * 1.1 * 10 / (3 * 480)), (
        "once-only: the letter is looked up, only the ktp can be wrong"
    )


def land_office(tiny_data: dict[str, Any]) -> dict[str, Any]:
    """The issue's land office: 2 counters, 40 certificate checks and 6 PBG applicants a day, 20 minutes each.

    Without rework and over the day, 46 x 20 = 920 counter minutes a day against
    2 x 480: an offered load of 0.96. The certificate is wrong for 15% of
    applicants and the plan for 30%: resubmissions take it over 1.
    """
    tiny_data.update(horizon_days=10, replications=1)
    tiny_data["calendar"] = {"open": "08:00", "close": "16:00"}
    tiny_data["documents"] = {"certificate": {"p_defective": 0.15}, "plan": {"p_defective": 0.3}}
    tiny_data["agencies"] = {
        "land": {"counters": 2, "backoffice": 3, "travel_minutes": 30},
        "works": {"counters": 2, "backoffice": 2, "travel_minutes": 30},
    }
    profile = [3, 4, 3, 2, 2, 2, 1, 1]
    exponential = {"dist": "exponential", "mean": 15}
    tiny_data["services"] = {
        "check": {"arrivals": {"per_day": 40, "profile": profile}, "standard_days": 5, "steps": [
            {"id": "check", "agency": "land", "counter": exponential, "backoffice": 30, "requires": ["certificate"]},
        ]},
        "pbg": {"arrivals": {"per_day": 6, "profile": profile}, "standard_days": 28, "steps": [
            {"id": "land_check", "agency": "land", "counter": exponential, "backoffice": 30,
             "requires": ["certificate", "plan"]},
            {"id": "permit", "agency": "works", "counter": 20, "backoffice": 60, "requires": ["land_check"]},
        ]},
    }  # fmt: skip
    tiny_data["configurations"] = {"siloed": {"preset": "siloed"}, "one_stop": {"preset": "single_window"}}
    return tiny_data


def test_rework_and_the_busiest_hour_make_the_land_office_warning_fire(tiny_data: dict[str, Any]) -> None:
    scenario = validate(land_office(tiny_data), "pbg.yaml")
    land = loads_of(scenario)[("siloed", "the counters of 'land'")]
    first_sittings_and_pickups = 46 * (15 + 5) / (2 * 480)
    assert first_sittings_and_pickups == pytest.approx(0.958, abs=1e-3), "what the warning used to count"
    rework = 40 * 0.15 * 15 + 6 * (0.15 + 0.3) * 15
    assert land.mean == pytest.approx(first_sittings_and_pickups + rework / 960)
    assert land.mean > 1
    assert land.peak == pytest.approx(land.mean * 8 * 4 / 18), "09:00 has 4 of the profile's 18 weights"
    assert land.peak_hour == "09:00"
    warnings = overloads(offered_load(scenario, ["siloed"]), 30)
    assert warnings == [
        f"configuration 'siloed': the counters of 'land' is overloaded (offered load {land.mean:.2f}, rework "
        f"included: work arrives faster than 2 staff can do it; 3 would bring it below 1)"
    ]
    run = run_once(scenario, "siloed", 0)
    counters = run.places.set_index("agency").loc["land"]
    assert counters["counter_utilization"] > 0.9 and counters["mean_wait_minutes"] > 60, "the simulation agrees"


def test_the_busiest_hours_warn_when_they_pile_up_a_long_wait(tiny_data: dict[str, Any]) -> None:
    """The land office with a third counter: 0.73 over the day, but 1.30 from 09:00."""
    data = land_office(tiny_data)
    data["agencies"]["land"]["counters"] = 3
    scenario = validate(data, "pbg.yaml")
    land = loads_of(scenario)[("siloed", "the counters of 'land'")]
    hourly = [land.mean * 8 * weight / 18 for weight in [3, 4, 3, 2, 2, 2, 1, 1]]
    assert land.mean < 1 < land.peak
    assert land.pile_up == pytest.approx(pile_up(hourly, [60] * 8))
    assert hourly[0] < 1 < hourly[1] and hourly[2] < 1
    assert land.pile_up == pytest.approx((hourly[1] - 1) * 60), "only 09:00 is above 1"
    said = overloads(offered_load(scenario, ["siloed"]), acceptable_wait=10)
    assert said == [
        f"configuration 'siloed': the counters of 'land' is overloaded in its busiest hours (offered load "
        f"{land.peak:.2f} from 09:00, {land.mean:.2f} over the day): the work piles up into a wait of "
        f"{land.pile_up:.0f} minutes even without chance, more than the acceptable 10"
    ]
    assert overloads(offered_load(scenario, ["siloed"]), acceptable_wait=land.pile_up + 1) == []


def test_pile_up_of_a_morning_rush() -> None:
    """1.5 then 1.2 for an hour each: 30 + 12 minutes piled up, cleared by the quiet afternoon."""
    assert pile_up([1.5, 1.2, 0.5, 0.5], [60, 60, 60, 60]) == pytest.approx(42)
    assert pile_up([0.5, 1.5, 0.9], [60, 60, 30]) == pytest.approx(30), "starts empty: an idle hour stores nothing"
    assert pile_up([0.9, 0.9], [60, 60]) == 0


@pytest.mark.parametrize("configuration", ["siloed", "one_stop", "integrated"])
def test_the_estimated_counter_work_is_what_the_simulation_does(tiny_data: dict[str, Any], configuration: str) -> None:
    """Counter minutes per citizen at each desk: the estimate against 30 days of simulated citizens.

    Two documents per step, often wrong (reveal one: one sitting per defect;
    reveal all: one per rejection), product errors at the office, once-only
    and online submission under whole-of-government. Nobody gives up, so every
    citizen's work is done. The tolerance is 4 standard errors of the mean
    over citizens (their counter minutes are independent).
    """
    tiny_data.update(horizon_days=30)
    tiny_data["documents"] = {
        "ktp": {"p_defective": 0.2, "held_by_government": True},
        "form": {"p_defective": 0.3},
        "letter": {"p_defective": 0.25},
    }
    tiny_data["agencies"]["office"].update(counters=3, backoffice=3, error_rate=0.2, competence=1.2)
    tiny_data["agencies"]["registry"]["counters"] = 3
    steps = tiny_data["services"]["visit"]["steps"]
    steps[0]["requires"] = ["ktp", "form"]
    steps[1]["requires"] = ["serve", "letter", "form"]
    tiny_data["citizens"] = {"max_visits": 1000}
    tiny_data["configurations"] = {
        "siloed": {"preset": "siloed"},
        "one_stop": {"preset": "single_window"},
        "integrated": {"preset": "whole_of_government", "delivery": "in_person", "online_share": 0.3},
    }
    scenario = validate(tiny_data, "rework.yaml")
    logs = simulate(scenario, configuration, 0)
    horizon = Window(scenario, WorkCalendar(scenario.calendar)).counted_until
    ours = logs.citizens[logs.citizens["arrival"] < horizon]  # later arrivals only keep the offices busy
    assert (ours["outcome"] == "completed").all()
    contacts = logs.contacts[logs.contacts["citizen"].isin(ours["citizen"])]
    served = contacts[contacts["kind"].isin(["submission", "pickup"]) & contacts["started"].notna()]
    citizens = len(ours)
    for load in offered_load(scenario, [configuration]):
        if "counters" not in load.place and "front office" not in load.place:
            continue
        desk = "front_office" if load.place == "the front office" else load.place.split("'")[1]
        mine = served[served["agency"] == desk]
        minutes = (mine["ended"] - mine["started"]).groupby(mine["citizen"]).sum()
        minutes = minutes.reindex(ours["citizen"], fill_value=0)
        expected = load.work / scenario.services["visit"].arrivals.per_day
        error = minutes.std() / math.sqrt(citizens)
        assert abs(minutes.mean() - expected) < 4 * error, (desk, minutes.mean(), expected, error)


def test_check_prints_every_place_and_warns(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(land_office(tiny_data), "pbg.yaml")
    assert main(["check", str(path)]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0].startswith("ok: pbg.yaml: ")
    assert lines[1] == "offered load (rework included):"
    head = ["configuration", "place", "mean", "load", "peak-hour", "load", "from", "pile-up", "(min)"]
    assert lines[2].split() == head
    scenario = validate(land_office(tiny_data), "pbg.yaml")
    loads = offered_load(scenario)
    assert len(lines) == 3 + len(loads), "every desk and back office of every configuration, overloaded or not"
    for line, load in zip(lines[3:], loads, strict=True):
        assert line.startswith(load.configuration) and load.place in line and f"{load.mean:.2f}" in line
    assert "the back office of 'works'" in printed.out
    assert printed.err.count("warning: pbg.yaml: configuration 'siloed': the counters of 'land' is overloaded") == 1


def test_run_warns_only_about_the_configurations_it_runs(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = land_office(tiny_data)
    data["configurations"]["one_stop"]["front_office_counters"] = 2  # the pooled office is overloaded too
    data["horizon_days"] = 2
    path = write_scenario(data, "pbg.yaml")
    assert main(["run", str(path), "--configurations", "siloed", "--out", str(tmp_path / "a"), "--no-plots",
                 "--jobs", "1"]) == 0  # fmt: skip
    said = capsys.readouterr().err
    assert "configuration 'siloed': the counters of 'land' is overloaded" in said
    assert "one_stop" not in said
    assert main(["check", str(path)]) == 0
    assert "configuration 'one_stop': the front office is overloaded" in capsys.readouterr().err


def hopeless(tiny_data: dict[str, Any]) -> dict[str, Any]:
    """200 citizens a day at one counter of the office: 200 x (1.1 x 5 + 5) minutes against 480.

    Its back office (4.17) and, integrated, the front office (1.90) and the back office are hopeless too.
    """
    tiny_data["services"]["visit"]["arrivals"]["per_day"] = 200
    return tiny_data


def test_a_hopeless_overload_is_refused_with_the_place_and_a_remedy(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(hopeless(tiny_data), "busy.yaml")
    load = 200 * (1.1 * 5 + 5) / 480
    assert load > HOPELESS
    expected = (
        f"error: busy.yaml: the system is overloaded: configuration 'siloed': the counters of 'office' would get "
        f"{load:.2f} times the work its 1 staff can do (and 3 more places), rework included: queues would grow "
        f"without bound (a mean offered load above 1.5 is refused). Give it at least 5 staff or fewer arrivals, "
        f"or add --force to run it anyway\n"
    )
    assert main(["check", str(path)]) == 2
    printed = capsys.readouterr()
    assert printed.err == expected and printed.out == ""
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == expected
    assert not out.exists()
    assert main(["check", str(path), "--force"]) == 0
    printed = capsys.readouterr()
    assert printed.out.startswith("ok: busy.yaml") and "the counters of 'office' is overloaded" in printed.err


def test_a_sweep_refuses_a_hopeless_point_before_running_any(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny_data["services"]["visit"]["arrivals"]["per_day"] = 60  # 60 x 10.5 / 480 = 1.31 at one counter
    path = write_scenario(tiny_data, "sweep.yaml")
    out = tmp_path / "sweep"
    argv = ["sweep", str(path), "--set", "services.visit.arrivals.per_day=20,100", "--out", str(out), "--quiet"]
    assert main(argv) == 2
    said = capsys.readouterr().err
    point = "sweep point services.visit.arrivals.per_day=100: configuration 'siloed': the counters of 'office'"
    assert said.startswith(f"error: sweep.yaml: the system is overloaded: {point}")
    assert not out.exists()


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
        [sys.executable, "run_sim.py", "run", str(runaway(write_scenario)), "--out", str(out), "--jobs", "1",
         "--force"],
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
