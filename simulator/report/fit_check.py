"""A fitted scenario checked against the log it came from: observed against simulated, per service and per hour.

Each replication of the fitted scenario is made into the ticket log the
office's system would have printed (`analysis.tickets`), and measured like
the real one (`fitting.measures`). A replication covers the same days as the
log, so the observed value should fall among the replications' values: the
verdict is `inside` when it lies in their 2.5%-97.5% range (the simulated
interval), `outside` otherwise.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulator.analysis.tickets import ticket_log
from simulator.fitting.measures import MEASURES, measures

KEYS = ["service", "hour", "measure"]


def simulated_measures(
    contacts: pd.DataFrame, citizens: pd.DataFrame, start: date, days: int, opens: int, closes: int
) -> pd.DataFrame:
    """The measures of every replication's ticket log (with a `replication` column)."""
    frames = []
    for replication, mine in contacts.groupby("replication", sort=True):
        theirs = citizens[citizens["replication"] == replication]
        tickets = ticket_log(mine, theirs, start, days)
        frames.append(measures(tickets, opens, closes).assign(replication=int(str(replication))))
    return pd.concat(frames, ignore_index=True)


def compare(observed: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """One row per service, hour and measure: observed, the simulated mean and 2.5%-97.5% range, and a verdict."""
    grouped = simulated.groupby(KEYS, sort=False)["value"]
    interval = pd.DataFrame({
        "simulated": grouped.mean(), "low": grouped.quantile(0.025), "high": grouped.quantile(0.975),
    }).reset_index()  # fmt: skip
    table = observed.rename(columns={"value": "observed"}).merge(interval, on=KEYS, how="left")
    known = table[["observed", "low", "high"]].notna().all(axis=1)
    inside = (table["observed"] >= table["low"] - 1e-9) & (table["observed"] <= table["high"] + 1e-9)
    table["verdict"] = np.where(~known, "not seen", np.where(inside, "inside", "outside"))
    return table


def _figure(table: pd.DataFrame, service: str, path: Path) -> None:
    hourly = table[(table["service"] == service) & (table["hour"] != "all")]
    figure, axes = plt.subplots(1, len(MEASURES), figsize=(4 * len(MEASURES), 3.2), layout="constrained")
    for ax, measure in zip(axes, MEASURES, strict=True):
        rows = hourly[hourly["measure"] == measure]
        x = np.arange(len(rows))
        ax.fill_between(x, rows["low"], rows["high"], alpha=0.3, label="simulated 95%")
        ax.plot(x, rows["simulated"], label="simulated mean")
        ax.plot(x, rows["observed"], "o", color="black", label="observed")
        ax.set_xticks(x, rows["hour"], rotation=90)
        ax.set_title(measure.replace("_", " "))
    axes[0].legend(fontsize=7)
    figure.suptitle(f"{service}: observed against the fitted scenario, by hour of issue")
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_report(folder: Path, table: pd.DataFrame, defects: list[str], notes: list[str]) -> list[Path]:
    """comparison.csv, report.md and one figure per service (and `all`) in `folder`; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "comparison.csv"]
    table.to_csv(written[0], index=False)
    for service in table["service"].unique():
        path = folder / f"observed_vs_simulated_{service}.png"
        _figure(table, str(service), path)
        written.append(path)
    whole = table[table["hour"] == "all"]
    outside = table[table["verdict"] == "outside"]
    lines = [
        "# Fitted scenario against its log",
        "",
        f"{(table['verdict'] == 'inside').sum()} of {(table['verdict'] != 'not seen').sum()} observed numbers lie "
        "inside the simulated 95% range of the fitted scenario's replications.",
        "",
        "| service | measure | observed | simulated | 95% range | verdict |",
        "|---|---|---|---|---|---|",
        *[
            f"| {r.service} | {r.measure} | {r.observed:.2f} | {r.simulated:.2f} | {r.low:.2f}-{r.high:.2f} "
            f"| {r.verdict} |"
            for r in whole.itertuples()
        ],
        "",
        f"Per hour: comparison.csv ({len(outside)} rows outside).",
        "",
        "## Defects of the log",
        *([f"- {line}" for line in defects] or ["- none found"]),
        "",
        "## Not in the log: left for the analyst",
        *[f"- {line}" for line in notes],
    ]
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(folder / "report.md")
    return written
