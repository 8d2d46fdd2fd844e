"""Two runs of the page side by side: what changed between their scenarios, and by how much the numbers moved.

Replication r of every run draws from the streams of (seed, r), so two runs of
the same seed meet the same citizens: the change of each configuration is the
paired difference of its replications, computed by `statistics.compare` as
`run` compares configurations.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from simulator.analysis.statistics import COMPARISON_COLUMNS, compare
from simulator.scenario.schema import Scenario

BEFORE, AFTER = "before", "after"


def paired(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The second run minus the first, per configuration both ran, service and metric, on the same replications.

    Takes two `replications.csv` frames (configuration, service, replication,
    metric, value); gives `compare`'s columns with `configuration` the
    configuration and `baseline` the word 'before'.
    """
    names = [name for name in dict.fromkeys(after["configuration"]) if name in set(before["configuration"])]
    frames = []
    for name in names:
        both = pd.concat(
            [
                before[before["configuration"] == name].assign(configuration=BEFORE),
                after[after["configuration"] == name].assign(configuration=AFTER),
            ],
            ignore_index=True,
        )
        frames.append(compare(both, BEFORE).assign(configuration=name))
    if not frames:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _flat(node: Any, path: str = "") -> dict[str, Any]:
    """A dumped scenario as {dotted path: value}; list elements by their id (or position)."""
    if isinstance(node, dict):
        if not node and path:
            return {path: node}
        return {k: v for key, child in node.items() for k, v in _flat(child, f"{path}.{key}" if path else key).items()}
    if isinstance(node, list) and node and all(isinstance(item, dict) and "id" in item for item in node):
        return {k: v for item in node for k, v in _flat(item, f"{path}.{item['id']}").items()}
    return {path: node}


def differences(before: Scenario, after: Scenario) -> list[tuple[str, Any, Any]]:
    """Every dotted path whose value differs between two scenarios: (path, before, after); None where absent.

    >>> from simulator.scenario.loading import load_scenario
    >>> from simulator.scenario.schema import changed
    >>> base = load_scenario("scenarios/business_licensing.yaml")
    >>> differences(base, changed(base, {"agencies.tax.counters": 4}))
    [('agencies.tax.counters', 2, 4)]
    """
    old, new = _flat(before.model_dump(exclude={"sweep"})), _flat(after.model_dump(exclude={"sweep"}))
    paths = list(dict.fromkeys([*old, *new]))
    return [(path, old.get(path), new.get(path)) for path in paths if old.get(path) != new.get(path)]


def same_citizens(before: Scenario, after: Scenario) -> bool:
    """True when the two runs draw from the same streams (the same seed): their replications pair."""
    return before.seed == after.seed
