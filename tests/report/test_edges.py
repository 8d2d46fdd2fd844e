"""Figures and the brief at the edges a real study meets, and the brief of a file with two services.

Built on the edge scenario of conftest: two services; siloed, nobody completes
(everybody gives up); whole-of-government, nobody waits; 2 replications. And
from it: one replication, a run of the all-abandon configuration alone, and one
where those who gave up do not answer the survey (no IKM at all).
"""

from __future__ import annotations

import copy
import fcntl
import io
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from simulator.experiments.executors import Serial
from simulator.experiments.runs import run_experiment
from simulator.experiments.sweeps import parse_setting, points, run_sweep
from simulator.experiments.warmup import study_warmup
from simulator.files.output import manifest, write_run
from simulator.report import brief, plots, study_plots, timeline
from simulator.report.brief import make_figures_and_brief
from simulator.scenario.loading import read_run, validate
from tests.conftest import EDGES

FIGURES = ("timeline", "lead_time", "headline", "differences", "satisfaction", "queues", "utilisation")


def write(
    root: Path,
    data: dict[str, Any],
    configurations: list[str] | None = None,
    replications: int = 2,
    languages: tuple[str, ...] = ("en",),
) -> Path:
    """Run a scenario and write its run folder with figures and brief in `languages`."""
    scenario = validate(data, "edges.yaml")
    source = root / "edges.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False))
    results = run_experiment(scenario, configurations, replications, jobs=1)
    settings = {"replications": replications, "configurations": results.configurations}
    meta = manifest(source, scenario, ["run", str(source)], datetime(2026, 3, 2), datetime(2026, 3, 2), **settings)

    def finish(partial: Path) -> None:
        for lang in languages:
            make_figures_and_brief(partial, lang, scenario=scenario, manifest=meta)

    write_run(root / "run", results, meta, finish=finish)
    return root / "run"


@pytest.fixture(scope="module")
def edges_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The edge scenario's run folder in both languages, made once for every test worker (a lock decides who)."""
    base = tmp_path_factory.getbasetemp()  # a test worker's own folder under the session's, or the session's
    shared = (base.parent if base.name.startswith("popen-gw") else base) / "edges-run"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "run" / "brief.id.html").exists():
            write(shared, copy.deepcopy(EDGES), languages=("en", "id"))
    return shared / "run"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]*"', "", html)))


def table_groups(html: str) -> dict[str, dict[str, list[str]]]:
    """The key table by group heading: configuration -> the cells' means."""
    body = html.split('<table id="key-table">')[1].split("</table>", maxsplit=1)[0]
    groups: dict[str, dict[str, list[str]]] = {}
    heading = ""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body):
        group = re.search(r'<th scope="colgroup"[^>]*>([^<]*)</th>', row)
        if group:
            heading = group.group(1)
            groups[heading] = {}
            continue
        named = re.search(r'<th scope="row"><span[^>]*></span>([^<]*)</th>', row)
        if named:
            groups.setdefault(heading, {})[named.group(1)] = re.findall(r"<td>([^<]*)<span", row)
    return groups


def test_every_figure_and_brief_in_both_languages(edges_run: Path) -> None:
    for suffix in ("", ".id"):
        for name in FIGURES:
            assert (edges_run / "figures" / f"{name}{suffix}.png").stat().st_size > 0
        assert (edges_run / f"brief{suffix}.pdf").stat().st_size > 0
    english = text_of((edges_run / "brief.html").read_text(encoding="utf-8"))
    bahasa = text_of((edges_run / "brief.id.html").read_text(encoding="utf-8"))
    assert "no completed applicants" in english and "nan" not in english.lower()
    assert "tidak ada pemohon yang selesai" in bahasa and "no completed" not in bahasa


def test_the_brief_of_two_services_states_each_service_s_own_numbers(edges_run: Path) -> None:
    html = (edges_run / "brief.html").read_text(encoding="utf-8")
    summary = pd.read_csv(edges_run / "summary.csv").set_index(["configuration", "service", "metric"])["mean"]
    groups = table_groups(html)
    assert list(groups) == [
        "Building approval (PBG) (standard 5 working days)",
        "Certificate check (standard 2 working days)",
        "All services together",
    ]
    for (heading, rows), service in zip(groups.items(), ("pbg", "check", "all"), strict=True):
        lead = summary[("integrated", service, "lead_time_days")]
        assert rows["integrated"][1] == f"{lead:.2f}", heading
        assert rows["siloed"][1] == "no completed applicants"
        assert rows["siloed"][5] == "100.0%", "everybody gave up under siloed"
    assert groups["Building approval (PBG) (standard 5 working days)"]["integrated"][1] != (
        groups["All services together"]["integrated"][1]
    ), "the pooled lead time is not the service's"
    findings = html.split('<section id="findings">')[1].split("</section>")[0]
    assert findings.index("Building approval (PBG)") < findings.index("Certificate check")
    warnings = text_of(html.split('<section id="warnings">')[1])
    for service in ("Building approval (PBG)", "Certificate check"):
        assert f"siloed, {service}: 100.0% of applicants give up" in warnings
    assert "Fewer than 5 replications (2)" in warnings


def test_the_typical_applicant_is_chosen_per_service(edges_run: Path) -> None:
    run = read_run(edges_run)
    for service in ("pbg", "check"):
        chosen = timeline.representative(run["citizens"], "integrated", service)
        assert chosen is not None and chosen["service"] == service
    assert timeline.representative(run["citizens"], "siloed", "pbg") is None
    figure = timeline.timeline_figure(
        run["citizens"], run["contacts"], run["work"], run.scenario, ["siloed", "integrated"], "en"
    )
    titles = [axes.get_title(loc="left").replace("\n", " ") for axes in figure.axes]
    assert titles[0] == "Building approval (PBG) siloed: no completed applicants in replication 0"
    assert titles[1].startswith("Building approval (PBG) integrated: 1 trip")
    assert titles[3].startswith("Certificate check integrated: 1 trip")


def test_figures_split_by_service_say_where_no_number_exists(edges_run: Path) -> None:
    run = read_run(edges_run)
    services = ["pbg", "check"]
    headline = plots.headline_figure(run["summary"], "en", None, run.configurations, "integrated", run.scenario,
                                     services)  # fmt: skip
    lead = headline.axes[1]
    assert [t.get_text() for t in lead.texts] == ["no completed applicants"] * 2
    assert [t.get_text() for t in headline.axes[0].get_yticklabels()] == ["siloed", "integrated"] * 2
    figure = plots.lead_time_figure(run["citizens"], run.scenario, "id", None, run.configurations, services)
    titles = [axes.get_title(loc="left").replace("\n", " ") for axes in figure.axes[:2]]
    assert titles[0].startswith("Building approval (PBG) sesuai standar: siloed 0%, integrated 100%")


@pytest.mark.parametrize(
    ("case", "configurations", "replications"),
    [
        ("one replication", None, 1),
        ("nobody completes or answers anywhere", ["siloed"], 2),
        ("nobody applies for one service", None, 2),
    ],
)
def test_figures_and_brief_at_the_edges(
    tmp_path: Path, case: str, configurations: list[str] | None, replications: int
) -> None:
    data = copy.deepcopy(EDGES)
    if case.startswith("nobody completes"):
        data["satisfaction"] = {"abandoned_respond": False}  # no IKM either
    if case.startswith("nobody applies"):
        data["services"]["pbg"]["arrivals"]["per_day"] = 0.001
    folder = write(tmp_path, data, configurations, replications)
    for name in FIGURES:
        if name != "differences" or configurations is None:
            assert (folder / "figures" / f"{name}.png").exists(), name
    html = text_of((folder / "brief.html").read_text(encoding="utf-8"))
    assert "no completed applicants" in html
    if case.startswith("nobody applies"):
        findings = html.split("What changes")[1].split("Key figures")[0]
        assert "Building approval (PBG) (standard 5 working days) No applicants in the counted days." in findings
    if replications == 1:
        table = html.split("Key figures")[1].split("Figures")[0].split("Gave up")[1]
        assert "[" not in table, "no interval from one replication"


def test_no_warnings_is_not_a_warning(tmp_path: Path) -> None:
    from tests.conftest import TINY  # noqa: PLC0415

    scenario = validate(copy.deepcopy(TINY), "tiny.yaml")
    results = run_experiment(scenario, replications=5, jobs=1)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    meta = manifest(tmp_path / "tiny.yaml", scenario, [], datetime(2026, 3, 2), datetime(2026, 3, 2), replications=5)
    write_run(tmp_path / "run", results, meta)
    html = brief.to_html(brief.content(read_run(tmp_path / "run"), "en"))
    section = html.split('<section id="warnings">')[1].split("</section>")[0]
    assert "<li>None: no counter or back office is busy" in section
    assert 'class="warning"' not in section


def capture(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The figures a study's `*_figures` function saves, by name, instead of writing them."""
    made: dict[str, Any] = {}

    def keep(figure: Any, folder: Path, name: str) -> tuple[list[Path], bytes]:
        made[name] = figure
        return [folder / f"{name}.png"], b""

    monkeypatch.setattr(plots, "save", keep)
    return made


def line_colours(figure: Any) -> dict[str, str]:
    return {line.get_label(): line.get_color() for axes in figure.axes for line in axes.get_lines()}


def test_one_colour_per_configuration_in_runs_sweeps_and_warm_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in the reverse of the file's order: each configuration keeps the colour the file gives it."""
    from tests.conftest import TINY  # noqa: PLC0415

    scenario = validate(copy.deepcopy(TINY), "tiny.yaml")
    colours = plots.palette(["siloed", "integrated"], scenario)
    assert plots.palette(["integrated", "siloed"], scenario) == colours
    assert plots.palette(["integrated"], scenario) == {"integrated": colours["integrated"]}
    made = capture(monkeypatch)
    order = ["integrated", "siloed"]
    sweep = run_sweep(scenario, points(scenario, [parse_setting("agencies.office.counters=1,2")], "t"), order, 2,
                      Serial())  # fmt: skip
    study_plots.sweep_figures(sweep, "en", tmp_path)
    study = study_warmup(scenario, 10, 1, order, Serial())
    study_plots.warmup_figures(study, "en", tmp_path)
    for name in ("trips", "warmup"):
        shown = line_colours(made[name])
        assert shown["siloed"] == colours["siloed"] and shown["integrated"] == colours["integrated"], name


def _png_bytes(figure: Any) -> bytes:
    """A figure as PNG bytes at 30 dpi: drawn at 150 dpi in the PDF, a fifth of its height in inches."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=30)
    return buffer.getvalue()


def test_the_pdf_leaves_out_what_two_pages_cannot_hold(edges_run: Path, tmp_path: Path) -> None:
    """Too tall a figure for half its size: the PDF names it and leaves it to brief.html; the rest stays."""
    content = brief.content(read_run(edges_run), "en")
    content.figures = [("timeline", "tall", _png_bytes(Figure(figsize=(plots.WIDTH, 150)))),
                       ("lead_time", "short", _png_bytes(Figure(figsize=(plots.WIDTH, 10))))]  # fmt: skip
    fitted, pages = brief.fitted(content)
    assert [name for name, _, _ in fitted.figures] == ["lead_time"] and fitted.left_out == ["timeline"]
    assert min(pages[2], pages[3]) >= brief.MIN_SCALE
    brief.to_pdf(content, tmp_path / "brief.pdf", {})
    assert 1 <= len(re.findall(rb"/Type\s*/Page(?![a-z])", (tmp_path / "brief.pdf").read_bytes())) <= 2
    html = brief.to_html(content)
    assert html.count("<img ") == 2, "brief.html keeps every figure"


def test_a_folder_from_before_the_service_column_still_plots(edges_run: Path, tmp_path: Path) -> None:
    """Its statistics have only every service together: the brief tells of them, without service headings."""
    old = tmp_path / "old"
    shutil.copytree(edges_run, old, ignore=shutil.ignore_patterns("figures", "brief*"))
    for name in ("summary", "comparison", "replications"):
        frame = pd.read_csv(old / f"{name}.csv")
        frame[frame["service"] == "all"].drop(columns="service").to_csv(old / f"{name}.csv", index=False)
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["sha256"]  # a folder from before the service column is from before checksums too
    (old / "manifest.json").write_text(json.dumps(manifest))
    run = read_run(old)
    content = brief.content(run, "en")
    assert [heading for heading, _ in content.tables] == [""]
    assert set(brief.figures(run, "en")) >= {"timeline", "lead_time", "headline", "differences", "satisfaction"}
