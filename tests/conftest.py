"""Small scenarios as fixtures, with fixed seeds."""

from __future__ import annotations

import copy
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from simulator.experiments.runs import run_experiment
from simulator.files.replications import ReplicationLog
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario

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


def streamed_pieces(scenario: Scenario, log: ReplicationLog) -> list[set[str]]:
    """Stream two replications of `scenario` into an event log, as `run` does, and close it.

    Returns the names of the tables in each piece the log received.
    """
    pieces: list[set[str]] = []

    def sink(tables: Mapping[str, pd.DataFrame]) -> None:
        pieces.append(set(tables))
        log(tables)

    run_experiment(scenario, replications=2, jobs=1, records=sink)
    log.close()
    return pieces


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


EDGES: dict[str, Any] = {
    "name": "Building approval at the edges",
    "seed": 5,
    "horizon_days": 4,
    "warmup_days": 0,
    "replications": 2,
    "documents": {"ktp": {"p_defective": 0.0}},
    "agencies": {
        "permits": {"counters": 10, "backoffice": 3, "travel_minutes": 20},
        "land": {"counters": 10, "backoffice": 3, "travel_minutes": 20},
    },
    "services": {
        "pbg": {
            "name": "Building approval (PBG)",
            "arrivals": {"per_day": 3},
            "standard_days": 5,
            "steps": [
                {"id": "certificate", "agency": "land", "counter": 10, "backoffice": 30, "requires": ["ktp"]},
                {"id": "approval", "agency": "permits", "counter": 10, "backoffice": 60, "requires": ["certificate"]},
            ],
        },
        "check": {
            "name": "Certificate check",
            "arrivals": {"per_day": 5},
            "standard_days": 2,
            "steps": [{"id": "lookup", "agency": "land", "counter": 5, "backoffice": 10, "requires": ["ktp"]}],
        },
    },
    "citizens": {"max_visits": 1},
    "configurations": {"siloed": {"preset": "siloed"}, "integrated": {"preset": "whole_of_government"}},
}
"""Two services, 2 replications, and both edges at once.

Siloed, every output needs a second trip to pick it up, but citizens give up
before a second trip (max_visits 1): nobody completes, everybody abandons.
Whole-of-government delivers digitally after one sitting, and ten counters a
desk for eight applicants a day: nobody ever waits (a zero-wait configuration).
"""


@pytest.fixture
def edges() -> Scenario:
    """The two-service scenario with an all-abandon and a zero-wait configuration, validated."""
    return validate(copy.deepcopy(EDGES), "edges.yaml")


@pytest.fixture
def limited() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`limited(*args, memory_mb=, timeout=, code=)`: `run_sim.py ARGS` (or `python -c CODE ARGS`) in a child
    process whose address space and time are capped, so that a regression fails fast instead of eating the machine.

    Start-up alone maps about 400 MB of address space (pandas 3 loads pyarrow's libraries), so a cap under
    about 700 MB fails at random while shared objects are mapped ("failed to map segment"), not for the test.
    """

    def run(
        *args: str, memory_mb: int = 600, timeout: float = 60, code: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

        threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        env = {**os.environ, **threads, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-c", code, *args] if code else [sys.executable, "run_sim.py", *args]
        return subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, preexec_fn=cap, env=env, check=False
        )

    return run
