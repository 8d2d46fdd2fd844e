"""The brief's staffing section: optimise folders given to `run` and `plot` (--optimum), in both languages.

A small scenario is optimised twice from the command line (the cheapest
staffing that meets a wait; the best IKM within a budget); a run of the same
scenario file briefs both. The brief must state what `optimise` printed.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from simulator.cli import main
from simulator.report.optimise_text import title
from tests.experiments.test_optimise import OFFICE, SMALL, VARY

QUESTIONS = {
    "cheapest": ["--require", "wait_minutes<=8"],
    "budget": ["--budget", "16000", "--maximise", "ikm"],
}
SEARCH = re.compile(r"The search used ([\d,]+) simulations \([^)]*\) on ([\d,]+) of the ([\d,]+) staffings")


@dataclass(frozen=True)
class Briefed:
    root: Path
    scenario: Path
    optimised: dict[str, Path]
    printed: dict[str, str]
    run: Path


def quietly(arguments: list[str]) -> tuple[int, str]:
    with redirect_stdout(io.StringIO()) as printed:
        code = main(arguments)
    return code, printed.getvalue()


@pytest.fixture(scope="module")
def briefed(tmp_path_factory: pytest.TempPathFactory) -> Briefed:
    root = tmp_path_factory.mktemp("staffing")
    scenario = root / "office.yaml"
    scenario.write_text(yaml.safe_dump(OFFICE, sort_keys=False))
    optimised, printed = {}, {}
    for name, question in QUESTIONS.items():
        optimised[name] = root / name
        arguments = ["optimise", str(scenario), "--configuration", "siloed", *VARY, *SMALL, *question]
        code, printed[name] = quietly([*arguments, "--out", str(optimised[name]), "--executor", "serial", "--no-plots"])
        assert code == 0
    run = root / "run"
    given = [part for name in QUESTIONS for part in ("--optimum", str(optimised[name]))]
    settings = ["--replications", "2", "--jobs", "1", "--records", "none", "--quiet"]
    assert main(["run", str(scenario), *given, "--out", str(run), *settings]) == 0
    assert quietly(["plot", str(run), "--lang", "id", *given])[0] == 0
    return Briefed(root, scenario, optimised, printed, run)


def section(page: str) -> str:
    """The staffing section of a brief.html."""
    assert page.count('<section id="staffing">') == 1
    return page.split('<section id="staffing">')[1].split("</section>", maxsplit=1)[0]


def test_the_brief_states_the_answers_as_optimise_printed_them(briefed: Briefed) -> None:
    staffing = section((briefed.run / "brief.html").read_text(encoding="utf-8"))
    assert title("en") in staffing
    for name, printed in briefed.printed.items():
        answer = printed.splitlines()[0]
        assert answer.startswith(("The cheapest staffing of siloed", "With 16,000 a month, the best"))
        assert html.escape(answer) in staffing, name
        used, simulated, grid = SEARCH.search(printed).groups()
        assert f"the search simulated {simulated} of the {grid} staffings in the ranges" in staffing
        assert f"{used} simulations in all" in staffing
    assert "With 95% confidence it meets every requirement, judged again on" in staffing
    assert "With 95% confidence, for the IKM it is within 0.50 of the best of the" in staffing


def test_the_bahasa_brief_states_the_same_numbers(briefed: Briefed) -> None:
    staffing = section((briefed.run / "brief.id.html").read_text(encoding="utf-8"))
    assert title("id") in staffing
    for name, printed in briefed.printed.items():
        report = (briefed.optimised[name] / "optimise.md").read_text(encoding="utf-8")
        paragraph = report.split(f"## {title('id')}")[1].strip().splitlines()[0]
        assert html.escape(paragraph) in staffing, name
        cost = re.search(r"(?:costs|costing) ([\d,]+) a month", printed).group(1)
        assert f"{cost.replace(',', '.')} per bulan" in paragraph
        used = SEARCH.search(printed).group(1)
        assert f"seluruhnya {used.replace(',', '.')} simulasi" in staffing
    assert "Dengan tingkat kepercayaan 95%, susunan ini memenuhi setiap persyaratan" in staffing


def test_the_figures_and_the_manifest(briefed: Briefed) -> None:
    figures = {path.name for path in (briefed.run / "figures").iterdir()}
    for number in (1, 2):
        for lang in ("", ".id"):
            assert {f"staffing_{number}{lang}.png", f"staffing_{number}{lang}.svg"} <= figures
    staffing = section((briefed.run / "brief.html").read_text(encoding="utf-8"))
    assert len(re.findall(r'<figure id="figure-staffing_\d"><img [^>]*src="data:image/png;base64,', staffing)) == 2
    recorded = json.loads((briefed.run / "manifest.json").read_text())
    given = [str(briefed.optimised[name]) for name in QUESTIONS]
    assert recorded["optimum"] == {"en": given, "id": given}
    assert "figures/staffing_2.id.png" in recorded["sha256"]
    pdf = (briefed.run / "brief.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) <= 2


def test_a_brief_plotted_without_them_drops_the_section_of_its_language(briefed: Briefed, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(briefed.run, run)
    assert quietly(["plot", str(run)])[0] == 0
    assert 'id="staffing"' not in (run / "brief.html").read_text(encoding="utf-8")
    figures = {path.name for path in (run / "figures").iterdir()}
    assert not any(re.fullmatch(r"staffing_\d\.(png|svg)", name) for name in figures)
    assert "staffing_1.id.png" in figures, "the Bahasa Indonesia brief still carries it"
    recorded = json.loads((run / "manifest.json").read_text())
    assert list(recorded["optimum"]) == ["id"] and "figures/staffing_1.png" not in recorded["files"]


def damaged(briefed: Briefed, tmp_path: Path, how: str) -> Path:
    """A copy of the cheapest staffing's folder, damaged: another scenario's, or an unreadable manifest."""
    folder = tmp_path / how
    shutil.copytree(briefed.optimised["cheapest"], folder)
    if how == "another scenario":
        recorded = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps(recorded | {"scenario_sha256": "0" * 64}))
    else:
        (folder / "manifest.json").write_text('{"optimise": ')
    return folder


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("run", "run: not an optimise run folder: its manifest.json has no optimise block"),
        ("nowhere", "nowhere: no such folder (expected a folder written by `optimise`)"),
        ("another scenario", "another scenario: an optimisation of another scenario than"),
        ("unreadable", "unreadable: manifest.json is damaged: not readable as JSON"),
        ("twice", "--optimum"),
    ],
)
@pytest.mark.parametrize("command", ["run", "plot"])
def test_bad_optimise_folders_exit_2_and_write_nothing(
    briefed: Briefed, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, given: str, said: str
) -> None:
    folders = {"run": [briefed.run], "nowhere": [tmp_path / "nowhere"], "twice": [briefed.optimised["budget"]] * 2}
    if given in ("another scenario", "unreadable"):
        folders[given] = [damaged(briefed, tmp_path, given)]
    options = [part for folder in folders[given] for part in ("--optimum", str(folder))]
    before = {path: path.read_bytes() for path in briefed.run.rglob("*") if path.is_file()}
    out = tmp_path / "out"
    if command == "run":
        code = main(["run", str(briefed.scenario), *options, "--out", str(out), "--jobs", "1", "--quiet"])
    else:
        code = main(["plot", str(briefed.run), *options])
    error = capsys.readouterr().err
    assert code == 2 and said in error and "Traceback" not in error
    assert "given twice" in error or given != "twice"
    assert not out.exists()
    assert {path: path.read_bytes() for path in briefed.run.rglob("*") if path.is_file()} == before
    assert not [path for path in briefed.root.iterdir() if path.name.startswith(".")], "no half-written folder"


def test_an_optimisation_of_another_scenario_file_is_refused_by_run(
    briefed: Briefed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "busier.yaml"
    other.write_text(briefed.scenario.read_text().replace("per_day: 60", "per_day: 61"))
    out = tmp_path / "out"
    assert main(["run", str(other), "--optimum", str(briefed.optimised["cheapest"]), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"an optimisation of another scenario than {other}" in error and not out.exists()


def test_optimum_needs_the_brief(briefed: Briefed, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    options = ["--optimum", str(briefed.optimised["cheapest"]), "--no-plots", "--out", str(out)]
    assert main(["run", str(briefed.scenario), *options]) == 2
    assert "which --no-plots leaves out" in capsys.readouterr().err and not out.exists()
