"""servicecycle: a discrete-event simulator of public-service journeys.

Siloed agencies or whole-of-government service? Load a scenario, run its
configurations on the same citizens, compare waiting, completion time, trips
and satisfaction (IKM) with confidence intervals.

>>> from simulator import load_scenario, run_experiment
>>> results = run_experiment(load_scenario("scenarios/business_licensing.yaml"), replications=2)  # doctest: +SKIP
"""

import os

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
"""Before pandas loads pyarrow: Arrow's buffers from the C allocator, which gives freed memory back (mimalloc, the
default, keeps it: 25 MB more at the peak of a replication of a million contacts written a row group at a time)."""

from simulator.experiments.runs import Results, Run, run_experiment, run_once  # noqa: E402
from simulator.model.run import simulate  # noqa: E402
from simulator.scenario.loading import ScenarioError, load_scenario  # noqa: E402
from simulator.scenario.schema import Scenario  # noqa: E402

__all__ = [
    "Results",
    "Run",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run_experiment",
    "run_once",
    "simulate",
]
