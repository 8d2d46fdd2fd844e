"""The what-if page's first result: the default scenario, 5 replications of every configuration, on this machine.

    python -m benchmarks.web [--runs 3] [--no-page]

Two measurements, each `--runs` times:

- **page**: `run_sim.py serve` on the default scenario, driven in headless
  Chromium as a visitor would (tests/ensure-chromium installs it; Playwright
  comes with the `test` extra): from the click on Run to the headline table on
  the page, and on to the figures. Each run is a new visitor. The server's CPU
  time (its own and its worker processes') is read over the same span, and
  the browser's: here it runs on the same cores as the server, where in a
  meeting it runs on the visitor's own machine.
- **job**: the run the button starts (`simulator.web.jobs.Job`), in this
  process, without Streamlit or a browser: from its start to its first result
  (every replication's metrics, the summary and the comparison), with the CPU
  time of its workers (the simulation) and of this process.

The difference between the two is what the page itself adds (Streamlit's
reruns, polling, drawing the numbers). The target of issue 19 is a first
result on the page within 10 seconds on 2 cores. The load average is printed
at the start and the end: on a machine busy with other work the times say
little, the CPU seconds still do.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from simulator.experiments.executors import default_workers
from simulator.scenario.loading import load_scenario
from simulator.web.jobs import Job, Order
from simulator.web.whatif import apply

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "business_licensing.yaml"
REPLICATIONS = 5
TARGET_SECONDS = 10.0
WAIT_MS = 300_000


@dataclass(frozen=True)
class Timing:
    """One measured run: seconds to the first result (and to the figures), CPU seconds over the span."""

    first: float
    figures: float | None
    cpu_workers: float
    cpu_main: float
    cpu_browser: float = 0.0
    """Chromium and Playwright's driver, on the same cores here (in a meeting, on the visitor's own machine)."""


def _cpu(pid: int | None = None) -> tuple[float, float]:
    """CPU seconds of a process itself and of its ended children (this process when None; Linux's /proc)."""
    if pid is None:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) / os.sysconf("SC_CLK_TCK") for value in fields[11:15])
    return utime + stime, cutime + cstime


def _processes() -> dict[int, tuple[int, float]]:
    """Every process of the machine: its parent and the CPU seconds it used itself (Linux's /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return found


def _child(pid: int) -> int:
    """The (first) child process of a process."""
    children = [child for child, (parent, _) in _processes().items() if parent == pid]
    if not children:
        raise RuntimeError(f"process {pid} has no child")
    return min(children)


def _browser_cpu(server: int) -> float:
    """CPU seconds of this process's descendants outside the server's tree: the browser and its driver."""
    processes = _processes()

    def under(pid: int, top: int) -> bool:
        while pid > 1 and pid in processes:
            if pid == top:
                return True
            pid = processes[pid][0]
        return False

    server_parent = processes.get(server, (0, 0.0))[0]
    return sum(
        cpu
        for pid, (_, cpu) in processes.items()
        if pid != os.getpid() and under(pid, os.getpid()) and not under(pid, server_parent)
    )


def job_timing(folder: Path) -> Timing:
    """A page run of the default scenario in this process, to its first result (no figures)."""
    base = load_scenario(SCENARIO)
    made = apply(base, {}, list(base.configurations), REPLICATIONS)
    assert made.scenario is not None
    job = Job(Order(made.scenario, SCENARIO, {}, folder, "en", None, False))
    job.shown()  # no page to wait for
    main, workers = _cpu()
    job.start()
    while job.results is None and not job.finished:
        time.sleep(0.01)
    main_after, workers_after = _cpu()
    job.wait()
    if job.state != "done" or job.first_result_seconds is None:
        raise RuntimeError(f"the run ended {job.state}: {job.error}")
    return Timing(job.first_result_seconds, None, workers_after - workers, main_after - main)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(folder: Path) -> Iterator[tuple[str, int]]:
    """`run_sim.py serve` on the default scenario; its address and the Streamlit process that runs the page."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(ROOT / "run_sim.py"), "serve", str(SCENARIO), "--port", str(port)],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:  # noqa: S310 (local)
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the page did not start") from None
                time.sleep(0.2)
        yield url, _child(process.pid)  # the Streamlit process, which runs the page and starts the workers
    finally:
        process.terminate()
        process.wait(30)


def page_timings(runs: int) -> list[Timing]:
    """Click Run on the page as `runs` new visitors, one after another; the time to the numbers and the figures."""
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415 (the test extra, only for this)

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium is not installed: run tests/ensure-chromium")
    expect.set_options(timeout=WAIT_MS)
    timings = []
    with tempfile.TemporaryDirectory() as scratch, served(Path(scratch)) as (url, server), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.set_default_timeout(WAIT_MS)
            page.goto(url)
            button = page.get_by_role("button", name="Run", exact=True)
            expect(button).to_be_visible()
            anyway = page.get_by_text("Run anyway")
            if anyway.count():
                anyway.check()
            expect(button).to_be_enabled()
            time.sleep(1)  # the page settles (its last rerun) before the clock starts
            (main, workers), browser_before = _cpu(server), _browser_cpu(server)
            started = time.monotonic()
            button.click()
            page.locator(".st-key-results [data-testid=stTable]").first.wait_for()  # the page's own change, no poll
            first = time.monotonic() - started
            (main_after, workers_after), browser_after = _cpu(server), _browser_cpu(server)
            page.get_by_role("img").first.wait_for()
            figures = time.monotonic() - started
            spent = (workers_after - workers, main_after - main, browser_after - browser_before)
            timings.append(Timing(first, figures, *spent))
            page.get_by_role("button", name=re.compile("^Scenario as changed")).wait_for()  # written: cores are free
            page.close()
        browser.close()
    return timings


def _line(name: str, timings: list[Timing]) -> str:
    firsts = [t.first for t in timings]
    median = statistics.median(firsts)
    verdict = "met" if median <= TARGET_SECONDS else "missed"
    text = (f"{name}: first result median {median:.1f} s of {len(timings)} ({', '.join(f'{t:.1f}' for t in firsts)}); "
            f"target {TARGET_SECONDS:.0f} s {verdict}; CPU s to it: workers "
            f"{statistics.median(t.cpu_workers for t in timings):.1f}, main process "
            f"{statistics.median(t.cpu_main for t in timings):.1f}")  # fmt: skip
    figures = [t.figures for t in timings if t.figures is not None]
    if not figures:
        return text
    return (f"{text}, the browser on the same cores {statistics.median(t.cpu_browser for t in timings):.1f}; "
            f"figures on the page after {statistics.median(figures):.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-page", action="store_true", help="time the job only (no server, no browser)")
    args = parser.parse_args()
    print(f"{SCENARIO.name}, {REPLICATIONS} replications x every configuration, {default_workers()} cores; "
          f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        jobs = [job_timing(Path(scratch) / f"run-{n}") for n in range(args.runs)]
    print(_line("job", jobs))
    if not args.no_page:
        print(_line("page", page_timings(args.runs)))
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
