"""The only writer: run folders, result files and the manifest, written atomically.

Files go to a hidden temporary folder beside the destination, which is renamed
into place when everything is written: a run folder is complete or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from simulator.experiment import Results

LOG_FLOATS = "%.10g"
"""Ten significant digits for the large logs (minutes to 1e-5 over a year); statistics keep full precision."""
PACKAGES = ("simulator", "simpy", "numpy", "pandas", "scipy", "pydantic", "PyYAML", "matplotlib")


class DestinationError(Exception):
    """The folder a run should write to cannot take it."""


def new_run_folder(scenario_file: Path, root: Path, now: datetime) -> Path:
    """`root/<scenario stem>/<YYYYmmdd-HHMMSS>`, with a suffix if that exists already."""
    base = root / scenario_file.stem / now.strftime("%Y%m%d-%H%M%S")
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def check_destination(folder: Path) -> None:
    """Refuse a destination that is a file or a folder that already holds something."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DestinationError(f"{folder}: already exists and is not an empty folder; choose another --out")


def write_run(folder: Path, results: Results, manifest: dict[str, Any]) -> None:
    """Write every result file of `results` into `folder`, all or nothing."""
    check_destination(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        statistics = {
            "summary.csv": results.summary,
            "comparison.csv": results.comparison,
            "replications.csv": results.metrics,
            "agencies.csv": results.agencies,
            "hours.csv": results.hours,
        }
        logs = {"citizens.csv": results.citizens, "contacts.csv": results.contacts, "work.csv": results.work}
        for name, frame in statistics.items():
            frame.to_csv(partial / name, index=False)
        for name, frame in logs.items():
            frame.to_csv(partial / name, index=False, float_format=LOG_FLOATS)
        tables = [*statistics, *logs]
        resolved = results.scenario.model_dump(mode="json")
        (partial / "scenario.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))
        files = sorted([*tables, "scenario.yaml", "manifest.json"])
        manifest = {**manifest, "files": files}
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        if folder.exists():
            folder.rmdir()
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    """Python and the versions of the packages that make the numbers."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def manifest(
    scenario_file: Path, results: Results, argv: list[str], started: datetime, ended: datetime, jobs: int | None
) -> dict[str, Any]:
    """What a run was: inputs, settings, software and time."""
    return {
        "scenario_file": str(scenario_file),
        "scenario_sha256": sha256(scenario_file),
        "scenario_name": results.scenario.name,
        "seed": results.scenario.seed,
        "replications": results.replications,
        "configurations": results.configurations,
        "baseline": results.baseline,
        "warmup_days": results.scenario.warmup_days,
        "horizon_days": results.scenario.horizon_days,
        "common_random_numbers": True,
        "command_line": [Path(sys.argv[0]).name, *argv],
        "jobs": jobs,
        "versions": versions(),
        "platform": platform.platform(),
        "started": started.isoformat(timespec="seconds"),
        "ended": ended.isoformat(timespec="seconds"),
    }
