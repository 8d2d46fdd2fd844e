"""The citizen's service cycle: closing time, patience, rejections, pickups, levers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.experiments.runs import Run, run_once
from simulator.model.calendar import DAY, WorkCalendar
from simulator.scenario.loading import load_scenario, validate
from simulator.scenario.schema import Scenario


def scenario(data: dict[str, Any], **changes: Any) -> Scenario:
    return validate({**data, **changes}, "test.yaml")


def one_step(counter: Any = 5, counters: int = 1, per_day: float = 20, **step: Any) -> dict[str, Any]:
    """A single-step service at one agency, in an 08:00-16:00 week."""
    return {
        "name": "one step",
        "seed": 3,
        "horizon_days": 5,
        "agencies": {"office": {"counters": counters, "backoffice": 1, "travel_minutes": 15}},
        "services": {
            "visit": {
                "arrivals": {"per_day": per_day},
                "standard_days": 2,
                "steps": [{"id": "serve", "agency": "office", "counter": counter, **step}],
            }
        },
        "configurations": {"siloed": {"preset": "siloed"}, "integrated": {"preset": "whole_of_government"}},
    }


def served(run: Run) -> pd.DataFrame:
    contacts = run.contacts
    return contacts[contacts["started"].notna() & contacts["kind"].isin(["submission", "pickup"])]


def test_queue_at_closing_goes_home_and_a_counter_finishes(tiny_data: dict[str, Any]) -> None:
    """Hour-long sittings at one counter: the queue is sent home at 16:00; the sitting in progress ends."""
    run = run_once(scenario(one_step(counter=60, per_day=20)), "siloed", 0)
    contacts = run.contacts
    home = contacts[contacts["outcome"] == "sent_home"]
    assert len(home) > 0
    assert np.allclose(home["ended"] % DAY, 16 * 60)
    assert (served(run)["started"] % DAY < 16 * 60).all()
    assert (served(run)["ended"] % DAY > 16 * 60).any(), "no sitting ran past closing"
    sent_home = run.citizens.set_index("citizen").loc[home["citizen"].unique()]
    assert (sent_home["trips"] >= 2).all(), "a citizen sent home must come back on another trip"


def test_patience_leaves_the_queue() -> None:
    data = one_step(counter=30, per_day=30)
    data["citizens"] = {"patience_minutes": 10}
    run = run_once(scenario(data), "siloed", 0)
    left = run.contacts[run.contacts["outcome"] == "left_queue"]
    assert len(left) > 0
    assert np.allclose(left["ended"] - left["queued"], 10)
    assert (served(run)["started"] - served(run)["queued"] <= 10 + 1e-9).all()


def test_wait_is_every_queue_together() -> None:
    data = one_step(counter=30, per_day=30)
    data["citizens"] = {"patience_minutes": 10}
    run = run_once(scenario(data), "siloed", 0)
    contacts = run.contacts.assign(wait=lambda c: c["started"].fillna(c["ended"]) - c["queued"])
    per_citizen = contacts.groupby("citizen")["wait"].agg(["sum", "max"])
    citizens = run.citizens.set_index("citizen").loc[per_citizen.index]
    assert np.allclose(citizens["wait_minutes"], per_citizen["sum"])
    assert np.allclose(citizens["longest_wait_minutes"], per_citizen["max"])


def test_max_visits_abandons() -> None:
    data = one_step(requires=["form"])
    data["documents"] = {"form": {"p_defective": 1.0}}
    data["citizens"] = {"max_visits": 1}
    citizens = run_once(scenario(data), "siloed", 0).citizens
    assert (citizens["outcome"] == "abandoned").all()
    assert (citizens["trips"] == 1).all()
    assert citizens["lead_time_days"].isna().all()


def test_rework_returns_after_rework_days() -> None:
    data = one_step(requires=["form"], counters=5)
    data["documents"] = {"form": {"p_defective": 1.0}}
    data["citizens"] = {"rework_days": 2}
    run = run_once(scenario(data), "siloed", 0)
    calendar = WorkCalendar(scenario(data).calendar)
    for _, sittings in run.contacts.sort_values("queued").groupby("citizen"):
        first, second = sittings.iloc[0], sittings.iloc[1]
        assert first["outcome"] == "rejected" and second["outcome"] == "accepted"
        assert int(second["queued"] // DAY) == calendar.workday_after(int(first["queued"] // DAY), 2)


def two_defects(reveal_all: bool) -> dict[str, Any]:
    data = one_step(requires=["a", "b", "c"], counters=10)
    data["documents"] = {name: {"p_defective": 0.5} for name in "abc"}
    data["configurations"] = {"siloed": {"preset": "siloed", "reveal": "all" if reveal_all else "one"}}
    return data


def test_reveal_all_never_needs_more_trips_than_reveal_one() -> None:
    one = run_once(scenario(two_defects(False)), "siloed", 0).citizens.set_index("citizen")
    every = run_once(scenario(two_defects(True)), "siloed", 0).citizens.set_index("citizen")
    assert (every["trips"] <= one["trips"]).all()
    assert (every["trips"] < one["trips"]).any()
    assert (every["rejections"] <= 1).all()


def test_output_without_back_office_is_handed_over_at_the_counter() -> None:
    run = run_once(scenario(one_step()), "siloed", 0)
    assert not (run.contacts["kind"] == "pickup").any()
    assert (run.citizens["trips"] == 1).all()


def test_pickup_comes_on_a_later_working_day() -> None:
    run = run_once(scenario(one_step(backoffice=30, approval_days=1)), "siloed", 0)
    contacts = run.contacts
    ready = run.work[run.work["kind"] == "approval"].groupby("citizen")["ended"].max()
    pickups = contacts[contacts["kind"] == "pickup"].groupby("citizen")["queued"].min()
    assert len(pickups) == len(ready)
    assert ((pickups // DAY) > (ready.loc[pickups.index] // DAY)).all()
    unserved = contacts[contacts["started"].isna()].groupby("citizen").size()
    trips = run.citizens.set_index("citizen")["trips"]
    assert (trips == 2 + unserved.reindex(trips.index, fill_value=0)).all(), "one trip to submit, one to collect"


def test_back_office_and_approval_run_in_working_time() -> None:
    data = one_step(backoffice=90, approval_days=2)
    run = run_once(scenario(data), "siloed", 0)
    calendar = WorkCalendar(scenario(data).calendar)
    work = run.work
    spent = calendar.working_minutes_of(work["ended"].to_numpy()) - calendar.working_minutes_of(
        work["started"].to_numpy()
    )
    assert np.allclose(spent[work["kind"] == "backoffice"], 90)
    assert np.allclose(spent[work["kind"] == "approval"], 2 * 480)


def test_product_errors_are_found_at_pickup_and_redone() -> None:
    data = one_step(backoffice=10)  # 20 files a day, each made twice on average: 83% of one officer
    data["agencies"]["office"]["error_rate"] = 0.5
    run = run_once(scenario(data), "siloed", 0)
    citizens = run.citizens.set_index("citizen")
    pickups = run.contacts[run.contacts["kind"] == "pickup"]
    wrong = pickups[pickups["outcome"] == "product_error"].groupby("citizen").size()
    assert wrong.sum() > 0
    assert (citizens.loc[wrong.index, "product_errors"] == wrong).all()
    work = run.work[run.work["kind"] == "backoffice"].groupby("citizen").size()
    assert (work.loc[citizens.index] == 1 + citizens["product_errors"]).all()


def test_once_only_never_rejects_what_the_government_holds() -> None:
    data = one_step(requires=["ktp"], backoffice=10)
    data["documents"] = {"ktp": {"p_defective": 1.0, "held_by_government": True}}
    assert (run_once(scenario(data), "siloed", 0).citizens["rejections"] == 1).all()
    integrated = run_once(scenario(data), "integrated", 0).citizens
    assert (integrated["rejections"] == 0).all()
    assert (integrated["documents"] == 0).all()


def test_digital_delivery_and_online_submission_need_no_trip() -> None:
    data = one_step(backoffice=10, approval_days=1)
    data["configurations"] = {"online": {"preset": "whole_of_government", "online_share": 1.0}}
    run = run_once(scenario(data), "online", 0)
    assert (run.citizens["trips"] == 0).all()
    assert set(run.contacts["kind"]) == {"online", "delivery"}
    assert (run.citizens["outcome"] == "completed").all()


def test_single_window_takes_every_step_in_one_sitting(tiny_data: dict[str, Any]) -> None:
    tiny_data["documents"] = {"ktp": {}, "letter": {}}
    run = run_once(scenario(tiny_data), "integrated", 0)
    submissions = run.contacts[run.contacts["kind"] == "submission"]
    assert set(submissions["step"]) == {"serve+stamp"}
    assert set(submissions["agency"]) == {"front_office"}
    handoffs = run.work[run.work["kind"] == "handoff"]
    assert (handoffs.groupby("citizen").size() == 2).all(), "front office to serve, serve to stamp"


def test_siloed_citizen_carries_outputs_between_agencies(tiny_data: dict[str, Any]) -> None:
    run = run_once(scenario(tiny_data), "siloed", 0)
    contacts = run.contacts[run.contacts["outcome"].isin(["accepted", "collected"])]
    for _, log in contacts.sort_values("queued").groupby("citizen"):
        assert list(log["step"]) == ["serve", "serve", "stamp"]
        assert list(log["kind"]) == ["submission", "pickup", "submission"]


def test_travel_between_agencies_costs_time(tiny_data: dict[str, Any]) -> None:
    """Picking up at the office then submitting at the registry: 20 minutes' travel between."""
    tiny_data["documents"] = {"ktp": {}, "letter": {}}
    run = run_once(scenario(tiny_data), "siloed", 0)
    log = run.contacts.sort_values("queued")
    for _, citizen in log.groupby("citizen"):
        pickup, stamp = citizen.iloc[1], citizen.iloc[2]
        if int(pickup["ended"] // DAY) == int(stamp["queued"] // DAY):
            assert stamp["queued"] == pytest.approx(pickup["ended"] + 20)


def test_same_citizens_in_every_configuration(tiny: Scenario) -> None:
    siloed = run_once(tiny, "siloed", 1).citizens
    integrated = run_once(tiny, "integrated", 1).citizens
    assert siloed["arrival"].equals(integrated["arrival"])
    assert siloed["service"].equals(integrated["service"])


def test_more_counters_never_lengthen_the_wait(bundled: list[Any]) -> None:
    base = load_scenario(bundled[0])
    more = {name: {"counters": agency.counters.default + 1} for name, agency in base.agencies.items()}
    configurations = {
        "siloed": {"preset": "siloed"},
        "siloed_more": {"preset": "siloed", "agencies": more},
    }
    data = base.model_dump(mode="json") | {"configurations": configurations, "brief": {"steps": []}}
    changed = validate(data, "more.yaml")
    for replication in range(3):
        fewer = run_once(changed, "siloed", replication).metrics["all"]["wait_minutes"]
        extra = run_once(changed, "siloed_more", replication).metrics["all"]["wait_minutes"]
        assert extra <= fewer


@pytest.mark.parametrize("configuration", ["siloed", "mall", "one_stop", "integrated_online"])
def test_invariants_of_the_contact_log(bundled: list[Any], configuration: str) -> None:
    """Queues are joined only while open, times run forward, counts match the log."""
    default = load_scenario(next(path for path in bundled if path.stem == "business_licensing"))
    calendar = WorkCalendar(default.calendar)
    run = run_once(default, configuration, 0)
    contacts = run.contacts
    at_counter = contacts[contacts["kind"].isin(["submission", "pickup"])]
    assert all(calendar.is_open(t) for t in at_counter["queued"])
    begun = at_counter.dropna(subset=["started"])
    assert (begun["started"] >= begun["queued"]).all() and (begun["ended"] >= begun["started"]).all()
    home = at_counter[at_counter["outcome"] == "sent_home"]
    assert all(calendar.closing_time(q) == e for q, e in zip(home["queued"], home["ended"], strict=True))
    counted = begun.groupby("citizen").size()
    citizens = run.citizens.set_index("citizen")
    assert (citizens["contacts"] == counted.reindex(citizens.index, fill_value=0)).all()
    completed = citizens[citizens["outcome"] == "completed"]
    assert (completed["end"] >= completed["arrival"]).all()
