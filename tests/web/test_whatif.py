"""The page's controls: paths `sweep --set` takes, refusals beside the control that caused them."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario.distributions import Fixed, Lognormal, Triangular
from simulator.scenario.loading import load_scenario
from simulator.scenario.schema import changed
from simulator.web.whatif import SECTIONS, apply, controls, only, with_mean

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base():
    return load_scenario(ROOT / "scenarios" / "business_licensing.yaml")


def test_every_control_holds_the_scenario_value_at_its_path(base) -> None:
    found = controls(base)
    assert {c.section for c in found} == set(SECTIONS)
    for control in found:
        same = changed(base, {control.path: control.value})
        if control.kind == "choice":  # a lever set to what its preset already gives
            assert {k: c.levers for k, c in same.configurations.items()} == {
                k: c.levers for k, c in base.configurations.items()
            }
        elif control.kind != "days":  # approval days show the mean of a distribution
            assert same == base, control.path
    paths = [c.path for c in found]
    assert "agencies.tax.counters" in paths and "configurations.integrated.front_office_counters" in paths
    assert "configurations.siloed.front_office_counters" not in paths  # its own desks: no front office
    assert "services.business_start.steps.location_permit.approval_days" in paths


def test_unchanged_controls_give_the_scenario_back(base) -> None:
    values = {c.path: c.value for c in controls(base)}
    made = apply(base, values, list(base.configurations), base.replications)
    assert made.errors == {} and made.settings == {}
    assert made.scenario is not None
    assert made.scenario.model_dump(exclude={"sweep"}) == base.model_dump(exclude={"sweep"})


def test_a_refused_value_is_said_beside_its_control(base) -> None:
    made = apply(base, {"agencies.tax.counters": 0, "documents.deed.p_defective": 1.5}, ["siloed"], 5)
    assert made.scenario is None
    assert set(made.errors) == {"agencies.tax.counters", "documents.deed.p_defective"}
    assert made.errors["agencies.tax.counters"].startswith("agencies.tax.counters: ")
    assert "tax" in made.errors["agencies.tax.counters"]
    assert "expected a number <= 1" in made.errors["documents.deed.p_defective"]


def test_no_configuration_is_refused(base) -> None:
    assert "configurations" in apply(base, {}, [], 5).errors


def test_chosen_configurations_and_replications(base) -> None:
    made = apply(base, {"configurations.integrated.online_share": 0.5}, ["integrated", "siloed"], 7)
    assert made.scenario is not None
    assert list(made.scenario.configurations) == ["integrated", "siloed"]
    assert made.scenario.configurations["integrated"].online_share == 0.5
    assert made.scenario.replications == 7
    assert made.scenario.brief.steps == ["siloed", "integrated"]
    assert made.settings == {"configurations.integrated.online_share": 0.5}


def test_approval_days_keep_their_shape_at_the_new_mean(base) -> None:
    path = "services.business_start.steps.location_permit.approval_days"
    made = apply(base, {path: 6.0}, ["siloed"], 5)
    assert made.scenario is not None
    spec = made.scenario.services["business_start"].steps[2].approval_days
    assert isinstance(spec, Triangular)
    assert spec.expected() == pytest.approx(6.0)
    assert (spec.min, spec.mode, spec.max) == pytest.approx((2.0, 6.0, 10.0))


def test_with_mean_scales_every_parameter_in_the_unit() -> None:
    spec = with_mean(Lognormal(mean=10, sd=5), 20.0)
    assert spec == {"dist": "lognormal", "mean": 20.0, "sd": 10.0}
    assert with_mean(Fixed(value=0), 2.0) == {"dist": "fixed", "value": 2.0}


def test_only_keeps_the_lever_steps_among_the_chosen(base) -> None:
    kept = only(base, ["mall", "siloed"])
    assert list(kept.configurations) == ["mall", "siloed"] and kept.brief.steps == ["siloed", "mall"]
