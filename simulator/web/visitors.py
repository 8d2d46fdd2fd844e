"""A folder of each visitor's own: uploaded scenario files and run folders, never shared with another visitor.

An uploaded file is saved alone in a new folder of the visitor's and read by
`load_scenario`, with every limit of a scenario file on the command line: its
size, its encoding, its numbers, and data files only from its own folder
(which holds nothing else, so a `csv:` reference is refused by name).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from simulator.scenario.loading import MAX_SCENARIO_BYTES, ScenarioError, load_scenario
from simulator.scenario.schema import Scenario

PREFIX = "visitor-"
"""Every visitor's folder is named so, and nothing else under the page's root is."""
SUFFIXES = (".yaml", ".yml", ".toml")
MAX_NAME = 100
"""Characters of an uploaded file's name that are kept."""


def new_visitor(root: Path) -> Path:
    """A new folder under `root` for one visitor (made private to this server's user)."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))


def _numbered(parent: Path, prefix: str) -> Path:
    """The next `prefix-N` under `parent` that does not exist yet (not made)."""
    taken = [int(p.name.rsplit("-", 1)[1]) for p in parent.glob(f"{prefix}-*") if p.name.rsplit("-", 1)[1].isdigit()]
    return parent / f"{prefix}-{max(taken, default=0) + 1}"


def next_run_folder(visitor: Path) -> Path:
    """Where the visitor's next run writes: `run-1`, `run-2`... (claimed by the run itself)."""
    return _numbered(visitor, "run")


def safe_name(name: str) -> str:
    """An uploaded file's name without folders or characters a file name should not hold.

    >>> safe_name("../../etc/My scenario (2).YAML")
    'My_scenario__2_.YAML'
    """
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[-MAX_NAME:].lstrip(".") or "scenario"


def save_upload(visitor: Path, name: str, data: bytes) -> Path:
    """Save an uploaded scenario file alone in a new folder of the visitor's; refused like the command line does."""
    shown = safe_name(name)
    if Path(shown).suffix.lower() not in SUFFIXES:
        raise ScenarioError(f"{shown}: expected a .yaml, .yml or .toml scenario file")
    if len(data) > MAX_SCENARIO_BYTES:
        limit = f"expected at most {MAX_SCENARIO_BYTES:,} (docs/limits.md)"
        raise ScenarioError(f"{shown}: is {len(data):,} bytes: {limit}")
    uploads = visitor / "uploads"
    uploads.mkdir(exist_ok=True)
    folder = _numbered(uploads, "upload")
    folder.mkdir()
    path = folder / shown
    path.write_bytes(data)
    return path


def load_upload(visitor: Path, name: str, data: bytes) -> tuple[Path, Scenario]:
    """The saved file and its scenario; a ScenarioError names the file by its own name, not the server's folders."""
    path = save_upload(visitor, name, data)
    try:
        return path, load_scenario(path)
    except ScenarioError as error:
        raise ScenarioError(str(error).replace(f"{path.parent}/", "")) from None
