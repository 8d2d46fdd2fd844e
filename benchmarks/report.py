"""The machine a run was measured on, and tables that print as text or as Markdown."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchmarks.measure import ROOT, Spread
from simulator.files.output import versions


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def package_versions() -> dict[str, str]:
    """The versions a run folder's manifest records, and the peer's."""
    found = {name: version for name, version in versions().items() if name != "python"}
    try:
        found["ciw"] = metadata.version("ciw")
    except metadata.PackageNotFoundError:
        found["ciw"] = "not installed"
    return found


def commit() -> str:
    """The commit measured, and whether the work tree had changes (read-only git; empty outside a clone)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = memory_gib()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": f"{cores} usable ({os.cpu_count()} present)",
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "packages": ", ".join(f"{name} {version}" for name, version in package_versions().items()),
        "commit": commit(),
        "load average at start (1, 5, 15 min)": load,
    }


def seconds(spread: Spread | None) -> str:
    """A median with its range: `4.41 [4.35-4.50]`."""
    if spread is None:
        return "n/a"
    return f"{_number(spread.median)} [{_number(spread.low)}-{_number(spread.high)}]"


def _number(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def rate(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def megabytes(spread: Spread | None) -> str:
    return "n/a" if spread is None else f"{spread.median:.0f} [{spread.low:.0f}-{spread.high:.0f}]"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@dataclass
class Table:
    """A titled table of strings, with notes under it."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left: tuple[str, ...] = ("targets", "target")  # text columns besides the first; numbers align right

    def _is_left(self, index: int) -> bool:
        return index == 0 or self.columns[index] in self.left or self.columns[index].startswith("per station")

    def text(self) -> str:
        widths = [max(len(cell) for cell in column) for column in zip(self.columns, *self.rows, strict=True)]

        def line(cells: list[str]) -> str:
            parts = [
                cell.ljust(width) if self._is_left(i) else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ]
            return "  ".join(parts).rstrip()

        out = [self.title, "-" * len(self.title), line(self.columns)]
        out += [line(row) for row in self.rows]
        out += [f"  note: {note}" for note in self.notes]
        return "\n".join(out)

    def markdown(self) -> str:
        def line(cells: list[str]) -> str:
            return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

        out = [
            f"### {self.title}",
            "",
            line(self.columns),
            "|" + "|".join("---" if self._is_left(i) else "---:" for i in range(len(self.columns))) + "|",
        ]
        out += [line(row) for row in self.rows]
        if self.notes:
            out += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(out)
