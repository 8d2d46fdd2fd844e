"""`run_sim.py serve [SCENARIO] [--port 8501] [--lang id]`: the what-if page on this machine.

Streamlit serves `page.py` (headless: it opens no browser and sends no usage
statistics); an upload is refused by Streamlit above the 1 MiB of a scenario
file before the page reads it again with every limit of the command line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from simulator.scenario.loading import load_scenario

PAGE = Path(__file__).with_name("page.py")
DEFAULT_PORT = 8501


def command(scenario: Path | None, port: int, lang: str, root: Path, address: str = "localhost") -> list[str]:
    """The streamlit command that serves the page."""
    page_arguments = ["--lang", lang, "--root", str(root.resolve())]
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
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--", *page_arguments,
    ]  # fmt: skip


def serve(scenario: Path | None, port: int = DEFAULT_PORT, lang: str = "en", root: Path | None = None) -> int:
    """Serve the page until Ctrl-C; the exit code. A SCENARIO that cannot be loaded is refused before serving."""
    if scenario is not None:
        load_scenario(scenario)  # a ScenarioError here is said by the command line, exit 2
    folder = root if root is not None else Path("results") / "web"
    try:
        return subprocess.call(command(scenario, port, lang, folder))  # noqa: S603 (our own interpreter and arguments)
    except KeyboardInterrupt:  # Streamlit, in the same process group, has had its Ctrl-C too
        return 130

