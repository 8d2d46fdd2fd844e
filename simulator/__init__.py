"""servicecycle: a discrete-event simulator of public-service journeys.

Siloed agencies or whole-of-government service? Load a scenario, run its
configurations on the same citizens, compare waiting, completion time, trips
and satisfaction (IKM) with confidence intervals.

>>> from simulator import load_scenario, run_experiment
>>> results = run_experiment(load_scenario("scenarios/business_licensing.yaml"), replications=2)  # doctest: +SKIP
"""

from simulator.experiments.runs import Results, Run, run_experiment, run_once
from simulator.model.run import simulate
from simulator.scenario.loading import ScenarioError, load_scenario
from simulator.scenario.schema import Scenario

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
