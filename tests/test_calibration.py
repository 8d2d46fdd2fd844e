"""The calibrated scenarios reproduce their published figures; every bundled scenario has the four presets.

- scenarios/jakarta_business.yaml: Doing Business 2011, Jakarta (siloed: 9 procedures, 47 calendar
  days) and Doing Business 2020 (integrated, the OSS era: 11 procedures, about 13 calendar days), the
  days within 15%.
- scenarios/samsat_vehicle_registration.yaml: the queueing study of SAMSAT Kota Tegal (Unnes Journal of
  Mathematics, observed 19-22 March 2018): mean wait in the queue of one counter 12.28 minutes (the mean
  of the four days' Wq) in the co-located configuration (the Samsat as it is), within 20%.

A target passes when it lies within its tolerance of the simulated mean AND the 95% confidence interval
of that mean lies inside the tolerance band with a half-width of at most a third of the tolerance: an
interval as wide as the band would let almost anything pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.statistics import interval
from simulator.experiments.runs import run_experiment
from simulator.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
PRESETS = {"siloed", "co_located", "single_window", "whole_of_government"}


def assert_calibrated(what: str, mean: float, low: float, high: float, target: float, tolerance: float) -> None:
    """`target` within `tolerance` (a share) of the mean; the interval [low, high] tight and inside the band."""
    band = tolerance * target
    half_width = (high - low) / 2
    shown = f"{what}: {mean:.2f} (95% CI {low:.2f} to {high:.2f}) against {target} +- {band:.2f}"
    assert abs(mean - target) <= band, shown
    assert target - band <= low and high <= target + band, shown
    assert half_width <= band / 3, f"{shown}: the interval is too wide to mean anything"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_has_the_four_presets_siloed_first(path: Path) -> None:
    presets = [c.preset for c in load_scenario(path).configurations.values()]
    assert set(presets) == PRESETS, f"{path.name}: {presets}"
    assert presets[0] == "siloed", f"{path.name}: the baseline (first configuration) is {presets[0]}"


def test_the_calibrated_scenarios_are_bundled() -> None:
    names = {path.name for path in BUNDLED}
    assert {"jakarta_business.yaml", "samsat_vehicle_registration.yaml"} <= names


def test_jakarta_reproduces_doing_business_2011_and_2020() -> None:
    """Siloed: 9 procedures and 47 calendar days (DB2011); integrated: 11 procedures, about 13 days (DB2020)."""
    scenario = load_scenario(ROOT / "scenarios" / "jakarta_business.yaml")
    assert scenario.procedures("siloed", "start_pt") == 9
    assert scenario.procedures("integrated", "start_pt") == 11
    results = run_experiment(scenario, ["siloed", "integrated"], replications=10, jobs=2)
    summary = results.summary[results.summary["service"] == "all"].set_index(["configuration", "metric"])
    for configuration, target in (("siloed", 47.0), ("integrated", 13.0)):
        row = summary.loc[(configuration, "lead_time_calendar_days")]
        assert_calibrated(
            f"{configuration} calendar days", row["mean"], row["ci_low"], row["ci_high"], target, tolerance=0.15
        )
    # A procedure is a step: each accepted submission contact (pickups belong to their procedure).
    citizens = results.citizens
    completed = citizens[(citizens["configuration"] == "siloed") & (citizens["outcome"] == "completed")]
    assert len(completed) > 500
    contacts = results.contacts
    accepted = contacts[
        (contacts["configuration"] == "siloed")
        & contacts["kind"].isin(["submission", "online"])
        & (contacts["outcome"] == "accepted")
    ]
    per_citizen = accepted.groupby(["replication", "citizen"]).size()
    keys = pd.MultiIndex.from_frame(completed[["replication", "citizen"]])
    procedures = per_citizen.reindex(keys, fill_value=0)
    assert (procedures == 9).all(), procedures.value_counts().to_dict()
    # The OSS era's own steps are the ones its back offices work on (the fee is paid at the counter only).
    oss = scenario.catalogue("integrated").services["start_pt"].steps
    worked = set(results.work.loc[results.work["configuration"] == "integrated", "step"])
    assert worked == {step.id for step in oss} - {"name_fee"}
    assert {"name_fee", "nib", "vat_collector"} <= {step.id for step in oss}


def test_samsat_reproduces_the_kota_tegal_queue_study() -> None:
    """Mean wait per counter 12.28 minutes within 20%; time in system per counter 13.91 within 20%."""
    scenario = load_scenario(ROOT / "scenarios" / "samsat_vehicle_registration.yaml")
    # 20 working days from 19 March 2018 instead of the file's 9: a tighter interval for the same cost
    # as more replications (the queues empty every afternoon, so the longer run needs no warm-up).
    scenario = scenario.model_copy(update={"horizon_days": 20})
    results = run_experiment(scenario, ["samsat"], replications=30, jobs=2)
    contacts = results.contacts
    served = contacts[(contacts["kind"] == "submission") & contacts["started"].notna()]
    assert set(served["agency"]) == {"bapenda", "jasa_raharja", "police"}
    assert len(served) > 30 * 20 * 100
    wait = (served["started"] - served["queued"]).groupby(served["replication"]).mean()
    in_system = (served["ended"] - served["queued"]).groupby(served["replication"]).mean()
    assert len(wait) == 30
    assert_calibrated("wait per counter", *interval(wait.to_numpy()), target=12.28, tolerance=0.20)
    assert_calibrated("time in system per counter", *interval(in_system.to_numpy()), target=13.91, tolerance=0.20)
    # The officers are as busy as in the study (idle 35-44% of the time), within a few points.
    utilisation = results.agencies.loc[results.agencies["agency"] != "front_office", "counter_utilization"]
    assert 0.50 <= float(np.mean(utilisation)) <= 0.70
