"""The only writer: run folders, result files and the manifest, written atomically.

Files go to a hidden temporary folder beside the destination, which is renamed
into place when everything is written: a run folder is complete or absent
(see simulator/files/folders.py). The manifest records every file's sha256, so that
`plot` can tell a damaged folder. Large observed samples go beside
`scenario.yaml` as data files (`data/<sha256>.csv`) that it names.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic_core import to_jsonable_python

from simulator.experiments.optimise import Optimum
from simulator.experiments.runs import Results
from simulator.experiments.sweeps import SweepResults
from simulator.experiments.warmup import WarmupStudy
from simulator.files.eventlog import EventLog
from simulator.files.folders import LINKED, DestinationError, atomic_folder, remake
from simulator.files.ocel import OcelLog
from simulator.files.records import LOG_FLOATS, RecordFiles, RecordFormat
from simulator.files.replications import ReplicationLog
from simulator.files.tickets import TicketLogs
from simulator.report.stress import stress_des
from simulator.scenario.distributions import Sample
from simulator.scenario.observed import sha256
from simulator.scenario.schema import Scenario

EVENT_LOG = "eventlog.xes.gz"
"""The contact log as XES for process-mining tools, written with `run --event-log xes`."""
OCEL_LOG = "eventlog.ocel.json"
"""Contacts and work as OCEL 2.0 JSON (objects: citizens, applications, documents, desks): `--event-log ocel`."""
EventLogFormat = Literal["xes", "ocel", "tickets"]
EVENT_LOG_FORMATS: tuple[EventLogFormat, ...] = ("xes", "ocel", "tickets")
"""What `run --event-log` writes: eventlog.xes.gz, eventlog.ocel.json, or tickets/<configuration>-<replication>.csv."""
STRESS_DES = "stress-des.md"
PACKAGES = ("simulator", "simpy", "numpy", "pandas", "scipy", "pydantic", "PyYAML", "matplotlib")
INLINE_VALUES = 1_000
"""Observed samples longer than this go to a data file beside scenario.yaml instead of into it."""
SIDECARS = "data"


class WriteError(OSError):
    """The result files could not be written (a full disk, a folder taken away): nothing was left behind."""


class FiguresError(Exception):
    """The figures or the brief could not be made; the result files are written without them."""

    def __init__(self, folder: Path, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.folder = folder


Finish = Callable[[Path], object]
"""Called with the (not yet renamed) folder once the tables are in it: figures, the brief."""


@contextmanager
def _writing(folder: Path) -> Iterator[tuple[Path, list[Exception]]]:
    """The hidden folder to write into, then renamed into place; a failure of the figures only leaves them out."""
    failed: list[Exception] = []
    try:
        with atomic_folder(folder) as partial:
            yield partial, failed
    except DestinationError:
        raise
    except OSError as error:
        raise WriteError(f"{folder}: the result files could not be written: {error.strerror or error}") from None
    if failed:
        raise FiguresError(folder, failed[0])


def _finish(partial: Path, finish: Finish | None, failed: list[Exception]) -> None:
    """Draw the figures and the brief; if that fails, remove what it wrote and remember why."""
    if finish is None:
        return
    before = {path for path in partial.rglob("*")}
    try:
        finish(partial)
    except Exception as error:  # a defect in a figure must not lose the simulation: the tables stay
        failed.append(error)
        for path in sorted(set(partial.rglob("*")) - before, reverse=True):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def write_tables(folder: Path, statistics: dict[str, pd.DataFrame], logs: dict[str, pd.DataFrame]) -> None:
    """Statistics at full precision, the large logs with ten significant digits."""
    for name, frame in statistics.items():
        frame.to_csv(folder / name, index=False)
    for name, frame in logs.items():
        frame.to_csv(folder / name, index=False, float_format=LOG_FLOATS)


def write_scenario_and_manifest(folder: Path, scenario: Scenario, manifest: dict[str, Any]) -> None:
    """scenario.yaml (resolved, loadable again), stress-des.md and manifest.json listing every file and its sha256."""
    resolved = to_jsonable_python(_portable(scenario.model_dump(), folder))
    text = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    (folder / STRESS_DES).write_text(stress_des(scenario, manifest), encoding="utf-8", errors="backslashreplace")
    write_manifest(folder, manifest)


def write_manifest(folder: Path, manifest: dict[str, Any], known: dict[str, str] | None = None) -> None:
    """manifest.json with `files` and their `sha256` (taken from `known` for files known not to have changed)."""
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    files = [name for name in files if name != "manifest.json"]
    digests = {name: (known or {}).get(name) or sha256(folder / name) for name in files}
    manifest = {**manifest, "files": sorted({*files, "manifest.json"}), "sha256": digests}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / "manifest.json").write_text(text, encoding="utf-8", errors="backslashreplace")


def _portable(node: Any, folder: Path) -> Any:
    """A dumped scenario with every long observed sample in a data file it names, so that it loads again."""
    if isinstance(node, dict):
        values = node.get("values")
        if node.get("dist") == "empirical" and isinstance(values, Sample) and len(values) > INLINE_VALUES:
            name = write_sample(folder, values)
            reference = {"dist": "empirical", "csv": name, "column": "value"}
            return reference | ({"source": node["source"]} if node.get("source") else {})
        return {key: _portable(value, folder) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_portable(item, folder) for item in node]
    if isinstance(node, Sample):
        return node.array.tolist()
    return node


def write_sample(folder: Path, sample: Sample) -> str:
    """`data/<sha256>.csv`: a column `value` holding the sample exactly (shortest round-trip decimals)."""
    digest = hashlib.sha256(sample.array.tobytes()).hexdigest()[:16]
    name = f"{SIDECARS}/{digest}.csv"
    path = folder / name
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        with path.open("w", encoding="ascii", newline="") as file:
            file.write("value\n")
            for chunk in np.array_split(sample.array, max(1, len(sample) // 100_000)):
                file.write("".join(f"{value!r}\n" for value in chunk.tolist()))
    return name


class RunWriter:
    """A run folder being written: a record sink while the run goes on, then the statistics, figures and manifest."""

    def __init__(
        self,
        partial: Path,
        failed: list[Exception],
        scenario: Scenario,
        records: RecordFormat,
        event_logs: Sequence[EventLogFormat] = (),
    ) -> None:
        self.partial = partial
        self._failed = failed
        self._files = RecordFiles(partial, records)
        self.records = records
        start, name = scenario.calendar.start, scenario.name
        self._events: list[ReplicationLog] = []
        for kind in dict.fromkeys(event_logs):
            if kind == "xes":
                self._events.append(EventLog(partial / EVENT_LOG, start, name))
            elif kind == "ocel":
                self._events.append(OcelLog(partial / OCEL_LOG, scenario))
            else:
                self._events.append(TicketLogs(partial, scenario))

    def __call__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Append one replication's record tables to the files (and to the event logs)."""
        self._files(tables)
        for log in self._events:
            log(tables)

    def close(self) -> None:
        """Finish the record files and the event logs."""
        self._files.close()
        for log in self._events:
            log.close()

    def finish(self, results: Results, manifest: dict[str, Any], finish: Finish | None = None) -> None:
        """Close the records, then write the statistics, the figures (`finish`), scenario.yaml and the manifest."""
        self.close()
        statistics = {
            "summary.csv": results.summary,
            "comparison.csv": results.comparison,
            "replications.csv": results.metrics,
            "agencies.csv": results.agencies,
        }
        write_tables(self.partial, statistics, {})
        _finish(self.partial, finish, self._failed)
        write_scenario_and_manifest(self.partial, results.scenario, {**manifest, "records": self.records})


@contextmanager
def writing_run(
    folder: Path, scenario: Scenario, records: RecordFormat = "parquet", event_logs: Sequence[EventLogFormat] = ()
) -> Iterator[RunWriter]:
    """A run folder to fill while the run goes on: renamed into place if the block ends well, else removed."""
    with _writing(folder) as (partial, failed):
        writer = RunWriter(partial, failed, scenario, records, event_logs)
        try:
            yield writer
        finally:
            writer.close()


def write_run(
    folder: Path,
    results: Results,
    manifest: dict[str, Any],
    finish: Finish | None = None,
    event_logs: Sequence[EventLogFormat] = (),
    records: RecordFormat = "parquet",
) -> None:
    """Write every result file of a run whose records were kept in memory, and the `event_logs` asked for."""
    kept = {"citizens": results.citizens, "contacts": results.contacts, "work": results.work, "hours": results.hours}
    made = all(len(frame.columns) for frame in kept.values())  # records="none" keeps no frames
    with writing_run(folder, results.scenario, records if made else "none", event_logs if made else ()) as writer:
        if made:
            writer(kept)
        writer.finish(results, manifest, finish)


class SweepWriter:
    """A sweep folder being written: the kept records as they come (a record sink), then the tables and manifest."""

    def __init__(self, partial: Path, failed: list[Exception], records: RecordFormat) -> None:
        self.partial = partial
        self._failed = failed
        self._files = RecordFiles(partial, records)

    def __call__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self._files(tables)

    def close(self) -> None:
        self._files.close()

    def finish(self, sweep: SweepResults, manifest: dict[str, Any], finish: Finish | None = None) -> None:
        """sweep.csv and the per-replication metrics, the figures (`finish`), scenario.yaml and the manifest."""
        self.close()
        write_tables(self.partial, {"sweep.csv": sweep.table, "replications.csv": sweep.metrics}, {})
        _finish(self.partial, finish, self._failed)
        write_scenario_and_manifest(self.partial, sweep.scenario, manifest)


@contextmanager
def writing_sweep(folder: Path, records: RecordFormat = "parquet") -> Iterator[SweepWriter]:
    """A sweep folder to fill while the sweep goes on: renamed into place if the block ends well, else removed."""
    with _writing(folder) as (partial, failed):
        writer = SweepWriter(partial, failed, records)
        try:
            yield writer
        finally:
            writer.close()


def write_warmup(folder: Path, study: WarmupStudy, manifest: dict[str, Any], finish: Finish | None = None) -> None:
    """warmup.csv (the daily series) and cuts.csv (where MSER-5 cuts each)."""
    with _writing(folder) as (partial, failed):
        write_tables(partial, {"warmup.csv": study.series, "cuts.csv": study.cuts}, {})
        _finish(partial, finish, failed)
        write_scenario_and_manifest(partial, study.scenario, manifest)


def write_optimise(
    folder: Path, optimum: Optimum, manifest: dict[str, Any], report: str, finish: Finish | None = None
) -> None:
    """candidates.csv, replications.csv, the chosen staffing's numbers and scenario, and optimise.md (`report`)."""
    with _writing(folder) as (partial, failed):
        statistics = {"candidates.csv": optimum.candidates, "replications.csv": optimum.replications}
        if optimum.chosen is not None:
            statistics["chosen.csv"] = optimum.numbers
            chosen = to_jsonable_python(_portable(optimum.question.at(optimum.chosen).model_dump(), partial))
            (partial / "chosen.yaml").write_text(yaml.safe_dump(chosen, sort_keys=False, allow_unicode=True))
        write_tables(partial, statistics, {})
        (partial / "optimise.md").write_text(report, encoding="utf-8")
        _finish(partial, finish, failed)
        write_scenario_and_manifest(partial, optimum.question.scenario, manifest)


def remake_figures(
    folder: Path, draw: Callable[[Path], list[Path]], lang: str, optimum: Sequence[str] = ()
) -> list[Path]:
    """Draw the figures and the brief of a finished run folder again: all new files, or all old ones.

    `draw` works on a copy of the folder (see `folders.remake`), reading and
    checking its files; the manifest is brought up to date (its files, their
    sha256, `languages` with `lang`, and under `optimum` the optimise folders
    whose answers the brief of `lang` now carries) before the copy is swapped
    in. The paths written, in `folder`.
    """

    def build(copy: Path) -> list[Path]:
        written = draw(copy)
        recorded = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
        digests = recorded.get("sha256", {})  # none in a folder written before they were recorded
        unchanged = {name: digest for name, digest in digests.items() if name.endswith(LINKED)}
        meta = {key: value for key, value in recorded.items() if key not in ("files", "sha256", "optimum")}
        meta["languages"] = list(dict.fromkeys([*recorded.get("languages", []), lang]))
        earlier = recorded.get("optimum")
        briefed = {code: folders for code, folders in (earlier or {}).items() if code != lang}
        briefed |= {lang: list(optimum)} if optimum else {}
        meta |= {"optimum": briefed} if briefed else {}
        write_manifest(copy, meta, unchanged)
        return [folder / path.relative_to(copy) for path in written]

    try:
        return remake(folder, build)
    except OSError as error:
        raise WriteError(f"{folder}: the figures could not be written: {error.strerror or error}") from None


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
