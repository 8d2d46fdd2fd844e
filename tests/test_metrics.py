"""KPIs from hand-made logs: lead times, utilisation, queues, staff cost."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.calendar import DAY, WorkCalendar
from simulator.configurations import resolve
from simulator.experiment import run_once
from simulator.loading import load_scenario, validate
from simulator.metrics import Window, citizen_table, place_table, run_metrics, staff_cost
from simulator.records import RunRecords
from simulator.scenario import Scenario
from simulator.streams import Streams

MONDAY_9 = 9 * 60.0
TUESDAY_9 = DAY + 9 * 60.0


@pytest.fixture
def week(tiny_data: dict[str, Any]) -> Scenario:
    tiny_data["horizon_days"], tiny_data["warmup_days"] = 5, 1
    for agency in tiny_data["agencies"].values():
        agency["wage_per_hour"] = 10.0
    tiny_data["citizens"] = {"cost_per_trip": 100.0}
    return validate(tiny_data, "week.yaml")


def records(citizens: dict[str, list[Any]], contacts: list[tuple[Any, ...]], work: list[tuple[Any, ...]]) -> RunRecords:
    contact_columns = ["citizen", "step", "agency", "kind", "queued", "started", "ended", "outcome", "ahead"]
    work_columns = ["citizen", "step", "agency", "kind", "queued", "started", "ended"]
    return RunRecords(
        pd.DataFrame(citizens),
        pd.DataFrame(contacts, columns=contact_columns),
        pd.DataFrame(work, columns=work_columns),
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
    assert list(table["U2"]) == [4, 3, 3] and list(table["U9"]) == [3, 2, 3]

    metrics = run_metrics(table, staff_total=1000.0, elements=week.satisfaction.elements)
    assert metrics["wait_minutes"] == 45.0, "counted citizens only"
    assert metrics["lead_time_days"] == pytest.approx(2.5), "completed and counted"
    assert metrics["abandoned_share"] == 0.5
    assert metrics["staff_cost_per_case"] == 500.0, "every completed citizen of the horizon"
    assert metrics["ikm"] == pytest.approx(table.loc[1:, "ikm"].mean())


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


def test_staff_cost_pays_every_officer_for_the_horizon(week: Scenario) -> None:
    window = Window(week, WorkCalendar(week.calendar))
    hours = 5 * 8
    assert staff_cost(week, resolve(week, "siloed"), window) == pytest.approx((2 + 3) * 10 * hours)
    single = resolve(week, "integrated")
    assert staff_cost(week, single, window) == pytest.approx((1 + 1 + 3) * 10 * hours), "front office at mean wage"


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
