"""The SimPy world of one run: desks, back offices, draws and arriving citizens.

`simulate(scenario, configuration, replication)` is a pure function of its
arguments: it builds the world, lets every citizen of the horizon live their
service cycle until each journey has ended, and returns the recorded logs.
So that the last counted citizens meet a normal office rather than an emptied
one, citizens go on arriving after the horizon (simulated, not counted) until
every counted journey has ended.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable, Iterator
from statistics import fmean

import numpy as np
import simpy
from numpy.typing import NDArray

from simulator.calendar import DAY, WorkCalendar
from simulator.configurations import ServicePlan, Setup, resolve
from simulator.journey import Journey
from simulator.processes import start
from simulator.records import Recorder, RunRecords
from simulator.scenario import Scenario
from simulator.streams import KeyedStream, Streams, Transform


class StaffPool:
    """Staff serving one first-come-first-served queue: a desk's counters or a back office.

    A citizen joins with a deadline (patience, or closing time). One whose
    deadline has passed when their turn comes has already gone home and is
    skipped; their process learns it then, and the record keeps the deadline.
    """

    __slots__ = ("env", "free", "impatient", "waiting")

    def __init__(self, env: simpy.Environment, staff: int) -> None:
        self.env = env
        self.free = staff
        self.waiting: deque[tuple[simpy.Event, float]] = deque()
        self.impatient = 0
        """How many of the waiting have a deadline (the others wait for as long as it takes)."""

    def join(self, deadline: float = math.inf) -> simpy.Event | None:
        """None when served at once, else an event whose value says whether they were served."""
        if self.free > 0:
            self.free -= 1
            return None
        ticket = simpy.Event(self.env)
        self.waiting.append((ticket, deadline))
        if deadline != math.inf:
            self.impatient += 1
        return ticket

    def people_waiting(self) -> int:
        """Citizens still waiting now (not counting those who have given up)."""
        if not self.impatient:
            return len(self.waiting)
        now = self.env.now
        return sum(1 for _, deadline in self.waiting if deadline > now)

    def release(self) -> None:
        """One of the staff is free: serve the next citizen who is still there."""
        waiting = self.waiting
        if waiting:
            now = self.env.now
            while waiting:
                ticket, deadline = waiting.popleft()
                if deadline != math.inf:
                    self.impatient -= 1
                served = deadline > now
                ticket.succeed(served)
                if served:
                    return
        self.free += 1


class OverloadError(Exception):
    """More citizens in the system at once than the scenario's `max_in_system`."""


class DayProfile:
    """How a service's arrivals spread over the opening hours of a day."""

    def __init__(self, calendar: WorkCalendar, weights: list[float] | None) -> None:
        self.starts = np.arange(calendar.open, calendar.close, 60.0)
        self.lengths = np.minimum(60.0, calendar.close - self.starts)
        mass = (np.ones(len(self.starts)) if weights is None else np.asarray(weights)) * self.lengths
        self.shares = mass / mass.sum()
        cumulative = np.cumsum(mass)
        self._edges = (cumulative / cumulative[-1]).tolist()

    def offset(self, u: float) -> float:
        """Minutes after midnight at which a citizen with uniform draw `u` turns up."""
        slot = min(bisect.bisect_right(self._edges, u), len(self._edges) - 1)
        below = self._edges[slot - 1] if slot else 0.0
        within = min(max((u - below) / (self._edges[slot] - below), 0.0), 1.0)
        return float(self.starts[slot] + within * self.lengths[slot])


class Route:
    """What every citizen of one service meets under a configuration: its steps and their draws."""

    __slots__ = (
        "approval_time", "back_office", "competence", "counter_time", "documents", "error_rate", "finals", "labels",
        "openers", "pickup_minutes", "predecessors", "product_error", "profile", "rework_days", "steps", "unlocks",
        "work_time",
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
        self.back_office = not all(step.at_counter and step.to_citizen for step in plan.steps)
        """Some output is made in a back office or passed to one (else every output is handed over at once)."""
        self.profile = DayProfile(world.calendar, service.arrivals.profile)
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
        rework = world.scenario.citizens.rework_days
        self.rework_days = {doc: documents[doc].rework_days or rework for doc, _, _ in self.documents}
        """Working days to fix each document once it is named wrong."""
        self.competence = fmean(setup.competence(agency) for agency in dict.fromkeys(s.agency for s in plan.steps))


class World:
    """Everything citizens of one run share: clock, calendar, staff and random draws."""

    def __init__(self, scenario: Scenario, setup: Setup, calendar: WorkCalendar, streams: Streams) -> None:
        self.env = simpy.Environment()
        self.scenario = scenario
        self.setup = setup
        self.calendar = calendar
        self.streams = streams
        self.recorder = Recorder(list(setup.services))
        self.in_system = 0
        self.counted_in_system = 0
        """Counted citizens (arrived after the warm-up, within the horizon) whose journey has not ended."""
        self.admitting_counted = True
        """Counted citizens may still arrive; once not, the run ends with the last counted journey."""
        self.all_counted_ended = self.env.event()
        self.desks = {name: StaffPool(self.env, staff) for name, staff in setup.desks.items()}
        self.backoffices = {
            name: StaffPool(self.env, agency.backoffice) for name, agency in setup.catalogue.agencies.items()
        }
        keyed = self.streams.keyed
        patience = scenario.citizens.patience_minutes
        self.patience = keyed("patience", patience.quantile) if patience is not None else None
        self.returning = keyed("return")
        self.online = keyed("online")
        self.online_share = setup.online_share
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
        self.routes = {sid: Route(self, plan, defect) for sid, plan in setup.services.items()}

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


TAIL_DAYS = 250
"""Working days after the horizon that arrivals go on for at most: counted citizens still in the
system then mean work piles up faster than it is done, and the run stops as overloaded."""

Arrival = tuple[float, str]
"""When a citizen reaches the door of the first office, and the service they need."""


def arrivals(scenario: Scenario, calendar: WorkCalendar, streams: Streams) -> Iterator[Arrival]:
    """Arrivals day after working day, in time order, as they are asked for (at most TAIL_DAYS past the horizon).

    Each service's arrivals are a Poisson process whose rate is constant within
    each opening hour, in proportion to the service's hour-of-day profile. Day k
    of a service draws from its own stream, so a day's citizens do not depend on
    how many days are simulated, and only one day is held in memory at a time.
    """
    profiles = [
        (sid, DayProfile(calendar, service.arrivals.profile), service.arrivals.per_day)
        for sid, service in scenario.services.items()
    ]
    names = [sid for sid, _, _ in profiles]
    for k in range(scenario.horizon_days + TAIL_DAYS):
        midnight = calendar.workday(k) * DAY
        times: list[NDArray[np.float64]] = []
        services: list[NDArray[np.int64]] = []
        for sid, profile, per_day in profiles:
            rng = streams.generator(f"arrivals:{sid}", k)
            slot = np.arange(len(profile.shares)).repeat(rng.poisson(per_day * profile.shares))
            times.append(midnight + profile.starts[slot] + rng.random(len(slot)) * profile.lengths[slot])
            services.append(np.full(len(slot), len(services)))
        every = np.concatenate(times)
        order = np.argsort(every, kind="stable")
        service_of = np.concatenate(services)[order].tolist()
        yield from zip(every[order].tolist(), [names[i] for i in service_of], strict=True)


def simulate(
    scenario: Scenario, configuration: str, replication: int, arriving: Iterable[Arrival] | None = None
) -> RunRecords:
    """Run one configuration for one replication and return what was recorded.

    Citizens arriving in the working days from `warmup_days` to `horizon_days` are
    counted; the run ends when the last of their journeys has ended. `arriving`
    replaces the scenario's random arrivals (for cases worked out by hand).
    """
    setup = resolve(scenario, configuration)
    calendar = WorkCalendar(scenario.calendar)
    streams = Streams(scenario.seed, replication)
    world = World(scenario, setup, calendar, streams)
    counted_from = calendar.workday(scenario.warmup_days) * DAY
    counted_until = calendar.workday(scenario.horizon_days) * DAY
    tail_end = calendar.workday(scenario.horizon_days + TAIL_DAYS) * DAY
    source = arrivals(scenario, calendar, streams) if arriving is None else arriving

    def admit() -> simpy.events.ProcessGenerator:
        env = world.env
        bound = scenario.max_in_system
        recorder = world.recorder
        for when, service in source:
            yield env.timeout(when - env.now)
            if world.in_system >= bound:
                raise OverloadError(
                    f"more than {bound:,} citizens in the system at once on working day "
                    f"{world.calendar.workdays_before(int(env.now // DAY)) + 1} of configuration "
                    f"{configuration!r} (replication {replication}); the busiest place is "
                    f"{world.busiest()}: add staff or lower the arrivals (max_in_system sets the bound)"
                )
            counted = counted_from <= when < counted_until
            world.in_system += 1
            world.counted_in_system += counted
            start(Journey(world, recorder.arrive(when, service), service, counted).live())
        yield env.timeout(max(0.0, tail_end - env.now))
        raise OverloadError(
            f"{world.counted_in_system:,} counted citizens of configuration {configuration!r} "
            f"(replication {replication}) were still in the system {TAIL_DAYS} working days after the "
            f"horizon; the busiest place is {world.busiest()}: add staff or lower the arrivals"
        )

    def close_horizon() -> simpy.events.ProcessGenerator:
        """No counted citizen arrives after the horizon: the run may end with the last counted journey."""
        yield world.env.timeout(counted_until)
        world.admitting_counted = False
        world.check_end()

    start(admit())
    start(close_horizon())
    world.env.run(until=world.all_counted_ended)
    return world.recorder.frames()
