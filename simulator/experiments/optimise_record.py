"""An optimisation as its run folder keeps it: the manifest's `optimise` block, and the folder read back.

`manifest_settings(optimum, guarantee)` is what `optimise` writes into manifest.json;
`read_optimum(folder)` turns an optimise run folder (that block, scenario.yaml,
candidates.csv, replications.csv, chosen.csv) back into the `Optimum` that
wrote it, so that a policy brief can state its answer and draw its frontier
in any language, with the numbers the optimiser printed.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, cast, get_args

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.analysis.selection import Selection
from simulator.experiments.optimise import Optimum, Stage, interest_of
from simulator.experiments.optimise_question import (
    MONTHLY,
    Question,
    make_variable,
    parse_objective,
    parse_requirement,
)
from simulator.experiments.optimise_search import Status, Verdict
from simulator.scenario.loading import ScenarioError, describe, read_optimise_run

STAGES: tuple[Stage, ...] = get_args(Stage)
ADDED = ("configuration", "first", "most", "contenders", "selection")
"""Keys of the block that an `optimise` before the brief's staffing section did not write."""
CANDIDATE_COLUMNS = (MONTHLY, "status", "chosen", "replications", "reason")


def manifest_settings(optimum: Optimum, guarantee: str) -> dict[str, Any]:
    """What the manifest keeps of an optimisation: the question, the answer, the simulations and the guarantee."""
    question = optimum.question
    simulations: dict[str, int] = {str(stage): count for stage, count in optimum.simulations.items()}
    simulations["total"] = optimum.total_simulations
    selection = optimum.selection
    return {
        "configurations": [question.configuration],
        "replications": f"{question.first} to {question.most} per staffing, at looks {list(question.looks)}",
        "optimise": {
            "configuration": question.configuration,
            "vary": {v.given: [v.low, v.high] for v in question.variables},
            "require": [r.text for r in question.requirements],
            "objective": ("maximise " if question.objective.maximise else "minimise ") + question.objective.label,
            "budget": question.budget,
            "confidence": question.confidence,
            "indifference": optimum.indifference,
            "first": question.first,
            "most": question.most,
            "chosen": question.named(optimum.chosen) if optimum.chosen is not None else None,
            "chosen_staff_cost_per_month": None if optimum.chosen is None else optimum.chosen_cost,
            "simulations": simulations,
            "staffings": {
                "in_ranges": optimum.grid,
                "within_budget": optimum.within_budget,
                "judged": len(optimum.verdicts),
                "ruled_out_unsimulated": optimum.inferred,
                "outdone_unsimulated": optimum.outdone,
            },
            "confirmations": optimum.confirmations,
            "contenders": optimum.contenders,
            "selection": None if selection is None else dataclasses.asdict(selection),
            "contradictions": optimum.contradictions,
            "guarantee": guarantee,
        },
    }


class _Staffings(BaseModel):
    in_ranges: int = Field(ge=1)
    within_budget: int = Field(ge=0)
    ruled_out_unsimulated: int = Field(ge=0)
    outdone_unsimulated: int = Field(ge=0)


class _Selection(BaseModel):
    chosen: int = Field(ge=0)
    replications: tuple[int, ...]
    settled: bool
    delta: float
    alpha: float


class _Block(BaseModel):
    """The manifest's `optimise` block, as `manifest_settings` writes it (the parts needed to read the folder back)."""

    model_config = ConfigDict(extra="ignore")
    configuration: str
    vary: dict[str, tuple[int, int]] = Field(min_length=1)
    require: list[str]
    objective: str
    budget: float | None
    confidence: float = Field(gt=0, lt=1)
    indifference: float | None
    first: int = Field(ge=2)
    most: int = Field(ge=2)
    chosen: dict[str, int] | None
    chosen_staff_cost_per_month: float | None
    simulations: dict[str, int]
    staffings: _Staffings
    confirmations: int = Field(ge=0)
    contenders: int = Field(ge=0)
    selection: _Selection | None
    contradictions: int = Field(ge=0)


def read_optimum(folder: Path, scenario_sha256: str | None = None, of: str = "") -> Optimum:
    """The `Optimum` an optimise run folder holds; a ScenarioError naming the folder if it holds none.

    With `scenario_sha256`, a folder whose scenario file had another sha256
    (an optimisation of another scenario than `of`, the run it is to brief) is refused too.
    The verdicts read back carry the replications of candidates.csv (search and selection together).
    """
    found = read_optimise_run(folder)
    block = found.manifest["optimise"]
    theirs = found.manifest.get("scenario_sha256")
    if scenario_sha256 is not None and theirs != scenario_sha256:
        raise ScenarioError(
            f"{folder}: an optimisation of another scenario than {of}: its scenario file's sha256 is "
            f"{str(theirs)[:12]}..., that of {of} {scenario_sha256[:12]}...; give an optimise folder of the "
            "scenario file the run simulated"
        )
    missing = [key for key in ADDED if key not in block]
    if missing:
        raise ScenarioError(
            f"{folder}: written by an earlier optimise, whose manifest.json does not keep {', '.join(missing)}: "
            "run the optimisation again to put it in a brief"
        )
    try:
        record = _Block.model_validate(block)
    except ValidationError as error:
        raise ScenarioError(f"{folder}: manifest.json is damaged: optimise.{describe(error.errors()[0])}") from None
    scenario = found.scenario
    where = f"{folder}: manifest.json: optimise"
    if record.configuration not in scenario.configurations:
        raise ScenarioError(f"{where}: configuration {record.configuration!r} is not one of its scenario.yaml")
    variables = tuple(
        make_variable(scenario, record.configuration, f"{given}={low}..{high}", where)
        for given, (low, high) in record.vary.items()
    )
    verb, _, objective = record.objective.partition(" ")
    question = Question(
        scenario,
        record.configuration,
        variables,
        tuple(parse_requirement(scenario, text, where) for text in record.require),
        parse_objective(scenario, objective, verb == "maximise", record.budget, where),
        record.budget,
        record.confidence,
        record.indifference,
        record.first,
        record.most,
    )
    candidates = found["candidates"]
    paths = list(record.vary)
    absent = [name for name in (*paths, *CANDIDATE_COLUMNS) if name not in candidates.columns]
    if absent or (record.chosen is not None and set(record.chosen) != set(paths)):
        raise ScenarioError(
            f"{folder}: candidates.csv and manifest.json do not belong together: "
            + (f"candidates.csv has no column {', '.join(absent)}" if absent else "optimise.chosen names other paths")
        )
    verdicts, costs = {}, {}
    for row in candidates.to_dict("records"):
        staffing = tuple(int(row[path]) for path in paths)
        status = str(row["status"])
        if status not in get_args(Status):
            raise ScenarioError(f"{folder}: candidates.csv: unknown status {status!r}")
        reason = "" if pd.isna(row["reason"]) else str(row["reason"])
        verdicts[staffing] = Verdict(cast(Status, status), reason, int(row["replications"]))
        costs[staffing] = float(row[MONTHLY])
    chosen = None if record.chosen is None else tuple(record.chosen[path] for path in paths)
    cost = record.chosen_staff_cost_per_month
    return Optimum(
        question=question,
        chosen=chosen,
        chosen_cost=math.nan if cost is None else cost,
        verdicts=verdicts,
        costs=costs,
        numbers=found["chosen"] if chosen is not None else pd.DataFrame(),
        candidates=candidates,
        replications=found["replications"],
        simulations={stage: record.simulations.get(stage, 0) for stage in STAGES},
        selection=None if record.selection is None else Selection(**record.selection.model_dump()),
        contenders=record.contenders,
        confirmations=record.confirmations,
        grid=record.staffings.in_ranges,
        within_budget=record.staffings.within_budget,
        inferred=record.staffings.ruled_out_unsimulated,
        outdone=record.staffings.outdone_unsimulated,
        contradictions=record.contradictions,
        indifference=record.indifference,
        interest=interest_of(question),
    )
