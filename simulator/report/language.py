"""Every word the figures and the brief show a reader, in English and Bahasa Indonesia.

The words live in gettext message catalogues that a translator edits without
Python (`locale/<language>/LC_MESSAGES/servicecycle.po`, see docs/translating.md):
the code asks a `Language` for a message by its id (the entry's msgctxt), and
`plots.py`, `brief.py` and `comparison.py` (the comparison printed on the terminal)
hold no words of their own. Numbers are formatted one way everywhere (`value`),
with Indonesian separators in Bahasa Indonesia.

>>> language("id").value("lead_time_days", 6.976)
'6,98'
>>> language("en").say("trip_many", count=3)
'3 trips'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from simulator.analysis.satisfaction import grade

POINTS = ("abandoned_share", "within_standard_share", "ikm")
"""Metrics whose change reads better in points than in per cent."""
NEEDS_COMPLETION = (
    "lead_time_days",
    "lead_time_calendar_days",
    "lead_time_days_p50",
    "lead_time_days_p90",
    "staff_cost_per_case",
)
"""Metrics that exist only when someone completed: without completions they are 'no completed applicants'."""


def value(metric: str, number: float, graded: bool = True) -> str:
    """A metric's value as people read it, in English digits: shares in per cent, IKM with its grade.

    >>> value("within_standard_share", 0.4567), value("ikm", 76.61), value("wait_minutes", 3.14159)
    ('45.7%', '76.6 (B)', '3.14')
    """
    if math.isnan(number):
        return "n/a"
    if metric.endswith("_share"):
        return f"{100 * number:.1f}%"
    if metric == "ikm" and graded:
        return f"{number:.1f} ({grade(number)[0]})"
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.{1 if abs(number) >= 10 else 2}f}"


LOCALE = Path(__file__).with_name("locale")
"""The message catalogues: `LOCALE/<language>/LC_MESSAGES/<domain>.po`, one folder a language."""
SOURCE = "en"
"""The language the messages are written in: each message's msgid is its English text."""
DOMAIN = "servicecycle"
"""The words of figures, brief and terminal; the optimiser's own are in the domain `optimise`."""
LANGUAGES = (SOURCE, *sorted(folder.name for folder in LOCALE.iterdir() if folder.name != SOURCE and folder.is_dir()))
SWAP_SEPARATORS = str.maketrans(",.", ".,")
UNITLESS = ("trips", "contacts", "rejections", "ikm", "citizen_cost", "staff_cost_per_case")
"""Metrics that are counted, scored or paid, and so have no unit word."""


def catalogue_file(code: str, domain: str = DOMAIN) -> Path:
    return LOCALE / code / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def messages(code: str, domain: str = DOMAIN) -> Mapping[str, str]:
    """The messages of a language's catalogue by id (the msgctxt), read from its .po file once.

    As gettext does, a message with an empty or fuzzy translation shows its English msgid.
    """
    from babel.messages.pofile import read_po  # noqa: PLC0415 (only a run that writes words needs Babel)

    with catalogue_file(code, domain).open("rb") as file:
        catalogue = read_po(file, locale=code, domain=domain, ignore_obsolete=True, abort_invalid=True)
    found = {
        str(message.context): str(message.string if message.string and not message.fuzzy else message.id)
        for message in catalogue
        if message.id and message.context
    }
    return MappingProxyType(found)




@dataclass(frozen=True)
class Language:
    """The words and number formats of one language."""

    code: str
    words: Mapping[str, str]

    def say(self, key: str, **values: Any) -> str:
        """The text `key`, with `values` filled in."""
        return self.words[key].format(**values)

    def localise(self, number_text: str) -> str:
        """An English-formatted number ('1,234.5') with this language's separators ('1.234,5').

        A zero rounded from a tiny negative loses its sign: '-0.0%' -> '0.0%'.
        """
        if number_text.startswith("-") and not any(digit in "123456789" for digit in number_text):
            number_text = number_text[1:]
        if self.code == "id":
            return number_text.translate(SWAP_SEPARATORS)
        return number_text

    def number(self, number: float, digits: int = 1, signed: bool = False) -> str:
        """A number with `digits` decimals (and thousands separators)."""
        if math.isnan(number):
            return self.say("not_available")
        return self.localise(f"{number:{'+' if signed else ''},.{digits}f}")

    def percent(self, share: float, signed: bool = False, digits: int = 0) -> str:
        """A share as per cent: 0.123 -> '12%'."""
        if math.isnan(share):
            return self.say("not_available")
        return f"{self.number(100 * share, digits, signed)}%"

    def value(self, metric: str, number: float, graded: bool = True) -> str:
        """A metric's value, in this language; 'no completed applicants' where only completions give it one."""
        if math.isnan(number):
            return self.say("no_completed" if metric in NEEDS_COMPLETION else "not_available")
        return self.localise(value(metric, number, graded))

    def term(self, metric: str) -> str:
        """A metric's short name on the terminal: 'lead time', 'waktu penyelesaian'."""
        return self.words.get(f"term_{metric}") or metric.replace("_", " ")

    def metric(self, metric: str) -> str:
        return self.say(f"metric_{metric}")

    def metric_label(self, metric: str) -> str:
        """A metric's name as an axis or row label: 'Lead time', 'IKM'."""
        name = self.words.get(f"label_{metric}") or self.metric(metric)
        return name[:1].upper() + name[1:]

    def unit(self, metric: str) -> str:
        return "" if metric in UNITLESS else self.say(f"unit_{metric}")

    def count(self, noun: str, count: int) -> str:
        """'1 trip', '3 trips'."""
        return self.say(f"{noun}_{'one' if count == 1 else 'many'}", count=count)

    def element(self, element: str) -> str:
        """An IKM element by its official name (with an English gloss in English)."""
        return self.words.get(f"element_{element}", element)

    def grade(self, ikm: float, glossed: bool = True) -> tuple[str, str]:
        """The grade letter of an IKM and its official performance name ('Baik'), glossed in English."""
        letter, performance = grade(ikm)
        return letter, self.say(f"grade_{letter}", performance=performance) if glossed else performance

    def desk(self, desk: str) -> str:
        """A desk as a reader knows it: an agency id, or the pooled front office."""
        return self.say("front_office") if desk == "front_office" else desk.replace("_", " ")

    def listing(self, items: list[str]) -> str:
        """'a, b and c'."""
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.say('and')} {items[-1]}"

    def change(self, metric: str, row: Mapping[str, Any]) -> tuple[str, str, str]:
        """A comparison row's change and its 95% interval, as (change, low, high).

        In points for shares and the IKM, in per cent for the rest, and in the
        metric's own unit when the baseline is zero (no per cent exists). A
        missing bound is 'n/a'.
        """
        if metric in POINTS:
            scale = 100 if metric.endswith("_share") else 1
            shown = (self.number(scale * float(row[k]), 1, signed=True) for k in ("difference", "ci_low", "ci_high"))
            change, low, high = shown
            return self.say("points", value=change), low, high
        if not math.isnan(float(row["relative_change"])):
            keys = ("relative_change", "relative_ci_low", "relative_ci_high")
            change, low, high = (self.percent(float(row[k]), signed=True) for k in keys)
            return change, low, high
        unit = self.unit(metric)
        change, low, high = (self.signed_value(metric, float(row[k])) for k in ("difference", "ci_low", "ci_high"))
        return f"{change} {unit}".strip(), low, high

    def signed_value(self, metric: str, number: float) -> str:
        """A difference of a metric, signed: '+0.12', '-3.40'."""
        if math.isnan(number):
            return self.say("not_available")
        text = value(metric, abs(number), graded=False)
        return self.localise(("-" if number < 0 else "+") + text)

    def direction(self, metric: str, row: Mapping[str, Any]) -> str:
        """The change of a comparison row as a verb phrase: 'cuts the number of trips by 69%'.

        'leaves ... unchanged' when the paired interval holds zero; no sign in
        the number, the verb says the direction.
        """
        difference, low, high = (float(row[k]) for k in ("difference", "ci_low", "ci_high"))
        name = self.metric(metric)
        if math.isnan(difference):
            return self.say("change_by_none", metric=name)
        if difference == 0 or (not math.isnan(low) and low <= 0 <= high):
            return self.say("change_by_same", metric=name)
        relative = float(row["relative_change"])
        if metric in POINTS or math.isnan(relative):
            change = self.change(metric, {**row, "difference": abs(difference), "ci_low": 0.0, "ci_high": 0.0})[0]
            change = change.lstrip("+")
        else:
            change = self.percent(abs(relative))
        return self.say("change_by_down" if difference < 0 else "change_by_up", metric=name, change=change)


def language(code: str) -> Language:
    """The language of a code of `LANGUAGES` ('en', 'id'), with its catalogue's messages."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r} (expected one of: {', '.join(LANGUAGES)})")
    return Language(code, messages(code))
