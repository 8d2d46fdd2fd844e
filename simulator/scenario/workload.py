"""The work of a command, estimated before it starts: citizen journeys to simulate and to keep.

A journey is one citizen of one replication of one configuration (of one sweep
point). The expected number is the arrivals a day of every service times the
working days of the run; a run keeps the records of every journey in memory
(about 2 KB each) until it writes them, a sweep without `--keep-records` only
their metrics. Above the limits a command stops before simulating, unless
`--force` says the user means it.

>>> Workload(journeys_per_run=1_000, runs=40, kept=True).journeys
40000
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.scenario.loading import ScenarioError
from simulator.scenario.schema import Scenario

MAX_JOURNEYS = 10_000_000
"""Citizen journeys one command may simulate without --force (hours of one core's work)."""
MAX_KEPT = 2_000_000
"""Citizen journeys whose records one command may keep in memory without --force (about 4 GB)."""


class WorkloadError(ScenarioError):
    """A command that would take more than the limits, refused before it starts."""


@dataclass(frozen=True)
class Workload:
    """Expected journeys of one run (configuration x replication), how many runs, and whether records are kept."""

    journeys_per_run: int
    runs: int
    kept: bool

    @property
    def journeys(self) -> int:
        return self.journeys_per_run * self.runs


def journeys_per_run(scenario: Scenario, horizon_days: int | None = None) -> int:
    """Expected citizens of one replication of one configuration."""
    per_day = sum(service.arrivals.per_day for service in scenario.journeys.values())
    return math.ceil(per_day * (horizon_days or scenario.horizon_days))


def check_workload(source: str, work: Workload, force: bool) -> None:
    """Refuse work above MAX_JOURNEYS (or MAX_KEPT with records), unless forced."""
    limit = MAX_KEPT if work.kept else MAX_JOURNEYS
    if force or work.journeys <= limit:
        return
    what = "kept in memory" if work.kept else "simulated"
    raise WorkloadError(
        f"{source}: about {work.journeys:,} citizen journeys ({work.journeys_per_run:,} per run x {work.runs:,} "
        f"runs of a configuration and replication): more than the {limit:,} a command may have {what}; "
        "use fewer replications, configurations or sweep points, a shorter horizon, or --force (docs/limits.md)"
    )
