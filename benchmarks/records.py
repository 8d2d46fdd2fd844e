"""The whole command, records written: `run_sim.py run` through `simulator.cli.main` in a fresh process.

The scenario is written to a scenario file first (a queue of the floor
section, the province-sized scenario, or a bundled file), then `main` runs
it as a user's command would: validation, simulation, the record tables
streamed to Parquet or CSV, the statistics and the manifest (no figures).
The peak memory is the process's, or its largest worker's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from time import perf_counter
from typing import Any

import pyarrow.parquet as pq
import yaml

from benchmarks.child import peak_kib
from benchmarks.ours import queue_mapping
from simulator.scenario.loading import read_mapping

RECORD_FILES = ("citizens", "contacts", "work", "hours")
OFFICES = 32
"""Offices of the province-sized scenario: the options of one alternative step, a share of 1/32 each."""


def province_mapping(days: int, per_day: float, seed: int = 1) -> dict[str, Any]:
    """One licence service at 32 offices (each citizen goes to one), `per_day` arrivals a working day in all.

    Each office has 4 counters with exponential counter times of mean 10
    minutes and 2 back-office staff with 5 minutes of work per file, open
    08:00-16:00 on weekdays: at 4,000 arrivals a day (125 an office), offered
    loads of 0.65 at the counters and 0.65 in the back office.
    """
    offices = [f"office{k + 1:02d}" for k in range(OFFICES)]
    steps = [
        {"id": office, "agency": office, "counter": {"dist": "exponential", "mean": 10.0}, "backoffice": 5.0,
         "alternative": "office", "share": 1 / OFFICES}
        for office in offices
    ]  # fmt: skip
    return {
        "name": f"province: one licence at {OFFICES} offices",
        "seed": seed,
        "horizon_days": days,
        "warmup_days": 0,
        "replications": 1,
        "calendar": {"open": "08:00", "close": "16:00", "workdays": ["mon", "tue", "wed", "thu", "fri"]},
        "agencies": {office: {"counters": 4, "backoffice": 2, "travel_minutes": 20} for office in offices},
        "services": {"licence": {"arrivals": {"per_day": per_day}, "standard_days": 5, "steps": steps}},
        "configurations": {"siloed": {"preset": "siloed"}},
    }


def _scenario_file(params: dict[str, Any], folder: Path) -> Path:
    kind = params["scenario"]
    if kind == "file":
        return Path(params["path"])
    if kind == "short":  # quick mode: the file over a few days
        mapping = read_mapping(Path(params["path"]))
        mapping |= {"horizon_days": params["days"], "warmup_days": 0}
    elif kind == "queue":
        shape = (params[key] for key in ("rate", "servers", "stations", "service_mean", "days", "seed"))
        mapping = queue_mapping(*shape)
    else:
        mapping = province_mapping(params["days"], params["per_day"])
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return path


def measure_command(params: dict[str, Any]) -> dict[str, Any]:
    """`run_sim.py run SCENARIO --out ... --records FORMAT --no-plots --quiet` with the given options."""
    from simulator.cli import main  # noqa: PLC0415 - the command's imports are part of what is measured

    with tempfile.TemporaryDirectory(prefix="servicecycle-bench-") as scratch:
        folder = Path(scratch)
        scenario = _scenario_file(params, folder)
        out = folder / "out"
        argv = ["run", str(scenario), "--out", str(out), "--records", params["records"], "--no-plots", "--quiet",
                "--force", *params.get("options", [])]  # fmt: skip
        start = perf_counter()
        code = main(argv)
        seconds = perf_counter() - start
        peak = peak_kib()
        if code != 0:
            raise RuntimeError(f"run_sim.py {' '.join(argv)} exited with {code}")
        sizes = {path.name: path.stat().st_size for path in out.iterdir() if path.stem in RECORD_FILES}
        citizens = out / "citizens.parquet"
        counted = pq.ParquetFile(citizens).metadata.num_rows if citizens.exists() else None
        contacts = out / "contacts.parquet"
        recorded = pq.ParquetFile(contacts).metadata.num_rows if contacts.exists() else None
    return {
        "seconds": seconds,
        "peak_kib": peak,
        "record_bytes": sum(sizes.values()),
        "files": sizes,
        "citizens": counted,
        "contacts": recorded,
    }
