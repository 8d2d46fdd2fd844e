"""The command line: `main(argv) -> exit code`; parse, call, print.

Exit codes: 0 done; 2 a wrong scenario or argument, or an overloaded system
(one message, nothing written); 130 interrupted with Ctrl-C and 143 ended by
SIGTERM (nothing written); 1 anything else (one message).
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from types import FrameType

from tqdm import tqdm

from simulator.analysis.capacity import (
    HOPELESS,
    HopelessLoadError,
    load_table,
    offered_load,
    overloads,
    refuse_hopeless,
)
from simulator.analysis.metrics import HEADLINE
from simulator.experiments.executors import KINDS, Executor, ExecutorError, make_executor
from simulator.experiments.optimise import Optimum, optimise
from simulator.experiments.optimise_question import (
    MONTHLY,
    PER_CASE,
    Question,
    make_variable,
    parse_objective,
    parse_requirement,
)
from simulator.experiments.optimise_record import manifest_settings, read_optimum
from simulator.experiments.runs import Precision, Progress, Records, run_experiment
from simulator.experiments.sweeps import parameters_of, parse_setting, points, run_sweep
from simulator.experiments.warmup import NEGLIGIBLE_MINUTES, default_horizon, settled, study_warmup, tail
from simulator.files.folders import Claim, DestinationError, check_destination, claim_folder, claim_new_run_folder
from simulator.files.output import (
    EVENT_LOG_FORMATS,
    FiguresError,
    WriteError,
    manifest,
    write_optimise,
    write_warmup,
    writing_run,
    writing_sweep,
)
from simulator.files.records import RECORD_FORMATS
from simulator.model.run import OverloadError
from simulator.report.comparison import comparison_text, few_replications, precision_text, sweep_text
from simulator.report.language import LANGUAGES, language
from simulator.report.optimise_text import answer, guarantee, markdown
from simulator.scenario.loading import ScenarioError, checked_run_folder, load_scenario, parse_text, validate
from simulator.scenario.observed import sha256
from simulator.scenario.schema import MAX_REPLICATIONS, Scenario, did_you_mean
from simulator.scenario.workload import Workload, check_workload, journeys_per_run

COMMANDS = ("run", "check", "sweep", "warmup", "plot", "optimise", "serve", "fit")
FORCE_HELP = (
    f"run even when a place gets far more work than its staff can do (mean offered load above {HOPELESS}), "
    "or the work is above the limits of docs/limits.md"
)
RESULTS_ROOT = Path("results")
RECORDS_HELP = (
    "format of the record tables citizens, contacts, work and hours (default parquet; csv for a spreadsheet; "
    "none: the statistics only)"
)
OPTIMUM_HELP = (
    "an optimise run folder of the same scenario file: the brief gets a staffing section with its answer, its "
    "guarantee and its frontier (repeat for several)"
)
MAX_MESSAGE = 2_000
"""Characters of an error message; the rest is cut (a file with 200,000 columns would say 1.5 MB)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM: what a scheduler, a container or `timeout` sends to end a run."""


def _at_least(lowest: int, highest: int = 10**9) -> Callable[[str], int]:
    def number(text: str) -> int:
        try:
            value = int(text) if len(text) < 30 else lowest - 1
        except ValueError:
            value = lowest - 1
        if not lowest <= value <= highest:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {lowest} to {highest:,}, found {text[:30]!r}"
            )
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


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, found {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser of `run_sim.py`."""
    top = argparse.ArgumentParser(
        prog="run_sim.py",
        description="Simulate public-service journeys: siloed vs integrated service, side by side.",
        epilog="`run_sim.py SCENARIO ...` is short for `run_sim.py run SCENARIO ...`.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    shared = argparse.ArgumentParser(add_help=False)  # of every command that simulates, optimise included
    shared.add_argument("scenario", type=Path, help="scenario file (.yaml or .toml)")
    shared.add_argument("--out", type=Path, help="write the result files here (a new or empty folder)")
    shared.add_argument("--seed", type=_at_least(0, 2**64 - 1), help="seed (default: the scenario's)")
    shared.add_argument("--jobs", type=_at_least(1, 1024), help="worker processes (default: all cores)")
    shared.add_argument("--executor", choices=KINDS, help="where replications run (default local)")
    shared.add_argument("--scheduler", help="address of a Dask scheduler (with --executor dask; default: start one)")
    shared.add_argument("--quiet", action="store_true", help="print nothing but errors")
    shared.add_argument("--lang", choices=LANGUAGES, default="en", help="language of figures and brief (default en)")
    shared.add_argument("--no-plots", action="store_true", help="write no figures and no brief")
    common = argparse.ArgumentParser(add_help=False, parents=[shared])
    common.add_argument(
        "--replications", type=_at_least(1, MAX_REPLICATIONS), help="replications per configuration"
    )
    common.add_argument("--configurations", help="comma-separated names; the first is the baseline")
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
    run.add_argument(
        "--max-replications",
        type=_at_least(3, MAX_REPLICATIONS),
        default=200,
        help="the most replications --precision may run (default 200)",
    )
    run.add_argument(
        "--event-log",
        action="append",
        default=[],
        choices=EVENT_LOG_FORMATS,
        help="also write the records as an event log: xes (eventlog.xes.gz), ocel (OCEL 2.0, eventlog.ocel.json) or "
        "tickets (tickets/<configuration>-<replication>.csv, as `fit` reads); may be repeated",
    )
    run.add_argument("--records", choices=RECORD_FORMATS, default="parquet", help=RECORDS_HELP)
    run.add_argument("--optimum", action="append", type=Path, default=[], metavar="OPTIMISE_FOLDER", help=OPTIMUM_HELP)

    sweep = commands.add_parser("sweep", parents=[common], help="run a grid of scenario values")
    sweep.add_argument("--set", action="append", default=[], metavar="PATH=V1,V2", help="a dotted path and values")
    sweep.add_argument(
        "--keep-records", action="store_true", help="also write citizens, contacts, work, agencies and hours"
    )
    sweep.add_argument("--records", choices=RECORD_FORMATS, default="parquet", help=RECORDS_HELP)

    warmup = commands.add_parser("warmup", parents=[common], help="suggest warmup_days with MSER-5")
    warmup.add_argument("--horizon-days", type=_at_least(10), help="length of the long run (default: 4x, >= 100)")

    best = commands.add_parser(
        "optimise",
        parents=[shared],
        help="the cheapest staffing that meets requirements, or the best one within a budget",
    )
    best.add_argument("--configuration", required=True, help="the configuration whose staffing is chosen")
    best.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=LOW..HIGH",
        help="a whole-number staffing field and its range, e.g. agencies.tax.backoffice=1..6",
    )
    best.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="METRIC<=X",
        help='a metric of summary.csv (of a service: METRIC[SERVICE]), e.g. "wait_minutes_p90<=30"',
    )
    goal = best.add_mutually_exclusive_group()
    goal.add_argument(
        "--minimise",
        metavar="METRIC",
        help=f"{MONTHLY} (the default) or {PER_CASE}; with --budget, a wait or completion time",
    )
    goal.add_argument("--maximise", metavar="METRIC", help="with --budget: ikm or within_standard_share")
    best.add_argument("--budget", type=_positive, metavar="AMOUNT", help="the most the staff may cost a month")
    best.add_argument("--confidence", type=_share, default=0.95, help="of the answer (default 0.95)")
    best.add_argument(
        "--indifference",
        type=_positive,
        metavar="X",
        help="differences of the objective that do not matter (default: by metric)",
    )
    best.add_argument(
        "--replications", type=_at_least(2, MAX_REPLICATIONS), default=10, help="of each staffing at first (default 10)"
    )
    best.add_argument(
        "--max-replications",
        type=_at_least(2, MAX_REPLICATIONS),
        default=40,
        help="the most of a staffing still in doubt (default 40)",
    )

    plot = commands.add_parser("plot", help="remake the figures and the brief of a finished run folder")
    plot.add_argument("folder", type=Path, help="a run folder written by `run`")
    plot.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="language of figures and brief (default en); other than English, written beside it (brief.id.html)",
    )
    plot.add_argument("--services", help="comma-separated services to brief (default: every service)")
    plot.add_argument("--optimum", action="append", type=Path, default=[], metavar="OPTIMISE_FOLDER", help=OPTIMUM_HELP)

    check = commands.add_parser("check", help="validate a scenario file, summarise it and show the offered loads")
    check.add_argument("scenario", type=Path, help="scenario file (.yaml or .toml)")
    check.add_argument("--force", action="store_true", help="only warn when a place gets far more work than it can do")

    serve = commands.add_parser("serve", help="the what-if page in the browser (docs/web.md)")
    serve.add_argument("scenario", type=Path, nargs="?", help="scenario file to open (default: a bundled one)")
    serve.add_argument("--port", type=_at_least(1, 65535), default=8501, help="port to serve on (default 8501)")
    serve.add_argument("--lang", choices=LANGUAGES, default="en", help="language the page opens in (default en)")
    serve.add_argument("--jobs", type=_at_least(1, 1024), help="worker processes of each run (default: all cores)")
    serve.add_argument(
        "--runs", type=_at_least(1, 1024), help="runs at once on this machine, the others queued (default: cores/jobs)"
    )

    fit = commands.add_parser("fit", help="fit a scenario to an office's ticket log or event log (docs/fitting.md)")
    fit.add_argument("log", type=Path, help="a ticket log (CSV), an XES event log, or a CSV event log")
    fit.add_argument("--format", choices=("tickets", "xes", "csv-events"), help="default: xes for .xes, else tickets")
    fit.add_argument("--columns", default="", help="the log's column names, e.g. ticket=No,service=Layanan")
    fit.add_argument("--out", type=Path, help="the scenario file to write (default: LOG's name + .fitted.yaml)")
    fit.add_argument("--report", type=Path, help="also run the fitted scenario and compare it with the log here")
    fit.add_argument("--replications", type=_at_least(2, MAX_REPLICATIONS), default=20, help="for --report")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    shorthand = bool(args_list) and args_list[0] not in COMMANDS and not args_list[0].startswith("-")
    if problem := _unreadable_argument(args_list) or (shorthand and _misspelt_command(args_list[0])):
        _say(f"error: {problem}")
        return 2
    if shorthand:
        args_list.insert(0, "run")
    try:
        args = parser().parse_args(args_list)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2
    with _terminate_like_interrupt():
        return _command(args, args_list)


def _command(args: argparse.Namespace, argv: list[str]) -> int:
    """Run the command the arguments name; the exit code."""
    try:
        commands = {
            "run": run, "sweep": sweep, "warmup": warmup, "plot": plot, "check": check, "optimise": optimise_,
            "serve": serve, "fit": fit,
        }  # fmt: skip
        return commands[args.command](args, argv)
    except Terminated:
        _say("terminated: nothing was written")
        return 143
    except KeyboardInterrupt:
        _say("interrupted: nothing was written")
        return 130
    except Exception as error:
        return _failure(args, error)


def _unreadable_argument(arguments: Sequence[str]) -> str:
    """What makes an argument unusable as a name: a NUL character, or bytes that are not UTF-8."""
    for argument in arguments:
        if "\0" in argument:
            return f"{argument[:60]!a}: an argument cannot hold a NUL character"
        if any("\udc80" <= character <= "\udcff" for character in argument):
            return f"{argument[:60]!a}: not UTF-8 text; give file and folder names in UTF-8"
    return ""


def _misspelt_command(word: str) -> str:
    """'unknown command 'chek'; did you mean 'check'?' for a word that is no file and close to a command."""
    if Path(word).suffix.lower() in (".yaml", ".yml", ".toml") or Path(word).exists():
        return ""
    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    if not close:
        return ""
    return f"unknown command {word[:40]!r}; did you mean {close[0]!r}? (commands: {', '.join(COMMANDS)})"


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM ends a command as Ctrl-C does: workers stopped, nothing half-written left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    command = os.getpid()

    def terminate(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != command:  # a process forked from this one (a pool's worker): end as by default
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cleaning up is not cut short by a second one
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say(text: str) -> None:
    """One message on stderr, cut to MAX_MESSAGE characters."""
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}... ({len(text) - MAX_MESSAGE:,} more characters)"
    print(text, file=sys.stderr)


def _failure(args: argparse.Namespace, error: Exception) -> int:
    """Say what went wrong, without a traceback unless it is a defect of ours; the exit code."""
    if isinstance(error, ScenarioError | DestinationError):
        _say(f"error: {error}")
        return 2
    if isinstance(error, OverloadError | HopelessLoadError):
        _say(f"error: {args.scenario.name}: the system is overloaded: {error}")
        return 2
    if isinstance(error, ExecutorError | WriteError):
        _say(f"error: {error}")
        return 1
    if isinstance(error, FiguresError):
        _say(
            f"error: the figures and the brief could not be made ({error}); the result files are in "
            f"{error.folder} without them. Please report this with the scenario file; "
            f"`run_sim.py plot {error.folder}` tries again"
        )
        return 1
    if isinstance(error, MemoryError):
        _say("error: out of memory: try fewer replications or configurations, or a shorter horizon")
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
    known = list(scenario.journeys)
    for name in names:
        if name not in scenario.journeys:
            raise ScenarioError(
                f"{source}: --services: unknown service {name!r}{did_you_mean(name, known)} "
                f"(expected some of: {', '.join(known)})"
            )
    if not names or len(set(names)) != len(names):
        raise ScenarioError(f"{source}: --services: expected distinct names, found {text!r}")
    return names


def _prepare(args: argparse.Namespace) -> tuple[Scenario, list[str]]:
    """The scenario (with --seed) and the configurations, and the executor's arguments, all checked."""
    if args.scheduler is not None:
        _check_scheduler(args.scheduler, args.executor)
    scenario = load_scenario(args.scenario)
    names = chosen_configurations(scenario, args.scenario.name, args.configurations)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    return scenario, names


def _check_scheduler(address: str, executor: str | None) -> None:
    """Refuse a --scheduler without --executor dask, or one that is not an address."""
    if executor != "dask":
        raise ScenarioError(f"--scheduler {address[:60]!r}: a scheduler is for --executor dask; add it")
    from distributed.comm.addressing import parse_address, parse_host_port  # noqa: PLC0415 (Dask only then)
    from distributed.comm.registry import backends  # noqa: PLC0415

    try:
        protocol, location = parse_address(address)
        if protocol in ("tcp", "tls"):
            parse_host_port(location, 8786)
    except (ValueError, TypeError) as error:
        raise ScenarioError(
            f"--scheduler {address[:60]!r}: expected an address such as tcp://host:8786 ({error})"
        ) from None
    if protocol not in backends:
        raise ScenarioError(
            f"--scheduler {address[:60]!r}: unknown protocol {protocol!r} (expected one of: {', '.join(backends)})"
        )


def _weigh_load(args: argparse.Namespace, scenario: Scenario, names: list[str], point: str = "") -> None:
    """Warn about overloaded places of the configurations to run; refuse hopeless ones unless --force."""
    loads = offered_load(scenario, names)
    if not args.quiet:
        for warning in overloads(loads, scenario.satisfaction.acceptable_wait_minutes):
            _say(f"warning: {args.scenario.name}: {point}{warning}")
    if not args.force:
        refuse_hopeless(loads, point)


@contextmanager
def _claimed(args: argparse.Namespace, kind: str = "") -> Iterator[Claim]:
    """The run folder, claimed before anything is simulated; given up again if the command fails."""
    if args.out is not None:
        claim = claim_folder(args.out)
    else:
        claim = claim_new_run_folder(args.scenario, RESULTS_ROOT, datetime.now(), kind)
    try:
        yield claim
    except BaseException:
        claim.release()
        raise


@contextmanager
def _workers(args: argparse.Namespace, tasks: int | None) -> Iterator[tuple[Executor, Progress | None]]:
    """The executor the arguments ask for, and a progress bar on stderr when it is a terminal."""
    with make_executor(args.executor or "local", args.jobs, args.scheduler, tasks, args.quiet) as executor:
        if args.quiet or not sys.stderr.isatty():
            yield executor, None
            return
        with tqdm(total=0, unit="run", file=sys.stderr, dynamic_ncols=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            yield executor, progress


def run(args: argparse.Namespace, argv: list[str]) -> int:
    scenario, names = _prepare(args)
    services = chosen_services(scenario, args.scenario.name, args.services)
    precision = None
    if args.precision is not None:
        metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
        unknown = [m for m in metrics if m not in HEADLINE]
        if unknown or not metrics:
            raise ScenarioError(f"--metrics: unknown metric {unknown[:1] or metrics}; expected some of {HEADLINE}")
        precision = Precision(args.precision, metrics, args.max_replications)
    if args.optimum and args.no_plots:
        raise ScenarioError("--optimum puts a staffing section into the brief, which --no-plots leaves out: drop one")
    optima = _optima(args.optimum, sha256(args.scenario), str(args.scenario))
    replications = args.replications or scenario.replications
    most = max(replications, precision.max_replications) if precision else replications
    check_workload(args.scenario.name, Workload(journeys_per_run(scenario), len(names) * most, True), args.force)
    _weigh_load(args, scenario, names)
    event_logs = args.event_log
    with _claimed(args) as claim, writing_run(claim.folder, scenario, args.records, event_logs) as writer:
        folder = claim.folder
        started = datetime.now()
        records: Records = writer if args.records != "none" or event_logs else "none"
        with _workers(args, len(names) * replications) as (executor, progress):
            results = run_experiment(
                scenario, names, replications, executor, progress=progress, precision=precision, records=records
            )
        settings: dict[str, object] = {
            "replications": results.replications,
            "configurations": names,
            "baseline": names[0],
            "records": args.records,
            "languages": [] if args.no_plots else [args.lang],
        }
        if results.precision is not None:
            settings["precision"] = precision_text(results.precision)
        if optima:
            settings["optimum"] = {args.lang: [str(folder) for folder in args.optimum]}
        meta = manifest(args.scenario, scenario, argv, started, datetime.now(), **settings)

        def figures(unfinished: Path) -> None:
            from simulator.report.brief import make_figures_and_brief  # noqa: PLC0415 (matplotlib only when drawing)

            make_figures_and_brief(
                unfinished, args.lang, scenario=scenario, manifest=meta, services=services, optima=optima
            )

        writer.finish(results, meta, None if args.no_plots else figures)
    folder = args.out or folder
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
    scenario, names = _prepare(args)
    parameters = parameters_of(scenario, [parse_setting(text) for text in args.set])
    if not parameters:
        raise ScenarioError(f"{args.scenario.name}: nothing to sweep: give --set PATH=V1,V2 or a sweep: section")
    grid_points = points(scenario, parameters, args.scenario.name)
    replications = args.replications or scenario.replications
    runs = len(grid_points) * len(names) * replications
    per_run = math.ceil(sum(journeys_per_run(point) for _, point in grid_points) / len(grid_points))  # points differ
    check_workload(args.scenario.name, Workload(per_run, runs, args.keep_records), args.force)
    for values, point in grid_points:
        setting = ", ".join(f"{path}={value}" for path, value in values.items())
        _weigh_load(args, point, names, f"sweep point {setting}: ")
    with _claimed(args, "sweep") as claim, writing_sweep(claim.folder, args.records) as writer:
        folder = claim.folder
        started = datetime.now()
        kept = writer if args.keep_records else None
        with _workers(args, runs) as (executor, progress):
            results = run_sweep(scenario, grid_points, names, replications, executor, progress, kept)
        grid = {parameter.path: list(parameter.values) for parameter in parameters}
        records = args.records if args.keep_records else "none"
        settings = {"replications": replications, "configurations": names, "records": records, "sweep": grid}
        meta = manifest(args.scenario, scenario, argv, started, datetime.now(), **settings)
        from simulator.report.study_plots import sweep_figures  # noqa: PLC0415 (matplotlib only when drawing)

        writer.finish(results, meta, None if args.no_plots else partial(sweep_figures, results, args.lang))
    folder = args.out or folder
    if not args.quiet:
        print(sweep_text(results, args.lang))
        warning = few_replications(replications, args.lang)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"\n{language(args.lang).say('text_files', folder=folder)}")
    return 0


def _question(args: argparse.Namespace, scenario: Scenario) -> Question:
    """The optimiser's question from the arguments, every part checked."""
    source = args.scenario.name
    name = args.configuration
    if name not in scenario.configurations:
        known = list(scenario.configurations)
        raise ScenarioError(
            f"{source}: --configuration: unknown configuration {name!r}{did_you_mean(name, known)} "
            f"(expected one of: {', '.join(known)})"
        )
    if not args.vary:
        raise ScenarioError(f"{source}: nothing to vary: give --vary PATH=LOW..HIGH, e.g. front_office_counters=2..8")
    variables = tuple(make_variable(scenario, name, text, source) for text in args.vary)
    paths = [variable.path for variable in variables]
    if len(set(paths)) != len(paths):
        twice = next(path for path in paths if paths.count(path) > 1)
        raise ScenarioError(f"{source}: --vary: {twice} is given twice")
    requirements = tuple(parse_requirement(scenario, text, source) for text in args.require)
    maximise = args.maximise is not None
    objective = parse_objective(scenario, args.maximise if maximise else args.minimise, maximise, args.budget, source)
    if not requirements and objective.trend != "improves":
        raise ScenarioError(f'{source}: nothing to meet: give --require, e.g. "wait_minutes_p90<=30"')
    if args.max_replications < args.replications:
        raise ScenarioError(
            f"{source}: --max-replications {args.max_replications} is fewer than --replications {args.replications}"
        )
    return Question(
        scenario,
        name,
        variables,
        requirements,
        objective,
        args.budget,
        args.confidence,
        args.indifference,
        args.replications,
        args.max_replications,
    )


def optimise_(args: argparse.Namespace, argv: list[str]) -> int:
    scenario = load_scenario(args.scenario)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    if args.scheduler is not None:
        _check_scheduler(args.scheduler, args.executor)
    question = _question(args, scenario)
    with _claimed(args, "optimise") as claim:
        folder = claim.folder
        started = datetime.now()
        with _workers(args, None) as (executor, progress):
            result = optimise(question, executor, progress, source=args.scenario.name)
        meta = manifest(
            args.scenario, scenario, argv, started, datetime.now(), **manifest_settings(result, guarantee(result))
        )
        from simulator.report.optimise_plots import frontier_figures  # noqa: PLC0415 (matplotlib only when drawing)

        finish = None if args.no_plots else partial(frontier_figures, result, args.lang)
        write_optimise(folder, result, meta, markdown(result), finish)
    folder = args.out or folder
    if not args.quiet:
        print(_optimise_summary(result))
        print(f"\n{guarantee(result)}")
        print(f"\nresult files: {folder}")
    return 0


def _optimise_summary(result: Optimum) -> str:
    """The answer as the command line prints it: the chosen staffing and its numbers, then every candidate."""
    question = result.question
    lines = [answer(result), ""]
    table = result.candidates
    simulated = table[table["replications"] > 0]
    paths = [v.given for v in question.variables]
    many = "s" if len(simulated) != 1 else ""
    lines.append(f"{len(simulated)} staffing{many} simulated ({', '.join(paths)}), in the order judged:")
    shown = simulated[[*paths, MONTHLY, "status", "replications"]]
    lines.append(shown.to_string(index=False, float_format=lambda x: f"{x:,.0f}"))
    unsimulated = len(table) - len(simulated)
    if unsimulated:
        lines.append(f"and {unsimulated} judged without simulating: their staff could not keep up with the work "
                     "(offered load of 1 or more; see candidates.csv)")  # fmt: skip
    return "\n".join(lines)


def warmup(args: argparse.Namespace, argv: list[str]) -> int:
    scenario, names = _prepare(args)
    horizon = args.horizon_days or default_horizon(scenario)
    replications = args.replications or min(scenario.replications, 5)
    runs = len(names) * replications
    work = Workload(journeys_per_run(scenario, horizon + tail(horizon)), runs, kept=True)
    check_workload(args.scenario.name, work, args.force)
    _weigh_load(args, scenario, names)
    with _claimed(args, "warmup") as claim:
        folder = claim.folder
        started = datetime.now()
        with _workers(args, runs) as (executor, progress):
            study = study_warmup(scenario, horizon, replications, names, executor, progress)
        settings = {
            "replications": replications,
            "configurations": names,
            "suggested_warmup_days": study.suggestion,
            "suggested_horizon_days": study.horizon_suggestion,
        }
        meta = manifest(args.scenario, scenario, argv, started, datetime.now(), **settings)
        from simulator.report.study_plots import warmup_figures  # noqa: PLC0415 (matplotlib only when drawing)

        write_warmup(folder, study, meta, None if args.no_plots else partial(warmup_figures, study, args.lang))
    folder = args.out or folder
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
    from simulator.files.output import remake_figures  # noqa: PLC0415
    from simulator.report.brief import make_figures_and_brief  # noqa: PLC0415 (matplotlib only when drawing)

    folder = args.folder
    if not folder.exists():
        raise ScenarioError(f"{folder}: no such folder (expected a run folder written by `run`)")
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: not a folder (expected a run folder written by `run`)")
    checked = checked_run_folder(folder)  # before copying: a damaged file is named in the folder itself
    if "sha256" not in checked:
        _say(
            f"warning: {folder}: manifest.json records no sha256 of the files (a folder written before they "
            "were recorded): they cannot be checked"
        )
    services = None
    if args.services is not None:
        scenario = load_scenario(folder / "scenario.yaml")
        services = chosen_services(scenario, str(folder / "scenario.yaml"), args.services)
    optima = _optima(args.optimum, checked.get("scenario_sha256"), str(folder))
    draw = partial(make_figures_and_brief, lang=args.lang, manifest=checked, services=services, optima=optima)
    written = remake_figures(folder, draw, args.lang, [str(optimum) for optimum in args.optimum])
    print(language(args.lang).say("text_plotted", count=len(written), folder=args.folder, lang=args.lang))
    return 0


def _optima(folders: Sequence[Path], scenario_sha256: object, run: str) -> list[Optimum]:
    """The optimisations whose answers the brief carries, read from their folders: each of the scenario of `run`."""
    if not folders:
        return []
    if not isinstance(scenario_sha256, str):
        raise ScenarioError(
            f"{run}: manifest.json records no scenario_sha256: it cannot be told whether the --optimum folders "
            "are optimisations of its scenario"
        )
    where = [folder.resolve() for folder in folders]
    for folder, place in zip(folders, where, strict=True):
        if where.count(place) > 1:
            raise ScenarioError(f"--optimum {folder}: given twice")
    return [read_optimum(folder, scenario_sha256, run) for folder in folders]


def check(args: argparse.Namespace, argv: list[str]) -> int:
    scenario = load_scenario(args.scenario)
    loads = offered_load(scenario)
    if not args.force:
        refuse_hopeless(loads)
    steps = sum(len(service.steps) for service in scenario.services.values())
    print(
        f"ok: {args.scenario.name}: {scenario.name!r}: {_count(scenario.agencies, 'agency', 'agencies')}, "
        f"{_count(scenario.services, 'service')} with {_count(range(steps), 'step')}, "
        + (f"{_count(scenario.life_events, 'life event')}, " if scenario.life_events else "")
        + f"{_count(scenario.documents, 'document')}, "
        f"{_count(scenario.configurations, 'configuration')} ({', '.join(scenario.configurations)}); "
        f"{scenario.horizon_days} working days ({scenario.warmup_days} warm-up) x "
        f"{scenario.replications} replications, seed {scenario.seed}"
    )
    print(f"offered load (rework included):\n{load_table(loads)}")
    for warning in overloads(loads, scenario.satisfaction.acceptable_wait_minutes):
        _say(f"warning: {args.scenario.name}: {warning}")
    return 0


def fit(args: argparse.Namespace, argv: list[str]) -> int:
    """Fit a scenario to a log, write it (checked by loading it), and with --report compare it with the log."""
    from simulator.fitting import clean, fit_office, parse_mapping, read_tickets, scenario_text  # noqa: PLC0415
    from simulator.fitting.events import read_csv_events, read_xes  # noqa: PLC0415
    from simulator.fitting.measures import measures  # noqa: PLC0415
    from simulator.fitting.writer import PLACEHOLDERS  # noqa: PLC0415
    from simulator.report import fit_check  # noqa: PLC0415 (matplotlib only when drawing)

    kind = args.format or ("xes" if args.log.suffix.lower() == ".xes" else "tickets")
    mapping = parse_mapping(args.columns) if kind == "tickets" else dict(
        part.split("=", 1) for part in args.columns.split(",") if "=" in part
    )
    if kind == "tickets":
        frame = read_tickets(args.log, mapping)
    elif kind == "xes":
        frame = read_xes(args.log)
    else:
        frame = read_csv_events(args.log, mapping)
    log = clean(frame)
    office = fit_office(log)
    out = args.out or args.log.with_name(args.log.stem + ".fitted.yaml")
    text = scenario_text(office, args.log.name, f"Office fitted from {args.log.name}")
    scenario = validate(parse_text(text, str(out)), str(out))
    if args.report is not None:
        check_destination(args.report)
    out.write_text(text, encoding="utf-8")
    for line in log.defects.lines():
        _say(f"warning: {args.log}: {line}")
    print(f"wrote {out}: {office.tickets:,} tickets on {len(office.calendar.open_days)} days, "
          f"{_count(office.arrivals, 'service')}, {_count(office.rosters, 'desk')}")  # fmt: skip
    if args.report is None:
        return 0
    results = run_experiment(scenario, replications=args.replications)
    calendar = office.calendar
    days = (calendar.open_days[-1] - calendar.start).days + 1
    observed = measures(log.tickets, calendar.open, calendar.close)
    simulated = fit_check.simulated_measures(results.contacts, results.citizens, scenario.calendar.start, days,
                                             calendar.open, calendar.close)  # fmt: skip
    table = fit_check.compare(observed, simulated)
    fit_check.write_report(args.report, table, log.defects.lines(), list(PLACEHOLDERS))
    inside = (table["verdict"] == "inside").sum()
    print(f"wrote {args.report}: {inside} of {(table['verdict'] != 'not seen').sum()} observed numbers inside the "
          "simulated 95% range")  # fmt: skip
    return 0


def _count(things: Sized, one: str, many: str = "") -> str:
    return f"{len(things)} {one if len(things) == 1 else many or one + 's'}"


def serve(args: argparse.Namespace, argv: list[str]) -> int:
    from simulator.web.serve import serve as serve_page  # noqa: PLC0415 (Streamlit only when serving)

    return serve_page(args.scenario, args.port, args.lang, jobs=args.jobs, runs=args.runs)
