"""Offered load: the work that arrives at each desk and back office, per unit of staff time.

A load of 1 or more means the queue can only grow: the scenario is overloaded
there. This counts first submissions, pickups and one round of back-office
work; rejections and product errors only add to it, so it is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.configurations import resolve
from simulator.scenario import FRONT_OFFICE, Scenario


@dataclass(frozen=True)
class Load:
    configuration: str
    place: str
    """An agency's counters, its back office, or the pooled front office, in words."""
    load: float


def offered_load(scenario: Scenario) -> list[Load]:
    """The offered load of every desk and back office, under every configuration."""
    minutes_a_day = scenario.calendar.close_minute - scenario.calendar.open_minute
    loads = []
    for name in scenario.configurations:
        setup = resolve(scenario, name)
        agencies = setup.catalogue.agencies
        desk_work = dict.fromkeys(setup.desks, 0.0)
        office_work = dict.fromkeys(agencies, 0.0)
        for service_id, plan in setup.services.items():
            service = setup.catalogue.services[service_id]
            per_day = service.arrivals.per_day
            for step, spec in zip(plan.steps, service.steps, strict=True):
                agency = agencies[step.agency]
                desk_work[step.desk] += per_day * (1 - setup.online_share) * spec.counter.expected() * agency.competence
                if step.to_citizen and step.has_work and setup.levers.delivery == "in_person":
                    desk_work[step.desk] += per_day * agency.pickup_minutes
                office_work[step.agency] += per_day * spec.backoffice.expected() * agency.competence
        for desk, work in desk_work.items():
            if not work:
                continue
            where = "the front office" if desk == FRONT_OFFICE else f"the counters of {desk!r}"
            loads.append(Load(name, where, work / (setup.desks[desk] * minutes_a_day)))
        for agency_id, work in office_work.items():
            if work:
                staff = agencies[agency_id].backoffice
                loads.append(Load(name, f"the back office of {agency_id!r}", work / (staff * minutes_a_day)))
    return loads


def overloads(scenario: Scenario) -> list[str]:
    """A warning for each place whose offered load is 1 or more."""
    return [
        f"configuration {load.configuration!r}: {load.place} is overloaded "
        f"(offered load {load.load:.2f}: work arrives faster than the staff can do it)"
        for load in offered_load(scenario)
        if load.load >= 1
    ]
