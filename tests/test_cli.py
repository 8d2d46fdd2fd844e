"""The command line, in-process: commands, exit codes, result files, refusals."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import cli
from simulator.cli import main
from simulator.scenario.loading import load_scenario, read_records

WriteScenario = Callable[[dict[str, Any] | str, str], Path]

FILES = {
    "summary.csv": ["configuration", "metric", "mean", "ci_low", "ci_high", "replications"],
    "comparison.csv": ["configuration", "baseline", "metric", "baseline_mean", "mean", "difference", "ci_low",
                       "ci_high", "relative_change"],
    "replications.csv": ["configuration", "replication", "metric", "value"],
    "citizens.parquet": ["configuration", "replication", "citizen", "service", "arrival", "end", "outcome",
                     "wait_minutes", "longest_wait_minutes", "lead_time_days", "trips", "contacts", "rejections",
                     "within_standard", "ikm", *[f"U{i}" for i in range(1, 10)]],
    "contacts.parquet": ["configuration", "replication", "citizen", "step", "agency", "kind", "queued", "started",
                     "ended", "outcome"],
    "agencies.csv": ["configuration", "replication", "agency", "counter_utilization", "backoffice_utilization",
                     "served", "mean_queue"],
}  # fmt: skip


@pytest.fixture
def tiny_file(write_scenario: WriteScenario, tiny_data: dict[str, Any]) -> Path:
    return write_scenario(tiny_data, "tiny.yaml")


def test_run_writes_every_result_file(tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", str(tiny_file), "--out", str(out), "--jobs", "1"]) == 0
    for name, columns in FILES.items():
        frame = read_records(out / name) if name.endswith(".parquet") else pd.read_csv(out / name)
        assert len(frame) > 0, name
        assert set(columns) <= set(frame.columns), name
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["configuration"]) == {"siloed", "integrated"}
    assert (summary.loc[summary["metric"] == "ikm", "mean"].between(25, 100)).all()
    comparison = pd.read_csv(out / "comparison.csv")
    assert set(comparison["configuration"]) == {"integrated"} and set(comparison["baseline"]) == {"siloed"}
    manifest = json.loads((out / "manifest.json").read_text())
    for key in (
        "scenario_file",
        "scenario_sha256",
        "seed",
        "replications",
        "configurations",
        "command_line",
        "versions",
        "started",
        "ended",
    ):
        assert key in manifest
    assert manifest["replications"] == 2 and manifest["configurations"] == ["siloed", "integrated"]
    assert load_scenario(out / "scenario.yaml") == load_scenario(tiny_file)
    assert (out / "brief.html").exists() and (out / "brief.pdf").exists()
    assert {"timeline.png", "timeline.svg", "lead_time.png", "satisfaction.svg"} <= {
        p.name for p in (out / "figures").iterdir()
    }
    assert "brief.html" in manifest["files"] and "figures/timeline.png" in manifest["files"]
    printed = capsys.readouterr().out
    assert "integrated vs siloed" in printed and "lead time" in printed and str(out) in printed


def test_shorthand_is_run(tiny_file: Path, tmp_path: Path) -> None:
    assert main([str(tiny_file), "--out", str(tmp_path / "a"), "--jobs", "1", "--quiet", "--no-plots"]) == 0
    assert main(["run", str(tiny_file), "--out", str(tmp_path / "b"), "--jobs", "1", "--quiet", "--no-plots"]) == 0
    for name in ("summary.csv", "citizens.parquet", "contacts.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_jobs_do_not_change_the_numbers(tiny_file: Path, tmp_path: Path) -> None:
    assert main(["run", str(tiny_file), "--out", str(tmp_path / "one"), "--jobs", "1", "--quiet", "--no-plots"]) == 0
    assert main(["run", str(tiny_file), "--out", str(tmp_path / "two"), "--jobs", "2", "--quiet", "--no-plots"]) == 0
    for name in (
        "summary.csv",
        "comparison.csv",
        "replications.csv",
        "citizens.parquet",
        "contacts.parquet",
        "agencies.csv",
        "work.parquet",
        "hours.parquet",
    ):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_options_seed_replications_configurations(tiny_file: Path, tmp_path: Path) -> None:
    assert (
        main(
            [
                "run",
                str(tiny_file),
                "--out",
                str(tmp_path / "a"),
                "--quiet",
                "--no-plots",
                "--jobs",
                "1",
                "--replications",
                "3",
                "--seed",
                "99",
                "--configurations",
                "integrated,siloed",
            ]
        )
        == 0
    )
    replications = pd.read_csv(tmp_path / "a" / "replications.csv")
    assert sorted(replications["replication"].unique()) == [0, 1, 2]
    assert list(dict.fromkeys(replications["configuration"])) == ["integrated", "siloed"]
    comparison = pd.read_csv(tmp_path / "a" / "comparison.csv")
    assert set(comparison["baseline"]) == {"integrated"}
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["seed"] == 99
    assert (
        main(
            [
                "run",
                str(tiny_file),
                "--out",
                str(tmp_path / "b"),
                "--quiet",
                "--no-plots",
                "--jobs",
                "1",
                "--replications",
                "3",
            ]
        )
        == 0
    )
    other = read_records(tmp_path / "b" / "citizens.parquet")
    assert not other["arrival"].equals(read_records(tmp_path / "a" / "citizens.parquet")["arrival"])


def test_default_folder_is_under_results(tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "RESULTS_ROOT", tmp_path / "results")
    assert main(["run", str(tiny_file), "--quiet", "--no-plots", "--jobs", "1", "--replications", "2"]) == 0
    assert main(["run", str(tiny_file), "--quiet", "--no-plots", "--jobs", "1", "--replications", "2"]) == 0
    runs = sorted((tmp_path / "results" / "tiny").iterdir())
    assert len(runs) == 2 and all((run / "summary.csv").exists() for run in runs)
    assert not any(path.name.startswith(".") for path in (tmp_path / "results" / "tiny").iterdir())


def test_out_that_holds_results_is_refused(tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "summary.csv").write_text("keep me")
    assert main(["run", str(tiny_file), "--out", str(out), "--quiet", "--no-plots"]) == 2
    assert (out / "summary.csv").read_text() == "keep me" and len(list(out.iterdir())) == 1
    assert "busy" in capsys.readouterr().err


def test_check_says_one_line_then_the_loads(tiny_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tiny_file)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0].startswith("ok: tiny.yaml") and "2 configurations" in printed[0]
    assert printed[1] == "offered load (rework included):" and len(printed) == 3 + 5, "a head and five places"


def step(data: dict[str, Any], index: int) -> dict[str, Any]:
    steps: list[dict[str, Any]] = data["services"]["visit"]["steps"]
    return steps[index]


WRONG: dict[str, tuple[Callable[[dict[str, Any]], object], list[str]]] = {
    "unknown agency": (lambda d: step(d, 0).update(agency="ofice"), ["ofice", "did you mean 'office'"]),
    "negative counters": (lambda d: d["agencies"]["office"].update(counters=-1), ["agencies.office.counters", "-1"]),
    "unknown key": (
        lambda d: d["agencies"]["office"].update(travel_minuts=d["agencies"]["office"].pop("travel_minutes")),
        ["travel_minuts", "travel_minutes"],
    ),
    "bad mean": (lambda d: step(d, 0).update(counter={"dist": "exponential", "mean": -5}), ["counter.mean", "-5"]),
    "unknown preset": (lambda d: d["configurations"]["siloed"].update(preset="silod"), ["silod", "siloed"]),
    "bad time": (lambda d: d["calendar"].update(close="16:75"), ["calendar.close", "16:75"]),
    "cycle": (lambda d: step(d, 1).update(after=["stamp"]), ["cycle", "stamp"]),
    "probability": (lambda d: d["documents"]["letter"].update(p_defective=1.3), ["documents.letter.p_defective"]),
    "warm-up": (lambda d: d.update(warmup_days=3), ["warmup_days"]),
    "single window with citizen hand-off": (
        lambda d: d["configurations"]["integrated"].update(handoff="citizen"),
        ["configurations.integrated.handoff"],
    ),
}


@pytest.mark.parametrize("case", WRONG)
def test_wrong_scenarios_are_refused_cleanly(
    case: str,
    tiny_data: dict[str, Any],
    write_scenario: WriteScenario,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    change, said = WRONG[case]
    change(tiny_data)
    path = write_scenario(tiny_data, "wrong.yaml")
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--no-plots"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""
    message = captured.err.strip()
    assert message.startswith("error: wrong.yaml") and "\n" not in message
    for words in said:
        assert words in message
    assert not out.exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["run"],
        ["run", "x.yaml", "--jobs", "0"],
        ["run", "x.yaml", "--replications", "two"],
        ["--seed", "-1"],
        ["run", "x.yaml", "--seed", "-3"],
        ["frobnicate"],
    ],
)
def test_wrong_arguments_exit_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(arguments) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_file_and_unknown_configuration(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(tmp_path / "nowhere.yaml"), "--quiet", "--no-plots"]) == 2
    assert "nowhere.yaml" in capsys.readouterr().err
    assert main(["run", str(tiny_file), "--configurations", "siloed,integratd", "--quiet", "--no-plots"]) == 2
    assert "did you mean 'integrated'" in capsys.readouterr().err


def test_interrupted_run_exits_130_and_writes_nothing(
    tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_experiment", interrupt)
    assert main(["run", str(tiny_file), "--out", str(tmp_path / "out"), "--quiet", "--no-plots"]) == 130
    assert not (tmp_path / "out").exists()


def test_progress_bar_on_a_terminal_only(tiny_file: Path, tmp_path: Path) -> None:
    """A bar with an ETA on stderr when it is a terminal; none with --quiet; nothing of it in files."""
    root = Path(__file__).resolve().parents[1]
    for quiet, out in ((False, tmp_path / "loud"), (True, tmp_path / "quiet")):
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal's size
        options = ["--no-plots", *(["--quiet"] if quiet else [])]
        process = subprocess.Popen(
            [sys.executable, "run_sim.py", "run", str(tiny_file), "--jobs", "1", "--out", str(out), *options],
            cwd=root, stdout=subprocess.DEVNULL, stderr=follower,
        )  # fmt: skip
        os.close(follower)
        said = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            said += chunk
        assert process.wait(timeout=120) == 0
        os.close(leader)
        bar = b"4/4" in said and b"run" in said
        assert bar != quiet, said.decode(errors="replace")[-300:]
        assert b"4/4" not in (out / "manifest.json").read_bytes()


def test_plot_writes_each_language_beside_the_others_and_records_it(tiny_file: Path, tmp_path: Path) -> None:
    """The issue's case: plot --lang id on a --no-plots folder, then English: neither overwrites the other."""
    out = tmp_path / "run"
    assert main(["run", str(tiny_file), "--out", str(out), "--jobs", "1", "--quiet", "--no-plots"]) == 0
    assert not (out / "figures").exists() and not (out / "brief.html").exists()
    assert json.loads((out / "manifest.json").read_text())["languages"] == []
    assert main(["plot", str(out), "--lang", "id"]) == 0
    assert "Ringkasan kebijakan" in (out / "brief.id.html").read_text(encoding="utf-8")
    assert (out / "brief.id.pdf").exists() and (out / "figures" / "lead_time.id.svg").exists()
    assert (out / "figures" / "timeline.id.png").exists() and not (out / "figures" / "timeline.png").exists()
    bahasa = {p: p.read_bytes() for p in [out / "brief.id.html", out / "brief.id.pdf", *(out / "figures").iterdir()]}
    assert main(["plot", str(out)]) == 0
    assert all(path.read_bytes() == data for path, data in bahasa.items()), "Bahasa Indonesia files untouched"
    assert "Policy brief" in (out / "brief.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["languages"] == ["id", "en"]
    assert {"brief.id.html", "brief.id.pdf", "figures/timeline.id.png", "brief.html", "figures/timeline.png"} <= set(
        manifest["files"]
    )
    assert main(["plot", str(tmp_path / "nowhere")]) == 2


def test_run_speaks_bahasa_on_the_terminal_too(
    tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["run", str(tiny_file), "--out", str(out), "--jobs", "1", "--lang", "id", "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert "integrated dibanding siloed" in captured.out and "waktu penyelesaian" in captured.out
    assert "selang kepercayaan 95%" in captured.out and "berkas hasil:" in captured.out
    assert "vs siloed" not in captured.out and "lead time" not in captured.out
    assert "kurang dari 5 replikasi (2)" in captured.err, "fewer than five replications warn"


def test_services_choose_what_is_printed_and_briefed(
    write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import EDGES  # noqa: PLC0415

    path = write_scenario(EDGES, "edges.yaml")
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--jobs", "1", "--services", "check"]) == 0
    printed = capsys.readouterr().out
    assert "Service: Certificate check (check)" in printed
    assert "Building approval (PBG)" not in printed and "All services together" not in printed
    html = (out / "brief.html").read_text(encoding="utf-8")
    assert "Certificate check (standard 2 working days)" in html and "Building approval (PBG) (standard" not in html
    assert set(pd.read_csv(out / "summary.csv")["service"]) == {"all", "pbg", "check"}, "the files keep every service"
    assert main(["run", str(path), "--out", str(tmp_path / "no"), "--services", "chek", "--quiet"]) == 2
    assert "--services: unknown service 'chek'; did you mean 'check'?" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_sweep_prints_its_table(tiny_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    arguments = ["sweep", str(tiny_file), "--set", "agencies.office.counters=1,2", "--jobs", "1", "--no-plots"]
    assert main([*arguments, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    header = next(line for line in lines if "agencies.office.counters" in line)
    assert "configuration" in header and "wait (minutes)" in header and "IKM" in header
    table = pd.read_csv(out / "sweep.csv")
    wait = table[(table["service"] == "all") & (table["metric"] == "wait_minutes")]
    row = wait[(wait["agencies.office.counters"] == 2) & (wait["configuration"] == "siloed")].iloc[0]
    assert any(line.split()[:2] == ["2", "siloed"] and f"{row['mean']:.2f}" in line for line in lines), printed
