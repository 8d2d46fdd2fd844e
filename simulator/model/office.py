"""What the citizens of one run share: the world (clock, calendar, staff, draws) and each service's route.

Journeys read the world; they do not start it (model.run builds the world and lets citizens in).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from statistics import fmean
from typing import NamedTuple

import numpy as np
import simpy
from numpy.typing import NDArray

from simulator.model.calendar import DAY, WorkCalendar
from simulator.model.configurations import ServicePlan, Setup
from simulator.model.processes import start
from simulator.model.records import Recorder
from simulator.model.staff import RankedPool, StaffPool, follow_roster
from simulator.model.streams import KeyedStream, Streams, Transform
from simulator.scenario.schema import FRONT_OFFICE, Appointments, Bundle, Roster, Scenario, Service


class Slots(NamedTuple):
    """The opening hours of one kind of day, cut into hours, with a service's arrivals in them."""

    starts: NDArray[np.float64]
    """Minute after midnight each slot begins."""
    lengths: NDArray[np.float64]
    rates: NDArray[np.float64]
    """Expected arrivals in each slot per arrival a usual day brings."""
    edges: list[float]
    """Cumulative shares of the day's arrivals at the end of each slot."""
    spans: list[tuple[float, float]]
    """Each slot's start and length as Python numbers (`offset` reads one at a time, faster than from an array)."""


class DayProfile:
    """How a service's arrivals spread over the opening hours of a day.

    The profile gives a weight to each hour of the usual opening hours. A weekday
    with other hours takes the weight of the usual hour at the same time of day
    (the nearest usual hour outside them), so a Saturday morning has the arrival
    rate of a usual morning and brings fewer arrivals than a whole day.
    """

    def __init__(
        self, calendar: WorkCalendar, weights: list[float] | None, usual: tuple[float, float] | None = None
    ) -> None:
        self.calendar = calendar
        self.opens, closes = usual or (calendar.open, calendar.close)
        """The hours the weights are given for: the scenario's usual hours (a configuration may keep others)."""
        hours = np.arange(self.opens, closes, 60.0)
        self._weights = np.ones(len(hours)) if weights is None else np.asarray(weights, dtype=np.float64)
        self._usual_mass = float((self._weights * np.minimum(60.0, closes - hours)).sum())
        self._slots: dict[tuple[float, float], Slots] = {}
        self.usual = self._cut(calendar.open, calendar.close)

    def slots(self, day: int) -> Slots:
        """The slots of working day `day`."""
        if self.calendar.uniform:
            return self.usual
        hours = self.calendar.hours(day)
        found = self._slots.get(hours)
        if found is None:
            found = self._slots[hours] = self._cut(*hours)
        return found

    def _cut(self, opens: float, closes: float) -> Slots:
        starts = np.arange(opens, closes, 60.0)
        lengths = np.minimum(60.0, closes - starts)
        usual_slot = np.clip((starts - self.opens) // 60, 0, len(self._weights) - 1).astype(np.int64)
        mass = self._weights[usual_slot] * lengths
        cumulative = np.cumsum(mass)
        edges = cumulative / cumulative[-1] if cumulative[-1] > 0 else np.linspace(0, 1, len(mass) + 1)[1:]
        spans = list(zip(starts.tolist(), lengths.tolist(), strict=True))
        return Slots(starts, lengths, mass / self._usual_mass, edges.tolist(), spans)

    def offset(self, u: float, day: int) -> float:
        """Minutes after midnight at which a citizen with uniform draw `u` turns up on working day `day`."""
        slots = self.slots(day)
        edges = slots.edges
        slot = min(bisect.bisect_right(edges, u), len(edges) - 1)
        below = edges[slot - 1] if slot else 0.0
        within = min(max((u - below) / (edges[slot] - below), 0.0), 1.0)
        begins, length = slots.spans[slot]
        return begins + within * length


class Route:
    """What every citizen of one service meets under a configuration: its steps and their draws."""

    __slots__ = (
        "approval_time", "asked", "back_office", "book", "booked_step", "branches", "competence", "counter_time",
        "documents", "error_rate", "finals", "handoff_minutes", "labels", "lookups", "openers", "pickup_minutes",
        "predecessors", "product_error", "profile", "rework_days", "sittings", "steps", "unlocks", "work_time",
    )  # fmt: skip

    def __init__(self, world: World, plan: ServicePlan, defect: dict[str, KeyedStream]) -> None:
        setup, keyed = world.setup, world.streams.keyed
        service = setup.catalogue.services[plan.id]
        agencies = setup.catalogue.agencies
        self.steps = plan.steps
        self.labels = [step.id for step in plan.steps]
        self.predecessors = [step.predecessors for step in plan.steps]
        by_citizen = not world.by_back_office
        self.openers = [step.index for step in plan.steps if not (by_citizen and step.predecessors)]
        """The steps a citizen may submit on arrival; under citizen hand-off, those that need no earlier output."""
        self.unlocks = [
            [later.index for later in plan.steps if by_citizen and step.index in later.predecessors]
            for step in plan.steps
        ]
        """For each step, the steps that need its output in the citizen's hands."""
        self.finals = [step.index for step in plan.steps if step.to_citizen]
        self.sittings = [
            frozenset(
                other.index
                for other in plan.steps
                if other.desk == step.desk and (world.single or other.part == step.part)
            )
            for step in plan.steps
        ]
        """For each step, the steps that may be done in the same sitting: at its desk, and of its service
        (under a single window, of any service)."""
        self.back_office = not all(step.at_counter and step.to_citizen for step in plan.steps)
        """Some output is made in a back office or passed to one (else every output is handed over at once)."""
        self.profile = DayProfile(world.calendar, service.arrivals.profile, world.usual_hours)
        names = [f"{plan.id}:{step.id}" for step in service.steps]
        competence = [setup.competence(step.agency) for step in service.steps]
        day = world.calendar.day_length
        self.counter_time = [
            keyed(f"counter:{name}", _scaled(step.counter.quantile, factor))
            for name, step, factor in zip(names, service.steps, competence, strict=True)
        ]
        self.work_time = [
            keyed(f"backoffice:{name}", _scaled(step.backoffice.quantile, factor))
            for name, step, factor in zip(names, service.steps, competence, strict=True)
        ]
        self.approval_time = [
            keyed(f"approval:{name}", _scaled(step.approval_days.quantile, day))
            for name, step in zip(names, service.steps, strict=True)
        ]
        self.product_error = [keyed(f"error:{name}") for name in names]
        self.error_rate = [agencies[step.agency].error_rate for step in plan.steps]
        self.pickup_minutes = [agencies[step.agency].pickup_minutes for step in plan.steps]
        documents = setup.catalogue.documents
        self.documents = [
            (doc, documents[doc].p_defective, defect[doc])
            for doc in dict.fromkeys(doc for step in plan.steps for doc in step.documents)
        ]
        self.asked = [step.documents for step in plan.steps]
        """The documents each step asks of the citizen (a citizen whose lookups fail is asked more)."""
        looked_up = list(dict.fromkeys(doc for step in plan.steps for doc in step.looked_up))
        self.lookups = [(doc, keyed(f"lookup:{doc}")) for doc in looked_up] if setup.lookup_failure else []
        """Documents looked up under once-only, each with the stream that decides whether its lookup fails."""
        rework = world.scenario.citizens.rework_days
        self.rework_days = {doc: documents[doc].rework_days or rework for doc in [*self.asked_once(), *looked_up]}
        self.handoff_minutes = [
            max(setup.handoff(source, step.agency) for source in {plan.steps[p].agency for p in step.predecessors}
                or {FRONT_OFFICE})
            for step in plan.steps
        ]  # fmt: skip
        """Working minutes of each step's file hand-off, from the slowest of the back offices it comes from."""
        """Working days to fix each document once it is named wrong."""
        self.competence = fmean(setup.competence(agency) for agency in dict.fromkeys(s.agency for s in plan.steps))
        self.branches = branches(plan.id, service, keyed)
        """Steps not every citizen needs: an optional step, or the options of an alternative."""
        appointments = service.appointments
        self.book = AppointmentBook(appointments, world.calendar) if appointments and appointments.share else None
        self.booked_step = next(
            (i for i, step in enumerate(plan.steps) if appointments and step.id == appointments.step), 0
        )
        """The step whose sitting is booked (under a single window, the whole file's sitting)."""


    def asked_once(self) -> list[str]:
        """Every document some step asks of the citizen, once each."""
        return [doc for doc, _, _ in self.documents]


Branch = tuple[list[list[int]], list[float], KeyedStream]
"""Options (each some steps), the cumulative shares of citizens who need each, and the stream that draws:
a citizen needs the first option whose share exceeds the draw, and none if no share does."""


def branches(service_id: str, service: Service, keyed: Callable[[str], KeyedStream]) -> list[Branch]:
    """The optional steps, alternatives and optional services of a life event, each drawn once per citizen."""
    found: list[Branch] = []
    options: dict[str, list[int]] = {}
    for i, step in enumerate(service.steps):
        if step.alternative is not None:
            options.setdefault(step.alternative, []).append(i)
        elif step.share is not None and step.share < 1:
            found.append(([[i]], [step.share], keyed(f"branch:{service_id}:{step.id}")))
    for name, indices in options.items():
        edges = list(itertools.accumulate(service.steps[i].share or 0.0 for i in indices))
        edges[-1] = 1.0  # the shares add up to 1: the last option takes whatever rounding leaves
        found.append(([[i] for i in indices], edges, keyed(f"branch:{service_id}:{name}")))
    if isinstance(service, Bundle):
        for member, share in service.needs.items():
            if share < 1:
                steps = [i for i, owner in enumerate(service.members) if owner == member]
                found.append(([steps], [share], keyed(f"branch:{service_id}:{member}")))
    return found


class AppointmentBook:
    """The appointment slots of one service: `slots_per_hour` in each opening hour of a working day.

    A citizen books the earliest free slot from the next working day on, up to
    `book_ahead_days` working days ahead; when all are taken they walk in.
    """

    def __init__(self, spec: Appointments, calendar: WorkCalendar) -> None:
        self.spec = spec
        self.calendar = calendar
        self.gap = 60.0 / spec.slots_per_hour
        self.taken: dict[int, int] = {}
        """Slots taken on each day, counted from its opening: the next free one follows them."""

    def book(self, now: float) -> float | None:
        """The start of the slot booked at `now`, or None when every slot in reach is taken."""
        today = int(now // DAY)
        for ahead in range(1, self.spec.book_ahead_days + 1):
            day = self.calendar.workday_after(today, ahead)
            opens, closes = self.calendar.hours(day)
            taken = self.taken.get(day, 0)
            hour, place = divmod(taken, self.spec.slots_per_hour)
            start = opens + 60 * hour + place * self.gap
            if start < closes:
                self.taken[day] = taken + 1
                return day * DAY + start
        return None


class World:
    """Everything citizens of one run share: clock, calendar, staff and random draws."""

    def __init__(self, scenario: Scenario, setup: Setup, calendar: WorkCalendar, streams: Streams) -> None:
        self.env = simpy.Environment()
        self.scenario = scenario
        self.setup = setup
        self.calendar = calendar
        """The calendar the configuration's offices keep."""
        usual = scenario.calendar
        self.usual_hours = (float(usual.open_minute), float(usual.close_minute))
        """The scenario's usual opening hours, which arrival profiles are given for."""
        self.streams = streams
        self.recorder = Recorder(list(setup.services), tuple(scenario.citizens.groups))
        self.in_system = 0
        self.counted_in_system = 0
        """Counted citizens (arrived after the warm-up, within the horizon) whose journey has not ended."""
        self.admitting_counted = True
        """Counted citizens may still arrive; once not, the run ends with the last counted journey."""
        self.all_counted_ended = self.env.event()
        ranked = bool(scenario.citizens.groups) or any(s.appointments for s in setup.catalogue.services.values())
        self.desks = {name: self.staffed(roster, ranked) for name, roster in setup.desks.items()}
        self.backoffices = {
            name: self.staffed(agency.backoffice, ranked=False) for name, agency in setup.catalogue.agencies.items()
        }
        keyed = self.streams.keyed
        patience = scenario.citizens.patience_minutes
        self.patience = keyed("patience", patience.quantile) if patience is not None else None
        self.returning = keyed("return")
        self.online = keyed("online")
        self.online_share = setup.online_share
        self.lookup_failure = setup.lookup_failure
        defect = {doc: keyed(f"defect:{doc}") for doc in setup.catalogue.documents}
        self.home_travel = {desk: setup.travel_from_home(desk) for desk in setup.desks}
        self.walk_to = {agency: setup.travel_between(agency) for agency in setup.catalogue.agencies}
        """Moving on to another agency's desk on the same trip (a single front office is one desk)."""
        self.closing_time = calendar.closing_time
        levers = setup.levers
        self.single = setup.single
        self.by_back_office = levers.handoff == "backoffice"
        self.in_person = levers.delivery == "in_person"
        self.reveal_one = levers.reveal == "one"
        self.max_visits = scenario.citizens.max_visits
        citizens = scenario.citizens
        self.groups = [(k + 1, group.share, group.priority) for k, group in enumerate(citizens.groups.values())]
        """Each group's code in the recorder, share and priority."""
        self.grouping = keyed("group")
        self.booking, self.no_show, self.walking_in = keyed("booking"), keyed("no_show"), keyed("walk_in")
        self.balk_ahead = math.inf if citizens.balk_ahead is None else citizens.balk_ahead
        rooms = {name: agency.waiting_room for name, agency in setup.catalogue.agencies.items()}
        if setup.single:
            every = list(rooms.values())
            rooms = {FRONT_OFFICE: None if None in every else sum(r for r in every if r is not None)}
        self.room = {desk: math.inf if room is None else room for desk, room in rooms.items()}
        """The most citizens who may wait at each desk."""
        self.turning_away = self.balk_ahead != math.inf or any(room != math.inf for room in self.room.values())
        self.routes = {sid: Route(self, plan, defect) for sid, plan in setup.services.items()}

    def staffed(self, roster: Roster, ranked: bool) -> StaffPool:
        """A pool of staff on duty as the roster says."""
        pool = (RankedPool if ranked else StaffPool)(self.env, roster.default)
        if not roster.constant:
            start(follow_roster(self.env, pool, roster, self.calendar))
        return pool

    def journey_ended(self, counted: bool) -> None:
        """A journey has ended; the run is over when it was the last counted one and no more can come."""
        self.in_system -= 1
        if counted:
            self.counted_in_system -= 1
            self.check_end()

    def check_end(self) -> None:
        if not (self.admitting_counted or self.counted_in_system or self.all_counted_ended.triggered):
            self.all_counted_ended.succeed()

    def busiest(self) -> str:
        """The place with the longest queue, in words."""
        places = [(len(pool.waiting), f"the counters of {name!r}") for name, pool in self.desks.items()]
        places += [(len(pool.waiting), f"the back office of {name!r}") for name, pool in self.backoffices.items()]
        waiting, place = max(places)
        return f"{place} ({waiting:,} waiting)"


def _scaled(quantile: Transform, factor: float) -> Transform:
    def scaled(u: NDArray[np.float64]) -> NDArray[np.float64]:
        return quantile(u) * factor

    return scaled


