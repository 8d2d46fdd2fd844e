"""`fit` of a large office's ticket log: a million tickets through `run_sim.py fit` in a fresh process.

The log is the bundled civil-registry office (scenarios/fitting/kantor_dukcapil.yaml) with its arrivals
and staff multiplied by SCALE, simulated over its four weeks and written by `run --event-log tickets`,
then repeated, each copy four weeks after the one before (weekdays stay weekdays) with its citizens
renamed, until it has at least the tickets asked for: a year of a big office's tickets.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

import pandas as pd
import yaml

from benchmarks.child import peak_kib
from simulator.scenario.loading import read_mapping

OFFICE = Path(__file__).resolve().parents[1] / "scenarios" / "fitting" / "kantor_dukcapil.yaml"
SCALE = 33
"""The bundled office has about 120 tickets a working day; this many times that is about 4,000."""
WEEKS = 4
"""The simulated log's length, and the shift between its copies."""


def office_mapping(scale: int) -> dict[str, Any]:
    """The bundled office with `scale` times its arrivals and staff, over four weeks without a holiday."""
    mapping = read_mapping(OFFICE)
    for service in mapping["services"].values():
        service["arrivals"]["per_day"] *= scale
    registration = mapping["agencies"]["registration"]["counters"]
    registration["default"] *= scale
    for change in registration["changes"]:
        change["staff"] *= scale
    mapping["agencies"]["printing"]["counters"] *= scale
    mapping["calendar"]["holidays"] = []
    mapping |= {"horizon_days": 5 * WEEKS, "replications": 1}
    return mapping


def write_log(params: dict[str, Any]) -> dict[str, Any]:
    """Simulate the scaled office, then write its ticket log repeated to `params["tickets"]` tickets at `path`."""
    from simulator.cli import main  # noqa: PLC0415 - imported in the child that writes the log

    with tempfile.TemporaryDirectory(prefix="servicecycle-bench-") as scratch:
        scenario = Path(scratch) / "office.yaml"
        scenario.write_text(yaml.safe_dump(office_mapping(params["scale"]), sort_keys=False), encoding="utf-8")
        out = Path(scratch) / "run"
        argv = ["run", str(scenario), "--out", str(out), "--event-log", "tickets", "--records", "none", "--no-plots",
                "--quiet", "--force", "--jobs", "1"]  # fmt: skip
        if main(argv) != 0:
            raise RuntimeError(f"run_sim.py {' '.join(argv)} failed")
        log = pd.read_csv(out / "tickets" / "observed-0.csv", dtype=str, keep_default_na=False)
    copies = -(-params["tickets"] // len(log))
    path = Path(params["path"])
    for copy in range(copies):
        shifted = log.copy()
        for column in ("date", "issued", "called", "ended"):
            times = pd.to_datetime(shifted[column].replace("", None)) + pd.Timedelta(weeks=WEEKS * copy)
            shifted[column] = times.dt.strftime("%Y-%m-%d" if column == "date" else "%Y-%m-%d %H:%M:%S").fillna("")
        shifted["citizen"] = shifted["citizen"] + f"-{copy}"
        shifted.to_csv(path, mode="a" if copy else "w", header=not copy, index=False)
    return {"tickets": copies * len(log), "copies": copies, "bytes": path.stat().st_size, "peak_kib": peak_kib()}


def measure_fit(params: dict[str, Any]) -> dict[str, Any]:
    """`run_sim.py fit LOG --out ...` on the log at `params["path"]`: its time and the process's peak memory."""
    from simulator.cli import main  # noqa: PLC0415 - the command's imports are part of what is measured

    with tempfile.TemporaryDirectory(prefix="servicecycle-bench-") as scratch:
        out = Path(scratch) / "office.yaml"
        start, cpu = perf_counter(), process_time()
        code = main(["fit", params["path"], "--out", str(out)])
        seconds, cpu = perf_counter() - start, process_time() - cpu
        peak = peak_kib()
        if code != 0:
            raise RuntimeError(f"run_sim.py fit {params['path']} exited with {code}")
        fitted = yaml.safe_load(out.read_text(encoding="utf-8"))
    per_day = {name: service["arrivals"]["per_day"] for name, service in fitted["services"].items()}
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_kib": peak, "per_day": per_day,
            "days": fitted["horizon_days"]}  # fmt: skip
