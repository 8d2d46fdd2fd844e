"""Self-reporting: every run folder has stress-des.md, the STRESS-DES checklist filled in."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.report.stress import ITEMS, NOT_FILLED, stress_des
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario

WriteScenario = Callable[[dict[str, Any] | str, str], Path]
SECTIONS = ["1 Objectives", "2 Logic", "3 Data", "4 Experimentation", "5 Implementation", "6 Code access"]


def headings(text: str, level: int) -> list[str]:
    return re.findall(rf"^{'#' * level} (.+)$", text, flags=re.MULTILINE)


def test_a_run_folder_has_every_section_and_item(
    write_scenario: WriteScenario, tiny_data: dict[str, Any], tmp_path: Path
) -> None:
    tiny_data["description"] = "Visits to a small office, to test the report."
    path = write_scenario(tiny_data, "tiny.yaml")
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--jobs", "1", "--quiet", "--no-plots", "--seed", "7"]) == 0
    text = (out / "stress-des.md").read_text()
    assert headings(text, 2) == SECTIONS
    assert headings(text, 3) == [f"{number} {title}" for items in ITEMS.values() for number, title in items.items()]
    manifest = json.loads((out / "manifest.json").read_text())
    assert "stress-des.md" in manifest["files"]
    for filled in ("Visits to a small office", "`integrated`", "`siloed` (the baseline)", "2 per configuration, seed 7",
                   f"simpy {manifest['versions']['simpy']}", "PCG64", "common random numbers", "3 working days"):
        assert filled in text, filled  # fmt: skip
    assert f"{NOT_FILLED} the address of the code repository" in text


def test_every_item_has_text_even_with_an_empty_manifest(tiny: Scenario) -> None:
    text = stress_des(tiny, {})
    items = re.split(r"^### .+$", text, flags=re.MULTILINE)[1:]
    assert len(items) == sum(len(section) for section in ITEMS.values())
    assert all(item.strip() for item in items)
    assert f"{NOT_FILLED} the scenario has no `description`" in text
    assert f"{NOT_FILLED} run time not recorded" in text


def test_data_sources_and_sweeps_are_reported(tiny_data: dict[str, Any]) -> None:
    tiny_data["services"]["visit"]["arrivals"]["source"] = "Ticket log of the office, 2025"
    tiny_data["services"]["visit"]["steps"][1]["counter"] = {
        "dist": "empirical", "values": [3, 5], "source": "times.csv, column minutes: 2 values (sha256 0123456789ab)"
    }  # fmt: skip
    scenario = validate(tiny_data, "tiny.yaml")
    text = stress_des(scenario, {"sweep": {"agencies.office.counters": [1, 2]}, "scenario_file": "tiny.yaml"})
    assert "`services.visit.arrivals`: Ticket log of the office, 2025" in text
    assert "`services.visit.steps[1].counter`: times.csv, column minutes" in text
    assert "Fields read so: `services.visit.steps[1].counter`." in text
    assert "a full grid over `agencies.office.counters` = [1, 2]" in text
    assert "empirical(2 values, mean 4)" in text


@pytest.mark.parametrize("command", ["sweep", "warmup"])
def test_study_folders_have_it_too(
    command: str, write_scenario: WriteScenario, tiny_data: dict[str, Any], tmp_path: Path
) -> None:
    path = write_scenario(tiny_data, "tiny.yaml")
    out = tmp_path / command
    extra = ["--set", "agencies.office.counters=1,2"] if command == "sweep" else ["--horizon-days", "10"]
    options = ["--out", str(out), "--jobs", "1", "--quiet", "--no-plots", "--replications", "1"]
    assert main([command, str(path), *options, *extra]) == 0
    assert headings((out / "stress-des.md").read_text(), 2) == SECTIONS
