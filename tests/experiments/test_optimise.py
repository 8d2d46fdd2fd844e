"""The optimiser from the command line: its question checked at the edge, its answer, files, figures and words."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator.cli import main
from simulator.experiments.executors import Serial
from simulator.experiments.optimise import Optimum, optimise
from simulator.experiments.optimise_question import (
    MONTH_DAYS,
    MONTHLY,
    PER_CASE,
    Objective,
    Question,
    known_metrics,
    make_variable,
    monthly_cost,
    parse_objective,
    parse_requirement,
)
from simulator.experiments.optimise_search import space_of
from simulator.experiments.runs import metrics_frame, run_once
from simulator.report.optimise_plots import frontier_figure, staffing_figure
from simulator.report.optimise_text import brief_section, markdown
from simulator.scenario.loading import ScenarioError, load_scenario, validate
from simulator.scenario.schema import Scenario

WriteScenario = Callable[[dict[str, Any] | str, str], Path]
WAGE = 10.0


OFFICE: dict[str, Any] = {
    "name": "busy office",
    "seed": 1,
    "horizon_days": 3,
    "replications": 2,
    "documents": {"ktp": {"p_defective": 0.1}, "letter": {"p_defective": 0.3}},
    "agencies": {
        "office": {"counters": 1, "backoffice": 2, "travel_minutes": 10, "wage_per_hour": WAGE},
        "registry": {"counters": 2, "backoffice": 1, "travel_minutes": 20, "wage_per_hour": WAGE},
    },
    "services": {
        "visit": {
            "arrivals": {"per_day": 60},
            "standard_days": 2,
            "steps": [
                {"id": "serve", "agency": "office", "counter": {"dist": "exponential", "mean": 5}, "backoffice": 10,
                 "requires": ["ktp"]},
                {"id": "stamp", "agency": "registry", "counter": 5, "requires": ["serve", "letter"]},
            ],
        }
    },
    "configurations": {
        "siloed": {"preset": "siloed"},
        "integrated": {"preset": "whole_of_government", "front_office_counters": 3},
    },
}  # fmt: skip
"""Two steps at two agencies, busy enough that one counter at the office cannot keep up; staff paid a wage."""


@pytest.fixture
def office_data() -> dict[str, Any]:
    return copy.deepcopy(OFFICE)


@pytest.fixture
def office(office_data: dict[str, Any]) -> Scenario:
    return validate(office_data, "office.yaml")


@pytest.fixture
def office_file(office_data: dict[str, Any], write_scenario: WriteScenario) -> Path:
    return write_scenario(office_data, "office.yaml")


VARY = ["--vary", "agencies.office.counters=1..4", "--vary", "agencies.registry.counters=1..3"]
SMALL = ["--replications", "3", "--max-replications", "12"]


def question(scenario: Scenario, *requirements: str, **settings: Any) -> Question:
    variables = tuple(
        make_variable(scenario, "siloed", text, "office.yaml")
        for text in ("agencies.office.counters=1..4", "agencies.registry.counters=1..3")
    )
    needs = tuple(parse_requirement(scenario, text, "office.yaml") for text in requirements)
    return Question(scenario, "siloed", variables, needs, **({"first": 3, "most": 12} | settings))


@pytest.fixture(scope="module")
def answered() -> Optimum:
    """One optimisation of the busy office, shared by the tests of its answer, words and figures."""
    return optimise(question(validate(copy.deepcopy(OFFICE), "office.yaml"), "wait_minutes<=8", "ikm>=70"), Serial())


def test_vary_names_staffing_fields_as_sweep_does(office: Scenario, office_data: dict[str, Any]) -> None:
    variable = make_variable(office, "integrated", "front_office_counters=2..5", "office.yaml")
    assert (variable.path, variable.low, variable.high) == ("configurations.integrated.front_office_counters", 2, 5)
    assert make_variable(office, "siloed", "agencies.office.counters = 1..3", "x").path == "agencies.office.counters"
    office_data["configurations"]["integrated"]["agencies"] = {"office": {"backoffice": 3}}
    changed = validate(office_data, "office.yaml")
    where = make_variable(changed, "integrated", "agencies.office.backoffice=2..4", "office.yaml").path
    assert where == "configurations.integrated.agencies.office.backoffice", "set where the configuration sets it"


@pytest.mark.parametrize(
    ("configuration", "text", "said"),
    [
        ("siloed", "agencies.office.wage_per_hour=1..3", "not a staffing number"),
        ("siloed", "agencies.office.counters=3..1", "the range is empty"),
        ("siloed", "agencies.office.counters=1-3", "expected PATH=LOW..HIGH"),
        ("siloed", "agencies.office.counters=1.5..3", "expected PATH=LOW..HIGH"),
        ("siloed", "agencies.offise.counters=1..3", "unknown key 'offise'; did you mean 'office'?"),
        ("siloed", "agencies.office.counters=0..3", "has counters: 0"),
        ("siloed", "agencies.office.backoffice=0..2", "has back-office work"),
        ("integrated", "agencies.office.counters=1..3", "changes no staff of configuration 'integrated'"),
        ("integrated", "front_office_counters=0..3", "expected a number >= 1"),
        ("integrated", "configurations.siloed.front_office_counters=1..3", "belongs to configuration 'siloed'"),
    ],
)
def test_wrong_ranges_are_refused(office: Scenario, configuration: str, text: str, said: str) -> None:
    with pytest.raises(ScenarioError, match="--vary") as error:
        make_variable(office, configuration, text, "office.yaml")
    assert said in str(error.value)


def test_requirements_name_a_metric_of_summary_and_a_threshold(office: Scenario) -> None:
    need = parse_requirement(office, " wait_minutes_p90 <= 30 ", "x")
    assert (need.metric, need.service, need.at_most, need.threshold, need.monotone) == (
        "wait_minutes_p90", "all", True, 30.0, True,
    )  # fmt: skip
    assert parse_requirement(office, "ikm>=76.61", "x").monotone
    assert not parse_requirement(office, "ikm<=90", "x").monotone, "more staff do not help to keep the IKM low"
    assert not parse_requirement(office, "trips<=2", "x").monotone, "trips are not known to fall with staff"
    assert parse_requirement(office, "U3>=3", "x").metric == "U3"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("ikm>76", "expected METRIC<=NUMBER or METRIC>=NUMBER"),
        ("ikm>=high", "expected METRIC<=NUMBER"),
        ("ikm>=nan", "expected METRIC<=NUMBER"),
        ("ikn>=76", "unknown metric 'ikn'; did you mean 'ikm'?"),
        ("ikm[permit]>=70", "unknown service 'permit'"),
        ("ikm[visits]>=70", "unknown service 'visits'; did you mean 'visit'?"),
    ],
)
def test_wrong_requirements_are_refused(office: Scenario, text: str, said: str) -> None:
    with pytest.raises(ScenarioError, match="--require") as error:
        parse_requirement(office, text, "office.yaml")
    assert said in str(error.value)


def test_a_service_is_named_in_brackets(office: Scenario) -> None:
    need = parse_requirement(office, "ikm[visit]>=70", "x")
    assert (need.metric, need.service, need.label, need.text) == ("ikm", "visit", "ikm[visit]", "ikm[visit]>=70")
    assert parse_requirement(office, "ikm[all]>=70", "x").label == "ikm"


def test_objectives(office: Scenario) -> None:
    assert parse_objective(office, None, False, None, "x") == Objective(MONTHLY)
    assert parse_objective(office, PER_CASE, False, None, "x").trend == "rises"
    assert parse_objective(office, "ikm", True, 1000.0, "x") == Objective("ikm", "all", True)
    assert parse_objective(office, "wait_minutes_p90", False, 1000.0, "x").trend == "improves"
    wrong = [
        ("ikm", True, None, "needs --budget"),
        ("ikm", False, 1000.0, "more staff never make worse"),
        ("trips", False, 1000.0, "more staff never make worse"),
        ("staf_cost_per_case", False, None, "did you mean"),
        ("ikm!", True, 1000.0, "expected a metric"),
    ]
    for text, maximise, budget, said in wrong:
        with pytest.raises(ScenarioError, match="--m") as error:
            parse_objective(office, text, maximise, budget, "x")
        assert said in str(error.value)
    with pytest.raises(ScenarioError, match="--budget needs --maximise"):
        parse_objective(office, None, False, 1000.0, "x")


def test_every_metric_of_a_run_can_be_required(office: Scenario) -> None:
    produced = set(metrics_frame([run_once(office, "siloed", 0, records=False)])["metric"])
    assert produced == set(known_metrics(office))


def test_the_monthly_cost_is_the_staff_paid_for_a_month_of_opening_hours(office: Scenario) -> None:
    staff = 1 + 2 + 2 + 1  # office counters and back office, registry counters and back office
    workdays = 5 * MONTH_DAYS / 7
    assert monthly_cost(office, "siloed") == pytest.approx(staff * WAGE * 8 * workdays)


def test_the_grid_costs_are_exact(office: Scenario) -> None:
    """Costs are linear in staff: the grid made from a corner and one step up each way matches every staffing."""
    asked = question(office, "wait_minutes<=8", budget=12_200.0)
    grid = space_of(asked, "office.yaml")
    for cell in np.ndindex(*grid.shape):
        staffing = grid.staffing(cell)
        assert grid.cost[cell] == pytest.approx(monthly_cost(asked.at(staffing), "siloed"))
        assert grid.allowed[cell] == (grid.cost[cell] <= 12_200.0)


def test_the_answer_is_the_cheapest_shown_to_meet_the_requirements(answered: Optimum) -> None:
    table = answered.candidates
    assert answered.chosen is not None
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["status"] == "feasible"
    assert not ((table["status"] == "feasible") & (table[MONTHLY] < chosen[MONTHLY])).any()
    numbers = answered.numbers[answered.numbers["service"] == "all"].set_index("metric")
    assert numbers.loc["wait_minutes", "ci_high"] <= 8 and numbers.loc["ikm", "ci_low"] >= 70
    assert (numbers["replications"] == numbers["replications"].max()).all()
    assert answered.simulations["confirmation"] == numbers["replications"].max()
    assert answered.confirmations == 1
    replications = answered.replications
    assert set(replications["stage"]) == {"search", "confirmation"}
    assert (replications.loc[replications["stage"] == "confirmation", "replication"] >= 12).all()
    runs = replications[["candidate", "stage", "replication"]].drop_duplicates()
    assert len(runs) == answered.total_simulations


def test_the_brief_section_in_both_languages(answered: Optimum) -> None:
    english, indonesian = brief_section(answered, "en"), brief_section(answered, "id")
    cost = f"{answered.chosen_cost:,.0f}"
    assert "The cheapest staffing of siloed" in english[0] and f"costs {cost} a month" in english[0]
    assert "termurah" in indonesian[0] and f"{cost.replace(',', '.')} per bulan" in indonesian[0]
    assert "With 95% confidence it meets every requirement" in english[1]
    assert f"{answered.total_simulations} simulations" in english[1]
    assert "tingkat kepercayaan 95%" in indonesian[1]
    text = markdown(answered)
    assert english[0] in text and indonesian[0] in text and "| wait_minutes | all |" in text


def test_the_brief_section_when_nothing_meets(office: Scenario) -> None:
    none = optimise(question(office, "wait_minutes<=-1"), Serial())
    assert none.chosen is None and none.numbers.empty
    paragraph = brief_section(none, "en")[0]
    assert "could be shown to meet the wait at most -1 minutes" in paragraph
    assert "missed wait_minutes<=-1" in paragraph


def test_frontier_figure(answered: Optimum) -> None:
    figure = frontier_figure(answered, "wait_minutes")
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    simulated = answered.candidates[answered.candidates["replications"] > 0]
    points = sum(len(line.get_xdata()) for line in axes.get_lines() if line.get_marker() in ("o", "*"))
    assert points == len(simulated) + 1  # every staffing simulated, and the chosen one again as a star
    assert any(line.get_linestyle() == "--" for line in axes.get_lines()), "the requirement's threshold"
    assert "Staff cost a month against the wait" in figure.texts[0].get_text()


def test_the_briefs_staffing_figure(answered: Optimum) -> None:
    """Against the IKM and the 90th-percentile wait side by side, one legend, only the chosen staffing named."""
    figure = staffing_figure(answered, "id")
    simulated = answered.candidates[answered.candidates["replications"] > 0]
    assert [axes.get_ylabel() for axes in figure.axes] == ["IKM", "Waktu tunggu persentil ke-90 (menit)"]
    for axes in figure.axes:
        points = sum(len(line.get_xdata()) for line in axes.get_lines() if line.get_marker() in ("o", "*"))
        assert points == len(simulated) + 1
        chosen = simulated[simulated["chosen"]].iloc[0]
        assert [text.get_text() for text in axes.texts] == [
            f"{chosen['agencies.office.counters']}, {chosen['agencies.registry.counters']}"
        ]
    assert len(figure.legends) == 1 and "terpilih" in [text.get_text() for text in figure.legends[0].get_texts()]
    figure.axes[0].set_ylim(70, 71)  # ticks with decimals
    figure.canvas.draw()  # the tick labels are made when drawn
    ticks = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert "70,2" in ticks and not any("." in tick for tick in ticks), ticks  # Indonesian: a decimal comma


def run_cli(office_file: Path, out: Path, *more: str, vary: list[str] = VARY) -> int:
    arguments = ["optimise", str(office_file), "--configuration", "siloed", *vary, *SMALL, "--out", str(out)]
    return main([*arguments, *more])


def test_optimise_writes_its_folder(office_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "best"
    assert run_cli(office_file, out, "--require", "wait_minutes<=8", "--executor", "serial") == 0
    printed = capsys.readouterr().out
    assert "The cheapest staffing of siloed" in printed and "With 95% confidence" in printed
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for name in ("candidates.csv", "replications.csv", "chosen.csv", "chosen.yaml", "optimise.md", "scenario.yaml",
                 "manifest.json", "stress-des.md", "figures/frontier_ikm.png", "figures/frontier_wait_minutes_p90.svg",
                 "figures/frontier_wait_minutes.png"):  # fmt: skip
        assert name in files, name
    manifest = json.loads((out / "manifest.json").read_text())
    settings = manifest["optimise"]
    chosen = settings["chosen"]
    again = load_scenario(out / "chosen.yaml")
    assert again.agencies["office"].counters.default == chosen["agencies.office.counters"]
    assert again.agencies["registry"].counters.default == chosen["agencies.registry.counters"]
    assert settings["simulations"]["total"] == sum(settings["simulations"][k] for k in ("search", "selection",
                                                                                         "confirmation"))  # fmt: skip
    candidates = pd.read_csv(out / "candidates.csv")
    assert candidates["chosen"].sum() == 1 and set(candidates.columns) >= {MONTHLY, "status", "wait_minutes_ci_low"}


def test_results_do_not_depend_on_the_workers(office_file: Path, tmp_path: Path) -> None:
    vary = ["--vary", "agencies.office.counters=1..4"]
    for jobs, out in (("1", tmp_path / "one"), ("2", tmp_path / "two")):
        more = ("--require", "wait_minutes<=8", "--jobs", jobs, "--no-plots", "--quiet")
        assert run_cli(office_file, out, *more, vary=vary) == 0
    for name in ("candidates.csv", "replications.csv", "chosen.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.parametrize(
    ("more", "said"),
    [
        (["--require", "ikm>=70", "--configuration", "silod"], "--configuration: unknown configuration 'silod'"),
        (["--require", "ikn>=70"], "--require ikn>=70: unknown metric 'ikn'"),
        (["--require", "ikm=70"], "--require ikm=70: expected METRIC<=NUMBER"),
        (["--vary", "agencies.office.travel_minutes=1..3", "--require", "ikm>=70"], "not a staffing number"),
        (
            ["--vary", "agencies.office.counters=1..4", "--require", "ikm>=70"],
            "agencies.office.counters is given twice",
        ),
        ([], "nothing to meet: give --require"),
        (["--require", "ikm>=70", "--budget", "5000", "--maximise", "ikm"], "--budget 5,000: the least staff"),
        (["--require", "ikm>=70", "--replications", "8", "--max-replications", "4"], "--max-replications 4 is fewer"),
        (["--maximise", "ikm"], "needs --budget"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    office_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], more: list[str], said: str
) -> None:
    out = tmp_path / "best"
    assert run_cli(office_file, out, *more) == 2
    error = capsys.readouterr().err
    assert said in error and "Traceback" not in error
    assert not out.exists()


def test_ranges_that_cannot_be_met_exit_2(
    office_data: dict[str, Any], write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    office_data["services"]["visit"]["arrivals"]["per_day"] = 400
    out = tmp_path / "best"
    assert run_cli(write_scenario(office_data, "busy.yaml"), out, "--require", "ikm>=70") == 2
    error = capsys.readouterr().err
    assert "the ranges cannot be met: even with the most staff" in error and "raise the ranges" in error
    assert not out.exists()


def test_vary_is_required(office_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "best"
    assert main(["optimise", str(office_file), "--configuration", "siloed", "--require", "ikm>=1", "--out",
                 str(out)]) == 2  # fmt: skip
    assert "nothing to vary" in capsys.readouterr().err and not out.exists()


def test_the_lowest_cost_per_case(office: Scenario) -> None:
    """Cost per case only grows with staff once the requirements hold: the least staffed feasible ones contend."""
    asked = question(office, "wait_minutes<=8", objective=Objective(PER_CASE))
    answer = optimise(asked, Serial())
    assert answer.chosen is not None and answer.selection is not None
    table = answer.candidates
    feasible = table[table["status"] == "feasible"]
    paths = ["agencies.office.counters", "agencies.registry.counters"]
    chosen = table[table["chosen"]][paths].to_numpy()[0]
    assert not any((row <= chosen).all() and (row != chosen).any() for row in feasible[paths].to_numpy())
    assert "with the lowest staff cost per case that meets the wait at most 8 minutes" in brief_section(answer)[0]
    assert answer.question.alphas == pytest.approx((0.025, 0.025))
