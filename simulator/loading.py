"""The only reader of scenario files: YAML or TOML -> a validated `Scenario`.

Whatever is wrong with a file becomes one `ScenarioError` whose text names the
file, the path of the field, what was found and what was expected.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from simulator.observed import DataError, Table, arrivals_from_counts, numbers, table
from simulator.scenario import Calendar, Scenario, did_you_mean

MAX_PROBLEMS = 5


class ScenarioError(Exception):
    """A scenario (or an argument about one) that cannot be used, said for a user."""


class _ScenarioLoader(yaml.SafeLoader):
    """A safe loader that reads YAML 1.2 numbers and booleans and refuses duplicate keys.

    YAML 1.1 reads an unquoted `16:00` as the number 960, `010` as 8, `1e3` as
    text and `no` as false; here they are the text "16:00", 10, 1000.0 and "no".
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, f"a {type(key).__name__} cannot be a key", key_node.start_mark
                )
            if key in seen:
                line = key_node.start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} on line {line}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a date: {error}", node.start_mark
            ) from None

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if text.lower().startswith(("0x", "0o", "-0x", "-0o", "+0x", "+0o")):
            return int(text, 0)
        return int(text, 10)


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_ScenarioLoader.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?[0-9]+$|^[-+]?0x[0-9a-fA-F]+$|^[-+]?0o[0-7]+$"), list("-+0123456789")
)
_ScenarioLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"),
    list("-+0123456789."),
)
_ScenarioLoader.add_constructor(_INT, _ScenarioLoader.construct_yaml_int)
_ScenarioLoader.add_constructor("tag:yaml.org,2002:timestamp", _ScenarioLoader.construct_yaml_timestamp)


def read_mapping(path: Path) -> dict[str, Any]:
    """The raw mapping in a YAML or TOML scenario file."""
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".toml"):
        raise ScenarioError(f"{path}: expected a .yaml, .yml or .toml scenario file, found {suffix or 'no suffix'!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot be read: {error}") from None
    return parse_text(text, path.name, toml=suffix == ".toml")


def parse_text(text: str, source: str, *, toml: bool = False) -> dict[str, Any]:
    """The raw mapping in scenario text; `source` names it in errors."""
    try:
        data = tomllib.loads(text) if toml else yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source}: not valid TOML: {error}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: not valid YAML: {_yaml_problem(error)}") from None
    except (ValueError, RecursionError) as error:  # an impossible date, a number of 5,000 digits, deep nesting
        language = "TOML" if toml else "YAML"
        raise ScenarioError(f"{source}: not valid {language}: {error or type(error).__name__}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario fields, found {_short(data)}")
    return data


def parse_scalar(text: str, source: str) -> Any:
    """One value as a scenario file reads it: '3' -> 3, '0.5' -> 0.5, 'true' -> True, 'all' -> 'all'."""
    try:
        return yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, ValueError) as error:
        raise ScenarioError(f"{source}: cannot read {text!r} as a value: {error}") from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return str(error)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file, with the data files it names."""
    path = Path(path)
    data = read_mapping(path)
    try:
        data = with_observations(data, path)
    except RecursionError:
        raise ScenarioError(f"{path.name}: not a scenario: nested too deeply") from None
    return validate(data, path.name)


Where = tuple[Any, ...]
"""The path of a field in the raw mapping: ('services', 'visit', 'arrivals')."""
ARRIVALS_FROM_FILE = ("csv", "column", "per", "hour", "profile", "source")
EMPIRICAL_FROM_FILE = ("dist", "csv", "column", "source")


def with_observations(data: Mapping[str, Any], scenario_file: Path) -> dict[str, Any]:
    """The raw mapping with the numbers of every CSV file it names in place of the reference.

    `services.<id>.arrivals: {csv, column, per: day|hour}` becomes `per_day`
    (and `profile` from hourly counts); `{dist: empirical, csv, column}`
    anywhere becomes `values`. Both keep a `source` naming file, column and
    sha256. Paths are relative to the scenario file's folder.
    """
    files = _DataFiles(scenario_file)
    resolved: dict[str, Any] = _with_empirical(data, (), files)
    services = resolved.get("services")
    for sid, service in services.items() if isinstance(services, dict) else ():
        arrivals = service.get("arrivals") if isinstance(service, dict) else None
        if isinstance(arrivals, dict) and "csv" in arrivals:
            service["arrivals"] = _arrivals(arrivals, ("services", sid, "arrivals"), files, resolved)
    return resolved


class _DataFiles:
    """Reads each data file once, relative to the scenario file; problems become ScenarioErrors."""

    def __init__(self, scenario_file: Path) -> None:
        self.scenario_file = scenario_file
        self.read: dict[str, tuple[Table, str]] = {}

    def refuse(self, path: Where, message: str) -> NoReturn:
        raise ScenarioError(f"{self.scenario_file.name}: {field_path(path)}: {message}") from None

    def table(self, name: object, path: Where) -> tuple[Table, str]:
        """The table in file `name` and the first 12 hex digits of its sha256."""
        if not isinstance(name, str) or not name.strip():
            self.refuse((*path, "csv"), f"expected the path of a CSV file, found {_short(name)}")
        if name not in self.read:
            where = self.scenario_file.parent / name
            try:
                raw = where.read_bytes()
                text = raw.decode("utf-8-sig")
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                self.refuse((*path, "csv"), f"no such file {name!r} (looked for {where})")
            except UnicodeDecodeError as error:
                self.refuse((*path, "csv"), f"{name} is not UTF-8 text: {error}")
            except OSError as error:
                self.refuse((*path, "csv"), f"{name} cannot be read: {error}")
            try:
                self.read[name] = (table(text, name), hashlib.sha256(raw).hexdigest()[:12])
            except DataError as error:
                self.refuse((*path, error.key), str(error))
        return self.read[name]

    def reference(self, spec: Mapping[str, Any], path: Where, known: tuple[str, ...]) -> tuple[Table, str, str]:
        """The table, the column to read and the file's digest of a reference `spec` at `path`."""
        for key in spec:
            if key not in known:
                self.refuse((*path, key), f"unknown key {key!r}{did_you_mean(key, known)} (expected one of: "
                            f"{', '.join(known)})")  # fmt: skip
        data, digest = self.table(spec["csv"], path)
        column = spec.get("column")
        if column is None and len(data.header) == 1:
            column = data.header[0]
        if not isinstance(column, str):
            found = "nothing" if column is None else _short(column)
            self.refuse((*path, "column"), f"expected the name of a column of {data.file} "
                        f"(its columns: {', '.join(map(repr, data.header))}), found {found}")  # fmt: skip
        return data, column, digest

    def source(self, spec: Mapping[str, Any], path: Where, generated: str) -> str:
        """What the scenario says of the data, then file, column, size and sha256."""
        given = spec.get("source", "")
        if not isinstance(given, str):
            self.refuse((*path, "source"), f"expected text, found {_short(given)}")
        return f"{given}; {generated}" if given else generated


def _with_empirical(node: Any, path: Where, files: _DataFiles) -> Any:
    """A copy of `node` in which every `{dist: empirical, csv: ...}` holds the file's values."""
    if isinstance(node, list):
        return [_with_empirical(item, (*path, k), files) for k, item in enumerate(node)]
    if not isinstance(node, Mapping):
        return node
    if node.get("dist") == "empirical" and "csv" in node:
        if "values" in node:
            files.refuse((*path, "values"), "values come from the csv file; give values or csv, not both")
        data, column, digest = files.reference(node, path, EMPIRICAL_FROM_FILE)
        try:
            values = numbers(data, column)
        except DataError as error:
            files.refuse((*path, error.key or "column"), str(error))
        detail = f"{data.file}, column {column}: {len(values)} values (sha256 {digest})"
        return {"dist": "empirical", "values": values, "source": files.source(node, path, detail)}
    return {key: _with_empirical(value, (*path, key), files) for key, value in node.items()}


def _arrivals(spec: dict[str, Any], path: Where, files: _DataFiles, data: Mapping[str, Any]) -> Any:
    """`per_day` and `profile` of a service from the counts in a CSV file."""
    if "per_day" in spec:
        files.refuse((*path, "per_day"), "per_day comes from the csv file; give per_day or csv, not both")
    counts, column, digest = files.reference(spec, path, ARRIVALS_FROM_FILE)
    per = spec.get("per")
    if per is None:
        files.refuse((*path, "per"), f"missing: expected per: day or per: hour (what a row of {counts.file} counts)")
    if per == "hour" and "profile" in spec:
        files.refuse((*path, "profile"), "hourly counts give the profile; leave profile out or use per: day")
    hour = spec.get("hour")
    if hour is not None and not isinstance(hour, str):
        files.refuse((*path, "hour"), f"expected the name of a column of {counts.file}, found {_short(hour)}")
    calendar = _calendar(data, files.scenario_file.name) if per == "hour" else Calendar()
    try:
        found = arrivals_from_counts(counts, column, str(per), calendar, hour)
    except DataError as error:
        files.refuse((*path, error.key or "column"), str(error))
    rows = len(counts.rows)
    detail = f"{rows} daily counts" if per == "day" else f"{rows} hourly counts, {rows // calendar.opening_hours} days"
    generated = f"{counts.file}, column {column}: {detail} (sha256 {digest})"
    kept = {key: spec[key] for key in ("profile",) if key in spec}
    return {**found, **kept, "source": files.source(spec, path, generated)}


def _calendar(data: Mapping[str, Any], source: str) -> Calendar:
    """The scenario's calendar, validated on its own (hourly counts must fit its opening hours)."""
    try:
        return Calendar.model_validate(data.get("calendar", {}))
    except ValidationError as error:
        problem = error.errors()[0]
        raise ScenarioError(f"{source}: {describe({**problem, 'loc': ('calendar', *problem['loc'])})}") from None


def validate(data: Mapping[str, Any], source: str) -> Scenario:
    """Validate a raw mapping; `source` names it in errors."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = [describe(problem) for problem in error.errors()]
        extra = len(problems) - MAX_PROBLEMS
        lines = problems[:MAX_PROBLEMS] + ([f"... and {extra} more"] if extra > 0 else [])
        if len(lines) == 1:
            raise ScenarioError(f"{source}: {lines[0]}") from None
        raise ScenarioError(
            f"{source}: {len(problems)} problems:\n" + "\n".join(f"  {line}" for line in lines)
        ) from None


def field_path(loc: tuple[Any, ...]) -> str:
    """('services', 'x', 'steps', 1, 'agency') -> 'services.x.steps[1].agency'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_EXPECTED = {
    "missing": "a value (this field is required)",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "tuple_type": "a list",
    "string_pattern_mismatch": "a name of letters, digits, '_' and '-' that starts with a letter",
    "date_type": "a date YYYY-MM-DD",
    "date_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_inexact": "a date YYYY-MM-DD",
}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def describe(problem: Mapping[str, Any]) -> str:
    """One pydantic problem -> 'path: what went wrong (found ..., expected ...)'."""
    ctx = problem.get("ctx") or {}
    if problem["type"] == "nested":
        inner = ctx["inner"]
        if ctx.get("apart"):
            return f"{field_path((*problem['loc'], *ctx['path']))}: {describe(inner)}"
        return describe({**inner, "loc": (*problem["loc"], *ctx["path"], *inner["loc"])})
    path = field_path((*problem["loc"], *ctx.get("path", ())))
    kind = problem["type"]
    found = _short(problem.get("input"))
    if kind in ("scenario", "distribution", "clock"):
        message = problem["msg"]
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        message = (
            f"unknown value {found}{did_you_mean(problem.get('input'), options)} "
            f"(expected one of: {', '.join(options)})"
        )
    elif kind in _BOUNDS:
        bound = next(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le"))
        message = f"expected a number {_BOUNDS[kind]} {bound:g}, found {found}"
    elif kind in ("too_short", "too_long"):
        message = f"{problem['msg'].lower()} (found {found})"
    elif kind == "value_error":
        message = str(problem["msg"]).removeprefix("Value error, ")
    elif kind == "missing":
        message = f"missing: expected {_EXPECTED[kind]}"
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, found {found}"
    else:
        message = f"{problem['msg']} (found {found})"
    return f"{path}: {message}" if path else message


# Reading a finished run folder back (for the figures and the brief).
import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pandas as pd  # noqa: E402

RESULT_TABLES = ("summary", "comparison", "replications", "citizens", "contacts", "work", "agencies", "hours")
"""The result files of a run folder, without `.csv`."""


@dataclass(frozen=True)
class RunFolder:
    """The result files of a finished run, read back: tables, the scenario as run and the manifest."""

    folder: Path
    tables: dict[str, pd.DataFrame]
    scenario: Scenario
    manifest: dict[str, Any]

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    @property
    def configurations(self) -> list[str]:
        """The configurations in the order of the run; the first is the baseline."""
        named = self.manifest.get("configurations")
        if named:
            return [str(name) for name in named]
        return list(dict.fromkeys(self.tables["summary"]["configuration"].astype(str)))


def read_run(
    folder: str | Path, *, scenario: Scenario | None = None, manifest: Mapping[str, Any] | None = None
) -> RunFolder:
    """Read the result files of a run folder (see the README's table of result files).

    A `scenario` or `manifest` given stands in for `scenario.yaml` or `manifest.json`.
    """
    folder = Path(folder)
    needed = [f"{name}.csv" for name in RESULT_TABLES]
    needed += [name for name, given in (("scenario.yaml", scenario), ("manifest.json", manifest)) if given is None]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(f"{folder}: not a complete run folder: missing {', '.join(missing)}")
    text = {"configuration": str, "baseline": str, "metric": str, "agency": str, "service": str, "step": str}
    tables = {name: pd.read_csv(folder / f"{name}.csv", dtype=text) for name in RESULT_TABLES}
    if manifest is None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if scenario is None:
        scenario = load_scenario(folder / "scenario.yaml")
    return RunFolder(folder, tables, scenario, dict(manifest))
