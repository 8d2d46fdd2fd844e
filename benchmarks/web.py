"""The what-if page's first result: the default scenario, 5 replications of every configuration, 2 workers.

`python -m benchmarks.web [--runs 3]` times a page run (`simulator.web.jobs.Job`, what
the Run button starts) from the click to the first result the page shows (the
comparison with its intervals; the figures and the brief follow), against the
issue's target of 10 seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from simulator.scenario.loading import load_scenario
from simulator.web.jobs import Job, Order
from simulator.web.whatif import apply

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "business_licensing.yaml"
TARGET_SECONDS = 10.0


def first_result_seconds(folder: Path, workers: int = 2, figures: bool = False) -> float:
    """Seconds from starting a page run of the default scenario to its first result."""
    base = load_scenario(SCENARIO)
    made = apply(base, {}, list(base.configurations), 5)
    assert made.scenario is not None
    job = Job(Order(made.scenario, SCENARIO, {}, folder, "en", workers, figures)).start()
    job.wait()
    if job.state != "done" or job.first_result_seconds is None:
        raise RuntimeError(f"the run ended {job.state}: {job.error}")
    return job.first_result_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        times = [first_result_seconds(Path(scratch) / f"run-{n}") for n in range(runs)]
    median = statistics.median(times)
    verdict = "met" if median <= TARGET_SECONDS else "missed"
    print(f"first result, {SCENARIO.name}, 5 replications x every configuration, 2 workers: "
          f"median {median:.1f} s of {runs} ({', '.join(f'{t:.1f}' for t in times)}); "
          f"target {TARGET_SECONDS:.0f} s {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
