"""Offered load: the work that arrives at each desk and back office, per unit of staff time.

The work of a citizen is what the model expects them to bring: every
submission sitting, the resubmissions after rejections (from the documents'
defect probabilities, under the configuration's reveal rule and once-only
lever), every pickup, and the back-office work, redone after product errors.
A desk's *mean* load is that work over the day's staff time; its *peak* load
is the same in the busiest opening hour of the services' arrival profiles
(returns follow the profile too). Hour by hour, the work beyond what the
staff can do piles up: the longest such pile, in minutes, is the wait the
busiest hours build even without chance. A back office's queue carries over
from hour to hour, so only its mean counts.

Warnings: a mean load of 1 or more (the queue can only grow), or a pile-up
longer than the scenario's acceptable wait. A mean load above `HOPELESS` is
refused before a run (unless forced): queues would grow without bound and the
run would end only at `max_in_system`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator.model.calendar import WorkCalendar
from simulator.model.configurations import ServicePlan, Setup, resolve
from simulator.model.office import DayProfile
from simulator.scenario.schema import FRONT_OFFICE, Roster, Scenario

HOPELESS = 1.5
"""A mean offered load above this is refused: half as much work again as the staff can do, every day.

Not 1: the load is an estimate (independent defects, nobody giving up), and a
run a little above 1 over a short horizon still shows how queues build up.
"""


class HopelessLoadError(Exception):
    """A run refused before it starts: a place gets far more work than its staff can do."""


@dataclass(frozen=True)
class Load:
    """The offered load of one desk or back office under one configuration."""

    configuration: str
    place: str
    """An agency's counters, its back office, or the pooled front office, in words."""
    staff: float
    """Staff on duty, on average over the opening hours (a roster's changes included)."""
    work: float
    """Staff minutes of work arriving per working day."""
    minutes: float
    """Working minutes in a day."""
    mean: float
    """Work over staff time, over the day."""
    peak: float
    """Work over staff time in the busiest opening hour."""
    peak_hour: str
    """When that hour starts (HH:MM); empty for a back office, whose queue carries over (its peak is its mean)."""
    pile_up: float
    """The longest wait the hours' work beyond the staff's builds up without chance (minutes; 0 in a back office)."""

    @property
    def staff_needed(self) -> int:
        """The fewest staff that bring the mean load below 1."""
        return math.floor(self.work / self.minutes) + 1


def sittings(plan: ServicePlan, setup: Setup) -> list[float]:
    """The expected submission sittings of each step per citizen: the first and those after rejections.

    A defective document is found at the first step (in the order of the file)
    that checks it and stays fixed afterwards. With `reveal: one` each defect
    costs a sitting of its own; with `reveal: all` the defects found together
    cost one. A single front office checks the whole file in each sitting.
    Steps sat together at one agency desk can also be turned away for a defect
    another of them found; that is not counted (a slight underestimate).
    """
    documents = setup.catalogue.documents

    def resubmissions(checked: Iterable[str]) -> float:
        defects = [documents[doc].p_defective for doc in checked]
        if setup.levers.reveal == "one":
            return sum(defects)
        return 1 - math.prod(1 - p for p in defects)

    if setup.single:
        again = resubmissions(dict.fromkeys(doc for step in plan.steps for doc in step.documents))
        return [1 + again for _ in plan.steps]
    seen: set[str] = set()
    counts = []
    for step in plan.steps:
        new = [doc for doc in step.documents if doc not in seen]
        seen.update(new)
        counts.append(1 + resubmissions(new))
    return counts


def offered_load(scenario: Scenario, configurations: Sequence[str] | None = None) -> list[Load]:
    """The offered load of every desk and back office under each configuration (all of them by default)."""
    calendar = WorkCalendar(scenario.calendar)
    minutes = calendar.day_length
    loads = []
    for name in configurations or scenario.configurations:
        setup = resolve(scenario, name)
        agencies = setup.catalogue.agencies
        profiles = [DayProfile(calendar, service.arrivals.profile) for service in setup.catalogue.services.values()]
        lengths = profiles[0].usual.lengths
        starts = profiles[0].usual.starts
        desk_work = {desk: np.zeros(len(lengths)) for desk in setup.desks}
        """Counter minutes arriving in each opening hour of a day."""
        office_work = dict.fromkeys(agencies, 0.0)
        for (service_id, plan), profile in zip(setup.services.items(), profiles, strict=True):
            service = setup.catalogue.services[service_id]
            per_day = service.arrivals.per_day
            in_hour = per_day * profile.usual.rates
            for step, spec, count in zip(plan.steps, service.steps, sittings(plan, setup), strict=True):
                agency = agencies[step.agency]
                outputs = 1 / (1 - agency.error_rate) if step.has_work else 1.0
                """Outputs made per output received: a wrong one is made again (only made outputs can be wrong)."""
                counter = count * spec.counter.expected() * agency.competence * (1 - setup.online_share)
                if not step.at_counter and step.to_citizen and setup.levers.delivery == "in_person":
                    counter += outputs * agency.pickup_minutes
                needed = 1.0 if spec.share is None else spec.share  # an optional step, or an option
                desk_work[step.desk] += in_hour * needed * counter
                office_work[step.agency] += per_day * needed * outputs * spec.backoffice.expected() * agency.competence
        for desk, work in desk_work.items():
            if work.any():
                where = "the front office" if desk == FRONT_OFFICE else f"the counters of {desk!r}"
                on_duty = usual_staff(setup.desks[desk], scenario, starts, lengths)
                staff = float((on_duty * lengths).sum() / minutes)
                hourly = np.divide(work, on_duty * lengths, out=np.full(len(work), np.inf), where=on_duty > 0)
                busiest = int(np.argmax(hourly))
                total = float(work.sum())
                peak, start = float(hourly[busiest]), _clock(calendar.open + 60 * busiest)
                mean = total / (staff * minutes)
                loads.append(Load(name, where, staff, total, minutes, mean, peak, start, pile_up(hourly, lengths)))
        for agency_id, office in office_work.items():
            if office:
                staff = float((usual_staff(agencies[agency_id].backoffice, scenario, starts, lengths) * lengths).sum())
                staff /= minutes
                mean = office / (staff * minutes)
                loads.append(Load(name, f"the back office of {agency_id!r}", staff, office, minutes, mean, mean, "", 0))
    return loads


def usual_staff(
    roster: Roster, scenario: Scenario, starts: NDArray[np.float64], lengths: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Staff on duty in each hour of the usual opening hours, on average over the working weekdays."""
    if roster.constant:
        return np.full(len(starts), float(roster.default))
    weekdays = scenario.calendar.workdays
    return np.array(
        [
            sum(roster.staff_minutes(day, start, start + length) for day in weekdays) / (len(weekdays) * length)
            for start, length in zip(starts, lengths, strict=True)
        ]
    )


def pile_up(hourly: Iterable[float], lengths: Iterable[float]) -> float:
    """The longest wait that work beyond the staff's builds up hour by hour from an empty desk at opening.

    Each hour adds (load - 1) x its minutes to a pile that never goes below 0:
    the minutes a citizen joining then waits, even if nothing varied by chance.

    >>> pile_up([1.5, 1.2, 0.5, 0.5], [60, 60, 60, 60])
    42.0
    """
    pile = longest = 0.0
    for load, length in zip(hourly, lengths, strict=True):
        pile = max(0.0, pile + (load - 1) * length)
        longest = max(longest, pile)
    return longest


def overloads(loads: Iterable[Load], acceptable_wait: float) -> list[str]:
    """A warning for each place with a mean load of 1 or more, or whose busiest hours pile up a longer wait."""
    warnings = []
    for load in loads:
        where = f"configuration {load.configuration!r}: {load.place} is overloaded"
        if load.mean >= 1:
            warnings.append(
                f"{where} (offered load {load.mean:.2f}, rework included: work arrives faster than "
                f"{load.staff:g} staff can do it; {load.staff_needed} would bring it below 1)"
            )
        elif load.pile_up > acceptable_wait:
            warnings.append(
                f"{where} in its busiest hours (offered load {load.peak:.2f} from {load.peak_hour}, {load.mean:.2f} "
                f"over the day): the work piles up into a wait of {load.pile_up:.0f} minutes even without chance, "
                f"more than the acceptable {acceptable_wait:g}"
            )
    return warnings


def refuse_hopeless(loads: Sequence[Load], where: str = "") -> None:
    """Raise HopelessLoadError, saying why and what to do, if a place's mean load is above `HOPELESS`."""
    found = [load for load in loads if load.mean > HOPELESS]
    if not found:
        return
    worst = max(found, key=lambda load: load.mean)
    more = len(found) - 1
    others = f" (and {more} more place{'s' if more > 1 else ''})" if more else ""
    raise HopelessLoadError(
        f"{where}configuration {worst.configuration!r}: {worst.place} would get {worst.mean:.2f} times the work "
        f"its {worst.staff:g} staff can do{others}, rework included: queues would grow without bound (a mean "
        f"offered load above {HOPELESS} is refused). Give it at least {worst.staff_needed} staff or fewer "
        f"arrivals, or add --force to run it anyway"
    )


def load_table(loads: Iterable[Load]) -> str:
    """Every place's mean and peak-hour offered load and the wait its busiest hours pile up, one line each."""
    head = ("configuration", "place", "mean load", "peak-hour load", "from", "pile-up (min)")
    rows = [
        (load.configuration, load.place, f"{load.mean:.2f}", f"{load.peak:.2f}", load.peak_hour or "-",
         f"{load.pile_up:.0f}" if load.peak_hour else "-")
        for load in loads
    ]  # fmt: skip
    first, second = (max(len(row[k]) for row in [head, *rows]) for k in (0, 1))
    return "\n".join(
        f"{name:<{first}}  {place:<{second}}  {mean:>9}  {peak:>14}  {start:>5}  {pile:>13}"
        for name, place, mean, peak, start, pile in [head, *rows]
    )


def _clock(minute: float) -> str:
    return f"{int(minute // 60):02d}:{int(minute % 60):02d}"
