"""Fit the bundled log of a known office, and an XES export of the same office, and recover what was put in.

Every bound is a confidence interval computed from the data (the fit's own 95%
intervals, or a binomial interval for a share); the truth is the bundled
scenario's numbers. Then the fitted scenario is run and its counter waits are
compared with the truth's, replication against replication.
"""

import math
from pathlib import Path

import pytest
from scipy import stats

from simulator.analysis.tickets import COUNTER_KINDS
from simulator.experiments.runs import run_experiment, run_once
from simulator.files.eventlog import xes_lines
from simulator.files.tickets import log_days
from simulator.fitting import clean, fit_office, read_tickets, scenario_text
from simulator.fitting.events import read_xes
from simulator.scenario.loading import load_scenario, parse_text, validate

HERE = Path(__file__).resolve().parents[2] / "scenarios" / "fitting"
TRUTH = load_scenario(HERE / "kantor_dukcapil.yaml")


@pytest.fixture(scope="module")
def office():
    return fit_office(clean(read_tickets(HERE / "tickets.csv")))


@pytest.fixture(scope="module")
def office_from_xes(tmp_path_factory):
    run = run_once(TRUTH, "observed", 0)
    contacts = run.contacts[run.contacts["queued"] < log_days(TRUTH) * 1440]  # the weeks a ticket log covers
    path = tmp_path_factory.mktemp("xes") / "office.xes"
    path.write_text("".join(xes_lines(contacts, run.citizens, TRUTH.calendar.start, "office")))
    return fit_office(clean(read_xes(path)))


def _binomial(k, n):
    p = k / n
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return p - half, p + half


@pytest.mark.parametrize("fixture", ["office", "office_from_xes"])
def test_recovers_the_known_office(fixture, request):
    fitted = request.getfixturevalue(fixture)
    cal = fitted.calendar
    assert (cal.open, cal.close) == (8 * 60, 15 * 60)
    assert cal.hours == {"fri": (8 * 60, 11 * 60)}
    assert cal.workdays == ["mon", "tue", "wed", "thu", "fri"]
    assert [d.date() for d in cal.holidays] == TRUTH.calendar.holidays
    assert len(cal.open_days) == TRUTH.horizon_days
    for service in ("ktp", "kk"):
        low, high = fitted.arrivals[service].per_day_ci
        assert low <= TRUTH.services[service].arrivals.per_day <= high
        assert not fitted.arrivals[service].weekday_effect
    assert fitted.routes["ktp"].series == ("registration", "printing")
    means = {("ktp", "registration"): 7, ("ktp", "printing"): 4, ("kk", "registration"): 6}
    for key, mean in means.items():
        low, high = fitted.times[key].mean_ci
        assert low <= mean <= high
    assert fitted.times["kk", "registration"].chosen == "exponential"
    assert fitted.times["ktp", "registration"].chosen == "lognormal"
    assert fitted.rosters["printing"].spec == 1
    assert fitted.rosters["registration"].spec == {
        "default": 2,
        "changes": [{"staff": 3, "from": "08:00", "to": "10:00"}, {"staff": 1, "from": "12:00", "to": "13:00"}],
    }
    low, high = fitted.patience.ci
    assert low <= 90 <= high
    kk = fitted.routes["kk"]
    assert _binomial(kk.returns, kk.visits)[0] <= 0.1 <= _binomial(kk.returns, kk.visits)[1]


def test_the_fitted_scenario_loads_and_says_what_it_rests_on(office):
    text = scenario_text(office, "tickets.csv", "fitted")
    scenario = validate(parse_text(text, "fitted.yaml"), "fitted.yaml")
    assert scenario.horizon_days == TRUTH.horizon_days
    assert scenario.services["ktp"].steps[0].counter.dist == "lognormal"
    for line in text.splitlines():
        if line.lstrip().startswith(("per_day", "arrivals", "counter:", "patience_minutes")):
            assert "#" in line, line
    assert "placeholder" in text and "documents" in text


def _counter_waits(scenario):
    """Mean wait for a counter per desk (columns) in each replication (rows), over the citizens served."""
    contacts = run_experiment(scenario).contacts
    served = contacts[contacts["kind"].astype(str).isin(COUNTER_KINDS) & contacts["started"].notna()]
    waits = served["started"] - served["queued"]
    return waits.groupby([served["agency"].astype(str), served["replication"]]).mean().unstack(0)


def _wait_bound(truth, fitted):
    """How far the fitted mean wait may lie from the truth's: a 95% prediction interval for one replication.

    The fitted scenario rests on one four-week log, one replication of the truth, so it inherits that
    replication's luck (its log had more KTP citizens than the truth's mean): its mean wait may lie as far
    from the truth's as one replication's does, t * s_truth * sqrt(1 + 1/n), widened by the standard error
    of the fitted mean. The truth's confidence interval alone (t * s_truth / sqrt(n)) is narrower than a
    single log can pin the office down.
    """
    n, m = len(truth), len(fitted)
    return stats.t.ppf(0.975, n - 1) * math.sqrt(truth.var(ddof=1) * (1 + 1 / n) + fitted.var(ddof=1) / m)


@pytest.fixture(scope="module")
def truth_waits():
    return _counter_waits(TRUTH)


def test_the_fitted_scenario_waits_as_the_office_does(office, truth_waits):
    text = scenario_text(office, "tickets.csv", "fitted")
    fitted = _counter_waits(validate(parse_text(text, "fitted.yaml"), "fitted.yaml"))
    assert set(fitted.columns) == set(truth_waits.columns) == {"registration", "printing"}
    for desk in truth_waits.columns:
        gap = abs(fitted[desk].mean() - truth_waits[desk].mean())
        assert gap <= _wait_bound(truth_waits[desk], fitted[desk]), (desk, gap)


def test_the_wait_bound_catches_a_counter_time_ten_percent_off(office, truth_waits):
    fit = office.times["ktp", "registration"]
    text = scenario_text(office, "tickets.csv", "fitted")
    wrong = text.replace(f'"mean": {fit.spec["mean"]}', f'"mean": {round(1.1 * fit.spec["mean"], 3)}', 1)
    assert wrong != text
    fitted = _counter_waits(validate(parse_text(wrong, "fitted.yaml"), "fitted.yaml"))
    gap = fitted["registration"].mean() - truth_waits["registration"].mean()
    assert gap > _wait_bound(truth_waits["registration"], fitted["registration"])
