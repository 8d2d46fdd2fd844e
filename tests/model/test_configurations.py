"""Presets, levers, overrides and how each configuration plans a service."""

from __future__ import annotations

from typing import Any

from simulator.model.configurations import resolve
from simulator.scenario.loading import validate
from simulator.scenario.schema import FRONT_OFFICE, PRESETS, Levers


def test_presets_are_the_table_of_the_model() -> None:
    assert {
        "siloed": Levers("agency", False, "citizen", "one", False, "in_person"),
        "co_located": Levers("agency", True, "citizen", "one", False, "in_person"),
        "single_window": Levers("single", True, "backoffice", "all", False, "in_person"),
        "whole_of_government": Levers("single", True, "backoffice", "all", True, "digital"),
    } == PRESETS


def test_a_configuration_overrides_levers_staff_and_process(tiny_data: dict[str, Any]) -> None:
    tiny_data["configurations"]["custom"] = {
        "preset": "siloed",
        "reveal": "all",
        "delivery": "digital",
        "online_share": 0.25,
        "walk_minutes": 7,
        "agencies": {"office": {"counters": 4}},
        "documents": {"letter": {"p_defective": 0.0}},
        "services": {"visit": {"steps": {"stamp": {"counter": 2}}}},
    }
    scenario = validate(tiny_data, "tiny.yaml")
    setup = resolve(scenario, "custom")
    assert setup.levers == PRESETS["siloed"]._replace(reveal="all", delivery="digital")
    assert setup.online_share == 0.25 and setup.walk_minutes == 7
    assert setup.catalogue.agencies["office"].counters.default == 4
    assert setup.catalogue.documents["letter"].p_defective == 0
    assert setup.catalogue.services["visit"].steps[1].counter.expected() == 2
    assert scenario.agencies["office"].counters.default == 1, "the scenario itself is never changed"
    assert resolve(scenario, "siloed").online_share == 0


def test_front_office_defaults(tiny: Any) -> None:
    setup = resolve(tiny, "integrated")
    staff = {desk: roster.default for desk, roster in setup.desks.items()}
    assert setup.single and staff == {FRONT_OFFICE: 3}, "the sum of the agencies' counters"
    assert setup.front_office_travel_minutes == 10, "the smallest agency travel time"
    assert setup.travel_from_home(FRONT_OFFICE) == 10
    assert setup.handoff_minutes == 30


def test_travel_siloed_and_co_located(tiny_data: dict[str, Any]) -> None:
    tiny_data["configurations"]["mall"] = {"preset": "co_located"}
    scenario = validate(tiny_data, "tiny.yaml")
    siloed, mall = resolve(scenario, "siloed"), resolve(scenario, "mall")
    assert siloed.travel_from_home("registry") == 20 and siloed.travel_between("registry") == 20
    assert mall.travel_from_home("registry") == 10 and mall.travel_between("registry") == 3
    assert {d: r.default for d, r in siloed.desks.items()} == {"office": 1, "registry": 2}


def test_plans_under_each_configuration(tiny_data: dict[str, Any]) -> None:
    tiny_data["documents"]["ktp"]["held_by_government"] = True
    scenario = validate(tiny_data, "tiny.yaml")
    serve, stamp = resolve(scenario, "siloed").services["visit"].steps
    assert (serve.desk, stamp.desk) == ("office", "registry")
    assert serve.documents == ("ktp",) and stamp.documents == ("letter",) and stamp.carried == 1
    assert serve.to_citizen and stamp.to_citizen, "the citizen carries every output"
    assert not serve.at_counter and stamp.at_counter, "stamp takes no back-office work"
    assert stamp.predecessors == (0,)
    serve, stamp = resolve(scenario, "integrated").services["visit"].steps
    assert serve.desk == stamp.desk == FRONT_OFFICE
    assert serve.documents == (), "once-only: the government holds the identity card"
    assert not serve.to_citizen and stamp.to_citizen, "only the final output reaches the citizen"
    assert stamp.carried == 0 and not stamp.at_counter, "stamp waits for serve's output in the back office"
