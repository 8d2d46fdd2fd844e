"""Real-office features, one citizen at a time, worked out by hand.

Calendar 08:00-16:00, Monday to Friday, day 0 a Monday; one counter unless said.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.model.calendar import DAY
from simulator.model.records import RunRecords
from simulator.model.run import simulate
from simulator.model.streams import Streams
from simulator.scenario.loading import ScenarioError, validate


def at(day: int, clock: str) -> float:
    hours, minutes = clock.split(":")
    return day * DAY + int(hours) * 60 + int(minutes)


def office(counter: float = 30, agency: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """Services `booked` (with appointments) and `walk` (without) at one agency; one step each."""
    step = {"id": "serve", "agency": "x", "counter": counter}
    return {
        "name": "by hand",
        "seed": 1,
        "horizon_days": 5,
        "agencies": {"x": {"counters": 1, "backoffice": 0, "travel_minutes": 0, **(agency or {})}},
        "services": {
            "booked": {
                "arrivals": {"per_day": 1},
                "standard_days": 5,
                "appointments": {"share": 1.0, "slots_per_hour": 2, "book_ahead_days": 3},
                "steps": [step],
            },
            "walk": {"arrivals": {"per_day": 1}, "standard_days": 5, "steps": [step]},
        },
        "configurations": {"tried": {"preset": "siloed"}},
        **fields,
    }


def run(data: dict[str, Any], arrivals: list[tuple[float, str]]) -> RunRecords:
    return simulate(validate(data, "case.yaml"), "tried", 0, arriving=arrivals)


def served(records: RunRecords) -> pd.DataFrame:
    contacts = records.contacts
    return contacts[(contacts["kind"] == "submission") & contacts["started"].notna()].set_index("citizen")


def test_an_appointment_is_the_earliest_free_slot_from_the_next_working_day() -> None:
    """Two slots an hour. Booked on Monday 10:00 and 10:01: Tuesday 08:00 and 08:30.

    The booking is the citizen's first contact (kind `booking`, online); the lead time
    runs from it. Each is served at their slot (30 minutes each, nobody else there).
    """
    records = run(office(), [(at(0, "10:00"), "booked"), (at(0, "10:01"), "booked")])
    bookings = records.contacts[records.contacts["kind"] == "booking"]
    assert list(bookings["queued"]) == [at(0, "10:00"), at(0, "10:01")]
    sittings = served(records)
    assert list(sittings["started"]) == [at(1, "08:00"), at(1, "08:30")]
    citizens = records.citizens
    assert citizens["booked"].all() and (citizens["arrival"] == [at(0, "10:00"), at(0, "10:01")]).all()


def test_slots_run_out_and_the_citizen_walks_in() -> None:
    """One slot an hour, booking one working day ahead: the 9th booking finds Tuesday full and walks in now."""
    data = office()
    data["services"]["booked"]["appointments"] = {"share": 1.0, "slots_per_hour": 1, "book_ahead_days": 1}
    records = run(data, [(at(0, "09:00") + k, "booked") for k in range(9)])
    citizens = records.citizens.set_index("citizen")
    assert citizens["booked"].sum() == 8 and not citizens.loc[8, "booked"]
    assert served(records).loc[8, "started"] == at(0, "09:08")


def test_a_booked_citizen_is_called_before_walk_ins() -> None:
    """Counter 40 minutes. C booked Tuesday 08:00, D booked 08:30; B walks in on Tuesday at 08:10.

    C is served 08:00-08:40. B waits from 08:10, D from 08:30: D is called first (08:40-09:20),
    then B (09:20).
    """
    data = office(counter=40)
    arrivals = [(at(0, "10:00"), "booked"), (at(0, "10:01"), "booked"), (at(1, "08:10"), "walk")]
    sittings = served(run(data, arrivals))
    assert list(sittings.sort_index()["started"]) == [at(1, "08:00"), at(1, "08:40"), at(1, "09:20")]


def test_a_no_show_walks_in_the_next_working_day() -> None:
    """Everybody misses their appointment: booked Monday for Tuesday 08:00, they come on Wednesday."""
    data = office()
    data["services"]["booked"]["appointments"]["no_show"] = 1.0
    sittings = served(run(data, [(at(0, "10:00"), "booked")]))
    assert sittings.iloc[0]["started"] // DAY == 2


def test_priority_citizens_are_called_first_without_interrupting() -> None:
    """Counter 30 minutes. A walks in at 09:00 (served at once), B at 09:05, P (priority) at 09:10.

    A is not interrupted; at 09:30 P is called before B: P 09:30-10:00, B 10:00.
    """
    seed, u = next((seed, u) for seed in range(100) if (u := [Streams(seed, 0).keyed("group")(c) for c in range(3)])
                   and u[2] < min(u[0], u[1]))  # fmt: skip
    share = (u[2] + min(u[0], u[1])) / 2  # citizen 2 is in the group, 0 and 1 are not
    data = office(seed=seed, citizens={"groups": {"elderly": {"share": share, "priority": True}}})
    arrivals = [(at(0, "09:00"), "walk"), (at(0, "09:05"), "walk"), (at(0, "09:10"), "walk")]
    records = run(data, arrivals)
    sittings = served(records).sort_index()
    assert list(sittings["started"]) == [at(0, "09:00"), at(0, "10:00"), at(0, "09:30")]
    assert list(records.citizens["group"].astype(str)) == ["", "", "elderly"]


def test_a_full_waiting_room_turns_a_citizen_away() -> None:
    """Room for one: A served 09:00, B waits from 09:01, C at 09:02 is turned away and comes back on Tuesday."""
    data = office(agency={"waiting_room": 1})
    arrivals = [(at(0, "09:00"), "walk"), (at(0, "09:01"), "walk"), (at(0, "09:02"), "walk")]
    records = run(data, arrivals)
    away = records.contacts[records.contacts["outcome"] == "turned_away"]
    assert list(away["citizen"]) == [2] and away.iloc[0]["ended"] == at(0, "09:02")
    assert served(records).loc[2, "started"] // DAY == 1
    assert records.citizens.set_index("citizen").loc[2, "trips"] == 2


def test_a_citizen_balks_at_a_long_queue() -> None:
    """`balk_ahead: 0`: B finds nobody waiting (A is being served) and joins; C finds B ahead and leaves."""
    data = office(citizens={"balk_ahead": 0})
    arrivals = [(at(0, "09:00"), "walk"), (at(0, "09:01"), "walk"), (at(0, "09:02"), "walk")]
    away = run(data, arrivals).contacts.query("outcome == 'turned_away'")
    assert list(away["citizen"]) == [2]


def test_a_lunch_break_leaves_one_counter_and_nobody_is_interrupted() -> None:
    """Two counters, one from 12:00 to 13:00; counter 40 minutes; four citizens at 11:50.

    11:50: A and B are served (to 12:30). From 12:00 one counter: at 12:30 one officer
    goes to lunch, the other calls C (12:30-13:10). At 13:00 the second counter opens
    again and calls D (13:00-13:40).
    """
    roster = {"default": 2, "changes": [{"from": "12:00", "to": "13:00", "staff": 1}]}
    data = office(counter=40, agency={"counters": roster})
    sittings = served(run(data, [(at(0, "11:50"), "walk")] * 4)).sort_index()
    assert list(sittings["started"]) == [at(0, "11:50"), at(0, "11:50"), at(0, "12:30"), at(0, "13:00")]


def test_friday_prayers_close_the_counters_but_not_the_office() -> None:
    """No counter from 11:30 to 13:00 on Fridays: a citizen arriving at 11:40 waits and is served at 13:00."""
    roster = {"default": 1, "changes": [{"days": ["fri"], "from": "11:30", "to": "13:00", "staff": 0}]}
    data = office(agency={"counters": roster})
    sittings = served(run(data, [(at(3, "11:40"), "walk"), (at(4, "11:40"), "walk")])).sort_index()
    assert list(sittings["started"]) == [at(3, "11:40"), at(4, "13:00")]


def test_an_alternative_takes_exactly_one_option() -> None:
    """Collect in person (80%) or by post (20%): every citizen submits exactly one of them."""
    data = office()
    data["services"]["walk"]["steps"] += [
        {"id": "collect", "agency": "x", "counter": 3, "alternative": "delivery", "share": 0.8},
        {"id": "post", "agency": "x", "counter": 3, "alternative": "delivery", "share": 0.2},
    ]
    data["agencies"]["x"]["counters"] = 5
    records = run(data, [(at(0, "09:00") + k, "walk") for k in range(40)])
    steps = records.contacts["step"].astype(str)
    citizen = records.contacts["citizen"]
    took = sum(steps.str.contains(option).groupby(citizen).any().astype(int) for option in ("collect", "post"))
    assert (took == 1).all() and (records.citizens["outcome"] == "completed").all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"share": 0.3}, "the shares of alternative 'delivery' add up to 0.5, not 1"),
        ({"alternative": "delivery", "share": None}, "give the share of citizens who take it"),
    ],
)
def test_alternatives_must_add_up(change: dict[str, Any], message: str) -> None:
    data = office()
    data["services"]["walk"]["steps"] += [
        {"id": "collect", "agency": "x", "counter": 3, "alternative": "delivery", "share": 0.2},
        {"id": "post", "agency": "x", "counter": 3, "alternative": "delivery", **change},
    ]
    last = data["services"]["walk"]["steps"][-1]
    data["services"]["walk"]["steps"][-1] = {key: value for key, value in last.items() if value is not None}
    with pytest.raises(ScenarioError, match=message):
        validate(data, "case.yaml")


def test_the_output_of_an_optional_step_cannot_be_required() -> None:
    data = office()
    data["services"]["walk"]["steps"] += [
        {"id": "inspect", "agency": "x", "counter": 3, "share": 0.3},
        {"id": "permit", "agency": "x", "counter": 3, "requires": ["inspect"]},
    ]
    with pytest.raises(ScenarioError, match=r"'inspect' is not needed by every citizen.*use after"):
        validate(data, "case.yaml")


def test_a_roster_is_written_back_as_it_was_given() -> None:
    data = office(agency={"counters": {"default": 2, "changes": [{"from": "12:00", "to": "13:00", "staff": 1}]}})
    dumped = validate(data, "case.yaml").model_dump(mode="json")["agencies"]["x"]
    assert dumped["counters"] == {"default": 2, "changes": [{"days": None, "from": "12:00", "to": "13:00", "staff": 1}]}
    assert dumped["backoffice"] == 0
    assert np.isclose(validate(data, "case.yaml").agencies["x"].counters.staff_minutes("mon", 480, 960), 900)


def test_waits_are_reported_by_group_and_by_booking() -> None:
    """Summary metrics give the mean wait of each group, and of booked and walk-in citizens apart."""
    from simulator.experiments.runs import run_once  # noqa: PLC0415

    data = office(citizens={"groups": {"elderly": {"share": 0.3, "priority": True}}})
    data["services"]["booked"]["arrivals"]["per_day"] = 12
    data["services"]["walk"]["arrivals"]["per_day"] = 4
    data["services"]["booked"]["appointments"]["share"] = 0.5
    run = run_once(validate(data, "case.yaml"), "tried", 0)
    metrics, citizens = run.metrics["all"], run.citizens
    for name, who in (
        ("wait_minutes_booked", citizens["booked"]),
        ("wait_minutes_walk_in", ~citizens["booked"]),
        ("wait_minutes_group_elderly", citizens["group"] == "elderly"),
    ):
        assert np.isclose(metrics[name], citizens.loc[who, "wait_minutes"].mean()), name
    assert 0 < metrics["booked_share"] < 1


def test_an_appointment_for_a_later_step_holds_that_step_for_its_slot() -> None:
    """A cover letter at the village (walk-in, 10 minutes), then the booked sitting at the registry.

    Booked on Monday 09:00 for Tuesday 08:00: the letter is fetched at once (a trip on
    Monday); the registry step waits for its slot (a second trip, Tuesday 08:00).
    """
    data = office(counter=10)
    data["agencies"]["village"] = {"counters": 1, "backoffice": 0, "travel_minutes": 0}
    data["services"]["booked"]["steps"] = [
        {"id": "letter", "agency": "village", "counter": 10},
        {"id": "record", "agency": "x", "counter": 10, "requires": ["letter"]},
    ]
    data["services"]["booked"]["appointments"]["step"] = "record"
    records = run(data, [(at(0, "09:00"), "booked")])
    sittings = records.contacts[records.contacts["kind"] == "submission"].set_index("step")
    assert sittings.loc["letter", "started"] == at(0, "09:00")
    assert sittings.loc["record", "started"] == at(1, "08:00")
    assert records.citizens.iloc[0]["trips"] == 2
