"""The bundled scenarios: valid, complete, and integrated service beats siloed service."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.experiments.runs import run_experiment
from simulator.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_default_scenario_is_bundled() -> None:
    assert ROOT / "scenarios" / "business_licensing.yaml" in BUNDLED
    assert len(BUNDLED) >= 2


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_preset_is_there(path: Path) -> None:
    scenario = load_scenario(path)
    presets = [configuration.preset for configuration in scenario.configurations.values()]
    assert set(presets) == {"siloed", "co_located", "single_window", "whole_of_government"}
    assert presets[0] == "siloed", "the baseline is the siloed service"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_whole_of_government_needs_fewer_trips_and_less_time(path: Path) -> None:
    """Paired over the same citizens: the 95% interval of the difference lies below zero."""
    scenario = load_scenario(path)
    integrated = [name for name, c in scenario.configurations.items() if c.preset == "whole_of_government"]
    results = run_experiment(scenario, ["siloed", *integrated], replications=5, jobs=1)
    comparison = results.comparison[results.comparison["service"] == "all"].set_index(["configuration", "metric"])
    for name in integrated:
        for metric in ("trips", "lead_time_days"):
            row = comparison.loc[(name, metric)]
            assert row["ci_high"] < 0, (
                f"{path.stem}: {name} {metric} {row['difference']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"
            )
