"""The policy brief of a real (small) run folder: its numbers, self-containment, pages, a browser, determinism."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import signal
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from simulator.analysis.satisfaction import grade
from simulator.experiments.runs import run_experiment
from simulator.files.output import manifest, write_run
from simulator.report import brief
from simulator.report.brief import FINDINGS, make_figures_and_brief
from simulator.report.language import language
from simulator.scenario.loading import RECORD_TABLES, RESULT_TABLES, ScenarioError, read_run, validate
from tests.conftest import TINY

STARTED, ENDED = datetime(2026, 3, 2, 9, 0, 0), datetime(2026, 3, 2, 9, 0, 7)
FIGURES = ("timeline", "lead_time", "headline", "differences", "satisfaction", "queues", "utilisation", "levers")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with a mall between siloed and integrated service, 3 replications, written as a run."""
    data = copy.deepcopy(TINY)
    data["configurations"] = {
        "siloed": {"preset": "siloed"},
        "mall": {"preset": "co_located"},
        "integrated": {"preset": "whole_of_government"},
    }
    data["brief"] = {"steps": ["siloed", "mall", "integrated"]}
    data["horizon_days"], data["warmup_days"] = 4, 1
    scenario = validate(data, "tiny.yaml")
    root = tmp_path_factory.mktemp("brief")
    source = root / "tiny.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False))
    results = run_experiment(scenario, replications=3, jobs=1)
    settings = {"replications": 3, "configurations": results.configurations, "baseline": results.baseline}
    meta = manifest(source, scenario, ["run", str(source)], STARTED, ENDED, **settings)

    def finish(partial: Path) -> None:  # as at the end of `run`: before scenario.yaml and manifest.json exist
        written = make_figures_and_brief(partial, scenario=results.scenario, manifest=meta)
        (partial / "made.json").write_text(json.dumps([p.relative_to(partial).as_posix() for p in written]))

    write_run(root / "run", results, meta, finish=finish)
    return root / "run"


@pytest.fixture(scope="module")
def made(run_folder: Path) -> dict[str, bytes]:
    """The entry point's files as the end of the run wrote them, by path in the run folder."""
    names = json.loads((run_folder / "made.json").read_text())
    return {name: (run_folder / name).read_bytes() for name in names}


@pytest.fixture(scope="module")
def bahasa(run_folder: Path, made: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> str:
    """brief.html in Bahasa Indonesia, made from a copy of the run folder."""
    copied = tmp_path_factory.mktemp("bahasa") / "run"
    shutil.copytree(run_folder, copied, ignore=shutil.ignore_patterns("figures", "brief.*", "made.json"))
    make_figures_and_brief(copied, "id")
    assert not (copied / "brief.html").exists(), "Bahasa Indonesia is written beside English, never over it"
    return (copied / "brief.id.html").read_text(encoding="utf-8")


def all_services(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of every service together (the tiny scenario's one service has the same)."""
    return frame[frame["service"] == "all"]


NUMBER = re.compile(r"[-+]?\d[\d.,]*\d|[-+]?\d")


def number(text: str, lang: str) -> tuple[float, int]:
    """A number as the brief writes it ('1,234.5' or '1.234,5') and its count of decimals."""
    found = NUMBER.search(text)
    assert found, f"no number in {text!r}"
    digits = found.group()
    thousands, decimal = (",", ".") if lang == "en" else (".", ",")
    digits = digits.replace(thousands, "")
    decimals = len(digits.split(decimal)[1]) if decimal in digits else 0
    return float(digits.replace(decimal, ".")), decimals


def close(shown: str, value: float, lang: str, scale: float = 1.0) -> bool:
    """True when `shown` is `value` (times `scale`) rounded to the decimals it shows."""
    read, decimals = number(shown, lang)
    return abs(read - scale * value) <= 0.5 * 10**-decimals + 1e-9


def test_every_figure_and_the_brief_are_written(run_folder: Path, made: dict[str, bytes]) -> None:
    expected = {f"figures/{name}.{kind}" for name in FIGURES for kind in ("png", "svg")} | {"brief.html", "brief.pdf"}
    assert set(made) == expected
    assert all(made[f"figures/{name}.png"].startswith(b"\x89PNG") for name in FIGURES)
    assert all(b"<svg" in made[f"figures/{name}.svg"][:2000] for name in FIGURES)


def table_rows(html: str) -> dict[str, list[tuple[str, str]]]:
    """The key table: configuration -> [(mean, interval)] per column."""
    body = html.split('<table id="key-table">')[1].split("</table>", maxsplit=1)[0]
    rows = re.findall(r'<th scope="row"><span[^>]*></span>([^<]*)</th>(.*?)</tr>', body)
    return {name: re.findall(r'<td>([^<]*)<span class="ci">([^<]*)</span></td>', cells) for name, cells in rows}


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_key_table_states_the_summary(run_folder: Path, made: dict[str, bytes], bahasa: str, lang: str) -> None:
    html = made["brief.html"].decode() if lang == "en" else bahasa
    summary = all_services(pd.read_csv(run_folder / "summary.csv")).set_index(["configuration", "metric"])
    rows = table_rows(html)
    assert list(rows) == ["siloed", "mall", "integrated"]
    for name, cells in rows.items():
        assert len(cells) == len(brief.TABLE)
        for metric, (mean, interval) in zip(brief.TABLE, cells, strict=True):
            row = summary.loc[(name, metric)]
            scale = 100 if metric.endswith("_share") else 1
            assert close(mean, row["mean"], lang, scale), (name, metric, mean, row["mean"])
            if metric == "ikm":
                assert f"({grade(row['mean'])[0]})" in mean
            low, high = interval.strip("[]").split("\u2013")
            assert close(low, row["ci_low"], lang, scale) and close(high, row["ci_high"], lang, scale), interval


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_sentences_state_the_comparison(run_folder: Path, made: dict[str, bytes], bahasa: str, lang: str) -> None:
    html = made["brief.html"].decode() if lang == "en" else bahasa
    comparison = all_services(pd.read_csv(run_folder / "comparison.csv"))
    rows = comparison[comparison["configuration"] == "integrated"].set_index("metric")
    lead = re.search(r'<p class="lead" id="lead">([^<]*)</p>', html)
    findings = html.split('<section id="findings">')[1].split("</section>")[0]
    sentences = [lead.group(1) if lead else "", *re.findall(r"<li>([^<]*)</li>", findings)]
    interval_words = "95% CI " if lang == "en" else "selang kepercayaan 95% "
    for metric, sentence in zip(FINDINGS, sentences, strict=False):
        row = rows.loc[metric]
        scale = 100 if metric.endswith("_share") else 1
        values, change = sentence.rsplit(" (", 1)
        before, after = NUMBER.findall(values)[-2:]
        assert close(before, row["baseline_mean"], lang, scale), (metric, sentence)
        assert close(after, row["mean"], lang, scale), (metric, sentence)
        change, interval = change.split("; ")
        low, high = NUMBER.findall(interval.removeprefix(interval_words))
        if metric in ("within_standard_share", "ikm"):  # in points
            expected = [row[k] for k in ("difference", "ci_low", "ci_high")]
        else:
            expected = [row[k] for k in ("relative_change", "relative_ci_low", "relative_ci_high")]
            scale = 100
        for shown, value in zip((change, low, high), expected, strict=True):
            assert close(shown, value, lang, scale), (metric, shown, value)
        verb = "cuts" if lang == "en" else "memangkas"
        if expected[2] < 0:  # the whole interval below zero
            assert f" {verb} " in sentence


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_configuration_has_its_ikm_grade(
    run_folder: Path, made: dict[str, bytes], bahasa: str, lang: str
) -> None:
    html = made["brief.html"].decode() if lang == "en" else bahasa
    summary = all_services(pd.read_csv(run_folder / "summary.csv")).set_index(["configuration", "metric"])
    section = html.split('<section id="ikm">')[1].split("</section>")[0]
    lines = re.findall(r"<li>([^<]*)</li>", section)
    assert len(lines) == 3
    for line, name in zip(lines, ["siloed", "mall", "integrated"], strict=True):
        ikm = summary.loc[(name, "ikm"), "mean"]
        letter, performance = grade(ikm)
        assert line.startswith(f"{name}: IKM ") and close(line.split("IKM ")[1], ikm, lang)
        assert f" {letter}, {performance}" in line
        assert ("(good)" in line or "(poor)" in line or "(bad)" in line or "(very good)" in line) == (lang == "en")


def test_the_bahasa_brief_is_in_bahasa(bahasa: str) -> None:
    assert '<html lang="id">' in bahasa
    for phrase in ("Ringkasan kebijakan", "Pola pelayanan yang dibandingkan", "Cara perhitungan", "Peringatan"):
        assert phrase in bahasa
    for english in ("The question", "working days", "Warnings", "How it was computed", "95% CI"):
        assert english not in bahasa


def test_the_html_needs_nothing_outside_itself(made: dict[str, bytes]) -> None:
    html = made["brief.html"].decode()
    references = re.findall(r"""(?:src|href|srcset|poster|data)\s*=\s*["']([^"']*)""", html, flags=re.IGNORECASE)
    assert references, "no figures found"
    outside = [r[:40] for r in references if not (r.startswith("data:") or r.startswith("#"))]
    assert not outside
    for word in ("http:", "https:", "file:", "url(", "@import", "<link", "<script", "<iframe", "<object"):
        assert word not in html.lower()
    assert html.count("<img ") == 4


def test_the_pdf_has_at_most_two_a4_pages_dated_by_the_run(made: dict[str, bytes]) -> None:
    pdf = made["brief.pdf"]
    pages = re.findall(rb"/Type\s*/Page(?![a-z])", pdf)
    assert 1 <= len(pages) <= 2
    assert re.findall(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+\s*\]", pdf)
    assert b"D:20260302090007" in pdf  # the run's end, from the manifest: no other date


def test_plotting_the_folder_again_gives_the_same_files(run_folder: Path, made: dict[str, bytes]) -> None:
    """Reading scenario.yaml and manifest.json back gives the bytes the end of the run wrote."""
    again = make_figures_and_brief(run_folder)
    changed = [
        p.relative_to(run_folder).as_posix()
        for p in again
        if p.read_bytes() != made[p.relative_to(run_folder).as_posix()]
    ]
    assert not changed


CHECK_IMAGES = """<script>
window.addEventListener("load", () => {
  const shown = [...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight]);
  document.body.insertAdjacentHTML("beforeend", `<pre id="image-check">${JSON.stringify(shown)}</pre>`);
});
</script>"""


def test_a_browser_shows_every_figure(run_folder: Path, made: dict[str, bytes], tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.fail("chromium is not installed: run tests/ensure-chromium (make test does)")
    checked = tmp_path / "checked.html"
    checked.write_text(made["brief.html"].decode().replace("</body>", CHECK_IMAGES + "</body>"), encoding="utf-8")
    flags = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*flags, "--dump-dom", checked.as_uri()], check=False, capture_output=True, text=True, timeout=120
    )
    found = re.findall(r'<pre id="image-check">(\[.*?\])</pre>', dom.stdout)  # not the script's own text
    assert found, dom.stderr[-2000:]
    images = json.loads(found[-1])
    assert len(images) == 4
    assert all(complete and width > 0 and height > 0 for complete, width, height in images), images
    screenshot = tmp_path / "brief.png"
    page = run_folder / "brief.html"
    subprocess.run(
        [*flags, f"--screenshot={screenshot}", "--window-size=1200,3000", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float64)
    assert pixels.shape == (3000, 1200)
    assert pixels.std() > 20  # not blank
    ink = (pixels < 200).mean(axis=1)  # dark pixels per row: text and figures all down the page
    assert (ink[:1500] > 0.005).mean() > 0.3 and (ink[1500:] > 0.005).mean() > 0.3


def test_warnings_name_busy_desks_and_giving_up(run_folder: Path) -> None:
    run = read_run(run_folder)
    agencies = run["agencies"].copy()
    agencies.loc[(agencies["configuration"] == "siloed") & (agencies["agency"] == "office"), "counter_utilization"] = (
        0.97
    )
    summary = run["summary"].copy()
    gave_up = (summary["configuration"] == "mall") & (summary["metric"] == "abandoned_share")
    summary.loc[gave_up, "mean"] = 0.08
    busy = dataclasses.replace(run, tables={**run.tables, "agencies": agencies, "summary": summary})
    warned = brief.warnings(language("en"), busy, run.configurations)
    assert warned == [
        "siloed: the counters of office are busy 97% of opening hours; queues can keep growing, and the results "
        "depend on the length of the run.",
        "mall: 8.0% of applicants give up before their service is complete.",
        "Fewer than 5 replications (3): the 95% intervals are wide and lean on the normal approximation; run at "
        "least 5 before relying on them.",
    ]
    enough = dataclasses.replace(run, manifest={**run.manifest, "replications": 5})
    assert brief.warnings(language("en"), enough, run.configurations) == []


def test_configurations_are_told_by_what_they_change(run_folder: Path) -> None:
    run = read_run(run_folder)
    lines = dict(brief.configuration_lines(language("en"), run.scenario, run.configurations))
    assert lines["siloed"].startswith("siloed (reference): each agency has its own counter; separate buildings;")
    assert lines["mall"] == "mall: as siloed, but all agencies in one building."
    assert lines["integrated"].startswith("integrated: as mall, but one front office takes the whole file;")


def test_read_run_needs_a_complete_folder(run_folder: Path, tmp_path: Path) -> None:
    for name in RESULT_TABLES:
        shutil.copy(run_folder / f"{name}.csv", tmp_path)
    for name in RECORD_TABLES:
        shutil.copy(run_folder / f"{name}.parquet", tmp_path)
    with pytest.raises(ScenarioError, match=r"missing scenario\.yaml, manifest\.json"):
        read_run(tmp_path)
    run = read_run(run_folder)
    standing_in = read_run(tmp_path, scenario=run.scenario, manifest=run.manifest)
    assert standing_in.configurations == ["siloed", "mall", "integrated"]
    assert standing_in["summary"].equals(run["summary"])


def test_a_drawing_worker_that_dies_does_not_hang_the_brief(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed while drawing (out of memory, say) breaks the pool: the figures are drawn here instead."""
    import os  # noqa: PLC0415

    from matplotlib.figure import Figure  # noqa: PLC0415

    parent = os.getpid()

    def dies_in_a_worker() -> Figure:
        if os.getpid() != parent:
            os._exit(1)
        figure = Figure()
        figure.add_subplot().plot([0, 1])
        return figure

    monkeypatch.setattr(brief, "default_workers", lambda: 2)
    saved = brief.draw_all({"first": dies_in_a_worker, "second": dies_in_a_worker}, tmp_path)
    assert set(saved) == {"first", "second"}
    assert (tmp_path / "first.png").exists() and (tmp_path / "second.svg").exists()


def test_a_drawing_worker_dies_by_sigterm_as_by_default() -> None:
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        brief._receive({})
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
