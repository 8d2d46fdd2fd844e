"""The only writer: run folders, result files and the manifest, written atomically.

Files go to a hidden temporary folder beside the destination, which is renamed
into place when everything is written: a run folder is complete or absent.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.eventlog import xes_lines
from simulator.experiment import Results
from simulator.optimise import Optimum
from simulator.scenario import Scenario
from simulator.stress import stress_des
from simulator.sweeps import SweepResults
from simulator.warmup import WarmupStudy

LOG_FLOATS = "%.10g"
"""Ten significant digits for the large logs (minutes to 1e-5 over a year); statistics keep full precision."""
EVENT_LOG = "eventlog.xes.gz"
"""The contact log as XES for process-mining tools, written with `run --event-log xes`."""
STRESS_DES = "stress-des.md"
PACKAGES = ("simulator", "simpy", "numpy", "pandas", "scipy", "pydantic", "PyYAML", "matplotlib")


class DestinationError(Exception):
    """The folder a run should write to cannot take it."""


def new_run_folder(scenario_file: Path, root: Path, now: datetime, kind: str = "") -> Path:
    """`root/<scenario stem>/[<kind>-]<YYYYmmdd-HHMMSS>`, with a suffix if that exists already."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    base = root / scenario_file.stem / (f"{kind}-{stamp}" if kind else stamp)
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def check_destination(folder: Path) -> None:
    """Refuse a destination that is a file or a folder that already holds something."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DestinationError(f"{folder}: already exists and is not an empty folder; choose another --out")


Finish = Callable[[Path], object]
"""Called with the (not yet renamed) folder once the tables are in it: figures, the brief."""


@contextmanager
def atomic_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder beside `folder` to write into; renamed to `folder` only if all went well."""
    check_destination(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
        if folder.exists():
            folder.rmdir()
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def write_tables(folder: Path, statistics: dict[str, pd.DataFrame], logs: dict[str, pd.DataFrame]) -> None:
    """Statistics at full precision, the large logs with ten significant digits."""
    for name, frame in statistics.items():
        frame.to_csv(folder / name, index=False)
    for name, frame in logs.items():
        frame.to_csv(folder / name, index=False, float_format=LOG_FLOATS)


def write_scenario_and_manifest(folder: Path, scenario: Scenario, manifest: dict[str, Any]) -> None:
    """scenario.yaml (resolved, loadable again), stress-des.md and manifest.json listing every file."""
    resolved = scenario.model_dump(mode="json")
    (folder / "scenario.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))
    (folder / STRESS_DES).write_text(stress_des(scenario, manifest), encoding="utf-8")
    files = sorted({path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()})
    manifest = {**manifest, "files": sorted({*files, "manifest.json"})}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def write_event_log(folder: Path, results: Results) -> None:
    """eventlog.xes.gz: the contact log as XES (see simulator/eventlog.py), the same bytes for the same run."""
    scenario = results.scenario
    with (
        (folder / EVENT_LOG).open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8") as text,
    ):
        text.writelines(xes_lines(results.contacts, results.citizens, scenario.calendar.start, scenario.name))


def write_run(
    folder: Path, results: Results, manifest: dict[str, Any], finish: Finish | None = None, event_log: bool = False
) -> None:
    """Write every result file of a run into `folder`, all or nothing; with `event_log`, eventlog.xes.gz too."""
    with atomic_folder(folder) as partial:
        statistics = {
            "summary.csv": results.summary,
            "comparison.csv": results.comparison,
            "replications.csv": results.metrics,
            "agencies.csv": results.agencies,
            "hours.csv": results.hours,
        }
        logs = {"citizens.csv": results.citizens, "contacts.csv": results.contacts, "work.csv": results.work}
        write_tables(partial, statistics, logs)
        if event_log:
            write_event_log(partial, results)
        if finish is not None:
            finish(partial)
        write_scenario_and_manifest(partial, results.scenario, manifest)


def write_sweep(folder: Path, sweep: SweepResults, manifest: dict[str, Any], finish: Finish | None = None) -> None:
    """sweep.csv, the per-replication metrics and, if kept, the records of every point."""
    with atomic_folder(folder) as partial:
        statistics = {"sweep.csv": sweep.table, "replications.csv": sweep.metrics}
        logs = {f"{name}.csv": frame for name, frame in sweep.records.items()}
        write_tables(partial, statistics, logs)
        if finish is not None:
            finish(partial)
        write_scenario_and_manifest(partial, sweep.scenario, manifest)


def write_warmup(folder: Path, study: WarmupStudy, manifest: dict[str, Any], finish: Finish | None = None) -> None:
    """warmup.csv (the daily series) and cuts.csv (where MSER-5 cuts each)."""
    with atomic_folder(folder) as partial:
        write_tables(partial, {"warmup.csv": study.series, "cuts.csv": study.cuts}, {})
        if finish is not None:
            finish(partial)
        write_scenario_and_manifest(partial, study.scenario, manifest)


def add_language(folder: Path, lang: str) -> None:
    """Record in manifest.json that `folder` now holds the figures and brief in `lang`, and list its files again."""
    path = folder / "manifest.json"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    recorded["languages"] = list(dict.fromkeys([*recorded.get("languages", []), lang]))
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    recorded["files"] = sorted(files)
    path.write_text(json.dumps(recorded, indent=2, ensure_ascii=False) + "\n")


def write_optimise(
    folder: Path, optimum: Optimum, manifest: dict[str, Any], report: str, finish: Finish | None = None
) -> None:
    """candidates.csv, replications.csv, the chosen staffing's numbers and scenario, and optimise.md (`report`)."""
    with atomic_folder(folder) as partial:
        statistics = {"candidates.csv": optimum.candidates, "replications.csv": optimum.replications}
        if optimum.chosen is not None:
            statistics["chosen.csv"] = optimum.numbers
            chosen = optimum.question.at(optimum.chosen).model_dump(mode="json")
            (partial / "chosen.yaml").write_text(yaml.safe_dump(chosen, sort_keys=False, allow_unicode=True))
        write_tables(partial, statistics, {})
        (partial / "optimise.md").write_text(report, encoding="utf-8")
        if finish is not None:
            finish(partial)
        write_scenario_and_manifest(partial, optimum.question.scenario, manifest)


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
    scenario_file: Path, scenario: Scenario, argv: list[str], started: datetime, ended: datetime, **settings: Any
) -> dict[str, Any]:
    """What a run was: inputs, settings, software and time."""
    return {
        "scenario_file": str(scenario_file),
        "scenario_sha256": sha256(scenario_file),
        "scenario_name": scenario.name,
        "seed": scenario.seed,
        "warmup_days": scenario.warmup_days,
        "horizon_days": scenario.horizon_days,
        "common_random_numbers": True,
        **settings,
        "command_line": [Path(sys.argv[0]).name, *argv],
        "versions": versions(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "started": started.isoformat(timespec="seconds"),
        "ended": ended.isoformat(timespec="seconds"),
    }
