"""Sweeps: a grid over dotted paths, validated before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator.analysis.metrics import HEADLINE
from simulator.cli import main
from simulator.experiments.executors import Serial
from simulator.experiments.sweeps import Parameter, grid, parameters_of, parse_setting, points, run_sweep
from simulator.report.study_plots import sweep_figure
from simulator.scenario.loading import ScenarioError, read_records, validate
from simulator.scenario.schema import Scenario, changed

WriteScenario = Callable[[dict[str, Any] | str, str], Path]


def test_settings_are_read_like_scenario_values() -> None:
    assert parse_setting("agencies.office.counters=1,2, 3") == Parameter("agencies.office.counters", (1, 2, 3))
    assert parse_setting("configurations.siloed.reveal=one,all").values == ("one", "all")
    assert parse_setting("documents.ktp.p_defective=0.1,1e-2").values == (0.1, 0.01)
    for wrong in ("agencies.office.counters", "=1,2", "agencies.office.counters=1,,2"):
        with pytest.raises(ScenarioError, match="PATH=VALUE"):
            parse_setting(wrong)


def test_the_grid_is_every_combination() -> None:
    parameters = [Parameter("a", (1, 2, 3)), Parameter("b", ("x", "y"))]
    assert grid(parameters) == [{"a": a, "b": b} for a in (1, 2, 3) for b in ("x", "y")]


def test_paths_reach_every_part_of_a_scenario(tiny: Scenario) -> None:
    point = changed(tiny, {
        "agencies.registry.counters": 5,
        "services.visit.steps.stamp.counter": 7,
        "services.visit.steps.0.counter.mean": 9,
        "configurations.integrated.front_office_counters": 4,
        "citizens.rework_days": 3,
    })  # fmt: skip
    assert point.agencies["registry"].counters.default == 5
    assert point.services["visit"].steps[1].counter.expected() == 7
    assert point.services["visit"].steps[0].counter.expected() == 9
    assert point.configurations["integrated"].front_office_counters.default == 4
    assert point.citizens.rework_days == 3
    assert tiny.agencies["registry"].counters.default == 2, "the scenario itself is never changed"


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("agencies.offise.counters=1,2", "unknown key 'offise'; did you mean 'office'?"),
        ("agencies.office.counters=1,-1", "agencies.office.counters: expected a number >= 0, found -1"),
        ("services.visit.steps.stemp.counter=3", "unknown element 'stemp'; did you mean 'stamp'?"),
        ("agencies.office.counters.x=3", "agencies.office.counters is a value"),
        ("agencies.office.counters=0", "has counters: 0"),
    ],
)
def test_a_wrong_point_is_refused_before_anything_runs(tiny: Scenario, setting: str, said: str) -> None:
    with pytest.raises(ScenarioError, match=r"tiny\.yaml: sweep point") as refused:
        points(tiny, [parse_setting(setting)], "tiny.yaml")
    assert said in str(refused.value)


def test_a_sweep_keeps_metrics_per_point(tiny: Scenario) -> None:
    parameters = [parse_setting("agencies.office.counters=1,2"), parse_setting("citizens.rework_days=1,2,3")]
    result = run_sweep(tiny, points(tiny, parameters, "tiny.yaml"), ["siloed", "integrated"], 2, Serial())
    table = result.table
    assert list(table.columns[:5]) == [
        "agencies.office.counters", "citizens.rework_days", "configuration", "service", "metric"
    ]  # fmt: skip
    assert set(table["service"]) == {"all", "visit"}
    assert len(table.drop_duplicates(["agencies.office.counters", "citizens.rework_days"])) == 6
    assert set(table["replications"]) == {2}
    waits = table[
        (table["metric"] == "wait_minutes") & (table["configuration"] == "siloed") & (table["service"] == "all")
    ]
    by_counters = waits.groupby("agencies.office.counters")["mean"].mean()
    assert by_counters[2] <= by_counters[1], "a second counter never lengthens the wait (same citizens)"


def test_the_file_s_sweep_section_and_the_command_line(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path
) -> None:
    tiny_data["sweep"] = {"agencies.office.counters": [1, 2], "citizens.rework_days": [1, 2]}
    path = write_scenario(tiny_data, "tiny.yaml")
    out = tmp_path / "sweep"
    code = main(["sweep", str(path), "--set", "citizens.rework_days=3", "--replications", "2", "--jobs", "1",
                 "--configurations", "siloed", "--keep-records", "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "sweep.csv")
    assert sorted(table["citizens.rework_days"].unique()) == [3], "the command line replaces the file's values"
    assert sorted(table["agencies.office.counters"].unique()) == [1, 2]
    citizens = read_records(out / "citizens.parquet")
    assert {"agencies.office.counters", "citizens.rework_days", "configuration", "replication"} <= set(citizens)
    assert sorted(citizens["agencies.office.counters"].unique()) == [1, 2]
    assert (out / "agencies.csv").exists(), "agencies stay CSV"
    assert (out / "replications.csv").exists() and (out / "manifest.json").exists()


def test_a_bad_path_exits_2_and_writes_nothing(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tiny_data, "tiny.yaml")
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--set", "agencies.taxx.counters=1,2", "--out", str(out)]) == 2
    assert "unknown key 'taxx'" in capsys.readouterr().err
    assert not out.exists()
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "nothing to sweep" in capsys.readouterr().err


def test_a_wrong_sweep_section_is_a_scenario_error(tiny_data: dict[str, Any]) -> None:
    tiny_data["sweep"] = {"agencies.office.counters": [1, -4]}
    with pytest.raises(ScenarioError, match=r"sweep\.agencies\.office\.counters\[1\]: agencies.office.counters"):
        validate(tiny_data, "tiny.yaml")
    tiny_data["sweep"] = {"agencies.office.counters": [2]}
    assert parameters_of(validate(tiny_data, "tiny.yaml"), []) == [Parameter("agencies.office.counters", (2,))]


def test_a_sweep_draws_a_figure_per_headline_metric(
    tiny_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path
) -> None:
    path = write_scenario(tiny_data, "tiny.yaml")
    out = tmp_path / "sweep"
    code = main(["sweep", str(path), "--set", "agencies.office.counters=1,2", "--replications", "2", "--jobs", "1",
                 "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {f"{metric}.{kind}" for metric in HEADLINE for kind in ("png", "svg")} == figures


def test_the_sweep_figure_has_a_curve_and_band_per_configuration() -> None:
    table = pd.DataFrame([
        {"a": a, "b": b, "configuration": c, "metric": "trips", "mean": a + b, "ci_low": a + b - 1,
         "ci_high": a + b + 1, "replications": 3}
        for a in (1, 2, 3) for b in (10, 20) for c in ("siloed", "integrated")
    ])  # fmt: skip
    figure = sweep_figure(table, "trips", ["a", "b"], ["siloed", "integrated"])
    assert len(figure.axes) == 2, "one panel per value of the second parameter"
    for axes in figure.axes:
        assert [line.get_label() for line in axes.get_lines()] == ["siloed", "integrated"]
        assert len(axes.collections) == 2, "a 95% band per configuration"
        assert axes.get_xlabel() == "a"
    assert [axes.get_title(loc="left") for axes in figure.axes] == ["b = 10", "b = 20"]
