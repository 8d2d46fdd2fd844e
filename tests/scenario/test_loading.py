"""Reading scenario files: YAML and TOML agree, defaults are filled, wrong files are refused clearly.

The "Bad input" rule: a wrong scenario is refused with one message that names the file, the path of
the field, what was found and what was expected, with a suggestion for a misspelt name; never a
traceback.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.cli import main
from simulator.scenario.distributions import Exponential, Fixed
from simulator.scenario.loading import ScenarioError, load_scenario, parse_text, validate
from simulator.scenario.schema import Scenario

Data = dict[str, Any]
Writer = Callable[[Data | str, str], Path]

# The tiny scenario of conftest.py with a start date and a holiday, written by hand in both formats.
TINY_YAML = """\
name: tiny
seed: 1
horizon_days: 3
warmup_days: 0
replications: 2
calendar:
  start: 2026-03-02
  open: "08:00"
  close: "16:00"
  workdays: [mon, tue, wed, thu, fri]
  holidays: [2026-03-04]
documents:
  ktp: {p_defective: 0.1}
  letter: {p_defective: 0.3}
agencies:
  office: {name: Office, counters: 1, backoffice: 1, travel_minutes: 10}
  registry: {name: Registry, counters: 2, backoffice: 1, travel_minutes: 20}
services:
  visit:
    name: Visit
    arrivals: {per_day: 20}
    standard_days: 2
    steps:
      - id: serve
        agency: office
        counter: {dist: exponential, mean: 5}
        backoffice: 10
        requires: [ktp]
      - id: stamp
        agency: registry
        counter: 5
        requires: [serve, letter]
configurations:
  siloed: {preset: siloed}
  integrated: {preset: whole_of_government}
"""

TINY_TOML = """\
name = "tiny"
seed = 1
horizon_days = 3
warmup_days = 0
replications = 2

[calendar]
start = 2026-03-02
open = "08:00"
close = "16:00"
workdays = ["mon", "tue", "wed", "thu", "fri"]
holidays = [2026-03-04]

[documents]
ktp = { p_defective = 0.1 }
letter = { p_defective = 0.3 }

[agencies.office]
name = "Office"
counters = 1
backoffice = 1
travel_minutes = 10

[agencies.registry]
name = "Registry"
counters = 2
backoffice = 1
travel_minutes = 20

[services.visit]
name = "Visit"
arrivals = { per_day = 20 }
standard_days = 2

[[services.visit.steps]]
id = "serve"
agency = "office"
counter = { dist = "exponential", mean = 5 }
backoffice = 10
requires = ["ktp"]

[[services.visit.steps]]
id = "stamp"
agency = "registry"
counter = 5
requires = ["serve", "letter"]

[configurations]
siloed = { preset = "siloed" }
integrated = { preset = "whole_of_government" }
"""


def refusal(action: Callable[[], object]) -> str:
    """The message of the ScenarioError that `action` raises (the test fails if it raises none)."""
    with pytest.raises(ScenarioError) as caught:
        action()
    message = str(caught.value)
    assert "Traceback" not in message
    return message


# --- YAML and TOML -------------------------------------------------------------------------------


def test_yaml_and_toml_of_the_same_structure_load_to_equal_scenarios(write_scenario: Writer) -> None:
    from_yaml = load_scenario(write_scenario(TINY_YAML, "tiny.yaml"))
    from_toml = load_scenario(write_scenario(TINY_TOML, "tiny.toml"))
    assert from_yaml == from_toml
    assert from_toml.calendar.start == date(2026, 3, 2)
    assert from_toml.calendar.holidays == [date(2026, 3, 4)]
    assert [step.id for step in from_toml.services["visit"].steps] == ["serve", "stamp"]
    assert from_toml.services["visit"].steps[0].counter == Exponential(mean=5)
    assert from_toml.services["visit"].steps[1].counter == Fixed(value=5)


def test_the_hand_written_files_are_the_tiny_scenario(tiny_data: Data, write_scenario: Writer) -> None:
    tiny_data["calendar"].update(start=date(2026, 3, 2), holidays=[date(2026, 3, 4)])
    expected = validate(tiny_data, "tiny.yaml")
    assert load_scenario(write_scenario(TINY_TOML, "tiny.toml")) == expected
    assert load_scenario(write_scenario(TINY_YAML, "tiny.yml")) == expected


def test_yaml_and_toml_that_differ_load_to_different_scenarios(write_scenario: Writer) -> None:
    other = TINY_TOML.replace("start = 2026-03-02", "start = 2026-03-09")
    assert load_scenario(write_scenario(TINY_YAML, "tiny.yaml")) != load_scenario(write_scenario(other, "o.toml"))


# --- what a valid file means ---------------------------------------------------------------------


def test_unquoted_clock_times_read_as_times_not_sexagesimal_numbers(write_scenario: Writer) -> None:
    text = TINY_YAML.replace('open: "08:00"', "open: 08:00").replace('close: "16:00"', "close: 16:00")
    assert "close: 16:00\n" in text
    scenario = load_scenario(write_scenario(text, "unquoted.yaml"))
    assert scenario.calendar.open == "08:00"
    assert scenario.calendar.close == "16:00"
    assert scenario.calendar.opening_hours == 8


def test_yaml_1_2_numbers(write_scenario: Writer) -> None:
    # YAML 1.1 reads `1e3` as text and `0o17` as text; YAML 1.2 reads both as numbers.
    text = TINY_YAML.replace("arrivals: {per_day: 20}", "arrivals: {per_day: 1e3}").replace("seed: 1", "seed: 0o17")
    scenario = load_scenario(write_scenario(text, "numbers.yaml"))
    assert scenario.services["visit"].arrivals.per_day == 1000.0
    assert scenario.seed == 15


def test_a_bare_number_is_a_fixed_distribution(tiny: Scenario) -> None:
    serve, stamp = tiny.services["visit"].steps
    assert stamp.counter == Fixed(value=5.0)
    assert stamp.counter.dist == "fixed"
    assert serve.backoffice == Fixed(value=10.0)
    assert not serve.backoffice.is_zero


def test_defaults_are_filled_in(tiny_data: Data) -> None:
    del tiny_data["agencies"]["office"]["travel_minutes"]
    del tiny_data["calendar"]
    scenario = validate(tiny_data, "defaults.yaml")
    office = scenario.agencies["office"]
    assert office.travel_minutes == 30.0
    assert office.competence == 1.0
    assert office.error_rate == 0.0
    assert office.pickup_minutes == 5.0
    assert office.wage_per_hour == 0.0
    assert scenario.agencies["registry"].travel_minutes == 20.0  # given values are kept
    assert scenario.citizens.max_visits == 10
    assert scenario.citizens.rework_days == 1
    assert scenario.citizens.cost_per_trip == 0.0
    assert scenario.citizens.patience_minutes is None
    assert scenario.calendar.start == date(2026, 1, 5)
    assert scenario.calendar.start.weekday() == 0  # a Monday
    assert (scenario.calendar.open, scenario.calendar.close) == ("08:00", "16:00")
    assert scenario.calendar.workdays == ["mon", "tue", "wed", "thu", "fri"]
    assert scenario.calendar.holidays == []
    visit = scenario.services["visit"]
    assert visit.fee == 0.0
    assert visit.arrivals.profile is None
    assert visit.steps[1].backoffice == Fixed(value=0)
    assert visit.steps[1].approval_days.is_zero
    assert visit.steps[1].after == []
    assert scenario.documents["ktp"].held_by_government is False
    assert scenario.satisfaction.model == "ikm2017"
    assert scenario.satisfaction.weights is None
    assert scenario.description == ""


def test_sections_documents_citizens_and_satisfaction_may_be_left_out(tiny_data: Data) -> None:
    del tiny_data["documents"]
    tiny_data["services"]["visit"]["steps"][0]["requires"] = []
    tiny_data["services"]["visit"]["steps"][1]["requires"] = ["serve"]
    scenario = validate(tiny_data, "short.yaml")
    assert scenario.documents == {}
    assert scenario.services["visit"].predecessors(scenario.services["visit"].steps[1]) == ["serve"]


def test_requiring_a_step_output_implies_after(tiny: Scenario) -> None:
    visit = tiny.services["visit"]
    assert visit.predecessors(visit.steps[1]) == ["serve"]
    assert visit.final_steps() == ["stamp"]


def round_trip(scenario: Scenario, write_scenario: Writer, name: str) -> Scenario:
    text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    return load_scenario(write_scenario(text, name))


def test_the_resolved_tiny_scenario_round_trips_through_yaml(tiny: Scenario, write_scenario: Writer) -> None:
    again = round_trip(tiny, write_scenario, "again.yaml")
    assert again == tiny
    assert again.model_dump(mode="json") == tiny.model_dump(mode="json")


def test_a_scenario_with_every_section_round_trips(tiny_data: Data, write_scenario: Writer) -> None:
    tiny_data["calendar"].update(start=date(2026, 3, 2), holidays=[date(2026, 3, 4)])
    tiny_data["citizens"] = {"patience_minutes": {"dist": "gamma", "mean": 60, "sd": 20}, "max_visits": 4}
    tiny_data["satisfaction"] = {"baseline": {"U7": 3.2, "U10": 2.5}}
    tiny_data["services"]["visit"]["arrivals"]["profile"] = [3, 4, 3, 2, 2, 2, 1, 1]
    tiny_data["services"]["visit"]["steps"][0]["approval_days"] = {
        "dist": "triangular",
        "min": 0.5,
        "mode": 1,
        "max": 2,
    }
    tiny_data["services"]["visit"]["steps"][1]["backoffice"] = {"dist": "empirical", "values": [1, 2, 4]}
    tiny_data["configurations"]["fast"] = {
        "preset": "single_window",
        "front_office_counters": 3,
        "online_share": 0.25,
        "agencies": {"registry": {"counters": 4}},
        "documents": {"letter": {"p_defective": 0.05}},
        "services": {"visit": {"steps": {"stamp": {"counter": {"dist": "uniform", "min": 2, "max": 4}}}}},
    }
    scenario = validate(tiny_data, "full.yaml")
    assert round_trip(scenario, write_scenario, "full_again.yaml") == scenario


def test_each_bundled_scenario_loads_and_round_trips(bundled: list[Path], write_scenario: Writer) -> None:
    assert bundled, "no bundled scenarios found in scenarios/"
    for path in bundled:
        scenario = load_scenario(path)
        assert isinstance(scenario, Scenario)
        assert scenario.configurations and scenario.services and scenario.agencies
        assert round_trip(scenario, write_scenario, f"again_{path.name}") == scenario, path.name


# --- wrong scenarios: small changes of the tiny mapping ------------------------------------------


def _step(data: Data, index: int) -> Data:
    step: Data = data["services"]["visit"]["steps"][index]
    return step


def _configure(**configuration: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["configurations"]["x"] = configuration

    return change


WRONG: dict[str, tuple[Callable[[Data], None], list[str]]] = {
    "unknown agency": (
        lambda d: _step(d, 1).update(agency="registri"),
        ["services.visit.steps[1].agency", "unknown agency 'registri'", "did you mean 'registry'?"],
    ),
    "unknown document in requires": (
        lambda d: _step(d, 0).update(requires=["ktpp"]),
        ["services.visit.steps[0].requires[0]", "'ktpp'", "did you mean 'ktp'?"],
    ),
    "unknown step in after": (
        lambda d: _step(d, 1).update(after=["serv"]),
        ["services.visit.steps[1].after[0]", "unknown step 'serv'", "did you mean 'serve'?"],
    ),
    "step cycle": (
        lambda d: _step(d, 0).update(after=["stamp"]),
        ["services.visit.steps[0].after", "cycle", "serve -> stamp -> serve"],
    ),
    "step after itself": (
        lambda d: _step(d, 1).update(after=["stamp"]),
        ["services.visit.steps[1].after", "cycle", "stamp -> stamp"],
    ),
    "negative counters": (
        lambda d: d["agencies"]["office"].update(counters=-1),
        ["agencies.office.counters", "found -1", ">= 0"],
    ),
    "probability above 1": (
        lambda d: d["documents"]["ktp"].update(p_defective=1.5),
        ["documents.ktp.p_defective", "found 1.5", "<= 1"],
    ),
    "text where a number belongs": (
        lambda d: d["agencies"]["registry"].update(travel_minutes="twenty"),
        ["agencies.registry.travel_minutes", "found 'twenty'", "expected a number"],
    ),
    "quoted whole number": (
        lambda d: d.update(horizon_days="3"),
        ["horizon_days", "found '3'", "expected a whole number"],
    ),
    "true where a count belongs": (
        lambda d: d["agencies"]["registry"].update(counters=True),
        ["agencies.registry.counters", "found True", "whole number"],
    ),
    "unknown top-level key": (
        lambda d: d.update(agencys={}),
        ["agencys", "unknown key 'agencys'", "did you mean 'agencies'?"],
    ),
    "unknown key inside an agency": (
        lambda d: d["agencies"]["office"].update(travel_minuts=5),
        ["agencies.office.travel_minuts", "unknown key 'travel_minuts'", "did you mean 'travel_minutes'?"],
    ),
    "unknown key inside a step": (
        lambda d: _step(d, 0).update(requirs=["ktp"]),
        ["services.visit.steps[0].requirs", "did you mean 'requires'?"],
    ),
    "triangular mode outside [min, max]": (
        lambda d: _step(d, 0).update(counter={"dist": "triangular", "min": 1, "mode": 5, "max": 3}),
        ["services.visit.steps[0].counter", "mode (5)", "min (1)", "max (3)"],
    ),
    "lognormal with a negative sd": (
        lambda d: _step(d, 0).update(counter={"dist": "lognormal", "mean": 5, "sd": -1}),
        ["services.visit.steps[0].counter.sd", "found -1", ">= 0"],
    ),
    "exponential without a mean": (
        lambda d: _step(d, 0).update(counter={"dist": "exponential", "value": 5}),
        ["services.visit.steps[0].counter", "value"],
    ),
    "bad clock time": (
        lambda d: d["calendar"].update(close="16:75"),
        ["calendar.close", "'16:75'", "HH:MM"],
    ),
    "close before open": (
        lambda d: d["calendar"].update(open="16:00", close="08:00"),
        ["calendar.close", "08:00", "after opening time 16:00"],
    ),
    "misspelt weekday": (
        lambda d: d["calendar"].update(workdays=["mon", "tues"]),
        ["calendar.workdays[1]", "'tues'", "did you mean 'tue'?"],
    ),
    "warm-up as long as the horizon": (
        lambda d: d.update(warmup_days=3),
        ["warmup_days", "warm-up (3 days)", "horizon (3 days)"],
    ),
    "duplicate step ids": (
        lambda d: _step(d, 1).update(id="serve"),
        ["services.visit.steps[1].id", "'serve'", "used twice"],
    ),
    "profile with the wrong number of weights": (
        lambda d: d["services"]["visit"]["arrivals"].update(profile=[1, 1, 1, 1, 1, 1, 1]),
        ["services.visit.arrivals.profile", "expected 8 weights", "found 7"],
    ),
    "unknown preset": (
        lambda d: d["configurations"]["siloed"].update(preset="silod"),
        ["configurations.siloed.preset", "'silod'", "did you mean 'siloed'?"],
    ),
    "single front office with citizen hand-off": (
        _configure(preset="siloed", front_office="single", handoff="citizen"),
        ["configurations.x.handoff", "single front office", "handoff: citizen"],
    ),
    "configuration changes an unknown agency": (
        _configure(preset="siloed", agencies={"ofice": {"counters": 2}}),
        ["configurations.x.agencies.ofice", "unknown agency 'ofice'", "did you mean 'office'?"],
    ),
    "configuration changes an unknown step": (
        _configure(preset="siloed", services={"visit": {"steps": {"stmp": {"counter": 3}}}}),
        ["configurations.x.services.visit.steps.stmp", "unknown step 'stmp'", "did you mean 'stamp'?"],
    ),
    "configuration changes an unknown service": (
        _configure(preset="siloed", services={"vist": {"steps": {}}}),
        ["configurations.x.services.vist", "unknown service 'vist'", "did you mean 'visit'?"],
    ),
    "configuration sets an invalid value": (
        _configure(preset="siloed", agencies={"office": {"counters": -2}}),
        ["configurations.x.agencies.office.counters", "found -2", ">= 0"],
    ),
    "configuration sets an unknown field": (
        _configure(preset="siloed", agencies={"office": {"countrs": 2}}),
        ["configurations.x.agencies.office.countrs", "did you mean 'counters'?"],
    ),
    "configuration sets an invalid distribution": (
        _configure(
            preset="siloed", services={"visit": {"steps": {"stamp": {"counter": {"dist": "gamma", "mean": -1}}}}}
        ),
        ["configurations.x.services.visit.steps.stamp.counter", "found -1"],
    ),
    "configuration makes a step need an unknown agency": (
        _configure(preset="siloed", services={"visit": {"steps": {"stamp": {"agency": "registy"}}}}),
        ["configurations.x.services.visit.steps[1].agency", "'registy'", "did you mean 'registry'?"],
    ),
    "configuration renames a step": (
        _configure(preset="siloed", services={"visit": {"steps": {"stamp": {"id": "seal"}}}}),
        ["configurations.x.services.visit.steps.stamp.id", "cannot rename"],
    ),
    "satisfaction weights not summing to 1": (
        lambda d: d.update(satisfaction={"weights": {f"U{i}": 0.1 for i in range(1, 10)}}),
        ["satisfaction.weights", "sum to 1", "found 0.9"],
    ),
    "baseline for a driven element": (
        lambda d: d.update(satisfaction={"baseline": {"U1": 3.0}}),
        ["satisfaction.baseline.U1", "scored from the simulation"],
    ),
    "back-office work where there is no back office": (
        lambda d: d["agencies"]["office"].update(backoffice=0),
        ["visit.serve", "'office'", "backoffice", "has backoffice: 0"],
    ),
    "missing required field": (
        lambda d: d["services"]["visit"].pop("standard_days"),
        ["services.visit.standard_days", "missing"],
    ),
    "no steps": (
        lambda d: d["services"]["visit"].update(steps=[]),
        ["services.visit.steps", "at least 1"],
    ),
    "reserved agency name": (
        lambda d: d["agencies"].update(front_office={"counters": 1}),
        ["agencies.front_office", "reserved"],
    ),
}


@pytest.mark.parametrize("case", list(WRONG))
def test_a_wrong_scenario_is_refused_with_file_path_and_value(
    case: str, tiny_data: Data, write_scenario: Writer
) -> None:
    change, expected = WRONG[case]
    change(tiny_data)
    path = write_scenario(tiny_data, "wrong_scenario.yaml")
    message = refusal(lambda: load_scenario(path))
    assert message.startswith("wrong_scenario.yaml: "), message
    assert "\n" not in message, f"one change should give one problem: {message}"
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_validate_names_the_source_it_is_given(tiny_data: Data) -> None:
    tiny_data["agencies"]["office"]["counters"] = -1
    message = refusal(lambda: validate(tiny_data, "from-somewhere.yaml"))
    assert message.startswith("from-somewhere.yaml: agencies.office.counters: ")


def test_several_problems_are_listed_in_one_message(tiny_data: Data) -> None:
    tiny_data["horizon_days"] = "x"
    tiny_data["seed"] = -1
    tiny_data["replications"] = 0
    message = refusal(lambda: validate(tiny_data, "many.yaml"))
    first, *lines = message.splitlines()
    assert first == "many.yaml: 3 problems:"
    assert [line.split(":")[0].strip() for line in lines] == ["seed", "horizon_days", "replications"]


def test_many_problems_are_cut_short(tiny_data: Data) -> None:
    for agency in ("office", "registry"):
        tiny_data["agencies"][agency].update(counters=-1, backoffice=-1, travel_minutes=-1, competence=0)
    message = refusal(lambda: validate(tiny_data, "many.yaml"))
    assert message.startswith("many.yaml: 8 problems:")
    assert message.splitlines()[-1].strip() == "... and 3 more"


# --- wrong files: text and paths ----------------------------------------------------------------


def test_duplicate_yaml_keys_are_refused(write_scenario: Writer) -> None:
    text = TINY_YAML.replace("seed: 1\n", "seed: 1\nseed: 2\n")
    message = refusal(lambda: load_scenario(write_scenario(text, "twice.yaml")))
    assert message.startswith("twice.yaml: not valid YAML: ")
    assert "duplicate key 'seed' on line 3" in message


def test_nested_duplicate_yaml_keys_are_refused(write_scenario: Writer) -> None:
    text = TINY_YAML.replace("{name: Office, counters: 1,", "{name: Office, counters: 1, counters: 2,")
    message = refusal(lambda: load_scenario(write_scenario(text, "twice.yaml")))
    assert "duplicate key 'counters'" in message


def test_text_that_is_not_yaml_is_refused(write_scenario: Writer) -> None:
    message = refusal(lambda: load_scenario(write_scenario("name: [unclosed\n  - : :", "not_yaml.yaml")))
    assert message.startswith("not_yaml.yaml: not valid YAML: line ")


def test_text_that_is_not_toml_is_refused(write_scenario: Writer) -> None:
    text = TINY_TOML.replace('name = "tiny"', "name = tiny")
    message = refusal(lambda: load_scenario(write_scenario(text, "not_toml.toml")))
    assert message.startswith("not_toml.toml: not valid TOML: ")


def test_a_yaml_list_is_not_a_scenario(write_scenario: Writer) -> None:
    message = refusal(lambda: load_scenario(write_scenario("- name: tiny\n- seed: 1\n", "list.yaml")))
    assert message.startswith("list.yaml: expected a mapping of scenario fields, found [")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "just words\n", "42\n"])
def test_empty_or_scalar_yaml_is_not_a_scenario(text: str) -> None:
    message = refusal(lambda: parse_text(text, "empty.yaml"))
    assert message.startswith("empty.yaml: expected a mapping of scenario fields, found ")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    message = refusal(lambda: load_scenario(path))
    assert "nowhere.yaml" in message
    assert "no such scenario file" in message


def test_a_folder_is_not_a_scenario_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert "folder.yaml" in refusal(lambda: load_scenario(folder))


def test_a_txt_file_is_refused(write_scenario: Writer) -> None:
    path = write_scenario(TINY_YAML, "scenario.txt")
    message = refusal(lambda: load_scenario(path))
    assert "scenario.txt" in message
    assert "expected a .yaml, .yml or .toml scenario file, found '.txt'" in message


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TINY_YAML.replace("name: tiny", "name: caf\u00e9").encode("latin-1"))
    message = refusal(lambda: load_scenario(path))
    assert "latin1.yaml" in message
    assert "cannot be read" in message


def test_a_wrong_yaml_file_names_the_field(write_scenario: Writer) -> None:
    text = TINY_YAML.replace("agency: registry", "agency: registri")
    message = refusal(lambda: load_scenario(write_scenario(text, "typo.yaml")))
    assert message == (
        "typo.yaml: services.visit.steps[1].agency: unknown agency 'registri'; did you mean 'registry'? "
        "(expected one of: office, registry)"
    )


def test_a_wrong_toml_file_names_the_field(write_scenario: Writer) -> None:
    text = TINY_TOML.replace('agency = "registry"', 'agency = "registri"')
    message = refusal(lambda: load_scenario(write_scenario(text, "typo.toml")))
    assert message.startswith("typo.toml: services.visit.steps[1].agency: unknown agency 'registri'")


def test_a_toml_date_time_is_not_a_date(write_scenario: Writer) -> None:
    text = TINY_TOML.replace("start = 2026-03-02", "start = 2026-03-02T10:30:00")
    message = refusal(lambda: load_scenario(write_scenario(text, "when.toml")))
    assert message.startswith("when.toml: calendar.start: ")


# --- cases these tests once found mishandled ------------------------------------------------------


@pytest.mark.parametrize("kind", [["exponential"], {"name": "exponential"}])
def test_an_unhashable_distribution_kind_is_refused(kind: object, tiny_data: Data) -> None:
    _step(tiny_data, 0)["counter"] = {"dist": kind, "mean": 5}
    message = refusal(lambda: validate(tiny_data, "dist.yaml"))
    assert message.startswith("dist.yaml: services.visit.steps[0].counter")


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}"])
def test_an_unhashable_yaml_key_is_refused(key: str, write_scenario: Writer) -> None:
    path = write_scenario(TINY_YAML.replace("seed: 1\n", f"seed: 1\n{key}: 2\n"), "key.yaml")
    message = refusal(lambda: load_scenario(path))
    assert message.startswith("key.yaml: not valid YAML: line 3")


@pytest.mark.parametrize(("agency", "field"), [("office", "backoffice"), ("registry", "counters")])
def test_a_staffing_problem_names_the_agency_field(agency: str, field: str, tiny_data: Data) -> None:
    tiny_data["agencies"][agency][field] = 0
    message = refusal(lambda: validate(tiny_data, "staff.yaml"))
    assert message.startswith(f"staff.yaml: agencies.{agency}.{field}: "), message


def test_a_misspelt_distribution_gets_a_suggestion(tiny_data: Data) -> None:
    _step(tiny_data, 0)["counter"] = {"dist": "exponentail", "mean": 5}
    message = refusal(lambda: validate(tiny_data, "dist.yaml"))
    assert message.startswith("dist.yaml: services.visit.steps[0].counter")
    assert "did you mean 'exponential'?" in message


def test_yaml_merge_keys_load_as_with_safe_load() -> None:
    text = "base: &base {counters: 1, backoffice: 1}\nother:\n  <<: *base\n  travel_minutes: 5\n"
    assert parse_text(text, "merge.yaml") == yaml.safe_load(text)


@pytest.mark.parametrize("where", ["start: 2026-03-02", "holidays: [2026-03-04]"])
def test_an_impossible_yaml_date_is_refused(where: str, write_scenario: Writer) -> None:
    wrong = where.replace("2026-03-0", "2026-02-3")
    message = refusal(lambda: load_scenario(write_scenario(TINY_YAML.replace(where, wrong), "date.yaml")))
    assert message.startswith("date.yaml: ")
    assert "2026-02-3" in message


def test_check_refuses_an_impossible_yaml_date(write_scenario: Writer, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(TINY_YAML.replace("start: 2026-03-02", "start: 2026-02-30"), "date.yaml")
    code = main(["check", str(path)])
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    assert code == 2


def test_a_decimal_with_a_leading_zero_is_read_as_decimal(write_scenario: Writer) -> None:
    text = TINY_YAML.replace("travel_minutes: 10", "travel_minutes: 08")
    assert load_scenario(write_scenario(text, "zero.yaml")).agencies["office"].travel_minutes == 8


def test_a_leading_zero_is_not_octal(write_scenario: Writer) -> None:
    text = TINY_YAML.replace("travel_minutes: 10", "travel_minutes: 010")
    assert load_scenario(write_scenario(text, "zero.yaml")).agencies["office"].travel_minutes == 10


@pytest.mark.parametrize(("text", "toml"), [("seed: 9999\n", False), ("seed = 9999\n", True)])
def test_an_absurdly_long_number_is_refused(text: str, toml: bool) -> None:
    source = "long.toml" if toml else "long.yaml"
    message = refusal(lambda: parse_text(text.replace("9999", "9" * 5000), source, toml=toml))
    assert message.startswith(f"{source}: ")


@pytest.mark.parametrize(("prefix", "toml"), [("seed: ", False), ("seed = ", True)])
def test_absurdly_deep_nesting_is_refused(prefix: str, toml: bool) -> None:
    source = "deep.toml" if toml else "deep.yaml"
    message = refusal(lambda: parse_text(prefix + "[" * 5000 + "]" * 5000 + "\n", source, toml=toml))
    assert message.startswith(f"{source}: ")


def test_validate_does_not_change_its_input(tiny_data: Data) -> None:
    original = copy.deepcopy(tiny_data)
    assert isinstance(validate(tiny_data, "tiny.yaml"), Scenario)
    assert tiny_data == original


def test_a_service_lists_its_steps_each_after_those_it_needs(tiny_data: dict[str, Any]) -> None:
    """Each step in turn is the first in the file whose predecessors are listed: `c` waits for `d`."""
    tiny_data["services"]["visit"]["steps"] = [
        {"id": "a", "agency": "office", "counter": 5},
        {"id": "c", "agency": "office", "counter": 5, "requires": ["d"]},
        {"id": "b", "agency": "office", "counter": 5, "after": ["a"]},
        {"id": "d", "agency": "office", "counter": 5},
    ]
    service = validate(tiny_data, "tiny.yaml").services["visit"]
    assert service.in_order() == ["a", "b", "d", "c"]
