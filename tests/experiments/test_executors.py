"""Executors: the same scenario and seed give byte-identical files on every executor and worker count."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.experiments.executors import LocalPool, Serial, make_executor

ROOT = Path(__file__).resolve().parents[2]
FILES = ("summary.csv", "comparison.csv", "replications.csv", "citizens.parquet", "contacts.parquet", "work.parquet",
         "agencies.csv", "hours.parquet")  # fmt: skip


def square(x: int) -> int:
    return x * x


def test_results_come_back_in_task_order() -> None:
    with make_executor("local", 2) as pool:
        assert isinstance(pool, LocalPool)
        assert list(pool.map(square, range(20))) == [x * x for x in range(20)]
        assert list(pool.map(square, [3, 1])) == [9, 1], "the pool serves batch after batch"
    assert isinstance(make_executor("local", 1), Serial)
    assert isinstance(make_executor("serial", 8), Serial)


def test_dask_local_and_serial_write_the_same_files(
    tiny_data: dict[str, Any], write_scenario: Callable[[dict[str, Any], str], Path], tmp_path: Path
) -> None:
    path = write_scenario(tiny_data, "tiny.yaml")
    runs = {
        "serial": ["--executor", "serial"],
        "local": ["--executor", "local", "--jobs", "2"],
        "dask": ["--executor", "dask", "--jobs", "2"],
    }
    for name, options in runs.items():
        done = subprocess.run(
            [sys.executable, "run_sim.py", "run", str(path), "--replications", "3", "--out", str(tmp_path / name),
             "--quiet", "--no-plots", *options],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{name}: {done.stderr[-800:]}"
    for file in FILES:
        serial = (tmp_path / "serial" / file).read_bytes()
        assert serial == (tmp_path / "local" / file).read_bytes(), file
        assert serial == (tmp_path / "dask" / file).read_bytes(), file


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "run_sim.py", "run", "scenarios/business_licensing.yaml", "--executor", "dask",
         "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "out"), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["serial", "local"])
def test_a_failing_task_stops_the_run(kind: str) -> None:
    with make_executor(kind, 2) as pool, pytest.raises(ZeroDivisionError):
        list(pool.map(divide, [1, 0, 2]))


def divide(x: int) -> float:
    return 1 / x


FLAKY = """
import sys
from pathlib import Path
from simulator.experiments.executors import DaskCluster, ExecutorError
from simulator.model.run import OverloadError

def flaky(marker: str) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise OSError("a passing fault of the machine")
    return "done"

def broken(marker: str) -> str:
    raise OSError("always wrong")

def overloaded(marker: str) -> str:
    path = Path(marker + ".overloaded")
    path.write_text(path.read_text() + "x" if path.exists() else "x")
    raise OverloadError("more than 10 citizens in the system at once")

if __name__ == "__main__":
    with DaskCluster(None, 1, quiet=True) as cluster:
        print(list(cluster.map(flaky, [sys.argv[1]])))
        try:
            list(cluster.map(broken, [sys.argv[1]]))
        except ExecutorError as error:
            print("stopped:", error)
        try:
            list(cluster.map(overloaded, [sys.argv[1]]))
        except OverloadError as error:
            print("overloaded:", error, "after", len(Path(sys.argv[1] + ".overloaded").read_text()), "run")
"""


def test_a_failed_dask_task_is_retried_once_but_not_an_error_of_the_model(tmp_path: Path) -> None:
    """A fault of the machine is retried once; an overloaded system is not run again (it would fail again)."""
    script = tmp_path / "flaky.py"
    script.write_text(FLAKY)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "marker")], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.splitlines() == [
        "['done']",
        "stopped: a task failed twice on the Dask cluster: OSError('always wrong')",
        "overloaded: more than 10 citizens in the system at once after 1 run",
    ]
    assert done.stderr == "", "--quiet silences distributed's logs"
