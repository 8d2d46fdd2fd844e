"""The records of a run as an object-centric event log, OCEL 2.0 in its JSON form (`run --event-log ocel`).

Objects, per configuration and replication (ids begin as the XES log's cases, `siloed:0:137`):

- `citizen` (`siloed:0:137`): `service` (the journey: a service or a life event), `outcome`,
  `configuration` and `replication`;
- `application` (`siloed:0:137:ktp`): one per citizen and service its records name (a citizen of a life
  event has one per service of the event reached), related to its citizen (`applicant`); `service`;
- `document` (`siloed:0:137:ktp:kk_form`): each document the scenario's steps of that application
  require (the steps its records name), related to its application (`carried by`); `document` and
  `held_by_government`;
- `desk` (`siloed:0:registration counter`, `siloed:0:registration back office`): the counter of an agency
  (or of the front office) that contacts were at, and the back office of an agency that work was done at;
  `agency` and `place`.

Events: one per row of the contacts table, its type the activity of the XES log (`submission nib`,
`pickup npwp left queue`), and one per row of the work table (`backoffice nib`, `approval nib`,
`handoff nib`), at the time it ended, with `queued`, `started` (when known), `kind`, `step`, and for a
contact `outcome` and `ahead`. Each relates to its citizen (`citizen`), its applications (`application`),
its desk (`desk`; none for online and digital contacts), and a submission, at a counter or online, to the
documents its steps require (`required`). Times are local dates and times from the calendar's start, as
in the XES log. Objects and their attributes hold for the whole run: their time is OCEL's 1970-01-01.

The file is written as the replications finish: objects into it, events into a spool file beside it that
is appended at the end, a slice of at most ROWS_PER_SLICE records at a time.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.files.eventlog import Texts, activity_names, timestamps
from simulator.files.replications import ReplicationLog, by_replication
from simulator.scenario.schema import Bundle, Scenario

ROWS_PER_SLICE = 20_000
"""Records made into text at a time: memory stays small whatever the size of a replication."""
STATIC = "1970-01-01T00:00:00"
"""The time of an object attribute that holds from the start (OCEL 2.0's convention)."""
SUBMISSIONS = ("submission", "online")
"""Contact kinds at which the citizen hands in the documents of the steps."""
ELSEWHERE = ("online", "digital")
"""Contact places that are no desk."""
OBJECT_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "citizen": (("configuration", "string"), ("replication", "integer"), ("service", "string"),
                ("outcome", "string")),
    "application": (("service", "string"),),
    "document": (("document", "string"), ("held_by_government", "boolean")),
    "desk": (("agency", "string"), ("place", "string")),
}  # fmt: skip
CONTACT_ATTRIBUTES = (("configuration", "string"), ("replication", "integer"), ("kind", "string"),
                      ("step", "string"), ("outcome", "string"), ("ahead", "integer"), ("queued", "time"),
                      ("started", "time"))  # fmt: skip
WORK_ATTRIBUTES = (("configuration", "string"), ("replication", "integer"), ("kind", "string"), ("step", "string"),
                   ("queued", "time"), ("started", "time"))  # fmt: skip

CITIZEN = "@"
"""Stands for the citizen's id in the text of a record's relations until it is known (ids have no `@`)."""

Steps = dict[tuple[str, str], tuple[str, tuple[str, ...]]]
"""(journey, step id) -> the service the step belongs to and the documents it requires."""


def _types(types: Mapping[str, tuple[tuple[str, str], ...]]) -> str:
    """`objectTypes` or `eventTypes`: each type with its attributes and their types."""
    return json.dumps(
        [{"name": name, "attributes": [{"name": a, "type": t} for a, t in attributes]}
         for name, attributes in types.items()],
        ensure_ascii=False, separators=(",", ":"),
    )  # fmt: skip


def _attribute(name: str, value: object, static: bool = False) -> str:
    time = f'"time":"{STATIC}",' if static else ""
    return f'{{"name":{json.dumps(name)},{time}"value":{json.dumps(value, ensure_ascii=False)}}}'


def _relation(target: str, qualifier: str) -> str:
    return f'{{"objectId":{json.dumps(target, ensure_ascii=False)},"qualifier":"{qualifier}"}}'


def steps_of(scenario: Scenario, configuration: str) -> Steps:
    """Each step of each journey of a configuration: its service (a life event's member) and its documents."""
    catalogue = scenario.catalogue(configuration)
    found: Steps = {}
    for journey, service in catalogue.services.items():
        members = service.members if isinstance(service, Bundle) else [journey] * len(service.steps)
        for step, member in zip(service.steps, members, strict=True):
            found[journey, step.id] = (member, tuple(need for need in step.requires if need in catalogue.documents))
    return found


def _services(journey: str, label: str, steps: Steps) -> dict[str, list[str]]:
    """The services a record's steps (`nib+npwp`) belong to, each with the documents those steps require.

    A record naming no step of the journey (an appointment booked) belongs to the journey itself.
    """
    found: dict[str, list[str]] = {}
    for step in label.split("+"):
        if (journey, step) in steps:
            member, documents = steps[journey, step]
            found.setdefault(member, [])
            found[member] += [document for document in documents if document not in found[member]]
    return found or {journey: []}


class _Records:
    """The contact or work records of one replication: each one's citizen (position) and key (journey and steps)."""

    def __init__(self, frame: pd.DataFrame, citizens: pd.Index, journeys: Texts, steps: Steps) -> None:
        self.frame = frame.reset_index(drop=True)
        self.citizen = citizens.get_indexer(pd.Index(self.frame["citizen"]))
        if (self.citizen < 0).any():
            raise ValueError("a record of a citizen who is not in the citizens table")
        keys = pd.DataFrame({"journey": journeys[self.citizen], "step": self.frame["step"].astype(str).to_numpy()})
        self.key = keys.groupby(["journey", "step"], sort=False).ngroup().to_numpy()
        described = keys.drop_duplicates(ignore_index=True)  # the keys, in the same order of first appearance
        self.services = [_services(j, s, steps) for j, s in zip(described["journey"], described["step"], strict=True)]
        """Per key, the services of its steps with the documents they require."""
        self._relations = np.array(
            ["".join(f",{_relation(f'{CITIZEN}:{service}', 'application')}"
                     + "".join(f",{_relation(f'{CITIZEN}:{service}:{d}', 'required')}" for d in documents if submits)
                     for service, documents in found.items())
             for found in self.services for submits in (False, True)],
            dtype=object,
        )  # fmt: skip
        """Per key and whether the record is a submission (key * 2 + 1), its relations' text."""

    def links(self) -> pd.DataFrame:
        """(citizen, service, document) of each application (document '') and document the records name."""
        table = pd.DataFrame(
            [(key, service, document) for key, found in enumerate(self.services) for service, documents in found.items()
             for document in ["", *documents]],
            columns=["key", "service", "document"],
        )  # fmt: skip
        pairs = pd.DataFrame({"citizen": self.citizen, "key": self.key}).drop_duplicates()
        return pairs.merge(table, on="key")[["citizen", "service", "document"]]

    def relations(self, rows: slice, submits: np.ndarray) -> Texts:
        """Their relations to applications and (`submits`) documents, CITIZEN standing for the citizen's id."""
        codes = self.key[rows] * 2 + submits
        relations: Texts = self._relations[codes]
        return relations


class OcelLog(ReplicationLog):
    """An OCEL 2.0 JSON file written as the replications finish (a record sink): the same bytes for the same run."""

    def __init__(self, path: Path, scenario: Scenario) -> None:
        super().__init__()
        self._start = scenario.calendar.start
        self._steps = {name: steps_of(scenario, name) for name in scenario.configurations}
        self._held = {
            name: {d: document.held_by_government for d, document in scenario.catalogue(name).documents.items()}
            for name in scenario.configurations
        }
        self._event_types: dict[str, tuple[tuple[str, str], ...]] = {}
        self._spool = path.with_name(path.name + ".events")
        self._objects = path.open("w", encoding="utf-8")
        self._events = self._spool.open("w+", encoding="utf-8")
        self._objects.write(f'{{"objectTypes":{_types(OBJECT_TYPES)},\n"objects":[')
        self._written = {"objects": 0, "events": 0}

    def _write(self, which: str, items: list[str]) -> None:
        """Items of the `objects` array, or of `events` (into the spool), a line each."""
        if items:
            file = self._objects if which == "objects" else self._events
            file.write(("\n," if self._written[which] else "\n") + "\n,".join(items))
            self._written[which] += len(items)

    def write(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Add the objects and events of the replications in the tables (their citizens, contacts and work)."""
        for configuration, replication, mine in by_replication(tables):
            self._replication(configuration, replication, mine)

    def _replication(self, configuration: str, replication: int, tables: Mapping[str, pd.DataFrame]) -> None:
        citizens = tables["citizens"]
        prefix = f"{configuration}:{replication}:"
        ids: Texts = (prefix + citizens["citizen"].astype(str)).to_numpy(dtype=object)
        journeys: Texts = citizens["service"].astype(str).to_numpy(dtype=object)
        index = pd.Index(citizens["citizen"])
        records = [_Records(tables[name], index, journeys, self._steps[configuration]) for name in ("contacts", "work")]
        self._citizens(citizens, ids, configuration, replication)
        self._applications(ids, records, self._held[configuration])
        world = f'{_attribute("configuration", configuration)},{_attribute("replication", replication)}'
        desks: set[tuple[str, str]] = set()
        for contact, part in zip((True, False), records, strict=True):
            for start in range(0, len(part.frame), ROWS_PER_SLICE):
                rows = slice(start, start + ROWS_PER_SLICE)
                self._write("events", self._events_of(part, rows, ids, prefix, world, contact, desks))
        self._write("objects", [
            f'{{"id":{json.dumps(prefix + agency + " " + place)},"type":"desk","attributes":['
            f'{_attribute("agency", agency, True)},{_attribute("place", place, True)}]}}'
            for agency, place in sorted(desks)
        ])  # fmt: skip

    def _citizens(self, citizens: pd.DataFrame, ids: Texts, configuration: str, replication: int) -> None:
        world = f'{_attribute("configuration", configuration, True)},{_attribute("replication", replication, True)}'
        service = _quoted(citizens["service"])
        outcome = _quoted(citizens["outcome"])
        for start in range(0, len(ids), ROWS_PER_SLICE):
            rows = slice(start, start + ROWS_PER_SLICE)
            self._write("objects", [
                f'{{"id":"{citizen}","type":"citizen","attributes":[{world},{{"name":"service","time":"{STATIC}",'
                f'"value":{journey}}},{{"name":"outcome","time":"{STATIC}","value":{end}}}]}}'
                for citizen, journey, end in zip(ids[rows].tolist(), service[rows].tolist(), outcome[rows].tolist(),
                                                 strict=True)
            ])  # fmt: skip

    def _applications(self, ids: Texts, records: list[_Records], held: Mapping[str, bool]) -> None:
        """The applications and documents the records name, in order of citizen, service and document."""
        links = pd.concat([part.links() for part in records]).drop_duplicates()
        links = links.sort_values(["citizen", "service", "document"], kind="stable", ignore_index=True)
        codes = links.groupby(["service", "document"], sort=False).ngroup().to_numpy()
        kinds = links[["service", "document"]].drop_duplicates(ignore_index=True)
        texts = np.array([
            f'{{"id":"{CITIZEN}:{service}","type":"application","attributes":[{_attribute("service", service, True)}],'
            f'"relationships":[{_relation(CITIZEN, "applicant")}]}}'
            if not document else
            f'{{"id":"{CITIZEN}:{service}:{document}","type":"document","attributes":['
            f'{_attribute("document", document, True)},{_attribute("held_by_government", held[document], True)}],'
            f'"relationships":[{_relation(f"{CITIZEN}:{service}", "carried by")}]}}'
            for service, document in zip(kinds["service"], kinds["document"], strict=True)
        ], dtype=object)[codes] if len(kinds) else np.empty(0, dtype=object)  # fmt: skip
        citizen = ids[links["citizen"].to_numpy()]
        for begin in range(0, len(links), ROWS_PER_SLICE):
            rows = slice(begin, begin + ROWS_PER_SLICE)
            self._write("objects", [text.replace(CITIZEN, person)
                                    for text, person in zip(texts[rows].tolist(), citizen[rows].tolist(), strict=True)])

    def _events_of(
        self, part: _Records, rows: slice, ids: Texts, prefix: str, world: str, contact: bool,
        desks: set[tuple[str, str]],
    ) -> list[str]:  # fmt: skip
        """The events of some contacts (or work records), noting the desks they were at in `desks`."""
        frame = part.frame.iloc[rows]
        fields = ["kind", "step", "outcome", "agency"] if contact else ["kind", "step", "agency"]
        described = frame[fields].astype(str)
        codes = described.groupby(fields, sort=False).ngroup().to_numpy()
        described = described.drop_duplicates(ignore_index=True)
        names = activity_names(described) if contact else (described["kind"] + " " + described["step"]).to_numpy()
        place = "counter" if contact else "back office"
        heads = []
        for name, row in zip(names.tolist(), described.to_dict("records"), strict=True):
            self._event_types.setdefault(name, CONTACT_ATTRIBUTES if contact else WORK_ATTRIBUTES)
            at_desk = row["agency"] not in ELSEWHERE or not contact
            if at_desk:
                desks.add((row["agency"], place))
            own = "".join(f",{_attribute(key, row[key])}" for key in ("kind", "step", "outcome") if key in row)
            desk = f",{_relation(prefix + row['agency'] + ' ' + place, 'desk')}" if at_desk else ""
            heads.append((f',"type":{json.dumps(name, ensure_ascii=False)}', f"{world}{own}", desk))
        head = np.array(heads, dtype=object).reshape(-1, 3)[codes] if heads else np.empty((0, 3), dtype=object)
        submits = frame["kind"].astype(str).isin(SUBMISSIONS).to_numpy() & contact
        relations = part.relations(rows, submits)
        citizen = ids[part.citizen[rows]]
        ended, started, queued = (timestamps(frame[c].to_numpy(dtype=np.float64), self._start)
                                  for c in ("ended", "started", "queued"))  # fmt: skip
        ahead = [f',{{"name":"ahead","value":{n}}}' for n in frame["ahead"].tolist()] if contact else [""] * len(frame)
        kind = "contact" if contact else "work"
        return [
            f'{{"id":"{prefix}{kind}:{n}"{type_},"time":"{end}","attributes":[{own}{waited},'
            f'{{"name":"queued","value":"{joined}"}}' + (f',{{"name":"started","value":"{begun}"}}' if begun else "")
            + f'],"relationships":[{{"objectId":"{person}","qualifier":"citizen"}}{desk}'
            + relation.replace(CITIZEN, person) + "]}"
            for n, (type_, own, desk), end, waited, joined, begun, person, relation in zip(
                range(rows.start, rows.start + len(frame)), head.tolist(), ended.tolist(), ahead, queued.tolist(),
                started.tolist(), citizen.tolist(), relations.tolist(), strict=True,
            )
        ]

    def end(self) -> None:
        """End the objects, append the events from the spool, declare the event types, and end the file."""
        self._objects.write('\n],\n"events":[')
        self._events.seek(0)
        shutil.copyfileobj(self._events, self._objects)
        self._events.close()
        self._spool.unlink()
        self._objects.write(f'\n],\n"eventTypes":{_types(dict(sorted(self._event_types.items())))}}}\n')
        self._objects.close()


def _quoted(values: pd.Series) -> Texts:
    """Each value as a JSON string."""
    strings = values.astype(str)
    quoted: Texts = strings.map({value: json.dumps(value, ensure_ascii=False) for value in strings.unique()}).to_numpy(
        dtype=object
    )
    return quoted
