"""Running jobs: one table-driven loop writes every feed, whatever the agency or format.

Each feed also gets a handful of unusable rows, so that quarantine has something to show
(1 of each kind per 2,000 rows, at least 1 and at most 25, in feeds of 20 rows or more):

    blank id    an extra copy of a row with an empty record id
    no name     a row whose name (person feeds) or person reference (activity feeds) is blank
    repeat id   a row that reuses the record id of the row before it (a different person)

``truth.csv`` lists a person record only when it has a record id and is the first row with it.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from joinedup.synth.context import County
from joinedup.synth.feeds import ActivityJob, Feed, PersonJob, PropertyJob, Ref
from joinedup.synth.population import person_id
from joinedup.synth.records import View, make_view
from joinedup.synth.writers import (
    CsvWriter,
    FhirBundle,
    FhirRows,
    JsonLinesWriter,
    RowWriter,
    XlsxWriter,
)

Progress = Callable[[str, int, int], None]
BLANK_ID, NO_NAME, REPEAT_ID = 1, 2, 3
_REPORT_EVERY = 50_000


def handful(rows: int) -> int:
    """How many unusable rows of each kind a feed of ``rows`` rows gets."""
    if rows < 20:
        return 0
    return min(25, 1 + rows // 2000)


def _defects(rows: int, rng: random.Random, *, nameless: bool) -> dict[int, int]:
    kinds = [BLANK_ID, REPEAT_ID] + ([NO_NAME] if nameless else [])
    count = handful(rows)
    places = rng.sample(range(1, rows), count * len(kinds)) if count else []
    return {place: kinds[i % len(kinds)] for i, place in enumerate(places)}


class Outputs:
    """Opens a writer per feed; feeds that share a FHIR Bundle share its writer."""

    def __init__(self, data_dir: Path, county: County) -> None:
        self._dir, self._county = data_dir, county
        self._bundles: dict[str, FhirBundle] = {}
        ref = county.reference
        self._saved = datetime(ref.year, ref.month, ref.day, 6, 0)

    def open(self, feed: Feed) -> RowWriter:
        path = self._dir / feed.filename
        if feed.format == "csv":
            return CsvWriter(path, feed)
        if feed.format == "jsonl":
            return JsonLinesWriter(path, feed)
        if feed.format == "xlsx":
            return XlsxWriter(path, feed, self._saved)
        bundle = self._bundles.get(feed.filename)
        if bundle is None:
            bundle = FhirBundle(path, base_url=feed.base_url,
                                timestamp=self._saved.isoformat() + "+00:00",
                                rng=self._county.rng(f"bundle:{feed.filename}"))
            self._bundles[feed.filename] = bundle
        return FhirRows(bundle, feed, "Patient" if feed.kind == "person" else "Encounter")

    def close(self) -> None:
        for bundle in self._bundles.values():
            bundle.close()
        self._bundles.clear()


def write_feed(feed: Feed, objects: Iterable[Any], total: int, writer: RowWriter,
               rng: random.Random, progress: Progress | None,
               record: Callable[[Any, str, bool], None] | None = None) -> int:
    """Write one row per object (plus unusable rows); returns the number of rows written.

    ``record(obj, record_id, named)`` is called for every row that has a record id and is the
    first row with it; ``named`` is False for a row whose name or person was blanked.
    """
    getters = [c.get for c in feed.columns]
    required = [i for i, c in enumerate(feed.columns) if c.name in feed.required]
    defects = _defects(total, rng, nameless=bool(required))
    stage = f"writing {feed.name}"
    previous, written = "", 0
    for i, obj in enumerate(objects):
        row = [g(obj) for g in getters]
        defect = defects.get(i)
        named = True
        if defect == BLANK_ID:
            writer.write(["", *row[1:]])
            written += 1
        elif defect == NO_NAME:
            for j in required:
                row[j] = ""
            named = False
        elif defect == REPEAT_ID:
            row[0] = previous
        writer.write(row)
        written += 1
        rid = str(row[0] or "")
        if record is not None and defect != REPEAT_ID and rid:
            record(obj, rid, named)
        previous = rid
        if progress is not None and not i % _REPORT_EVERY:
            progress(stage, i, total)
    writer.close()
    if progress is not None:
        progress(stage, total, total)
    return written


def run_person_job(county: County, job: PersonJob, outputs: Outputs, truth: Any,
                   progress: Progress | None) -> tuple[int, list[Ref]]:
    """Write a person feed; returns rows written and the usable records activities may use."""
    name = job.feed.name
    rng = county.rng(f"records:{name}")
    entries = list(job.entries(county.rng(f"entries:{name}")))
    duplicates = [job.duplicate(e, rng) for e in entries if rng.random() < job.profile.duplicates]
    profile, second = job.profile, job.profile.for_duplicate()

    def views() -> Iterator[View]:
        for batch, prof in ((entries, profile), (duplicates, second)):
            for e in batch:
                yield make_view(county, e.pid, e.rid, e.ident, e.extra, prof, rng)

    refs: list[Ref] = []
    write_truth = truth.writerow

    def record(view: View, rid: str, named: bool) -> None:
        write_truth((name, rid, person_id(view.pid)))
        if named:
            refs.append(Ref(rid, view.pid))

    count = write_feed(job.feed, views(), len(entries) + len(duplicates), outputs.open(job.feed),
                       county.rng(f"defects:{name}"), progress, record)
    return count, refs


def run_activity_job(county: County, job: ActivityJob, refs: list[Ref], outputs: Outputs,
                     progress: Progress | None) -> int:
    name = job.feed.name
    events = list(job.events(refs, county.rng(f"events:{name}")))
    return write_feed(job.feed, events, len(events), outputs.open(job.feed),
                      county.rng(f"defects:{name}"), progress)


def run_property_job(county: County, job: PropertyJob, outputs: Outputs,
                     progress: Progress | None) -> int:
    total = len(county.props)
    return write_feed(job.feed, range(total), total, outputs.open(job.feed),
                      county.rng(f"defects:{job.feed.name}"), progress)


def truth_writer(path: Path) -> tuple[Any, Callable[[], None]]:
    handle = path.open("w", encoding="utf-8", newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(("source", "record_id", "person"))
    return writer, handle.close
