"""The benchmark runner's quick mode: every section comes out, with sane numbers.

It never asserts on speed: how fast anything runs is what the table reports,
not what a test checks. Ciw is optional (`make test` does not install the
`bench` extra); without it the runner leaves its rows out and says so.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("Floor and peer", "Realistic", "Growth", "Parallel", "Optimise", "Records", "Scale", "Fit", "Targets")
ERLANG_C = {1: 9.0, 5: 6.4286}  # stations -> total mean wait: M/M/1 at rho 0.9, five M/M/2 at rho 0.75


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("bench")
    markdown, samples = folder / "RESULTS.md", folder / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--output", str(markdown), "--json", str(samples)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return {"table": done.stdout, "markdown": markdown.read_text(), "json": json.loads(samples.read_text())}


def positive(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x > 0


def test_every_section_is_printed_and_written(quick: dict[str, Any]) -> None:
    for title in SECTIONS:
        assert title in quick["table"], title
        assert f"### {title}" in quick["markdown"], title
    assert "cpu:" in quick["table"]
    assert "quick mode" in quick["table"]
    for name in ("python", "packages", "date", "cores"):
        assert f"| {name} |" in quick["markdown"]


def test_ciw_is_measured_or_said_to_be_missing(quick: dict[str, Any]) -> None:
    labels = [task["label"] for task in quick["json"]["sections"]["floor"]]
    if importlib.util.find_spec("ciw") is None:
        assert "Ciw is not installed" in quick["table"]  # and the table still comes out
        assert not any("Ciw" in label for label in labels)
    else:
        assert {"M/M/1: Ciw", "tandem: Ciw"} <= set(labels)


def test_every_target_has_a_verdict(quick: dict[str, Any]) -> None:
    targets = quick["json"]["targets"]
    assert len(targets) >= 6
    names = " ".join(t["name"] for t in targets)
    for word in ("M/M/1", "tandem", "memory", "growth", "parallel", "optimise", "whole command", "Parquet"):
        assert word in names
    block = quick["table"].split("Targets (reported, not asserted)")[1].split("\n\n")[0]
    rows = block.strip().splitlines()[2:]  # under the rule and the column names
    assert len(rows) == len(targets)
    assert all(row.rstrip().endswith(("PASS", "FAIL", "n/a")) for row in rows)


def test_samples_are_sane(quick: dict[str, Any]) -> None:
    sections = quick["json"]["sections"]
    assert set(sections) == {"floor", "realistic", "growth", "parallel", "optimise", "records", "scale", "fit"}
    for section in sections.values():
        for task in section:
            assert task["samples"], task["label"]
            for sample in task["samples"]:
                assert positive(sample["seconds"]), task["label"]
                assert sample["process_seconds"] >= sample["seconds"]
                assert positive(sample["peak_rss_mb"]) and positive(sample["after_imports_mb"])
                assert sample["peak_rss_mb"] >= sample["after_imports_mb"] * 0.9
                assert sample["peak_rss_mb"] < 4096


def test_the_three_tools_do_the_same_work(quick: dict[str, Any]) -> None:
    for task in quick["json"]["sections"]["floor"]:
        stations = task["params"]["stations"]
        for sample in task["samples"]:
            assert sample["customers"] > 0
            theory = ERLANG_C[stations]
            assert theory / 5 < sample["mean_wait"] < theory * 5, (task["label"], sample["mean_wait"])
            assert len(sample["station_waits"]) == stations
            assert all(w >= 0 for w in sample["station_waits"])
            assert sum(sample["station_waits"]) == pytest.approx(sample["mean_wait"], rel=0.2)


def test_realistic_growth_and_parallel_count_what_they_ran(quick: dict[str, Any]) -> None:
    sections = quick["json"]["sections"]
    for task in sections["realistic"]:
        sample = task["samples"][0]
        assert sample["citizens"] > 0 and sample["contacts"] > 0
    growth = [task["samples"][0]["customers"] for task in sections["growth"]]
    assert growth == sorted(growth) and growth[-1] > growth[0]
    serial, parallel, ceiling = (task["samples"][0] for task in sections["parallel"])
    assert serial["citizens"] == parallel["citizens"] > 0  # the same replications on any number of workers
    assert ceiling["replications"] == serial["replications"] and ceiling["seconds"] > 0


def test_optimise_gives_the_grids_answer_from_fewer_simulations(quick: dict[str, Any]) -> None:
    search, grid = (task["samples"][0] for task in quick["json"]["sections"]["optimise"])
    assert search["chosen"] is not None and search["chosen"] == grid["chosen"]
    assert search["chosen_cost"] == grid["chosen_cost"]
    assert 0 < search["simulations"] < grid["simulations"]
    assert grid["judged"] == grid["grid"] > search["judged"]
    assert search["simulations"] == sum(search["stages"].values())


def test_records_and_scale_measure_the_whole_command(quick: dict[str, Any]) -> None:
    sections = quick["json"]["sections"]
    by_label = {task["label"]: task["samples"][0] for task in sections["records"]}
    floor = by_label.pop("M/M/1: raw SimPy script")
    assert floor["customers"] > 0
    demo = {label.rsplit(", ", 1)[1]: sample for label, sample in by_label.items() if "the demo" in label}
    assert 0 < demo["parquet"]["record_bytes"] < demo["csv"]["record_bytes"]
    assert set(demo["parquet"]["files"]) == {f"{name}.parquet" for name in ("citizens", "contacts", "work", "hours")}
    few, many = (sample for label, sample in by_label.items() if "replications" in label)
    assert 0 < few["citizens"] < many["citizens"], "more replications, more citizens recorded"
    province = [task["samples"][0]["citizens"] for task in sections["scale"]]
    assert province == sorted(province) and province[0] > 0


def test_fit_reads_the_log_it_was_given_and_recovers_its_arrivals(quick: dict[str, Any]) -> None:
    (task,) = quick["json"]["sections"]["fit"]
    log, sample = task["log"], task["samples"][0]
    assert log["tickets"] >= 20_000 and log["copies"] > 1 and log["bytes"] > 0
    assert sample["days"] == 20 * log["copies"]  # each copy four weeks of working days, no holiday
    truth = {"ktp": 45 * 2, "kk": 30 * 2}  # the bundled office's arrivals a day, times the quick mode's scale
    for service, per_day in truth.items():
        assert sample["per_day"][service] == pytest.approx(per_day, rel=0.15), service
