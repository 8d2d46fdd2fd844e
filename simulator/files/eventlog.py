"""The contact log as an XES event log (IEEE 1849-2016), for process-mining tools.

A case (trace) is one citizen of one configuration and replication, named
`siloed:0:137`; it carries `configuration`, `replication`, `citizen`,
`service` and the journey's `outcome`. An event is one contact:

- `concept:name`, the activity: the kind and the steps, `submission nib` or
  `pickup npwp`, followed by the outcome when it is not the usual one
  (`submission nib rejected`, `pickup npwp left queue`);
- `time:timestamp`: when the contact ended, as a local date and time (day 0
  is the calendar's start; no time zone); `start_timestamp` when it started
  (absent for a citizen who was never served) and `queued` when the citizen
  joined the queue;
- `org:resource`: the desk (an agency, `front_office`, `online` or `digital`),
  and `kind`, `step`, `outcome` and `ahead` as in contacts.csv.

>>> frame = pd.DataFrame({"configuration": ["siloed"], "replication": [0], "citizen": [7], "step": ["nib"],
...     "agency": ["investment"], "kind": ["submission"], "queued": [480.0], "started": [481.5],
...     "ended": [495.0], "outcome": ["rejected"], "ahead": [2]})
>>> text = "".join(xes_lines(frame, None, date(2026, 1, 5), "demo"))
>>> '<string key="concept:name" value="submission nib rejected"/>' in text
True
>>> '<date key="time:timestamp" value="2026-01-05T08:15:00.000"/>' in text
True
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from simulator.files.replications import ReplicationLog

USUAL_OUTCOME = {"submission": "accepted", "online": "accepted", "pickup": "collected", "delivery": "collected"}
"""The outcome a contact of each kind has when nothing went wrong: left out of the activity's name."""
TRACES_PER_CHUNK = 5_000
"""Traces built and written at a time: memory stays small whatever the size of the log."""

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000"/>
\t\t<string key="org:resource" value="__INVALID__"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<classifier name="Activity and desk" keys="concept:name org:resource"/>
"""


Texts = NDArray[np.object_]
"""An array of Python strings, added element by element with `+`."""


def activity_names(contacts: pd.DataFrame) -> Texts:
    """`submission nib`, `submission nib rejected`, `pickup npwp left queue`: one per contact."""
    kind, step, outcome = (contacts[name].astype(str).to_numpy(dtype=object) for name in ("kind", "step", "outcome"))
    usual = pd.Series(kind).map(USUAL_OUTCOME).to_numpy(dtype=object)
    unusual = " " + pd.Series(outcome).str.replace("_", " ", regex=False).to_numpy(dtype=object)
    names: Texts = kind + " " + step + np.where(outcome == usual, "", unusual)
    return names


def timestamps(minutes: NDArray[np.float64], start: date) -> Texts:
    """Simulation minutes from 00:00 of day 0 -> ISO dates and times to the millisecond ('' where unknown)."""
    known = np.isfinite(minutes)
    milliseconds = np.round(np.where(known, minutes, 0) * 60_000).astype("timedelta64[ms]")
    text: Texts = np.datetime_as_string(np.datetime64(start, "ms") + milliseconds, unit="ms").astype(object)
    text[~known] = ""
    return text


def _events(contacts: pd.DataFrame, start: date) -> list[str]:
    """Every contact as the XML text of one event, in the frame's order."""
    fields = contacts[["kind", "step", "outcome", "agency"]].astype(str)
    codes = fields.groupby(list(fields.columns), sort=False).ngroup().to_numpy()
    described = fields.drop_duplicates(ignore_index=True)  # the groups, in the same order of first appearance
    heads = np.array(
        [
            f'\t\t<event>\n\t\t\t<string key="concept:name" value={quoteattr(activity)}/>\n'
            f'\t\t\t<string key="org:resource" value={quoteattr(agency)}/>\n'
            f'\t\t\t<string key="kind" value={quoteattr(kind)}/>\n'
            f'\t\t\t<string key="step" value={quoteattr(step)}/>\n'
            f'\t\t\t<string key="outcome" value={quoteattr(outcome)}/>\n'
            for activity, agency, kind, step, outcome in zip(
                activity_names(described), described["agency"], described["kind"], described["step"],
                described["outcome"], strict=True,
            )
        ],
        dtype=object,
    )[codes]  # fmt: skip
    ended, started, queued = (
        timestamps(contacts[name].to_numpy(dtype=np.float64), start) for name in ("ended", "started", "queued")
    )
    return [
        f'{head}\t\t\t<date key="time:timestamp" value="{end}"/>\n'
        + (f'\t\t\t<date key="start_timestamp" value="{begun}"/>\n' if begun else "")
        + f'\t\t\t<date key="queued" value="{joined}"/>\n\t\t\t<int key="ahead" value="{ahead}"/>\n\t\t</event>\n'
        for head, end, begun, joined, ahead in zip(
            heads.tolist(), ended.tolist(), started.tolist(), queued.tolist(), contacts["ahead"].tolist(), strict=True
        )
    ]


def _text(values: pd.Series) -> Texts:
    """Each value as a quoted XML attribute value."""
    strings = values.astype(str)
    quoted: Texts = strings.map({value: quoteattr(value) for value in strings.unique()}).to_numpy(dtype=object)
    return quoted


def _cases(first_contacts: pd.DataFrame, citizens: pd.DataFrame | None) -> pd.DataFrame:
    """Configuration, replication and citizen of each trace, and its service and outcome if `citizens` are given."""
    keys = ["configuration", "replication", "citizen"]
    cases = first_contacts[keys].astype({"configuration": str}).reset_index(drop=True)
    if citizens is None:
        return cases
    journeys = citizens[[*keys, "service", "outcome"]].astype({"configuration": str, "service": str, "outcome": str})
    return cases.merge(journeys, on=keys, how="left", sort=False)


def _trace_heads(cases: pd.DataFrame) -> list[str]:
    """The opening of each trace with its attributes."""
    configuration = cases["configuration"].to_numpy(dtype=object)
    replication = cases["replication"].astype(str).to_numpy(dtype=object)
    citizen = cases["citizen"].astype(str).to_numpy(dtype=object)
    heads: Texts = (
        '\t<trace>\n\t\t<string key="concept:name" value="' + configuration + ":" + replication + ":" + citizen
        + '"/>\n\t\t<string key="configuration" value="' + configuration
        + '"/>\n\t\t<int key="replication" value="' + replication
        + '"/>\n\t\t<int key="citizen" value="' + citizen + '"/>\n'
    )  # fmt: skip
    for key in ("service", "outcome"):
        if key in cases:
            known = cases[key].notna().to_numpy()
            heads[known] += f'\t\t<string key="{key}" value=' + _text(cases.loc[known, key]) + "/>\n"
    return list(heads)


def xes_head(name: str) -> str:
    """The log's opening, up to its first trace."""
    return _HEAD + f'\t<string key="concept:name" value={quoteattr(name)}/>\n'


XES_TAIL = "</log>\n"


def xes_lines(contacts: pd.DataFrame, citizens: pd.DataFrame | None, start: date, name: str) -> Iterator[str]:
    """The XES text of a whole contact log, in pieces of a few thousand traces (see `xes_traces`)."""
    yield xes_head(name)
    yield from xes_traces(contacts, citizens, start)
    yield XES_TAIL


def xes_traces(contacts: pd.DataFrame, citizens: pd.DataFrame | None, start: date) -> Iterator[str]:
    """The traces of some contacts, in pieces of a few thousand: one trace per citizen, events in time order.

    Traces are in the order of configuration (as first met), replication and
    citizen. `citizens` (the citizens table), if given, adds each journey's
    service and outcome.
    """
    configuration, _ = pd.factorize(contacts["configuration"].astype(str), sort=False)
    citizen, replication = contacts["citizen"].to_numpy(), contacts["replication"].to_numpy()
    order = np.lexsort((contacts["started"].to_numpy(), contacts["ended"].to_numpy(), citizen, replication,
                        configuration))  # fmt: skip
    keys = np.column_stack([configuration[order], replication[order], citizen[order]])
    firsts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)]) if len(keys) else np.array([], int)
    ends = np.r_[firsts[1:], len(keys)]
    cases = _cases(contacts.iloc[order[firsts]], citizens)
    for begin in range(0, len(firsts), TRACES_PER_CHUNK):
        stop = min(begin + TRACES_PER_CHUNK, len(firsts))
        offset = int(firsts[begin])
        events = _events(contacts.iloc[order[offset : ends[stop - 1]]], start)
        heads = _trace_heads(cases.iloc[begin:stop])
        bounds = zip(heads, (firsts[begin:stop] - offset).tolist(), (ends[begin:stop] - offset).tolist(), strict=True)
        yield "".join(f"{head}{''.join(events[first:end])}\t</trace>\n" for head, first, end in bounds)


class EventLog(ReplicationLog):
    """A gzipped XES file written as the replications finish (a record sink): the same bytes for the same run.

    A trace gathers a citizen's contacts from every piece of its replication,
    so the traces of a replication are written when it has ended (`ReplicationLog`).
    """

    TABLES = ("contacts", "citizens")

    def __init__(self, path: Path, start: date, name: str) -> None:
        super().__init__()
        self._start = start
        self._raw = path.open("wb")
        self._packed = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=1, mtime=0)
        self._text = io.TextIOWrapper(self._packed, encoding="utf-8")
        self._text.write(xes_head(name))

    def write(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """The traces of the replications in the tables (their contacts, their citizens' service and outcome)."""
        self._text.writelines(xes_traces(tables["contacts"], tables["citizens"], self._start))

    def end(self) -> None:
        """End the log and the file."""
        self._text.write(XES_TAIL)
        self._text.close()
        self._raw.close()
