"""The scenario schema: every field, every default and every check. No I/O.

A `Scenario` is immutable data, validated once. Errors carry the path of the
field (`services.business_start.steps[1].agency`), what was found and what was
expected; the loader turns them into one message for the user. Every number
has an upper bound, so that whatever a file says, a run's memory and time stay
bounded (docs/limits.md lists them all).
"""

from __future__ import annotations

import difflib
import functools
import graphlib
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Annotated, Any, Literal, NamedTuple, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator.scenario.distributions import Combined, Fixed, Minutes, WorkingDays

Path = tuple[str | int, ...]

MAX_STAFF = 10_000
"""Counters or back-office staff of one place."""
MAX_TRAVEL_MINUTES = 10_000.0
"""Travel, walking, hand-off and pickup minutes (about a week)."""
MAX_MONEY = 1e12
"""Fees, costs per trip and wages per hour, in the scenario's currency (a trillion rupiah)."""
MAX_PER_DAY = 1_000_000.0
"""Mean arrivals of one service per working day."""
MAX_HORIZON_DAYS = 10_000
"""Working days of a run (about 40 years)."""
MAX_REPLICATIONS = 10_000
MAX_ITEMS = 1_000
"""Agencies, services, documents and configurations of a scenario; holidays are up to 10 times as many."""
MAX_STEPS = 100
"""Steps of one service (and documents or steps one step requires)."""
MAX_SWEEP_POINTS = 1_000
"""Points of a sweep's grid."""

Id = Annotated[str, Strict(), Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$", max_length=100)]
Count = Annotated[int, Strict(), Field(ge=0)]
StaffNumber = Annotated[int, Strict(), Field(ge=0, le=MAX_STAFF)]
ReworkDays = Annotated[int, Strict(), Field(ge=1, le=1_000)]
TravelMinutes = Annotated[float, Strict(), Field(ge=0, le=MAX_TRAVEL_MINUTES, allow_inf_nan=False)]
Money = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Probability = Annotated[float, Strict(), Field(ge=0, le=1)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), Field(max_length=200)]
LongText = Annotated[str, Strict(), Field(max_length=20_000)]
Score = Annotated[float, Strict(), Field(ge=1, le=4)]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PRESET_NAMES = ("siloed", "co_located", "single_window", "whole_of_government")
FRONT_OFFICE = "front_office"
"""The name of the pooled front office where it appears beside the agencies."""
ALL_SERVICES = "all"
"""The `service` of result rows about every service together; no service may take this id."""


def refuse(path: Iterable[str | int], message: str) -> NoReturn:
    """Stop validation with `message` about the field at `path`."""
    raise PydanticCustomError("scenario", "{message}", {"message": message, "path": tuple(path)})


def did_you_mean(name: object, candidates: Iterable[str]) -> str:
    """'; did you mean 'tax'?' for a misspelt name, or ''."""
    close = difflib.get_close_matches(str(name), list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def refuse_unknown(path: Path, what: str, name: object, known: Iterable[str]) -> NoReturn:
    """Refuse a reference to something the scenario does not define."""
    known = list(known)
    expected = f" (expected one of: {', '.join(known)})" if known else f" (no {what} is defined)"
    refuse(path, f"unknown {what} {name!r}{did_you_mean(name, known)}{expected}")


def _clock_minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _check_clock(text: str) -> str:
    parts = text.split(":")
    valid = len(parts) == 2 and all(len(p) == 2 and p.isdigit() for p in parts)
    if not valid or int(parts[1]) > 59 or _clock_minutes(text) > 24 * 60:
        raise PydanticCustomError(
            "clock", 'expected a time "HH:MM" from 00:00 to 24:00, found {found}', {"found": repr(text)}
        )
    return text


def _clock_text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "clock",
            'expected a time "HH:MM" in quotes, e.g. "08:00", found the number {found} (write "{hint}")',
            {"found": repr(value), "hint": _as_clock(value)},
        )
    return value


def _as_clock(number: float) -> str:
    """8.3 -> '08:30': what a number written for a time most likely meant."""
    hours, minutes = divmod(round(float(number) * 100), 100) if 0 <= number < 25 else (0, 0)
    return f"{hours:02d}:{minutes:02d}" if minutes < 60 else "HH:MM"


Clock = Annotated[str, BeforeValidator(_clock_text), Strict(), AfterValidator(_check_clock)]


class Record(BaseModel):
    """A frozen part of a scenario that refuses unknown keys, with a suggestion."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            keys = [field.alias or name for name, field in cls.model_fields.items()]
            for key in data:
                if key not in keys:
                    refuse(
                        (str(key),),
                        f"unknown key {key!r}{did_you_mean(key, keys)} (expected one of: {', '.join(keys)})",
                    )
        return data


class DayHours(Record):
    """One weekday's opening hours, where they differ from the calendar's."""

    open: Clock | None = None
    close: Clock | None = None


class Calendar(Record):
    """Opening hours, working weekdays and holidays; day 0 is `start`.

    `open` and `close` are the usual hours, and their span is the unit of a working
    day; `hours` sets other hours for some weekdays (a longer Friday, a Saturday morning).
    """

    start: Annotated[date, Field(ge=date(1900, 1, 1), le=date(2199, 12, 31))] = date(2026, 1, 5)
    open: Clock = "08:00"
    close: Clock = "16:00"
    workdays: Annotated[list[Weekday], Field(min_length=1, max_length=7)] = ["mon", "tue", "wed", "thu", "fri"]
    holidays: Annotated[list[date], Field(max_length=10 * MAX_ITEMS)] = []
    hours: dict[Weekday, DayHours] = {}

    @model_validator(mode="after")
    def _hours(self) -> Calendar:
        if self.open_minute >= self.close_minute:
            refuse(("close",), f"closing time {self.close} must come after opening time {self.open}")
        if len(set(self.workdays)) != len(self.workdays):
            refuse(("workdays",), f"a weekday is listed twice in {self.workdays}")
        for weekday in self.hours:
            if weekday not in self.workdays:
                refuse(("hours", weekday), f"{weekday} is not a working day (workdays: {', '.join(self.workdays)})")
            opens, closes = self.hours_of(weekday)
            if opens >= closes:
                refuse(("hours", weekday, "close"), f"closing time on {weekday} must come after its opening time")
        return self

    @property
    def open_minute(self) -> int:
        return _clock_minutes(self.open)

    @property
    def close_minute(self) -> int:
        return _clock_minutes(self.close)

    def hours_of(self, weekday: str) -> tuple[int, int]:
        """Opening and closing minute of a working weekday."""
        own = self.hours.get(weekday)  # type: ignore[call-overload]
        opens = own.open if own is not None and own.open is not None else self.open
        closes = own.close if own is not None and own.close is not None else self.close
        return _clock_minutes(opens), _clock_minutes(closes)

    @property
    def opening_hours(self) -> int:
        """Hour slots from opening to closing (a last partial hour counts)."""
        return math.ceil((self.close_minute - self.open_minute) / 60)


class RosterChange(Record):
    """Staff on duty from one time of day to another, on some weekdays (default: every working day)."""

    days: tuple[Weekday, ...] | None = None
    start: Clock = Field(alias="from")
    end: Clock = Field(alias="to")
    staff: StaffNumber

    @model_validator(mode="after")
    def _ordered(self) -> RosterChange:
        if _clock_minutes(self.end) <= _clock_minutes(self.start):
            refuse(("to",), f"the change must end after it starts, found from {self.start} to {self.end}")
        return self


class Roster(Record):
    """Staff on duty: `default` all day, changed at some hours; later changes win where they overlap.

    A bare number is a roster with no changes, and is written back as that number.
    """

    default: StaffNumber
    changes: Annotated[tuple[RosterChange, ...], Field(max_length=MAX_ITEMS)] = ()

    @model_validator(mode="before")
    @classmethod
    def _number(cls, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool):
            if data < 0:
                refuse((), f"expected a number >= 0, found {data}")
            if data > MAX_STAFF:
                refuse((), f"expected a number <= {MAX_STAFF:,}, found {str(data)[:20]}")
            return {"default": data}
        if not isinstance(data, dict):
            found = repr(data) if len(repr(data)) <= 40 else repr(data)[:37] + "..."
            refuse((), f"expected a whole number of staff or a roster {{default: N, changes: [...]}}, found {found}")
        return data

    @model_serializer(mode="wrap")
    def _as_number(self, handler: SerializerFunctionWrapHandler) -> Any:
        return self.default if not self.changes else handler(self)

    def __str__(self) -> str:
        """'2', or '2 (12:00-13:00: 1; fri 11:30-13:00: 0)'."""
        changes = "; ".join(
            f"{' '.join(change.days) + ' ' if change.days else ''}{change.start}-{change.end}: {change.staff}"
            for change in self.changes
        )
        return f"{self.default} ({changes})" if changes else str(self.default)

    @property
    def constant(self) -> bool:
        return not self.changes

    @property
    def most(self) -> int:
        """The most staff ever on duty."""
        return max([self.default, *(change.staff for change in self.changes)])

    def on(self, weekday: str) -> tuple[tuple[float, int], ...]:
        """The staff on duty through a weekday: (minute after midnight, staff from then), from midnight on."""
        changes = [c for c in self.changes if c.days is None or weekday in c.days]
        cuts = sorted({0, *(_clock_minutes(c.start) for c in changes), *(_clock_minutes(c.end) for c in changes)})
        schedule: list[tuple[float, int]] = []
        for cut in cuts:
            staff = self.default
            for change in changes:
                if _clock_minutes(change.start) <= cut < _clock_minutes(change.end):
                    staff = change.staff
            if not schedule or schedule[-1][1] != staff:
                schedule.append((float(cut), staff))
        return tuple(schedule)

    def staff_minutes(self, weekday: str, opens: float, closes: float) -> float:
        """Staff x minutes on duty between opening and closing on a weekday."""
        schedule = self.on(weekday)
        total = 0.0
        for k, (since, staff) in enumerate(schedule):
            until = schedule[k + 1][0] if k + 1 < len(schedule) else 24 * 60
            total += staff * max(0.0, min(until, closes) - max(since, opens))
        return total


Staff = Roster
"""Counters or back-office staff: a number, or a roster by hour and weekday."""


class Document(Record):
    """Something a citizen brings, which may be wrong."""

    p_defective: Probability = 0.0
    held_by_government: Flag = False
    rework_days: ReworkDays | None = None
    """Working days to fix this document once a counter names it wrong (default: the citizens' rework_days)."""


class Agency(Record):
    """A provider: its front-office counters and back-office staff."""

    name: Text | None = None
    counters: Staff = Roster(default=1)
    backoffice: Staff = Roster(default=1)
    waiting_room: Annotated[int, Strict(), Field(ge=0, le=MAX_STAFF * 100)] | None = None
    """At most this many citizens wait at the agency's counters; the next is turned away."""
    travel_minutes: TravelMinutes = 30.0
    competence: Annotated[float, Strict(), Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    error_rate: Annotated[float, Strict(), Field(ge=0, lt=1)] = 0.0
    pickup_minutes: TravelMinutes = 5.0
    wage_per_hour: Money = 0.0


class Arrivals(Record):
    """A Poisson stream of new citizens per working day, shaped by hour of day."""

    per_day: Annotated[float, Strict(), Field(gt=0, le=MAX_PER_DAY, allow_inf_nan=False)]
    profile: Annotated[list[Annotated[float, Strict(), Field(ge=0, le=1e6)]], Field(max_length=24)] | None = None
    source: LongText = ""
    """Where the numbers come from; the loader fills it in for counts read from a CSV file."""

    @model_validator(mode="after")
    def _weights(self) -> Arrivals:
        if self.profile is not None and not sum(self.profile) > 0:
            refuse(("profile",), f"expected weights with a positive sum, found {self.profile}")
        return self


class Appointments(Record):
    """Booking a slot ahead (antrian online) for one step's sitting, at its desk."""

    share: Probability
    """Share of the service's citizens (those who come in person) who book."""
    slots_per_hour: Annotated[int, Strict(), Field(ge=1, le=3_600)]
    no_show: Probability = 0.0
    """Share of booked citizens who miss their slot; they walk in on the next working day."""
    book_ahead_days: Annotated[int, Strict(), Field(ge=1, le=1_000)] = 5
    """Slots can be booked from the next working day up to this many working days ahead."""
    step: Id | None = None
    """The step whose sitting is booked (default: the first step): slots are at its desk."""


class Step(Record):
    """One agency's part of a service."""

    id: Id
    agency: Id
    counter: Minutes
    backoffice: Minutes = Fixed(value=0)
    approval_days: WorkingDays = Fixed(value=0)
    requires: Annotated[list[Id], Field(max_length=MAX_STEPS)] = []
    after: Annotated[list[Id], Field(max_length=MAX_STEPS)] = []
    pickup: Literal["next_day", "same_day"] = "next_day"
    """`same_day`: an output ready before closing is collected on the trip it was submitted on."""
    share: Probability | None = None
    """Needed by this share of the service's citizens (alone), or of an `alternative`'s."""
    alternative: Id | None = None
    """Steps naming the same alternative are options: each citizen needs exactly one of them."""

    @property
    def has_work(self) -> bool:
        """True when the output takes back-office work or an approval wait."""
        return not (self.backoffice.is_zero and self.approval_days.is_zero)


class Service(Record):
    name: Text | None = None
    arrivals: Arrivals
    standard_days: Annotated[float, Strict(), Field(gt=0, le=MAX_HORIZON_DAYS, allow_inf_nan=False)]
    fee: Money = 0.0
    appointments: Appointments | None = None
    steps: Annotated[list[Step], Field(min_length=1, max_length=MAX_STEPS)]

    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]

    def predecessors(self, step: Step) -> list[str]:
        """Steps that must come before `step`: its `after` and the outputs it requires."""
        ids = set(self.step_ids())
        return list(dict.fromkeys([*step.after, *(r for r in step.requires if r in ids)]))

    def in_order(self) -> list[str]:
        """The step ids, each in turn the first in the file whose predecessors are listed before it."""
        placed: list[str] = []
        waiting = list(self.steps)
        while waiting:
            ready = next(step for step in waiting if set(self.predecessors(step)) <= set(placed))
            placed.append(ready.id)
            waiting.remove(ready)
        return placed

    def final_steps(self) -> list[str]:
        """Steps whose output no other step requires: what the citizen finally receives.

        Only `requires` makes an output an input; a step named in another's `after` alone
        keeps its own output.
        """
        needed = {r for step in self.steps for r in step.requires}
        return [step.id for step in self.steps if step.id not in needed]


class LifeEvent(Record):
    """Several services one citizen needs at once (a birth: birth certificate, family card, child's card)."""

    name: Text | None = None
    arrivals: Arrivals
    services: Annotated[list[Id], Field(min_length=2, max_length=MAX_STEPS)]
    optional: dict[Id, Probability] = {}
    """Services not every citizen of the event needs, with the share who do."""
    order: dict[Id, list[Id]] = {}
    """Services that start only when others are done: {service: [services before it]}."""
    standard_days: Annotated[float, Strict(), Field(gt=0, le=MAX_HORIZON_DAYS, allow_inf_nan=False)] | None = None
    """The event's service standard; by default the longest chain of its services' standards."""

    def in_order(self) -> graphlib.TopologicalSorter[str]:
        """The event's services, each after those `order` puts before it."""
        return graphlib.TopologicalSorter({member: self.order.get(member, []) for member in self.services})


class Bundle(Service):
    """A life event as one service: every step of its services, named `service.step`."""

    members: list[str]
    """The service each step belongs to (a sitting at a desk is one service's, except at a single window)."""
    needs: dict[str, float]
    """Optional services and the share of the event's citizens who need each."""


def bundle(event: LifeEvent, services: Mapping[str, Service]) -> Bundle:
    """The steps of a life event's services as one service, in the event's order."""
    steps: list[Step] = []
    members: list[str] = []
    for member in event.services:
        service = services[member]
        own = set(service.step_ids())

        def named(names: list[str], member: str = member, own: set[str] = own) -> list[str]:
            return [f"{member}.{name}" if name in own else name for name in names]

        before = [f"{p}.{final}" for p in event.order.get(member, []) for final in services[p].final_steps()]
        for step in service.steps:
            first = not service.predecessors(step)
            after = [*named(step.after), *(before if first else [])]
            steps.append(step.model_copy(update={"id": f"{member}.{step.id}", "requires": named(step.requires),
                                                 "after": after}))  # fmt: skip
            members.append(member)
    return Bundle.model_construct(
        name=event.name,
        arrivals=event.arrivals,
        standard_days=event.standard_days or _longest_chain(event, services),
        fee=sum(services[member].fee for member in event.services),
        appointments=None,
        steps=steps,
        members=members,
        needs=dict(event.optional),
    )


def _longest_chain(event: LifeEvent, services: Mapping[str, Service]) -> float:
    """The longest sum of service standards along the event's order."""
    longest: dict[str, float] = {}
    for member in event.in_order().static_order():
        before = max((longest[p] for p in event.order.get(member, [])), default=0.0)
        longest[member] = before + services[member].standard_days
    return max(longest.values())


def check_life_events(scenario: Scenario) -> None:
    """Life events name services, shares and an order without a cycle."""
    for event_id, event in scenario.life_events.items():
        where = ("life_events", event_id)
        if event_id in scenario.services or event_id == ALL_SERVICES:
            refuse(where, f"{event_id!r} is already the id of a service{'s' if event_id == ALL_SERVICES else ''}: "
                   "choose another id for the life event")  # fmt: skip
        for k, member in enumerate(event.services):
            if member not in scenario.services:
                refuse_unknown((*where, "services", k), "service", member, scenario.services)
        if len(set(event.services)) < len(event.services):
            refuse((*where, "services"), f"a service is listed twice in {event.services}")
        for member in event.optional:
            if member not in event.services:
                refuse_unknown((*where, "optional", member), "service of the event", member, event.services)
        for member, before in event.order.items():
            for k, other in enumerate([member, *before]):
                if other not in event.services:
                    path = (*where, "order", member) if k == 0 else (*where, "order", member, k - 1)
                    refuse_unknown(path, "service of the event", other, event.services)
            if set(before) & set(event.optional):
                refuse((*where, "order", member), "an optional service cannot come before another: not everyone "
                       "needs it")  # fmt: skip
        try:
            event.in_order().prepare()
        except graphlib.CycleError as error:
            refuse((*where, "order"), f"services form a cycle: {' -> '.join(error.args[1])}")


class Group(Record):
    """Citizens the law serves first (older people, people with disabilities, pregnant women, children)."""

    share: Probability
    priority: Flag = False
    """Served first at every desk, without interrupting a citizen being served."""


class Citizens(Record):
    """How citizens behave: patience, persistence, rework and travel cost."""

    patience_minutes: Minutes | None = None
    max_visits: Annotated[int, Strict(), Field(ge=1, le=1_000)] = 10
    rework_days: ReworkDays = 1
    cost_per_trip: Money = 0.0
    groups: Annotated[dict[Id, Group], Field(max_length=MAX_ITEMS)] = {}
    """Groups of citizens with their shares; the rest are in no group."""
    balk_ahead: Annotated[int, Strict(), Field(ge=0, le=MAX_STAFF * 100)] | None = None
    """A citizen does not join a queue with more than this many people ahead (a wasted trip)."""

    @model_validator(mode="after")
    def _shares(self) -> Citizens:
        total = sum(group.share for group in self.groups.values())
        if total > 1 + 1e-9:
            refuse(("groups",), f"the groups' shares add up to {total:g}, more than 1")
        return self


class Levers(NamedTuple):
    """The integration levers of one configuration."""

    front_office: Literal["agency", "single"]
    co_located: bool
    handoff: Literal["citizen", "backoffice"]
    reveal: Literal["one", "all"]
    once_only: bool
    delivery: Literal["in_person", "digital"]


PRESETS: dict[str, Levers] = {
    "siloed": Levers("agency", False, "citizen", "one", False, "in_person"),
    "co_located": Levers("agency", True, "citizen", "one", False, "in_person"),
    "single_window": Levers("single", True, "backoffice", "all", False, "in_person"),
    "whole_of_government": Levers("single", True, "backoffice", "all", True, "digital"),
}


class ServiceChanges(Record):
    """What a configuration changes in one service: its list of procedures, their fields, its appointments.

    The changes apply in this order: drop, merge, add, then the fields of `steps`.
    """

    drop_steps: Annotated[list[Id], Field(max_length=MAX_STEPS)] = []
    merge_steps: Annotated[
        dict[Id, Annotated[list[Id], Field(min_length=2, max_length=MAX_STEPS)]], Field(max_length=MAX_STEPS)
    ] = {}
    """Steps done as one: one sitting, one back-office flow, one output, under the new id."""
    add_steps: Annotated[list[Step], Field(max_length=MAX_STEPS)] = []
    steps: dict[Id, dict[str, Any]] = {}
    appointments: dict[str, Any] | None = None
    """Fields of the service's appointments this configuration changes (or all of them, if it has none)."""


class Configuration(Record):
    """A preset of levers, with any lever, staffing number or process field overridden."""

    preset: Literal["siloed", "co_located", "single_window", "whole_of_government"]
    front_office: Literal["agency", "single"] | None = None
    co_located: Flag | None = None
    handoff: Literal["citizen", "backoffice"] | None = None
    reveal: Literal["one", "all"] | None = None
    once_only: Flag | None = None
    delivery: Literal["in_person", "digital"] | None = None
    online_share: Probability = 0.0
    front_office_counters: Staff | None = None
    front_office_travel_minutes: TravelMinutes | None = None
    walk_minutes: TravelMinutes = 3.0
    handoff_minutes: TravelMinutes = 30.0
    handoff_between: Annotated[dict[Id, dict[Id, TravelMinutes]], Field(max_length=MAX_ITEMS)] = {}
    """Working minutes a file takes from one back office (or the front office) to another, where not
    `handoff_minutes`: {from: {to: minutes}}."""
    lookup_failure: Probability = 0.0
    """Under once-only, the share of lookups of a document the government holds that fail: the
    document is then asked of the citizen after all."""
    calendar: dict[str, Any] | None = None
    """Fields of the calendar this configuration changes (opening hours, workdays, holidays)."""
    agencies: dict[Id, dict[str, Any]] = {}
    documents: dict[Id, dict[str, Any]] = {}
    services: dict[Id, ServiceChanges] = {}

    @property
    def levers(self) -> Levers:
        chosen = {name: getattr(self, name) for name in Levers._fields}
        return PRESETS[self.preset]._replace(**{k: v for k, v in chosen.items() if v is not None})


ELEMENTS = tuple(f"U{i}" for i in range(1, 10))
DRIVEN = ELEMENTS[:6]
"""Elements scored from what happened to the citizen; the others are baselines."""
Threshold = Annotated[float, Strict(), Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Thresholds3 = tuple[Threshold, Threshold, Threshold]


class Thresholds(Record):
    """Upper bounds for scores 4, 3 and 2 of each driven element (above: 1)."""

    U1: Thresholds3 = (0, 1, 2)
    """Rejections: none is 4, and each rejection costs a point."""
    U2: Thresholds3 = (2, 4, 6)
    """Distinct counter procedures faced (a desk's submission, its pickup): submitting and collecting at one
    desk is the simplest a counter service can be (4), and each further agency's desk costs a point."""
    U3: Thresholds3 = (1.0, 1.5, 2.0)
    """Lead time over the service standard: within the published standard is 4, each half standard late a point."""
    U4: Thresholds3 = (1, 2, 4)
    """Paid beyond the fee, over the fee (or one trip's cost when that is more, as for a free service): up to
    once the reference is 4, and each doubling costs a point."""
    U5: Thresholds3 = (0, 0, 1)
    """Product errors received: none is 4; one is 2 (a wrong product is never merely adequate); more is 1."""
    U6: Thresholds3 = (0.9, 1.1, 1.3)
    """Mean competence (time factor) of the agencies met: the norm 1.0 is 3 ("kompeten"); 10% faster or more is 4,
    more than 10% slower 2, more than 30% slower 1."""

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        for element in DRIVEN:
            bounds = getattr(self, element)
            if list(bounds) != sorted(bounds):
                refuse((element,), f"thresholds must not decrease, found {list(bounds)}")
        return self


class Satisfaction(Record):
    """The IKM survey of PermenPANRB 14/2017 as every simulated citizen answers it."""

    model: Literal["ikm2017"] = "ikm2017"
    acceptable_wait_minutes: Annotated[float, Strict(), Field(ge=0, le=1e6, allow_inf_nan=False)] = 30.0
    crowding: Annotated[int, Strict(), Field(ge=0, le=1_000_000)] = 20
    baseline: dict[Id, Score] = {}
    weights: dict[Id, Annotated[float, Strict(), Field(ge=0, le=1)]] | None = None
    thresholds: Thresholds = Thresholds()
    abandoned_respond: Flag = True

    @model_validator(mode="after")
    def _elements(self) -> Satisfaction:
        for element in self.baseline:
            if element in DRIVEN:
                refuse(("baseline", element), f"{element} is scored from the simulation, not a baseline")
        if self.weights is not None:
            for element in self.weights:
                if element not in self.elements:
                    refuse_unknown(("weights", element), "element", element, self.elements)
            missing = [e for e in self.elements if e not in self.weights]
            if missing:
                refuse(("weights",), f"no weight for {', '.join(missing)}")
            if abs(sum(self.weights.values()) - 1) > 1e-9:
                refuse(("weights",), f"weights must sum to 1, found {sum(self.weights.values()):g}")
        return self

    @property
    def elements(self) -> list[str]:
        """U1..U9 and any element the scenario adds."""
        return [*ELEMENTS, *(e for e in self.baseline if e not in ELEMENTS)]

    def baseline_of(self, element: str) -> float:
        return self.baseline.get(element, 3.0)

    def weight_of(self, element: str) -> float:
        """The element's weight: exactly 1/n of n elements unless the scenario sets them."""
        return 1 / len(self.elements) if self.weights is None else self.weights[element]


class Brief(Record):
    """How the policy brief tells the story."""

    steps: Annotated[list[Id], Field(max_length=MAX_ITEMS)] = []
    """Configurations that add one lever at a time, in order, for the lever-by-lever figure."""


class Catalogue(NamedTuple):
    """What a configuration works on: documents, agencies and services."""

    documents: Mapping[str, Document]
    agencies: Mapping[str, Agency]
    services: Mapping[str, Service]


class Scenario(Record):
    """A service catalogue and the configurations to compare on it."""

    name: Text
    description: LongText = ""
    seed: Annotated[int, Strict(), Field(ge=0, le=2**64 - 1)] = 1
    horizon_days: Annotated[int, Strict(), Field(ge=1, le=MAX_HORIZON_DAYS)] = 20
    warmup_days: Count = 0
    replications: Annotated[int, Strict(), Field(ge=1, le=MAX_REPLICATIONS)] = 10
    calendar: Calendar = Calendar()
    documents: Annotated[dict[Id, Document], Field(max_length=MAX_ITEMS)] = {}
    agencies: Annotated[dict[Id, Agency], Field(min_length=1, max_length=MAX_ITEMS)]
    services: Annotated[dict[Id, Service], Field(min_length=1, max_length=MAX_ITEMS)]
    citizens: Citizens = Citizens()
    life_events: Annotated[dict[Id, LifeEvent], Field(max_length=MAX_ITEMS)] = {}
    configurations: Annotated[dict[Id, Configuration], Field(min_length=1, max_length=MAX_ITEMS)]
    satisfaction: Satisfaction = Satisfaction()
    brief: Brief = Brief()
    max_in_system: Annotated[int, Strict(), Field(ge=1, le=10_000_000)] = 20_000
    """A run stops, naming the busiest place, when more citizens than this are in the system at once."""
    sweep: Annotated[
        dict[Annotated[str, Strict(), Field(max_length=500)], Annotated[list[Any], Field(min_length=1)]],
        Field(max_length=20),
    ] = {}
    """Dotted paths into the scenario and the values each takes: the grid of a sweep."""

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.warmup_days >= self.horizon_days:
            refuse(
                ("warmup_days",),
                f"warm-up ({self.warmup_days} days) must be shorter than the horizon ({self.horizon_days} days)",
            )
        check_life_events(self)
        check_catalogue(self.catalogue(), self.calendar, ())
        if (points := math.prod(len(values) for values in self.sweep.values())) > MAX_SWEEP_POINTS:
            refuse(("sweep",), f"a grid of {points:,} points: expected at most {MAX_SWEEP_POINTS:,} (docs/limits.md)")
        for path, values in self.sweep.items():
            for k, value in enumerate(values):
                _nested(("sweep", path, k), functools.partial(changed, self, {path: value}), apart=True)
        for k, name in enumerate(self.brief.steps):
            if name not in self.configurations:
                refuse_unknown(("brief", "steps", k), "configuration", name, self.configurations)
        for name, configuration in self.configurations.items():
            where = ("configurations", name)
            if configuration.calendar is not None:
                if "start" in configuration.calendar:
                    refuse((*where, "calendar", "start"), "every configuration keeps the scenario's start (day 0): "
                           "set calendar.start for the whole file")  # fmt: skip
                _nested((*where, "calendar"), functools.partial(self.calendar_of, name))
            catalogue = self.catalogue(name)
            if catalogue != self.catalogue():
                check_catalogue(catalogue, self.calendar, where)
            check_staffing(configuration, catalogue, where)
            check_exchange(configuration, catalogue, where)
        return self

    def procedures(self, configuration: str, service: str) -> int:
        """How many procedures (steps) a service has under a configuration."""
        return len(self.catalogue(configuration).services[service].steps)

    def calendar_of(self, configuration: str) -> Calendar:
        """The calendar a configuration's offices keep: the scenario's, with the fields it changes."""
        changes = self.configurations[configuration].calendar
        if not changes:
            return self.calendar
        return Calendar.model_validate({**self.calendar.model_dump(), **changes})

    @property
    def booking(self) -> bool:
        """Some service takes appointments, in some configuration."""
        return any(service.appointments for service in self.services.values()) or any(
            changes.appointments is not None
            for configuration in self.configurations.values()
            for changes in configuration.services.values()
        )

    @property
    def journeys(self) -> dict[str, Service]:
        """What citizens arrive for: each service, and each life event as one bundled service."""
        return dict(self.catalogue().services)

    def catalogue(self, configuration: str | None = None) -> Catalogue:
        """The documents, agencies and services (life events bundled), as `configuration` changes them."""
        own = Catalogue(self.documents, self.agencies, self.services)
        if configuration is not None:
            own = apply_changes(own, self.configurations[configuration], ("configurations", configuration))
        if not self.life_events:
            return own
        bundles = {event_id: bundle(event, own.services) for event_id, event in self.life_events.items()}
        return own._replace(services={**own.services, **bundles})


def _nested(path: Path, validate: Callable[[], Any], apart: bool = False) -> Any:
    """Validate something inside this scenario, reporting its first problem under `path`.

    The problem's own path is appended to `path`, or said after it when `apart`.
    """
    try:
        return validate()
    except ValidationError as error:
        context = {"path": path, "inner": error.errors()[0], "apart": apart}
        raise PydanticCustomError("nested", "{inner}", context) from None


def _changed(record: Record, changes: Mapping[str, Any], path: Path) -> Any:
    if "id" in changes:
        refuse((*path, "id"), "a configuration cannot rename a step")
    return _nested(path, lambda: type(record).model_validate({**dict(record), **changes}))


def changed(scenario: Scenario, settings: Mapping[str, Any]) -> Scenario:
    """The scenario with a value set at each dotted path (a sweep point), validated again.

    Paths name mapping keys and list elements by id or position:
    `agencies.tax.counters`, `services.permit.steps.nib.counter.mean`,
    `configurations.integrated.front_office_counters`.
    """
    data = scenario.model_dump(exclude={"sweep"})  # python objects: observed samples are shared, not copied
    for path, value in settings.items():
        try:
            _place(data, path, value)
        except PydanticCustomError as error:
            raise ValidationError.from_exception_data(
                "Scenario", [{"type": error, "loc": (), "input": value}]
            ) from None
    return Scenario.model_validate(data)


def _place(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at a dotted path that already exists in the resolved scenario."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        where = (".".join(parts[: depth + 1]),)
        if isinstance(node, list):
            ids = [item.get("id") for item in node if isinstance(item, dict)]
            if part in ids:
                index = ids.index(part)
            elif part.isdigit() and int(part) < len(node):
                index = int(part)
            else:
                refuse_unknown(where, "element", part, [str(i) for i in ids if i])
            key: Any = index
        elif isinstance(node, dict) and part in node:
            key = part
        elif isinstance(node, dict):
            refuse_unknown(where, "key", part, [str(k) for k in node])
        else:
            refuse(where, f"{'.'.join(parts[:depth])} is a value, not a section: cannot go into {part!r}")
        if depth == len(parts) - 1:
            node[key] = value
        else:
            node = node[key]


def _changed_all(
    own: Mapping[str, Record], changes: Mapping[str, Mapping[str, Any]], path: Path, what: str
) -> dict[str, Any]:
    merged = dict(own)
    for key, fields in changes.items():
        if key not in own:
            refuse_unknown((*path, key), what, key, own)
        merged[key] = _changed(own[key], fields, (*path, key))
    return merged


def apply_changes(own: Catalogue, configuration: Configuration, where: Path) -> Catalogue:
    """The catalogue with a configuration's changes to agencies, documents, procedures and steps."""
    if not (configuration.documents or configuration.agencies or configuration.services):
        return own
    documents = _changed_all(own.documents, configuration.documents, (*where, "documents"), "document")
    agencies = _changed_all(own.agencies, configuration.agencies, (*where, "agencies"), "agency")
    services = dict(own.services)
    for service_id, changes in configuration.services.items():
        path = (*where, "services", service_id)
        if service_id not in services:
            refuse_unknown(path, "service", service_id, services)
        services[service_id] = changed_service(services[service_id], changes, path)
    return Catalogue(documents, agencies, services)


def changed_service(service: Service, changes: ServiceChanges, path: Path) -> Service:
    """A service with a configuration's changes: steps dropped, merged, added, then their fields changed."""
    steps = {step.id: step for step in service.steps}
    for k, step_id in enumerate(changes.drop_steps):
        if step_id not in steps:
            refuse_unknown((*path, "drop_steps", k), "step", step_id, steps)
        del steps[step_id]
    renamed: dict[str, str] = {}
    for merged_id, parts in changes.merge_steps.items():
        steps = _merged(steps, merged_id, parts, (*path, "merge_steps", merged_id))
        renamed |= dict.fromkeys(parts, merged_id)
    for k, step in enumerate(changes.add_steps):
        if step.id in steps:
            refuse((*path, "add_steps", k, "id"), f"step {step.id!r} is already a step of the service")
        steps[step.id] = step
    for step_id, fields in changes.steps.items():
        if step_id not in steps:
            refuse_unknown((*path, "steps", step_id), "step", step_id, steps)
        steps[step_id] = _changed(steps[step_id], fields, (*path, "steps", step_id))
    _check_dropped(list(steps.values()), changes.drop_steps, path)
    update: dict[str, Any] = {"steps": list(steps.values())}
    appointments = service.appointments
    if changes.appointments is not None:
        fields = {**(appointments.model_dump() if appointments else {}), **changes.appointments}
        appointments = _nested((*path, "appointments"), functools.partial(Appointments.model_validate, fields))
    if appointments is not None and appointments.step in renamed:
        appointments = appointments.model_copy(update={"step": renamed[appointments.step]})
    update["appointments"] = appointments
    return service.model_copy(update=update)


def _merged(steps: dict[str, Step], merged_id: str, parts: list[str], path: Path) -> dict[str, Step]:
    """The steps with `parts` done as one step, in the place of the first part.

    Its counter and back-office times are the parts' added up, its approval the longest of
    theirs; it needs what the parts need from outside them, at the first part's agency.
    """
    for k, part in enumerate(parts):
        if part not in steps:
            refuse_unknown((*path, k), "step", part, steps)
        if steps[part].share is not None or steps[part].alternative is not None:
            refuse((*path, k), f"step {part!r} is not needed by every citizen: it cannot be merged")
    if len(set(parts)) < len(parts):
        refuse(path, f"a step is named twice in {parts}")
    if merged_id in steps and merged_id not in parts:
        refuse(path, f"{merged_id!r} is already a step of the service: choose a new id for the merged step")
    own = [steps[part] for part in parts]
    outside = set(parts)

    def needs(field: str) -> list[str]:
        return list(dict.fromkeys(r for step in own for r in getattr(step, field) if r not in outside))

    merged = Step(
        id=merged_id,
        agency=own[0].agency,
        counter=Combined(parts=tuple(step.counter for step in own)),
        backoffice=Combined(parts=tuple(step.backoffice for step in own)),
        approval_days=Combined(parts=tuple(step.approval_days for step in own), how="longest"),
        requires=needs("requires"),
        after=needs("after"),
        pickup="same_day" if all(step.pickup == "same_day" for step in own) else "next_day",
    )

    def redirected(names: list[str]) -> list[str]:
        return list(dict.fromkeys(merged_id if name in outside else name for name in names))

    result: dict[str, Step] = {}
    for step_id, step in steps.items():
        if step_id == parts[0]:
            result[merged_id] = merged
        elif step_id not in outside:
            update = {"requires": redirected(step.requires), "after": redirected(step.after)}
            result[step_id] = step.model_copy(update=update)
    return result


def _check_dropped(steps: list[Step], dropped: list[str], path: Path) -> None:
    """No step left needs or follows a dropped one."""
    for step in steps:
        for field in ("requires", "after"):
            gone = [name for name in getattr(step, field) if name in dropped]
            if gone:
                k = dropped.index(gone[0])
                refuse(
                    (*path, "drop_steps", k),
                    f"step {gone[0]!r} is dropped, but step {step.id!r} has it in {field}: "
                    f"drop {step.id!r} too, or give it other {field} under steps.{step.id}.{field}",
                )


def check_exchange(configuration: Configuration, catalogue: Catalogue, where: Path) -> None:
    """Hand-off times name agencies (or the front office), and lookups fail only where there are lookups."""
    places = [*catalogue.agencies, FRONT_OFFICE]
    for source, targets in configuration.handoff_between.items():
        if source not in places:
            refuse_unknown((*where, "handoff_between", source), "agency", source, places)
        for target in targets:
            if target not in catalogue.agencies:
                refuse_unknown((*where, "handoff_between", source, target), "agency", target, catalogue.agencies)
    if configuration.lookup_failure and not configuration.levers.once_only:
        refuse(
            (*where, "lookup_failure"),
            "lookups happen only under once_only: set once_only: true, or leave lookup_failure out",
        )


def check_catalogue(catalogue: Catalogue, calendar: Calendar, where: Path) -> None:
    """References between documents, agencies and steps; steps form a DAG."""
    if FRONT_OFFICE in catalogue.agencies:
        refuse((*where, "agencies", FRONT_OFFICE), f"{FRONT_OFFICE!r} is reserved for the pooled front office")
    if ALL_SERVICES in catalogue.services:
        refuse(
            (*where, "services", ALL_SERVICES),
            f"{ALL_SERVICES!r} is reserved for every service together in the result files; choose another id",
        )
    for service_id, service in catalogue.services.items():
        path = (*where, "services", service_id)
        profile = service.arrivals.profile
        if profile is not None and len(profile) != calendar.opening_hours:
            refuse(
                (*path, "arrivals", "profile"),
                f"expected {calendar.opening_hours} weights, one per opening hour from "
                f"{calendar.open} to {calendar.close}; found {len(profile)}",
            )
        _check_steps(service, catalogue, path)


def _check_steps(service: Service, catalogue: Catalogue, path: Path) -> None:
    ids = service.step_ids()
    for index, step in enumerate(service.steps):
        here = (*path, "steps", index)
        if step.id in ids[:index]:
            refuse((*here, "id"), f"step id {step.id!r} is used twice")
        if step.id in catalogue.documents:
            refuse((*here, "id"), f"step id {step.id!r} is also a document id")
        if step.agency not in catalogue.agencies:
            refuse_unknown((*here, "agency"), "agency", step.agency, catalogue.agencies)
        for k, need in enumerate(step.requires):
            if need not in catalogue.documents and need not in ids:
                refuse_unknown((*here, "requires", k), "document or step", need, [*catalogue.documents, *ids])
        for k, before in enumerate(step.after):
            if before not in ids:
                refuse_unknown((*here, "after", k), "step", before, ids)
    _check_branches(service, path)
    booked = service.appointments.step if service.appointments else None
    if booked is not None and booked not in ids:
        refuse_unknown((*path, "appointments", "step"), "step", booked, ids)
    graph = {step.id: service.predecessors(step) for step in service.steps}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        cycle = list(dict.fromkeys(error.args[1]))
        index = ids.index(cycle[0])
        refuse((*path, "steps", index, "after"), f"steps form a cycle: {' -> '.join(error.args[1])}")


def _check_branches(service: Service, path: Path) -> None:
    """Optional steps and alternatives: shares that add up, and no output required that may not be made."""
    ids = service.step_ids()
    branching = {step.id for step in service.steps if step.share is not None or step.alternative is not None}
    alternatives: dict[str, float] = {}
    for index, step in enumerate(service.steps):
        here = (*path, "steps", index)
        if step.alternative is not None:
            if step.share is None:
                refuse((*here, "share"), f"step {step.id!r} is an option of alternative {step.alternative!r}: "
                       "give the share of citizens who take it")  # fmt: skip
            if step.alternative in ids:
                refuse((*here, "alternative"), f"alternative {step.alternative!r} has the name of a step")
            alternatives[step.alternative] = alternatives.get(step.alternative, 0.0) + step.share
        if step.id in branching and (made := [need for need in step.requires if need in ids]):
            refuse((*here, "requires"), f"step {step.id!r} is not needed by every citizen, so the output of "
                   f"{made[0]!r} would be made for nothing for the others; use after: [{made[0]}]")  # fmt: skip
        for k, need in enumerate(step.requires):
            if need in branching:
                refuse((*here, "requires", k), f"step {need!r} is not needed by every citizen, so its output cannot "
                       f"be required; use after: [{need}] to order the steps")  # fmt: skip
    for name, total in alternatives.items():
        if abs(total - 1) > 1e-9:
            index = next(k for k, step in enumerate(service.steps) if step.alternative == name)
            refuse((*path, "steps", index, "share"), f"the shares of alternative {name!r} add up to {total:g}, not 1")


def check_staffing(configuration: Configuration, catalogue: Catalogue, where: Path) -> None:
    """Levers that fit together, and staff wherever there is work."""
    levers = configuration.levers
    if levers.front_office == "single" and levers.handoff != "backoffice":
        refuse((*where, "handoff"), "a single front office needs handoff: backoffice, found handoff: citizen")
    pooled = configuration.front_office_counters
    if pooled is not None and pooled.most == 0:
        refuse((*where, "front_office_counters"), "expected a number >= 1 (the pooled front office needs staff)")

    def short(agency: str, field: str, why: str) -> NoReturn:
        changed = field in configuration.agencies.get(agency, {})
        path = (*where, "agencies", agency, field) if changed else ("agencies", agency, field)
        under = "" if changed else f" (under configuration {where[-1]!r})"
        refuse(path, f"{why}, but agency {agency!r} has {field}: 0{under}")

    for service_id, service in catalogue.services.items():
        for step in service.steps:
            agency = catalogue.agencies[step.agency]
            if not step.backoffice.is_zero and agency.backoffice.most == 0:
                short(step.agency, "backoffice", f"step {service_id}.{step.id} has back-office work")
            if levers.front_office == "agency" and agency.counters.most == 0:
                short(step.agency, "counters", f"step {service_id}.{step.id} is submitted at its agency's counters")
