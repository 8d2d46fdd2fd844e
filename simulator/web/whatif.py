"""The page's controls: what people ask about, as dotted paths into a scenario, and the scenario they make.

Every control is a path that `sweep --set` also takes (`agencies.tax.counters`,
`configurations.integrated.online_share`); the scenario of the page is
`scenario.changed` of the loaded one, validated like a file. A value the schema
refuses is said beside its control, in the loader's words.

>>> from simulator.scenario.loading import load_scenario
>>> base = load_scenario("scenarios/business_licensing.yaml")
>>> [c.path for c in controls(base) if c.section == "staff"][:2]
['agencies.investment.counters', 'agencies.investment.backoffice']
>>> what = apply(base, {"agencies.tax.counters": 3}, ["siloed", "integrated"], 5)
>>> what.scenario.agencies["tax"].counters.default, list(what.scenario.configurations), what.scenario.replications
(3, ['siloed', 'integrated'], 5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from simulator.scenario.distributions import Spec
from simulator.scenario.loading import describe
from simulator.scenario.schema import Levers, Roster, Scenario, changed

Section = Literal["staff", "demand", "levers", "documents", "approval"]
SECTIONS: tuple[Section, ...] = ("staff", "demand", "levers", "documents", "approval")
Kind = Literal["staff", "per_day", "share", "days", "choice"]

LEVER_OPTIONS: dict[str, tuple[Any, ...]] = {
    "preset": ("siloed", "co_located", "single_window", "whole_of_government"),
    "front_office": ("agency", "single"),
    "co_located": (False, True),
    "handoff": ("citizen", "backoffice"),
    "reveal": ("one", "all"),
    "once_only": (False, True),
    "delivery": ("in_person", "digital"),
}
"""A configuration's levers and the values each can take (the schema's)."""
SCALED = ("value", "mean", "sd", "min", "mode", "max", "scale", "values")
"""Parameters of a distribution that are in its unit: multiplying them all by k multiplies every draw by k."""


@dataclass(frozen=True)
class Control:
    """One question people ask, as a path into the scenario and its value there.

    `what` names the question for the page's words (`counters`, `online_share`),
    `subject` the agency, service, step, document or configuration it is about.
    """

    section: Section
    path: str
    kind: Kind
    what: str
    subject: str
    value: Any
    options: tuple[Any, ...] = ()


def _staff(roster: Roster, path: str) -> str:
    """The path of a staffing number: the number itself, or a roster's `default`."""
    return path if not roster.changes else f"{path}.default"


def controls(scenario: Scenario) -> list[Control]:
    """The controls of a scenario, section by section, each holding the scenario's own value."""
    found: list[Control] = []
    for aid, agency in scenario.agencies.items():
        for what in ("counters", "backoffice"):
            roster: Roster = getattr(agency, what)
            found.append(Control("staff", _staff(roster, f"agencies.{aid}.{what}"), "staff", what, aid, roster.default))
    for cid, configuration in scenario.configurations.items():
        front = configuration.front_office_counters
        if front is not None and configuration.levers.front_office == "single":
            path = _staff(front, f"configurations.{cid}.front_office_counters")
            found.append(Control("staff", path, "staff", "front_office_counters", cid, front.default))
    for sid, service in scenario.services.items():
        found.append(Control("demand", f"services.{sid}.arrivals.per_day", "per_day", "per_day", sid,
                             service.arrivals.per_day))  # fmt: skip
    for cid, configuration in scenario.configurations.items():
        found.append(Control("demand", f"configurations.{cid}.online_share", "share", "online_share", cid,
                             configuration.online_share))  # fmt: skip
    for cid, configuration in scenario.configurations.items():
        levers = configuration.levers
        found.append(Control("levers", f"configurations.{cid}.preset", "choice", "preset", cid, configuration.preset,
                             LEVER_OPTIONS["preset"]))  # fmt: skip
        for lever in Levers._fields:
            found.append(Control("levers", f"configurations.{cid}.{lever}", "choice", lever, cid,
                                 getattr(levers, lever), LEVER_OPTIONS[lever]))  # fmt: skip
    for did, document in scenario.documents.items():
        found.append(Control("documents", f"documents.{did}.p_defective", "share", "p_defective", did,
                             document.p_defective))  # fmt: skip
    for sid, service in scenario.services.items():
        for step in service.steps:
            if not step.approval_days.is_zero:
                found.append(Control("approval", f"services.{sid}.steps.{step.id}.approval_days", "days",
                                     "approval_days", f"{sid}.{step.id}", step.approval_days.expected()))  # fmt: skip
    return found


def with_mean(spec: Spec, mean: float) -> dict[str, Any]:
    """A distribution of the same shape with the given mean: every parameter in its unit scaled alike.

    >>> from simulator.scenario.distributions import Triangular
    >>> with_mean(Triangular(min=1, mode=2, max=3), 4.0)
    {'dist': 'triangular', 'min': 2.0, 'mode': 4.0, 'max': 6.0}
    """
    old = spec.expected()
    if old <= 0:
        return {"dist": "fixed", "value": mean}
    factor = mean / old
    data = spec.model_dump()
    for key in SCALED:
        if isinstance(data.get(key), int | float):
            data[key] = data[key] * factor
        elif key == "values" and data.get(key) is not None:
            data[key] = [value * factor for value in data[key]]
    return data


def setting(scenario: Scenario, control: Control, value: Any) -> Any:
    """What a control's value sets at its path: the number itself, or for approval days a distribution."""
    if control.kind == "days":
        service, step = control.subject.split(".", 1)
        spec = next(s for s in scenario.services[service].steps if s.id == step).approval_days
        return with_mean(spec, float(value))
    return value


@dataclass(frozen=True)
class WhatIf:
    """The scenario the controls make (None while any is refused), and what is wrong, by control path."""

    scenario: Scenario | None
    errors: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    """The paths the visitor changed and the values they set, as `sweep --set` would."""


def _problem(error: ValidationError) -> str:
    return describe(error.errors()[0])


def apply(
    scenario: Scenario, values: Mapping[str, Any], configurations: Sequence[str], replications: int
) -> WhatIf:
    """The scenario with the controls' values, only the chosen configurations (the first the baseline) and replications.

    Each changed value is checked on its own first, so that a refusal is said
    beside the control that caused it; then all together (`errors[""]` for what
    only the whole refuses).
    """
    by_path = {control.path: control for control in controls(scenario)}
    settings = {
        path: setting(scenario, by_path[path], value)
        for path, value in values.items()
        if path in by_path and value != by_path[path].value
    }
    errors: dict[str, str] = {}
    for path, value in settings.items():
        try:
            changed(scenario, {path: value})
        except ValidationError as error:
            errors[path] = _problem(error)
    if not configurations:
        errors["configurations"] = "choose at least one configuration"
    if errors:
        return WhatIf(None, errors, settings)
    try:
        made = changed(scenario, {**settings, "replications": replications})
        return WhatIf(only(made, configurations), {}, settings)
    except ValidationError as error:
        path = str(error.errors()[0]["loc"][0]) if error.errors()[0]["loc"] == ("replications",) else ""
        return WhatIf(None, {path: _problem(error)}, settings)


def only(scenario: Scenario, configurations: Sequence[str]) -> Scenario:
    """The scenario with only these configurations, in this order (the lever-by-lever steps kept among them)."""
    data = scenario.model_dump(exclude={"sweep"})
    data["configurations"] = {name: data["configurations"][name] for name in configurations}
    data["brief"]["steps"] = [step for step in data["brief"]["steps"] if step in configurations]
    return Scenario.model_validate(data)
