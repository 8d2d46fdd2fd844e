"""docs/ explains every result file, column and metric, and every field of a scenario file; the README points there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulator.experiments.runs import run_experiment
from simulator.scenario.distributions import KINDS, Fixed, Spec
from simulator.scenario.loading import ARRIVALS_FROM_FILE, parse_text, validate
from simulator.scenario.schema import Roster, RosterChange, Scenario

ROOT = Path(__file__).resolve().parents[1]


def test_every_column_and_metric_is_explained(tiny: Scenario) -> None:
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    named = {word.strip() for quoted in re.findall(r"`([^`]+)`", page) for word in quoted.split(",")}
    results = run_experiment(tiny, replications=1, jobs=1)
    tables = {
        "summary.csv": results.summary, "comparison.csv": results.comparison, "replications.csv": results.metrics,
        "citizens.parquet": results.citizens, "contacts.parquet": results.contacts, "work.parquet": results.work,
        "agencies.csv": results.agencies, "hours.parquet": results.hours,
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


FORMAT = ROOT / "docs" / "scenario-format.md"
PLACEHOLDER = {"Weekday": "<weekday>"}
"""The key of a mapping as the page writes it: `<weekday>` for weekdays, `<id>` for the rest."""


def _unwrap(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, UnionType):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _fields(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, FieldInfo]]:
    """Every field of `model` and of the models inside it, by the dotted path the page gives it.

    Rosters and distributions are written once, in their own sections, so the walk stops at them.
    """
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        yield path, field
        inner = _unwrap(field.annotation)
        if get_origin(inner) in (list, tuple):
            inner, path = _unwrap(get_args(inner)[0]), f"{path}[]"
        elif get_origin(inner) is dict:
            key, value = (_unwrap(arg) for arg in get_args(inner))
            inner, path = value, f"{path}.{'<weekday>' if get_origin(key) is Literal else '<id>'}"
        if isinstance(inner, type) and issubclass(inner, BaseModel) and not issubclass(inner, Roster | Spec):
            yield from _fields(inner, f"{path}.")


def _row(page: str, path: str) -> str:
    """The table row of the page whose first cell is `path`."""
    rows = [line for line in page.splitlines() if line.startswith(f"| `{path}` |")]
    assert len(rows) == 1, f"{path}: expected one row in docs/scenario-format.md, found {len(rows)}"
    return rows[0]


def _shown(value: Any) -> str | None:
    """A default as the page writes it, or None for a default the page says in words."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str | date):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(item) or "" for item in value) + "]"
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, Fixed):
        return f"{value.value:g}"
    if isinstance(value, Roster) and value.constant:
        return str(value.default)
    return None


def _numbers(text: str) -> set[float]:
    return {float(number.replace(",", "")) for number in re.findall(r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?", text)}


def test_every_field_of_the_scenario_is_explained() -> None:
    page = FORMAT.read_text(encoding="utf-8")
    fields = [
        *_fields(Scenario, ""),
        *_fields(Roster, "<roster>."),
        *((f"<roster>.changes[].{field.alias or name}", field) for name, field in RosterChange.model_fields.items()),
    ]
    assert len(fields) > 100
    for path, field in fields:
        row = _row(page, path)
        if field.is_required():
            assert "required" in row, f"{path}: the page does not say it is required"
        elif (shown := _shown(field.default)) is not None:
            assert re.search(rf'`"?{re.escape(shown)}"?`', row), f"{path}: the default {shown} is not in its row"
        else:
            assert "none" in row or "defaults" in row, f"{path}: the page does not say what its absence means"
        for bound in field.metadata:
            for limit in (getattr(bound, name, None) for name in ("ge", "gt", "le", "lt")):
                if isinstance(limit, date):
                    assert str(limit) in row, f"{path}: the bound {limit} is not in its row"
                elif limit is not None:
                    assert float(limit) in _numbers(row), f"{path}: the bound {limit} is not in its row"
    for name in ARRIVALS_FROM_FILE:
        _row(page, f"services.<id>.arrivals.{name}")
    for kind, spec in KINDS.items():
        rows = [line for line in page.splitlines() if line.startswith(f"| `{kind}` |")]
        assert len(rows) == 1, f"distribution {kind} has no row"
        for parameter in spec.model_fields:
            assert parameter == "dist" or f"`{parameter}`" in rows[0], f"{kind}: {parameter} not explained"
    assert "docs/scenario-format.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_example_of_the_scenario_format_is_a_valid_scenario() -> None:
    page = FORMAT.read_text(encoding="utf-8")
    example = re.search(r"## An example\n.*?```yaml\n(.*?)```", page, re.S)
    assert example is not None
    scenario = validate(parse_text(example.group(1), "docs/scenario-format.md"), "docs/scenario-format.md")
    assert scenario.configurations["integrated_fast_permit"].services
