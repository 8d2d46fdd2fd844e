"""The what-if page, a Streamlit script: `streamlit run page.py -- [--scenario FILE] [--lang id] [--root DIR]`.

Layout only: the scenario comes from `load_scenario` (or `visitors.load_upload`),
the controls from `whatif`, the checks from `capacity` and `workload`, the run
from `jobs` (`run_experiment`, `write_run`, the brief), the comparison text from
`report`, the pairing from `paired`. Each visitor (a browser session) has a
folder of their own under the root.
"""

from __future__ import annotations

import argparse
import atexit
import html
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime import get_instance
from streamlit.runtime.scriptrunner import get_script_run_ctx

from simulator.analysis.capacity import HopelessLoadError, Load, offered_load, overloads, refuse_hopeless
from simulator.files.output import remake_figures
from simulator.report.brief import make_figures_and_brief
from simulator.report.comparison import comparison_text
from simulator.report.language import Language, language
from simulator.scenario.loading import ScenarioError, checked_run_folder, load_scenario
from simulator.scenario.schema import ALL_SERVICES, MAX_REPLICATIONS, Scenario
from simulator.scenario.workload import Workload, check_workload, journeys_per_run
from simulator.web.downloads import MIME, brief_files, figure_files, zipped
from simulator.web.jobs import Job, Order
from simulator.web.paired import differences, paired, same_citizens
from simulator.web.sessions import Visit, Visitors
from simulator.web.slots import Slots
from simulator.web.visitors import load_upload, next_run_folder
from simulator.web.whatif import SECTIONS, Control, WhatIf, apply, controls
from simulator.web.words import NAMES, say

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios"
SHOWN = ("wait_minutes", "lead_time_days", "trips", "within_standard_share", "abandoned_share", "ikm")
# How often the page looks at a run whose first result is due within SOON_SECONDS, and how often otherwise. Each
# look redraws the page in the browser (0.1-0.2 s of a core on the default scenario's), which the run needs when the
# browser shares the server's cores. Not docstrings: Streamlit would write bare strings on the page.
POLL_SECONDS = 0.5
SLOW_POLL_SECONDS = 2.0
SOON_SECONDS = 3.0


def arguments() -> argparse.Namespace:
    """The page's arguments (after `--` on the streamlit command line)."""
    parser = argparse.ArgumentParser(prog="page")
    parser.add_argument("--scenario", type=Path)
    parser.add_argument("--lang", choices=tuple(NAMES), default="en")
    parser.add_argument("--root", type=Path, default=Path("results") / "web")
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--runs", type=int, default=1)
    return parser.parse_args(sys.argv[1:])


@st.cache_resource
def server_slots(size: int) -> Slots:
    """The slots of this server, shared by every visitor: at most `size` runs at once."""
    return Slots(size)


@st.cache_resource
def server_visitors(root: Path) -> Visitors:
    """The visitors of this server, swept from now on: a folder per browser session, removed when it ends."""
    visitors = Visitors(root.resolve(), get_instance().is_active_session).start()
    atexit.register(visitors.close)  # the server stops: its visitors' sessions end with it
    return visitors


def visitor(root: Path) -> Visit:
    """The visit of this browser session: its folder (made on the first visit) and its runs."""
    if "visit" not in st.session_state:
        context = get_script_run_ctx()
        assert context is not None  # the page runs under `streamlit run`
        st.session_state.visit = server_visitors(root).arrive(context.session_id)
    visit: Visit = st.session_state.visit
    return visit


def choose_scenario(lang: str, start: Path | None, folder: Path) -> tuple[Path, Scenario] | None:
    """The scenario file to start from: the one named on the command line, a bundled one, or an upload."""
    files = sorted(BUNDLED.glob("*.yaml"))
    if start is not None and start.resolve() not in files:
        files.insert(0, start.resolve())
    first = files.index(start.resolve()) if start is not None else next(
        (i for i, path in enumerate(files) if path.name == "business_licensing.yaml"), 0
    )
    chosen = st.sidebar.selectbox(say(lang, "bundled"), files, index=first, format_func=lambda p: p.name)
    upload = st.sidebar.file_uploader(say(lang, "upload"), type=["yaml", "yml", "toml"], key="upload")
    if upload is not None:
        if st.session_state.get("upload_id") != upload.file_id:
            st.session_state.upload_id = upload.file_id
            try:
                st.session_state.uploaded = load_upload(folder, upload.name, upload.getvalue())
                st.session_state.upload_error = ""
            except ScenarioError as error:
                st.session_state.uploaded = None
                st.session_state.upload_error = str(error)
        if st.session_state.get("upload_error"):
            st.sidebar.error(st.session_state.upload_error, icon="⚠️")
        elif st.session_state.get("uploaded") is not None:
            path, scenario = st.session_state.uploaded
            st.sidebar.caption(say(lang, "uploaded", name=path.name))
            return path, scenario
    try:
        return chosen, load_scenario(chosen)
    except ScenarioError as error:
        st.sidebar.error(str(error), icon="⚠️")
        return None


def control_widget(lang: str, key: str, control: Control, value: Any, error: str | None) -> Any:
    """One control's widget, showing `value`, its error said beside it; its value."""
    label = say(lang, f"what_{control.what}", subject=control.subject)
    widget_key = f"{key}:{control.path}"
    if control.kind == "choice":
        value = st.selectbox(label, control.options, index=control.options.index(value), key=widget_key)
    elif control.kind == "staff":
        value = st.number_input(label, value=int(value), min_value=0, step=1, key=widget_key)
    elif control.kind == "share":
        value = st.number_input(label, value=float(value), step=0.05, format="%.2f", key=widget_key)
    else:
        value = st.number_input(label, value=float(value), step=1.0, format="%.2f", key=widget_key)
    if error:
        st.error(error, icon="⚠️")
    return value


def what_if(lang: str, key: str, scenario: Scenario) -> WhatIf:
    """The controls, section by section, and the scenario they make.

    Only the open tab's controls are drawn: the browser redraws every control on the page each time the page
    looks at a run. The values of the others are kept in the session, so a tab shows what was set in it.
    """
    names = list(scenario.configurations)
    chosen = st.sidebar.multiselect(say(lang, "configurations"), names, default=names, key=f"{key}:configurations")
    replications = st.sidebar.number_input(
        say(lang, "replications"), 1, MAX_REPLICATIONS, min(scenario.replications, 5), key=f"{key}:replications"
    )
    found = controls(scenario)
    errors: dict[str, str] = st.session_state.get(f"{key}:errors", {})
    kept: dict[str, Any] = st.session_state.setdefault(f"{key}:values", {c.path: c.value for c in found})
    labels = {section: say(lang, f"section_{section}") for section in SECTIONS}
    tabs = st.tabs(list(labels.values()), key=f"{key}:section:{lang}", on_change="rerun")
    for section, tab in zip(SECTIONS, tabs, strict=True):
        if not tab.open:
            continue
        with tab:
            for control in (c for c in found if c.section == section):
                value = control_widget(lang, key, control, kept[control.path], errors.get(control.path))
                kept[control.path] = value
    result = apply(scenario, kept, chosen, int(replications))
    if result.errors != errors:  # said beside their controls, which were drawn before they were known
        st.session_state[f"{key}:errors"] = result.errors
        st.rerun()
    closed = [section for section, tab in zip(SECTIONS, tabs, strict=True) if not tab.open]
    marked = [labels[s] for s in closed if any(c.section == s and c.path in result.errors for c in found)]
    if marked:
        st.error(say(lang, "errors_in", sections=", ".join(marked)), icon="⚠️")
    return result


def checks(lang: str, source: Path, scenario: Scenario, loads: list[Load]) -> tuple[list[str], list[str]]:
    """What refuses the run (hopeless loads, work above the limits) and what warns before it (loads of 1 or more)."""
    refusals = []
    try:
        refuse_hopeless(loads)
        runs = len(scenario.configurations) * scenario.replications
        check_workload(source.name, Workload(journeys_per_run(scenario), runs, True), force=False)
    except (HopelessLoadError, ScenarioError) as error:
        refusals.append(str(error))
    return refusals, overloads(loads, scenario.satisfaction.acceptable_wait_minutes)


def show_loads(lang: str, loads: list[Load]) -> None:
    """Each place's offered load under each configuration, before anything runs: what the controls do to it."""
    words = language(lang)
    table: dict[str, dict[str, str]] = {}
    for load in loads:
        peak = say(lang, "load_peak", load=words.number(load.peak, 2), hour=load.peak_hour) if load.peak_hour else ""
        table.setdefault(load.configuration, {})[load.place] = f"{words.number(load.mean, 2)}{peak}"
    with st.container(key="loads"), st.expander(say(lang, "loads"), expanded=True):
        st.caption(say(lang, "loads_note"))
        st.table(pd.DataFrame(table).fillna("–"))


def headline(words: Language, summary: pd.DataFrame, service: str = ALL_SERVICES) -> pd.DataFrame:
    """Mean [95% interval] of the headline metrics, one row per configuration."""
    rows = summary[summary["service"] == service]
    table: dict[str, dict[str, str]] = {}
    for row in rows.to_dict("records"):
        metric = str(row["metric"])
        if metric in SHOWN:
            low, high = (words.value(metric, float(row[k]), False) for k in ("ci_low", "ci_high"))
            shown = f"{words.value(metric, float(row['mean']))} [{low}–{high}]"
            table.setdefault(str(row["configuration"]), {})[words.metric_label(metric)] = shown
    return pd.DataFrame(table).T


def show_results(lang: str, number: int, job: Job) -> None:
    """A run's comparison, headline table, per-service tables and figures."""
    words = language(lang)
    results = job.results
    assert results is not None  # shown only once the first result is in
    st.subheader(say(lang, "results", number=number))
    text = html.escape(comparison_text(results, lang))
    st.html(f'<pre style="font-size: 0.85rem">{text}</pre>')  # st.code would load a highlighter (1.5 MB) first
    st.caption(say(lang, "headline", replications=results.replications))
    st.table(headline(words, results.summary))
    if len(results.scenario.services) > 1:
        with st.expander(say(lang, "per_service")):
            for service in results.scenario.services:
                st.markdown(f"**{service}**")
                st.table(headline(words, results.summary, service))
    job.shown()  # the numbers are on the page: the figures may take the cores now
    if job.state == "writing":
        st.info(say(lang, "writing"))
    elif job.state == "done":
        show_figures(lang, job.order.folder)
        downloads(lang, number, job.order.folder)
    if job.failure == "figures":
        st.warning(say(lang, "figures_failed", error=job.error))


def show_figures(lang: str, folder: Path) -> None:
    st.subheader(say(lang, "figures"))
    figures = figure_files(folder, lang)
    if not figures:
        st.info(say(lang, "no_figures"))
        if st.button(say(lang, "draw"), key=f"draw:{folder}:{lang}"):
            draw = partial(make_figures_and_brief, lang=lang, manifest=checked_run_folder(folder))
            with st.spinner(say(lang, "writing")):
                remake_figures(folder, draw, lang)
            st.rerun()
        return
    for figure in figures:
        st.image(str(figure))


def downloads(lang: str, number: int, folder: Path) -> None:
    st.subheader(say(lang, "downloads"))
    stem = f"{folder.parent.name}-run-{number}"
    columns = st.columns(4)
    columns[0].download_button(
        say(lang, "download_scenario"), (folder / "scenario.yaml").read_bytes(), f"{stem}.yaml", MIME[".yaml"],
        key=f"yaml:{folder}", on_click="ignore",
    )  # fmt: skip
    columns[1].download_button(
        say(lang, "download_zip"), partial(zipped, folder), f"{stem}.zip", MIME[".zip"], key=f"zip:{folder}",
        on_click="ignore",
    )  # fmt: skip
    for column, (extension, path) in zip(columns[2:], brief_files(folder, lang).items(), strict=False):
        column.download_button(
            say(lang, f"download_brief_{extension[1:]}"), path.read_bytes, f"{stem}-brief{extension}", MIME[extension],
            key=f"brief{extension}:{folder}:{lang}", on_click="ignore",
        )  # fmt: skip


def compare_runs(lang: str, jobs: list[Job]) -> None:
    """Two of the visitor's runs side by side: what changed, and the paired change of every headline metric."""
    ready = [number for number, job in enumerate(jobs, 1) if job.results is not None]
    if len(ready) < 2:
        return
    words = language(lang)
    st.header(say(lang, "compare_runs"))
    left, right = st.columns(2)
    name = partial(lambda n, lang: say(lang, "run_name", number=n), lang=lang)
    first = left.selectbox(say(lang, "first_run"), ready, index=len(ready) - 2, format_func=name, key="first")
    second = right.selectbox(say(lang, "second_run"), ready, index=len(ready) - 1, format_func=name, key="second")
    before, after = jobs[first - 1].results, jobs[second - 1].results
    assert before is not None and after is not None
    st.markdown(f"**{say(lang, 'changed', first=first, second=second)}**")
    changes = differences(before.scenario, after.scenario)
    lines = [f"- `{path}`: {old!r} → {new!r}" for path, old, new in changes]
    st.markdown("\n".join(lines) if lines else say(lang, "nothing_changed"))
    if not same_citizens(before.scenario, after.scenario):
        st.warning(say(lang, "not_paired"))
        return
    st.caption(say(lang, "paired_note"))
    table = paired(before.metrics, after.metrics)
    rows = []
    for record in table[(table["service"] == ALL_SERVICES) & table["metric"].isin(SHOWN)].to_dict("records"):
        row = {str(key): value for key, value in record.items()}
        metric = str(row["metric"])
        change, low, high = words.change(metric, row)
        rows.append({
            say(lang, "configuration"): row["configuration"],
            say(lang, "metric"): words.metric_label(metric),
            say(lang, "before", number=first): words.value(metric, float(row["baseline_mean"])),
            say(lang, "before", number=second): words.value(metric, float(row["mean"])),
            say(lang, "change"): change,
            say(lang, "interval"): f"{low} … {high}",
        })  # fmt: skip
    st.table(pd.DataFrame(rows))


def progress(lang: str, number: int, job: Job) -> None:
    """The running job's place in the queue or its progress, and its cancel button."""
    if job.state == "queued":
        slots = job.slots
        st.info(say(lang, "queued", position=job.position, size=slots.size if slots else 1), icon="⏳")
    elif job.state == "running":
        share = job.done / job.total if job.total else 0.0
        st.progress(share, text=say(lang, "progress", done=job.done, total=job.total))
    else:
        return
    if st.button(say(lang, "cancel"), key=f"cancel:{number}"):
        job.cancel()


def run_area(lang: str, jobs: list[Job]) -> None:
    """The newest run's progress or how it ended, and the results of the newest run that has some."""
    number, job = len(jobs), jobs[-1]
    if not job.finished:
        progress(lang, number, job)
    elif job.state == "cancelled":
        st.info(say(lang, "cancelled", number=number))
    elif job.state == "failed" and job.failure == "internal":
        st.error(say(lang, "internal_error", number=number, error=job.error))
    elif job.state == "failed":
        st.error(say(lang, "failed", number=number, error=job.error))
    shown = next((n for n in range(len(jobs), 0, -1) if jobs[n - 1].results is not None), None)
    if shown is not None:
        with st.container(key="results"):  # the element class st-key-results, for the tests and the benchmark
            show_results(lang, shown, jobs[shown - 1])


def poll_seconds(job: Job) -> float:
    """How often to look at an unfinished run: often while its first result is due soon or in but not yet shown."""
    if job.results is not None:
        return SLOW_POLL_SECONDS if job.first_result_shown else POLL_SECONDS
    left = job.seconds_left()
    return POLL_SECONDS if left is not None and left < SOON_SECONDS else SLOW_POLL_SECONDS


@st.fragment(run_every=POLL_SECONDS)
def live_run_area(lang: str, jobs: list[Job]) -> None:
    """`run_area` redrawn every POLL_SECONDS while the first result is due, and the whole page when that changes.

    A fragment's output is painted as it arrives, so the first result shows at the next look after it is in.
    """
    if jobs[-1].finished or poll_seconds(jobs[-1]) != POLL_SECONDS:
        st.rerun(scope="app")
    run_area(lang, jobs)


@st.fragment(run_every=SLOW_POLL_SECONDS)
def live_run_area_slowly(lang: str, jobs: list[Job]) -> None:
    """`live_run_area` every SLOW_POLL_SECONDS: while a run waits, is far from its first result, or draws figures.

    A first result that comes before the page looked often is drawn here, at once.
    """
    job = jobs[-1]
    if job.finished or (job.results is None and poll_seconds(job) != SLOW_POLL_SECONDS):
        st.rerun(scope="app")
    run_area(lang, jobs)


def start_run(visit: Visit, source: Path, made: WhatIf, lang: str, options: argparse.Namespace, figures: bool) -> None:
    assert made.scenario is not None
    order = Order(made.scenario, source, made.settings, next_run_folder(visit.folder), lang, options.jobs, figures)
    visit.jobs.append(Job(order, server_slots(options.runs)).start())


def main() -> None:
    options = arguments()
    st.set_page_config(page_title="servicecycle", layout="wide")
    if "lang" not in st.session_state:
        st.session_state.lang = options.lang
    label = " / ".join(dict.fromkeys(say(code, "language") for code in NAMES))  # said in every language
    lang: str = st.sidebar.radio(label, tuple(NAMES), format_func=NAMES.__getitem__, key="lang", horizontal=True)
    visit = visitor(options.root)
    folder = visit.folder
    st.title(say(lang, "title"))
    st.caption(say(lang, "intro"))
    start = choose_scenario(lang, options.scenario, folder)
    jobs = visit.jobs
    if start is not None:
        source, scenario = start
        key = f"{source}"
        st.markdown(f"**{scenario.name}** — {say(lang, 'from_file', name=source.name)}")
        made = what_if(lang, key, scenario)
        if "" in made.errors or "configurations" in made.errors:
            st.error(f"{say(lang, 'problems')} {made.errors.get('') or say(lang, 'choose_configuration')}")
        ready = made.scenario is not None
        warnings: list[str] = []
        if made.scenario is not None:
            loads = offered_load(made.scenario)
            show_loads(lang, loads)
            refusals, warnings = checks(lang, source, made.scenario, loads)
            for refusal in refusals:
                st.error(f"{say(lang, 'problems')} {refusal}", icon="⛔")
            ready = not refusals
            for warning in warnings:
                st.warning(say(lang, "overload", text=warning), icon="⚠️")
        agreed = st.checkbox(say(lang, "run_anyway"), key="anyway") if ready and warnings else True
        figures = st.sidebar.checkbox(say(lang, "draw_figures"), value=True, key="figures")
        busy = bool(jobs) and jobs[-1].state in ("queued", "running")
        if st.button(say(lang, "run"), type="primary", disabled=not (ready and agreed) or busy, key="run"):
            start_run(visit, source, made, lang, options, figures)
            st.rerun()
    if jobs:
        if jobs[-1].finished:
            run_area(lang, jobs)
        elif poll_seconds(jobs[-1]) == POLL_SECONDS:
            live_run_area(lang, jobs)
        else:
            live_run_area_slowly(lang, jobs)
        compare_runs(lang, jobs)
    st.sidebar.caption(say(lang, "your_folder", folder=folder.name))


if __name__ == "__main__":
    main()
