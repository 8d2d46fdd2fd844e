"""Real data in: arrivals from counts per day or hour, service times from samples, both read from CSV files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.cli import main
from simulator.scenario.distributions import Empirical
from simulator.scenario.loading import ScenarioError, load_scenario, validate
from simulator.scenario.observed import DataError, arrivals_from_counts, table
from simulator.scenario.schema import Calendar

Data = dict[str, Any]
WriteScenario = Callable[[dict[str, Any] | str, str], Path]

HOURLY = "date,hour,count\n" + "".join(
    f"2025-03-0{day},{hour:02d}:00,{count}\n"
    for day, counts in ((3, [4, 6, 2, 2, 1, 1, 3, 1]), (4, [2, 4, 2, 0, 1, 1, 1, 1]))
    for hour, count in zip(range(8, 16), counts, strict=True)
)
"""Two days of hourly ticket counts, 08:00-16:00: 20 and 12 arrivals."""


@pytest.fixture
def with_files(tmp_path: Path, tiny_data: Data, write_scenario: WriteScenario) -> Callable[..., Path]:
    """The tiny scenario beside data files: with_files(arrivals=..., counter=..., files={'name.csv': text})."""

    def make(files: dict[str, str], name: str = "scenario.yaml", **fields: Any) -> Path:
        for file, text in files.items():
            (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / file).write_text(text)
        service = tiny_data["services"]["visit"]
        if "arrivals" in fields:
            service["arrivals"] = fields["arrivals"]
        if "counter" in fields:
            service["steps"][0]["counter"] = fields["counter"]
        return write_scenario(tiny_data, name)

    return make


def refusal(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


# --- arrivals -------------------------------------------------------------------------------------


def test_hourly_counts_give_the_mean_per_day_and_the_profile(with_files: Callable[..., Path]) -> None:
    path = with_files({"data/tickets.csv": HOURLY}, arrivals={"csv": "data/tickets.csv", "column": "count",
                                                             "per": "hour", "hour": "hour"})  # fmt: skip
    arrivals = load_scenario(path).services["visit"].arrivals
    assert arrivals.per_day == 16
    assert arrivals.profile == [3, 5, 2, 1, 1, 1, 2, 1]
    assert "data/tickets.csv, column count: 16 hourly counts, 2 days (sha256 " in arrivals.source


def test_a_shorter_last_hour_counts_per_60_minutes() -> None:
    counts = table("count\n6\n2\n4\n2\n", "t.csv")
    found = arrivals_from_counts(counts, "count", "hour", Calendar(open="08:00", close="09:30"))
    assert found.fields() == {"per_day": 7.0, "profile": [5.0, 4.0]}  # 2 arrivals a day in the half hour: 4 an hour


def test_daily_counts_give_the_mean_per_day_and_keep_a_profile(with_files: Callable[..., Path]) -> None:
    path = with_files({"days.csv": "day,count\nmon,18\ntue,22\nwed,20\n"},
                      arrivals={"csv": "days.csv", "column": "count", "per": "day", "profile": [2, 1, 1, 1, 1, 1, 1, 1],
                                "source": "Queue-ticket log, March 2025"})  # fmt: skip
    arrivals = load_scenario(path).services["visit"].arrivals
    assert arrivals.per_day == 20 and arrivals.profile == [2, 1, 1, 1, 1, 1, 1, 1]
    assert arrivals.source.startswith("Queue-ticket log, March 2025; days.csv, column count: 3 daily counts")


def test_the_path_is_relative_to_the_scenario_file(
    with_files: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_files({"days.csv": "count\n10\n"}, arrivals={"csv": "days.csv", "per": "day"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_scenario(path).services["visit"].arrivals.per_day == 10  # a lone column needs no name


def test_semicolons_and_decimal_commas(with_files: Callable[..., Path]) -> None:
    path = with_files({"times.csv": "petugas;menit\nA;4,5\nB;6\n"}, counter={"dist": "empirical", "csv": "times.csv",
                                                                            "column": "menit"})  # fmt: skip
    assert load_scenario(path).services["visit"].steps[0].counter.values == [4.5, 6.0]  # type: ignore[attr-defined]


def test_hourly_counts_that_are_not_whole_days_are_refused(with_files: Callable[..., Path]) -> None:
    text = "count\n" + "1\n" * 12
    path = with_files({"t.csv": text}, arrivals={"csv": "t.csv", "column": "count", "per": "hour"})
    message = refusal(path)
    assert message.startswith("scenario.yaml: services.visit.arrivals.per: t.csv has 12 rows of hourly counts")
    assert "multiple of 8" in message and "from 08:00 to 16:00" in message


def test_an_hour_outside_the_opening_hours_is_refused_with_its_row(with_files: Callable[..., Path]) -> None:
    text = HOURLY.replace("2025-03-04,15:00,1", "2025-03-04,16:00,1")
    path = with_files({"t.csv": text}, arrivals={"csv": "t.csv", "column": "count", "per": "hour", "hour": "hour"})
    message = refusal(path)
    assert "arrivals.hour: t.csv row 17, column 'hour': expected the hour 15:00, found '16:00'" in message
    assert "8 opening hours in order, from 08:00 to 16:00" in message


def test_a_missing_hour_is_refused_where_it_is_missing(with_files: Callable[..., Path]) -> None:
    text = "\n".join(line for line in HOURLY.splitlines() if "03-03,11:00" not in line) + "\n"
    path = with_files({"t.csv": text}, arrivals={"csv": "t.csv", "column": "count", "per": "hour", "hour": "hour"})
    assert "row 5, column 'hour': expected the hour 11:00, found '12:00'" in refusal(path)


def test_an_hour_written_differently_still_matches() -> None:
    counts = table("hour,count\n8,1\n09.00,2\n10:00-11:00,3\n", "t.csv")
    assert arrivals_from_counts(counts, "count", "hour", Calendar(open="08:00", close="11:00"), "hour").per_day == 6


@pytest.mark.parametrize(
    ("arrivals", "field", "words"),
    [
        ({"csv": "t.csv", "column": "count"}, "per", "missing: expected per: day or per: hour"),
        ({"csv": "t.csv", "column": "count", "per": "week"}, "per", "unknown value 'week'"),
        ({"csv": "t.csv", "column": "count", "per": "day", "per_day": 3}, "per_day", "give per_day or csv"),
        ({"csv": "t.csv", "column": "count", "per": "hour", "profile": [1]}, "profile", "hourly counts give"),
        ({"csv": "t.csv", "column": "count", "per": "day", "hour": "hour"}, "hour", "goes with per: hour"),
        ({"csv": "t.csv", "colum": "count", "per": "day"}, "colum", "did you mean 'column'?"),
        ({"csv": "t.csv", "per": "day"}, "column", "expected the name of a column of t.csv"),
        ({"csv": 3, "per": "day"}, "csv", "expected the path of a CSV file, found 3"),
    ],
)
def test_wrong_arrivals_fields_are_refused(
    with_files: Callable[..., Path], arrivals: Data, field: str, words: str
) -> None:
    path = with_files({"t.csv": HOURLY}, arrivals=arrivals)
    message = refusal(path)
    assert message.startswith(f"scenario.yaml: services.visit.arrivals.{field}: ") and words in message


def test_counts_that_are_all_zero_are_refused(with_files: Callable[..., Path]) -> None:
    path = with_files({"t.csv": "count\n0\n0\n"}, arrivals={"csv": "t.csv", "per": "day"})
    assert "every count in column 'count' is 0" in refusal(path)


# --- service times ------------------------------------------------------------------------------


def test_observed_times_become_an_empirical_distribution(with_files: Callable[..., Path], tiny_data: Data) -> None:
    tiny_data["configurations"]["integrated"]["services"] = {
        "visit": {"steps": {"stamp": {"counter": {"dist": "empirical", "csv": "other.csv", "column": "minutes"}}}}
    }
    path = with_files({"times.csv": "clerk,minutes\nA,4.5\nB,6\n\nC,3\n", "other.csv": "minutes\n2\n"},
                      counter={"dist": "empirical", "csv": "times.csv", "column": "minutes"})  # fmt: skip
    scenario = load_scenario(path)
    counter = scenario.services["visit"].steps[0].counter
    assert isinstance(counter, Empirical) and counter.values == [4.5, 6.0, 3.0]
    assert "times.csv, column minutes: 3 values (sha256 " in counter.source
    changed = scenario.catalogue("integrated").services["visit"].steps[1].counter
    assert isinstance(changed, Empirical) and changed.values == [2.0]


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("minutes\n4\nabc\n", "column", "times.csv row 3, column 'minutes': expected a number >= 0, found 'abc'"),
        ("minutes\n4\n-2\n", "column", "times.csv row 3, column 'minutes': expected a number >= 0, found '-2'"),
        ("minutes\n4\n\n5\nnan\n", "column", "row 5, column 'minutes': expected a number >= 0, found 'nan'"),
        ("clerk,minutes\nA,4\nB,\n", "column", "row 3, column 'minutes': expected a number >= 0, found an empty"),
        ("clerk,minutes\nA,4\nB\n", "column", "times.csv row 3: no cell in column 'minutes'"),
        ("clerk,minutes\nA,4,5\n", "csv", "times.csv row 2: 3 cells, but the header has 2"),
        ("clerk,minutes\n", "column", "times.csv: column 'minutes' has no values"),
        ("", "csv", "times.csv is empty"),
        ("clerk,minuets\nA,4\n", "column", "times.csv has no column 'minutes'; did you mean 'minuets'?"),
    ],
)  # fmt: skip
def test_a_malformed_csv_is_refused_with_file_field_and_row(
    with_files: Callable[..., Path], text: str, field: str, words: str
) -> None:
    path = with_files({"times.csv": text}, counter={"dist": "empirical", "csv": "times.csv", "column": "minutes"})
    message = refusal(path)
    assert message.startswith(f"scenario.yaml: services.visit.steps[0].counter.{field}: ")
    assert words in message


def test_a_missing_file_is_refused_naming_where_it_was_looked_for(
    with_files: Callable[..., Path], tmp_path: Path
) -> None:
    path = with_files({}, counter={"dist": "empirical", "csv": "nowhere/times.csv", "column": "minutes"})
    message = refusal(path)
    assert message.startswith("scenario.yaml: services.visit.steps[0].counter.csv: no such file 'nowhere/times.csv'")
    assert str(tmp_path / "nowhere" / "times.csv") in message


def test_values_and_a_file_together_are_refused(with_files: Callable[..., Path]) -> None:
    path = with_files({"t.csv": "m\n1\n"}, counter={"dist": "empirical", "csv": "t.csv", "values": [1]})
    assert "counter.values: values come from the csv file" in refusal(path)


def test_a_data_error_says_which_field_it_concerns() -> None:
    with pytest.raises(DataError) as caught:
        table("a\n1\n", "t.csv").cells("b")
    assert caught.value.key == "column"


# --- through the run ----------------------------------------------------------------------------


def test_a_run_folder_keeps_the_numbers_and_loads_again(
    with_files: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_files({"data/tickets.csv": HOURLY, "times.csv": "minutes\n4\n6\n"},
                      arrivals={"csv": "data/tickets.csv", "column": "count", "per": "hour"},
                      counter={"dist": "empirical", "csv": "times.csv", "column": "minutes"})  # fmt: skip
    out = tmp_path / "run"
    options = ["--jobs", "1", "--no-plots", "--quiet", "--replications", "1"]
    assert main(["run", str(path), "--out", str(out), *options]) == 0
    written = yaml.safe_load((out / "scenario.yaml").read_text())
    assert written["services"]["visit"]["arrivals"]["per_day"] == 16
    assert "csv" not in written["services"]["visit"]["arrivals"]
    assert load_scenario(out / "scenario.yaml") == load_scenario(path)
    assert validate(written, "scenario.yaml").services["visit"].steps[0].counter.expected() == 5


def test_the_cli_refuses_a_malformed_csv_with_exit_2_and_writes_nothing(
    with_files: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_files({"t.csv": "count\n5\n-1\n"}, arrivals={"csv": "t.csv", "column": "count", "per": "day"})
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--jobs", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: scenario.yaml: services.visit.arrivals.column: t.csv row 3, column 'count'")
    assert "Traceback" not in error and not out.exists()
    assert main(["check", str(path)]) == 2


def test_hourly_counts_under_weekday_hours_are_refused() -> None:
    """A Friday that closes at 11:00 has fewer hour rows: the rows cannot be cut into days, so say so."""
    calendar = Calendar(hours={"fri": {"close": "11:00"}})
    with pytest.raises(DataError, match=r"calendar.hours sets other hours for fri: give daily counts \(per: day\)"):
        arrivals_from_counts(table(HOURLY, "t.csv"), "count", "hour", calendar, "hour")
