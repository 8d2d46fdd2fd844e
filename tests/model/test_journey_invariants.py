"""Invariants of every journey, over every bundled scenario and random mutations of them.

Whatever the scenario, the model's own rules must hold citizen by citizen:

- no counter contact starts outside opening hours or on a closed day, nor while every
  counter on duty (as the roster says) is busy;
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
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.model.calendar import DAY, WorkCalendar
from simulator.model.configurations import Setup, resolve
from simulator.model.office import DayProfile
from simulator.model.run import simulate
from simulator.model.streams import Streams
from simulator.scenario.loading import load_scenario, parse_text, validate
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
COUNTER = ("submission", "pickup")


def short(scenario: Scenario, days: int = 3) -> Scenario:
    return scenario.model_copy(update={"horizon_days": days, "warmup_days": 0})


def check_journeys(scenario: Scenario, configuration: str) -> None:
    """Simulate one replication and assert every invariant of the module docstring."""
    records = simulate(scenario, configuration, 0)
    setup = resolve(scenario, configuration)
    calendar = WorkCalendar(scenario.calendar_of(configuration))
    ended = records.citizens[records.citizens["outcome"] != "in_system"].set_index("citizen")
    contacts = records.contacts.assign(day=lambda c: (c["queued"] // DAY).astype(int))
    contacts = contacts[contacts["citizen"].isin(ended.index)]
    where = f"{scenario.name} / {configuration}"
    opening_hours(contacts, calendar, where)
    staff_on_duty(contacts, setup, calendar, where)
    one_trip_a_day(contacts, ended, where)
    product_errors_from_work(contacts, setup, where)
    if setup.single and setup.levers.delivery == "in_person":
        one_pickup(contacts, ended, setup, where)
    if setup.levers.reveal == "one":
        one_defect_a_sitting(scenario, setup, contacts, ended, where)
    return_draws(scenario, calendar, contacts, ended, where)


def opening_hours(contacts: pd.DataFrame, calendar: WorkCalendar, where: str) -> None:
    served = contacts[contacts["kind"].isin(COUNTER) & contacts["started"].notna()]
    closed = [t for t in served["started"] if not calendar.is_open(t)]
    assert not closed, f"{where}: counter contacts start while closed, at {closed[:3]}"


def staff_on_duty(contacts: pd.DataFrame, setup: Setup, calendar: WorkCalendar, where: str) -> None:
    served = contacts[contacts["kind"].isin(COUNTER) & contacts["started"].notna()]
    for desk, roster in setup.desks.items():
        here = served[served["agency"] == desk]
        starts, ends = np.sort(here["started"].to_numpy()), np.sort(here["ended"].to_numpy())
        busy = np.searchsorted(starts, starts, side="right") - np.searchsorted(ends, starts, side="right")
        on_duty = [
            dict(roster.on(calendar.weekday(int(t // DAY))))[
                max(m for m, _ in roster.on(calendar.weekday(int(t // DAY))) if m <= t % DAY)
            ]
            for t in starts
        ]
        over = busy > np.asarray(on_duty)
        assert not over.any(), f"{where}: {desk} serves more than its staff on duty at {starts[over][:3]}"


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
    needed = submitted_steps(contacts)
    services = ended.loc[completed, "service"].astype(str)
    needs = [
        any(s.to_citizen and not s.at_counter and s.id in needed.get(citizen, ()) for s in setup.services[sid].steps)
        for citizen, sid in services.items()
    ]
    expected = np.asarray(needs, dtype=int) + errors.to_numpy()
    wrong = completed[pickups.to_numpy() != expected]
    assert not len(wrong), f"{where}: single window pickups are not one per journey for {list(wrong[:5])}"
    assert (errors <= ended.loc[completed, "product_errors"]).all()


def submitted_steps(contacts: pd.DataFrame) -> dict[int, set[str]]:
    """The steps each citizen had accepted (those they needed, once completed)."""
    accepted = contacts[contacts["kind"].isin(["submission", "online"]) & (contacts["outcome"] == "accepted")]
    submitted = accepted.assign(step=accepted["step"].astype(str).str.split("+")).explode("step")
    return submitted.groupby("citizen")["step"].agg(set).to_dict()


def one_defect_a_sitting(
    scenario: Scenario, setup: Setup, contacts: pd.DataFrame, ended: pd.DataFrame, where: str
) -> None:
    """Completed citizens were rejected once for each wrong document of the steps they needed (submitted)."""
    streams = Streams(scenario.seed, 0)
    documents = setup.catalogue.documents
    completed = ended[ended["outcome"] == "completed"]
    steps_of = submitted_steps(contacts)
    for sid, plan in setup.services.items():
        mine = completed[completed["service"] == sid]
        for citizen, rejections in mine["rejections"].items():
            needed = steps_of.get(citizen, set())
            checked = dict.fromkeys(doc for step in plan.steps if step.id in needed for doc in step.documents)
            looked_up = dict.fromkeys(doc for step in plan.steps if step.id in needed for doc in step.looked_up)
            wrong = sum(
                streams.keyed(f"defect:{doc}")(int(citizen)) < documents[doc].p_defective for doc in checked
            ) + sum(streams.keyed(f"lookup:{doc}")(int(citizen)) < setup.lookup_failure for doc in looked_up)
            assert rejections == wrong, f"{where}: {sid}: citizen {citizen} rejected {rejections}, {wrong} wrong"


def at_a_slot(scenario: Scenario, calendar: WorkCalendar, outings: pd.DataFrame, ended: pd.DataFrame) -> np.ndarray:
    """Which outings of booked citizens begin on their service's slot grid (an appointment, not a drawn time)."""
    gaps = {
        sid: 60 / service.appointments.slots_per_hour if service.appointments else math.nan
        for sid, service in scenario.journeys.items()
    }
    booked = ended.loc[outings["citizen"], "booked"].to_numpy()
    gap = ended.loc[outings["citizen"], "service"].astype(str).map(gaps).to_numpy(dtype=np.float64)
    opens = np.array([calendar.hours(int(day))[0] for day in outings["day"]])
    since = outings["queued"].to_numpy() - outings["day"].to_numpy() * DAY - opens
    return booked & np.isclose(np.remainder(since, np.where(np.isnan(gap), 1, gap)), 0, atol=1e-6)


def return_draws(
    scenario: Scenario, calendar: WorkCalendar, contacts: pd.DataFrame, ended: pd.DataFrame, where: str
) -> None:
    returning = Streams(scenario.seed, 0).keyed("return")
    usual = (float(scenario.calendar.open_minute), float(scenario.calendar.close_minute))
    profiles = {sid: DayProfile(calendar, s.arrivals.profile, usual) for sid, s in scenario.journeys.items()}
    outings = contacts[contacts["kind"] != "delivery"].sort_values("queued", kind="stable")
    first = outings.groupby(["citizen", "day"], sort=True)["queued"].first().reset_index()
    first = first[first["day"] > (ended.loc[first["citizen"], "arrival"].to_numpy() // DAY)]
    first = first[~at_a_slot(scenario, calendar, first, ended)]
    first["k"] = first.groupby("citizen").cumcount()
    services = ended.loc[first["citizen"], "service"].astype(str).to_numpy()
    expected = [
        day * DAY + profiles[sid].offset(returning(int(citizen), int(k)), int(day))
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
    real_office(draw, data)
    configuration = draw(st.sampled_from(sorted(data["configurations"])))
    levers = data["configurations"][configuration]
    levers["reveal"] = draw(st.sampled_from(["one", "all"]))
    levers["online_share"] = draw(st.sampled_from([0.0, 0.4]))
    if levers.get("preset") in ("siloed", "co_located"):
        levers["handoff"] = draw(st.sampled_from(["citizen", "backoffice"]))
    else:
        levers["delivery"] = draw(st.sampled_from(["in_person", "digital"]))
    return validate(data, name), configuration


def real_office(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Sometimes a lunch roster, a waiting room, balking, a priority group, appointments, an optional step."""
    for agency in data["agencies"].values():
        if draw(st.integers(0, 3)) == 0:
            agency["counters"] = {
                "default": 2,
                "changes": [{"from": "12:00", "to": "13:00", "staff": 1}, {"days": ["fri"], "from": "11:30",
                            "to": "13:00", "staff": 0}],
            }  # fmt: skip
        if draw(st.integers(0, 3)) == 0:
            agency["waiting_room"] = draw(st.integers(0, 10))
    citizens = data["citizens"]
    if draw(st.booleans()):
        citizens["groups"] = {"priority": {"share": 0.2, "priority": True}}
    if draw(st.integers(0, 3)) == 0:
        citizens["balk_ahead"] = draw(st.integers(0, 20))
    merged = {  # a step a configuration merges must stay needed by everyone
        part
        for configuration in data["configurations"].values()
        for changes in configuration.get("services", {}).values()
        for parts in changes.get("merge_steps", {}).values()
        for part in parts
    }
    for service in data["services"].values():
        if draw(st.integers(0, 2)) == 0:
            service["appointments"] = {"share": 0.5, "slots_per_hour": 2, "no_show": 0.2, "book_ahead_days": 2}
        last = service["steps"][-1]
        required = {r for step in service["steps"] for r in step.get("requires", [])}
        consumes = any(need in {step["id"] for step in service["steps"]} for need in last.get("requires", []))
        if draw(st.integers(0, 3)) == 0 and last["id"] not in required | merged and not consumes:
            last["share"] = 0.5


@settings(max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_every_journey_keeps_the_rules_under_random_changes(case: tuple[Scenario, str]) -> None:
    scenario, configuration = case
    check_journeys(scenario, configuration)
