"""One citizen's service cycle as a SimPy process.

A citizen goes on outings: travel to a desk, queue, submit documents or pick
up outputs, move on to the next desk while something can be done that day,
and go home. Between outings they fix rejected documents, wait for back
offices, and come back on a working day at a time of day drawn from the
service's profile. Back-office work runs in processes of its own, one per
step, and wakes the citizen when an output is ready.

Every draw is keyed by (citizen, step, attempt) or (citizen, k-th queue /
return), so the same citizen meets the same luck under every configuration.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from simulator.model.calendar import DAY
from simulator.model.processes import start
from simulator.model.records import CONTACT_KINDS, CONTACT_OUTCOMES, OUTCOMES, WORK_KINDS
from simulator.model.staff import BOOKED, PRIORITY, WALK_IN

if TYPE_CHECKING:
    from simulator.model.configurations import StepPlan
    from simulator.model.office import World

SUBMISSION, PICKUP, ONLINE, DELIVERY, BOOKING = range(len(CONTACT_KINDS))
ACCEPTED, REJECTED, COLLECTED, PRODUCT_ERROR, LEFT_QUEUE, SENT_HOME, TURNED_AWAY = range(len(CONTACT_OUTCOMES))
BACKOFFICE, APPROVAL, HANDOFF = range(len(WORK_KINDS))
COMPLETED, ABANDONED = OUTCOMES.index("completed"), OUTCOMES.index("abandoned")


def _ring(wake: simpy.Event, _planned: simpy.Event) -> None:
    """The planned time of an outing has come: wake the citizen, unless something already did."""
    if not wake.triggered:
        wake.succeed()


class Journey:
    """The service cycle of one citizen."""

    __slots__ = (
        "appointment", "asked", "citizen", "contacts", "counted", "defective", "documents", "done", "ended", "env",
        "fixed_on", "flawed", "last_end", "lingering", "longest_wait", "most_ahead", "naming", "online", "outputs",
        "product_errors", "queues", "rank", "ready", "ready_at", "received", "rejections", "retry_on", "returns",
        "route", "steps", "submissions", "submitted", "to_submit", "travel", "trips", "wait", "wake", "works",
        "world",
    )  # fmt: skip

    def __init__(self, world: World, citizen: int, service: str, counted: bool = True) -> None:
        self.world = world
        self.env = world.env
        self.citizen = citizen
        self.counted = counted
        self.route = route = world.routes[service]
        self.steps = route.steps
        n = len(self.steps)
        self.submitted = [False] * n
        self.to_submit = list(route.openers)
        """Steps not yet submitted whose inputs the citizen has, in the order of the file."""
        self.submissions = [0] * n
        self.received = [False] * n
        self.ready = 0
        """Outputs waiting at a counter for the citizen to pick them up."""
        if route.back_office:  # what only back-office work and pickups use
            self.works = [0] * n
            self.outputs = [0] * n
            self.ready_at: list[float | None] = [None] * n
            self.flawed = [False] * n
            self.done: dict[int, simpy.Event] = {}
        self.lingering: list[int] = []
        """Same-day outputs submitted on this trip and not yet collected."""
        self.defective = (
            {doc for doc, p_defective, draw in route.documents if draw(citizen) < p_defective}
            if route.documents
            else set()
        )
        self.asked = route.asked
        """The documents each step asks of this citizen."""
        if route.lookups:
            self.fail_lookups()
        self.fixed_on: dict[str, int] = {}
        """The working day from which each document named wrong is fixed."""
        self.retry_on: dict[int, int] = {}
        """The working day from which a rejected step may be submitted again (not the day it was rejected)."""
        self.online = world.online_share > 0 and world.online(citizen) < world.online_share
        self.wake: simpy.Event | None = None
        self.ended = False
        self.last_end = self.env.now
        self.queues = self.returns = 0
        """Queues joined, and outings after the first (the index of each one's time-of-day draw)."""
        self.naming = True
        """A defect may still be named in the sitting under way (`reveal: one` names one a sitting)."""
        self.trips = self.contacts = self.rejections = self.documents = self.product_errors = 0
        self.most_ahead = 0
        self.wait = self.longest_wait = self.travel = 0.0
        self.rank = WALK_IN
        """Where the citizen stands in queues: a priority group is called first at every desk."""
        self.appointment: float | None = None
        """When the booked sitting is (the booked step is held for it); None without one."""
        if world.groups:
            self.join_group()
        if route.branches:
            self.skip_unneeded()

    def fail_lookups(self) -> None:
        """Once-only lookups that fail for this citizen: the counter asks for the document after all.

        The citizen did not bring it (they were told it would be looked up), so the first
        sitting that needs it is rejected and the citizen fetches it, as for a wrong document.
        """
        failure = self.world.lookup_failure
        failed = {doc for doc, draw in self.route.lookups if draw(self.citizen) < failure}
        if failed:
            self.defective = self.defective | failed
            self.asked = [
                (*asked, *(doc for doc in step.looked_up if doc in failed))
                for asked, step in zip(self.asked, self.steps, strict=True)
            ]

    def join_group(self) -> None:
        """Draw the citizen's group, if any."""
        draw = self.world.grouping(self.citizen)
        below = 0.0
        for code, share, priority in self.world.groups:
            below += share
            if draw < below:
                self.world.recorder.classify(self.citizen, code, booked=False)
                self.rank = PRIORITY if priority else WALK_IN
                return

    def skip_unneeded(self) -> None:
        """Steps this citizen does not need (an optional step, the other options of an alternative) count as done."""
        skipped = []
        for options, edges, draw in self.route.branches:
            u = draw(self.citizen)
            needed = next((k for k, edge in enumerate(edges) if u < edge), None)
            skipped += [i for k, steps in enumerate(options) if k != needed for i in steps]
        for i in skipped:
            self.submitted[i] = True
            if i in self.to_submit:
                self.to_submit.remove(i)
            if self.steps[i].awaited:
                self.finished(i).succeed()
        for i in skipped:
            self.receive(i)
    # -- the citizen's side -------------------------------------------------

    def live(self) -> simpy.events.ProcessGenerator:
        """Outings until every output has been received, or the citizen gives up.

        Between outings the citizen plans the next one: the earliest working day with
        something to do, at a time of day drawn from the service's profile. News from a
        back office (an output ready) changes the plan; it never starts an outing at once.
        """
        if self.route.book is not None and not self.online:
            self.book()
        yield from self.outing()
        finals = self.route.finals
        received = self.received
        env = self.env
        while not self.ended:
            if all(map(received.__getitem__, finals)):
                self.finish(COMPLETED, self.last_end)
                return
            when = self.next_outing()
            self.wake = wake = env.event()
            if when is None:
                yield wake
                continue
            drawn = when != self.appointment
            """An outing at a drawn time of day uses up a draw; the appointment's slot does not."""
            planned = env.timeout(when - env.now)
            planned.callbacks.append(partial(_ring, wake))
            yield wake  # the planned time, or news from a back office (cheaper than waiting for `planned | wake`)
            if not planned.processed:
                continue  # woken by a back office before the planned outing: plan again
            if (yield from self.outing()) and drawn:
                self.returns += 1

    def book(self) -> None:
        """Book an appointment for the booked step's sitting (a share of citizens do), online, on arrival.

        The step is then held for the slot: the citizen comes for it at the slot's time (called
        before walk-ins), or, having missed it, walks in from the next working day on.
        """
        world, now, book = self.world, self.env.now, self.route.book
        assert book is not None
        if world.booking(self.citizen) >= book.spec.share or self.submitted[self.route.booked_step]:
            return  # a walk-in, or the booked step is one this citizen does not need
        slot = book.book(now)
        if slot is None:  # every slot in reach is taken: a walk-in after all
            return
        world.recorder.classify(self.citizen, world.recorder.group[self.citizen], booked=True)
        world.recorder.contact(self.citizen, "appointment", "online", BOOKING, now, now, now, ACCEPTED)
        self.last_end = now
        if world.no_show(self.citizen) < book.spec.no_show:  # misses it: walks in from the next working day
            self.retry_on[self.route.booked_step] = world.calendar.workday_after(int(slot // DAY))
        else:
            self.appointment = slot

    def notify(self) -> None:
        """Something changed in the back office: reconsider when to come back."""
        if self.wake is not None and not self.wake.triggered:
            self.wake.succeed()

    def next_outing(self) -> float | None:
        """When the citizen next sets out, or None while only back offices can act."""
        if not (self.to_submit or self.ready or self.appointment is not None):
            return None  # nothing to submit, collect or keep
        calendar = self.world.calendar
        tomorrow = calendar.workday_after(int(self.env.now // DAY))
        best = math.inf
        if self.appointment is not None and self.appointment <= self.env.now:
            self.appointment = None  # its time has come and gone (turned away, sent home, left the queue)
        held = self.route.booked_step if self.appointment is not None else None
        waiting = [i for i in self.to_submit if i != held] if held is not None else self.to_submit
        if waiting and not (held is not None and self.world.single):  # a single window waits for the slot
            documents_ready = 0
            if self.fixed_on or self.retry_on:
                days = [self.ready_on(i) for i in waiting]
                documents_ready = max(days) if self.world.single else min(days)  # a single window: all or none
            best = max(documents_ready, tomorrow)
        if self.ready:
            pickup = self.pickup_day()
            if pickup is not None:
                best = min(best, max(tomorrow, pickup))
        if self.appointment is not None:
            slot_day = int(self.appointment // DAY)
            if held in self.to_submit and self.ready_on(held) <= slot_day:  # ready for the slot
                if best >= slot_day:
                    return self.appointment
            elif held in self.to_submit or slot_day < best < math.inf:  # cannot be ready: a walk-in instead
                self.appointment = None
                return self.next_outing()
        if best == math.inf:
            return None
        day = int(best)
        return day * DAY + self.route.profile.offset(self.world.returning(self.citizen, self.returns), day)

    def pickup_day(self) -> int | None:
        """The first working day on which an output can be collected (single window: all of them), or None."""
        calendar = self.world.calendar
        days = [int(ready // DAY) for ready in self.awaiting_pickup()]
        if not days:
            return None
        return calendar.workday_after(max(days) if self.world.single else min(days))

    def awaiting_pickup(self) -> list[float]:
        """When each output waiting at a counter was ready; under a single window, none until all are ready."""
        received, ready_at = self.received, self.ready_at
        if self.world.single:
            pending = [ready_at[i] for i in self.route.finals if not received[i]]
            return [] if None in pending else pending  # type: ignore[return-value]
        return [ready for i, ready in enumerate(ready_at) if ready is not None and not received[i]]

    def ready_on(self, i: int) -> int:
        """The working day from which step i can be submitted: its documents fixed, and not rejected that day."""
        fixed_on = self.fixed_on
        if not (fixed_on or self.retry_on):
            return 0
        fixed = max((fixed_on.get(doc, 0) for doc in self.asked[i]), default=0)
        return max(fixed, self.retry_on.get(i, 0))

    def submittable(self, today: int) -> list[int]:
        """Steps that can be submitted today while documents are being fixed (single window: all or nothing)."""
        waiting = self.to_submit
        ready = [i for i in waiting if self.ready_on(i) <= today]
        if self.world.single and len(ready) < len(waiting):
            return []
        return ready

    def collectable(self, today: int) -> list[int]:
        """Outputs that can be collected today: ready on an earlier day (single window: all of them)."""
        received, ready_at = self.received, self.ready_at
        if self.world.single:
            pending = [i for i in self.route.finals if not received[i]]
            ready = [ready_at[i] for i in pending]
            if not pending or None in ready or max(int(t // DAY) for t in ready) >= today:  # type: ignore[operator]
                return []
            return pending
        return [i for i, ready in enumerate(ready_at) if ready is not None and not received[i] and ready // DAY < today]

    def next_task(self, today: int) -> tuple[str, int, list[int]] | None:
        """The next desk to go to (the first step in the order of the file), what to do there, and for which steps."""
        collect = self.collectable(today) if self.ready else ()
        submit = self.submittable(today) if self.fixed_on or self.retry_on else self.to_submit
        if self.appointment is not None:
            submit = self.held(submit, today)
        if collect and not (submit and submit[0] < collect[0]):
            return self.sitting_of(collect, PICKUP)
        if submit:
            return self.sitting_of(submit, SUBMISSION)
        return None

    def sitting_of(self, steps: list[int], kind: int) -> tuple[str, int, list[int]]:
        """The desk of the first step, and the steps done there in one sitting.

        Under a single window, all of them; else those of one service (a life event's services
        are separate tickets at one desk).
        """
        first = steps[0]
        desk = self.steps[first].desk
        if len(steps) == 1:
            return desk, kind, [first]
        together = self.route.sittings[first]
        return desk, kind, [i for i in steps if i in together]

    def held(self, submit: list[int], today: int) -> list[int]:
        """Steps to submit now: the booked one only at its slot (a single window: nothing before it)."""
        assert self.appointment is not None
        booked = self.route.booked_step
        if self.env.now < self.appointment:
            return [] if self.world.single else [i for i in submit if i != booked]
        if booked not in submit:  # not ready for it after all: the slot is lost, a walk-in from now on
            self.appointment = None
        return submit

    def outing(self) -> Generator[simpy.Event, Any, bool]:
        """Do everything that can be done today, desk after desk, then go home. True if anything was done.

        No counter contact starts at or after closing time, at the same desk or another.
        """
        world = self.world
        env = self.env
        setting_out = env.now
        today = int(setting_out // DAY)
        at: str | None = None
        acted = False
        while (task := self.next_task(today)) is not None or (
            at is not None and self.appointment is not None and self.slot_later_today(today)
        ):
            if task is None:  # out already, with a slot later today: go to its desk and wait there
                assert at is not None and self.appointment is not None
                desk = self.steps[self.route.booked_step].desk
                if not (yield from self.move(at, desk)):
                    break
                at = desk
                yield env.timeout(max(0.0, self.appointment - env.now))
                continue
            desk, kind, steps = task
            if kind == SUBMISSION and self.online:
                self.submit_online(steps)
                acted = True
                continue
            if at is None:
                if self.trips >= world.max_visits:
                    self.finish(ABANDONED, env.now)
                    return acted
                if setting_out >= world.closing_time(setting_out):  # still at home: no time has passed
                    break
                self.trips += 1
                acted = True
                self.travel += world.home_travel[desk]
            elif not (yield from self.move(at, desk)):
                break
            at = desk
            served = yield from self.visit(desk, kind, steps)
            if not served:
                break
        else:
            if at is not None and self.lingering:
                at = yield from self.collect_same_day(at)
        if self.lingering:  # not collected on this trip: like any other output, from the next working day
            self.lingering = []
        if at is not None:
            self.travel += world.home_travel[at]
        return acted

    def slot_later_today(self, today: int) -> bool:
        """The citizen's appointment is later today, and its step can be submitted then."""
        slot = self.appointment
        booked = self.route.booked_step
        return (
            slot is not None
            and int(slot // DAY) == today
            and slot > self.env.now
            and booked in self.to_submit
            and self.ready_on(booked) <= today
        )

    def move(self, at: str, desk: str) -> Generator[simpy.Event, Any, bool]:
        """Go on to `desk` on the same trip; False (go home instead) if it would be closed on arrival."""
        world, env = self.world, self.env
        move = world.walk_to[desk] if desk != at else 0.0
        if env.now + move >= world.closing_time(env.now):
            return False
        self.travel += move
        if move:
            yield env.timeout(move)
        return True

    def collect_same_day(self, at: str) -> Generator[simpy.Event, Any, str]:
        """Wait in the office for same-day outputs of this trip, desk by desk; collect those ready before closing.

        The pickup contact counts its wait from when the citizen began waiting for the output.
        Returns the desk the citizen leaves from.
        """
        env, world, steps = self.env, self.world, self.steps
        if world.single and len(self.lingering) < sum(not self.received[i] for i in self.route.finals):
            self.lingering = []  # a single window hands every output over at once: come back for all of them
        while self.lingering and not self.ended:
            desk = steps[self.lingering[0]].desk
            here = [i for i in self.lingering if steps[i].desk == desk]
            self.lingering = [i for i in self.lingering if steps[i].desk != desk]
            if not (yield from self.move(at, desk)):
                break
            at = desk
            since = env.now
            closing = world.closing_time(since)
            while any(self.ready_at[i] is None for i in here) and env.now < closing:
                self.wake = env.event()
                yield self.wake if closing == math.inf else self.wake | env.timeout(closing - env.now)
            ready = [i for i in here if self.ready_at[i] is not None and not self.received[i]]
            if not ready or env.now >= closing:  # sent home at closing without the output
                self.waited(closing - since)
                label = "+".join(self.route.labels[i] for i in here)
                world.recorder.contact(self.citizen, label, desk, PICKUP, since, math.nan, closing, SENT_HOME)
                break
            if not (yield from self.visit(desk, PICKUP, ready, since)):
                break
        self.lingering = []
        return at

    def visit(
        self, desk: str, kind: int, steps: list[int], since: float | None = None
    ) -> Generator[simpy.Event, Any, bool]:
        """Queue at a desk and, if served, submit or collect. Returns whether served.

        `since`: when the citizen began waiting, if before joining the queue (for a same-day output).
        """
        world, env = self.world, self.env
        joined = env.now
        queued = joined if since is None else since
        closing = world.closing_time(joined)
        if world.patience is None:
            deadline = closing
        else:
            deadline = min(joined + world.patience(self.citizen, self.queues), closing)
        self.queues += 1
        pool = world.desks[desk]
        ahead = pool.people_waiting()
        if ahead > self.most_ahead:  # noqa: PLR1730 (max() costs a call at every queue joined)
            self.most_ahead = ahead
        label = self.route.labels[steps[0]] if len(steps) == 1 else "+".join(self.route.labels[i] for i in steps)
        if world.turning_away and (ahead >= world.room[desk] or ahead > world.balk_ahead):  # full, or too long
            world.recorder.contact(self.citizen, label, desk, kind, joined, math.nan, joined, TURNED_AWAY, ahead)
            return False
        if self.appointment is not None and kind == SUBMISSION and self.route.booked_step in steps:
            self.appointment = None  # the booked sitting: called before walk-ins
            ticket = pool.join(deadline, min(self.rank, BOOKED))
        else:
            ticket = pool.join(deadline, self.rank)
        if ticket is not None and not (yield ticket):
            self.waited(deadline - queued)
            outcome = SENT_HOME if deadline == closing else LEFT_QUEUE
            world.recorder.contact(self.citizen, label, desk, kind, queued, math.nan, deadline, outcome, ahead)
            return False
        started = env.now
        if started > queued:
            self.waited(started - queued)
        if kind == SUBMISSION:
            duration, accepted = self.sitting(steps, started)
        else:
            pickup_minutes = self.route.pickup_minutes
            duration = sum(pickup_minutes[i] for i in steps)
        yield env.timeout(duration)
        pool.release()
        self.contacts += 1
        self.last_end = ended = env.now
        if kind == SUBMISSION:
            outcome = ACCEPTED if len(accepted) == len(steps) else REJECTED
            self.accept(accepted)
        else:
            outcome = PRODUCT_ERROR if any(self.flawed[i] for i in steps) else COLLECTED
            self.collect(steps)
        world.recorder.contact(self.citizen, label, desk, kind, queued, started, ended, outcome, ahead)
        return True

    def waited(self, minutes: float) -> None:
        self.wait += minutes
        if minutes > self.longest_wait:  # noqa: PLR1730 (max() costs a call at every wait)
            self.longest_wait = minutes

    def sitting(self, steps: list[int], now: float) -> tuple[float, list[int]]:
        """Counter time of a submission and the steps accepted; rejected documents go to be fixed."""
        duration = 0.0
        counter_time = self.route.counter_time
        submissions = self.submissions
        for i in steps:
            duration += counter_time[i](self.citizen, submissions[i])
            submissions[i] += 1
        today = int(now // DAY)
        clean = not (self.defective or self.fixed_on)  # nothing wrong, nothing being fixed: no need to look
        self.naming = True
        if self.world.single:
            documents = list(dict.fromkeys(doc for i in steps for doc in self.asked[i]))
            self.documents += len(documents)
            accepted = steps if clean or not self.check(documents, today) else []
        else:
            asked, plans = self.asked, self.steps
            for i in steps:
                self.documents += len(asked[i]) + plans[i].carried
            accepted = steps if clean else [i for i in steps if not self.check(asked[i], today)]
        if len(accepted) < len(steps):
            self.rejections += 1
            tomorrow = self.world.calendar.workday_after(today)
            for i in steps:
                if i not in accepted:
                    self.retry_on[i] = tomorrow
        return duration, accepted

    def check(self, documents: tuple[str, ...] | list[str], today: int) -> bool:
        """Check documents at a counter; True when one is wrong. Named defects go to be fixed.

        Under `reveal: one` the counter names the first defect it finds in a sitting and no
        other; a step whose defect goes unnamed is rejected all the same.
        """
        world = self.world
        if self.defective:
            found = [doc for doc in documents if doc in self.defective]
            if found:
                if world.reveal_one:
                    found = found[:1] if self.naming else []
                    self.naming = False
                rework_days = self.route.rework_days
                for doc in found:
                    self.defective.discard(doc)
                    self.fixed_on[doc] = world.calendar.workday_after(today, rework_days[doc])
                return True
        return bool(self.fixed_on) and any(self.fixed_on.get(doc, 0) > today for doc in documents)

    def submit_online(self, steps: list[int]) -> None:
        """Submit online: no trip, no queue, the same checks."""
        now = self.env.now
        _, accepted = self.sitting(steps, now)
        self.last_end = now
        self.accept(accepted)
        outcome = ACCEPTED if len(accepted) == len(steps) else REJECTED
        label = "+".join(self.route.labels[i] for i in steps)
        self.world.recorder.contact(self.citizen, label, "online", ONLINE, now, now, now, outcome)

    def accept(self, steps: list[int]) -> None:
        """Accepted submissions: hand over at the counter, or start the back-office work."""
        for i in steps:
            self.submitted[i] = True
            self.to_submit.remove(i)
            step = self.steps[i]
            if not step.at_counter:
                if step.same_day and step.to_citizen and self.world.in_person and not self.online:
                    self.lingering.append(i)
                start(self.produce(i))
                continue
            if step.to_citizen:
                self.receive(i)
            if step.awaited:  # handed over at once to the next back office
                self.finished(i).succeed()

    def collect(self, steps: list[int]) -> None:
        """Outputs picked up; a wrong one is found now and its back-office work redone."""
        self.ready -= len(steps)
        for i in steps:
            if self.flawed[i]:
                self.product_errors += 1
                self.ready_at[i] = None
                self.flawed[i] = False
                start(self.produce(i, redo=True))
            else:
                self.receive(i)

    def receive(self, i: int) -> None:
        """The citizen has step i's output: under citizen hand-off, steps needing it may now be submitted."""
        self.received[i] = True
        route = self.route
        for j in route.unlocks[i]:
            needs = route.predecessors[j]
            if not self.submitted[j] and j not in self.to_submit and all(map(self.received.__getitem__, needs)):
                bisect.insort(self.to_submit, j)

    def finished(self, i: int) -> simpy.Event:
        """The event of step i's output reaching the next back office."""
        if i not in self.done:
            self.done[i] = self.env.event()
        return self.done[i]

    def finish(self, outcome: int, end: float) -> None:
        """The journey ends: write the citizen's row."""
        self.ended = True
        world = self.world
        world.journey_ended(self.counted)
        steps, submissions = self.steps, self.submissions
        if all(submissions):
            competence = self.route.competence
        else:
            met = {s.agency for s in steps if submissions[s.index]} or {s.agency for s in steps}
            competence = sum(world.setup.competence(a) for a in met) / len(met)
        world.recorder.citizen(
            self.citizen, self.online, outcome,
            (self.trips, self.contacts, self.rejections, self.documents, self.product_errors, self.most_ahead),
            (end, self.wait, self.longest_wait, self.travel, competence),
        )  # fmt: skip

    # -- the back office's side ---------------------------------------------

    def produce(self, i: int, redo: bool = False) -> simpy.events.ProcessGenerator:
        """Make step i's output: wait for inputs, hand-off, work, approval; deliver or pass on."""
        world, env, route = self.world, self.env, self.route
        step = self.steps[i]
        if not redo and world.by_back_office:
            if len(step.predecessors) == 1:  # the usual case, without a condition event
                yield self.finished(step.predecessors[0])
            elif step.predecessors:
                yield env.all_of([self.finished(p) for p in step.predecessors])
            if step.predecessors or world.single:
                yield from self.hand_off(step)
        approve = not redo and step.approval
        while True:
            if step.backoffice_work:
                yield from self.work(step)
            if approve:
                approve = False
                begun = env.now
                days = route.approval_time[i](self.citizen, 0)
                yield env.timeout(world.calendar.add_working(begun, days) - begun)
                world.recorder.work(self.citizen, step.id, step.agency, APPROVAL, begun, begun, env.now)
            flawed = step.has_work and route.product_error[i](self.citizen, self.outputs[i]) < route.error_rate[i]
            self.outputs[i] += 1
            if not step.to_citizen:
                if flawed:  # found by the next back office, redone before the file moves on
                    continue
                self.finished(i).succeed()
                return
            if step.awaited and not self.finished(i).triggered:  # ordered after it: the next flow may start
                self.finished(i).succeed()
            if not world.in_person:
                outcome = PRODUCT_ERROR if flawed else COLLECTED
                world.recorder.contact(self.citizen, step.id, "digital", DELIVERY, env.now, env.now, env.now, outcome)
                if flawed:
                    self.product_errors += 1
                    continue
                self.receive(i)
                self.last_end = env.now
            else:
                self.ready_at[i] = env.now
                self.ready += 1
                self.flawed[i] = flawed
            self.notify()
            return

    def hand_off(self, step: StepPlan) -> simpy.events.ProcessGenerator:
        """The file moves to the step's back office, in working time."""
        begun = self.env.now
        minutes = self.route.handoff_minutes[step.index]
        yield self.env.timeout(self.world.calendar.add_working(begun, minutes) - begun)
        self.world.recorder.work(self.citizen, step.id, step.agency, HANDOFF, begun, begun, self.env.now)

    def work(self, step: StepPlan) -> simpy.events.ProcessGenerator:
        """An officer's hands-on work, in working time."""
        world, env = self.world, self.env
        queued = env.now
        pool = world.backoffices[step.agency]
        ticket = pool.join()
        if ticket is not None:
            yield ticket
        started = env.now
        minutes = self.route.work_time[step.index](self.citizen, self.works[step.index])
        self.works[step.index] += 1
        yield env.timeout(world.calendar.add_working(started, minutes) - started)
        pool.release()
        world.recorder.work(self.citizen, step.id, step.agency, BACKOFFICE, queued, started, env.now)
