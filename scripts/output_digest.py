"""Digest of every result file of every bundled scenario: a refactoring must leave it unchanged.

    python scripts/output_digest.py > before.txt   # on the old code
    python scripts/output_digest.py > after.txt    # on the new code
    diff before.txt after.txt                      # nothing, or the refactoring changed behaviour

Each scenario runs with 2 replications and its figures and brief; the clock times, run time,
command line and output folder are masked (in the manifest too), everything else is compared byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNSTAMPED = {".csv", ".png", ".svg", ".yaml"}
"""Files written without a clock time or a folder name in them."""
STAMPS = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?|\d+ s of simulation|[\w/.-]*/run-\w+")


def digest(path: Path, folder: Path) -> str:
    """sha256 of the file, with clock times and the output folder masked where a file states them."""
    content = path.read_bytes()
    if path.name == "manifest.json":  # its clock times, command line and checksums of stamped files
        manifest = json.loads(content)
        for key in ("started", "ended", "command_line"):
            manifest.pop(key)
        manifest["sha256"] = {name: sum for name, sum in manifest["sha256"].items() if Path(name).suffix in UNSTAMPED}
        content = json.dumps(manifest, sort_keys=True).encode()
    elif path.suffix not in UNSTAMPED:
        content = STAMPS.sub(b"<masked>", content.replace(str(folder).encode(), b"<out>"))
    return hashlib.sha256(content).hexdigest()


def main() -> None:
    for scenario in sorted((ROOT / "scenarios").glob("*.yaml")):
        with tempfile.TemporaryDirectory(prefix="run-") as temp:
            folder = Path(temp) / "out"
            command = [sys.executable, "run_sim.py", "run", f"scenarios/{scenario.name}", "--replications", "2"]
            subprocess.run([*command, "--out", str(folder), "--quiet", "--force"], check=True, cwd=ROOT)  # noqa: S603 (our own command line)
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".pdf"):
                print(f"{digest(path, folder)}  {scenario.stem}/{path.relative_to(folder)}")


if __name__ == "__main__":
    main()
