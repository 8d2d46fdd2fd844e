"""Configurations in words: their levers, and how each differs from the ones before it (no matplotlib here)."""

from __future__ import annotations

from collections.abc import Sequence

from simulator.report.language import Language
from simulator.scenario.schema import Levers, Scenario


def label(configuration: str) -> str:
    """A configuration as the reader sees it: 'one_stop' -> 'one stop'."""
    return configuration.replace("_", " ")


def _lever_phrase(lever: str, setting: object, lang: Language, short: bool = False) -> str:
    key = f"lever_{lever}_{str(setting).lower()}"
    return lang.say(f"short_{key}" if short and f"short_{key}" in lang.words else key)


def lever_words(
    scenario: Scenario, configuration: str, lang: Language, against: str | None = None, short: bool = False
) -> list[str]:
    """A configuration's levers in words; with `against`, only what differs from that configuration.

    `short` gives the few words a figure's label has room for.
    """
    own = scenario.configurations[configuration]
    other = scenario.configurations[against] if against is not None else None
    levers: Levers = own.levers
    words = [
        _lever_phrase(lever, setting, lang, short)
        for lever, setting in levers._asdict().items()
        if other is None or getattr(other.levers, lever) != setting
    ]
    if (other is None and own.online_share) or (other is not None and other.online_share != own.online_share):
        words.append(lang.say("short_lever_online" if short else "lever_online", share=lang.percent(own.online_share)))
    counters = own.front_office_counters
    if levers.front_office == "single" and counters and (other is None or other.front_office_counters != counters):
        words.append(lang.say("short_lever_counters" if short else "lever_counters", count=counters))
    changed = [
        *(f"{lang.desk(step)}" for changes in own.services.values() for step in changes.steps),
        *(lang.desk(agency) for agency in own.agencies),
        *(lang.desk(document) for document in own.documents),
    ]
    if changed and (
        other is None
        or (own.services, own.agencies, own.documents) != (other.services, other.agencies, other.documents)
    ):
        words.append(lang.say("lever_changes", what=lang.listing(changed)))
    return words


def configuration_lines(words: Language, scenario: Scenario, configurations: Sequence[str]) -> list[tuple[str, str]]:
    """(configuration, its line): the reference with all its levers, each other by what it changes.

    Each is described against the earlier configuration it differs least from
    (the latest on a tie), so a reform that adds one lever reads as that lever.
    """
    baseline = configurations[0]
    everything = "; ".join(lever_words(scenario, baseline, words))
    lines = [(baseline, words.say("configuration_baseline", name=label(baseline), levers=everything))]
    for k, name in enumerate(configurations[1:], start=1):
        changes = {other: lever_words(scenario, name, words, against=other) for other in configurations[:k]}
        nearest = min(reversed(configurations[:k]), key=lambda other: len(changes[other]))
        key = "configuration_other" if changes[nearest] else "configuration_same"
        line = words.say(key, name=label(name), baseline=label(nearest), levers="; ".join(changes[nearest]))
        lines.append((name, line))
    return lines
