"""`run_sim.py serve [SCENARIO] [--port 8501] [--lang id] [--jobs N] [--runs N]`: the what-if page on this machine.

Streamlit serves `page.py` (headless: it opens no browser and sends no usage
statistics); an upload is refused by Streamlit above the 1 MiB of a scenario
file before the page reads it again with every limit of the command line.
Each run has `jobs` worker processes (default: all cores) and at most
`runs` of them go at once (default: as many as the cores give `jobs` each).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from simulator.experiments.executors import default_workers
from simulator.scenario.loading import load_scenario
from simulator.web.sessions import AWAY_SECONDS

PAGE = Path(__file__).with_name("page.py")
DEFAULT_PORT = 8501
STOP_SECONDS = 30
"""How long Streamlit may take to stop (its visitors' folders removed) before it is killed."""


def runs_at_once(jobs: int | None, runs: int | None) -> int:
    """The runs the page lets go at once: as asked, or as many as the cores give `jobs` workers each (at least 1).

    >>> runs_at_once(None, 3), runs_at_once(1, None) == default_workers(), runs_at_once(10**3, None)
    (3, True, 1)
    """
    return runs if runs is not None else max(1, default_workers() // (jobs or default_workers()))


def command(
    scenario: Path | None,
    port: int,
    lang: str,
    root: Path,
    address: str = "localhost",
    jobs: int | None = None,
    runs: int | None = None,
) -> list[str]:
    """The streamlit command that serves the page."""
    page_arguments = ["--lang", lang, "--root", str(root.resolve()), "--runs", str(runs_at_once(jobs, runs))]
    if jobs is not None:
        page_arguments += ["--jobs", str(jobs)]
    if scenario is not None:
        page_arguments += ["--scenario", str(scenario.resolve())]
    return [
        sys.executable, "-m", "streamlit", "run", str(PAGE),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--server.maxUploadSize", "1",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--server.disconnectedSessionTTL", str(AWAY_SECONDS),
        "--runner.postScriptGC", "false",  # a full collection after every poll of a run took a core's third
        "--runner.magicEnabled", "false",  # a bare string in the page's code is a docstring, not text to show
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--", *page_arguments,
    ]  # fmt: skip


def serve(
    scenario: Path | None,
    port: int = DEFAULT_PORT,
    lang: str = "en",
    root: Path | None = None,
    jobs: int | None = None,
    runs: int | None = None,
) -> int:
    """Serve the page until Ctrl-C; the exit code. A SCENARIO that cannot be loaded is refused before serving."""
    if scenario is not None:
        load_scenario(scenario)  # a ScenarioError here is said by the command line, exit 2
    folder = root if root is not None else Path("results") / "web"
    streamlit = subprocess.Popen(command(scenario, port, lang, folder, jobs=jobs, runs=runs))  # noqa: S603 (ours)
    try:
        return streamlit.wait()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: Streamlit stops as asked, ending its visitors' sessions
        streamlit.terminate()
        try:
            streamlit.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            streamlit.kill()
            streamlit.wait()
        return 130

