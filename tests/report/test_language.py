"""The message catalogues: every language has every message with the same blanks, and none the code needs is missing.

English is the source language: its catalogue gives each message once, as the
msgid, with an empty msgstr. Every other language translates every message of
the current English, and fills in the same `{placeholders}`.
"""

from __future__ import annotations

import ast
import re
import string
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from simulator.report import language as words_module
from simulator.report.language import DOMAIN, LANGUAGES, LOCALE, SOURCE, catalogue_file, language, messages
from simulator.report.optimise_text import DOMAIN as OPTIMISE
from simulator.web.words import DOMAIN as WEB

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simulator"
DOMAINS = (DOMAIN, OPTIMISE, WEB)
OPTIMISER_FILES = ("optimise_text.py", "optimise_plots.py")
"""Modules whose `say` is the optimiser's (`optimise_text.Words`); `.base.say` there is the project's."""
PAGE = PACKAGE / "web"
"""The what-if page's package: its function `say(lang, key)` is the page's own words (`web.words`)."""


def catalogue(code: str, domain: str) -> Catalog:
    with catalogue_file(code, domain).open("rb") as file:
        return read_po(file, locale=code, domain=domain, abort_invalid=True)


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def by_id(found: Catalog) -> dict[str, tuple[str, str, bool]]:
    """msgctxt -> (msgid, msgstr, fuzzy) of every message but the header."""
    entries: dict[str, tuple[str, str, bool]] = {}
    for message in found:
        if not message.id:
            continue
        assert message.context, f"{message.id!r}: every message needs a msgctxt, the id the code asks for"
        assert message.context not in entries, f"{message.context} is given twice"
        entries[str(message.context)] = (str(message.id), str(message.string), message.fuzzy)
    return entries


def test_english_and_indonesian_are_there() -> None:
    assert LANGUAGES[0] == SOURCE == "en"
    assert "id" in LANGUAGES
    for code in LANGUAGES:
        for domain in DOMAINS:
            assert catalogue_file(code, domain).is_file(), (code, domain)
    assert not catalogue(SOURCE, DOMAIN).obsolete and not catalogue("id", DOMAIN).obsolete


@pytest.mark.parametrize("domain", DOMAINS)
def test_english_is_the_source(domain: str) -> None:
    entries = by_id(catalogue(SOURCE, domain))
    assert len(entries) > 40
    for key, (text, translation, _) in entries.items():
        assert text.strip(), key
        assert translation == "", f"{key}: English is the msgid; leave its msgstr empty"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", [code for code in LANGUAGES if code != SOURCE])
def test_every_language_translates_every_message_with_the_same_blanks(code: str, domain: str) -> None:
    english = by_id(catalogue(SOURCE, domain))
    translated = by_id(catalogue(code, domain))
    missing = [key for key in english if key not in translated]
    assert not missing, f"{code}/{domain}.po has no message {missing}"
    extra = [key for key in translated if key not in english]
    assert not extra, f"{code}/{domain}.po has messages English no longer has: {extra}"
    for key, (text, translation, fuzzy) in translated.items():
        assert text == english[key][0], f"{code} {key}: translates an older English text; update the msgid"
        assert translation.strip() and not fuzzy, f"{code} {key}: not translated (or fuzzy)"
        assert blanks(translation) == blanks(text), f"{code} {key}: placeholders differ from the English"


def test_an_untranslated_or_fuzzy_message_shows_the_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As gettext does; the test above keeps this from happening in a shipped catalogue."""
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "servicecycle.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgctxt "and"\nmsgid "and"\nmsgstr "dan"\n\n'
        'msgctxt "no_completed"\nmsgid "no completed applicants"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgctxt "not_available"\nmsgid "n/a"\nmsgstr "t/a"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(words_module, "LOCALE", tmp_path)
    found = messages.__wrapped__("xx")
    assert dict(found) == {"and": "dan", "no_completed": "no completed applicants", "not_available": "n/a"}


def _calls(tree: ast.AST) -> Iterator[tuple[str, str, ast.expr]]:
    """(method, receiver's source, key) of every call `x.say(key, ...)`, `x.count(...)`, `x.get(...)`.

    The page's function `say(lang, key, ...)` comes as the method `say` of no receiver.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            yield node.func.attr, ast.unparse(node.func.value), node.args[0]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say" and node.args[1:]:
            yield "say", "", node.args[1]


def _prefix(argument: ast.expr) -> str | None:
    """The constant start of an f-string key (`f"metric_{metric}"` -> 'metric_')."""
    if isinstance(argument, ast.JoinedStr) and argument.values and isinstance(argument.values[0], ast.Constant):
        return str(argument.values[0].value)
    return None


def used_ids() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Message ids the code asks for by name, and the prefixes of those it builds, per domain."""
    named: dict[str, set[str]] = {domain: set() for domain in DOMAINS}
    prefixes: dict[str, set[str]] = {domain: set() for domain in DOMAINS}
    for module in sorted(PACKAGE.rglob("*.py")):
        for method, receiver, argument in _calls(ast.parse(module.read_text(encoding="utf-8"))):
            own = module.name in OPTIMISER_FILES and not receiver.endswith("base")
            page = module.is_relative_to(PAGE) and receiver == ""
            domain = WEB if page else OPTIMISE if own else DOMAIN
            key = argument.value if isinstance(argument, ast.Constant) else None
            if method == "say" and isinstance(key, str):
                named[domain].add(key)
            elif method == "count" and isinstance(key, str) and re.fullmatch(r"[a-z_]+", key):
                named[domain] |= {f"{key}_one", f"{key}_many"}
            elif method in ("say", "get") and (start := _prefix(argument)):
                prefixes[domain].add(start)
    return named, prefixes


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_the_code_asks_for_is_in_the_catalogue(domain: str) -> None:
    named, prefixes = used_ids()
    english = by_id(catalogue(SOURCE, domain))
    assert len(named[domain]) > 20
    missing = sorted(key for key in named[domain] if key not in english)
    assert not missing, f"the code asks for messages {domain}.po does not have: {missing}"
    for start in prefixes[domain]:
        assert any(key.startswith(start) for key in english), f"no message of {domain}.po starts with {start!r}"


def test_every_message_of_the_page_is_asked_for() -> None:
    """No stale word on the page: each is asked for by name or belongs to a family it builds (`what_...`).

    (The other domains also ask for messages by ids held in variables, which this cannot follow.)
    """
    named, prefixes = used_ids()
    english = by_id(catalogue(SOURCE, WEB))
    stale = sorted(key for key in english if key not in named[WEB] and not key.startswith(tuple(prefixes[WEB])))
    assert not stale, f"{WEB}.po has messages the page never asks for: {stale}"


def test_every_metric_has_a_name_and_a_unit_in_every_language() -> None:
    from simulator.experiments.runs import FLOORS  # noqa: PLC0415 (the headline metrics a run always reports)

    for code in LANGUAGES:
        words = language(code)
        for metric in FLOORS:
            assert words.metric(metric), (code, metric)
            words.unit(metric)  # a KeyError names a metric with no unit


def test_an_installed_package_carries_the_catalogues() -> None:
    """pyproject.toml declares the .po files package data, so a wheel holds every catalogue."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = [
        (package, pattern)
        for package, patterns in project["tool"]["setuptools"]["package-data"].items()
        for pattern in patterns
    ]
    assert any(dependency.lower().startswith("babel") for dependency in project["project"]["dependencies"])
    for file in LOCALE.rglob("*.po"):
        inside = file.relative_to(ROOT)
        assert any(
            fnmatch(str(inside.relative_to(Path(*package.split(".")))), pattern)
            for package, pattern in globs
            if inside.is_relative_to(Path(*package.split(".")))
        ), f"{inside} is not package data"
