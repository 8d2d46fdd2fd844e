"""KPIs from hand-made logs: lead times, utilisation, queues, staff cost."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.metrics import (
    Window,
    busy_minutes,
    citizen_table,
    hourly_table,
    place_table,
    run_metrics,
    staff_cost,
)
from simulator.experiments.runs import run_once
from simulator.model.calendar import DAY, WorkCalendar
from simulator.model.configurations import resolve
from simulator.model.records import RunRecords
from simulator.model.run import simulate
from simulator.model.streams import Streams
from simulator.scenario.loading import load_scenario, validate
from simulator.scenario.schema import Scenario

MONDAY_9 = 9 * 60.0
TUESDAY_9 = DAY + 9 * 60.0


@pytest.fixture
def week_data(tiny_data: dict[str, Any]) -> dict[str, Any]:
    tiny_data["horizon_days"], tiny_data["warmup_days"] = 5, 1
    for agency in tiny_data["agencies"].values():
        agency["wage_per_hour"] = 10.0
    tiny_data["citizens"] = {"cost_per_trip": 100.0}
    return tiny_data


@pytest.fixture
def week(week_data: dict[str, Any]) -> Scenario:
    return validate(week_data, "week.yaml")


def records(citizens: dict[str, list[Any]], contacts: list[tuple[Any, ...]], work: list[tuple[Any, ...]]) -> RunRecords:
    contact_columns = ["citizen", "step", "agency", "kind", "queued", "started", "ended", "outcome", "ahead"]
    work_columns = ["citizen", "step", "agency", "kind", "queued", "started", "ended"]
    times = {"queued": float, "started": float, "ended": float}
    return RunRecords(
        pd.DataFrame(citizens),
        pd.DataFrame(contacts, columns=contact_columns).astype({**times, "citizen": int, "ahead": int}),
        pd.DataFrame(work, columns=work_columns).astype({**times, "citizen": int}),
    )


def citizen_rows(**changes: list[Any]) -> dict[str, list[Any]]:
    rows: dict[str, list[Any]] = {
        "citizen": [0, 1, 2], "service": ["visit"] * 3, "online": [False] * 3,
        "outcome": ["completed", "completed", "abandoned"],
        "arrival": [MONDAY_9, TUESDAY_9, TUESDAY_9], "end": [TUESDAY_9, 3 * DAY + 13 * 60, TUESDAY_9 + 60],
        "wait_minutes": [0.0, 30.0, 60.0], "longest_wait_minutes": [0.0, 20.0, 60.0], "travel_minutes": [20.0] * 3,
        "competence": [1.0] * 3, "trips": [1, 3, 2], "contacts": [1, 3, 1], "rejections": [0, 1, 0],
        "documents": [2, 4, 2], "product_errors": [0, 0, 0], "most_ahead": [0, 25, 3],
    }  # fmt: skip
    return rows | changes


def test_window_leaves_out_the_warm_up(week: Scenario) -> None:
    window = Window(week, WorkCalendar(week.calendar))
    assert window.counted_from == DAY, "warm-up is Monday; counting starts Tuesday 00:00"
    assert window.working_minutes == 4 * 480
    assert window.end - window.start == 4 * 480


def test_lead_time_cost_and_counting(week: Scenario) -> None:
    setup = resolve(week, "siloed")
    window = Window(week, WorkCalendar(week.calendar))
    table = citizen_table(records(citizen_rows(), [], []), week, setup, window, Streams(1, 0))
    assert list(table["counted"]) == [False, True, True]
    assert table["lead_time_days"].iloc[0] == pytest.approx(1.0), "Monday 09:00 to Tuesday 09:00"
    assert table["lead_time_days"].iloc[1] == pytest.approx(2.5), "Tuesday 09:00 to Thursday 13:00"
    assert np.isnan(table["lead_time_days"].iloc[2]), "abandoned: no lead time"
    assert table["lead_time_calendar_days"].iloc[1] == pytest.approx(2 + 4 / 24)
    assert list(table["within_standard"].iloc[:2]) == [1.0, 0.0], "the standard is 2 working days"
    assert list(table["citizen_cost"]) == [100.0, 300.0, 200.0]
    assert list(table["extra_cost_ratio"]) == [1, 3, 2], "a free service: counted in trips' cost"
    assert list(table["U4"]) == [4, 2, 3] and list(table["U9"]) == [3, 2, 3]
    assert list(table["procedures"]) == [0, 0, 0] and list(table["U2"]) == [4, 4, 4], "no counter faced"

    metrics = run_metrics(table, staff_total=1000.0, elements=week.satisfaction.elements)["all"]
    assert metrics["wait_minutes"] == 45.0, "counted citizens only"
    assert metrics["lead_time_days"] == pytest.approx(2.5), "completed and counted"
    assert metrics["abandoned_share"] == 0.5
    assert metrics["staff_cost_per_case"] == 500.0, "every completed citizen of the horizon"
    assert metrics["ikm"] == pytest.approx(table.loc[1:, "ikm"].mean())


def test_the_survey_drivers_of_hand_made_citizens(week_data: dict[str, Any]) -> None:
    """A service with a fee of 200 and trips at 100: U2 from the procedures faced, U4 from the cost, U6 from competence.

    Citizen 0 submits at the office (rejected, then accepted), picks up there, submits and picks up
    at the registry and submits online: 4 procedures (U2 3); 1 trip, 100 beyond the fee: 0.5 of it (U4 4).
    Citizen 1 leaves the office queue, then submits at the office: 1 procedure (U2 4); 3 trips, 300:
    1.5 fees (U4 3). Citizen 2 faces the office's and the registry's submissions and pickups and the front
    office's submission: 5 (U2 2); 2 trips, 200: 1 fee (U4 4).
    """
    week_data["services"]["visit"]["fee"] = 200.0
    week = validate(week_data, "fee.yaml")
    calendar = WorkCalendar(week.calendar)
    contacts = [
        (0, "serve", "office", "submission", 600.0, 600.0, 605.0, "rejected", 0),
        (0, "serve", "office", "submission", 700.0, 700.0, 705.0, "accepted", 0),
        (0, "serve", "office", "pickup", 800.0, 800.0, 805.0, "collected", 0),
        (0, "stamp", "registry", "submission", 900.0, 900.0, 905.0, "accepted", 0),
        (0, "stamp", "registry", "pickup", 910.0, 910.0, 915.0, "collected", 0),
        (0, "stamp", "online", "online", 920.0, 920.0, 920.0, "accepted", 0),
        (1, "serve", "office", "submission", 600.0, np.nan, 640.0, "left_queue", 2),
        (1, "serve", "office", "submission", 700.0, 720.0, 725.0, "accepted", 0),
        (2, "serve", "office", "submission", 600.0, 600.0, 605.0, "accepted", 0),
        (2, "serve", "office", "pickup", 700.0, 700.0, 705.0, "collected", 0),
        (2, "stamp", "registry", "submission", 800.0, 800.0, 805.0, "accepted", 0),
        (2, "stamp", "registry", "pickup", 900.0, 900.0, 905.0, "collected", 0),
        (2, "stamp", "front_office", "submission", 950.0, 950.0, 955.0, "accepted", 0),
    ]
    rows = citizen_rows(competence=[0.85, 1.0, 1.2], outcome=["completed"] * 3)
    window = Window(week, calendar)
    table = citizen_table(records(rows, contacts, []), week, resolve(week, "siloed"), window, Streams(1, 0))
    assert list(table["procedures"]) == [4, 1, 5]
    assert list(table["U2"]) == [3, 4, 2]
    assert list(table["citizen_cost"]) == [300, 500, 400]
    assert list(table["extra_cost_ratio"]) == [0.5, 1.5, 1.0]
    assert list(table["U4"]) == [4, 3, 4]
    assert list(table["U6"]) == [4, 3, 2], "10% faster or more is 4; the norm 1.0 is 3; 20% slower is 2"


def test_u4_of_a_fee_below_one_trip_is_counted_in_trips(week_data: dict[str, Any]) -> None:
    """A fee of 20 against trips of 100: one trip beyond the fee is once the reference (one trip's cost)."""
    week_data["services"]["visit"]["fee"] = 20.0
    week = validate(week_data, "cheap.yaml")
    window = Window(week, WorkCalendar(week.calendar))
    table = citizen_table(records(citizen_rows(), [], []), week, resolve(week, "siloed"), window, Streams(1, 0))
    assert list(table["extra_cost_ratio"]) == [1, 3, 2] and list(table["U4"]) == [4, 2, 3]


def test_within_standard_is_over_every_counted_citizen(week: Scenario) -> None:
    """Issue 10's ruling: one who gave up, or is still in the system, is not within the standard.

    Counted: citizen 1 completes in 1.5 working days (standard 2), citizen 2
    gives up, citizen 3 is still in the system. Within standard: 1 of 3, not
    1 of 1; the lead time stays over completed citizens (1.5), with 1/3
    abandoned beside it.
    """
    rows = citizen_rows(
        citizen=[0, 1, 2, 3], service=["visit"] * 4, online=[False] * 4,
        outcome=["completed", "completed", "abandoned", "in_system"],
        arrival=[MONDAY_9, TUESDAY_9, TUESDAY_9, TUESDAY_9], end=[TUESDAY_9, 2 * DAY + 13 * 60, TUESDAY_9 + 60, np.nan],
        wait_minutes=[0.0] * 4, longest_wait_minutes=[0.0] * 4, travel_minutes=[20.0] * 4, competence=[1.0] * 4,
        trips=[1, 1, 2, 1], contacts=[1, 1, 1, 1], rejections=[0] * 4, documents=[2] * 4, product_errors=[0] * 4,
        most_ahead=[0] * 4,
    )  # fmt: skip
    window = Window(week, WorkCalendar(week.calendar))
    table = citizen_table(records(rows, [], []), week, resolve(week, "siloed"), window, Streams(1, 0))
    assert list(table["within_standard"]) == [1.0, 1.0, 0.0, 0.0]
    metrics = run_metrics(table, staff_total=0.0, elements=week.satisfaction.elements)["all"]
    assert metrics["within_standard_share"] == pytest.approx(1 / 3)
    assert metrics["lead_time_days"] == pytest.approx(1.5)
    assert metrics["abandoned_share"] == pytest.approx(1 / 3)
    assert metrics["in_system"] == 1


def test_every_service_and_all_together(week: Scenario) -> None:
    """Two services: the KPIs of each, and of all; staff cost shared by the staff's busy minutes.

    Citizens 1 (visit, completed) and 2 (other, gave up) are counted. Staff
    worked 60 counter minutes for citizen 1 and 30 + 90 back-office minutes
    for citizen 2: 1/3 of 1200 falls to visit, over its 2 completed citizens
    (citizen 0 is warm-up but completed in the horizon); 2/3 to other, which
    has no completed citizen (NaN: no completed applicants).
    """
    rows = citizen_rows(service=["visit", "visit", "other"])
    contacts = [
        (1, "serve", "office", "submission", TUESDAY_9, TUESDAY_9, TUESDAY_9 + 60, "accepted", 0),
        (2, "serve", "office", "submission", TUESDAY_9, TUESDAY_9, TUESDAY_9 + 30, "accepted", 0),
        (2, "serve", "office", "submission", TUESDAY_9, np.nan, TUESDAY_9 + 30, "left_queue", 0),
    ]
    work = [
        (2, "serve", "office", "backoffice", TUESDAY_9, TUESDAY_9 + 30, TUESDAY_9 + 120),
        (2, "serve", "office", "approval", TUESDAY_9, TUESDAY_9, TUESDAY_9 + 900),
    ]
    logs = records(rows, contacts, work)
    busy = busy_minutes(logs, WorkCalendar(week.calendar))
    assert busy == {"other": pytest.approx(120.0), "visit": pytest.approx(60.0)}
    setup = resolve(week.model_copy(update={"services": {**week.services, "other": week.services["visit"]}}), "siloed")
    table = citizen_table(logs, week, setup, Window(week, WorkCalendar(week.calendar)), Streams(1, 0))
    metrics = run_metrics(table, 1200.0, week.satisfaction.elements, ["visit", "other"], busy)
    assert list(metrics) == ["all", "visit", "other"]
    assert metrics["visit"]["wait_minutes"] == 30.0 and metrics["other"]["wait_minutes"] == 60.0
    assert metrics["all"]["wait_minutes"] == 45.0
    assert metrics["visit"]["abandoned_share"] == 0.0 and metrics["other"]["abandoned_share"] == 1.0
    assert metrics["visit"]["staff_cost_per_case"] == pytest.approx(1200 / 3 / 2)
    assert np.isnan(metrics["other"]["staff_cost_per_case"])
    assert metrics["all"]["staff_cost_per_case"] == pytest.approx(1200 / 2)
    assert metrics["other"]["arrived"] == 1 and metrics["visit"]["arrived"] == 1


def test_utilisation_and_queue_in_working_time(week: Scenario) -> None:
    setup = resolve(week, "siloed")
    window = Window(week, WorkCalendar(week.calendar))
    contacts = [
        (1, "serve", "office", "submission", TUESDAY_9, TUESDAY_9 + 60, TUESDAY_9 + 120, "accepted", 0),
        (2, "serve", "office", "submission", TUESDAY_9 + 10, np.nan, TUESDAY_9 + 40, "left_queue", 1),
        (0, "serve", "office", "submission", MONDAY_9, MONDAY_9, MONDAY_9 + 60, "accepted", 0),
    ]
    overnight = 15 * 60.0 + DAY  # Tuesday 15:00, three working hours: ends Wednesday 10:00
    work = [(1, "serve", "office", "backoffice", overnight, overnight, 2 * DAY + 10 * 60)]
    table = place_table(records(citizen_rows(), contacts, work), setup, window).set_index("agency")
    office = table.loc["office"]
    assert office["counter_utilization"] == pytest.approx(60 / (1 * 4 * 480)), "Monday's sitting is warm-up"
    assert office["backoffice_utilization"] == pytest.approx(180 / (1 * 4 * 480)), "overnight counts working time"
    assert office["mean_queue"] == pytest.approx((60 + 30) / (4 * 480))
    assert office["max_queue"] == 2
    assert office["served"] == 1, "the served contacts that started in the window"
    assert table.loc["registry", "counter_utilization"] == 0


def test_waits_and_longest_queue_of_the_queues_joined_in_the_window(week: Scenario) -> None:
    """Waits 60 (served), 30 (left the queue) and 0 (served at once); Monday's wait of 90 is warm-up."""
    setup = resolve(week, "siloed")
    window = Window(week, WorkCalendar(week.calendar))
    contacts = [
        (1, "serve", "office", "submission", TUESDAY_9, TUESDAY_9 + 60, TUESDAY_9 + 65, "accepted", 0),
        (2, "serve", "office", "submission", TUESDAY_9 + 10, np.nan, TUESDAY_9 + 40, "left_queue", 1),
        (2, "serve", "office", "pickup", TUESDAY_9 + 100, TUESDAY_9 + 100, TUESDAY_9 + 105, "collected", 0),
        (0, "serve", "office", "submission", MONDAY_9, MONDAY_9 + 90, MONDAY_9 + 95, "accepted", 4),
        (1, "stamp", "registry", "submission", TUESDAY_9 + 70, TUESDAY_9 + 70, TUESDAY_9 + 75, "accepted", 0),
    ]
    table = place_table(records(citizen_rows(), contacts, []), setup, window).set_index("agency")
    office = table.loc["office"]
    assert office["mean_wait_minutes"] == pytest.approx((60 + 30 + 0) / 3)
    assert office["wait_minutes_p90"] == pytest.approx(np.quantile([60, 30, 0], 0.9)) == pytest.approx(54)
    assert office["max_queue"] == 2, "one waiting, a second joins behind: Monday's 5 are warm-up"
    registry = table.loc["registry"]
    assert registry["max_queue"] == 0, "nobody waited at the registry"
    assert registry["mean_wait_minutes"] == 0 and registry["wait_minutes_p90"] == 0
    hours = hourly_table(records(citizen_rows(), contacts, []), setup, window).set_index(["agency", "hour"])
    assert hours.loc[("office", 9), "mean_wait_minutes"] == pytest.approx(45), "joined 09:00 and 09:10"
    assert hours.loc[("office", 10), "mean_wait_minutes"] == 0, "the pickup at 10:40, served at once"
    assert hours.loc[("office", 9), "max_queue"] == 2 and hours.loc[("office", 10), "max_queue"] == 0
    assert np.isnan(hours.loc[("office", 8), "mean_wait_minutes"]) and hours.loc[("office", 8), "max_queue"] == 0


def test_a_desk_where_nobody_waited_reports_no_queue(tiny_data: dict[str, Any]) -> None:
    """The registry: 20 citizens a day, 5 minutes each, 30 counters: nobody ever waits."""
    tiny_data["agencies"]["registry"]["counters"] = 30
    scenario = validate(tiny_data, "idle.yaml")
    run = run_once(scenario, "siloed", 0)
    registry = run.places.set_index("agency").loc["registry"]
    assert registry["served"] > 0
    assert registry["max_queue"] == 0 and registry["mean_wait_minutes"] == 0 and registry["wait_minutes_p90"] == 0
    assert (run.hours.loc[run.hours["agency"] == "registry", "max_queue"] == 0).all()


def test_a_back_office_is_measured_until_its_counted_work_ends(tiny_data: dict[str, Any]) -> None:
    """Files reach the registry only after a 4-day approval: by the horizon's end it has done nothing yet.

    Utilisation is its work (every file's, also of citizens arriving after the
    horizon) over staff x working minutes from the window's start to the end of
    the last work of a counted citizen, not over the 3 horizon days.
    """
    tiny_data["services"]["visit"]["steps"] = [
        {"id": "approve", "agency": "office", "counter": 5, "approval_days": 4},
        {"id": "register", "agency": "registry", "counter": 5, "backoffice": 20, "after": ["approve"]},
    ]
    scenario = validate(tiny_data, "late.yaml")
    setup = resolve(scenario, "integrated")
    calendar = WorkCalendar(scenario.calendar)
    window = Window(scenario, calendar)
    logs = simulate(scenario, "integrated", 0)
    registry = place_table(logs, setup, window).set_index("agency").loc["registry"]
    work = logs.work[(logs.work["kind"] == "backoffice") & (logs.work["agency"] == "registry")]
    started = calendar.working_minutes_of(work["started"].to_numpy())
    ended = calendar.working_minutes_of(work["ended"].to_numpy())
    counted = logs.citizens["arrival"].to_numpy()[work["citizen"].to_numpy()] < window.counted_until
    assert counted.any() and started.min() >= window.end, "all after the horizon"
    last = ended[counted].max()
    busy = (np.minimum(ended, last) - np.minimum(started, last)).sum()
    assert registry["backoffice_utilization"] == pytest.approx(busy / (1 * last)), "one officer, from day 0's opening"
    assert registry["backoffice_utilization"] > 0.1
    assert registry["backoffice_days"] == pytest.approx(last / 480)


def test_staff_cost_pays_every_officer_for_the_horizon(week: Scenario) -> None:
    window = Window(week, WorkCalendar(week.calendar))
    hours = 5 * 8
    assert staff_cost(week, resolve(week, "siloed"), window) == pytest.approx((2 + 3) * 10 * hours)
    single = resolve(week, "integrated")
    assert staff_cost(week, single, window) == pytest.approx((1 + 1 + 3) * 10 * hours), "front office at mean wage"


def test_staff_cost_per_place(week_data: dict[str, Any]) -> None:
    """Office: 1 counter + 1 back office at 10 an hour; registry: 2 + 1 at 20; 5 days of 8 hours."""
    week_data["agencies"]["registry"]["wage_per_hour"] = 20.0
    week = validate(week_data, "week.yaml")
    window = Window(week, WorkCalendar(week.calendar))
    empty = records(citizen_rows(), [], [])
    siloed = resolve(week, "siloed")
    costs = place_table(empty, siloed, window).set_index("agency")["staff_cost"]
    assert costs.to_dict() == {"office": 2 * 10 * 40, "registry": 3 * 20 * 40}
    assert costs.sum() == pytest.approx(staff_cost(week, siloed, window))
    single = resolve(week, "integrated")
    costs = place_table(empty, single, window).set_index("agency")["staff_cost"]
    assert costs.to_dict() == {"office": 1 * 10 * 40, "registry": 1 * 20 * 40, "front_office": 3 * 15 * 40}, (
        "agencies pay their back offices; the 3 pooled counters are paid the mean wage, 15"
    )
    assert costs.sum() == pytest.approx(staff_cost(week, single, window))


def test_hours_of_the_day_average_to_the_whole_window(bundled: list[Any]) -> None:
    """Queue length and utilisation by hour of day, averaged over the day, match the window's."""
    scenario = load_scenario(next(path for path in bundled if path.stem == "business_licensing"))
    run = run_once(scenario, "siloed", 0)
    hours = run.hours.groupby("agency")[["mean_queue", "counter_utilization"]].mean()
    places = run.places.set_index("agency")
    assert sorted(run.hours["hour"].unique()) == list(range(8, 16))
    for agency in scenario.agencies:
        assert hours.loc[agency, "mean_queue"] == pytest.approx(places.loc[agency, "mean_queue"], rel=0.01)
        assert hours.loc[agency, "counter_utilization"] == pytest.approx(
            places.loc[agency, "counter_utilization"], rel=0.01
        )


def test_hours_of_the_day_agree_with_the_desks_on_queues_and_waits(bundled: list[Any]) -> None:
    """The day's longest queue is the longest of its hours; hourly waits weighted by queues joined are the desk's."""
    scenario = load_scenario(next(path for path in bundled if path.stem == "business_licensing"))
    run = run_once(scenario, "siloed", 0)
    places = run.places.set_index("agency")
    window = Window(scenario, WorkCalendar(scenario.calendar))
    logs = simulate(scenario, "siloed", 0)  # every citizen's queues: warm-up citizens' too, the window decides
    for agency in scenario.agencies:
        mine = run.hours[run.hours["agency"] == agency]
        assert mine["max_queue"].max() == places.loc[agency, "max_queue"] > 0
        contacts = logs.contacts
        joined = contacts[(contacts["agency"] == agency).to_numpy() & window.within(contacts["queued"].to_numpy())]
        per_hour = joined.groupby(joined["queued"] % DAY // 60).size()
        weighted = (mine.set_index("hour")["mean_wait_minutes"] * per_hour).sum() / per_hour.sum()
        assert weighted == pytest.approx(places.loc[agency, "mean_wait_minutes"])


def test_procedure_and_cost_are_no_longer_the_same_answer(tiny_data: dict[str, Any]) -> None:
    """U2 and U4 were both trips: identical for every citizen of every configuration. Now they differ.

    Siloed, a citizen faces the office's submission and pickup and the registry's submission (the stamp
    is handed over at its counter): 3 procedures, U2 3, however many trips rejections cost. A single
    window takes the file and hands the outputs over at one desk: 2 procedures, U2 4. U4 follows trips.
    """
    tiny_data.update(horizon_days=10)
    tiny_data["citizens"] = {"cost_per_trip": 50.0}
    tiny_data["configurations"]["one_stop"] = {"preset": "single_window"}
    scenario = validate(tiny_data, "tiny.yaml")
    siloed = run_once(scenario, "siloed", 0).citizens
    one_stop = run_once(scenario, "one_stop", 0).citizens
    for citizens in (siloed, one_stop):
        assert (citizens["U2"] != citizens["U4"]).any()
        assert list(citizens["extra_cost_ratio"]) == list(citizens["trips"]), "a free service: trips' cost"
    done = siloed[siloed["outcome"] == "completed"]
    assert (done["procedures"] == 3).all() and (done["U2"] == 3).all()
    assert done["trips"].nunique() > 1, "rejections add trips, not procedures"
    done = one_stop[one_stop["outcome"] == "completed"]
    assert (done["procedures"] == 2).all() and (done["U2"] == 4).all()
