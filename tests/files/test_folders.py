"""Signals, concurrent runs and the file system: claimed folders, clean ends, a `plot` that trusts nothing.

A run claims its folder before it simulates; SIGTERM ends it like Ctrl-C;
workers die with the run even when it is killed; a later run removes what a
killed one left; bad destinations are refused before simulating and a full
disk gets one line. `plot` checks every file against the manifest's sha256 and
swaps its figures in all at once.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from simulator import cli
from simulator.cli import main
from simulator.files.folders import CLAIM, claim_folder, claim_new_run_folder, remove_stale
from simulator.scenario.loading import read_records

ROOT = Path(__file__).resolve().parents[2]
Data = dict[str, Any]
WriteScenario = Callable[[dict[str, Any] | str, str], Path]
QUICK = ["--jobs", "1", "--quiet", "--no-plots", "--replications", "2"]


@pytest.fixture
def tiny_file(write_scenario: WriteScenario, tiny_data: Data) -> Path:
    return write_scenario(tiny_data, "tiny.yaml")


@pytest.fixture
def slow_file(tmp_path: Path) -> Path:
    """The bundled scenario at many replications: a run that takes minutes (run it with --force), to be stopped."""
    data = yaml.safe_load((ROOT / "scenarios" / "business_licensing.yaml").read_text(encoding="utf-8"))
    data["replications"] = 400
    path = tmp_path / "slow.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def dead_pid() -> int:
    """The id of a process that has ended."""
    code = "import os; print(os.getpid())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout)


def processes_mentioning(word: str) -> list[int]:
    """Processes whose command line holds `word` (workers forked from a run have the run's command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if word.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def never_simulate(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the run simulated before refusing its destination")


# --- claiming a folder ------------------------------------------------------------------------------


def test_runs_in_the_same_second_get_their_own_folders(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 28, 9, 30, 5)
    with multiprocessing.get_context("fork").Pool(6) as pool:
        claims = pool.starmap(claim_new_run_folder, [(Path("s.yaml"), tmp_path, moment)] * 6)
    names = sorted(claim.folder.name for claim in claims)
    assert names == ["20261128-093005", *(f"20261128-093005-{n}" for n in range(2, 7))]


def test_two_runs_with_the_same_out_one_is_refused_at_once(slow_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared"
    command = [sys.executable, "run_sim.py", "run", str(slow_file), "--out", str(out), "--jobs", "1", "--quiet"]
    command.append("--force")
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / CLAIM).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 2 and time.monotonic() - started < 30
        expected = f"error: {out}: another run (process {first.pid}) is writing there; choose another --out\n"
        assert second.stderr == expected
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert not out.exists(), "the first run, terminated, leaves nothing"


def test_a_claim_of_a_run_that_is_gone_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / CLAIM).write_text(str(dead_pid()))
    claim = claim_folder(out)  # the folder left by a run that is gone is removed, and made again
    assert (out / CLAIM).read_text() == str(os.getpid())
    claim.release()
    assert not out.exists()


def test_stale_partial_folders_and_claims_are_removed_by_a_later_run(tmp_path: Path, tiny_file: Path) -> None:
    stem = tmp_path / "results" / "tiny"
    stem.mkdir(parents=True)
    gone = dead_pid()
    (stem / f".20260101-000000.partial-{gone}").mkdir()
    (stem / f".20260101-000000.partial-{gone}" / "summary.csv").write_text("half")
    (stem / "20260101-000001").mkdir()
    (stem / "20260101-000001" / CLAIM).write_text(str(gone))
    mine = stem / f".20260101-000002.partial-{os.getpid()}"
    mine.mkdir()
    remove_stale(stem)
    assert sorted(path.name for path in stem.iterdir()) == [mine.name]


def test_a_failed_run_leaves_no_empty_results_folder(
    tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "RESULTS_ROOT", tmp_path / "results")

    def overloaded(*args: Any, **kwargs: Any) -> None:
        raise cli.OverloadError("more than 10 citizens in the system at once")

    monkeypatch.setattr(cli, "run_experiment", overloaded)
    assert main(["run", str(tiny_file), "--quiet", "--no-plots"]) == 2
    assert not (tmp_path / "results").exists()


# --- destinations checked before simulating ---------------------------------------------------------


@pytest.mark.parametrize("case", ["under a file", "in /proc", "a file", "not empty"])
def test_a_bad_destination_is_refused_before_simulating(
    case: str, tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    out = {
        "under a file": tmp_path / "file" / "out",
        "in /proc": Path("/proc/self/servicecycle-out"),
        "a file": tmp_path / "file",
        "not empty": tmp_path / "full",
    }[case]
    monkeypatch.setattr(cli, "run_experiment", never_simulate)
    assert main(["run", str(tiny_file), "--out", str(out), *QUICK]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: ") and said.count("\n") == 1 and "choose another --out" in said
    assert (tmp_path / "file").read_text() == "x" and sorted(os.listdir(tmp_path / "full")) == ["keep.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_an_unwritable_destination_is_refused_before_simulating(
    tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setattr(cli, "run_experiment", never_simulate)
    assert main(["run", str(tiny_file), "--out", str(locked / "out"), *QUICK]) == 2


def test_a_link_to_an_empty_folder_writes_into_the_folder(tiny_file: Path, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert main(["run", str(tiny_file), "--out", str(tmp_path / "link"), *QUICK]) == 0
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "summary.csv").exists()


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--out", "a\0b"], "an argument cannot hold a NUL character"),
        (["--out", "caf\udce9"], "not UTF-8 text; give file and folder names in UTF-8"),
        (["--scheduler", "not a url::", "--executor", "dask"], "expected an address such as tcp://host:8786"),
        (["--scheduler", "tcp://127.0.0.1:9"], "a scheduler is for --executor dask"),
        (["--scheduler", "abc://127.0.0.1:9", "--executor", "dask"], "unknown protocol 'abc'"),
        (["--set", "agencies.office.counters=" + "[" * 1200 + "1" + "]" * 1200], "nested too deeply"),
    ],
    ids=["nul", "not utf-8", "not a url", "no dask", "protocol", "deep --set"],
)
def test_a_bad_argument_is_one_line_and_exit_2_before_simulating(
    arguments: list[str],
    said: str,
    tiny_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "run_experiment", never_simulate)
    monkeypatch.setattr(cli, "run_sweep", never_simulate)
    command = "sweep" if "--set" in arguments else "run"
    assert main([command, str(tiny_file), *arguments, "--quiet"]) == 2
    error = capsys.readouterr().err
    assert said in error and error.count("\n") == 1 and "Traceback" not in error


def test_a_non_utf8_name_from_the_shell_is_refused(tiny_file: Path, tmp_path: Path) -> None:
    out = os.fsencode(tmp_path) + b"/caf\xe9"
    done = subprocess.run(
        [sys.executable.encode(), b"run_sim.py", b"run", os.fsencode(tiny_file), b"--out", out, b"--quiet"],
        cwd=ROOT, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and b"not UTF-8 text" in done.stderr and b"Traceback" not in done.stderr
    assert not os.path.exists(out)


def test_a_full_disk_is_one_line_and_leaves_nothing(
    tiny_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = pd.DataFrame.to_csv

    def full(frame: pd.DataFrame, path: Any, **kwargs: Any) -> Any:
        if str(path).endswith("citizens.csv"):
            raise OSError(28, "No space left on device")
        return original(frame, path, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    assert main(["run", str(tiny_file), "--out", str(tmp_path / "out"), "--records", "csv", *QUICK]) == 1
    error = capsys.readouterr().err
    assert error == f"error: {tmp_path / 'out'}: the result files could not be written: No space left on device\n"
    assert sorted(os.listdir(tmp_path)) == ["tiny.yaml"]


def test_no_arrivals_with_figures_is_not_a_traceback(
    tiny_data: Data, write_scenario: WriteScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny_data["services"]["visit"]["arrivals"]["per_day"] = 0.02  # with seed 1, nobody comes in the 3 days
    path = write_scenario(tiny_data, "empty.yaml")
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out), "--jobs", "1", "--replications", "2", "--quiet"])
    error = capsys.readouterr().err
    assert "Traceback" not in error and code in (0, 1), error
    assert len(read_records(out / "citizens.parquet")) == 0, "the case is a run without counted citizens"
    assert (out / "summary.csv").exists() and (out / "manifest.json").exists()
    if code == 1:
        assert error.startswith("error: the figures and the brief could not be made") and error.count("\n") == 1
        assert not (out / "figures").exists() and not (out / "brief.html").exists()


def test_a_run_with_figures_says_nothing_with_quiet(
    tiny_file: Path, tmp_path: Path, limited: Callable[..., Any]
) -> None:
    """The brief draws its figures on forked workers: ended at the close, they must not print tracebacks."""
    done = limited("run", str(tiny_file), "--out", str(tmp_path / "out"), "--jobs", "2", "--replications", "2",
                   "--quiet", memory_mb=2000, timeout=300)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "" and done.stdout == ""
    assert (tmp_path / "out" / "brief.html").exists()


# --- SIGTERM and SIGKILL ------------------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["local", "serial"])
def test_sigterm_ends_a_run_like_ctrl_c(executor: str, slow_file: Path, tmp_path: Path) -> None:
    out = tmp_path / f"terminated-{executor}"
    run = subprocess.Popen(
        [sys.executable, "run_sim.py", "run", str(slow_file), "--out", str(out), "--jobs", "2",
         "--executor", executor, "--quiet", "--force"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(8)
    run.send_signal(signal.SIGTERM)
    _, error = run.communicate(timeout=60)
    assert run.returncode == 143, error[-500:]
    assert error == "terminated: nothing was written\n"
    assert not out.exists() and sorted(os.listdir(tmp_path)) == ["slow.yaml"]
    time.sleep(1)
    assert processes_mentioning(str(out)) == [], "orphan workers"


def test_workers_die_with_a_killed_run_and_a_later_run_cleans_up(slow_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    run = subprocess.Popen(
        [sys.executable, "run_sim.py", "run", str(slow_file), "--out", str(out), "--jobs", "2", "--quiet", "--force"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90  # a loaded machine starts the workers late
        while len(processes_mentioning(str(out))) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(processes_mentioning(str(out))) == 3, "the run and its two workers"
    finally:
        run.kill()  # a failed assertion must not leave the slow run behind
        run.wait(timeout=30)
    deadline = time.monotonic() + 10
    while processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_mentioning(str(out)) == [], "workers outlived a killed run"
    assert os.listdir(out) == [CLAIM], "a killed run leaves only its claim"
    claim = claim_folder(out)  # taken over: the process is gone
    assert os.listdir(out) == [CLAIM] and (out / CLAIM).read_text() == str(os.getpid())
    claim.release()
    assert not out.exists()


def test_dask_workers_die_with_a_killed_run(slow_file: Path, tmp_path: Path) -> None:
    run = subprocess.Popen(
        [sys.executable, "run_sim.py", "run", str(slow_file), "--out", str(tmp_path / "out"), "--jobs", "2",
         "--executor", "dask", "--quiet", "--force"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while len(children_of(run.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        workers = children_of(run.pid)
        assert len(workers) >= 2, "the LocalCluster's workers"
        time.sleep(5)  # the workers have been told to die with the run
    finally:
        run.kill()  # a failed assertion must not leave the slow run behind
        run.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "Dask workers outlived a killed run"


# --- plot trusts nothing -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run folder with figures, made once; tests copy it."""
    spec = importlib.util.spec_from_file_location("shared_fixtures", Path(__file__).parents[1] / "conftest.py")
    assert spec is not None and spec.loader is not None
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    folder = tmp_path_factory.mktemp("finished")
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(fixtures.TINY))
    assert main(["run", str(path), "--out", str(folder / "run"), "--jobs", "1", "--replications", "2", "--quiet"]) == 0
    return folder / "run"


def copy_of(finished: Path, tmp_path: Path) -> Path:
    subprocess.run(["cp", "-a", str(finished), str(tmp_path / "run")], check=True)
    return tmp_path / "run"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_the_manifest_records_every_files_sha256(finished: Path) -> None:
    import hashlib  # noqa: PLC0415

    manifest = json.loads((finished / "manifest.json").read_text())
    files = {path.relative_to(finished).as_posix() for path in finished.rglob("*") if path.is_file()}
    assert set(manifest["sha256"]) == files - {"manifest.json"}
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((finished / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda run: (run / "citizens.parquet").write_bytes((run / "citizens.parquet").read_bytes()[:-500]),
         "citizens.parquet"),
        (lambda run: (run / "scenario.yaml").write_text((run / "scenario.yaml").read_text().replace("20", "2")),
         "scenario.yaml"),
        (lambda run: (run / "summary.csv").unlink(), "summary.csv"),
        (lambda run: (run / "manifest.json").write_text("{not json"), "manifest.json is damaged"),
    ],
    ids=["truncated citizens", "swapped scenario", "missing summary", "damaged manifest"],
)  # fmt: skip
def test_plot_refuses_a_damaged_folder_naming_the_file(
    damage: Callable[[Path], object], named: str, finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_of(finished, tmp_path)
    damage(run)
    figures = snapshot(run / "figures")
    assert main(["plot", str(run)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {run}: ") and named in error and error.count("\n") == 1
    assert snapshot(run / "figures") == figures
    assert [name for name in os.listdir(tmp_path) if name.startswith(".")] == []


def test_plot_of_a_folder_from_before_checksums_warns_that_it_cannot_check(
    finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = copy_of(finished, tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["sha256"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert main(["plot", str(run)]) == 0
    assert capsys.readouterr().err == (
        f"warning: {run}: manifest.json records no sha256 of the files (a folder written before they were "
        "recorded): they cannot be checked\n"
    )
    assert "sha256" in json.loads((run / "manifest.json").read_text()), "recorded from now on"


def test_plot_is_atomic_all_new_or_all_old(
    finished: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.report import brief  # noqa: PLC0415

    run = copy_of(finished, tmp_path)
    before = snapshot(run)
    drawn = []
    original = brief.draw_all

    def fail_half_way(makers: Any, target: Path, *rest: Any) -> Any:
        original(makers, target, *rest)
        drawn.extend(target.iterdir())
        raise RuntimeError("a figure failed after the others were drawn")

    monkeypatch.setattr(brief, "draw_all", fail_half_way)
    assert main(["plot", str(run), "--lang", "id"]) == 1
    assert drawn, "figures were drawn before the failure"
    assert snapshot(run) == before
    assert sorted(os.listdir(tmp_path)) == ["run"]
    monkeypatch.setattr(brief, "draw_all", original)
    capsys.readouterr()
    assert main(["plot", str(run), "--lang", "id"]) == 0
    after = snapshot(run)
    assert "brief.id.html" in after and "brief.id.html" not in before and "figures/timeline.id.png" in after
    assert after["brief.html"] == before["brief.html"] and after["citizens.parquet"] == before["citizens.parquet"]
    manifest = json.loads(after["manifest.json"])
    assert manifest["languages"] == ["en", "id"]
    assert main(["plot", str(run)]) == 0, "the manifest is up to date after a plot"
    assert set(manifest["sha256"]) == set(after) - {"manifest.json"}


def test_plot_of_a_missing_folder_says_it_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(tmp_path / "nowhere")]) == 2
    expected = f"error: {tmp_path / 'nowhere'}: no such folder (expected a run folder written by `run`)\n"
    assert capsys.readouterr().err == expected
