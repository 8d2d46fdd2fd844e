"""The comparison printed on the terminal: per service, at the edges, in both languages."""

from __future__ import annotations

import math
import re

import pytest

from simulator.experiments.runs import Imprecise, PrecisionReport, Results, run_experiment
from simulator.report.comparison import comparison_text, few_replications, headline_change, precision_text
from simulator.scenario.schema import Scenario


@pytest.fixture(scope="module")
def results() -> Results:
    """The edge scenario run: siloed, nobody completes; integrated, nobody waits; 2 replications."""
    from simulator.scenario.loading import validate  # noqa: PLC0415
    from tests.conftest import EDGES  # noqa: PLC0415

    return run_experiment(validate(EDGES, "edges.yaml"), jobs=1)


def blocks(text: str) -> dict[str, str]:
    """The printed comparison cut into its services' blocks, by heading."""
    parts = re.split(r"\n\n(.+)\n=+\n", text)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_each_service_is_told_apart_then_all_together(results: Results) -> None:
    text = comparison_text(results)
    found = blocks(text)
    assert list(found) == [
        "Service: Building approval (PBG) (pbg)",
        "Service: Certificate check (check)",
        "All services together",
    ]
    summary = results.summary.set_index(["configuration", "service", "metric"])["mean"]
    for heading, service in zip(found, ("pbg", "check", "all"), strict=True):
        lead = summary[("integrated", service, "lead_time_days")]
        assert f"lead time no completed applicants -> {lead:.2f} working days" in found[heading]
    assert summary[("integrated", "pbg", "lead_time_days")] != summary[("integrated", "check", "lead_time_days")]


def test_no_number_is_hidden_and_none_is_made_up(results: Results) -> None:
    """Nobody completed under siloed: the lead time says so, and no 'nan' or 'n/a' stands for a number that exists."""
    text = comparison_text(results)
    assert "nan" not in text.lower() and "n/a" not in text
    assert "no replication in which both have a value, so no paired change" in text
    assert re.search(r"staff cost per case +no completed applicants", text)
    assert re.search(r"  wait +0\.00 minutes  \[95% CI 0\.00 to 0\.00\]", text)


def test_no_change_of_a_share_leaves_plus_minus_100_points(results: Results) -> None:
    text = comparison_text(results)
    bounds = [float(b) for b in re.findall(r"points, 95% CI ([-+][\d.]+) to ([-+][\d.]+)", text) for b in b]
    assert bounds, "shares are compared in points"
    assert all(-100 <= b <= 100 for b in bounds)
    assert "abandoned 100.0% -> 0.0% (-100.0 points, 95% CI -100.0 to -100.0)" in text


def test_services_chosen_on_the_command_line(results: Results) -> None:
    text = comparison_text(results, services=["check"])
    assert list(blocks(text)) == ["Service: Certificate check (check)"]


def test_in_bahasa_indonesia(results: Results) -> None:
    text = comparison_text(results, "id")
    assert "Layanan: Building approval (PBG) (pbg)" in text and "Semua layanan bersama" in text
    assert "integrated dibanding siloed" in text
    assert "waktu penyelesaian tidak ada pemohon yang selesai -> 0,35 hari kerja" in text
    assert "selang kepercayaan 95%" in text and "95% CI" not in text and "working days" not in text


def test_a_change_over_fewer_paired_replications_says_so() -> None:
    """The issue's case: summary.csv had 22.98 and 24.15, the paired rows none; the text showed 'n/a -> n/a'."""
    row = {"baseline_mean": math.nan, "mean": math.nan, "difference": math.nan, "ci_low": math.nan,
           "ci_high": math.nan, "relative_change": math.nan, "relative_ci_low": math.nan,
           "relative_ci_high": math.nan, "replications": 0}  # fmt: skip
    text = headline_change("lead_time_days", row, before=22.98, after=24.15, replications=2)
    assert text == (
        "lead time 23.0 -> 24.1 working days (no replication in which both have a value, so no paired change)"
    )
    paired = {**row, "baseline_mean": 22.0, "mean": 25.0, "difference": 3.0, "relative_change": 3 / 22,
              "replications": 1}  # fmt: skip
    text = headline_change("lead_time_days", paired, before=22.98, after=24.15, replications=2)
    assert text == (
        "lead time 23.0 -> 24.1 working days (+14%; paired in the 1 of 2 replications in which both have a value)"
    )


def test_fewer_than_five_replications_warn() -> None:
    assert few_replications(5) is None
    assert "fewer than 5 replications (2)" in str(few_replications(2))
    assert "kurang dari 5 replikasi (1)" in str(few_replications(1, "id"))


def test_a_missed_precision_names_configuration_metric_and_half_width() -> None:
    report = PrecisionReport(0.05, ("wait_minutes",), None, 200, (Imprecise("siloed", "wait_minutes", 3.2, 0.4, 0.16),))
    text = precision_text(report)
    assert "not reached in 200 replications" in text
    assert "siloed, wait_minutes: mean 3.200, 95% half-width 0.400 (needed at most 0.160)" in text


def test_the_edge_scenario_is_what_it_says(edges: Scenario, results: Results) -> None:
    summary = results.summary.set_index(["configuration", "service", "metric"])["mean"]
    for service in ("all", *edges.services):
        assert summary[("siloed", service, "abandoned_share")] == 1.0
        assert math.isnan(summary[("siloed", service, "lead_time_days")])
        assert summary[("integrated", service, "wait_minutes")] == 0.0
        assert summary[("integrated", service, "abandoned_share")] == 0.0
    assert results.replications == 2
