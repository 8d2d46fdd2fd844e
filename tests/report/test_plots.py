"""Figures from small hand-made result frames: axes, labels, series, the words and the house style."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from simulator.report import plots, timeline
from simulator.report.language import language
from simulator.report.levers import lever_words
from simulator.scenario.loading import validate
from simulator.scenario.schema import Scenario

CONFIGURATIONS = ["siloed", "mall", "integrated"]
ELEMENTS = [f"U{i}" for i in range(1, 10)]
DAY = 1440.0


@pytest.fixture
def scenario(tiny_data: dict[str, Any]) -> Scenario:
    """The tiny scenario with a public-service mall between its two configurations, told lever by lever."""
    tiny_data["configurations"] = {
        "siloed": {"preset": "siloed"},
        "mall": {"preset": "co_located"},
        "integrated": {"preset": "whole_of_government"},
    }
    tiny_data["brief"] = {"steps": CONFIGURATIONS}
    return validate(tiny_data, "tiny.yaml")


def summary_frame() -> pd.DataFrame:
    """Per configuration k: lead time 3.5 - k, trips 3 - k, wait 20 - 5k, IKM 70 + 8k, element scores rising."""
    rows = []
    for k, name in enumerate(CONFIGURATIONS):
        means = {
            "wait_minutes": 20 - 5 * k,
            "lead_time_days": 3.5 - k,
            "trips": 3.0 - k,
            "ikm": 70.0 + 8 * k,
            "abandoned_share": 0.02,
            "within_standard_share": 0.4 + 0.2 * k,
            **{element: 2.5 + 0.3 * k + 0.05 * i for i, element in enumerate(ELEMENTS)},
        }
        rows += [(name, metric, mean, 0.9 * mean, 1.1 * mean, 2) for metric, mean in means.items()]
    return pd.DataFrame(rows, columns=["configuration", "metric", "mean", "ci_low", "ci_high", "replications"])


def comparison_frame() -> pd.DataFrame:
    summary = summary_frame().set_index(["configuration", "metric"])["mean"]
    rows = []
    for name in CONFIGURATIONS[1:]:
        for metric in ("wait_minutes", "lead_time_days", "trips", "ikm"):
            before, after = summary[("siloed", metric)], summary[(name, metric)]
            change = after / before - 1
            rows.append(
                {"configuration": name, "baseline": "siloed", "metric": metric, "baseline_mean": before, "mean": after,
                 "difference": after - before, "ci_low": after - before - 0.1, "ci_high": after - before + 0.1,
                 "relative_change": change, "relative_ci_low": change - 0.02, "relative_ci_high": change + 0.02,
                 "replications": 2}
            )  # fmt: skip
    return pd.DataFrame(rows)


def citizens_frame() -> pd.DataFrame:
    """Five completed citizens per configuration and replication; lead times 1..5 days, so citizen 3 is the median."""
    rows = []
    for name in CONFIGURATIONS:
        for replication in (0, 1):
            for citizen, lead in enumerate([1.0, 2.0, 3.0, 4.0, 5.0], start=1):
                arrival = 540.0 + 10 * citizen
                rows.append(
                    {"configuration": name, "replication": replication, "citizen": citizen, "service": "visit",
                     "arrival": arrival, "end": arrival + lead * DAY, "outcome": "completed", "lead_time_days": lead,
                     "trips": 3 if name != "integrated" else 1, "rejections": 1 if name == "siloed" else 0,
                     "within_standard": float(lead <= 2)}
                )  # fmt: skip
    return pd.DataFrame(rows)


CONTACT_COLUMNS = ["configuration", "replication", "citizen", "step", "agency", "kind", "queued", "started", "ended",
                   "outcome"]  # fmt: skip
WORK_COLUMNS = ["configuration", "replication", "citizen", "step", "agency", "kind", "queued", "started", "ended"]


def contacts_frame() -> pd.DataFrame:
    """The median citizen's contacts: siloed, a rejection and two trips; integrated, one sitting and a delivery."""
    rows = [
        ("siloed", 0, 3, "serve", "office", "submission", 570.0, 580.0, 590.0, "rejected"),
        ("siloed", 0, 3, "serve", "office", "submission", DAY + 540, DAY + 545, DAY + 555, "accepted"),
        ("siloed", 0, 3, "stamp", "registry", "submission", DAY + 600, DAY + 610, DAY + 615, "accepted"),
        ("siloed", 0, 3, "serve", "office", "pickup", 2 * DAY + 540, 2 * DAY + 540, 2 * DAY + 545, "collected"),
        ("integrated", 0, 3, "serve+stamp", "front_office", "submission", 570.0, 575.0, 590.0, "accepted"),
        ("integrated", 0, 3, "serve", "digital", "delivery", DAY + 700, DAY + 700, DAY + 700, "collected"),
        ("siloed", 0, 1, "serve", "office", "submission", 550.0, 550.0, 560.0, "accepted"),
    ]
    return pd.DataFrame(rows, columns=CONTACT_COLUMNS)


def work_frame() -> pd.DataFrame:
    rows = [
        ("siloed", 0, 3, "serve", "office", "backoffice", DAY + 555, DAY + 560, DAY + 570),
        ("siloed", 0, 3, "serve", "office", "approval", DAY + 570, DAY + 570, DAY + 900),
        ("integrated", 0, 3, "serve", "office", "handoff", 590.0, 590.0, 620.0),
        ("integrated", 0, 3, "serve", "office", "backoffice", 620.0, 620.0, 630.0),
        ("integrated", 0, 3, "serve", "office", "approval", 630.0, 630.0, DAY + 700),
    ]
    return pd.DataFrame(rows, columns=WORK_COLUMNS)


def hours_frame() -> pd.DataFrame:
    """Queues rise by desk and hour; replication 1 has one more person waiting than replication 0."""
    desks = {"siloed": ["office", "registry"], "mall": ["office", "registry"], "integrated": ["front_office"]}
    rows = []
    for k, (name, places) in enumerate(desks.items()):
        for j, desk in enumerate(places):
            for replication in (0, 1):
                for hour in range(8, 16):
                    queue = k + j + (hour - 8) / 10 + replication
                    rows.append((name, replication, desk, hour, queue, min(1.0, 0.1 * (hour - 7) + 0.1 * k)))
    return pd.DataFrame(
        rows, columns=["configuration", "replication", "agency", "hour", "mean_queue", "counter_utilization"]
    )


def texts(figure: Figure) -> list[Text]:
    """Every visible, non-empty text of a figure once drawn (tick labels included)."""
    figure.draw_without_rendering()
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def words_of(figure: Figure) -> str:
    return "\n".join(t.get_text() for t in texts(figure))


MAKERS: dict[str, Callable[[Scenario], Figure]] = {
    "timeline": lambda scenario: timeline.timeline_figure(
        citizens_frame(), contacts_frame(), work_frame(), scenario, ["siloed", "integrated"], "en", COLOURS
    ),
    "lead_time": lambda scenario: plots.lead_time_figure(citizens_frame(), scenario, "en", COLOURS, CONFIGURATIONS),
    "headline": lambda _: plots.headline_figure(summary_frame(), "en", COLOURS, CONFIGURATIONS, "integrated"),
    "differences": lambda _: plots.differences_figure(comparison_frame(), "en", COLOURS, CONFIGURATIONS, "integrated"),
    "satisfaction": lambda scenario: plots.satisfaction_figure(
        summary_frame(), scenario, "en", COLOURS, CONFIGURATIONS
    ),
    "queues": lambda _: plots.queues_figure(hours_frame(), "en", COLOURS, CONFIGURATIONS),
    "utilisation": lambda _: plots.utilisation_figure(hours_frame(), "en", COLOURS, CONFIGURATIONS),
    "levers": lambda scenario: plots.levers_figure(summary_frame(), scenario, "en", COLOURS, CONFIGURATIONS),
}
COLOURS = plots.palette(CONFIGURATIONS)


class Figures:
    """Each figure of the hand-made frames, made when a test first asks for it."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.made: dict[str, Figure] = {}

    def __getitem__(self, name: str) -> Figure:
        if name not in self.made:
            self.made[name] = MAKERS[name](self.scenario)
        return self.made[name]

    def items(self) -> list[tuple[str, Figure]]:
        return [(name, self[name]) for name in MAKERS]


@pytest.fixture
def figures(scenario: Scenario) -> Figures:
    return Figures(scenario)


def test_every_figure_is_a_figure_readable_on_a_4(figures: Figures) -> None:
    for name, figure in figures.items():
        assert isinstance(figure, Figure), name
        assert figure.get_figwidth() == pytest.approx(plots.WIDTH), name
        small = [(t.get_text(), t.get_fontsize()) for t in texts(figure) if t.get_fontsize() < plots.SMALLEST_FONT]
        assert not small, f"{name}: text under 9 pt: {small[:3]}"
        assert figure.get_suptitle(), f"{name} has no title"


def test_one_colour_per_configuration_in_the_run_order() -> None:
    colours = plots.palette(["base", "a", "b"])
    assert list(colours) == ["base", "a", "b"]
    assert colours["base"] == plots.OKABE_ITO[0]
    assert len(set(colours.values())) == 3
    assert plots.palette(["base", "a", "b", "c"])["b"] == colours["b"]


def test_figures_leave_matplotlib_settings_alone(scenario: Scenario) -> None:
    before = dict(mpl.rcParams)
    plots.headline_figure(summary_frame())
    assert dict(mpl.rcParams) == before


def test_the_typical_citizen_has_the_median_lead_time() -> None:
    citizens = citizens_frame()
    assert timeline.representative(citizens, "siloed")["citizen"] == 3  # type: ignore[index]
    tie = citizens[(citizens["citizen"] != 5) & (citizens["configuration"] == "siloed")]
    assert timeline.representative(tie, "siloed")["citizen"] == 2  # type: ignore[index]  # median 2.5: lowest id
    assert timeline.representative(citizens, "nobody") is None


def test_timeline_draws_lanes_contacts_trips_and_work(figures: Figures) -> None:
    figure = figures["timeline"]
    siloed, integrated = figure.axes
    assert siloed.get_title(loc="left").startswith("siloed: 3 trips, 1 rejection, done in 3.00 working days")
    assert integrated.get_title(loc="left").startswith("integrated: 1 trip, 0 rejections")
    assert [t.get_text() for t in siloed.get_yticklabels()] == ["applicant", "serve", "stamp"]

    def marks(axes: Any, lane: int) -> int:
        return sum(
            1 for c in axes.collections if isinstance(c, PathCollection) and set(c.get_offsets()[:, 1]) == {lane}
        )

    assert [marks(siloed, 0), marks(integrated, 0)] == [4, 2]  # the applicant's lane: one mark per contact
    assert [marks(siloed, 1), marks(siloed, 2)] == [2, 1]  # each application in its step's lane, the rejected too
    assert [marks(integrated, 1), marks(integrated, 2)] == [1, 1]  # one sitting for both steps marks both
    assert sorted(t.get_text() for t in siloed.texts) == ["1", "2", "3"]  # contacts on three days: three outings
    assert [t.get_text() for t in integrated.texts] == ["1"]
    assert any(p.get_hatch() == "///" for p in siloed.patches)  # the approval wait
    legend = figure.legends[0]
    shown = {t.get_text() for t in legend.get_texts()}
    assert {"counter: rejected", "pickup", "digital delivery", "approval wait", "file hand-off"} <= shown
    assert "application handed in" in shown
    assert "Travel is not timed" in legend.get_title().get_text().replace("\n", " ")
    assert "3 trips and 3.00 working days under siloed; 1 trip and 3.00" in figure.get_suptitle().replace("\n", " ")


def test_timeline_days_start_at_the_first_day_of_the_citizen(figures: Figures) -> None:
    siloed = figures["timeline"].axes[0]
    first_wait = siloed.lines[1]  # the dotted journey line is first, then the first queue
    assert first_wait.get_xdata()[0] == pytest.approx((570 - 480) / 480)  # 09:30 is 1.5 hours into an 8-hour day


def test_lead_time_distribution_marks_the_standard_and_the_share_within(figures: Figures) -> None:
    figure = figures["lead_time"]
    axes = figure.axes[0]
    curves = [line for line in axes.lines if line.get_label().startswith(("siloed", "mall", "integrated"))]
    assert [c.get_label() for c in curves] == [f"{n}: 40% within standard" for n in CONFIGURATIONS]
    assert list(curves[0].get_xdata()) == [0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5][:1] + sorted([1, 2, 3, 4, 5] * 2)
    assert curves[0].get_ydata()[-1] == pytest.approx(1.0)
    standard = [line for line in axes.lines if list(line.get_xdata()) == [2, 2]]
    assert standard, "no line at the 2-day standard"
    assert "2-day standard: 40% of applicants under siloed, 40% under integrated" in figure.get_suptitle().replace(
        "\n", " "
    )


def test_headline_figures_show_means_and_intervals(figures: Figures) -> None:
    figure = figures["headline"]
    titles = [axes.get_title(loc="left") for axes in figure.axes]
    assert titles == ["wait (minutes)", "completion time (working days)", "trips", "IKM (grade bands shaded)"]
    lead = figure.axes[1]
    means = [line.get_xdata()[0] for line in lead.lines if line.get_marker() != "|"]
    assert means == pytest.approx([3.5, 2.5, 1.5])
    assert "completion time 3.50 to 1.50 working days, trips 3.00 to 1.00" in figure.get_suptitle().replace("\n", " ")
    ikm_letters = {t.get_text() for t in figure.axes[3].texts}
    assert {"C", "B"} <= ikm_letters


def dots(axes: Any) -> list[tuple[float, float]]:
    """(x, y) of every dot of a dot chart (the errorbar markers, not their caps)."""
    return [
        (float(line.get_xdata()[0]), float(line.get_ydata()[0]))
        for line in axes.lines
        if line.get_marker() not in ("|", "None", "", None) and len(line.get_xdata()) == 1
    ]


def test_differences_in_per_cent_and_in_points_as_the_text_gives_them(figures: Figures) -> None:
    figure = figures["differences"]
    relative, points = (axes for axes in figure.axes if axes.get_ylabel() == "" and axes.get_yticklabels())
    assert relative.get_xscale() == "log" and points.get_xscale() == "linear"
    comparison = comparison_frame()
    ratios = 1 + comparison.loc[comparison["metric"] != "ikm", "relative_change"]
    assert sorted(round(x, 6) for x, _ in dots(relative)) == sorted(round(v, 6) for v in ratios)
    ikm = comparison.loc[comparison["metric"] == "ikm", "difference"]
    assert sorted(x for x, _ in dots(points)) == pytest.approx(sorted(ikm)), "IKM in points, as the text"
    assert [t.get_text() for t in relative.get_yticklabels()] == ["Wait", "Completion time", "Trips"]
    assert [t.get_text() for t in points.get_yticklabels()] == ["IKM"]
    assert "+16.0 points" in {t.get_text() for t in points.texts}
    assert "against siloed, integrated cuts the number of trips by 67% and cuts the completion time by 57%" in (
        figure.get_suptitle().replace("\n", " ").lower()
    )


def test_differences_label_the_ends_of_their_axes(figures: Figures) -> None:
    figure = figures["differences"]
    figure.draw_without_rendering()
    for axes in figure.axes:
        if not axes.get_yticklabels():
            continue
        ticks = axes.get_xticks()
        low, high = axes.get_xlim()
        shown = [t.get_text() for t in axes.get_xticklabels() if low <= t.get_position()[0] <= high]
        assert shown[0] and shown[-1], "the extreme ticks carry labels"
        xs = [x for x, _ in dots(axes)]
        assert min(ticks[ticks >= low]) <= min(xs) and max(ticks[ticks <= high]) >= max(xs), "data inside the ticks"


def test_equal_changes_never_hide_one_another() -> None:
    """Two configurations with the same change: two dots on rows of their own, each with its value written."""
    comparison = comparison_frame()
    mall = comparison["configuration"] == "mall"
    for column in ("difference", "relative_change", "relative_ci_low", "relative_ci_high", "ci_low", "ci_high"):
        comparison.loc[mall, column] = comparison.loc[~mall, column].to_numpy()
    figure = plots.differences_figure(comparison, "en", COLOURS, CONFIGURATIONS, "integrated")
    for axes in figure.axes:
        found = dots(axes)
        if not found:
            continue
        assert len(set(found)) == len(found), "no dot sits on another"
        values = [t.get_text() for t in axes.texts if t.get_text().startswith(("+", "-"))]
        assert len(values) == len(found)


def test_satisfaction_names_the_elements_and_grades(figures: Figures, scenario: Scenario) -> None:
    figure = figures["satisfaction"]
    labels = [t.get_text().replace("\n", " ") for t in figure.axes[0].get_yticklabels()]
    assert labels[0] == "U1 Persyaratan (requirements)"
    assert labels[7] == "U8 Penanganan Pengaduan, Saran dan Masukan (complaints)"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [
        "siloed: IKM 70.0 (C, Kurang Baik)",
        "mall: IKM 78.0 (B, Baik)",
        "integrated: IKM 86.0 (B, Baik)",
    ]
    assert {"A", "B", "C", "D"} <= {t.get_text() for t in figure.axes[0].texts}
    assert figure.get_suptitle().startswith("Integrated lifts the IKM from 70.0 (C, Kurang Baik) to 86.0 (B, Baik)")
    bahasa = plots.satisfaction_figure(summary_frame(), scenario, "id")
    assert bahasa.axes[0].get_yticklabels()[1].get_text().replace("\n", " ") == "U2 Sistem, Mekanisme, dan Prosedur"


def test_queues_by_hour_average_the_replications(figures: Figures) -> None:
    figure = figures["queues"]
    panels = [axes for axes in figure.axes if axes.get_title(loc="left")]
    assert [axes.get_title(loc="left") for axes in panels] == ["office", "registry", "front office"]
    siloed_office = panels[0].lines[0]
    assert list(siloed_office.get_xdata()) == list(range(8, 16))
    assert siloed_office.get_ydata() == pytest.approx([0.5 + (h - 8) / 10 for h in range(8, 16)])
    assert "registry under mall, 3.2 people waiting on average at 15:00" in figure.get_suptitle()  # first of a tie


def test_utilisation_is_a_desk_by_hour_heatmap(figures: Figures) -> None:
    axes = figures["utilisation"].axes[0]
    grid = np.asarray(axes.images[0].get_array())
    assert grid.shape == (5, 8)
    assert [t.get_text() for t in axes.get_yticklabels()][-1] == "integrated - front office"
    assert grid[-1] == pytest.approx([min(1.0, 0.1 * (h - 7) + 0.2) for h in range(8, 16)])


def test_levers_add_up_from_the_reference_to_the_last_step(figures: Figures) -> None:
    figure = figures["levers"]
    lead = figure.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in lead.get_yticklabels()]
    assert labels[0] == "siloed (start)"
    assert labels[1] == "+ one building (mall)"
    assert labels[-1] == "= integrated"
    assert "once only" in labels[2] and "digital delivery" in labels[2]
    shown = [t.get_text().strip() for t in lead.texts]
    assert shown == ["3.50", "-1.00", "-1.00", "1.50"]
    assert "integrated brings the largest cut" in figure.get_suptitle() or "mall brings" in figure.get_suptitle()


def test_levers_need_two_steps(scenario: Scenario) -> None:
    no_story = scenario.model_copy(update={"brief": scenario.brief.model_copy(update={"steps": []})})
    with pytest.raises(ValueError, match=r"brief\.steps"):
        plots.levers_figure(summary_frame(), no_story)


def test_bahasa_indonesia_everywhere(scenario: Scenario) -> None:
    figure = timeline.timeline_figure(
        citizens_frame(), contacts_frame(), work_frame(), scenario, ["siloed", "integrated"], "id"
    )
    shown = words_of(figure)
    assert "pemohon" in shown and "kunjungan" in shown and "hari kerja" in shown
    assert "applicant" not in shown and "working days" not in shown and "trip" not in shown
    headline = words_of(plots.headline_figure(summary_frame(), "id", focus="integrated"))
    assert "waktu penyelesaian 3,50 menjadi 1,50 hari kerja" in headline.replace("\n", " ")
    assert "3.50" not in headline


def test_numbers_read_as_each_language_writes_them() -> None:
    english, bahasa = language("en"), language("id")
    assert english.value("citizen_cost", 113403.8) == "113,404"
    assert bahasa.value("citizen_cost", 113403.8) == "113.404"
    assert bahasa.value("within_standard_share", 0.049) == "4,9%"
    assert english.value("abandoned_share", -1e-6) == "0.0%"  # no negative zero
    assert english.grade(76.61) == ("B", "Baik (good)")
    assert bahasa.grade(76.60) == ("C", "Kurang Baik")
    assert english.element("U4") == "U4 Biaya/Tarif (cost)"
    with pytest.raises(ValueError, match="unknown language"):
        language("fr")


def test_the_focus_is_the_last_lever_step(scenario: Scenario) -> None:
    assert plots.focus_of(CONFIGURATIONS, scenario) == "integrated"
    no_story = scenario.model_copy(update={"brief": scenario.brief.model_copy(update={"steps": []})})
    assert plots.focus_of(CONFIGURATIONS, no_story) == "integrated"  # the whole-of-government one
    assert plots.lever_steps(["siloed", "integrated"], scenario) == ["siloed", "integrated"]
    assert plots.lever_steps(["siloed"], scenario) == []


def test_lever_words_say_what_changes(scenario: Scenario) -> None:
    words = language("en")
    assert lever_words(scenario, "mall", words, against="siloed") == ["all agencies in one building"]
    everything = lever_words(scenario, "siloed", words)
    assert everything[0] == "each agency has its own counter"
    assert len(everything) == 6


def test_wrapping_measures_the_font() -> None:
    lines = plots.wrap("one two three four five six seven eight nine ten", 1.0, 9)
    assert len(lines) > 1
    assert all(plots.text_width(line, 9) <= 1.0 for line in lines)
    assert np.isclose(plots.text_width("", 9), 0)


def test_indonesian_reads_as_an_indonesian_analyst_writes() -> None:
    """'SK' is a Surat Keputusan; warm-up and common random numbers have their usual Indonesian terms."""
    bahasa = language("id").words
    every = " ".join(bahasa.values())
    assert not re.search(r"\bSK\b", every)
    for literal in ("memanaskan", "keberuntungan", "mengubah kunjungan"):
        assert literal not in every
    assert "periode pemanasan (warm-up)" in bahasa["method"] and "bilangan acak bersama" in bahasa["method"]
    assert all("selang kepercayaan 95%" in bahasa[key] for key in ("change_down", "change_up", "change_same"))


def test_changes_read_with_a_direction_word() -> None:
    """'mengubah kunjungan -73%' was the old title: a decrease now reads 'menurunkan ... 73%'."""
    figure = plots.differences_figure(comparison_frame(), "id", COLOURS, CONFIGURATIONS, "integrated")
    title = figure.get_suptitle().replace("\n", " ")
    assert "integrated menurunkan jumlah kunjungan 67% dan menurunkan waktu penyelesaian 57%" in title
    bahasa = language("id")
    row = {"difference": 1.5, "ci_low": 0.5, "ci_high": 2.5, "relative_change": 0.25}
    assert bahasa.direction("trips", row) == "menaikkan jumlah kunjungan 25%"
    assert bahasa.direction("trips", {**row, "ci_low": -0.5}) == "tidak mengubah jumlah kunjungan"
    assert language("en").direction("ikm", {**row, "difference": -4.0, "ci_high": -1.0}) == "cuts the IKM by 4.0 points"


def test_no_word_of_a_timeline_falls_outside_it(tiny_data: dict[str, Any]) -> None:
    """Two services side by side, the reform's merged procedure a long name in its own lane labels."""
    tiny_data["services"]["renew"] = copy.deepcopy(tiny_data["services"]["visit"])
    tiny_data["configurations"]["integrated"]["services"] = {
        "visit": {"merge_steps": {"registration_of_the_whole_application": ["serve", "stamp"]}}
    }
    scenario = validate(tiny_data, "tiny.yaml")
    citizens = citizens_frame()
    renewals = citizens.assign(service="renew", citizen=citizens["citizen"] + 10)
    figure = timeline.timeline_figure(
        pd.concat([citizens, renewals]), contacts_frame(), work_frame(), scenario, ["siloed", "integrated"], "en"
    )
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    shown = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert "registration of the whole application" in {t.get_text() for t in shown}
    outside = [t.get_text() for t in shown if not figure.bbox.contains(*t.get_window_extent(renderer).p1)]
    assert not outside, outside
