"""A fitted office -> the text of a scenario file, a comment on every fitted number.

What a ticket log cannot show (documents, back offices, approvals, service
standards, travel) is written as a commented placeholder for the analyst, and
`placeholders` lists them for the report.
"""

from __future__ import annotations

import json
from typing import Any

from simulator.fitting.hours import clock
from simulator.fitting.office import FittedOffice
from simulator.fitting.visits import RETURN_DAYS

PLACEHOLDERS = (
    "documents: what citizens bring, and which are wrong, is not in a ticket log",
    "backoffice and approval_days of each step: work behind the counter is not in a ticket log",
    "standard_days of each service: the published service standard (1 is written)",
    "travel_minutes and wages of each desk: not in a ticket log (the defaults are used)",
)


def flow(value: Any) -> str:
    """A value in YAML flow style (JSON is YAML).

    >>> flow({"dist": "gamma", "mean": 4.2, "sd": 1.5})
    '{"dist": "gamma", "mean": 4.2, "sd": 1.5}'
    """
    return json.dumps(value, ensure_ascii=False)


def _share(values: dict[str, float]) -> dict[str, float]:
    """Shares rounded to 3 decimals that still add up to exactly 1."""
    rounded = {key: round(value, 3) for key, value in values.items()}
    last = max(rounded, key=rounded.__getitem__)
    rounded[last] = round(1 - sum(v for k, v in rounded.items() if k != last), 3)
    return rounded


def _calendar(office: FittedOffice) -> list[str]:
    cal = office.calendar
    lines = [
        "calendar:",
        f"  start: {cal.start:%Y-%m-%d}  # the log's first day",
        f'  open: "{clock(cal.open)}"  # the earliest ticket of any day, rounded down to a quarter hour',
        f'  close: "{clock(cal.close)}"  # the latest ticket of any day, rounded up to a quarter hour',
        f"  workdays: {flow(cal.workdays)}  # weekdays with tickets on at least half of their dates",
    ]
    if cal.hours:
        lines.append("  hours:  # weekdays whose own first and last tickets differ")
        lines += [f'    {day}: {{open: "{clock(o)}", close: "{clock(c)}"}}' for day, (o, c) in cal.hours.items()]
    if cal.holidays:
        lines.append("  holidays:  # workdays without a single ticket: closures")
        lines += [f"    - {day:%Y-%m-%d}" for day in cal.holidays]
    return lines


def _agencies(office: FittedOffice) -> list[str]:
    lines = ["agencies:"]
    for desk, roster in office.rosters.items():
        lines += [f"  {desk}:", f"    name: {flow(office.names.get(desk, desk))}"]
        if isinstance(roster.spec, int):
            lines.append(f"    counters: {roster.spec}  # {roster.comment()}")
        else:
            lines += [
                f"    counters:  # {roster.comment()}",
                f"      default: {roster.spec['default']}",
                "      changes:",
            ]
            lines += [f"        - {flow(change)}" for change in roster.spec["changes"]]
        lines.append("    backoffice: 0  # placeholder: back-office staff are not in a ticket log")
    return lines


def _step(office: FittedOffice, service: str, desk: str, alternative: str | None, share: float | None) -> list[str]:
    times = office.times.get((service, desk))
    lines = [f"      - id: {desk}", f"        agency: {desk}"]
    if times is None:
        lines.append("        counter: 5  # placeholder: fewer than 2 timed sittings at this desk")
    else:
        lines.append(f"        counter: {flow(times.spec)}  # {times.comment()}")
    if alternative is not None:
        lines += [
            f"        alternative: {alternative}",
            f"        share: {share}  # share of the service's tickets here",
        ]
    route = office.routes[service]
    if route.returns and desk == route.desks[0]:
        lines.append(f"        requires: [{service}_brought_back]  # see documents")
    lines.append("        # backoffice: / approval_days: placeholders, not in a ticket log")
    return lines


def _services(office: FittedOffice) -> list[str]:
    lines = ["services:"]
    for service, arrivals in office.arrivals.items():
        route = office.routes[service]
        profile = [round(weight, 1) for weight in arrivals.profile]
        lines += [
            f"  {service}:",
            f"    name: {flow(office.names.get(service, service))}",
            f"    arrivals: {{per_day: {round(max(arrivals.per_day, 1e-3), 2)}, profile: {flow(profile)}}}"
            f"  # {arrivals.comment()}",
            f"    # {arrivals.weekday_comment()}",
            "    standard_days: 1  # placeholder: the published service standard is not in a ticket log",
            "    steps:  # " + ("desks in series, the most common order of a citizen's tickets" if route.series
                               else "one desk per ticket"),
        ]  # fmt: skip
        if route.series or len(route.shares) == 1:
            for desk in route.desks:
                lines += _step(office, service, desk, None, None)
        else:
            for desk, share in _share(route.shares).items():
                lines += _step(office, service, desk, f"{service}_desk", share)
    return lines


def _documents(office: FittedOffice) -> list[str]:
    returning = {service: route for service, route in office.routes.items() if route.returns}
    if not returning:
        return ["# documents: placeholder: what citizens bring, and which are wrong, is not in a ticket log"]
    lines = ["documents:  # returns: a rejected application brought back, or a pickup (a ticket log cannot tell)"]
    for service, route in returning.items():
        lines.append(
            f"  {service}_brought_back: {{p_defective: {round(route.return_share, 4)}}}  # {route.returns:,} of "
            f"{route.visits:,} first visits came back within {RETURN_DAYS} days"
        )
    return lines


def _citizens(office: FittedOffice) -> list[str]:
    lines = ["citizens:"]
    patience = office.patience
    if patience is None:
        lines.append("  # patience_minutes: no ticket was left unserved before closing: patience not seen")
    else:
        lines.append(f"  patience_minutes: {flow({'dist': 'exponential', 'mean': round(patience.mean, 1)})}"
                     f"  # {patience.comment()}")  # fmt: skip
    gaps = [route.return_gap_days for route in office.routes.values() if route.returns]
    if gaps:
        days = max(1, round(sorted(gaps)[len(gaps) // 2]))
        lines.append(f"  rework_days: {days}  # median days between a visit and its return, in working days")
    if not any(line.startswith("  ") and not line.lstrip().startswith("#") for line in lines):
        lines[0] = "citizens: {}  # nothing about citizens seen in the log"
    return lines


def scenario_text(office: FittedOffice, source: str, name: str) -> str:
    """The scenario file of a fitted office: loads and runs as it is."""
    defects = office.log.defects.lines()
    head = [
        f"# Fitted by `run_sim.py fit` from {source}: {office.tickets:,} usable tickets on "
        f"{len(office.calendar.open_days)} days.",
        "# Every fitted number says what it rests on. Not in a ticket log, left for the analyst:",
        *[f"#   - {line}" for line in PLACEHOLDERS],
        *(["# Defects of the log:"] + [f"#   - {line}" for line in defects] if defects else []),
        f"name: {flow(name)}",
        f"description: {flow('Fitted from the queue-ticket log ' + source)}",
        "seed: 1",
        f"horizon_days: {len(office.calendar.open_days)}  # the days the log has tickets on",
        "warmup_days: 0  # each day's queue is sent home at closing: each day starts empty",
        "replications: 20",
    ]
    body = [*_calendar(office), *_agencies(office), *_services(office), *_documents(office), *_citizens(office)]
    tail = ["configurations:", "  observed: {preset: co_located}  # every desk under one roof, as in the log"]
    return "\n".join([*head, *body, *tail]) + "\n"
