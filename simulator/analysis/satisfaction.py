"""The IKM of PermenPANRB 14/2017: every simulated citizen answers the survey.

Each element (unsur) is scored 1-4 from what happened to the citizen, or from
the scenario's baseline; the index is the weighted mean score (NRR) times 25,
with weights of exactly 1/9 unless the scenario sets its own.

>>> grade(76.60), grade(76.61)
(('C', 'Kurang Baik'), ('B', 'Baik'))
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from simulator.model.streams import Streams
from simulator.scenario.schema import Satisfaction

GRADES = (
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
)


def grade(ikm: float) -> tuple[str, str]:
    """The category of an IKM value (rounded to two decimals): letter and performance."""
    if math.isnan(ikm):
        return ("-", "-")
    value = Decimal(repr(float(ikm))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for lowest, letter, performance in GRADES:
        if value >= lowest:
            return (letter, performance)
    return GRADES[-1][1:]


def score(values: np.ndarray, bounds: tuple[float, float, float]) -> np.ndarray:
    """4 up to the first bound, 3 up to the second, 2 up to the third, 1 beyond."""
    places: np.ndarray = np.searchsorted(np.asarray(bounds, dtype=np.float64), values, side="left")
    return 4 - places


def baseline_scores(level: float, uniforms: np.ndarray) -> np.ndarray:
    """Whole scores around a (possibly fractional) baseline: 3.2 gives 3 or 4, with mean 3.2."""
    whole = math.floor(level)
    scores: np.ndarray = np.minimum(whole + (uniforms < level - whole), 4)
    return scores.astype(np.float64)


def survey(citizens: pd.DataFrame, rules: Satisfaction, streams: Streams) -> pd.DataFrame:
    """The survey answers (one column per element) and each respondent's IKM.

    `citizens` needs the columns of the citizen table: rejections (U1),
    procedures (U2: distinct counter procedures faced), lead_time_days,
    standard_days, outcome and longest_wait_minutes (U3), extra_cost_ratio
    (U4: paid beyond the fee, over the fee or one trip's cost if more),
    product_errors (U5), competence (U6), most_ahead (U9), citizen.
    Citizens who do not answer (abandoned ones, if the scenario says so) get NaN.
    """
    limits = rules.thresholds
    abandoned = (citizens["outcome"] == "abandoned").to_numpy()
    answers: dict[str, np.ndarray] = {}

    def answer(element: str, scores: np.ndarray) -> None:
        answers[element] = scores.astype(np.float64)

    answer("U1", score(citizens["rejections"].to_numpy(), limits.U1))
    answer("U2", score(citizens["procedures"].to_numpy(), limits.U2))
    ratio = (citizens["lead_time_days"] / citizens["standard_days"]).to_numpy()
    timely = np.where(abandoned, 1, score(np.nan_to_num(ratio, nan=np.inf), limits.U3))
    too_long = citizens["longest_wait_minutes"].to_numpy() > rules.acceptable_wait_minutes
    answer("U3", np.maximum(timely - too_long, 1))
    answer("U4", score(citizens["extra_cost_ratio"].to_numpy(), limits.U4))
    answer("U5", score(citizens["product_errors"].to_numpy(), limits.U5))
    answer("U6", score(citizens["competence"].to_numpy(), limits.U6))
    who = citizens["citizen"].to_numpy()
    for element in rules.elements[6:]:
        drawn = baseline_scores(rules.baseline_of(element), streams.keyed(f"baseline:{element}").many(who))
        if element == "U9":
            crowded = citizens["most_ahead"].to_numpy() > rules.crowding
            drawn = np.maximum(drawn - crowded, 1)
        answer(element, drawn)
    answers["ikm"] = 25 * sum((answers[e] * rules.weight_of(e) for e in rules.elements), np.zeros(len(who)))
    if not rules.abandoned_respond:
        for values in answers.values():
            values[abandoned] = np.nan
    return pd.DataFrame(answers, index=citizens.index, copy=False)


def index(answers: pd.DataFrame) -> float:
    """The IKM of a group of respondents: NRR-weighted mean score times 25."""
    return float(answers["ikm"].mean())
