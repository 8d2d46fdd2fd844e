"""Staff serving a queue: a desk's counters or a back office, on duty as a roster says.

Citizens are called first come, first served within their rank: a priority
group first, then citizens with an appointment, then walk-ins; nobody being
served is interrupted. When a roster adds staff, the next citizens are called
at once; an officer going off duty first finishes the citizen being served.
"""

from __future__ import annotations

import itertools
import math
from collections import deque

import simpy

from simulator.model.calendar import DAY, WorkCalendar
from simulator.scenario.schema import Roster

PRIORITY, BOOKED, WALK_IN = range(3)
"""Who is called first at a desk: a priority group, then citizens with an appointment, then the rest."""


class StaffPool:
    """Staff serving one first-come-first-served queue: a desk's counters or a back office.

    A citizen joins with a deadline (patience, or closing time). One whose
    deadline has passed when their turn comes has already gone home and is
    skipped; their process learns it then, and the record keeps the deadline.
    Staff on duty may change (a roster): more staff call the next at once; an
    officer going off duty first finishes the citizen being served.
    """

    __slots__ = ("env", "free", "impatient", "staff", "waiting")

    def __init__(self, env: simpy.Environment, staff: int) -> None:
        self.env = env
        self.staff = staff
        self.free = staff
        """Staff on duty and idle; negative while more are busy than are on duty."""
        self.waiting: deque[tuple[simpy.Event, float]] = deque()
        self.impatient = 0
        """How many of the waiting have a deadline (the others wait for as long as it takes)."""

    def join(self, deadline: float = math.inf, rank: int = WALK_IN) -> simpy.Event | None:
        """None when served at once, else an event whose value says whether they were served."""
        if self.free > 0:
            self.free -= 1
            return None
        ticket = simpy.Event(self.env)
        self.waiting.append((ticket, deadline))
        if deadline != math.inf:
            self.impatient += 1
        return ticket

    def queues(self) -> tuple[deque[tuple[simpy.Event, float]], ...]:
        """Every queue, in the order citizens are called."""
        return (self.waiting,)

    def people_waiting(self) -> int:
        """Citizens still waiting now (not counting those who have given up)."""
        if not self.impatient:
            return len(self.waiting)
        now = self.env.now
        return sum(1 for _, deadline in self.waiting if deadline > now)

    def release(self) -> None:
        """One of the staff is free: serve the next citizen who is still there (or go off duty)."""
        if self.free < 0:
            self.free += 1
            return
        waiting = self.waiting
        if not waiting:  # nobody to call
            self.free += 1
        elif not self.impatient:  # the common case: the next in line is there
            waiting.popleft()[0].succeed(True)
        elif not self.call_next():
            self.free += 1

    def call_next(self) -> bool:
        """Call the next citizen who is still there; False when nobody is."""
        now = self.env.now
        for queue in self.queues():
            while queue:
                ticket, deadline = queue.popleft()
                if deadline != math.inf:
                    self.impatient -= 1
                served = deadline > now
                ticket.succeed(served)
                if served:
                    return True
        return False

    def set_staff(self, staff: int) -> None:
        """A roster change: `staff` on duty from now."""
        self.free += staff - self.staff
        self.staff = staff
        while self.free > 0 and self.call_next():
            self.free -= 1


class RankedPool(StaffPool):
    """Staff calling a priority group first, then citizens with an appointment, then walk-ins."""

    __slots__ = ("ranked",)

    def __init__(self, env: simpy.Environment, staff: int) -> None:
        super().__init__(env, staff)
        self.ranked: tuple[deque[tuple[simpy.Event, float]], ...] = (deque(), deque(), self.waiting)

    def join(self, deadline: float = math.inf, rank: int = WALK_IN) -> simpy.Event | None:
        if self.free > 0:
            self.free -= 1
            return None
        ticket = simpy.Event(self.env)
        self.ranked[rank].append((ticket, deadline))
        if deadline != math.inf:
            self.impatient += 1
        return ticket

    def queues(self) -> tuple[deque[tuple[simpy.Event, float]], ...]:
        return self.ranked

    def people_waiting(self) -> int:
        now = self.env.now
        return sum(1 for queue in self.ranked for _, deadline in queue if deadline > now)

    def release(self) -> None:
        if self.free < 0 or not self.call_next():
            self.free += 1


def follow_roster(
    env: simpy.Environment, pool: StaffPool, roster: Roster, calendar: WorkCalendar
) -> simpy.events.ProcessGenerator:
    """Change a pool's staff as its roster says, working day after working day."""
    schedules: dict[str, tuple[tuple[float, int], ...]] = {}
    for k in itertools.count():
        day = calendar.workday(k)
        weekday = calendar.weekday(day)
        if weekday not in schedules:
            schedules[weekday] = roster.on(weekday)
        for minute, staff in schedules[weekday]:
            when = day * DAY + minute
            if when > env.now:
                yield env.timeout(when - env.now)
            pool.set_staff(staff)
