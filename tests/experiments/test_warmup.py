"""Warm-up detection with MSER-5, on synthetic series and on a scenario started empty."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulator.cli import main
from simulator.experiments.executors import Serial
from simulator.experiments.warmup import cut_series, daily_means, horizon_for, mser5, negligible, study_warmup
from simulator.model.calendar import WorkCalendar
from simulator.report.study_plots import warmup_figure
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario

DAYS = np.arange(300)


@pytest.mark.parametrize("seed", range(5))
def test_mser5_cuts_a_known_transient(seed: int) -> None:
    """10 + 30 exp(-t/8) plus noise of sd 1: the bias falls below the noise after about 27 days."""
    noise = np.random.default_rng(seed).normal(0, 1, len(DAYS))
    cut = mser5(10 + 30 * np.exp(-DAYS / 8) + noise)
    assert cut % 5 == 0
    assert 20 <= cut <= 60


@pytest.mark.parametrize("seed", range(5))
def test_mser5_keeps_a_stationary_series(seed: int) -> None:
    assert mser5(10 + np.random.default_rng(seed).normal(0, 1, len(DAYS))) <= 10


def test_mser5_looks_at_the_first_half_only() -> None:
    rising = np.arange(100, dtype=float)
    assert mser5(rising) == 50
    assert mser5([1.0, 2.0, 3.0]) == 0, "too short to batch"


def back_office(per_day: float) -> Scenario:
    """One officer, 192 minutes a file: 2.25 files a day load them to 90%, 0.75 a day to 30%.

    Files take a good part of a working day, so a queue left from one day delays the next
    days' files: the back office carries its state over days, and starting empty shows.
    """
    return validate(
        {
            "name": "back office",
            "seed": 5,
            "horizon_days": 20,
            "replications": 8,
            "agencies": {"office": {"counters": 5, "backoffice": 1, "travel_minutes": 0}},
            "services": {
                "visit": {
                    "arrivals": {"per_day": per_day},
                    "standard_days": 5,
                    "steps": [
                        {"id": "serve", "agency": "office", "counter": 1,
                         "backoffice": {"dist": "exponential", "mean": 192}},
                    ],
                }
            },
            "configurations": {"siloed": {"preset": "siloed"}},
        },
        "back_office.yaml",
    )  # fmt: skip


def test_a_loaded_back_office_started_empty_needs_a_warm_up() -> None:
    loaded = study_warmup(back_office(2.25), 100, 20, ["siloed"], Serial())
    light = study_warmup(back_office(0.75), 100, 20, ["siloed"], Serial())
    assert loaded.suggestion >= 5
    assert light.suggestion < loaded.suggestion, "MSER-5 may cut a noisy light series, but less than a loaded one"
    series = loaded.series[loaded.series["metric"] == "lead_time_days"].set_index("day")["value"]
    assert series.loc[: loaded.suggestion].iloc[:3].mean() < series.loc[loaded.suggestion :].mean(), (
        "the files queue up from an empty office: early lead times are short"
    )


def test_daily_means_are_per_working_day(tiny: Scenario) -> None:
    citizens = pd.DataFrame({
        "configuration": ["a"] * 4, "replication": [0, 0, 1, 1],
        "arrival": [9 * 60.0, 5 * 1440 + 600.0, 600.0, 7 * 1440 + 600.0],  # Monday, Saturday, Monday, next Monday
        "wait_minutes": [1.0, 3.0, 5.0, 7.0], "lead_time_days": [1.0, 1.0, 3.0, 3.0],
    })  # fmt: skip
    means = daily_means(citizens, WorkCalendar(tiny.calendar)).set_index(["metric", "day"])["value"]
    assert means[("wait_minutes", 0)] == 3.0, "day 0 of both replications"
    assert means[("wait_minutes", 5)] == 5.0, "Saturday counts with the following Monday, working day 5"


def test_the_warmup_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "office.yaml"
    path.write_text(yaml.safe_dump(back_office(2.25).model_dump(mode="json")))
    out = tmp_path / "study"
    assert (
        main(["warmup", str(path), "--horizon-days", "40", "--replications", "2", "--jobs", "1", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "suggested warmup_days:" in printed
    cuts = pd.read_csv(out / "cuts.csv")
    assert set(cuts["metric"]) == {"wait_minutes", "lead_time_days"}
    assert len(pd.read_csv(out / "warmup.csv")) == 2 * 40, "the tail beyond the studied days is left out"
    assert (out / "figures" / "warmup.png").exists()


def test_the_warmup_figure_marks_the_cut() -> None:
    series = pd.DataFrame([
        {"configuration": c, "metric": m, "day": d, "value": 10 + d % 3}
        for c in ("siloed", "integrated") for m in ("wait_minutes", "lead_time_days") for d in range(20)
    ])  # fmt: skip
    cuts = pd.DataFrame([{"configuration": "siloed", "metric": "wait_minutes", "cut": 5}])
    figure = warmup_figure(series, cuts, 5)
    assert len(figure.axes) == 2
    wait = figure.axes[0]
    labels = [line.get_label() for line in wait.get_lines()]
    assert {"siloed", "integrated", "suggested warm-up: 5 days"} <= set(labels)
    assert any(list(line.get_xdata()) == [5, 5] for line in wait.get_lines()), "a vertical line at the cut"


def light(seed: int) -> Scenario:
    """One counter, 8 citizens a day, 5 minutes each: waits of about 20 seconds, no back office."""
    return validate(
        {
            "name": "light", "seed": seed, "horizon_days": 30, "replications": 2,
            "agencies": {"office": {"counters": 1, "backoffice": 1, "travel_minutes": 0}},
            "services": {"visit": {"arrivals": {"per_day": 8}, "standard_days": 5, "steps": [
                {"id": "serve", "agency": "office", "counter": {"dist": "exponential", "mean": 5}}]}},
            "configurations": {"siloed": {"preset": "siloed"}},
        },
        "light.yaml",
    )  # fmt: skip


def test_a_wait_that_is_noise_around_zero_does_not_drive_the_warm_up() -> None:
    """MSER-5 cuts the waits of this light office after 50 days, beyond its 30-day horizon: noise, ignored.

    The suggestion is the lead time's cut, with a horizon that keeps the scenario's 30 counted days.
    """
    study = study_warmup(light(5), 100, 2, ["siloed"], Serial())
    cuts = study.cuts.set_index("metric")
    assert cuts.loc["wait_minutes", "cut"] == 50, "what used to be suggested: a warm-up the scenario refuses"
    assert cuts.loc["wait_minutes", "ignored"] and not cuts.loc["lead_time_days", "ignored"]
    waits = study.series[study.series["metric"] == "wait_minutes"]["value"]
    assert 0 < waits.mean() < 1
    assert study.suggestion == cuts.loc["lead_time_days", "cut"] == 10
    assert study.horizon_suggestion == 40


def test_series_flat_at_zero_or_under_a_minute_are_noise() -> None:
    assert negligible([0.0] * 50, "wait_minutes", 480)
    assert negligible([0.0] * 45 + [8.0] * 5, "wait_minutes", 480), "mean 0.8 minute: a few waits, noise"
    assert not negligible([0.0] * 40 + [8.0] * 10, "wait_minutes", 480), "mean 1.6 minutes"
    assert negligible([0.5 / 480] * 50, "lead_time_days", 480), "half a working minute"
    assert not negligible([2 / 480] * 50, "lead_time_days", 480)
    assert negligible([], "wait_minutes", 480), "no completed citizen at all"


def test_cut_series_says_which_series_are_ignored() -> None:
    days = np.arange(100)
    rng = np.random.default_rng(1)
    rows = [("warming", "wait_minutes", d, 10 + 30 * np.exp(-d / 8) + rng.normal(0, 1)) for d in days]
    rows += [("quiet", "wait_minutes", d, 0.0) for d in days]
    series = pd.DataFrame(rows, columns=["configuration", "metric", "day", "value"])
    cuts = cut_series(series, 480).set_index("configuration")
    assert cuts.loc["warming", "cut"] >= 20 and not cuts.loc["warming", "ignored"]
    assert cuts.loc["quiet", "ignored"]


def test_horizon_for_keeps_the_counted_days(tiny: Scenario) -> None:
    """tiny: 3 working days, no warm-up."""
    assert horizon_for(tiny, 0) == 3
    assert horizon_for(tiny, 40) == 43
    assert horizon_for(tiny.model_copy(update={"horizon_days": 30, "warmup_days": 10}), 5) == 30, "fewer: keep it"


def test_the_warmup_command_suggests_a_horizon_when_the_warm_up_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The loaded back office over 5 days: it needs a longer warm-up, so a longer horizon comes with it."""
    scenario = back_office(2.25).model_copy(update={"horizon_days": 5})
    path = tmp_path / "office.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json")))
    out = tmp_path / "study"
    argv = ["warmup", str(path), "--horizon-days", "100", "--replications", "8", "--jobs", "1", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "wait_minutes     cut after 0 working days (ignored: its mean is under 1 minute" in printed
    suggested = int(printed.split("suggested warmup_days: ")[1].split()[0])
    assert suggested >= 5
    assert f"suggested horizon_days: {suggested + 5} with it (the scenario has 5): still 5 counted" in printed
    data = scenario.model_dump(mode="json") | {"warmup_days": suggested, "horizon_days": suggested + 5}
    assert validate(data, "office.yaml").warmup_days == suggested, "the suggestion is a scenario that loads"
    assert pd.read_csv(out / "cuts.csv").columns.tolist() == ["configuration", "metric", "cut", "ignored"]
