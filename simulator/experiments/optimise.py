"""The optimiser: the cheapest staffing that meets requirements, or the best one within a budget.

`optimise(question, executor)` searches the grid of staffings
(`optimise_search`), simulating candidates on the executor, replication r of
each from the same seed streams (common random numbers). A candidate is
feasible only when every requirement holds with confidence, judged at looks
that add replications only while it is in doubt (`selection.judge`). A
staffing whose offered load (`check`'s estimate) is 1 or more somewhere is
never simulated: its staff cannot keep up with the work.

When the objective is itself random (the cost per case; a metric within a
budget) the winner among the contenders is selected by KN
(`selection.select_best`). The winner is then judged again on fresh
replications the search never used, so that its feasibility and its numbers
are free of the winner's curse; if it fails, the search goes on without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from simulator.analysis.capacity import offered_load
from simulator.analysis.selection import Selection, judge, one_sided_half_width, select_best
from simulator.analysis.statistics import bounded_interval, natural_range
from simulator.experiments.executors import Executor
from simulator.experiments.optimise_question import ALL, MONTHLY, PER_CASE, Question, Staffing
from simulator.experiments.optimise_search import Search, Verdict, space_of
from simulator.experiments.runs import Progress, Run, Task, metrics_frame, run_once
from simulator.model.run import OverloadError
from simulator.scenario.loading import ScenarioError
from simulator.scenario.schema import Scenario

INDIFFERENCE = {
    "ikm": 0.5,
    "within_standard_share": 0.01,
    "abandoned_share": 0.01,
    "wait_minutes": 1.0,
    "longest_wait_minutes": 1.0,
    "wait_minutes_p90": 1.0,
    "lead_time_days": 0.1,
    "lead_time_calendar_days": 0.1,
    "lead_time_days_p50": 0.1,
    "lead_time_days_p90": 0.1,
}
"""Default indifference zones of KN: differences smaller than these do not matter to a decision."""
RELATIVE_INDIFFERENCE = 0.01
"""For other objectives (the cost per case): 1% of the cheapest contender's mean over the first replications."""


def _attempt(task: Task) -> Run | None:
    """One replication of a candidate, or None when it overloads (more citizens in the system than allowed)."""
    try:
        return run_once(task.scenario, task.configuration, task.replication, records=False)
    except OverloadError:
        return None


Stage = Literal["search", "selection", "confirmation"]


class Trials:
    """The candidates' simulations, each replication run once and kept, and the verdicts they give."""

    def __init__(self, question: Question, executor: Executor, progress: Progress | None = None) -> None:
        self.question = question
        self.executor = executor
        self.progress = progress
        self.values: dict[Staffing, dict[int, dict[tuple[str, str], float]]] = {}
        self.frames: list[tuple[Staffing, Stage, pd.DataFrame]] = []
        self.scenarios: dict[Staffing, Scenario] = {}
        self.broken: set[Staffing] = set()
        self.simulations: dict[Stage, int] = {"search": 0, "selection": 0, "confirmation": 0}

    def scenario(self, staffing: Staffing) -> Scenario:
        if staffing not in self.scenarios:
            self.scenarios[staffing] = self.question.at(staffing)
        return self.scenarios[staffing]

    def run(self, wanted: Mapping[Staffing, Iterable[int]], stage: Stage) -> None:
        """Simulate the replications of each staffing it does not have yet, all in one batch on the executor."""
        name = self.question.configuration
        todo = [(s, r) for s, replications in wanted.items() for r in replications if r not in self.values.get(s, {})]
        if not todo:
            return
        tasks = [Task(self.scenario(s), name, r, records=False) for s, r in todo]
        done = sum(self.simulations.values())
        runs = []
        for run in self.executor.map(_attempt, tasks):
            runs.append(run)
            if self.progress is not None:
                self.progress(done + len(runs), done + len(tasks))
        self.simulations[stage] += len(tasks)
        for (staffing, replication), run in zip(todo, runs, strict=True):
            got = self.values.setdefault(staffing, {})
            if run is None:
                self.broken.add(staffing)
                got[replication] = {}
                continue
            frame = metrics_frame([run])
            keys = zip(frame["metric"], frame["service"], strict=True)
            got[replication] = dict(zip(keys, frame["value"], strict=True))
            self.frames.append((staffing, stage, frame))

    def series(self, staffing: Staffing, metric: str, service: str, replications: Iterable[int]) -> np.ndarray:
        got = self.values[staffing]
        return np.array([got[r].get((metric, service), math.nan) for r in replications], dtype=np.float64)

    def overload(self, staffing: Staffing) -> str | None:
        """Why this staffing cannot keep up with the work (offered load of 1 or more somewhere), or None."""
        loads = offered_load(self.scenario(staffing), [self.question.configuration])
        worst = max(loads, key=lambda load: load.mean, default=None)
        if worst is None or worst.mean < 1:
            return None
        return f"{worst.place} gets {worst.mean:.2f} times the work its {worst.staff} staff can do (offered load)"

    def settle(self, batch: Sequence[Staffing], stage: Stage = "search") -> dict[Staffing, Verdict]:
        """Judge each staffing at the looks, adding replications only to those still in doubt.

        The confirmation uses replications from `most` on, which the search never does.
        """
        question = self.question
        offset = question.most if stage == "confirmation" else 0
        alpha = question.alphas[0] / (max(1, len(question.requirements)) * len(question.looks))
        verdicts: dict[Staffing, Verdict] = {}
        pending = []
        for staffing in batch:
            why = self.overload(staffing)
            if why is None:
                pending.append(staffing)
            else:
                verdicts[staffing] = Verdict("overloaded", why, 0, inferable=True)
        for look in question.looks:
            self.run({s: range(offset, offset + look) for s in pending}, stage)
            for staffing in list(pending):
                verdict = self._judge(staffing, range(offset, offset + look), alpha, look == question.looks[-1])
                if verdict is not None:
                    verdicts[staffing] = verdict
                    pending.remove(staffing)
            if not pending:
                break
        return verdicts

    def _judge(self, staffing: Staffing, replications: range, alpha: float, last: bool) -> Verdict | None:
        n = len(replications)
        if staffing in self.broken:
            why = f"more than {self.question.scenario.max_in_system:,} citizens in the system at once in a replication"
            return Verdict("overloaded", why, n, inferable=True)
        judged = []
        for requirement in self.question.requirements:
            values = self.series(staffing, requirement.metric, requirement.service, replications)
            judged.append((requirement, judge(values, requirement.threshold, requirement.at_most, alpha), values))
        missed = [(r, v) for r, j, v in judged if j == "missed"]
        if missed:
            reason = "; ".join(f"missed {r.text}: {_bound(v, r.at_most, alpha, opposite=True)}" for r, v in missed)
            return Verdict("infeasible", reason, n, inferable=any(r.monotone for r, _ in missed))
        doubtful = [(r, v) for r, j, v in judged if j == "unsure"]
        if not doubtful:
            return Verdict("feasible", f"met every requirement in {n} replications", n)
        if not last:
            return None
        reason = "; ".join(f"could not show {r.text}: {_bound(v, r.at_most, alpha)}" for r, v in doubtful)
        return Verdict("unsure", f"{reason} in {n} replications", n, inferable=all(r.monotone for r, _ in doubtful))

    def observe(self, candidates: Sequence[Staffing]) -> Callable[[Sequence[int], int], list[np.ndarray]]:
        """KN's view of the candidates: the objective over replications 0, 1, ..., simulated as needed."""
        objective = self.question.objective

        def observe(which: Sequence[int], count: int) -> list[np.ndarray]:
            self.run({candidates[i]: range(count) for i in which}, "selection")
            return [self.series(candidates[i], objective.metric, objective.service, range(count)) for i in which]

        return observe


def _bound(values: np.ndarray, at_most: bool, alpha: float, opposite: bool = False) -> str:
    """'mean 41.2, bound 37.5': the one-sided bound the verdict rests on."""
    mean = float(values.mean())
    if np.isnan(values).any() or len(values) < 2:
        return f"mean {mean:.4g}, undefined in some replication"
    half = one_sided_half_width(values, alpha)
    upper = at_most != opposite
    return f"mean {mean:.4g}, {'upper' if upper else 'lower'} bound {mean + half if upper else mean - half:.4g}"


# -- the answer -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Optimum:
    """The answer to a question, and everything behind it."""

    question: Question
    chosen: Staffing | None
    chosen_cost: float
    verdicts: dict[Staffing, Verdict]
    """Every candidate evaluated, in the order judged (a failed confirmation keeps its place)."""
    costs: dict[Staffing, float]
    numbers: pd.DataFrame
    """The chosen staffing's metrics: metric, service, mean, ci_low, ci_high, replications (confirmation ones)."""
    candidates: pd.DataFrame
    replications: pd.DataFrame
    simulations: dict[Stage, int]
    selection: Selection | None
    contenders: int
    confirmations: int
    grid: int
    """Staffings in the ranges."""
    within_budget: int
    inferred: int
    outdone: int
    contradictions: int
    indifference: float | None = None
    exhaustive: bool = False
    interest: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """(metric, service) of the candidates file's columns."""

    @property
    def total_simulations(self) -> int:
        return sum(self.simulations.values())


def optimise(
    question: Question,
    executor: Executor,
    progress: Progress | None = None,
    exhaustive: bool = False,
    source: str = "",
) -> Optimum:
    """Answer the question: search, select, confirm (see the module's docstring).

    With `exhaustive`, every staffing in the ranges (and the budget) is
    simulated and judged, with nothing inferred: the benchmark's yardstick.
    """
    space = space_of(question, source)
    search = Search(space, question.objective.trend, exhaustive)
    trials = Trials(question, executor, progress)
    hopeless = trials.overload(space.highest)
    if hopeless is not None:
        setting = ", ".join(f"{path}={value}" for path, value in question.named(space.highest).items())
        raise ScenarioError(f"{source}: --vary: the ranges cannot be met: even with the most staff ({setting}), "
                            f"{hopeless}: raise the ranges, or vary that place's staff too")  # fmt: skip
    verdicts: dict[Staffing, Verdict] = {}
    confirmations = 0
    selection: Selection | None = None
    delta: float | None = None
    while True:
        while batch := search.next_batch():
            for staffing, verdict in trials.settle(batch).items():
                verdicts[staffing] = verdict
                search.record(staffing, verdict)
        contenders = search.contenders()
        if not contenders:
            chosen = None
            break
        selection, delta = _select(question, trials, contenders)
        chosen = contenders[selection.chosen if selection else 0]
        if not question.requirements:
            break
        confirmations += 1
        confirmed = trials.settle([chosen], "confirmation")[chosen]
        if confirmed.status == "feasible":
            break
        failed = Verdict("failed confirmation", f"confirmation on fresh replications: {confirmed.reason}",
                         verdicts[chosen].replications, inferable=confirmed.inferable)  # fmt: skip
        verdicts[chosen] = failed
        search.record(chosen, failed)
    interest = interest_of(question)
    costs = {s: float(space.cost[space.cell(s)]) for s in verdicts}
    offset = question.most if question.requirements else 0
    return Optimum(
        question=question,
        chosen=chosen,
        chosen_cost=costs[chosen] if chosen is not None else math.nan,
        verdicts=verdicts,
        costs=costs,
        numbers=_numbers(trials, chosen, offset, question.confidence) if chosen else pd.DataFrame(),
        candidates=_candidates(question, trials, verdicts, costs, chosen, interest),
        replications=_replications(question, trials, verdicts),
        simulations=dict(trials.simulations),
        selection=selection,
        contenders=len(contenders),
        confirmations=confirmations,
        grid=math.prod(space.shape),
        within_budget=int(space.allowed.sum()),
        inferred=search.inferred,
        outdone=search.outdone,
        contradictions=search.contradictions(),
        indifference=delta,
        exhaustive=exhaustive,
        interest=interest,
    )


def _select(question: Question, trials: Trials, contenders: list[Staffing]) -> tuple[Selection | None, float | None]:
    """KN among the contenders when the objective is random; None when it is the monthly cost."""
    objective = question.objective
    if objective.trend == "cost":
        return None, None
    delta = question.indifference or INDIFFERENCE.get(objective.metric)
    if delta is None:
        first = trials.series(contenders[0], objective.metric, objective.service, range(question.first))
        delta = RELATIVE_INDIFFERENCE * abs(float(np.nanmean(first)))
    alpha = question.alphas[1]
    observe = trials.observe(contenders)
    selection = select_best(observe, len(contenders), question.first, question.most, alpha, delta, objective.maximise)
    return selection, delta


def interest_of(question: Question) -> tuple[tuple[str, str], ...]:
    """The metrics the candidates file shows: the requirements', the objective's, and the frontier figures'."""
    keys = [(r.metric, r.service) for r in question.requirements]
    if question.objective.metric != MONTHLY:
        keys.append((question.objective.metric, question.objective.service))
    keys += [("wait_minutes_p90", ALL), ("ikm", ALL), (PER_CASE, ALL)]
    return tuple(dict.fromkeys(keys))


def _label(metric: str, service: str) -> str:
    return metric if service == ALL else f"{metric}[{service}]"


def _candidates(
    question: Question,
    trials: Trials,
    verdicts: Mapping[Staffing, Verdict],
    costs: Mapping[Staffing, float],
    chosen: Staffing | None,
    interest: Sequence[tuple[str, str]],
) -> pd.DataFrame:
    """candidates.csv: every staffing evaluated, its cost, verdict and numbers over its search replications."""
    rows = []
    for number, staffing in enumerate(verdicts, start=1):
        verdict = verdicts[staffing]
        got = sorted(r for r in trials.values.get(staffing, {}) if r < question.most)
        row: dict[str, Any] = {"candidate": number, **question.named(staffing)}
        row |= {MONTHLY: costs[staffing], "status": verdict.status, "chosen": staffing == chosen,
                "replications": len(got), "reason": verdict.reason}  # fmt: skip
        for metric, service in interest:
            values = trials.series(staffing, metric, service, got) if got else np.array([])
            mean, low, high = bounded_interval(values, *natural_range(metric), level=question.confidence)
            label = _label(metric, service)
            row |= {label: mean, f"{label}_ci_low": low, f"{label}_ci_high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def _numbers(trials: Trials, chosen: Staffing, offset: int, confidence: float) -> pd.DataFrame:
    """Every metric of the chosen staffing, over its confirmation replications (or the search's, if none)."""
    got = sorted(r for r in trials.values[chosen] if r >= offset)
    keys = list(dict.fromkeys(key for r in got for key in trials.values[chosen][r]))
    rows = []
    for metric, service in keys:
        values = trials.series(chosen, metric, service, got)
        mean, low, high = bounded_interval(values, *natural_range(metric), level=confidence)
        rows.append((metric, service, mean, low, high, int(np.count_nonzero(~np.isnan(values)))))
    return pd.DataFrame(rows, columns=["metric", "service", "mean", "ci_low", "ci_high", "replications"])


def _replications(question: Question, trials: Trials, verdicts: Mapping[Staffing, Verdict]) -> pd.DataFrame:
    """Per candidate and replication, every metric, and the stage that asked for it."""
    number = {staffing: k for k, staffing in enumerate(verdicts, start=1)}
    frames = []
    for staffing, stage, frame in trials.frames:
        head = {"candidate": number[staffing], **question.named(staffing), "stage": stage}
        frames.append(frame.drop(columns=["configuration"]).assign(**head)[[*head, *frame.columns[1:]]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
