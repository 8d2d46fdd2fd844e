"""An optimise run folder read back: the same Optimum, its words in every language; bad folders refused."""

from __future__ import annotations

import copy
import json
import re
import shutil
from dataclasses import fields
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator.experiments.executors import Serial
from simulator.experiments.optimise import Optimum, optimise
from simulator.experiments.optimise_question import Objective
from simulator.experiments.optimise_record import manifest_settings, read_optimum
from simulator.files.output import manifest, write_optimise
from simulator.report.language import LANGUAGES
from simulator.report.optimise_text import answer, brief_guarantee, guarantee, markdown
from simulator.scenario.loading import ScenarioError, validate
from simulator.scenario.observed import sha256
from tests.experiments.test_optimise import OFFICE, question

WHEN = datetime(2026, 12, 1, 9, 0, 0)
TABLES = ("numbers", "candidates", "replications")


def write(optimum: Optimum, folder: Path) -> Path:
    """The folder `optimise` writes for this answer (without figures), from a scenario file beside it."""
    source = folder.parent / "office.yaml"
    source.write_text(yaml.safe_dump(OFFICE, sort_keys=False))
    meta = manifest(source, optimum.question.scenario, ["optimise"], WHEN, WHEN,
                    **manifest_settings(optimum, guarantee(optimum)))  # fmt: skip
    write_optimise(folder, optimum, meta, markdown(optimum))
    return folder


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Optimum, Path]]:
    """Three kinds of answer and their folders: the cheapest, the best within a budget (KN), and none."""
    office = validate(copy.deepcopy(OFFICE), "office.yaml")
    questions = {
        "cheapest": question(office, "wait_minutes<=8", "ikm>=70"),
        "budget": question(office, "wait_minutes<=8", budget=16_000.0, objective=Objective("ikm", maximise=True)),
        "none": question(office, "wait_minutes<=-1"),
    }
    found = {}
    for name, asked in questions.items():
        optimum = optimise(asked, Serial())
        found[name] = (optimum, write(optimum, tmp_path_factory.mktemp(name) / "optimise"))
    return found


@pytest.mark.parametrize("kind", ["cheapest", "budget", "none"])
def test_a_folder_reads_back_as_the_optimum_that_wrote_it(
    answers: dict[str, tuple[Optimum, Path]], kind: str
) -> None:
    optimum, folder = answers[kind]
    again = read_optimum(folder, sha256(folder.parent / "office.yaml"), "office.yaml")
    for lang in LANGUAGES:
        assert answer(again, lang) == answer(optimum, lang)
        assert guarantee(again, lang) == guarantee(optimum, lang)
        assert brief_guarantee(again, lang) == brief_guarantee(optimum, lang)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(again, table), getattr(optimum, table), check_dtype=False)
    same = [f.name for f in fields(Optimum) if f.name not in (*TABLES, "question", "verdicts", "chosen_cost")]
    assert {name: getattr(again, name) for name in same} == {name: getattr(optimum, name) for name in same}
    assert again.chosen_cost == pytest.approx(optimum.chosen_cost, rel=0, abs=0, nan_ok=True)
    assert [(v.status, v.reason) for v in again.verdicts.values()] == [
        (v.status, v.reason) for v in optimum.verdicts.values()
    ]
    asked, read = optimum.question, again.question
    assert (read.variables, read.requirements, read.objective, read.budget, read.looks) == (
        asked.variables, asked.requirements, asked.objective, asked.budget, asked.looks)  # fmt: skip


def test_the_kinds_of_answer_are_those_wanted(answers: dict[str, tuple[Optimum, Path]]) -> None:
    """The round trip above covers a confirmed answer, one selected by KN, and none."""
    assert answers["cheapest"][0].confirmations >= 1
    budget = answers["budget"][0]
    assert budget.selection is not None and budget.contenders > 1
    assert "the best of the" in brief_guarantee(budget) and "with 95% confidence" in brief_guarantee(budget).lower()
    assert answers["none"][0].chosen is None


def copied(answers: dict[str, tuple[Optimum, Path]], tmp_path: Path) -> Path:
    folder = tmp_path / "optimise"
    shutil.copytree(answers["cheapest"][1], folder)
    return folder


def edit_manifest(folder: Path, change: dict[str, object], remove: str = "") -> None:
    data = json.loads((folder / "manifest.json").read_text())
    data["optimise"] |= change
    data["optimise"].pop(remove, None)
    (folder / "manifest.json").write_text(json.dumps(data))


def test_an_optimisation_of_another_scenario_is_refused(answers: dict[str, tuple[Optimum, Path]]) -> None:
    folder = answers["cheapest"][1]
    with pytest.raises(ScenarioError, match="an optimisation of another scenario than run: its scenario file's sha"):
        read_optimum(folder, "0" * 64, "run")


@pytest.mark.parametrize(
    ("change", "remove", "said"),
    [
        ({}, "selection", "written by an earlier optimise, whose manifest.json does not keep selection"),
        ({"first": "many"}, "", "manifest.json is damaged: optimise.first: expected a whole number, found 'many'"),
        ({"confidence": 2}, "", "optimise.confidence: expected a number < 1"),
        ({"configuration": "hybrid"}, "", "configuration 'hybrid' is not one of its scenario.yaml"),
        ({"vary": {"agencies.office.counters": [1, 4]}}, "", "optimise.chosen names other paths"),
        ({"require": ["ikn>=70"]}, "", "unknown metric 'ikn'"),
    ],
)
def test_a_damaged_manifest_is_named(
    answers: dict[str, tuple[Optimum, Path]], tmp_path: Path, change: dict[str, object], remove: str, said: str
) -> None:
    folder = copied(answers, tmp_path)
    edit_manifest(folder, change, remove)
    with pytest.raises(ScenarioError) as error:
        read_optimum(folder)
    assert said in str(error.value) and str(folder) in str(error.value)


def test_what_is_not_an_optimise_folder_is_refused(answers: dict[str, tuple[Optimum, Path]], tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such folder"):
        read_optimum(tmp_path / "nowhere")
    folder = copied(answers, tmp_path)
    (folder / "candidates.csv").write_text((folder / "candidates.csv").read_text().replace("feasible", "Feasible"))
    with pytest.raises(ScenarioError, match=re.escape("'candidates.csv' is damaged: it is not the file the run wrote")):
        read_optimum(folder)
    (folder / "candidates.csv").unlink()
    with pytest.raises(ScenarioError, match=re.escape("not a complete optimise run folder: missing candidates.csv")):
        read_optimum(folder)
    data = json.loads((folder / "manifest.json").read_text())
    del data["optimise"]
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ScenarioError, match=re.escape("its manifest.json has no optimise block")):
        read_optimum(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(ScenarioError, match=re.escape("not an optimise run folder: it has no manifest.json")):
        read_optimum(folder)
