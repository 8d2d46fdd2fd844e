"""The command line: `main(argv) -> exit code`; parse, call, print.

Exit codes: 0 done; 2 a wrong scenario or argument (one message, nothing
written); 130 interrupted; 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence, Sized
from datetime import datetime
from pathlib import Path

from simulator.experiment import run_experiment
from simulator.loading import ScenarioError, load_scenario
from simulator.output import DestinationError, check_destination, manifest, new_run_folder, write_run
from simulator.report import comparison_text
from simulator.scenario import Scenario, did_you_mean

COMMANDS = ("run", "check")
RESULTS_ROOT = Path("results")


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found {text!r}")
    return number


def _seed(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, found {text!r}")
    return int(text)


def parser() -> argparse.ArgumentParser:
    """The argument parser of `run_sim.py`."""
    top = argparse.ArgumentParser(
        prog="run_sim.py",
        description="Simulate public-service journeys: siloed vs integrated service, side by side.",
        epilog="`run_sim.py SCENARIO ...` is short for `run_sim.py run SCENARIO ...`.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="simulate every configuration and write the result files")
    run.add_argument("scenario", type=Path, help="scenario file (.yaml or .toml)")
    run.add_argument("--out", type=Path, help="write the result files here (a new or empty folder)")
    run.add_argument("--replications", type=_positive, help="replications per configuration")
    run.add_argument("--seed", type=_seed, help="seed (default: the scenario's)")
    run.add_argument("--configurations", help="comma-separated names; the first is the baseline")
    run.add_argument("--jobs", type=_positive, help="worker processes (default: all cores)")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    check = commands.add_parser("check", help="validate a scenario file and summarise it")
    check.add_argument("scenario", type=Path, help="scenario file (.yaml or .toml)")
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
        return run(args, args_list) if args.command == "run" else check(args)
    except (ScenarioError, DestinationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    except Exception:  # a defect of ours, not the user's: say so, with the details
        traceback.print_exc()
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


def run(args: argparse.Namespace, argv: list[str]) -> int:
    scenario = load_scenario(args.scenario)
    names = chosen_configurations(scenario, args.scenario.name, args.configurations)
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    started = datetime.now()
    folder = args.out or new_run_folder(args.scenario, RESULTS_ROOT, started)
    check_destination(folder)
    results = run_experiment(scenario, names, args.replications, args.jobs)
    ended = datetime.now()
    write_run(folder, results, manifest(args.scenario, results, argv, started, ended, args.jobs))
    if not args.quiet:
        print(comparison_text(results))
        print(f"\nresult files: {folder}")
    return 0


def check(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    steps = sum(len(service.steps) for service in scenario.services.values())
    print(
        f"ok: {args.scenario.name}: {scenario.name!r}: {_count(scenario.agencies, 'agency', 'agencies')}, "
        f"{_count(scenario.services, 'service')} with {_count(range(steps), 'step')}, "
        f"{_count(scenario.documents, 'document')}, "
        f"{_count(scenario.configurations, 'configuration')} ({', '.join(scenario.configurations)}); "
        f"{scenario.horizon_days} working days ({scenario.warmup_days} warm-up) x "
        f"{scenario.replications} replications, seed {scenario.seed}"
    )
    return 0


def _count(things: Sized, one: str, many: str = "") -> str:
    return f"{len(things)} {one if len(things) == 1 else many or one + 's'}"
