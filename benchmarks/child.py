"""One measurement in a fresh process.

`python -m benchmarks.child MODULE FUNCTION PARAMS_JSON RESULT_PATH` imports
`benchmarks.MODULE` (and so only what that tool needs), notes the resident
memory after the imports, calls FUNCTION(params) and writes its result, with
the peak resident memory of the process, as JSON to RESULT_PATH.

The peak is VmHWM of /proc/self/status: the high-water mark of this
process's resident set since it started. Not `ru_maxrss` seen from the
parent: Linux carries the parent's high-water mark over fork and exec, so a
small child of a large parent would report the parent's size. Worker
processes this one started and waited for (parallel runs) count through
`getrusage(RUSAGE_CHILDREN)`. A workload that tallies its results to check
them (mean waits against Erlang C) reads the peak itself, when its run has
ended and before the tally, so the check's own memory is not counted.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
from pathlib import Path


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _maxrss_kib(who: int) -> int:
    peak = resource.getrusage(who).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB on Linux


def resident_kib() -> int:
    """The resident memory of this process now, in KiB (the peak so far where /proc is missing)."""
    now = _status_kib("VmRSS")
    return now if now is not None else _maxrss_kib(resource.RUSAGE_SELF)


def peak_kib() -> int:
    """The most resident memory this process, or a worker it waited for, ever had, in KiB."""
    own = _status_kib("VmHWM")
    if own is None:
        own = _maxrss_kib(resource.RUSAGE_SELF)
    return max(own, _maxrss_kib(resource.RUSAGE_CHILDREN))


def main(argv: list[str]) -> int:
    module_name, function_name, params_json, result_path = argv
    module = importlib.import_module(f"benchmarks.{module_name}")
    after_imports = resident_kib()
    result = getattr(module, function_name)(json.loads(params_json))
    result["after_imports_kib"] = after_imports
    result.setdefault("peak_kib", peak_kib())  # a workload may read it before checking its own numbers
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
