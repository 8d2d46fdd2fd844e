"""One citizen, fixed times, documents wrong with probability 0 or 1: journeys worked out by hand.

Every case runs `simulate` with a single arrival and compares what was recorded with the
answer in its docstring. The calendar is 08:00-16:00, Monday to Friday, day 0 a Monday;
where a case needs to know when a citizen comes back, the service's profile puts every
return in the last opening hour (15:00-16:00).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulator.model.calendar import DAY, WorkCalendar
from simulator.model.records import RunRecords
from simulator.model.run import simulate
from simulator.scenario.loading import validate

LAST_HOUR = [0, 0, 0, 0, 0, 0, 0, 1]


def at(day: int, clock: str) -> float:
    hours, minutes = clock.split(":")
    return day * DAY + int(hours) * 60 + int(minutes)


def case(
    steps: list[dict[str, Any]],
    agencies: dict[str, dict[str, Any]],
    configuration: dict[str, Any] | None = None,
    documents: dict[str, Any] | None = None,
    **citizens: Any,
) -> dict[str, Any]:
    """A one-service scenario with every return in the last opening hour."""
    return {
        "name": "by hand",
        "horizon_days": 5,
        "documents": documents or {},
        "agencies": {name: {"backoffice": 1, "travel_minutes": 0, **fields} for name, fields in agencies.items()},
        "services": {
            "permit": {"arrivals": {"per_day": 1, "profile": LAST_HOUR}, "standard_days": 5, "steps": steps}
        },
        "citizens": citizens,
        "configurations": {"tried": configuration or {"preset": "siloed"}},
    }


def one_citizen(data: dict[str, Any], arrival: float) -> RunRecords:
    """What was recorded of one citizen arriving at `arrival`, alone in the offices."""
    return simulate(validate(data, "case.yaml"), "tried", 0, arriving=[(arrival, "permit")])


def contacts(records: RunRecords) -> pd.DataFrame:
    """Counter contacts in the order they started (queues left unserved included)."""
    return records.contacts.sort_values("queued", kind="stable").reset_index(drop=True)


def lead_time_days(records: RunRecords, data: dict[str, Any]) -> float:
    calendar = WorkCalendar(validate(data, "case.yaml").calendar)
    row = records.citizens.iloc[0]
    return calendar.working_days_between(row["arrival"], row["end"])


def in_last_hour(times: pd.Series, day: int) -> bool:
    return bool(((times >= at(day, "15:00")) & (times < at(day, "16:00"))).all())


def test_news_from_a_back_office_does_not_start_an_outing() -> None:
    """A at X (counter 10, back office 30); B at Y, 500 minutes away; arrival Monday 09:00.

    Day 0: A submitted 09:00-09:10; Y cannot be reached before closing: home. A is ready at
    09:40, but the citizen comes back only on day 1, in the last hour: A picked up at X;
    Y again out of reach. Day 2, last hour: B submitted at Y. Three trips; lead time
    2 + (end - 09:00) / 480 working days, with the end between 15:10 and 16:10.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "backoffice": 30},
            {"id": "b", "agency": "y", "counter": 10},
        ],
        {"x": {}, "y": {"travel_minutes": 500}},
    )
    records = one_citizen(data, at(0, "09:00"))
    log = contacts(records)
    assert list(log["kind"]) == ["submission", "pickup", "submission"]
    assert list(log["step"]) == ["a", "a", "b"]
    assert (log.loc[0, "started"], log.loc[0, "ended"]) == (at(0, "09:00"), at(0, "09:10"))
    assert in_last_hour(log.loc[1:1, "started"], 1)
    assert in_last_hour(log.loc[2:2, "started"], 2)
    citizen = records.citizens.iloc[0]
    assert citizen["outcome"] == "completed" and citizen["trips"] == 3
    assert 2 + 370 / 480 <= lead_time_days(records, data) <= 2 + 430 / 480


def test_a_long_back_office_finishing_late_does_not_send_the_citizen_out_at_closing() -> None:
    """As above with a back office of 420 minutes and arrival at 08:00: A is ready at 15:10 on day 0.

    Nothing changes for the citizen: pickup on day 1, B on day 2, both in the last hour.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "backoffice": 420},
            {"id": "b", "agency": "y", "counter": 10},
        ],
        {"x": {}, "y": {"travel_minutes": 500}},
    )
    log = contacts(one_citizen(data, at(0, "08:00")))
    assert list(log["started"] // DAY) == [0, 1, 2]
    assert in_last_hour(log.loc[1:1, "started"], 1)
    assert in_last_hour(log.loc[2:2, "started"], 2)


def test_no_counter_contact_starts_after_closing_at_the_same_desk() -> None:
    """A and B at X (counter 20 each; A handed over at the counter; B requires A); arrival 15:50.

    A is served 15:50-16:10 (a sitting in progress is finished). B cannot start at 16:10:
    the citizen goes home and submits B on day 1, in the last hour. Two trips.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 20},
            {"id": "b", "agency": "x", "counter": 20, "requires": ["a"]},
        ],
        {"x": {}},
    )
    records = one_citizen(data, at(0, "15:50"))
    log = contacts(records)
    assert (log.loc[0, "step"], log.loc[0, "started"], log.loc[0, "ended"]) == ("a", at(0, "15:50"), at(0, "16:10"))
    assert log.loc[1, "step"] == "b" and in_last_hour(log.loc[1:1, "started"], 1)
    assert records.citizens.iloc[0]["trips"] == 2


def test_a_single_window_hands_every_output_over_in_one_pickup() -> None:
    """One-stop service: A (back office 30) and B (back office 600, more than a working day).

    Day 0, 09:00: one sitting of 10 + 10 minutes at the front office; each file reaches its
    back office after the 30-minute hand-off. A is ready on day 0, B on day 1 (600 working
    minutes from 09:50 end at 11:50 on day 1). The citizen comes once, on day 2, for both.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "backoffice": 30},
            {"id": "b", "agency": "y", "counter": 10, "backoffice": 600},
        ],
        {"x": {}, "y": {}},
        configuration={"preset": "single_window"},
    )
    records = one_citizen(data, at(0, "09:00"))
    log = contacts(records)
    pickups = log[log["kind"] == "pickup"]
    assert len(pickups) == 1
    assert pickups.iloc[0]["step"] == "a+b"
    assert in_last_hour(pickups["started"], 2)
    assert records.citizens.iloc[0]["trips"] == 2


def test_a_step_with_no_work_never_yields_a_product_error() -> None:
    """Single window: B (no back-office work, no approval) requires A; B's agency errs almost always.

    B's output is only passed on and handed over: nothing is made, so nothing can come out
    wrong. One pickup on day 1, no product error, two trips.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "backoffice": 30},
            {"id": "b", "agency": "y", "counter": 10, "requires": ["a"]},
        ],
        {"x": {}, "y": {"error_rate": 0.999999}},
        configuration={"preset": "single_window"},
    )
    records = one_citizen(data, at(0, "09:00"))
    citizen = records.citizens.iloc[0]
    assert citizen["product_errors"] == 0 and citizen["trips"] == 2
    assert list(contacts(records)["outcome"]) == ["accepted", "collected"]


def test_reveal_one_names_one_defect_a_sitting() -> None:
    """Siloed: steps A and B at X, one sitting; A needs document p, B document q; both always wrong.

    Day 0: the sitting names p only; A and B are rejected. Day 1 (p fixed): A accepted, B
    rejected naming q. Day 2 (q fixed): B accepted. Three trips, two rejections.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "requires": ["p"]},
            {"id": "b", "agency": "x", "counter": 10, "requires": ["q"]},
        ],
        {"x": {}},
        documents={"p": {"p_defective": 1.0}, "q": {"p_defective": 1.0}},
    )
    records = one_citizen(data, at(0, "09:00"))
    log = contacts(records)
    assert list(log["step"]) == ["a+b", "a+b", "b"]
    assert list(log["outcome"]) == ["rejected", "rejected", "accepted"]
    assert list(log["started"] // DAY) == [0, 1, 2]
    citizen = records.citizens.iloc[0]
    assert (citizen["trips"], citizen["rejections"]) == (3, 2)


def test_reveal_all_names_every_defect_of_the_sitting() -> None:
    """The same with `reveal: all`: both named on day 0, both accepted on day 1. Two trips."""
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "requires": ["p"]},
            {"id": "b", "agency": "x", "counter": 10, "requires": ["q"]},
        ],
        {"x": {}},
        configuration={"preset": "siloed", "reveal": "all"},
        documents={"p": {"p_defective": 1.0}, "q": {"p_defective": 1.0}},
    )
    records = one_citizen(data, at(0, "09:00"))
    assert list(contacts(records)["outcome"]) == ["rejected", "accepted"]
    assert records.citizens.iloc[0]["trips"] == 2


def test_each_document_takes_its_own_time_to_fix() -> None:
    """Building plans take 5 working days to redraw, an ID card copy the citizens' 1 day.

    Day 0 (Monday): both named (reveal all). The sitting can be repeated once both are in
    hand: on day 7 (the 5th working day after Monday, the next Monday).
    """
    data = case(
        [{"id": "a", "agency": "x", "counter": 10, "requires": ["plans", "ktp"]}],
        {"x": {}},
        configuration={"preset": "siloed", "reveal": "all"},
        documents={"plans": {"p_defective": 1.0, "rework_days": 5}, "ktp": {"p_defective": 1.0}},
    )
    log = contacts(one_citizen(data, at(0, "09:00")))
    assert list(log["outcome"]) == ["rejected", "accepted"]
    assert log.loc[1, "started"] // DAY == 7


def test_a_step_named_only_in_after_keeps_its_output() -> None:
    """Single window: B comes after A but does not require it. Both outputs reach the citizen.

    A (back office 30) is ready at 10:20 on day 0 (hand-off 30, work 30 after the 09:20 sitting end);
    B's flow starts when A's is done: hand-off to 10:50, work 30 to 11:20. One pickup of both on day 1.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "backoffice": 30},
            {"id": "b", "agency": "y", "counter": 10, "backoffice": 30, "after": ["a"]},
        ],
        {"x": {}, "y": {}},
        configuration={"preset": "single_window"},
    )
    records = one_citizen(data, at(0, "09:00"))
    work = records.work[records.work["kind"] == "backoffice"].set_index("step")
    assert work.loc["a", "ended"] == at(0, "10:20")
    assert work.loc["b", "started"] == at(0, "10:50") and work.loc["b", "ended"] == at(0, "11:20")
    pickups = records.contacts[records.contacts["kind"] == "pickup"]
    assert list(pickups["step"]) == ["a+b"]
    assert records.citizens.iloc[0]["outcome"] == "completed"


def test_a_same_day_output_is_collected_on_the_same_trip() -> None:
    """A certificate printed while the citizen waits: counter 10, back office 20, `pickup: same_day`.

    Arrival 09:00: submitted 09:00-09:10; printed 09:10-09:30; collected 09:30-09:35. One trip;
    the pickup's wait counts from 09:10, when the citizen began waiting for the print.
    """
    data = case(
        [{"id": "a", "agency": "x", "counter": 10, "backoffice": 20, "pickup": "same_day"}],
        {"x": {}},
    )
    records = one_citizen(data, at(0, "09:00"))
    log = contacts(records)
    assert list(log["kind"]) == ["submission", "pickup"]
    assert (log.loc[1, "queued"], log.loc[1, "started"], log.loc[1, "ended"]) == (
        at(0, "09:10"),
        at(0, "09:30"),
        at(0, "09:35"),
    )
    citizen = records.citizens.iloc[0]
    assert citizen["trips"] == 1 and np.isclose(citizen["wait_minutes"], 20)


def test_a_same_day_output_not_ready_by_closing_is_collected_another_day() -> None:
    """The same print with a back office of 60 minutes, submitted 15:30-15:40: ready at 08:40 on day 1.

    The citizen waits until closing (20 minutes, counted as waiting) and goes home; the
    output is collected from day 2 on, in the last hour: two trips.
    """
    data = case(
        [{"id": "a", "agency": "x", "counter": 10, "backoffice": 60, "pickup": "same_day"}],
        {"x": {}},
    )
    records = one_citizen(data, at(0, "15:30"))
    log = contacts(records)
    assert list(log["kind"]) == ["submission", "pickup", "pickup"]
    assert list(log["outcome"]) == ["accepted", "sent_home", "collected"]
    assert (log.loc[1, "queued"], log.loc[1, "ended"]) == (at(0, "15:40"), at(0, "16:00"))
    assert in_last_hour(log.loc[2:2, "started"], 2)
    citizen = records.citizens.iloc[0]
    assert citizen["trips"] == 2 and np.isclose(citizen["wait_minutes"], 20)


def test_a_single_window_waits_for_a_same_day_output_only_when_it_is_the_last() -> None:
    """One-stop: A printed while waiting (`same_day`, back office 20), B made overnight (back office 600).

    Both are handed over in one pickup, so the citizen does not wait for A on day 0: one
    pickup of both on day 2 (B is ready on day 1), two trips.
    """
    data = case(
        [
            {"id": "a", "agency": "x", "counter": 10, "backoffice": 20, "pickup": "same_day"},
            {"id": "b", "agency": "y", "counter": 10, "backoffice": 600},
        ],
        {"x": {}, "y": {}},
        configuration={"preset": "single_window"},
    )
    records = one_citizen(data, at(0, "09:00"))
    pickups = contacts(records).query("kind == 'pickup'")
    assert list(pickups["step"]) == ["a+b"] and in_last_hour(pickups["started"], 2)
    assert records.citizens.iloc[0]["trips"] == 2


def test_a_run_where_nobody_arrives_ends_at_the_horizon() -> None:
    """So few arrivals that none comes in a year: the run ends at the horizon with nobody counted."""
    data = case([{"id": "a", "agency": "x", "counter": 10}], {"x": {}})
    data["services"]["permit"]["arrivals"] = {"per_day": 1e-6}
    records = simulate(validate(data, "case.yaml"), "tried", 0)
    assert records.citizens.empty
