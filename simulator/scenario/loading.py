"""The only reader of scenario files: YAML or TOML -> a validated `Scenario`.

Whatever is wrong with a file becomes one `ScenarioError` whose text names the
file, the path of the field, what was found and what was expected. Files are
read only if they are regular files of a bounded size, and data files only
inside the scenario's own folder (after following links); an error quotes at
most a short, escaped excerpt of what a file holds.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Hashable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from simulator.scenario.distributions import Sample
from simulator.scenario.observed import DataError, Table, arrivals_from_counts, excerpt, numbers, sha256, table
from simulator.scenario.schema import Calendar, Scenario, did_you_mean

MAX_PROBLEMS = 5
MAX_SCENARIO_BYTES = 1 << 20
"""A scenario file: 1 MiB (large samples belong in a CSV data file)."""
MAX_DATA_BYTES = 100 << 20
"""A data file a scenario names: 100 MiB."""
MAX_ALIAS_NODES = 100_000
"""YAML aliases may repeat at most this many nodes in all (an alias bomb repeats billions)."""


class ScenarioError(Exception):
    """A scenario (or an argument about one) that cannot be used, said for a user."""


class FileRefusedError(Exception):
    """A file that is not read: what is wrong with it, without its name (the caller says that)."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes; else `FileRefusedError`.

    The file is opened without blocking (a FIFO would wait for a writer for
    ever) and checked on the opened descriptor, then read up to `limit` bytes.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise FileRefusedError("no such file") from None
    except ValueError:  # "\0" in the name
        raise FileRefusedError("the name holds a NUL character") from None
    except OSError as error:
        raise FileRefusedError(f"cannot be read: {error.strerror or error}") from None
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise FileRefusedError("is a folder, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise FileRefusedError("is not a regular file (a device, a pipe or a socket): refused")
        if status.st_size > limit:
            raise FileRefusedError(f"is {status.st_size:,} bytes: expected at most {limit:,} (docs/limits.md)")
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise FileRefusedError(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise FileRefusedError(f"is more than {limit:,} bytes: expected at most {limit:,} (docs/limits.md)")
    return data


def utf8_text(data: bytes) -> str:
    """The text of UTF-8 bytes (a byte-order mark is dropped); else `FileRefusedError`, saying the line and the byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        guess = ""
        try:
            data.decode("cp1252")
            guess = " (it looks like Latin-1 or Windows-1252 text)"
        except UnicodeDecodeError:
            pass
        raise FileRefusedError(
            f"line {line}: not UTF-8 text: byte 0x{data[error.start]:02x} cannot be read{guess}; save the file as UTF-8"
        ) from None


class _ScenarioLoader(yaml.SafeLoader):
    """A safe loader that reads YAML 1.2 numbers and booleans and refuses duplicate keys.

    YAML 1.1 reads an unquoted `16:00` as the number 960, `010` as 8, `1e3` as
    text and `no` as false; here they are the text "16:00", 10, 1000.0 and "no".
    """

    def construct_document(self, node: yaml.Node) -> Any:
        _check_aliases(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        previous: yaml.Node | None = None
        for key_node, value_node in node.value:
            if node.flow_style:
                _check_decimal_comma(previous, key_node, value_node)
            previous = value_node
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


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases repeat more than MAX_ALIAS_NODES nodes, or contain themselves."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise yaml.constructor.ConstructorError(
                None, None, "an alias refers to a node that contains it", node.start_mark
            )
        open_nodes.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else ()
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1 + sum(size(child) for child in children)
        open_nodes.discard(key)
        sizes[key] = total
        return total

    expanded = size(root)
    if expanded - len(sizes) > MAX_ALIAS_NODES:
        raise yaml.constructor.ConstructorError(
            None, None,
            f"its aliases (*name) repeat {expanded - len(sizes):,} nodes: expected at most {MAX_ALIAS_NODES:,}",
            root.start_mark,
        )  # fmt: skip


def _check_decimal_comma(previous: yaml.Node | None, key: yaml.Node, value: yaml.Node) -> None:
    """`{mean: 15,5}` reads as `mean: 15` and a key `5` without a value: say to write 15.5."""
    if (
        isinstance(previous, yaml.ScalarNode)
        and isinstance(key, yaml.ScalarNode)
        and isinstance(value, yaml.ScalarNode)
        and previous.style is None
        and key.style is None
        and re.fullmatch(r"[-+]?[0-9]+", previous.value)
        and re.fullmatch(r"[0-9]+", key.value)
        and value.value == ""
    ):
        raise yaml.constructor.ConstructorError(
            None, None,
            f"{previous.value},{key.value} reads as two entries: write decimals with a point "
            f"({previous.value}.{key.value})",
            key.start_mark,
        )  # fmt: skip


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
    if "\0" in str(path):
        raise ScenarioError(f"{excerpt(str(path))}: the name holds a NUL character")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a scenario file (expected a .yaml, .yml or .toml file)")
    if not path.exists():
        raise ScenarioError(f"{path}: no such scenario file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".toml"):
        raise ScenarioError(f"{path}: expected a .yaml, .yml or .toml scenario file, found {suffix or 'no suffix'!r}")
    try:
        text = utf8_text(read_regular(path, MAX_SCENARIO_BYTES))
    except FileRefusedError as problem:
        raise ScenarioError(f"{path}: {problem}") from None
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
        problem = "nested too deeply" if isinstance(error, RecursionError) else str(error) or type(error).__name__
        raise ScenarioError(f"{source}: not valid {language}: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario fields, found {_short(data)}")
    return data


def parse_scalar(text: str, source: str) -> Any:
    """One value as a scenario file reads it: '3' -> 3, '0.5' -> 0.5, 'true' -> True, 'all' -> 'all'."""
    try:
        return yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, ValueError) as error:
        raise ScenarioError(f"{source}: cannot read {excerpt(text)} as a value: {_yaml_problem(error)}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: cannot read {excerpt(text)} as a value: nested too deeply") from None


def _yaml_problem(error: Exception) -> str:
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
            raw = self._bytes(name, (*path, "csv"))
            try:
                self.read[name] = (table(raw, name), hashlib.sha256(raw).hexdigest()[:12])
            except DataError as error:
                self.refuse((*path, error.key), str(error))
        return self.read[name]

    def _bytes(self, name: str, path: Where) -> bytes:
        """The bytes of a data file inside the scenario's folder: a regular UTF-8 file of bounded size."""
        if "\0" in name:
            self.refuse(path, f"{excerpt(name)}: a file name cannot hold a NUL character")
        where = self.scenario_file.parent / name
        try:
            folder = self.scenario_file.parent.resolve()
            real = where.resolve()
        except (OSError, RuntimeError) as error:  # a loop of links
            self.refuse(path, f"{excerpt(name)} cannot be followed: {error}")
        if not real.is_relative_to(folder):
            self.refuse(
                path,
                f"{excerpt(name)} is outside the scenario's folder {folder}: a scenario reads data files only "
                "from its own folder and the folders in it (after following links)",
            )
        try:
            raw = read_regular(real, MAX_DATA_BYTES)
            if not raw.isascii():
                utf8_text(raw)
        except FileRefusedError as problem:
            if str(problem) == "no such file":
                self.refuse(path, f"no such file {excerpt(name)} (looked for {where})")
            self.refuse(path, f"{excerpt(name)} {problem}")
        return raw

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
            columns = ", ".join(excerpt(name, 30) for name in data.header[:6])
            more = f", ... ({len(data.header):,} columns)" if len(data.header) > 6 else ""
            self.refuse((*path, "column"), f"expected the name of a column of {data.file} "
                        f"(its columns: {columns}{more}), found {found}")  # fmt: skip
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
        return {"dist": "empirical", "values": Sample(values), "source": files.source(node, path, detail)}
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
    rows = found.rows
    detail = f"{rows} daily counts" if per == "day" else f"{rows} hourly counts, {rows // calendar.opening_hours} days"
    generated = f"{counts.file}, column {column}: {detail} (sha256 {digest})"
    kept = {key: spec[key] for key in ("profile",) if key in spec}
    return {**found.fields(), **kept, "source": files.source(spec, path, generated)}


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


def _bound(bound: Any) -> str:
    """10000 -> '10,000', 1e12 -> '1e+12', 0.5 -> '0.5'; a date as it is."""
    if isinstance(bound, date | str):
        return str(bound)
    if isinstance(bound, int) or (isinstance(bound, float) and bound.is_integer() and abs(bound) < 1e9):
        return f"{int(bound):,}" if abs(bound) >= 10_000 else str(int(bound))
    return f"{bound:g}"


def _hint(kind: str, found: Any) -> str:
    """What most likely went wrong with a value of the wrong type."""
    number = kind in ("float_type", "float_parsing", "int_type", "int_parsing")
    if number and isinstance(found, str) and re.fullmatch(r"\s*[-+]?[0-9]+,[0-9]+\s*", found):
        return f" (write decimals with a point: {found.strip().replace(',', '.')})"
    if number and isinstance(found, int) and not isinstance(found, bool):
        return " (a number too large to compute with)"
    return ""


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
        what = "a date" if isinstance(bound, date | str) else "a number"
        message = f"expected {what} {_BOUNDS[kind]} {_bound(bound)}, found {found}"
    elif kind == "too_long":
        message = f"{problem['msg'].lower()} (docs/limits.md)"
    elif kind == "string_too_long":
        length = len(problem["input"]) if isinstance(problem.get("input"), str) else "more"
        message = f"expected at most {ctx.get('max_length')} characters, found {length} (docs/limits.md)"
    elif kind in ("too_short", "too_long"):
        message = f"{problem['msg'].lower()} (found {found})"
    elif kind == "value_error":
        message = str(problem["msg"]).removeprefix("Value error, ")
    elif kind == "missing":
        message = f"missing: expected {_EXPECTED[kind]}"
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, found {found}{_hint(kind, problem.get('input'))}"
    else:
        message = f"{problem['msg']} (found {found})"
    return f"{path}: {message}" if path else message


# Reading a finished run folder back (for the figures and the brief).
import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pandas as pd  # noqa: E402

RESULT_TABLES = ("summary", "comparison", "replications", "agencies")
"""The statistics of a run folder, always CSV, without `.csv`."""
RECORD_TABLES = ("citizens", "contacts", "work", "hours")
"""The record tables of a run folder: Parquet or CSV (the manifest's `records`), or none."""
RECORD_FORMATS = ("parquet", "csv", "none")
RECORD_NAMES = ("configuration", "service", "life_event", "group", "outcome", "step", "agency", "kind")
"""Columns of names in the record tables."""
TEXT_COLUMNS = {"configuration": str, "baseline": str, "metric": str, "agency": str, "service": str, "step": str}
"""Columns of names, read as text whatever they look like."""


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
    def has_records(self) -> bool:
        """Whether the run wrote its record tables (not with `--records none`)."""
        return all(name in self.tables for name in RECORD_TABLES)

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
    if manifest is None:  # a folder on disk: its files must be those the run wrote
        manifest = checked_run_folder(folder)
    tables = {name: pd.read_csv(folder / f"{name}.csv", dtype=TEXT_COLUMNS) for name in RESULT_TABLES}
    for name, path in record_files(folder, manifest).items():
        if not path.is_file():
            raise ScenarioError(f"{folder}: not a complete run folder: missing {path.name}")
        tables[name] = read_records(path)
    if scenario is None:
        scenario = load_scenario(folder / "scenario.yaml")
    return RunFolder(folder, tables, scenario, dict(manifest))


MAX_MANIFEST_BYTES = 16 << 20
CHECKED = (".csv", ".yaml", ".parquet")
"""Files of a run folder that are read back, and so checked against their sha256 in the manifest."""


def checked_run_folder(folder: Path) -> dict[str, Any]:
    """The manifest of a run folder whose tables and scenario are those the run wrote; else a ScenarioError.

    A manifest without `sha256` (a folder written before they were recorded) cannot be checked.
    """
    needed = [*(f"{name}.csv" for name in RESULT_TABLES), "scenario.yaml", "manifest.json"]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(f"{folder}: not a complete run folder: missing {', '.join(missing)}")
    manifest = read_manifest(folder)
    records = [path.name for path in record_files(folder, manifest).values()]
    missing = [name for name in records if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(f"{folder}: not a complete run folder: missing {', '.join(missing)}")
    check_files(folder, manifest, [*needed[:-1], *records])
    return manifest


def record_files(folder: Path, manifest: Mapping[str, Any]) -> dict[str, Path]:
    """The record tables of a run folder: in the format its manifest names (`records`), else as found.

    Nothing with `records: none`. A table found in neither format is given
    by its Parquet name, for the error that says it is missing.
    """
    chosen = manifest.get("records")
    if chosen is not None and chosen not in RECORD_FORMATS:
        raise ScenarioError(
            f"{folder}: manifest.json is damaged: records is {excerpt(str(chosen))}, expected one of "
            f"{', '.join(RECORD_FORMATS)}"
        )
    if chosen == "none":
        return {}
    forms = [chosen] if chosen is not None else ["parquet", "csv"]
    files = {}
    for name in RECORD_TABLES:
        paths = [folder / f"{name}.{form}" for form in forms]
        files[name] = next((path for path in paths if path.is_file()), paths[0])
    return files


def read_records(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A record table from its Parquet or CSV file, the same frame either way: names as text ("" for none).

    CSV holds numbers to ten significant digits, Parquet exactly: the frames
    are equal to that precision.
    """
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path, columns=columns)
    else:
        frame = pd.read_csv(path, usecols=columns, dtype=dict.fromkeys(RECORD_NAMES, str))
    names = [name for name in RECORD_NAMES if name in frame.columns]
    return frame.astype(dict.fromkeys(names, str)).fillna(dict.fromkeys(names, "")) if names else frame


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest.json of a run folder, or a ScenarioError saying what is wrong with it."""
    try:
        data = json.loads(utf8_text(read_regular(folder / "manifest.json", MAX_MANIFEST_BYTES)))
    except FileRefusedError as problem:
        raise ScenarioError(f"{folder}: manifest.json {problem}") from None
    except (json.JSONDecodeError, RecursionError) as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise ScenarioError(f"{folder}: manifest.json is damaged: not readable as JSON{where}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{folder}: manifest.json is damaged: expected a mapping of fields")
    return data


def check_files(folder: Path, manifest: Mapping[str, Any], needed: list[str]) -> None:
    """Refuse a run folder whose files are not those the run wrote: each sha256 must be the manifest's.

    Nothing is checked when the manifest records no sha256 (a folder written before they were).
    """
    if "sha256" not in manifest:
        return
    recorded = manifest["sha256"]
    if not isinstance(recorded, dict) or not all(isinstance(v, str) for v in recorded.values()):
        raise ScenarioError(f"{folder}: manifest.json is damaged: its sha256 are not a mapping of file to digest")
    for name in needed:
        if name not in recorded:
            raise ScenarioError(f"{folder}: {name} is not one of the files manifest.json records: run again")
    for name, digest in recorded.items():
        path = folder / str(name)
        if not str(name).endswith(CHECKED) or ".." in Path(str(name)).parts or Path(str(name)).is_absolute():
            continue
        if not path.is_file():
            raise ScenarioError(f"{folder}: {excerpt(name)} is missing (manifest.json records it)")
        if sha256(path) != digest:
            raise ScenarioError(
                f"{folder}: {excerpt(name)} is damaged: it is not the file the run wrote (its sha256 differs "
                "from the one in manifest.json); run the scenario again"
            )


OPTIMISE_TABLES = ("candidates", "replications", "chosen")
"""The tables of an optimise run folder, without `.csv` (`chosen` only when a staffing was chosen)."""
NOT_OPTIMISE = "expected a folder written by `optimise`"


def read_optimise_run(folder: Path) -> RunFolder:
    """Read the files of an optimise run folder back, checked against the sha256 its manifest records.

    A folder that is missing, is not an optimise run (its manifest has no
    `optimise` block) or is damaged is a ScenarioError naming it.
    """
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such folder ({NOT_OPTIMISE})")
    if not (folder / "manifest.json").is_file():
        raise ScenarioError(f"{folder}: not an optimise run folder: it has no manifest.json ({NOT_OPTIMISE})")
    manifest = read_manifest(folder)
    block = manifest.get("optimise")
    if not isinstance(block, dict):
        raise ScenarioError(
            f"{folder}: not an optimise run folder: its manifest.json has no optimise block ({NOT_OPTIMISE}, "
            "not by run, sweep or warmup)"
        )
    tables = [name for name in OPTIMISE_TABLES if name != "chosen" or block.get("chosen") is not None]
    needed = [*(f"{name}.csv" for name in tables), "scenario.yaml"]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise ScenarioError(f"{folder}: not a complete optimise run folder: missing {', '.join(missing)}")
    check_files(folder, manifest, needed)
    read = {name: _table(folder / f"{name}.csv") for name in tables}
    return RunFolder(folder, read, load_scenario(folder / "scenario.yaml"), manifest)


def _table(path: Path) -> pd.DataFrame:
    """A statistics table as it was written (an empty file is an empty table)."""
    try:
        return pd.read_csv(path, dtype=TEXT_COLUMNS)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
