"""One run of one configuration: build the world, let citizens arrive, record until the last counted journey ends.

`simulate(scenario, configuration, replication)` is a pure function of its
arguments: it builds the world, lets every citizen of the horizon live their
service cycle until each journey has ended, and returns the recorded logs.
So that the last counted citizens meet a normal office rather than an emptied
one, citizens go on arriving after the horizon (simulated, not counted) until
every counted journey has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import simpy
from numpy.typing import NDArray

from simulator.model.calendar import DAY, WorkCalendar
from simulator.model.configurations import resolve
from simulator.model.journey import Journey
from simulator.model.office import DayProfile, World
from simulator.model.processes import start
from simulator.model.records import LogChunk, RunRecords
from simulator.model.streams import Streams
from simulator.scenario.schema import Scenario


class OverloadError(Exception):
    """More citizens in the system at once than the scenario's `max_in_system`."""


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
        for sid, service in scenario.journeys.items()
    ]
    names = [sid for sid, _, _ in profiles]
    for k in range(scenario.horizon_days + TAIL_DAYS):
        day = calendar.workday(k)
        midnight = day * DAY
        times: list[NDArray[np.float64]] = []
        services: list[NDArray[np.int64]] = []
        for sid, profile, per_day in profiles:
            rng = streams.generator(f"arrivals:{sid}", k)
            slots = profile.slots(day)
            slot = np.arange(len(slots.rates)).repeat(rng.poisson(per_day * slots.rates))
            times.append(midnight + slots.starts[slot] + rng.random(len(slot)) * slots.lengths[slot])
            services.append(np.full(len(slot), len(services)))
        every = np.concatenate(times)
        order = np.argsort(every, kind="stable")
        service_of = np.concatenate(services)[order].tolist()
        yield from zip(every[order].tolist(), [names[i] for i in service_of], strict=True)


def simulate(
    scenario: Scenario,
    configuration: str,
    replication: int,
    arriving: Iterable[Arrival] | None = None,
    flush: Callable[[LogChunk], None] | None = None,
) -> RunRecords:
    """Run one configuration for one replication and return what was recorded.

    Citizens arriving in the working days from `warmup_days` to `horizon_days` are
    counted; the run ends when the last of their journeys has ended. `arriving`
    replaces the scenario's random arrivals (for cases worked out by hand).
    With `flush`, the contact and work logs are handed to it in chunks as the
    run goes on (`Recorder`), and the records returned hold the citizens only.
    """
    setup = resolve(scenario, configuration)
    base = WorkCalendar(scenario.calendar)  # citizens arrive on its working days in every configuration: paired
    calendar = WorkCalendar(scenario.calendar_of(configuration))
    streams = Streams(scenario.seed, replication)
    world = World(scenario, setup, calendar, streams)
    world.recorder.flush = flush
    counted_from = base.workday(scenario.warmup_days) * DAY
    counted_until = base.workday(scenario.horizon_days) * DAY
    tail_end = base.workday(scenario.horizon_days + TAIL_DAYS) * DAY
    source = arrivals(scenario, base, streams) if arriving is None else arriving

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
