"""The IKM survey of PermenPANRB 14/2017 in simulator.analysis.satisfaction."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.satisfaction import baseline_scores, grade, index, score, survey
from simulator.model.streams import Streams
from simulator.scenario.schema import ELEMENTS, Satisfaction, Thresholds

CONTENT: dict[str, Any] = {
    "outcome": "completed",
    "rejections": 0,
    "procedures": 2,
    "lead_time_days": 1.0,
    "standard_days": 2.0,
    "longest_wait_minutes": 10.0,
    "extra_cost_ratio": 1.0,
    "product_errors": 0,
    "competence": 0.9,
    "most_ahead": 0,
}
"""A citizen who scores 4 on every driven element (U1-U6)."""


def citizens(*changes: dict[str, Any]) -> pd.DataFrame:
    """A citizen table: one content citizen per entry, with that entry's changes."""
    return pd.DataFrame([{"citizen": number, **CONTENT, **change} for number, change in enumerate(changes)])


def answers(*changes: dict[str, Any], rules: Satisfaction | None = None, replication: int = 0) -> pd.DataFrame:
    return survey(citizens(*changes), rules or Satisfaction(), Streams(7, replication))


def only(element: str, **change: Any) -> float:
    """The score of one element for a single content citizen with `change`."""
    return float(answers(change)[element].iloc[0])


# ---------------------------------------------------------------- grade


@pytest.mark.parametrize(
    ("ikm", "letter", "performance"),
    [
        (25.0, "D", "Tidak Baik"),
        (64.99, "D", "Tidak Baik"),
        (65.00, "C", "Kurang Baik"),
        (70.0, "C", "Kurang Baik"),
        (76.60, "C", "Kurang Baik"),
        (76.61, "B", "Baik"),
        (88.30, "B", "Baik"),
        (88.31, "A", "Sangat Baik"),
        (100.0, "A", "Sangat Baik"),
    ],
)
def test_grade_boundaries(ikm, letter, performance):
    assert grade(ikm) == (letter, performance)


def test_grade_rounds_to_two_decimals():
    assert grade(64.994)[0] == "D"
    assert grade(64.995)[0] == "C"
    assert grade(88.304)[0] == "B"
    assert grade(88.305)[0] == "A"


def test_grade_of_nan():
    assert grade(math.nan) == ("-", "-")


def test_grade_of_numpy_float():
    assert grade(np.float64(80.0)) == ("B", "Baik")
    assert grade(pd.Series([90.0]).iloc[0]) == ("A", "Sangat Baik")


# ---------------------------------------------------------------- score


@pytest.mark.parametrize(
    ("element", "values", "expected"),
    [
        ("U1", [0, 1, 2, 3, 10], [4, 3, 2, 1, 1]),
        ("U2", [0, 1, 2, 3, 4, 5, 6, 7, 20], [4, 4, 4, 3, 3, 2, 2, 1, 1]),
        ("U3", [0.5, 1.0, 1.2, 1.5, 1.7, 2.0, 2.01, np.inf], [4, 4, 3, 3, 2, 2, 1, 1]),
        ("U4", [0, 1, 1.5, 2, 3, 4, 4.5], [4, 4, 3, 3, 2, 2, 1]),
        ("U5", [0, 1, 2, 5], [4, 2, 1, 1]),
        ("U6", [0.8, 0.9, 0.95, 1.0, 1.1, 1.2, 1.3, 1.4], [4, 4, 3, 3, 3, 2, 2, 1]),
    ],
)
def test_score_default_thresholds(element, values, expected):
    bounds = getattr(Thresholds(), element)
    assert score(np.array(values, dtype=np.float64), bounds).tolist() == expected


# ---------------------------------------------------------------- baseline_scores


def test_fractional_baseline_gives_threes_and_fours_with_that_mean():
    uniforms = np.random.default_rng(3).random(100_000)
    scores = baseline_scores(3.2, uniforms)
    assert set(np.unique(scores)) == {3.0, 4.0}
    assert abs(scores.mean() - 3.2) < 4 * math.sqrt(0.2 * 0.8 / len(uniforms))


@pytest.mark.parametrize(("level", "expected"), [(4.0, 4.0), (1.0, 1.0), (3.0, 3.0), (2.0, 2.0)])
def test_whole_baseline_is_constant(level, expected):
    uniforms = np.random.default_rng(4).random(10_000)
    assert (baseline_scores(level, uniforms) == expected).all()


def test_baseline_scores_threshold_on_uniform():
    """Level 2.25: a uniform below 0.25 gives 3, otherwise 2."""
    np.testing.assert_array_equal(baseline_scores(2.25, np.array([0.0, 0.2499, 0.25, 0.9])), [3, 3, 2, 2])


# ---------------------------------------------------------------- survey: driven elements


def test_content_citizen_scores_four_on_driven_and_three_on_baselines():
    row = answers({}).iloc[0]
    assert [row[e] for e in ELEMENTS] == [4, 4, 4, 4, 4, 4, 3, 3, 3]
    assert row["ikm"] == pytest.approx(25 * 33 / 9, abs=1e-12)


@pytest.mark.parametrize(("rejections", "expected"), [(0, 4), (1, 3), (2, 2), (3, 1), (5, 1)])
def test_u1_from_rejections(rejections, expected):
    assert only("U1", rejections=rejections) == expected


@pytest.mark.parametrize(("procedures", "expected"), [(0, 4), (2, 4), (3, 3), (4, 3), (5, 2), (6, 2), (7, 1)])
def test_u2_from_distinct_counter_procedures(procedures, expected):
    assert only("U2", procedures=procedures) == expected


@pytest.mark.parametrize(
    ("lead", "standard", "expected"),
    [(2.0, 2.0, 4), (0.5, 2.0, 4), (3.0, 2.0, 3), (4.0, 2.0, 2), (4.02, 2.0, 1), (10.0, 5.0, 2), (15.0, 5.0, 1)],
)
def test_u3_from_lead_time_against_standard(lead, standard, expected):
    assert only("U3", lead_time_days=lead, standard_days=standard) == expected


@pytest.mark.parametrize(
    ("lead", "wait", "expected"),
    [(1.0, 30.0, 4), (1.0, 30.5, 3), (3.0, 45.0, 2), (4.0, 45.0, 1), (5.0, 45.0, 1), (5.0, 10.0, 1)],
)
def test_u3_drops_by_one_for_a_long_wait_but_not_below_one(lead, wait, expected):
    assert only("U3", lead_time_days=lead, longest_wait_minutes=wait) == expected


def test_u3_acceptable_wait_is_a_scenario_setting():
    rules = Satisfaction(acceptable_wait_minutes=60)
    assert answers({"longest_wait_minutes": 45.0}, rules=rules)["U3"].iloc[0] == 4
    assert answers({"longest_wait_minutes": 61.0}, rules=rules)["U3"].iloc[0] == 3


@pytest.mark.parametrize("lead", [np.nan, 0.5])
def test_abandoned_citizen_scores_one_on_u3(lead):
    assert only("U3", outcome="abandoned", lead_time_days=lead) == 1
    assert only("U3", outcome="abandoned", lead_time_days=lead, longest_wait_minutes=90.0) == 1


def test_completed_citizen_with_unknown_lead_time_scores_one_on_u3():
    assert only("U3", lead_time_days=np.nan) == 1


@pytest.mark.parametrize(("ratio", "expected"), [(0.0, 4), (1.0, 4), (1.2, 3), (2.0, 3), (3.0, 2), (4.0, 2), (4.1, 1)])
def test_u4_from_cost_beyond_fee(ratio, expected):
    assert only("U4", extra_cost_ratio=ratio) == expected


@pytest.mark.parametrize(("errors", "expected"), [(0, 4), (1, 2), (2, 1), (4, 1)])
def test_u5_from_product_errors(errors, expected):
    assert only("U5", product_errors=errors) == expected


@pytest.mark.parametrize(("competence", "expected"), [(0.9, 4), (1.0, 3), (1.2, 2), (1.4, 1)])
def test_u6_from_competence(competence, expected):
    assert only("U6", competence=competence) == expected


def test_custom_thresholds_are_used():
    rules = Satisfaction(thresholds=Thresholds(U1=(1, 2, 3)))
    assert answers({"rejections": 1}, rules=rules)["U1"].iloc[0] == 4
    assert answers({"rejections": 4}, rules=rules)["U1"].iloc[0] == 1


# ---------------------------------------------------------------- survey: baselines and crowding


@pytest.mark.parametrize(("ahead", "expected"), [(0, 3), (20, 3), (21, 2), (200, 2)])
def test_u9_drops_by_one_when_crowded(ahead, expected):
    assert only("U9", most_ahead=ahead) == expected


def test_u9_crowding_never_goes_below_one():
    rules = Satisfaction(baseline={"U9": 1.0})
    assert answers({"most_ahead": 50}, rules=rules)["U9"].iloc[0] == 1


def test_u9_crowding_threshold_is_a_scenario_setting():
    rules = Satisfaction(crowding=5)
    assert answers({"most_ahead": 6}, rules=rules)["U9"].iloc[0] == 2
    assert answers({"most_ahead": 5}, rules=rules)["U9"].iloc[0] == 3


def test_crowding_does_not_touch_u7_and_u8():
    row = answers({"most_ahead": 100}).iloc[0]
    assert (row["U7"], row["U8"]) == (3, 3)


def test_fractional_baseline_mean_over_many_citizens():
    n = 4000
    result = answers(*[{}] * n, rules=Satisfaction(baseline={"U7": 3.2, "U8": 2.5}))
    assert set(result["U7"].unique()) == {3.0, 4.0}
    assert set(result["U8"].unique()) == {2.0, 3.0}
    assert abs(result["U7"].mean() - 3.2) < 4 * math.sqrt(0.16 / n)
    assert abs(result["U8"].mean() - 2.5) < 4 * math.sqrt(0.25 / n)
    # U7 and U8 come from different streams
    assert (result["U7"] - 3 != result["U8"] - 2).any()


def test_baseline_draw_belongs_to_the_citizen():
    """The same citizen gets the same baseline answer whatever the rest of the table (paired comparisons)."""
    rules = Satisfaction(baseline={"U7": 3.5})
    table = citizens(*[{}] * 300)
    full = survey(table, rules, Streams(7, 0))
    part = table.iloc[::-3]
    again = survey(part, rules, Streams(7, 0))
    np.testing.assert_array_equal(again["U7"].to_numpy(), full.loc[part.index, "U7"].to_numpy())
    other_replication = survey(table, rules, Streams(7, 1))
    assert (other_replication["U7"] != full["U7"]).any()


# ---------------------------------------------------------------- survey: the index


def mixed_table() -> pd.DataFrame:
    return citizens(
        {},
        {"rejections": 1, "procedures": 4, "lead_time_days": 3.5},
        {"rejections": 4, "procedures": 8, "product_errors": 1, "competence": 1.25, "most_ahead": 30},
        {"outcome": "abandoned", "lead_time_days": np.nan, "procedures": 7, "longest_wait_minutes": 120.0},
        {"extra_cost_ratio": 3.0, "competence": 1.05, "longest_wait_minutes": 40.0},
    )


def test_survey_answers_of_a_mixed_table():
    result = survey(mixed_table(), Satisfaction(), Streams(7, 0))
    expected = [
        [4, 4, 4, 4, 4, 4, 3, 3, 3],
        [4 - 1, 3, 2, 4, 4, 4, 3, 3, 3],
        [1, 1, 4, 4, 2, 2, 3, 3, 2],
        [4, 1, 1, 4, 4, 4, 3, 3, 3],
        [4, 4, 3, 2, 4, 3, 3, 3, 3],
    ]
    assert result[list(ELEMENTS)].to_numpy().tolist() == expected
    assert list(result.columns) == [*ELEMENTS, "ikm"]


def test_ikm_is_25_times_mean_with_exact_ninths():
    result = survey(mixed_table(), Satisfaction(), Streams(7, 0))
    totals = result[list(ELEMENTS)].sum(axis=1)
    np.testing.assert_allclose(result["ikm"], 25 * totals / 9, rtol=0, atol=1e-12)
    rounded_weights = 25 * 0.111 * totals
    assert (abs(result["ikm"] - rounded_weights) > 0.05).all()


def test_rounded_weight_would_change_the_grade():
    """Element sums 32, 32, 32, 32, 31: IKM 88.33 (A) with 1/9, 88.25 (B) with 0.111."""
    table = citizens({}, {}, {}, {}, {"rejections": 1})
    rules = Satisfaction(baseline={"U7": 3.0, "U8": 3.0, "U9": 2.0})
    result = survey(table, rules, Streams(7, 0))
    assert result[list(ELEMENTS)].sum(axis=1).tolist() == [32, 32, 32, 32, 31]
    assert index(result) == pytest.approx(25 * 31.8 / 9, abs=1e-12)
    assert grade(index(result))[0] == "A"
    assert grade(25 * 0.111 * 31.8)[0] == "B"


def test_index_is_the_mean_of_the_respondents_ikm():
    result = survey(mixed_table(), Satisfaction(), Streams(7, 0))
    assert index(result) == pytest.approx(result["ikm"].mean(), abs=1e-12)


def test_abandoned_answer_by_default():
    result = survey(mixed_table(), Satisfaction(), Streams(7, 0))
    assert result.notna().all().all()


def test_abandoned_do_not_answer_when_the_scenario_says_so():
    table = mixed_table()
    everyone = survey(table, Satisfaction(), Streams(7, 0))
    result = survey(table, Satisfaction(abandoned_respond=False), Streams(7, 0))
    abandoned = table["outcome"] == "abandoned"
    assert result[abandoned].isna().all().all()
    pd.testing.assert_frame_equal(result[~abandoned], everyone[~abandoned])
    assert index(result) == pytest.approx(everyone.loc[~abandoned, "ikm"].mean(), abs=1e-12)


def test_survey_keeps_the_citizen_table_index():
    table = mixed_table()
    table.index = [10, 20, 30, 40, 50]
    result = survey(table, Satisfaction(abandoned_respond=False), Streams(7, 0))
    assert result.index.tolist() == [10, 20, 30, 40, 50]
    assert result.loc[40].isna().all()
    assert result.loc[30, "U1"] == 1
    assert result.loc[50, "U4"] == 2


def test_custom_weights():
    weights = {"U1": 0.2, "U2": 0.2, "U3": 0.2, "U4": 0.1, "U5": 0.1, "U6": 0.05, "U7": 0.05, "U8": 0.05, "U9": 0.05}
    result = survey(mixed_table(), Satisfaction(weights=weights), Streams(7, 0))
    expected = 25 * sum(result[e] * w for e, w in weights.items())
    np.testing.assert_allclose(result["ikm"], expected, rtol=0, atol=1e-12)
    # the second citizen: 25 * (0.2*3 + 0.2*3 + 0.2*2 + 0.1*4 + 0.1*4 + 0.05*4 + 0.05*3*3)
    assert result["ikm"].iloc[1] == pytest.approx(25 * 3.05, abs=1e-12)


def test_an_added_element():
    n = 2000
    rules = Satisfaction(baseline={"U10": 3.5})
    result = answers(*[{}] * n, rules=rules)
    assert list(result.columns) == [*ELEMENTS, "U10", "ikm"]
    assert set(result["U10"].unique()) == {3.0, 4.0}
    assert abs(result["U10"].mean() - 3.5) < 4 * math.sqrt(0.25 / n)
    expected = 25 * result[[*ELEMENTS, "U10"]].sum(axis=1) / 10
    np.testing.assert_allclose(result["ikm"], expected, rtol=0, atol=1e-12)


def test_an_added_element_with_weights():
    weights = {e: 0.1 for e in ELEMENTS} | {"U10": 0.1}
    weights["U1"] = 0.15
    weights["U9"] = 0.05
    rules = Satisfaction(baseline={"U10": 4.0}, weights=weights)
    row = answers({"rejections": 3}, rules=rules).iloc[0]
    # U1 = 1, U2-U6 = 4, U7-U9 = 3, U10 = 4
    assert row["ikm"] == pytest.approx(25 * (0.15 * 1 + 0.1 * 4 * 5 + 0.1 * 3 * 2 + 0.05 * 3 + 0.1 * 4), abs=1e-12)
