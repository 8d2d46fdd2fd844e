"""The real page in headless Chromium: change staff, run, compare, download, switch language, upload a broken file.

Like the brief's browser test, a missing Chromium fails (tests/ensure-chromium,
which `make test` runs, installs it); Playwright drives that browser.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from simulator.cli import main
from simulator.report.language import language

SMALL = Path(__file__).with_name("small.yaml")
RUN_SIM = Path(__file__).resolve().parents[2] / "run_sim.py"
WAIT = 60_000  # ms: a run of the small scenario takes a second or two, on a busy machine far more
expect.set_options(timeout=WAIT)  # every assertion waits as long (Playwright's own default is 5 s)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`run_sim.py serve` on a free local port, one run at a time, in a fresh folder (visitors under results/web)."""
    folder = tmp_path_factory.mktemp("web")
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(RUN_SIM), "serve", str(SMALL), "--port", str(port), "--runs", "1"],
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    root = folder / "results" / "web"
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the page did not start")
                time.sleep(0.2)
        yield url, root
    finally:
        process.terminate()
        process.wait(60)
    left = sorted(path.name for path in root.glob("visitor-*"))
    assert not left, f"the server stopped, yet its visitors' folders are still there: {left}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: run tests/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=found, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page.set_default_timeout(WAIT)
    page.goto(url)
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
    return page


def _number(text: str) -> float:
    return float(re.search(r"-?[0-9][0-9,]*\.?[0-9]*", text).group().replace(",", ""))  # type: ignore[union-attr]


def _run(page: Page, number: int) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(f"Run {number}: results")).to_be_visible()


def test_more_staff_shorten_the_wait_and_the_download_reproduces_the_run(
    server: tuple[str, Path], browser: Browser, tmp_path: Path
) -> None:
    url, root = server
    page = _open(browser, url)
    page.get_by_text("Draw the figures and the brief").click()  # the figures are another test's
    expect(page.get_by_text("Warning before running")).to_be_visible()  # the licensing counter piles up a wait
    run = page.get_by_role("button", name="Run", exact=True)
    expect(run).to_be_disabled()
    page.get_by_text("Run anyway").click()
    _run(page, 1)

    counters = page.locator(".st-key-loads tr", has_text="the counters of 'licensing'").locator("td").first
    assert counters.inner_text() == "0.97; 1.66 from 08:00"  # siloed, before running: as `check` says
    staff = page.get_by_label("licensing: counter staff")
    staff.fill("2")
    staff.press("Enter")
    expect(page.get_by_text("Run anyway")).to_be_hidden()  # two counter staff: no warning any more
    expect(counters).to_have_text("0.49; 0.83 from 08:00")  # the same work (0.971) over twice the staff
    _run(page, 2)
    expect(page.get_by_role("button", name=re.compile("Scenario as changed"))).to_be_visible()  # written: no reruns
    expect(page.get_by_text("What changed from run 1 to run 2")).to_be_visible()
    expect(page.get_by_text("agencies.licensing.counters")).to_be_visible()
    wait = language("en").metric_label("wait_minutes")
    row = page.locator("[data-testid=stTable] tr", has_text="siloed").filter(has=page.get_by_text(wait, exact=True))
    expect(row).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    before, after = _number(cells[-4]), _number(cells[-3])
    assert after < before / 2, cells  # twice the counter staff where the queue was: far shorter waits
    assert cells[-2].startswith("-"), cells

    with page.expect_download() as scenario_download:
        page.get_by_role("button", name=re.compile("Scenario as changed")).click()
    with page.expect_download() as zip_download:
        page.get_by_role("button", name=re.compile("Results folder")).click()
    scenario_file = tmp_path / "scenario.yaml"
    scenario_download.value.save_as(scenario_file)
    zip_download.value.save_as(tmp_path / "results.zip")
    with zipfile.ZipFile(tmp_path / "results.zip") as archive:
        page_summary = archive.read("run-2/summary.csv")
    assert main(["run", str(scenario_file), "--out", str(tmp_path / "cli"), "--no-plots", "--quiet",
                 "--jobs", "1"]) == 0  # fmt: skip
    assert (tmp_path / "cli" / "summary.csv").read_bytes() == page_summary

    page.get_by_text("Bahasa Indonesia").click()
    expect(page.get_by_role("button", name="Jalankan", exact=True)).to_be_visible()
    expect(page.get_by_text("Simulasi 2: hasil")).to_be_visible()
    expect(page.get_by_text(language("id").metric_label("wait_minutes"), exact=True).first).to_be_visible()
    visitors = [path for path in root.iterdir() if path.name.startswith("visitor-")]
    assert any(sorted(p.name for p in v.iterdir()) == ["run-1", "run-2"] for v in visitors)
    page.close()


def test_errors_are_said_beside_their_field(server: tuple[str, Path], browser: Browser) -> None:
    url, _ = server
    page = _open(browser, url)
    staff = page.get_by_label("tax: counter staff")
    staff.fill("0")
    staff.press("Enter")
    beside = page.locator("[data-testid=stAlert]", has_text="agencies.tax.counters: step permit.tax_number")
    expect(beside).to_be_visible()
    run = page.get_by_role("button", name="Run", exact=True)
    expect(run).to_be_disabled()

    page.get_by_role("tab", name="Documents").click()  # only the open tab's controls are drawn
    expect(staff).to_be_hidden()
    expect(page.get_by_text("Fix the controls marked in the tabs: Staff")).to_be_visible()
    expect(run).to_be_disabled()
    page.get_by_role("tab", name="Staff").click()
    expect(staff).to_have_value("0")  # kept while its tab was closed
    staff.fill("1")
    staff.press("Enter")
    expect(beside).to_be_hidden()
    expect(page.get_by_text("Run anyway")).to_be_visible()  # only the warning of the file as it is

    broken = SMALL.read_text().replace("licensing: {counters: 1,", "licensing: {counters: many,")
    page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(
        files=[{"name": "broken.yaml", "mimeType": "application/yaml", "buffer": broken.encode()}]
    )
    error = page.locator("[data-testid=stSidebar] [data-testid=stAlert]")
    expect(error).to_contain_text("broken.yaml: agencies.licensing.counters")
    expect(error).not_to_contain_text("Traceback")
    page.close()


def test_a_second_visitor_waits_for_the_machine_and_is_told(server: tuple[str, Path], browser: Browser) -> None:
    url, _ = server
    first, second = _open(browser, url), _open(browser, url)
    for page in (first, second):
        page.get_by_text("Draw the figures and the brief").click()
        page.get_by_text("Run anyway").check()
    replications = first.get_by_label("Replications")
    replications.fill("500")
    replications.press("Enter")
    first.get_by_role("button", name="Run", exact=True).click()
    expect(first.get_by_text(re.compile(r"of 1000 runs done"))).to_be_visible()
    second.get_by_role("button", name="Run", exact=True).click()
    expect(second.get_by_text("your run is number 1 in the queue")).to_be_visible()
    expect(second.get_by_role("button", name="Cancel")).to_be_visible()
    first.get_by_role("button", name="Cancel").click()  # the slot is free: the second visitor's run goes
    expect(first.get_by_text("Run 1 was cancelled")).to_be_visible()
    expect(second.get_by_text("Run 1: results")).to_be_visible()
    first.close()
    second.close()
