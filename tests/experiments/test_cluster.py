"""A real Dask cluster: a scheduler and two workers in their own processes, as a cluster administrator starts them.

The run through `--scheduler` writes the same bytes as `--executor serial`,
and still does when a worker is killed in the middle of the run (its
replications are run again on the other worker).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import Client

ROOT = Path(__file__).resolve().parents[2]
FILES = ("summary.csv", "comparison.csv", "replications.csv", "agencies.csv", "citizens.parquet", "contacts.parquet",
         "work.parquet", "hours.parquet")  # fmt: skip
REPLICATIONS = 6


def _dask(*arguments: str) -> subprocess.Popen[bytes]:
    """`dask ...` in its own process, as a terminal would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *arguments], cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler's address and its two workers' processes (no nanny: a killed worker stays dead)."""
    address_file = tmp_path / "scheduler.json"
    processes = [_dask("scheduler", "--scheduler-file", str(address_file), "--port", "0", "--no-dashboard")]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        workers = [
            _dask("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"worker-{k}")
            for k in range(2)
        ]
        processes += workers
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _run(scenario: Path, out: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "run_sim.py", "run", str(scenario), "--replications", str(REPLICATIONS), "--out", str(out),
         "--quiet", "--no-plots", *options],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _finished(process: subprocess.Popen[str]) -> None:
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-800:]


def _same_files(first: Path, second: Path) -> None:
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_cluster_of_separate_processes_gives_the_serial_files(
    cluster: tuple[str, list[subprocess.Popen[bytes]]],
    tiny_data: dict[str, Any],
    write_scenario: Callable[[dict[str, Any], str], Path],
    tmp_path: Path,
) -> None:
    address, workers = cluster
    tiny_data["horizon_days"] = 30  # replications long enough for a worker to be killed while it has one
    scenario = write_scenario(tiny_data, "cluster.yaml")
    _finished(_run(scenario, tmp_path / "serial", "--executor", "serial"))
    _finished(_run(scenario, tmp_path / "cluster", "--executor", "dask", "--scheduler", address))
    _same_files(tmp_path / "serial", tmp_path / "cluster")

    victim = workers[0]
    with Client(address, timeout="30s") as client:
        pids = client.run(os.getpid)
        running = _run(scenario, tmp_path / "survived", "--executor", "dask", "--scheduler", address)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = {pids.get(worker) for worker, keys in client.processing().items() if keys}
            if victim.pid in busy:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker to kill never got a replication")
        victim.send_signal(signal.SIGKILL)  # in the middle of a replication
        victim.wait(timeout=30)
    _finished(running)
    _same_files(tmp_path / "serial", tmp_path / "survived")
