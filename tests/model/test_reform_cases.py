"""Reforms as they are made, one citizen at a time, worked out by hand: procedures dropped, merged and
added per configuration, a calendar per configuration, once-only lookups that fail, hand-off times
between pairs of agencies; and common random numbers across configurations whose procedures differ.

The calendar is 08:00-16:00, Monday to Friday, day 0 a Monday; returns fall in the last opening hour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulator.model.calendar import DAY
from simulator.model.run import simulate
from simulator.scenario.loading import ScenarioError, validate
from tests.model.test_journey_cases import at, case, contacts, one_citizen

TWO_AGENCIES = {"x": {}, "y": {}}


def reformed(steps: list[dict[str, Any]], changes: dict[str, Any], **configuration: Any) -> dict[str, Any]:
    """A one-service case whose configuration changes the service's procedures."""
    return case(steps, TWO_AGENCIES, {"preset": "siloed", "services": {"permit": changes}, **configuration})


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        validate(data, "case.yaml")
    return str(caught.value)


def test_a_dropped_step_is_not_done() -> None:
    """a at x (10 min), b at y (10 min, after a); dropping a: one submission, b, 09:00-09:10."""
    data = reformed(
        [{"id": "a", "agency": "x", "counter": 10}, {"id": "b", "agency": "y", "counter": 10, "after": ["a"]}],
        {"drop_steps": ["a"], "steps": {"b": {"after": []}}},
    )
    log = contacts(one_citizen(data, at(0, "09:00")))
    assert list(log["step"]) == ["b"]
    assert (log.loc[0, "started"], log.loc[0, "ended"]) == (at(0, "09:00"), at(0, "09:10"))


def test_a_dropped_step_another_needs_is_named() -> None:
    data = reformed(
        [{"id": "a", "agency": "x", "counter": 10}, {"id": "b", "agency": "y", "counter": 10, "requires": ["a"]}],
        {"drop_steps": ["a"]},
    )
    message = refusal(data)
    assert "configurations.tried.services.permit.drop_steps[0]" in message
    assert "step 'a' is dropped, but step 'b' has it in requires" in message


def test_merged_steps_are_one_sitting_one_flow_and_one_output() -> None:
    """a at x (counter 10, back office 30, approval 1 day), b at y (counter 20, back office 60, approval 2 days).

    Merged as ab: one sitting at x of 10 + 20 minutes, 09:00-09:30; one back-office work of
    30 + 60 minutes, 09:30-11:00; one approval of the longer 2 days, to 11:00 on day 2; the
    output picked up on day 3 in the last hour: two contacts, two trips.
    """
    steps = [
        {"id": "a", "agency": "x", "counter": 10, "backoffice": 30, "approval_days": 1},
        {"id": "b", "agency": "y", "counter": 20, "backoffice": 60, "approval_days": 2},
    ]
    data = reformed(steps, {"merge_steps": {"ab": ["a", "b"]}})
    records = one_citizen(data, at(0, "09:00"))
    log = contacts(records)
    assert list(zip(log["step"], log["agency"], log["kind"], strict=True)) == [
        ("ab", "x", "submission"), ("ab", "x", "pickup")
    ]  # fmt: skip
    assert (log.loc[0, "started"], log.loc[0, "ended"]) == (at(0, "09:00"), at(0, "09:30"))
    work = records.work.set_index("kind")
    assert (work.loc["backoffice", "started"], work.loc["backoffice", "ended"]) == (at(0, "09:30"), at(0, "11:00"))
    assert work.loc["approval", "ended"] == at(2, "11:00")
    assert at(3, "15:00") <= log.loc[1, "started"] < at(3, "16:00")
    assert records.citizens.iloc[0]["trips"] == 2


def test_a_merge_keeps_what_the_parts_needed_from_outside_and_others_follow_it() -> None:
    """c requires b; merging a and b into ab: c requires ab, ab requires the document a needed."""
    scenario = validate(
        {
            **reformed(
                [
                    {"id": "a", "agency": "x", "counter": 10, "requires": ["ktp"]},
                    {"id": "b", "agency": "y", "counter": 20, "requires": ["a"]},
                    {"id": "c", "agency": "y", "counter": 5, "requires": ["b"]},
                ],
                {"merge_steps": {"ab": ["a", "b"]}},
            ),
            "documents": {"ktp": {"p_defective": 0}},
        },
        "case.yaml",
    )
    steps = {step.id: step for step in scenario.catalogue("tried").services["permit"].steps}
    assert list(steps) == ["ab", "c"]
    assert steps["ab"].requires == ["ktp"] and steps["c"].requires == ["ab"]
    assert steps["ab"].counter.expected() == 30


def test_an_added_step_is_done_where_the_file_puts_it() -> None:
    """a at x (10 min); the configuration adds c at y (5 min, after a): a 09:00-09:10, c 09:10-09:15."""
    data = reformed(
        [{"id": "a", "agency": "x", "counter": 10}],
        {"add_steps": [{"id": "c", "agency": "y", "counter": 5, "after": ["a"]}]},
    )
    log = contacts(one_citizen(data, at(0, "09:00")))
    assert list(log["step"]) == ["a", "c"] and log.loc[1, "ended"] == at(0, "09:15")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"drop_steps": ["z"]}, "drop_steps[0]: unknown step 'z'"),
        ({"merge_steps": {"ab": ["a", "z"]}}, "merge_steps.ab[1]: unknown step 'z'"),
        ({"merge_steps": {"b": ["a", "a"]}}, "a step is named twice"),
        ({"add_steps": [{"id": "a", "agency": "x", "counter": 1}]}, "step 'a' is already a step of the service"),
        ({"add_steps": [{"id": "c", "agency": "nowhere", "counter": 1}]}, "unknown agency 'nowhere'"),
    ],
)
def test_wrong_procedure_changes_are_refused_where_they_are(changes: dict[str, Any], message: str) -> None:
    data = reformed([{"id": "a", "agency": "x", "counter": 10}, {"id": "b", "agency": "y", "counter": 10}], changes)
    assert message in refusal(data)


def test_an_optional_step_cannot_be_merged() -> None:
    steps = [{"id": "a", "agency": "x", "counter": 10}, {"id": "b", "agency": "y", "counter": 10, "share": 0.5}]
    assert "step 'b' is not needed by every citizen: it cannot be merged" in refusal(
        reformed(steps, {"merge_steps": {"ab": ["a", "b"]}})
    )


def test_a_saturday_opening_serves_the_citizen_who_came_too_late_on_friday() -> None:
    """Arrival Friday 16:30 (day 4), after closing. Scenario calendar: back on Monday (day 7), last hour.

    A configuration open on Saturdays 08:00-12:00: back on Saturday (day 5), within its hours,
    less than a calendar day later; lead time 0 working days of the scenario's calendar, the
    yardstick every configuration is measured with.
    """
    steps = [{"id": "a", "agency": "x", "counter": 10}]
    saturday = {"workdays": ["mon", "tue", "wed", "thu", "fri", "sat"], "hours": {"sat": {"close": "12:00"}}}
    for calendar, day, opens, closes in ((None, 7, "15:00", "16:00"), (saturday, 5, "08:00", "12:00")):
        data = reformed(steps, {}, **({"calendar": calendar} if calendar else {}))
        records = one_citizen(data, at(4, "16:30"))
        started = contacts(records).loc[0, "started"]
        assert at(day, opens) <= started < at(day, closes)
    scenario = validate(data, "case.yaml")
    assert scenario.calendar_of("tried").hours_of("sat") == (480, 720)


def test_a_configuration_cannot_move_day_zero() -> None:
    data = reformed([{"id": "a", "agency": "x", "counter": 10}], {}, calendar={"start": "2026-02-02"})
    assert "configurations.tried.calendar.start: every configuration keeps the scenario's start" in refusal(data)


def lookup_case(failure: float) -> dict[str, Any]:
    """a at x needs a family card the government holds; once-only looks it up, failing with `failure`."""
    return {
        **reformed(
            [{"id": "a", "agency": "x", "counter": 10, "requires": ["kk"]}],
            {},
            once_only=True,
            lookup_failure=failure,
        ),
        "documents": {"kk": {"p_defective": 0, "held_by_government": True}},
    }


def test_a_failed_lookup_asks_the_citizen_for_the_document_after_all() -> None:
    """Lookup failing (probability 1): 09:00 sitting rejected, kk fetched in 1 working day, a again on day 1.

    Lookup working (probability 0): one sitting, accepted.
    """
    failed = contacts(one_citizen(lookup_case(1.0), at(0, "09:00")))
    assert list(failed["outcome"]) == ["rejected", "accepted"]
    assert failed.loc[1, "started"] // DAY == 1
    worked = contacts(one_citizen(lookup_case(0.0), at(0, "09:00")))
    assert list(worked["outcome"]) == ["accepted"]


def test_lookups_fail_only_under_once_only() -> None:
    data = lookup_case(0.1)
    data["configurations"]["tried"]["once_only"] = False
    assert "lookups happen only under once_only" in refusal(data)


def test_hand_off_times_per_pair_of_agencies() -> None:
    """Single window: a at x (back office 30), b at y (back office 30, requires a).

    The file goes front office -> x in the default 30 minutes, x -> y in the pair's 120.
    """
    steps = [
        {"id": "a", "agency": "x", "counter": 10, "backoffice": 30},
        {"id": "b", "agency": "y", "counter": 10, "backoffice": 30, "requires": ["a"]},
    ]
    data = case(steps, TWO_AGENCIES, {"preset": "single_window", "handoff_between": {"x": {"y": 120}}})
    records = one_citizen(data, at(0, "09:00"))
    handoffs = records.work[records.work["kind"] == "handoff"]
    assert list(zip(handoffs["step"], handoffs["ended"] - handoffs["started"], strict=True)) == [("a", 30), ("b", 120)]
    data["configurations"]["tried"]["handoff_between"] = {"x": {"nowhere": 5}}
    assert "handoff_between.x.nowhere: unknown agency 'nowhere'" in refusal(data)


def test_shared_steps_meet_the_same_draws_when_procedures_differ() -> None:
    """Common random numbers: dropping b leaves every citizen's counter times at a and c as they were."""
    steps = [
        {"id": "a", "agency": "x", "counter": {"dist": "exponential", "mean": 10}},
        {"id": "b", "agency": "y", "counter": {"dist": "exponential", "mean": 10}},
        {"id": "c", "agency": "z", "counter": {"dist": "exponential", "mean": 10}},
    ]
    data = case(steps, {place: {"counters": 50} for place in "xyz"})
    data["services"]["permit"]["arrivals"] = {"per_day": 40}
    data["configurations"] = {
        "siloed": {"preset": "siloed"},
        "reformed": {"preset": "co_located", "services": {"permit": {"drop_steps": ["b"]}}},
    }
    scenario = validate(data, "case.yaml")
    times = {}
    for name in scenario.configurations:
        log = simulate(scenario, name, 0).contacts
        first = log[log["kind"] == "submission"].drop_duplicates(["citizen", "step"])
        times[name] = first.assign(minutes=first["ended"] - first["started"]).set_index(["citizen", "step"])["minutes"]
    shared = times["reformed"].index
    assert len(shared) > 300 and set(shared.get_level_values("step")) == {"a", "c"}
    assert np.allclose(times["siloed"].loc[shared].to_numpy(), times["reformed"].to_numpy())


def life_event(configuration: dict[str, Any], **event: Any) -> dict[str, Any]:
    """A birth: a certificate (10 min) and a family-card update (10 min, after it), both at Dukcapil."""
    data = case([{"id": "reg", "agency": "dukcapil", "counter": 10}], {"dukcapil": {}}, configuration)
    data["services"] = {
        "cert": data["services"]["permit"],
        "kk": {**data["services"]["permit"], "steps": [{"id": "upd", "agency": "dukcapil", "counter": 10}]},
    }
    data["life_events"] = {
        "birth": {"arrivals": {"per_day": 1}, "services": ["cert", "kk"], "order": {"kk": ["cert"]}, **event}
    }
    return data


def one_birth(data: dict[str, Any]) -> Any:
    return simulate(validate(data, "case.yaml"), "tried", 0, arriving=[(at(0, "09:00"), "birth")])


def test_a_life_event_siloed_is_one_ticket_per_service_in_the_events_order() -> None:
    """Siloed: the certificate 09:00-09:10, then a second ticket at the same desk for the card, 09:10-09:20."""
    log = contacts(one_birth(life_event({"preset": "siloed"})))
    assert list(log["step"]) == ["cert.reg", "kk.upd"]
    assert list(log["ended"]) == [at(0, "09:10"), at(0, "09:20")]


def test_a_single_window_takes_the_whole_life_event_in_one_sitting() -> None:
    """Single window: both services in one sitting of 20 minutes at the front office."""
    log = contacts(one_birth(life_event({"preset": "single_window"})))
    submissions = log[log["kind"] == "submission"]
    assert list(submissions["step"]) == ["cert.reg+kk.upd"]
    assert list(submissions["ended"] - submissions["started"]) == [20]


@pytest.mark.parametrize(("share", "steps"), [(0.0, ["cert.reg"]), (1.0, ["cert.reg", "kk.upd"])])
def test_an_optional_service_of_a_life_event_is_done_by_its_share(share: float, steps: list[str]) -> None:
    data = life_event({"preset": "siloed"}, optional={"kk": share}, order={})
    assert list(contacts(one_birth(data))["step"]) == steps


def test_a_life_event_has_its_own_results_and_the_longest_chain_of_standards() -> None:
    from simulator.experiments.runs import run_once  # noqa: PLC0415

    scenario = validate(life_event({"preset": "siloed"}), "case.yaml")
    assert scenario.journeys["birth"].standard_days == 10  # cert (5) then kk (5)
    run = run_once(scenario, "tried", 0)
    assert {"cert", "kk", "birth"} <= set(run.metrics)
    events = run.citizens.set_index("service")["life_event"]
    assert set(events.loc[["birth"]]) == {"birth"} and set(events.loc[["cert", "kk"]]) == {""}


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"services": ["cert", "nope"]}, "life_events.birth.services[1]: unknown service 'nope'"),
        ({"order": {"kk": ["cert"], "cert": ["kk"]}}, "life_events.birth.order: services form a cycle"),
        ({"optional": {"other": 0.5}}, "life_events.birth.optional.other: unknown service of the event 'other'"),
    ],
)
def test_wrong_life_events_are_refused_where_they_are(event: dict[str, Any], message: str) -> None:
    assert message in refusal(life_event({"preset": "siloed"}, **event))
