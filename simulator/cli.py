"""The command line: `main(argv) -> exit code`; parse, call, print.

Exit codes: 0 done; 2 a wrong scenario or argument, or an overloaded system
(one message, nothing written); 130 interrupted (nothing written); 1 anything
else.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

from tqdm import tqdm

from simulator.capacity import HOPELESS, HopelessLoadError, load_table, offered_load, overloads, refuse_hopeless
from simulator.executors import KINDS, Executor, ExecutorError, make_executor
from simulator.experiment import Precision, Progress, run_experiment
from simulator.language import LANGUAGES, language
from simulator.loading import ScenarioError, load_scenario
from simulator.metrics import HEADLINE
from simulator.model import OverloadError
from simulator.output import (
    DestinationError,
    add_language,
    check_destination,
    manifest,
    new_run_folder,
    write_run,
    write_sweep,
    write_warmup,
)
from simulator.report import comparison_text, few_replications, precision_text, sweep_text
from simulator.scenario import Scenario, did_you_mean
from simulator.sweeps import parameters_of, parse_setting, points, run_sweep
from simulator.warmup import NEGLIGIBLE_MINUTES, default_horizon, settled, study_warmup

COMMANDS = ("run", "check", "sweep", "warmup", "plot")
FORCE_HELP = f"run even when a place gets far more work than its staff can do (mean offered load above {HOPELESS})"
RESULTS_ROOT = Path("results")


def _at_least(lowest: int) -> Callable[[str], int]:
    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {lowest}, found {text!r}")
        return value

    return number


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1 (e.g. 0.05), found {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser of `run_sim.py`."""
    top = argparse.ArgumentParser(
        prog="run_sim.py",
        description="Simulate public-service journeys: siloed vs integrated service, side by side.",
        epilog="`run_sim.py SCENARIO ...` is short for `run_sim.py run SCENARIO ...`.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("scenario", type=Path, help="scenario file (.yaml or .toml)")
    common.add_argument("--out", type=Path, help="write the result files here (a new or empty folder)")
    common.add_argument("--replications", type=_at_least(1), help="replications per configuration")
    common.add_argument("--seed", type=_at_least(0), help="seed (default: the scenario's)")
    common.add_argument("--configurations", help="comma-separated names; the first is the baseline")
    common.add_argument("--jobs", type=_at_least(1), help="worker processes (default: all cores)")
    common.add_argument("--executor", choices=KINDS, default="local", help="where replications run (default local)")
    common.add_argument("--scheduler", help="address of a Dask scheduler (with --executor dask; default: start one)")
    common.add_argument("--quiet", action="store_true", help="print nothing but errors")
    common.add_argument("--lang", choices=LANGUAGES, default="en", help="language of figures and brief (default en)")
    common.add_argument("--no-plots", action="store_true", help="write no figures and no brief")
    common.add_argument("--force", action="store_true", help=FORCE_HELP)

    run = commands.add_parser("run", parents=[common], help="simulate every configuration and write the result files")
    run.add_argument(
        "--precision",
        type=_share,
        metavar="SHARE",
        help="add replications until every --metrics 95%% half-width is within this share of its mean "
        "(of the metric's floor when the mean is below it), e.g. 0.05",
    )
    run.add_argument("--metrics", default="wait_minutes,lead_time_days", help="metrics for --precision")
    run.add_argument("--services", help="comma-separated services to print and brief (default: every service)")
    run.add_argument("--max-replications", type=_at_least(3), default=200, help="the most --precision may run")
    run.add_argument("--event-log", choices=("xes",), help="also write the contact log for process mining (xes)")

    sweep = commands.add_parser("sweep", parents=[common], help="run a grid of scenario values")
    sweep.add_argument("--set", action="append", default=[], metavar="PATH=V1,V2", help="a dotted path and values")
    sweep.add_argument("--keep-records", action="store_true", help="also write citizens, contacts and work")

    warmup = commands.add_parser("warmup", parents=[common], help="suggest warmup_days with MSER-5")
    warmup.add_argument("--horizon-days", type=_at_least(10), help="length of the long run (default: 4x, >= 100)")

    plot = commands.add_parser("plot", help="remake the figures and the brief of a finished run folder")
    plot.add_argument("folder", type=Path, help="a run folder written by `run`")
    plot.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="language of figures and brief (default en); other than English, written beside it (brief.id.html)",
    )
    plot.add_argument("--services", help="comma-separated services to brief (default: every service)")

    check = commands.add_parser("check", help="validate a scenario file, summarise it and show the offered loads")
    check.add_argument("scenario", type=Path, help="scenario file (.yaml or .toml)")
    check.add_argument("--force", action="store_true", help="only warn when a place gets far more work than it can do")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and not args_list[0].startswith("-"):
        args_list.insert(0, "run")
    try:
        args = parser().parse_args(args_list)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    try:
        commands = {"run": run, "sweep": sweep, "warmup": warmup, "plot": plot, "check": check}
        return commands[args.command](args, args_list)
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    except Exception as error:
        return _failure(args, error)


def _failure(args: argparse.Namespace, error: Exception) -> int:
    """Say what went wrong, without a traceback unless it is a defect of ours; the exit code."""
    if isinstance(error, ScenarioError | DestinationError):
        print(f"error: {error}", file=sys.stderr)
        return 2
    if isinstance(error, OverloadError | HopelessLoadError):
        print(f"error: {args.scenario.name}: the system is overloaded: {error}", file=sys.stderr)
        return 2
    if isinstance(error, ExecutorError):
        print(f"error: {error}", file=sys.stderr)
        return 1
    traceback.print_exception(error)
    print("internal error: please report it with the scenario file", file=sys.stderr)
    return 1


def chosen_configurations(scenario: Scenario, source: str, text: str | None) -> list[str]:
    """The configurations named on the command line (all of them if none)."""
    if text is None:
        return list(scenario.configurations)
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in scenario.configurations:
            known = list(scenario.configurations)
            raise ScenarioError(
                f"{source}: --configurations: unknown configuration {name!r}"
                f"{did_you_mean(name, known)} (expected some of: {', '.join(known)})"
            )
    if not names or len(set(names)) != len(names):
        raise ScenarioError(f"{source}: --configurations: expected distinct names, found {text!r}")
    return names


def chosen_services(scenario: Scenario, source: str, text: str | None) -> list[str] | None:
    """The services named with --services (None: every service)."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = list(scenario.services)
    for name in names:
        if name not in scenario.services:
            raise ScenarioError(
                f"{source}: --services: unknown service {name!r}{did_you_mean(name, known)} "
                f"(expected some of: {', '.join(known)})"
            )
    if not names or len(set(names)) != len(names):
        raise ScenarioError(f"{source}: --services: expected distinct names, found {text!r}")
    return names


def _prepare(args: argparse.Namespace, kind: str = "") -> tuple[Scenario, list[str], Path]:
    """The scenario (with --seed), the configurations and the destination, all checked.

    The offered load of the configurations to run is warned about, and refused
    when hopeless unless --force (a sweep checks each of its points instead).
    """
    scenario = load_scenario(args.scenario)
    names = chosen_configurations(scenario, args.scenario.name, args.configurations)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    folder = args.out or new_run_folder(args.scenario, RESULTS_ROOT, datetime.now(), kind)
    check_destination(folder)
    if kind != "sweep":
        _weigh_load(args, scenario, names)
    return scenario, names, folder


def _weigh_load(args: argparse.Namespace, scenario: Scenario, names: list[str], point: str = "") -> None:
    """Warn about overloaded places of the configurations to run; refuse hopeless ones unless --force."""
    loads = offered_load(scenario, names)
    if not args.quiet:
        for warning in overloads(loads, scenario.satisfaction.acceptable_wait_minutes):
            print(f"warning: {args.scenario.name}: {point}{warning}", file=sys.stderr)
    if not args.force:
        refuse_hopeless(loads, point)


@contextmanager
def _workers(args: argparse.Namespace) -> Iterator[tuple[Executor, Progress | None]]:
    """The executor the arguments ask for, and a progress bar on stderr when it is a terminal."""
    with make_executor(args.executor, args.jobs, args.scheduler) as executor:
        if args.quiet or not sys.stderr.isatty():
            yield executor, None
            return
        with tqdm(total=0, unit="run", file=sys.stderr, dynamic_ncols=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            yield executor, progress


def run(args: argparse.Namespace, argv: list[str]) -> int:
    scenario, names, folder = _prepare(args)
    services = chosen_services(scenario, args.scenario.name, args.services)
    precision = None
    if args.precision is not None:
        metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
        unknown = [m for m in metrics if m not in HEADLINE]
        if unknown or not metrics:
            raise ScenarioError(f"--metrics: unknown metric {unknown[:1] or metrics}; expected some of {HEADLINE}")
        precision = Precision(args.precision, metrics, args.max_replications)
    started = datetime.now()
    with _workers(args) as (executor, progress):
        results = run_experiment(scenario, names, args.replications, executor, progress=progress, precision=precision)
    settings: dict[str, object] = {
        "replications": results.replications,
        "configurations": names,
        "baseline": names[0],
        "languages": [] if args.no_plots else [args.lang],
    }
    if results.precision is not None:
        settings["precision"] = precision_text(results.precision)
    meta = manifest(args.scenario, scenario, argv, started, datetime.now(), **settings)

    def figures(unfinished: Path) -> None:
        from simulator.brief import make_figures_and_brief  # noqa: PLC0415 (matplotlib only when drawing)

        make_figures_and_brief(unfinished, args.lang, scenario=scenario, manifest=meta, services=services)

    write_run(folder, results, meta, None if args.no_plots else figures, event_log=args.event_log == "xes")
    if not args.quiet:
        print(comparison_text(results, args.lang, services))
        if results.precision is not None:
            print(f"\n{precision_text(results.precision, args.lang)}")
        warning = few_replications(results.replications, args.lang)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"\n{language(args.lang).say('text_files', folder=folder)}")
    return 0


def sweep(args: argparse.Namespace, argv: list[str]) -> int:
    scenario, names, folder = _prepare(args, "sweep")
    parameters = parameters_of(scenario, [parse_setting(text) for text in args.set])
    if not parameters:
        raise ScenarioError(f"{args.scenario.name}: nothing to sweep: give --set PATH=V1,V2 or a sweep: section")
    grid_points = points(scenario, parameters, args.scenario.name)
    for values, point in grid_points:
        setting = ", ".join(f"{path}={value}" for path, value in values.items())
        _weigh_load(args, point, names, f"sweep point {setting}: ")
    replications = args.replications or scenario.replications
    started = datetime.now()
    with _workers(args) as (executor, progress):
        results = run_sweep(scenario, grid_points, names, replications, executor, progress, args.keep_records)
    grid = {parameter.path: list(parameter.values) for parameter in parameters}
    settings = {"replications": replications, "configurations": names, "sweep": grid}
    meta = manifest(args.scenario, scenario, argv, started, datetime.now(), **settings)
    from simulator.study_plots import sweep_figures  # noqa: PLC0415 (matplotlib only when drawing)

    write_sweep(folder, results, meta, None if args.no_plots else partial(sweep_figures, results, args.lang))
    if not args.quiet:
        print(sweep_text(results, args.lang))
        warning = few_replications(replications, args.lang)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"\n{language(args.lang).say('text_files', folder=folder)}")
    return 0


def warmup(args: argparse.Namespace, argv: list[str]) -> int:
    scenario, names, folder = _prepare(args, "warmup")
    horizon = args.horizon_days or default_horizon(scenario)
    replications = args.replications or min(scenario.replications, 5)
    started = datetime.now()
    with _workers(args) as (executor, progress):
        study = study_warmup(scenario, horizon, replications, names, executor, progress)
    settings = {
        "replications": replications,
        "configurations": names,
        "suggested_warmup_days": study.suggestion,
        "suggested_horizon_days": study.horizon_suggestion,
    }
    meta = manifest(args.scenario, scenario, argv, started, datetime.now(), **settings)
    from simulator.study_plots import warmup_figures  # noqa: PLC0415 (matplotlib only when drawing)

    write_warmup(folder, study, meta, None if args.no_plots else partial(warmup_figures, study, args.lang))
    if not args.quiet:
        print(f"{scenario.name}: MSER-5 over {horizon} working days x {replications} replications")
        noise = f" (ignored: its mean is under {NEGLIGIBLE_MINUTES:g} minute, noise around zero)"
        for row in study.cuts.to_dict("records"):
            ignored = noise if row["ignored"] else ""
            print(f"  {row['configuration']:<24} {row['metric']:<16} cut after {row['cut']} working days{ignored}")
        print(f"suggested warmup_days: {study.suggestion} (the scenario has {scenario.warmup_days})")
        if study.horizon_suggestion != scenario.horizon_days:
            counted = scenario.horizon_days - scenario.warmup_days
            print(
                f"suggested horizon_days: {study.horizon_suggestion} with it (the scenario has "
                f"{scenario.horizon_days}): still {counted} counted working days after the warm-up"
            )
        if not settled(study):
            print("note: the cut is at half the series, as far as MSER-5 looks: run longer (--horizon-days)")
        print(f"result files: {folder}")
    return 0


def plot(args: argparse.Namespace, argv: list[str]) -> int:
    from simulator.brief import make_figures_and_brief  # noqa: PLC0415 (matplotlib only when drawing)

    services = None
    if args.services is not None:
        scenario = load_scenario(args.folder / "scenario.yaml")
        services = chosen_services(scenario, str(args.folder / "scenario.yaml"), args.services)
    written = make_figures_and_brief(args.folder, args.lang, services=services)
    add_language(args.folder, args.lang)
    print(language(args.lang).say("text_plotted", count=len(written), folder=args.folder, lang=args.lang))
    return 0


def check(args: argparse.Namespace, argv: list[str]) -> int:
    scenario = load_scenario(args.scenario)
    loads = offered_load(scenario)
    if not args.force:
        refuse_hopeless(loads)
    steps = sum(len(service.steps) for service in scenario.services.values())
    print(
        f"ok: {args.scenario.name}: {scenario.name!r}: {_count(scenario.agencies, 'agency', 'agencies')}, "
        f"{_count(scenario.services, 'service')} with {_count(range(steps), 'step')}, "
        f"{_count(scenario.documents, 'document')}, "
        f"{_count(scenario.configurations, 'configuration')} ({', '.join(scenario.configurations)}); "
        f"{scenario.horizon_days} working days ({scenario.warmup_days} warm-up) x "
        f"{scenario.replications} replications, seed {scenario.seed}"
    )
    print(f"offered load (rework included):\n{load_table(loads)}")
    for warning in overloads(loads, scenario.satisfaction.acceptable_wait_minutes):
        print(f"warning: {args.scenario.name}: {warning}", file=sys.stderr)
    return 0


def _count(things: Sized, one: str, many: str = "") -> str:
    return f"{len(things)} {one if len(things) == 1 else many or one + 's'}"
