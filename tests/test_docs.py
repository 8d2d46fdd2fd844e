"""docs/outputs.md explains every result file, column and metric a run writes; the README points there."""

from __future__ import annotations

import re
from pathlib import Path

from simulator.experiments.runs import run_experiment
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]


def test_every_column_and_metric_is_explained(tiny: Scenario) -> None:
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    named = {word.strip() for quoted in re.findall(r"`([^`]+)`", page) for word in quoted.split(",")}
    results = run_experiment(tiny, replications=1, jobs=1)
    tables = {
        "summary.csv": results.summary, "comparison.csv": results.comparison, "replications.csv": results.metrics,
        "citizens.csv": results.citizens, "contacts.csv": results.contacts, "work.csv": results.work,
        "agencies.csv": results.agencies, "hours.csv": results.hours,
    }  # fmt: skip
    for name, frame in tables.items():
        assert f"### `{name}`" in page, f"{name} has no section"
        missing = [c for c in frame.columns if c not in named and not re.fullmatch(r"U\d", c)]
        assert not missing, f"{name}: columns not explained: {missing}"
    metrics = set(results.metrics["metric"])
    missing = [m for m in metrics if m not in named and not re.fullmatch(r"U\d", m)]
    assert not missing, f"metrics not explained: {missing}"
    assert "`U1`..`U9`" in page
    for other in ("figures/", "brief.html", "scenario.yaml", "stress-des.md", "eventlog.xes.gz", "manifest.json",
                  "sweep.csv", "warmup.csv", "cuts.csv"):  # fmt: skip
        assert other in page, other
    assert "docs/outputs.md" in (ROOT / "README.md").read_text(encoding="utf-8")
