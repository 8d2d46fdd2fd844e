"""Property: whatever is wrong with a scenario, it is refused with a ScenarioError, never a traceback.

Valid scenarios (the tiny one and each bundled one) are mutated at random: a key dropped anywhere,
a value given another type, a number flipped, zeroed, made huge or NaN or pushed toward the extremes
a float or an integer can hold, a key or a referenced name misspelt, a name swapped for another one
of the scenario, an unknown key added, a list entry repeated, a part shared with another place (a
YAML alias once written), and for the command line an alias bomb. Each mutant either validates or is
refused with a message that starts with the file name and names a field; the command line says the
same with exit code 2, in bounded time.
"""

from __future__ import annotations

import copy
import io
import math
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator.analysis.capacity import HOPELESS, offered_load
from simulator.cli import main
from simulator.scenario.loading import ScenarioError, load_scenario, parse_text, validate
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "mutated.yaml"

Data = dict[str, Any]
Key = str | int
Where = tuple[Key, ...]

# `tiny_data` is function-scoped: it is made once per test function, not per example, so each
# example starts from a deep copy of it and never changes the fixture's mapping itself.
FIXTURE_SETTINGS = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@cache
def bundled_mappings() -> tuple[tuple[str, Data], ...]:
    """The raw mapping of each bundled scenario, read as the loader reads it."""
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert paths, "no bundled scenarios in scenarios/"
    return tuple((path.name, parse_text(path.read_text(encoding="utf-8"), path.name)) for path in paths)


# --- walking and changing a nested mapping -------------------------------------------------------


def walk(node: Any, where: Where = ()) -> Iterator[tuple[Where, Any]]:
    """Every value below `node` with its path (not `node` itself)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*where, key), value
        yield from walk(value, (*where, key))


def at(root: Any, where: Where) -> Any:
    for key in where:
        root = root[key]
    return root


def put(root: Data, where: Where, value: Any) -> None:
    at(root, where[:-1])[where[-1]] = value


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@st.composite
def pick(draw: st.DrawFn, paths: list[Where]) -> Where:
    """One of `paths`, every depth equally likely: deep fields get changed as often as top-level ones."""
    depths = sorted({len(where) for where in paths})
    depth = draw(st.sampled_from(depths))
    return draw(st.sampled_from([where for where in paths if len(where) == depth]))


@st.composite
def near_miss(draw: st.DrawFn, word: str) -> str:
    """A misspelling of `word`: a letter dropped, doubled, swapped, changed, or an 's' added."""
    if not word:
        return "x"
    i = draw(st.integers(0, len(word) - 1))
    kind = draw(st.sampled_from(["drop", "double", "swap", "replace", "plural", "upper"]))
    if kind == "drop" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i:]
    if kind == "swap" and i + 1 < len(word) and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "replace":
        return word[:i] + ("x" if word[i] != "x" else "y") + word[i + 1 :]
    if kind == "upper" and word != word.upper():
        return word.upper()
    return word + "s"


OTHER_VALUES: list[Any] = ["", "x", "16:00", "2026-01-05", [], [1, "a"], {}, {"x": 1}, None, True, False, 0, 2.5]


def other_value() -> st.SearchStrategy[Any]:
    """A value of some type, a fresh copy each time (the mutant may be changed again later)."""
    return st.sampled_from(OTHER_VALUES).map(copy.deepcopy)


def changed_number(value: float) -> list[Any]:
    powers = (3, 6, 9, 12, 19, 100, 154, 300, 400)
    if isinstance(value, int):
        toward_extremes = [value * 10**k for k in powers]
    else:
        toward_extremes = [value * 10.0**k if k < 308 else value * math.inf for k in powers]
    edges = [10**400, -(10**400), 2**64, 2**63 - 1, 1e19, 1e154, 1.7e308, 5e-324, -5e-324, 1e-300]
    simple = [-value, -1, 0, 0.0, 10**30, 1e308, -1e308, math.nan, math.inf, -math.inf, str(value)]
    simple += [value + 0.5] if abs(value) < 1e300 else []
    return simple + toward_extremes + edges


def names_in(data: Data) -> list[str]:
    """Every key and text value of the mapping: what a reference could be swapped for."""
    found = {key for where, _ in walk(data) for key in where if isinstance(key, str)}
    found |= {value for _, value in walk(data) if isinstance(value, str) and len(value) < 40}
    return sorted(found)


@st.composite
def mutation(draw: st.DrawFn, data: Data) -> str:
    """Change `data` in place at random; the description of the change."""
    everything = list(walk(data))
    assume(everything)
    kind = draw(
        st.sampled_from(
            ["drop", "retype", "number", "rename_key", "misspell", "swap_name", "add_key", "repeat", "share"]
        )
    )
    if kind == "number" and (numbers := [where for where, value in everything if is_number(value)]):
        where = draw(pick(numbers))
        put(data, where, value := draw(st.sampled_from(changed_number(at(data, where)))))
        return f"{where} = {value!r}"
    if kind in ("misspell", "swap_name") and (
        texts := [where for where, value in everything if isinstance(value, str)]
    ):
        where = draw(pick(texts))
        old = at(data, where)
        new = draw(near_miss(old) if kind == "misspell" else st.sampled_from(names_in(data)))
        put(data, where, new)
        return f"{where}: {old!r} -> {new!r}"
    if kind == "rename_key" and (keys := [where for where, _ in everything if isinstance(where[-1], str)]):
        where = draw(pick(keys))
        parent, old = at(data, where[:-1]), where[-1]
        new = draw(near_miss(old))
        renamed = {(new if key == old else key): value for key, value in parent.items()}
        parent.clear()
        parent.update(renamed)
        return f"{where} renamed {new!r}"
    if kind == "add_key":
        dicts = [(), *(where for where, value in everything if isinstance(value, dict))]
        where = draw(pick(dicts))
        parent = at(data, where)
        key = draw(st.sampled_from(["extra", *(near_miss_plain(k) for k in parent if isinstance(k, str))]))
        parent[key] = draw(other_value())
        return f"{where} + {key!r}"
    if kind == "share" and (parts := [where for where, value in everything if isinstance(value, dict | list)]):
        where, other = draw(pick(parts)), draw(pick(parts))
        if where[: len(other)] != other and other[: len(where)] != where:  # neither inside the other
            put(data, where, at(data, other))  # the same object twice: written as an anchor and an alias
            return f"{where} is {other}"
    if kind == "repeat" and (lists := [where for where, value in everything if isinstance(value, list) and value]):
        where = draw(pick(lists))
        entries = at(data, where)
        entries.append(copy.deepcopy(draw(st.sampled_from(entries))))
        return f"{where} repeats an entry"
    where = draw(pick([where for where, _ in everything]))
    if kind == "retype":
        put(data, where, value := draw(other_value()))
        return f"{where} = {value!r}"
    parent = at(data, where[:-1])
    del parent[where[-1]]
    return f"{where} dropped"


def near_miss_plain(word: str) -> str:
    return word[:-1] if len(word) > 2 else word + "s"


@st.composite
def mutant(draw: st.DrawFn, bases: list[tuple[str, Data]], bombs: bool = False) -> tuple[Data, list[str]]:
    """One of `bases`, deep-copied and changed one to three times, with what was changed.

    With `bombs`, a change may also put an alias bomb somewhere: lists of lists that share their parts,
    which YAML writes in a few hundred bytes and which would expand to billions of entries.
    """
    name, base = draw(st.sampled_from(bases))
    data = copy.deepcopy(base)
    changes = [draw(mutation(data)) for _ in range(draw(st.integers(1, 3)))]
    if bombs and draw(st.booleans()):
        where = draw(pick([(), *(where for where, value in walk(data) if isinstance(value, dict))]))
        levels = draw(st.integers(2, 10))
        bomb: Any = ["x"] * 9
        for _ in range(levels - 1):
            bomb = [bomb] * 9
        at(data, where)[draw(st.sampled_from(["extra", "profile", "holidays", "values"]))] = bomb
        changes.append(f"{where} gets an alias bomb of {levels} levels")
    return data, [name, *changes]


def bases(tiny_data: Data) -> list[tuple[str, Data]]:
    return [("tiny", tiny_data), *bundled_mappings()]


# --- what a refusal must look like ---------------------------------------------------------------


def check_refusal(message: str, data: Data) -> None:
    """The message names the file, then one problem or a list of them, each starting with a field path."""
    assert message.startswith(f"{SOURCE}: "), message
    assert "Traceback" not in message
    body = message.removeprefix(f"{SOURCE}: ")
    first, *rest = body.split("\n")
    problems = [line.removeprefix("  ") for line in rest] if rest else [first]
    if rest:
        assert first.endswith(" problems:"), message
        assert all(line.startswith("  ") for line in rest), message
    roots = set(Scenario.model_fields) | {str(key) for key in data}
    for problem in problems:
        if problem.startswith("... and "):
            continue
        path, colon, what = problem.partition(": ")
        assert colon and what.strip(), f"no field path in {message!r}"
        assert path.split(".")[0].split("[")[0] in roots, f"{path!r} is not a field path in {message!r}"


def outcome(data: Data) -> Scenario | str:
    """The validated scenario, or the refusal's message; any other exception fails the test."""
    try:
        return validate(data, SOURCE)
    except ScenarioError as error:
        return str(error)


# --- the properties ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the whole module (a function-scoped tmp_path would be shared by all examples anyway)."""
    return tmp_path_factory.mktemp("mutated")


@settings(FIXTURE_SETTINGS, max_examples=1000)
@given(choice=st.data())
def test_a_mutated_scenario_is_valid_or_refused_cleanly(choice: st.DataObject, tiny_data: Data) -> None:
    data, changes = choice.draw(mutant(bases(tiny_data)), label="mutant")
    before = repr(data)
    result = outcome(data)
    assert repr(data) == before, "validate changed the mapping it was given"
    if isinstance(result, str):
        check_refusal(result, data)
    else:
        # A mutant that passes is a whole scenario: its resolved form validates to the same scenario.
        assert isinstance(result, Scenario)
        assert validate(result.model_dump(mode="json"), "resolved.yaml") == result, changes


@settings(FIXTURE_SETTINGS, max_examples=150)
@given(choice=st.data())
def test_check_command_on_a_mutated_file_exits_0_or_2_without_traceback(
    choice: st.DataObject, tiny_data: Data, cli_folder: Path
) -> None:
    data, _ = choice.draw(mutant(bases(tiny_data), bombs=True), label="mutant")
    path = cli_folder / SOURCE
    started = time.monotonic()
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        expected: Scenario | str = load_scenario(path)
    except ScenarioError as error:
        expected = str(error)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", str(path)])
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert code in (0, 2), err.getvalue()
    if isinstance(expected, str):
        assert code == 2
        assert err.getvalue() == f"error: {expected}\n"
        assert out.getvalue() == ""
    elif any(load.mean > HOPELESS for load in offered_load(expected)):
        assert code == 2
        assert err.getvalue().startswith(f"error: {SOURCE}: the system is overloaded: configuration ")
        assert out.getvalue() == ""
    else:
        assert code == 0
        assert out.getvalue().startswith(f"ok: {SOURCE}: {expected.name!r}: ")
        said = err.getvalue().splitlines()
        assert all(line.startswith(f"warning: {SOURCE}: ") and "overloaded" in line for line in said), said
    assert time.monotonic() - started < 20, "checking a file took too long"


# --- the mutation machinery itself -----------------------------------------------------------------


def test_every_base_scenario_is_valid(tiny_data: Data) -> None:
    for name, data in bases(tiny_data):
        assert isinstance(validate(data, name), Scenario), name


@settings(FIXTURE_SETTINGS, max_examples=100)
@given(choice=st.data())
def test_mutations_change_the_scenario_not_its_base(choice: st.DataObject, tiny_data: Data) -> None:
    original = copy.deepcopy(tiny_data)
    _, changes = choice.draw(mutant([("tiny", tiny_data)]), label="mutant")
    assert tiny_data == original, "the base mapping must not be changed"
    assert 2 <= len(changes) <= 4
    one = copy.deepcopy(tiny_data)
    change = choice.draw(mutation(one), label="one change")
    # Only a swapped name or a new number can happen to equal the old one (`x -> x`, `n = n`).
    assert repr(one) != repr(original) or "->" in change or " = " in change, change


@pytest.mark.parametrize("word", ["agency", "office", "U7", "a"])
def test_near_misses_differ_from_the_word(word: str) -> None:
    @settings(max_examples=30, database=None, derandomize=True)
    @given(st.data())
    def check(choice: st.DataObject) -> None:
        miss = choice.draw(near_miss(word))
        assert miss != word
        assert miss

    check()


# --- minimal examples that the properties once found failing ---------------------------------------


@pytest.mark.parametrize("kind", [[], ["exponential"], {}, {"x": 1}])
def test_minimal_unhashable_dist_in_a_step(kind: object, tiny_data: Data) -> None:
    tiny_data["services"]["visit"]["steps"][0]["counter"]["dist"] = kind
    check_refusal(outcome(tiny_data), tiny_data)


def test_minimal_unhashable_dist_in_a_configuration(tiny_data: Data) -> None:
    change = {"counter": {"dist": [], "mean": 1}}
    tiny_data["configurations"]["x"] = {"preset": "siloed", "services": {"visit": {"steps": {"stamp": change}}}}
    check_refusal(outcome(tiny_data), tiny_data)


def test_minimal_unhashable_dist_through_the_cli(tiny_data: Data, tmp_path: Path) -> None:
    tiny_data["citizens"] = {"patience_minutes": {"dist": [], "mean": 60}}
    path = tmp_path / SOURCE
    path.write_text(yaml.safe_dump(tiny_data, sort_keys=False), encoding="utf-8")
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = main(["check", str(path)])
    assert "Traceback" not in err.getvalue(), err.getvalue().splitlines()[-3:]
    assert code == 2
