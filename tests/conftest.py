"""Small scenarios as fixtures, with fixed seeds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.loading import validate
from simulator.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]

TINY: dict[str, Any] = {
    "name": "tiny",
    "seed": 1,
    "horizon_days": 3,
    "warmup_days": 0,
    "replications": 2,
    "calendar": {"open": "08:00", "close": "16:00", "workdays": ["mon", "tue", "wed", "thu", "fri"]},
    "documents": {"ktp": {"p_defective": 0.1}, "letter": {"p_defective": 0.3}},
    "agencies": {
        "office": {"name": "Office", "counters": 1, "backoffice": 1, "travel_minutes": 10},
        "registry": {"name": "Registry", "counters": 2, "backoffice": 1, "travel_minutes": 20},
    },
    "services": {
        "visit": {
            "name": "Visit",
            "arrivals": {"per_day": 20},
            "standard_days": 2,
            "steps": [
                {
                    "id": "serve",
                    "agency": "office",
                    "counter": {"dist": "exponential", "mean": 5},
                    "backoffice": 10,
                    "requires": ["ktp"],
                },
                {"id": "stamp", "agency": "registry", "counter": 5, "requires": ["serve", "letter"]},
            ],
        }
    },
    "configurations": {"siloed": {"preset": "siloed"}, "integrated": {"preset": "whole_of_government"}},
}
"""A two-step service at two agencies; tests copy and change it."""


@pytest.fixture
def tiny_data() -> dict[str, Any]:
    """A fresh copy of the tiny scenario as a raw mapping."""
    return copy.deepcopy(TINY)


@pytest.fixture
def tiny(tiny_data: dict[str, Any]) -> Scenario:
    """The tiny scenario, validated."""
    return validate(tiny_data, "tiny.yaml")


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[dict[str, Any] | str, str], Path]:
    """Write a scenario (a mapping or text) to a file in a temporary folder."""

    def write(data: dict[str, Any] | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture
def bundled() -> list[Path]:
    """The scenario files shipped in scenarios/."""
    return sorted((ROOT / "scenarios").glob("*.yaml"))
