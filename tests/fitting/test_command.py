"""The fit command end to end: a CSV event log gives the same fit as the ticket log, and --report compares."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

from simulator.cli import main
from simulator.fitting import clean, fit_office, read_tickets
from simulator.fitting.events import read_csv_events

LOG = Path(__file__).resolve().parents[2] / "scenarios" / "fitting" / "tickets.csv"


def test_a_csv_event_log_fits_like_the_ticket_log_it_was_made_of(tmp_path):
    tickets = pd.read_csv(LOG, dtype=str, keep_default_na=False)
    events = tickets.rename(columns={"citizen": "Case", "service": "Activity", "called": "Start", "ended": "End",
                                     "desk": "Resource", "issued": "Queued"})  # fmt: skip
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    mapping = {"case": "Case", "activity": "Activity", "start": "Start", "end": "End", "resource": "Resource",
               "issued": "Queued"}  # fmt: skip
    from_events = fit_office(clean(read_csv_events(path, mapping)))
    from_tickets = fit_office(clean(read_tickets(LOG)))
    for service, arrivals in from_tickets.arrivals.items():
        assert from_events.arrivals[service].per_day == arrivals.per_day
    assert from_events.times.keys() == from_tickets.times.keys()
    for key, times in from_tickets.times.items():
        assert from_events.times[key].mean == times.mean


def test_fit_with_a_report_writes_the_comparison(tmp_path, capsys):
    out, report = tmp_path / "office.yaml", tmp_path / "report"
    assert main(["fit", str(LOG), "--out", str(out), "--report", str(report), "--replications", "3"]) == 0
    table = pd.read_csv(report / "comparison.csv")
    assert set(table["measure"]) == {"wait_minutes", "served_per_day", "queue_length"}
    assert set(table["service"]) == {"all", "kk", "ktp"}
    assert set(table["verdict"]) <= {"inside", "outside", "not seen"}
    whole = table[(table["service"] == "all") & (table["hour"] == "all")].set_index("measure")
    served = clean(read_tickets(LOG)).tickets["called"].notna().sum() / 20  # served tickets over the 20 open days
    assert abs(whole.loc["served_per_day", "observed"] - served) < 1e-9
    assert (report / "report.md").exists() and (report / "observed_vs_simulated_all.png").exists()
    assert main(["fit", str(LOG), "--out", str(out), "--report", str(report)]) == 2  # not an empty folder
    assert "not an empty folder" in capsys.readouterr().err


def test_the_other_commands_do_not_load_the_fitting():
    heavy = "('simulator.fitting', 'scipy')"
    code = f"import sys, simulator.cli; print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
