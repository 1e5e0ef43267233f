"""What an agency hands over: feeds (a file plus its source definition) and the jobs that fill
them. Agencies are tables of these; ``writers.py`` does the writing for all of them alike."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from joinedup.synth.records import Profile, View

Value = str | date | None


@dataclass(frozen=True)
class Column:
    """One column of a feed's file and how to get its value from a row's object.

    Values are text, ``None`` for nothing, or a date for a spreadsheet's date cells.
    """

    name: str
    get: Callable[[Any], Value]


@dataclass(frozen=True)
class Feed:
    """One data file and the source definition that reads it."""

    name: str
    agency: str
    kind: str  # person | contact | involvement | flag | property
    format: str  # csv | jsonl | xlsx | fhir
    filename: str
    description: str
    columns: tuple[Column, ...]  # the record id first
    fields: dict[str, Any]  # the definition's ``fields:``, canonical field -> column spec
    options: dict[str, Any] = field(default_factory=dict)
    person_source: str | None = None
    required: tuple[str, ...] = ()  # blanked in a "no name" / "no person" unusable row
    base_url: str = ""  # FHIR only: the server the Bundle's entries' fullUrls point at

    @property
    def record_id(self) -> str:
        return self.columns[0].name

    def definition(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "agency": self.agency,
                                "description": self.description, "kind": self.kind,
                                "format": self.format}
        if self.options:
            body["options"] = dict(self.options)
        body["record_id"] = self.record_id
        if self.person_source is not None:
            body["person_source"] = self.person_source
        body["fields"] = self.fields
        return body


class Entry(NamedTuple):
    """A person an agency knows: who, under which record id, with the agency's own identifier
    and one agency-specific value (a title, a branch, a visit)."""

    pid: int
    rid: str
    ident: str = ""
    extra: str = ""


class Ref(NamedTuple):
    """A usable person record (first of its id, with a name) that activities may point at."""

    rid: str
    pid: int


@dataclass(frozen=True)
class PersonJob:
    feed: Feed
    profile: Profile
    entries: Callable[[random.Random], Sequence[Entry]]
    duplicate: Callable[[Entry, random.Random], Entry]  # a second record for the same person


@dataclass(frozen=True)
class ActivityJob:
    feed: Feed
    events: Callable[[Sequence[Ref], random.Random], Iterator[Event]]


@dataclass(frozen=True)
class PropertyJob:
    feed: Feed


Job = PersonJob | ActivityJob | PropertyJob


class Practitioner:
    __slots__ = ("email", "family", "given", "name", "phone", "role", "team")

    def __init__(self, given: str, family: str, role: str, team: str, email: str,
                 phone: str) -> None:
        self.given, self.family, self.name = given, family, f"{given} {family}"
        self.role, self.team, self.email, self.phone = role, team, email, phone


class Event:
    """One contact, involvement or flag; each feed's columns pick the fields they need."""

    __slots__ = ("code", "description", "end", "extra", "person", "reason", "rid", "sensitivity",
                 "service", "start", "team", "when", "worker")

    def __init__(self, rid: str, person: str) -> None:
        self.rid, self.person = rid, person
        self.when: datetime | None = None
        self.start: date | None = None
        self.end: date | None = None
        self.worker: Practitioner | None = None
        self.code = self.description = self.sensitivity = self.service = self.team = ""
        self.reason = self.extra = ""


def view_columns(*columns: tuple[str, Callable[[View], Value]]) -> tuple[Column, ...]:
    return tuple(Column(name, get) for name, get in columns)


def event_columns(*columns: tuple[str, Callable[[Event], Value]]) -> tuple[Column, ...]:
    return tuple(Column(name, get) for name, get in columns)


def worker_field(attribute: str) -> Callable[[Event], str]:
    """A column of the event's practitioner (name, role, email, phone), blank without one."""

    def get(event: Event) -> str:
        return str(getattr(event.worker, attribute)) if event.worker is not None else ""

    return get
