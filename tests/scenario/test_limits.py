"""Bounded time and memory for any file `check` accepts: YAML aliases, every number's bound, the work estimate.

Whatever a scenario says, it is refused with the field named, or run without
overflow; a command's work is estimated before it starts. Commands that could
eat the machine run in a child process with a capped address space and a
timeout, so that a regression fails fast. docs/limits.md gives every limit.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from simulator import cli
from simulator.cli import main
from simulator.experiments.executors import LocalPool, make_executor
from simulator.files import output
from simulator.scenario import distributions, loading, observed, workload
from simulator.scenario import schema as scenario
from simulator.scenario.distributions import Exponential, Gamma, Lognormal
from simulator.scenario.loading import ScenarioError, parse_text, validate
from simulator.scenario.workload import Workload, check_workload, journeys_per_run

ROOT = Path(__file__).resolve().parents[2]
Data = dict[str, Any]
WriteScenario = Callable[[dict[str, Any] | str, str], Path]


def refusal(data: Data) -> str:
    with pytest.raises(ScenarioError) as caught:
        validate(data, "big.yaml")
    return str(caught.value)


# --- YAML aliases ----------------------------------------------------------------------------------

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 9)}]\n" for level in range(9)
)
"""Ten levels of nine aliases: a few hundred bytes that would expand to 9^10 (3.5 billion) nodes."""


def test_the_alias_bomb_is_small() -> None:
    assert len(ALIAS_BOMB) < 500
    assert ALIAS_BOMB.count("*") == 81


def test_an_alias_bomb_is_refused_fast_in_little_memory(tmp_path: Path, limited: Callable[..., Any]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text("name: bomb\n" + ALIAS_BOMB)
    done = limited("check", str(path), memory_mb=800, timeout=60)
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.startswith("error: bomb.yaml: not valid YAML: ")
    assert "aliases (*name) repeat" in done.stderr and "at most 100,000" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_few_aliases_are_fine() -> None:
    text = "base: &base {counters: 1}\nother: {<<: *base, backoffice: 2}\nlist: [*base, *base]\n"
    assert parse_text(text, "ok.yaml")["list"] == [{"counters": 1}, {"counters": 1}]


def test_an_alias_inside_itself_is_refused() -> None:
    with pytest.raises(ScenarioError, match="an alias refers to a node that contains it"):
        parse_text("a: &a [1, *a]\n", "loop.yaml")


def test_a_scenario_file_has_a_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\n" + "# padding\n" * (loading.MAX_SCENARIO_BYTES // 10 + 1))
    with pytest.raises(ScenarioError, match=r"huge.yaml: is 1,048,5\d\d bytes: expected at most 1,048,576"):
        loading.load_scenario(path)


# --- every number has a bound ----------------------------------------------------------------------


def at(data: Data, *path: str | int) -> Any:
    for key in path:
        data = data[key]
    return data


STEP = ("services", "visit", "steps", 0)
TOO_BIG: list[tuple[tuple[str | int, ...], str, Any, str]] = [
    ((*STEP,), "approval_days", 1e9, "services.visit.steps[0].approval_days: its largest possible draw is 1e+09"),
    ((), "citizens", {"rework_days": 1_000_000_000}, "citizens.rework_days: expected a number <= 1000"),
    (("services", "visit", "arrivals"), "per_day", 1e7, "arrivals.per_day: expected a number <= 1,000,000"),
    (("services", "visit", "arrivals"), "per_day", 1e19, "arrivals.per_day: expected a number <= 1,000,000"),
    ((), "horizon_days", 10**7, "horizon_days: expected a number <= 10,000"),
    ((), "replications", 10**12, "replications: expected a number <= 10,000"),
    (("agencies", "office"), "counters", 10**400, "agencies.office.counters: expected a number <= 10,000"),
    (("agencies", "office"), "travel_minutes", 1e300, "agencies.office.travel_minutes: expected a number <= 10,000"),
    (("agencies", "office"), "travel_minutes", 10**400, "travel_minutes: expected a number, found 1000"),
    (("agencies", "office"), "wage_per_hour", 1e308, "agencies.office.wage_per_hour: expected a number <= 1e+12"),
    (("services", "visit"), "fee", 1e300, "services.visit.fee: expected a number <= 1e+12"),
    ((), "max_in_system", 10**9, "max_in_system: expected a number <= 10,000,000"),
    ((), "seed", 2**70, "seed: expected a number <= 18,446,744,073,709,551,615"),
    ((*STEP,), "counter", {"dist": "lognormal", "mean": 5, "sd": 1e155}, "counter.sd: expected a number <= 1e+12"),
    ((*STEP,), "counter", {"dist": "lognormal", "mean": 1e-300, "sd": 1e-150}, "must be at most 1e+06 times"),
    ((*STEP,), "counter", {"dist": "gamma", "mean": 5, "sd": 1e9}, "counter: sd (1e+09) must be at most 1e+06 times"),
    ((*STEP,), "counter", {"dist": "exponential", "mean": 1e10}, "counter: its largest possible draw is 3.67e+11"),
    ((*STEP,), "backoffice", {"dist": "lognormal", "mean": 100, "sd": 10_000}, "backoffice: its largest possible"),
    ((*STEP,), "counter", {"dist": "empirical", "values": [1, 2e8]}, "counter: its largest possible draw is 2e+08"),
    ((*STEP,), "counter", {"dist": "empirical", "values": [1, 1e13]}, "counter.values[1]: expected a number from"),
    ((), "citizens", {"patience_minutes": 1e9}, "citizens.patience_minutes: its largest possible draw is 1e+09"),
    (("calendar",), "start", "9000-01-01", "calendar.start: expected a date <= 2199-12-31"),
    (("calendar",), "holidays", ["2026-01-01"] * 10_001, "calendar.holidays: list should have at most 10000"),
    ((), "name", "x" * 201, "name: expected at most 200 characters, found 201"),
]


@pytest.mark.parametrize(("where", "key", "value", "said"), TOO_BIG, ids=[f"{t[1]}={t[2]!r}"[:40] for t in TOO_BIG])
def test_a_number_beyond_its_bound_is_refused_naming_the_field(
    where: tuple[str | int, ...], key: str, value: Any, said: str, tiny_data: Data
) -> None:
    at(tiny_data, *where)[key] = value
    message = refusal(tiny_data)
    assert message.startswith("big.yaml: ") and said in message, message
    assert "\n" not in message and len(message) < 400


def test_a_sweep_grid_beyond_its_bound_is_refused(tiny_data: Data) -> None:
    tiny_data["sweep"] = {"agencies.office.counters": list(range(1, 41)), "agencies.registry.counters": [1] * 26}
    assert "sweep: a grid of 1,040 points: expected at most 1,000" in refusal(tiny_data)


def test_distributions_at_their_bounds_compute_finite_draws() -> None:
    extreme = [
        Lognormal(mean=1e-300, sd=1e-294),
        Lognormal(mean=1e12, sd=1e12),
        Gamma(mean=1e-300, sd=1e-294),
        Gamma(mean=1e12, sd=1e12),
        Exponential(mean=1e12),
    ]
    for spec in extreme:
        draws = spec.quantile(pd.Series([0.0, 0.5, distributions.U_MAX]).to_numpy())
        assert all(math.isfinite(draw) and draw >= 0 for draw in draws), spec
        assert math.isfinite(spec.largest()) and math.isfinite(spec.expected())


def test_a_scenario_at_its_money_and_travel_bounds_runs_without_overflow(
    tiny_data: Data, write_scenario: WriteScenario, tmp_path: Path
) -> None:
    for agency in tiny_data["agencies"].values():
        agency.update(wage_per_hour=scenario.MAX_MONEY, travel_minutes=scenario.MAX_TRAVEL_MINUTES)
    tiny_data["services"]["visit"]["fee"] = scenario.MAX_MONEY
    tiny_data["citizens"] = {"cost_per_trip": scenario.MAX_MONEY}
    tiny_data["horizon_days"] = 1
    path = write_scenario(tiny_data, "edge.yaml")
    out = tmp_path / "out"
    options = ["--jobs", "1", "--replications", "2", "--quiet", "--no-plots"]
    assert main(["run", str(path), "--out", str(out), *options]) == 0
    summary = pd.read_csv(out / "summary.csv")
    costs = summary[summary["metric"].isin(["citizen_cost", "staff_cost_per_case"])]
    assert len(costs) and costs["mean"].map(math.isfinite).all(), costs


# --- the work of a command, before it starts -------------------------------------------------------


def test_journeys_are_arrivals_a_day_times_working_days(tiny: scenario.Scenario) -> None:
    assert journeys_per_run(tiny) == 20 * 3
    assert journeys_per_run(tiny, horizon_days=10) == 200
    check_workload("t.yaml", Workload(workload.MAX_KEPT, 1, kept=True), force=False)
    with pytest.raises(workload.WorkloadError, match=r"about 2,000,001 citizen journeys .* --force"):
        check_workload("t.yaml", Workload(workload.MAX_KEPT + 1, 1, kept=True), force=False)
    check_workload("t.yaml", Workload(workload.MAX_KEPT + 1, 1, kept=True), force=True)
    check_workload("t.yaml", Workload(workload.MAX_JOURNEYS, 1, kept=False), force=False)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("run", ["--replications", "10000"]),
        ("warmup", ["--horizon-days", "10000"]),
        ("sweep", ["--set", "agencies.office.counters=1,2,3,4,5,6,7,8", "--replications", "10000"]),
    ],
)
def test_a_huge_run_is_refused_before_anything_runs(
    command: str, options: list[str], tiny_data: Data, tmp_path: Path, limited: Callable[..., Any]
) -> None:
    tiny_data["services"]["visit"]["arrivals"]["per_day"] = 100_000
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(tiny_data))
    out = tmp_path / "out"
    started = time.monotonic()
    done = limited(command, str(path), "--out", str(out), *options, memory_mb=700, timeout=60)
    assert done.returncode == 2, done.stderr[-500:]
    assert re.match(r"error: huge.yaml: about [0-9,]+ citizen journeys .*--force \(docs/limits.md\)$", done.stderr)
    assert time.monotonic() - started < 30 and not out.exists()


def test_arrivals_at_their_limit_stop_at_max_in_system_in_bounded_memory(
    tiny_data: Data, tmp_path: Path, limited: Callable[..., Any]
) -> None:
    """per_day at its bound: arrivals are drawn a day at a time, so the overload guard acts before memory runs out."""
    tiny_data["services"]["visit"]["arrivals"]["per_day"] = scenario.MAX_PER_DAY
    tiny_data["max_in_system"] = 5_000
    path = tmp_path / "flood.yaml"
    path.write_text(yaml.safe_dump(tiny_data))
    out = tmp_path / "out"
    done = limited("run", str(path), "--out", str(out), "--jobs", "1", "--replications", "1", "--quiet",
                   "--no-plots", "--force", memory_mb=900, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr[-500:]
    assert "the system is overloaded: more than 5,000 citizens in the system at once" in done.stderr
    assert not out.exists()


def test_force_runs_above_the_limit(
    tiny_data: Data, write_scenario: WriteScenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workload, "MAX_KEPT", 100)
    path = write_scenario(tiny_data, "tiny.yaml")
    options = ["--jobs", "1", "--replications", "2", "--quiet", "--no-plots"]
    assert main(["run", str(path), "--out", str(tmp_path / "a"), *options]) == 2
    assert not (tmp_path / "a").exists()
    assert main(["run", str(path), "--out", str(tmp_path / "b"), *options, "--force"]) == 0
    assert (tmp_path / "b" / "summary.csv").exists()


def test_a_sweep_of_too_many_points_is_refused_before_building_them(
    tiny_data: Data, tmp_path: Path, limited: Callable[..., Any]
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_data))
    counters = ",".join(str(n) for n in range(1, 2001))
    backoffice = ",".join(str(n) for n in range(1, 901))
    done = limited(
        "sweep", str(path), "--set", "agencies.office.counters=" + ",".join(str(n) for n in range(1, 61)),
        "--set", f"agencies.registry.counters={backoffice}", "--out", str(tmp_path / "out"),
        memory_mb=700, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-500:]
    assert "points: expected at most 1,000 (docs/limits.md)" in done.stderr
    done = limited("sweep", str(path), "--set", f"agencies.office.counters={counters}", memory_mb=700, timeout=60)
    assert done.returncode == 2 and "more than 1,000 values" in done.stderr


def test_no_more_workers_than_tasks() -> None:
    assert make_executor("local", 64, tasks=4).workers == 4
    assert make_executor("local", 64, tasks=1).workers == 1
    with make_executor("local", 8) as pool:
        assert isinstance(pool, LocalPool)
        assert list(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]
        assert pool.workers == 3 and len(pool._pool._pool) == 3


# --- every limit is documented --------------------------------------------------------------------


def documented(value: float) -> list[str]:
    """The ways docs/limits.md may write a number."""
    if isinstance(value, float) and not value.is_integer():
        return [f"{value:g}"]
    whole = int(value)
    return [f"{whole:,}", f"{value:g}", f"1e{len(str(whole)) - 1}"]


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (loading, "MAX_SCENARIO_BYTES"), (loading, "MAX_DATA_BYTES"), (loading, "MAX_ALIAS_NODES"),
        (loading, "MAX_MANIFEST_BYTES"), (observed, "MAX_ROWS"), (output, "INLINE_VALUES"), (cli, "MAX_MESSAGE"),
        (scenario, "MAX_STAFF"), (scenario, "MAX_TRAVEL_MINUTES"), (scenario, "MAX_MONEY"), (scenario, "MAX_PER_DAY"),
        (scenario, "MAX_HORIZON_DAYS"), (scenario, "MAX_REPLICATIONS"), (scenario, "MAX_ITEMS"),
        (scenario, "MAX_STEPS"), (scenario, "MAX_SWEEP_POINTS"), (distributions, "MAX_PARAMETER"),
        (distributions, "MAX_SPREAD"), (distributions, "MAX_MINUTES"), (distributions, "MAX_WORKING_DAYS"),
        (workload, "MAX_KEPT"), (workload, "MAX_JOURNEYS"),
    ],
)  # fmt: skip
def test_every_limit_is_in_docs_limits(module: Any, name: str) -> None:
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    line = next((line for line in text.splitlines() if f"`{module.__name__.split('.')[-1]}.{name}`" in line), None)
    assert line is not None, f"docs/limits.md does not name {name}"
    assert any(form in line for form in documented(getattr(module, name))), (name, getattr(module, name), line)


def test_the_readme_points_to_the_limits() -> None:
    assert "docs/limits.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_bundled_scenarios_are_within_the_limits(bundled: list[Path]) -> None:
    for path in bundled:
        loaded = loading.load_scenario(path)
        runs = len(loaded.configurations) * loaded.replications
        check_workload(path.name, Workload(journeys_per_run(loaded), runs, kept=True), force=False)

