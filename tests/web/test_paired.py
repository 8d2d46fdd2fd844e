"""Two runs side by side: paired on the same replications, and what changed between their scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.statistics import interval
from simulator.scenario.loading import load_scenario
from simulator.scenario.schema import changed
from simulator.web.paired import differences, paired, same_citizens

SMALL = Path(__file__).with_name("small.yaml")


def _metrics(configuration: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"configuration": configuration, "service": "all", "replication": range(len(values)),
         "metric": "wait_minutes", "value": values}
    )  # fmt: skip


def test_the_change_is_the_paired_difference_of_the_replications() -> None:
    before = pd.concat([_metrics("siloed", [10.0, 20.0, 30.0, 40.0]), _metrics("only_before", [1.0, 2, 3, 4])])
    after = _metrics("siloed", [8.0, 19.0, 25.0, 37.0])
    table = paired(before, after)
    assert list(table["configuration"]) == ["siloed"]
    row = table.iloc[0]
    differences_ = np.array([-2.0, -1.0, -5.0, -3.0])
    mean, low, high = interval(differences_)
    assert row["difference"] == pytest.approx(mean) and (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["baseline_mean"] == 25.0 and row["mean"] == 22.25 and row["replications"] == 4
    # unpaired, the interval would hold zero: the runs' spread is far wider than their change
    assert high < 0


def test_only_replications_both_ran_are_paired() -> None:
    table = paired(_metrics("a", [1.0, 2.0, 3.0]), _metrics("a", [2.0, 3.0]))
    assert table.iloc[0]["replications"] == 2 and table.iloc[0]["difference"] == 1.0


def test_no_configuration_in_common_gives_an_empty_table() -> None:
    assert paired(_metrics("a", [1.0, 2.0]), _metrics("b", [1.0, 2.0])).empty


def test_what_changed_between_two_scenarios() -> None:
    base = load_scenario(SMALL)
    after = changed(base, {"agencies.licensing.counters": 2, "services.permit.steps.licence.approval_days": 2.0})
    assert differences(base, after) == [
        ("agencies.licensing.counters", 1, 2),
        ("services.permit.steps.licence.approval_days.value", 1.0, 2.0),
    ]
    assert differences(base, base) == []
    assert same_citizens(base, after) and not same_citizens(base, changed(base, {"seed": 7}))
