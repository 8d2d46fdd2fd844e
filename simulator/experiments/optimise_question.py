"""The optimiser's question: which staffing fields vary, what must hold, what is best; all checked at the edge.

`--vary agencies.tax.backoffice=1..6` names a whole-number staffing field by
the dotted path `sweep` uses (`front_office_counters` is short for the
configuration's own); `--require "wait_minutes_p90<=30"` or
`"ikm[permit]>=76.61"` bounds the mean of a metric of `summary.csv` (of all
services, or of one); the objective is the staff cost a month, the cost per
case, or, within a budget a month, a metric that more staff never make worse.
A wrong path, range, metric or objective is a ScenarioError naming the
argument.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from simulator.analysis.metrics import HEADLINE, Window, staff_cost
from simulator.analysis.selection import looks
from simulator.model.calendar import WorkCalendar
from simulator.model.configurations import resolve
from simulator.scenario.loading import ScenarioError, describe
from simulator.scenario.schema import Scenario, changed, did_you_mean

ALL = "all"
"""The service name of every service together."""
STAFF_FIELDS = ("counters", "backoffice", "front_office_counters")
"""Fields that are a number of staff (a roster's `default` counts as its field)."""
METRICS = (
    *HEADLINE, "lead_time_calendar_days", "wait_minutes_p90", "lead_time_days_p50", "lead_time_days_p90",
    "documents", "product_errors", "travel_minutes", "online_share", "arrived", "completed", "in_system",
)  # fmt: skip
"""Every metric of summary.csv but the IKM elements (U1..U9, and those a scenario adds)."""
IMPROVES = {
    "wait_minutes": "down",
    "longest_wait_minutes": "down",
    "wait_minutes_p90": "down",
    "lead_time_days": "down",
    "lead_time_calendar_days": "down",
    "lead_time_days_p50": "down",
    "lead_time_days_p90": "down",
    "abandoned_share": "down",
    "within_standard_share": "up",
    "ikm": "up",
}
"""Metrics that more staff never make worse (the search's assumption), and which way they improve."""
MONTHLY = "staff_cost_per_month"
PER_CASE = "staff_cost_per_case"
MONTH_DAYS = 365.25 / 12
"""Calendar days in a month: 21.7 working days of a five-day week."""
Staffing = tuple[int, ...]
"""One value per decision variable, in the order of the question."""
Trend = Literal["cost", "rises", "improves"]
"""How an objective behaves as staff grow (see `Objective.trend`)."""


@dataclass(frozen=True)
class Variable:
    """A whole-number staffing field and the values it may take."""

    path: str
    """The dotted path set in the scenario (as `sweep` names it)."""
    given: str
    """The path as the user wrote it."""
    low: int
    high: int


@dataclass(frozen=True)
class Requirement:
    """A metric's mean (over replications) at most or at least a threshold."""

    metric: str
    service: str
    at_most: bool
    threshold: float

    @property
    def label(self) -> str:
        """'ikm', or 'ikm[permit]' for one service."""
        return self.metric if self.service == ALL else f"{self.metric}[{self.service}]"

    @property
    def text(self) -> str:
        return f"{self.label}{'<=' if self.at_most else '>='}{self.threshold:g}"

    @property
    def monotone(self) -> bool:
        """True when more staff can only help to meet it."""
        return IMPROVES.get(self.metric) == ("down" if self.at_most else "up")


@dataclass(frozen=True)
class Objective:
    metric: str
    service: str = ALL
    maximise: bool = False

    @property
    def label(self) -> str:
        return self.metric if self.service == ALL else f"{self.metric}[{self.service}]"

    @property
    def trend(self) -> Trend:
        """How the objective behaves as staff grow.

        `cost`: the monthly staff cost, known without simulating; `rises`: random, and
        worse with more staff (the cost per case); `improves`: random, and better
        with more staff (needs a budget).
        """
        if self.metric == MONTHLY:
            return "cost"
        return "rises" if self.metric == PER_CASE else "improves"


@dataclass(frozen=True)
class Question:
    """What to optimise, over which staffing, under which requirements, with which confidence."""

    scenario: Scenario
    configuration: str
    variables: tuple[Variable, ...]
    requirements: tuple[Requirement, ...]
    objective: Objective = Objective(MONTHLY)
    budget: float | None = None
    """Most staff cost a month."""
    confidence: float = 0.95
    indifference: float | None = None
    """KN's indifference zone, in the objective's unit (default: `INDIFFERENCE`)."""
    first: int = 10
    """Replications of every candidate at its first look."""
    most: int = 40
    """Most replications of a candidate in the search; its confirmation uses replications from here on."""

    @property
    def looks(self) -> tuple[int, ...]:
        return looks(self.first, self.most)

    @property
    def alphas(self) -> tuple[float, float]:
        """The error allowed to feasibility and to the selection: all to feasibility when the objective is known."""
        alpha = 1 - self.confidence
        if not self.requirements:
            return (0.0, alpha)
        return (alpha, 0.0) if self.objective.trend == "cost" else (alpha / 2, alpha / 2)

    def at(self, staffing: Staffing) -> Scenario:
        """The scenario with this staffing (a ValidationError if the scenario refuses it)."""
        return changed(self.scenario, dict(zip((v.path for v in self.variables), staffing, strict=True)))

    def named(self, staffing: Staffing) -> dict[str, int]:
        return {v.given: value for v, value in zip(self.variables, staffing, strict=True)}


def parse_range(text: str, where: str) -> tuple[str, int, int]:
    """'agencies.tax.backoffice=1..6' -> ('agencies.tax.backoffice', 1, 6); `where` starts an error's message."""
    match = re.fullmatch(r"\s*([^=\s]+)\s*=\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*", text)
    if not match:
        raise ScenarioError(f"{where}: expected PATH=LOW..HIGH with whole numbers, e.g. agencies.tax.counters=1..6")
    path, low, high = match.group(1), int(match.group(2)), int(match.group(3))
    if low > high:
        raise ScenarioError(f"{where}: the range is empty ({low} is more than {high})")
    return path, low, high


def staff_path(scenario: Scenario, configuration: str, path: str, source: str) -> str:
    """The dotted path to set for a staffing field of `configuration`, as `sweep` names it.

    `front_office_counters` is short for the configuration's own; an agency's
    field changed by the configuration is set where the configuration changes it.
    """
    parts = path.split(".")
    field_name = parts[-2] if parts[-1] == "default" and len(parts) > 1 else parts[-1]
    if field_name not in STAFF_FIELDS:
        raise ScenarioError(
            f"{source}: not a staffing number: expected a path ending in {', '.join(STAFF_FIELDS)} "
            "(e.g. agencies.tax.counters, front_office_counters)"
        )
    if parts[0] == "front_office_counters":
        return f"configurations.{configuration}.{path}"
    if parts[0] == "configurations" and len(parts) > 1 and parts[1] != configuration:
        raise ScenarioError(f"{source}: belongs to configuration {parts[1]!r}, not to {configuration!r}")
    if parts[0] == "agencies" and len(parts) >= 3:
        overridden = scenario.configurations[configuration].agencies.get(parts[1], {})
        if parts[2] in overridden:
            return f"configurations.{configuration}.{path}"
    return path


def _staff(scenario: Scenario, configuration: str) -> tuple[Any, ...]:
    """The staff of every desk and back office of a configuration."""
    setup = resolve(scenario, configuration)
    offices = {name: agency.backoffice for name, agency in setup.catalogue.agencies.items()}
    return tuple(sorted(setup.desks.items())), tuple(sorted(offices.items()))


def make_variable(scenario: Scenario, configuration: str, text: str, source: str) -> Variable:
    """A `--vary PATH=LOW..HIGH`, checked: a staffing field of the configuration that takes both ends."""
    where = f"{source}: --vary {text}"
    given, low, high = parse_range(text, where)
    path = staff_path(scenario, configuration, given, where)
    ends = {}
    for value in dict.fromkeys((low, high, high + 1 if low == high else high)):
        try:
            ends[value] = changed(scenario, {path: value})
        except ValidationError as error:
            raise ScenarioError(f"{where}: {describe(error.errors()[0])}") from None
    staffs = {_staff(point, configuration) for point in ends.values()}
    if len(staffs) == 1:
        raise ScenarioError(
            f"{where}: changes no staff of configuration {configuration!r} (its desks are the pooled front "
            "office's, or the agency's own, as its levers say)"
        )
    return Variable(path, given, low, high)


def parse_requirement(scenario: Scenario, text: str, source: str) -> Requirement:
    """'wait_minutes_p90<=30' or 'ikm[permit]>=76.61', checked against the metrics and services."""
    where = f"{source}: --require {text}"
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\[\s*([^\]\s]+)\s*\])?\s*(<=|>=)\s*(\S+)\s*", text)
    threshold = _number(match.group(4)) if match else math.nan
    if not match or not math.isfinite(threshold):
        raise ScenarioError(f"{where}: expected METRIC<=NUMBER or METRIC>=NUMBER, e.g. wait_minutes_p90<=30")
    metric, service = check_metric(scenario, match.group(1), match.group(2), where)
    return Requirement(metric, service, match.group(3) == "<=", threshold)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def known_metrics(scenario: Scenario) -> list[str]:
    return [*METRICS, *scenario.satisfaction.elements]


def check_metric(scenario: Scenario, metric: str, service: str | None, where: str) -> tuple[str, str]:
    """The metric and service (default: all), or a ScenarioError naming what was expected."""
    known = known_metrics(scenario)
    if metric not in known:
        raise ScenarioError(f"{where}: unknown metric {metric!r}{did_you_mean(metric, known)} (expected one of the "
                            f"metrics of summary.csv: {', '.join(known)})")  # fmt: skip
    service = service or ALL
    if service != ALL and service not in scenario.journeys:
        raise ScenarioError(f"{where}: unknown service {service!r}{did_you_mean(service, scenario.journeys)} "
                            f"(expected {ALL} or one of: {', '.join(scenario.journeys)})")  # fmt: skip
    return metric, service


def parse_objective(
    scenario: Scenario, text: str | None, maximise: bool, budget: float | None, source: str
) -> Objective:
    """The objective of --minimise/--maximise (default: the staff cost a month), checked against the budget."""
    flag = "--maximise" if maximise else "--minimise"
    where = f"{source}: {flag} {text}"
    if text is None:
        if budget is not None:
            raise ScenarioError(f"{source}: --budget needs --maximise METRIC or --minimise METRIC: what to make "
                                "best within it (e.g. --maximise ikm)")  # fmt: skip
        return Objective(MONTHLY)
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\[\s*([^\]\s]+)\s*\])?\s*", text)
    if not match:
        raise ScenarioError(f"{where}: expected a metric, e.g. ikm or wait_minutes_p90[permit]")
    if match.group(1) == MONTHLY and not maximise and match.group(2) is None:
        return Objective(MONTHLY)
    metric, service = check_metric(scenario, match.group(1), match.group(2), where)
    if metric == PER_CASE and not maximise:
        return Objective(PER_CASE, service)
    direction = IMPROVES.get(metric)
    if direction is None or (direction == "up") != maximise:
        better = [f"--maximise {m}" if d == "up" else f"--minimise {m}" for m, d in IMPROVES.items()]
        raise ScenarioError(f"{where}: expected --minimise {MONTHLY} or {PER_CASE}, or, with --budget, a metric "
                            f"that more staff never make worse: {', '.join(better)}")  # fmt: skip
    if budget is None:
        raise ScenarioError(f"{where}: needs --budget AMOUNT (staff cost a month): without one, the most staff "
                            "of every range is best")  # fmt: skip
    return Objective(metric, service, maximise)


def monthly_cost(scenario: Scenario, configuration: str) -> float:
    """What the configuration's staff cost a month: the horizon's staff cost per working day, over a month."""
    calendar = WorkCalendar(scenario.calendar)
    total = staff_cost(scenario, resolve(scenario, configuration), Window(scenario, calendar))
    workdays = len(scenario.calendar.workdays) * MONTH_DAYS / 7
    return total / scenario.horizon_days * workdays
