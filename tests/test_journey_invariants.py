"""Invariants of every journey, over every bundled scenario and random mutations of them.

Whatever the scenario, the model's own rules must hold citizen by citizen:

- no counter contact starts outside opening hours or on a closed day;
- a citizen makes at most one trip a day, and `trips` is the number of days with an
  in-person queue joined (served or not);
- under a single front office with in-person delivery, a completed citizen has exactly
  one pickup contact, plus one for each pickup at which a product error was found (none
  when every output is handed over at the counter);
- product errors come only from steps with back-office work or an approval wait;
- under `reveal: one` every rejected sitting names exactly one defect, so a completed
  citizen was rejected exactly as often as they had wrong documents to show;
- the k-th outing after arrival sets out at the time of day of the citizen's k-th return
  draw (days with nothing to do use up no draw), in every configuration.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.calendar import DAY, WorkCalendar
from simulator.configurations import Setup, resolve
from simulator.loading import load_scenario, parse_text, validate
from simulator.model import DayProfile, simulate
from simulator.scenario import Scenario
from simulator.streams import Streams

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
COUNTER = ("submission", "pickup")


def short(scenario: Scenario, days: int = 3) -> Scenario:
    return scenario.model_copy(update={"horizon_days": days, "warmup_days": 0})


def check_journeys(scenario: Scenario, configuration: str) -> None:
    """Simulate one replication and assert every invariant of the module docstring."""
    records = simulate(scenario, configuration, 0)
    setup = resolve(scenario, configuration)
    calendar = WorkCalendar(scenario.calendar)
    ended = records.citizens[records.citizens["outcome"] != "in_system"].set_index("citizen")
    contacts = records.contacts.assign(day=lambda c: (c["queued"] // DAY).astype(int))
    contacts = contacts[contacts["citizen"].isin(ended.index)]
    where = f"{scenario.name} / {configuration}"
    opening_hours(contacts, calendar, where)
    one_trip_a_day(contacts, ended, where)
    product_errors_from_work(contacts, setup, where)
    if setup.single and setup.levers.delivery == "in_person":
        one_pickup(contacts, ended, setup, where)
    if setup.levers.reveal == "one":
        one_defect_a_sitting(scenario, setup, ended, where)
    return_draws(scenario, calendar, contacts, ended, where)


def opening_hours(contacts: pd.DataFrame, calendar: WorkCalendar, where: str) -> None:
    served = contacts[contacts["kind"].isin(COUNTER) & contacts["started"].notna()]
    closed = [t for t in served["started"] if not calendar.is_open(t)]
    assert not closed, f"{where}: counter contacts start while closed, at {closed[:3]}"


def one_trip_a_day(contacts: pd.DataFrame, ended: pd.DataFrame, where: str) -> None:
    in_person = contacts[contacts["kind"].isin(COUNTER)]
    days = in_person.groupby("citizen")["day"].nunique().reindex(ended.index, fill_value=0)
    wrong = ended.index[days.to_numpy() != ended["trips"].to_numpy()]
    assert not len(wrong), f"{where}: trips differ from days out for citizens {list(wrong[:5])}"


def product_errors_from_work(contacts: pd.DataFrame, setup: Setup, where: str) -> None:
    working = {step.id for plan in setup.services.values() for step in plan.steps if step.has_work}
    wrong = contacts[contacts["outcome"] == "product_error"]
    for label in wrong["step"].astype(str).unique():
        assert any(step in working for step in label.split("+")), f"{where}: product error from {label!r}"


def one_pickup(contacts: pd.DataFrame, ended: pd.DataFrame, setup: Setup, where: str) -> None:
    completed = ended.index[ended["outcome"] == "completed"]
    served = contacts[(contacts["kind"] == "pickup") & contacts["started"].notna()]
    pickups = served.groupby("citizen").size().reindex(completed, fill_value=0)
    errors = served[served["outcome"] == "product_error"].groupby("citizen").size().reindex(completed, fill_value=0)
    needs = {sid: any(s.to_citizen and not s.at_counter for s in plan.steps) for sid, plan in setup.services.items()}
    expected = ended.loc[completed, "service"].astype(str).map(needs).astype(int) + errors
    wrong = completed[pickups.to_numpy() != expected.to_numpy()]
    assert not len(wrong), f"{where}: single window pickups are not one per journey for {list(wrong[:5])}"
    assert (errors <= ended.loc[completed, "product_errors"]).all()


def one_defect_a_sitting(scenario: Scenario, setup: Setup, ended: pd.DataFrame, where: str) -> None:
    streams = Streams(scenario.seed, 0)
    documents = setup.catalogue.documents
    completed = ended[ended["outcome"] == "completed"]
    for sid, plan in setup.services.items():
        mine = completed[completed["service"] == sid]
        checked = list(dict.fromkeys(doc for step in plan.steps for doc in step.documents))
        who = mine.index.to_numpy()
        wrong = np.zeros(len(who), dtype=int)
        for doc in checked:
            wrong += streams.keyed(f"defect:{doc}").many(who) < documents[doc].p_defective
        differ = who[mine["rejections"].to_numpy() != wrong]
        assert not len(differ), f"{where}: {sid}: rejections differ from wrong documents for {list(differ[:5])}"


def return_draws(
    scenario: Scenario, calendar: WorkCalendar, contacts: pd.DataFrame, ended: pd.DataFrame, where: str
) -> None:
    returning = Streams(scenario.seed, 0).keyed("return")
    profiles = {sid: DayProfile(calendar, service.arrivals.profile) for sid, service in scenario.services.items()}
    outings = contacts[contacts["kind"] != "delivery"].sort_values("queued", kind="stable")
    first = outings.groupby(["citizen", "day"], sort=True)["queued"].first().reset_index()
    first = first[first["day"] > (ended.loc[first["citizen"], "arrival"].to_numpy() // DAY)]
    first["k"] = first.groupby("citizen").cumcount()
    services = ended.loc[first["citizen"], "service"].astype(str).to_numpy()
    expected = [
        day * DAY + profiles[sid].offset(returning(int(citizen), int(k)))
        for citizen, day, k, sid in zip(first["citizen"], first["day"], first["k"], services, strict=True)
    ]
    off = ~np.isclose(first["queued"].to_numpy(), np.asarray(expected, dtype=np.float64), rtol=0, atol=1e-6)
    assert not off.any(), f"{where}: outings not at the time of their return draw: {first[off].head(3)}"


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_journey_of_a_bundled_scenario_keeps_the_rules(path: Path) -> None:
    scenario = short(load_scenario(path))
    for configuration in scenario.configurations:
        check_journeys(scenario, configuration)


@cache
def bundled_data() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple((p.name, parse_text(p.read_text(encoding="utf-8"), p.name)) for p in BUNDLED)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Scenario, str]:
    """A bundled scenario with its luck, rules and levers changed at random, and one configuration."""
    name, original = draw(st.sampled_from(bundled_data()))
    data = copy.deepcopy(original)
    data.update(horizon_days=3, warmup_days=0)
    for document in data.get("documents", {}).values():
        document["p_defective"] = draw(st.sampled_from([0.0, 0.3, 1.0]))
        if draw(st.booleans()):
            document["rework_days"] = draw(st.integers(1, 4))
    for agency in data["agencies"].values():
        agency["error_rate"] = draw(st.sampled_from([0.0, 0.2, 0.6]))
    for service in data["services"].values():
        for step in service["steps"]:
            if draw(st.integers(0, 3)) == 0:
                step["pickup"] = "same_day"
    citizens = data.setdefault("citizens", {})
    citizens["max_visits"] = draw(st.integers(1, 8))
    if draw(st.booleans()):
        citizens["patience_minutes"] = draw(st.sampled_from([5, 30, 120]))
    configuration = draw(st.sampled_from(sorted(data["configurations"])))
    levers = data["configurations"][configuration]
    levers["reveal"] = draw(st.sampled_from(["one", "all"]))
    levers["online_share"] = draw(st.sampled_from([0.0, 0.4]))
    if levers.get("preset") in ("siloed", "co_located"):
        levers["handoff"] = draw(st.sampled_from(["citizen", "backoffice"]))
    else:
        levers["delivery"] = draw(st.sampled_from(["in_person", "digital"]))
    return validate(data, name), configuration


@settings(max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_every_journey_keeps_the_rules_under_random_changes(case: tuple[Scenario, str]) -> None:
    scenario, configuration = case
    check_journeys(scenario, configuration)
