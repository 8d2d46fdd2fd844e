"""Presets and levers -> the resolved setup of one configuration.

A `Setup` is everything the model needs to run one configuration: its levers,
the catalogue as the configuration changes it, the pooled front office's staff,
and for every service a `ServicePlan` saying where each step is submitted,
what is checked there and which outputs reach the citizen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean

from simulator.scenario.schema import FRONT_OFFICE, Bundle, Catalogue, Levers, Roster, Scenario, Service


@dataclass(frozen=True)
class StepPlan:
    """How one step runs under a configuration."""

    index: int
    id: str
    agency: str
    desk: str
    """Where the step is submitted and its output picked up: an agency or the front office."""
    predecessors: tuple[int, ...]
    documents: tuple[str, ...]
    """Documents checked at submission (those the government holds are looked up under once-only)."""
    looked_up: tuple[str, ...]
    """Documents the government holds, looked up under once-only instead of asked of the citizen."""
    carried: int
    """Outputs of earlier steps the citizen hands over (citizen hand-off only)."""
    backoffice_work: bool
    """The step takes an officer's hands-on work."""
    approval: bool
    """The step waits for an approval (occupying nobody)."""
    to_citizen: bool
    """The output reaches the citizen (rather than the next back office)."""
    at_counter: bool
    """The output is handed over at the counter when the submission is accepted."""
    awaited: bool
    """A later step's back-office flow waits for this output (back-office hand-off only)."""
    same_day: bool
    """The output is collected on the trip it was submitted on, if it is ready before closing."""
    part: int
    """Which service of a life event the step belongs to (0 for a service): one sitting is one service's."""

    @property
    def has_work(self) -> bool:
        """True when the output takes back-office work or an approval wait."""
        return self.backoffice_work or self.approval


@dataclass(frozen=True)
class ServicePlan:
    """The steps of one service under a configuration, in the order of the file."""

    id: str
    steps: tuple[StepPlan, ...]
    standard_days: float
    fee: float


@dataclass(frozen=True)
class Setup:
    """One configuration, resolved: levers, staff, travel and the changed catalogue."""

    name: str
    levers: Levers
    online_share: float
    walk_minutes: float
    handoff_minutes: float
    handoff_between: Mapping[str, Mapping[str, float]]
    lookup_failure: float
    front_office_counters: Roster
    front_office_travel_minutes: float
    front_office_wage: float
    catalogue: Catalogue
    services: dict[str, ServicePlan]

    @property
    def single(self) -> bool:
        """True when one pooled front office takes every step."""
        return self.levers.front_office == "single"

    @property
    def desks(self) -> dict[str, Roster]:
        """Every place citizens queue, with its staff."""
        if self.single:
            return {FRONT_OFFICE: self.front_office_counters}
        return {name: agency.counters for name, agency in self.catalogue.agencies.items()}

    def competence(self, agency: str) -> float:
        return self.catalogue.agencies[agency].competence

    def travel_from_home(self, desk: str) -> float:
        """One way between home and a desk."""
        if self.single or self.levers.co_located:
            return self.front_office_travel_minutes
        return self.catalogue.agencies[desk].travel_minutes

    def handoff(self, source: str, target: str) -> float:
        """Working minutes for a file to move from one back office (or the front office) to another's."""
        return self.handoff_between.get(source, {}).get(target, self.handoff_minutes)

    def travel_between(self, desk: str) -> float:
        """Moving on to `desk` from another desk on the same trip."""
        if self.levers.co_located:
            return self.walk_minutes
        return self.catalogue.agencies[desk].travel_minutes


def resolve(scenario: Scenario, name: str) -> Setup:
    """The setup of configuration `name` of a (validated) scenario."""
    configuration = scenario.configurations[name]
    catalogue = scenario.catalogue(name)
    levers = configuration.levers
    agencies = catalogue.agencies.values()
    return Setup(
        name=name,
        levers=levers,
        online_share=configuration.online_share,
        walk_minutes=configuration.walk_minutes,
        handoff_minutes=configuration.handoff_minutes,
        handoff_between=configuration.handoff_between,
        lookup_failure=configuration.lookup_failure,
        front_office_counters=configuration.front_office_counters
        or Roster(default=sum(a.counters.default for a in agencies)),
        front_office_travel_minutes=(
            configuration.front_office_travel_minutes
            if configuration.front_office_travel_minutes is not None
            else min(a.travel_minutes for a in agencies)
        ),
        front_office_wage=fmean(a.wage_per_hour for a in agencies),
        catalogue=catalogue,
        services={sid: plan_service(sid, service, catalogue, levers) for sid, service in catalogue.services.items()},
    )


def plan_service(service_id: str, service: Service, catalogue: Catalogue, levers: Levers) -> ServicePlan:
    """Where each step of a service is submitted and what reaches the citizen."""
    index = {step.id: i for i, step in enumerate(service.steps)}
    finals = set(service.final_steps())
    members = service.members if isinstance(service, Bundle) else [service_id] * len(service.steps)
    parts = list(dict.fromkeys(members))
    by_citizen = levers.handoff == "citizen"
    awaited = {p for step in service.steps for p in service.predecessors(step)}
    plans = []
    for i, step in enumerate(service.steps):
        predecessors = tuple(index[p] for p in service.predecessors(step))
        held = [r for r in step.requires if r in catalogue.documents and catalogue.documents[r].held_by_government]
        looked_up = tuple(held) if levers.once_only else ()
        documents = tuple(r for r in step.requires if r in catalogue.documents and r not in looked_up)
        plans.append(
            StepPlan(
                index=i,
                id=step.id,
                agency=step.agency,
                desk=FRONT_OFFICE if levers.front_office == "single" else step.agency,
                predecessors=predecessors,
                documents=documents,
                looked_up=looked_up,
                carried=sum(1 for r in step.requires if r in index) if by_citizen else 0,
                backoffice_work=not step.backoffice.is_zero,
                approval=not step.approval_days.is_zero,
                to_citizen=by_citizen or step.id in finals,
                at_counter=not step.has_work and (by_citizen or not predecessors),
                awaited=not by_citizen and step.id in awaited,
                same_day=step.pickup == "same_day",
                part=parts.index(members[i]),
            )
        )
    return ServicePlan(service_id, tuple(plans), service.standard_days, service.fee)
