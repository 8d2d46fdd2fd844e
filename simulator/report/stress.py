"""The STRESS-DES report of a run: the reporting checklist for discrete-event simulation, filled in.

Monks et al. (2019), "Strengthening the reporting of empirical simulation
studies: Introducing the STRESS guidelines", Journal of Simulation 13(1)
55-67. Every item is filled from the scenario as run and the run's manifest;
what they cannot say is marked "not filled: ..." for the modeller to add.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.analysis.metrics import HEADLINE
from simulator.report.language import language
from simulator.report.levers import configuration_lines
from simulator.scenario.distributions import Empirical, Fixed, Spec
from simulator.scenario.schema import Levers, Scenario

Manifest = Mapping[str, Any]
Item = Callable[[Scenario, Manifest], str]

ITEMS: dict[str, dict[str, str]] = {
    "1 Objectives": {
        "1.1": "Purpose of the model",
        "1.2": "Model outputs",
        "1.3": "Experimentation aims",
    },
    "2 Logic": {
        "2.1": "Base model overview diagram",
        "2.2": "Base model logic",
        "2.3": "Scenario logic",
        "2.4": "Algorithms",
        "2.5.1": "Components: entities",
        "2.5.2": "Components: activities",
        "2.5.3": "Components: resources",
        "2.5.4": "Components: queues",
        "2.5.5": "Components: entry and exit points",
    },
    "3 Data": {
        "3.1": "Data sources",
        "3.2": "Pre-processing",
        "3.3": "Input parameters",
        "3.4": "Assumptions",
    },
    "4 Experimentation": {
        "4.1": "Initialisation",
        "4.2": "Run length",
        "4.3": "Estimation approach",
    },
    "5 Implementation": {
        "5.1": "Software or programming language",
        "5.2": "Random sampling",
        "5.3": "Model execution",
        "5.4": "System specification",
    },
    "6 Code access": {
        "6.1": "Computer model sharing statement",
    },
}
"""The sections of the checklist and their items."""

NOT_FILLED = "not filled:"


def _plain(text: str) -> str:
    """A scenario's own words in markdown: any HTML in them shows as text, it is not run by a viewer."""
    return html.escape(text, quote=False).replace("`", "'")


def stress_des(scenario: Scenario, manifest: Manifest) -> str:
    """The markdown text of stress-des.md for a run of `scenario` described by `manifest`."""
    lines = [
        f"# STRESS-DES report: {_plain(scenario.name)}",
        "",
        "The STRESS-DES checklist (Monks et al., 2019, Journal of Simulation 13(1) 55-67, "
        "doi 10.1080/17477778.2018.1442155), filled in by the simulator from `scenario.yaml` (the scenario as run) "
        f"and `manifest.json` of this run folder. Items marked *{NOT_FILLED}* need the modeller's words.",
    ]
    for section, items in ITEMS.items():
        lines += ["", f"## {section}"]
        for number, title in items.items():
            text = FILLERS[number](scenario, manifest).strip()
            lines += ["", f"### {number} {title}", "", text]
    return "\n".join(lines) + "\n"


def _configurations(scenario: Scenario, manifest: Manifest) -> list[str]:
    named = [str(name) for name in manifest.get("configurations") or [] if name in scenario.configurations]
    return named or list(scenario.configurations)


def _bullets(lines: Iterator[str] | list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _purpose(scenario: Scenario, manifest: Manifest) -> str:
    names = _configurations(scenario, manifest)
    described = _plain(scenario.description.strip()) or (
        f"{NOT_FILLED} the scenario has no `description`; its background is in the comments of the scenario file"
    )
    return (
        f"{described}\n\nThe question: how do {', '.join(f'`{name}`' for name in names[1:]) or 'the configurations'} "
        f"compare with `{names[0]}` (the baseline) on waiting, completion time, trips, cost and satisfaction (IKM) "
        "when they serve the same citizens? Siloed agencies (each its own door and queue, the citizen carrying "
        "papers between them) are set against degrees of whole-of-government service."
    )


def _outputs(scenario: Scenario, manifest: Manifest) -> str:
    return (
        f"Per counted citizen (arrived after the warm-up), in `summary.csv`: {', '.join(f'`{m}`' for m in HEADLINE)}, "
        "with percentiles, `U1`..`U9` and accounting counts; each is defined in the README's table of metrics. "
        "Each replication gives one value per metric (the mean over its counted citizens, a share, or the IKM of "
        "its respondents, computed from the contact log and citizen table after the run). Intervals are 95% "
        "Student t intervals over replications; each configuration is compared with the baseline by the paired "
        "per-replication differences (`comparison.csv`), the relative change by the delta method on the log of "
        "the ratio. Per-agency utilisation and queues are over working time after the warm-up (`agencies.csv`, "
        "`hours.csv`)."
    )


def _aims(scenario: Scenario, manifest: Manifest) -> str:
    names = _configurations(scenario, manifest)
    lines = [f"Scenario-based analysis: {len(names)} configurations on the same citizens (`{names[0]}` first):", ""]
    lines += [f"- {line}" for _, line in configuration_lines(language("en"), scenario, names)]
    if manifest.get("sweep"):
        grid = "; ".join(f"`{path}` = {values}" for path, values in manifest["sweep"].items())
        lines += ["", f"Design of experiments: a full grid over {grid} (`sweep.csv`)."]
    lines += ["", "Simulation optimisation: not used."]
    return "\n".join(lines)


def _diagram(scenario: Scenario, manifest: Manifest) -> str:
    blocks = []
    for sid, service in scenario.services.items():
        firsts = [step.id for step in service.steps if not service.predecessors(step)]
        edges = [f"    arrival([{sid} arrives]) --> step_{first}" for first in firsts]
        edges += [f"    step_{p} --> step_{step.id}" for step in service.steps for p in service.predecessors(step)]
        edges += [f"    step_{final} --> done([outputs received])" for final in service.final_steps()]
        boxes = [f'    step_{step.id}["{step.id}: {step.agency}"]' for step in service.steps]
        blocks.append("\n".join(["```mermaid", "flowchart LR", *boxes, *edges, "```"]))
    return (
        "The steps of each service and the agency of each (a step waits for the steps before it):\n\n"
        + "\n\n".join(blocks)
        + "\n\nEach step is a submission at a counter, then back-office work and an approval wait, then a pickup "
        "(or a digital delivery). `figures/timeline.png`, when figures were made, shows one citizen's journey."
    )


def _logic(scenario: Scenario, manifest: Manifest) -> str:
    return _bullets(
        [
            "A citizen arrives at the door of the first office of a trip (travel from home counts in trips and cost, "
            "not in the lead time) and visits, in the order of the file, the desk of the first step with something "
            "to do: there they submit every step that can be submitted, or collect every output that is ready.",
            "At a submission each required document is checked; a defective one rejects the sitting (`reveal: one` "
            "names the first defect, `reveal: all` every one); the citizen comes back after "
            f"`rework_days` = {scenario.citizens.rework_days} working day(s).",
            "An accepted step goes to its agency's back office (an officer's work, in working time), then waits "
            "for its approval (`approval_days`, occupying nobody); outputs may come out wrong (`error_rate`) "
            "and are redone.",
            "Returns fall on a later working day, at a time of day drawn from the service's arrival profile.",
            f"A citizen gives up when they would set out on trip {scenario.citizens.max_visits + 1} "
            "(`max_visits` + 1).",
            "The full rules: `docs/model.md` of servicecycle.",
        ]
    )


def _scenario_logic(scenario: Scenario, manifest: Manifest) -> str:
    names = _configurations(scenario, manifest)
    header = "| configuration | " + " | ".join(Levers._fields) + " | online share | front-office staff |"
    rows = [header, "|" + "---|" * (len(Levers._fields) + 3)]
    for name in names:
        configuration = scenario.configurations[name]
        levers = configuration.levers._asdict()
        staff = configuration.front_office_counters or "sum of the agencies' counters"
        cells = [str(levers[lever]).lower() for lever in Levers._fields]
        rows.append(f"| `{name}` | " + " | ".join(cells) + f" | {configuration.online_share:g} | {staff} |")
    changed = [name for name in names if _changes(scenario, name)]
    notes = [f"`{name}` also changes {_changes(scenario, name)}." for name in changed]
    return (
        "Each configuration is a preset of levers with some of them overridden (the levers are explained in "
        "`docs/model.md` of servicecycle):\n\n" + "\n".join(rows) + ("\n\n" + " ".join(notes) if notes else "")
    )


def _changes(scenario: Scenario, name: str) -> str:
    configuration = scenario.configurations[name]
    changed = [
        *(f"agency `{agency}` ({', '.join(fields)})" for agency, fields in configuration.agencies.items()),
        *(f"document `{document}` ({', '.join(fields)})" for document, fields in configuration.documents.items()),
        *(
            f"step `{service}.{step}` ({', '.join(fields)})"
            for service, changes in configuration.services.items()
            for step, fields in changes.steps.items()
        ),
    ]
    return "; ".join(changed)


def _algorithms(scenario: Scenario, manifest: Manifest) -> str:
    return _bullets(
        [
            "Arrivals: a non-homogeneous Poisson process per service, with a rate constant within each opening "
            "hour in proportion to the service's profile: the count of each hour of each working day is drawn "
            "from a Poisson distribution, and the arrival times uniformly within the hour.",
            "Durations by inverse transform: a uniform number from the citizen's own stream goes through the "
            "distribution's quantile function (an empirical distribution's sorted values).",
            "Working-time arithmetic: back-office work and approval waits advance only in opening hours of "
            "working days (the calendar's workdays, minus holidays).",
            "A single front office takes the whole file in one sitting; files move to each back office after "
            "`handoff_minutes`.",
        ]
    )


def _entities(scenario: Scenario, manifest: Manifest) -> str:
    return (
        "Citizens (applicants), one per arrival, with their service, the documents they bring (each defective "
        "with its `p_defective`), whether they apply online, their patience and their record: trips, waits, "
        "contacts, rejections, product errors, travel, cost, outcome and IKM scores (`citizens.csv`). "
        "Their files (one per step) move through back offices, approvals and hand-offs (`work.csv`)."
    )


def _activities(scenario: Scenario, manifest: Manifest) -> str:
    return _bullets(
        [
            "Counter submission (the step's `counter` time x the agency's `competence`): accepted or rejected.",
            "Pickup of ready outputs (`pickup_minutes` per output), or a digital delivery.",
            "Back-office work (`backoffice`, occupying one back-office officer), approval wait (`approval_days`).",
            "Hand-off of a file between back offices (`handoff_minutes`), travel (`travel_minutes`, `walk_minutes`), "
            "online submission (no queue, no staff).",
        ]
    )


def _resources(scenario: Scenario, manifest: Manifest) -> str:
    rows = ["| agency | counters | back-office staff | steps |", "|---|---:|---:|---|"]
    for aid, agency in scenario.agencies.items():
        steps = [f"{sid}.{step.id}" for sid, s in scenario.services.items() for step in s.steps if step.agency == aid]
        rows.append(f"| `{aid}` | {agency.counters} | {agency.backoffice} | {', '.join(steps) or '-'} |")
    return (
        "Counter staff serve submissions and pickups at their desk; back-office staff do the steps' back-office "
        "work. Under a single front office the pooled `front_office` staff (`front_office_counters`) serve every "
        "submission and pickup instead of the agencies' counters.\n\n" + "\n".join(rows)
    )


def _queues(scenario: Scenario, manifest: Manifest) -> str:
    patience = scenario.citizens.patience_minutes
    reneging = (
        f"Citizens leave a counter queue when their patience runs out ({_spec(patience)} minutes, a new draw per "
        "queue) or at closing time"
        if patience is not None
        else "Citizens wait in a counter queue until they are served or the office closes"
    )
    priority = [name for name, group in scenario.citizens.groups.items() if group.priority]
    booked = [sid for sid, service in scenario.services.items() if service.appointments]
    order = (
        "within their rank: "
        + ", then ".join(
            [*([f"the priority group(s) {', '.join(priority)}"] if priority else []),
             *([f"citizens at their appointment ({', '.join(booked)})"] if booked else []), "everybody else"]
        )
        + ", without interrupting anyone being served"
        if priority or booked
        else "first in, first out; no priorities"
    )  # fmt: skip
    rooms = {aid: agency.waiting_room for aid, agency in scenario.agencies.items() if agency.waiting_room is not None}
    limits = (
        "Waiting rooms: " + ", ".join(f"`{aid}` {room}" for aid, room in rooms.items()) + "; a citizen finding it "
        "full is turned away (`turned_away`)."
        if rooms
        else "Queues have no capacity limit."
    )
    balking = (
        f"A citizen does not join a queue with more than {scenario.citizens.balk_ahead} ahead (`turned_away`)."
        if scenario.citizens.balk_ahead is not None
        else "No balking."
    )
    return (
        f"One queue per desk (an agency's counters, or the front office), served {order}; one first-in-first-out "
        f"queue per back office. {balking} No jockeying. {reneging} (`left_queue`, `sent_home` in `contacts.csv`). "
        f"{limits} A run stops with an error when more than `max_in_system` = {scenario.max_in_system:,} citizens "
        "are in the system at once."
    )


def _entry_exit(scenario: Scenario, manifest: Manifest) -> str:
    lines = [
        f"`{sid}`: {service.arrivals.per_day:g} new citizens per working day"
        + (" with an hour-of-day profile" if service.arrivals.profile else ", evenly over the opening hours")
        for sid, service in scenario.services.items()
    ]
    return (
        "Entry: each service's arrivals, a Poisson process over the opening hours of the working days of the "
        f"horizon:\n\n{_bullets(lines)}\n\nExit: a citizen leaves the model completed (every final output received) "
        "or abandoned (`max_visits` trips used); back-office work already started is still done."
    )


def _sources(scenario: Scenario, manifest: Manifest) -> str:
    found = list(_data_sources(scenario))
    file = manifest.get("scenario_file", "the scenario file")
    digest = str(manifest.get("scenario_sha256", ""))[:12]
    comments = (
        f"Comments in the scenario file `{file}`" + (f" (sha256 {digest}...)" if digest else "")
        + " cite sources and years for its numbers where the author gave them; comments are not part of the "
        "parsed scenario, so read them there."
    )  # fmt: skip
    if not found:
        return f"{NOT_FILLED} the scenario names no `source` for its numbers. {comments}"
    return "Sources named in the scenario (with file, column, size and sha256 for data read from CSV files):\n\n" + (
        _bullets(f"`{path}`: {_plain(source)}" for path, source in found) + f"\n\n{comments}"
    )


def _data_sources(scenario: Scenario) -> Iterator[tuple[str, str]]:
    for sid, service in scenario.services.items():
        if service.arrivals.source:
            yield f"services.{sid}.arrivals", service.arrivals.source
        for k, step in enumerate(service.steps):
            for field in ("counter", "backoffice", "approval_days"):
                spec = getattr(step, field)
                if isinstance(spec, Empirical) and spec.source:
                    yield f"services.{sid}.steps[{k}].{field}", spec.source
    patience = scenario.citizens.patience_minutes
    if isinstance(patience, Empirical) and patience.source:
        yield "citizens.patience_minutes", patience.source


def _preprocessing(scenario: Scenario, manifest: Manifest) -> str:
    read = [path for path, source in _data_sources(scenario) if "sha256" in source]
    if not read:
        return "None by the simulator: every number is used as written in the scenario file."
    return (
        "Read from CSV files by the loader: hourly counts give the mean arrivals per working day (all counts / "
        "days) and the hour-of-day profile (the mean count of each opening hour, per 60 minutes for a shorter last "
        "hour); daily "
        "counts give the mean per working day; samples of times are used as observed (sampled with "
        "replacement). No outliers are removed and no gaps filled. Fields read so: "
        + ", ".join(f"`{path}`" for path in read)
        + "."
    )


def _spec(spec: Spec | None) -> str:
    """'lognormal(mean 15, sd 5)', '20', 'empirical(230 values, mean 12.4)'."""
    if spec is None:
        return "none"
    if isinstance(spec, Fixed):
        return f"{spec.value:g}"
    if isinstance(spec, Empirical):
        return f"empirical({len(spec.values)} values, mean {spec.expected():.3g})"
    fields = spec.model_dump(exclude={"dist"})
    return f"{spec.model_dump()['dist']}({', '.join(f'{key} {value:g}' for key, value in fields.items())})"


def _parameters(scenario: Scenario, manifest: Manifest) -> str:
    agencies = ["| agency | counters | back office | travel min | competence | error rate | pickup min | wage/hour |",
                "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    agencies += [
        f"| `{aid}` | {a.counters} | {a.backoffice} | {a.travel_minutes:g} | {a.competence:g} | {a.error_rate:g} "
        f"| {a.pickup_minutes:g} | {a.wage_per_hour:g} |"
        for aid, a in scenario.agencies.items()
    ]
    steps = ["| service.step | agency | counter (min) | back office (min) | approval (working days) | requires |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    steps += [
        f"| `{sid}.{step.id}` | `{step.agency}` | {_spec(step.counter)} | {_spec(step.backoffice)} "
        f"| {_spec(step.approval_days)} | {', '.join(step.requires) or '-'} |"
        for sid, service in scenario.services.items()
        for step in service.steps
    ]
    services = [
        f"`{sid}`: {s.arrivals.per_day:g} per working day, profile "
        f"{[round(w, 3) for w in s.arrivals.profile] if s.arrivals.profile else 'flat'}, standard {s.standard_days:g} "
        f"working days, fee {s.fee:g}"
        for sid, s in scenario.services.items()
    ]
    documents = [f"`{did}`: p_defective {d.p_defective:g}" + (", held by government" if d.held_by_government else "")
                 for did, d in scenario.documents.items()]  # fmt: skip
    c = scenario.citizens
    patience = f"{_spec(c.patience_minutes)} minutes" if c.patience_minutes else "until closing time"
    citizens = (
        f"patience {patience}, max_visits {c.max_visits}, rework_days {c.rework_days}, "
        f"cost_per_trip {c.cost_per_trip:g}"
    )
    return "\n\n".join(
        [
            "Base case (every default filled in; `scenario.yaml` has them all). Stochastic inputs are "
            "distributions of minutes or working days; arrivals are Poisson; documents are defective at random.",
            "\n".join(agencies),
            "\n".join(steps),
            "Services:\n\n" + _bullets(services),
            "Documents:\n\n" + (_bullets(documents) if documents else "none"),
            f"Citizens: {citizens}.",
            "Changes under each configuration: item 2.3. "
            f"{NOT_FILLED} why each theoretical distribution was chosen; see the comments of the scenario file.",
        ]
    )


def _assumptions(scenario: Scenario, manifest: Manifest) -> str:
    return (
        _bullets(
            [
                "Arrivals are Poisson, independent between services and days; no seasonality beyond the "
                "hour-of-day profile.",
                "Travel times are fixed per agency; every citizen lives at the same distance.",
                "Information contacts (asking what to bring) are not modelled.",
                "Documents are defective independently of each other and of the citizen.",
                "Staff are present all opening hours: no breaks, absences or overtime.",
            ]
        )
        + f"\n\n{NOT_FILLED} the assumptions behind the scenario's numbers; see the comments of the scenario file."
    )


def _initialisation(scenario: Scenario, manifest: Manifest) -> str:
    suggested = manifest.get("suggested_warmup_days")
    method = (
        f"MSER-5 of this study suggests {suggested} working days."
        if suggested is not None
        else "The scenario sets it; `run_sim.py warmup` suggests one with MSER-5 (White, 1997)."
    )
    return (
        "Offices that never stop, observed over a finite horizon of arrivals (the run then goes on until every "
        "journey has ended): every replication starts empty and idle "
        "(deterministic initial conditions, no pre-loaded queues). Warm-up: citizens arriving in the first "
        f"{scenario.warmup_days} working days are simulated but not counted. {method}"
    )


def _run_length(scenario: Scenario, manifest: Manifest) -> str:
    calendar = scenario.calendar
    return (
        f"{manifest.get('horizon_days', scenario.horizon_days)} working days of arrivals from "
        f"{calendar.start.isoformat()} (day 0), open {calendar.open}-{calendar.close} on "
        f"{', '.join(calendar.workdays)}, {len(calendar.holidays)} holiday(s); the run goes on until every "
        "journey has ended. Time unit: the minute (durations ending in `_days` are working days)."
    )


def _estimation(scenario: Scenario, manifest: Manifest) -> str:
    replications = manifest.get("replications", scenario.replications)
    precision = manifest.get("precision")
    why = (
        f"The number was reached by the replications algorithm of Hoad, Robinson and Davies (2010): {precision}"
        if precision
        else f"{NOT_FILLED} why this number of replications; `--precision` chooses it from the half-widths."
    )
    return (
        f"Independent replications: {replications} per configuration, seed {manifest.get('seed', scenario.seed)}; "
        "common random numbers, so replication r of every configuration meets the same citizens with the same "
        f"luck and comparisons are paired. 95% Student t intervals over replications. {why}"
    )


def _software(scenario: Scenario, manifest: Manifest) -> str:
    versions = manifest.get("versions") or {}
    listed = ", ".join(f"{name} {version}" for name, version in versions.items())
    return (
        f"Python with SimPy (process interaction). Versions: {listed or NOT_FILLED + ' no versions recorded'}. "
        f"Operating system: {manifest.get('platform') or NOT_FILLED + ' not recorded'}."
    )


def _sampling(scenario: Scenario, manifest: Manifest) -> str:
    return (
        "NumPy's PCG64 generator. One `SeedSequence(seed, spawn_key=(replication, crc32(stream name), ...))` per "
        "named stream: the arrivals of each service, and for citizens one stream per kind of draw (defects per "
        "document, online channel, patience, return time, and counter time, back-office time, approval time and "
        "product error per step). A citizen's draw is keyed by (stream, citizen, attempt), drawn in blocks of "
        "1,024 citizens, so every configuration sees the same draws (common random numbers) whatever the "
        "order of events or the number of worker processes."
    )


def _execution(scenario: Scenario, manifest: Manifest) -> str:
    command = " ".join(str(part) for part in manifest.get("command_line") or []) or NOT_FILLED + " not recorded"
    return (
        "SimPy's process-interaction world view: each citizen is a process; events at the same time run in the "
        "order they were scheduled. Staff serve their queue first come, first served; no priorities. "
        "Replications of every configuration run as independent tasks on local processes, in this process or on "
        "Dask workers; results come back in a fixed order and do not depend on the executor or the number of "
        f"workers. Command line: `{command}`."
    )


def _system(scenario: Scenario, manifest: Manifest) -> str:
    started, ended = manifest.get("started"), manifest.get("ended")
    took = (
        f"{(datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds():.0f} s of simulation "
        f"({started} to {ended})"
        if started and ended
        else NOT_FILLED + " run time not recorded"
    )
    cpus = manifest.get("cpus")
    return (
        f"Run time: {took}. Platform: {manifest.get('platform') or NOT_FILLED + ' not recorded'}; "
        + (f"{cpus} logical processors." if cpus else f"{NOT_FILLED} processors not recorded.")
        + f" {NOT_FILLED} processor model and memory."
    )


def _sharing(scenario: Scenario, manifest: Manifest) -> str:
    version = (manifest.get("versions") or {}).get("simulator", "unknown")
    file = Path(str(manifest.get("scenario_file", "scenario.yaml"))).name
    return (
        f"The model is the `simulator` package (servicecycle) version {version}; this run folder holds the "
        f"scenario as run (`scenario.yaml`, which loads again), the command line and the versions "
        f"(`manifest.json`); the scenario file `{_plain(file)}` has sha256 "
        f"{manifest.get('scenario_sha256', 'unknown')}. "
        f"{NOT_FILLED} the address of the code repository, its licence and a DOI."
    )


FILLERS: dict[str, Item] = {
    "1.1": _purpose,
    "1.2": _outputs,
    "1.3": _aims,
    "2.1": _diagram,
    "2.2": _logic,
    "2.3": _scenario_logic,
    "2.4": _algorithms,
    "2.5.1": _entities,
    "2.5.2": _activities,
    "2.5.3": _resources,
    "2.5.4": _queues,
    "2.5.5": _entry_exit,
    "3.1": _sources,
    "3.2": _preprocessing,
    "3.3": _parameters,
    "3.4": _assumptions,
    "4.1": _initialisation,
    "4.2": _run_length,
    "4.3": _estimation,
    "5.1": _software,
    "5.2": _sampling,
    "5.3": _execution,
    "5.4": _system,
    "6.1": _sharing,
}
"""How each item is filled."""
