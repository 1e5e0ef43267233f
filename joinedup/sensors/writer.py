"""Storing a batch's readings once per (sensor, time), and saying what became of each.

A reading newer than the newest its sensor has (the common case: a feed moving forward) cannot
already be stored, so only older ones are looked up: the rest go straight in, by
``executemany`` on SQLite and by binary ``COPY`` built with numpy on PostgreSQL, with no
conflict handling per row. An older reading is a duplicate if the hub holds the same value
for that time (nothing changes), a correction if it holds another (the new value is kept and
the old one recorded with the batch, since a platform re-sends a calibrated value and its
newest word is the best one, while the record lets anyone see and undo it), else a reading that
arrived out of order, stored like any other. ``sensor_latest`` moves on in the same
transaction. On PostgreSQL batches take turns on an advisory lock, so the lookups and the
writes see the same data; SQLite has one writer anyway.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from joinedup.sensors.checks import Checked, Known
from joinedup.sensors.readings import ReadingProblem
from joinedup.store.schema import (
    sensor_correction,
    sensor_latest,
    sensor_problem,
    sensor_reading,
)

LATE_AFTER = 86_400
"""Seconds between a reading's time and its arrival after which it is counted late."""
PROBLEMS_KEPT = 1_000
"""Problems a report carries (all of them are stored)."""
NO_READING = np.iinfo(np.int64).min
LOCK = 0x6A75_7365
"""PostgreSQL advisory lock key taken by every batch ("juse")."""


@dataclass
class Counts:
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    corrected: int = 0
    late: int = 0
    out_of_order: int = 0
    rejected: int = 0


class _Backend(Protocol):
    def existing(self, ids: NDArray[np.int64], seconds: NDArray[np.int64]
                 ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Which of these keys are stored (their indexes), and their values."""

    def append(self, ids: NDArray[np.int64], seconds: NDArray[np.int64],
               values: NDArray[np.float64]) -> None:
        """Store readings known to be new."""


class _SQLite:
    EXISTING = text(
        "SELECT k.key, r.value FROM json_each(:keys) AS k JOIN sensor_reading AS r "
        "ON r.sensor_id = json_extract(k.value, '$[0]') "
        "AND r.observed_at = json_extract(k.value, '$[1]')")

    def __init__(self, connection: Connection, batch_id: int) -> None:
        self.connection = connection
        self.insert = ("INSERT INTO sensor_reading (sensor_id, observed_at, value, batch_id) "
                       f"VALUES (?, ?, ?, {int(batch_id)})")

    def existing(self, ids: NDArray[np.int64], seconds: NDArray[np.int64]
                 ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        keys = json.dumps(np.column_stack([ids, seconds]).tolist())
        return _columns(self.connection.execute(self.EXISTING, {"keys": keys}).all())

    def append(self, ids: NDArray[np.int64], seconds: NDArray[np.int64],
               values: NDArray[np.float64]) -> None:
        cursor: Any = self.connection.connection.cursor()
        try:
            cursor.executemany(self.insert, zip(ids.tolist(), seconds.tolist(),
                                                values.tolist(), strict=True))
        finally:
            cursor.close()


class _PostgreSQL:
    EXISTING = text(
        "SELECT k.i - 1, r.value FROM unnest(CAST(:ids AS integer[]), CAST(:seconds AS "
        "bigint[])) WITH ORDINALITY AS k(sensor_id, observed_at, i) JOIN sensor_reading AS r "
        "ON r.sensor_id = k.sensor_id AND r.observed_at = k.observed_at")
    COPY = ("COPY sensor_reading (sensor_id, observed_at, value, batch_id) "
            "FROM STDIN (FORMAT BINARY)")
    # One tuple of COPY's binary format: field count, then each field's length and value.
    ROW = np.dtype([("fields", ">i2"), ("n0", ">i4"), ("sensor_id", ">i4"), ("n1", ">i4"),
                    ("observed_at", ">i8"), ("n2", ">i4"), ("value", ">f8"), ("n3", ">i4"),
                    ("batch_id", ">i4")])
    HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    TRAILER = b"\xff\xff"

    def __init__(self, connection: Connection, batch_id: int) -> None:
        self.connection = connection
        self.batch_id = batch_id
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})

    def existing(self, ids: NDArray[np.int64], seconds: NDArray[np.int64]
                 ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        return _columns(self.connection.execute(
            self.EXISTING, {"ids": ids.tolist(), "seconds": seconds.tolist()}).all())

    def append(self, ids: NDArray[np.int64], seconds: NDArray[np.int64],
               values: NDArray[np.float64]) -> None:
        rows = np.empty(len(ids), dtype=self.ROW)
        rows["fields"] = 4
        rows["n0"], rows["n1"], rows["n2"], rows["n3"] = 4, 8, 8, 4
        rows["sensor_id"], rows["observed_at"], rows["value"] = ids, seconds, values
        rows["batch_id"] = self.batch_id
        cursor: Any = self.connection.connection.cursor()
        try:
            with cursor.copy(self.COPY) as copy:
                copy.write(self.HEADER + rows.tobytes() + self.TRAILER)
        finally:
            cursor.close()


def _columns(rows: Sequence[Any]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    return (np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.float64))


class Writer:
    """Writes one batch's checked chunks and counts what became of every reading."""

    def __init__(self, connection: Connection, batch_id: int, known: Known, *,
                 now: int) -> None:
        self.connection = connection
        self.batch_id = batch_id
        self.known = known
        self.now = now
        self.counts = Counts()
        self.problems: list[ReadingProblem] = []
        self.backend: _Backend = (_PostgreSQL if connection.dialect.name == "postgresql"
                                  else _SQLite)(connection, batch_id)
        self.upsert = (postgresql.insert if connection.dialect.name == "postgresql"
                       else sqlite.insert)
        position = {int(i): p for p, i in enumerate(known.ids.tolist())}
        self.latest = np.full(len(known.ids), NO_READING, dtype=np.int64)
        for sensor_id, seconds in connection.execute(
                select(sensor_latest.c.sensor_id, sensor_latest.c.observed_at)):
            if sensor_id in position:
                self.latest[position[sensor_id]] = seconds

    def write(self, checked: Checked, read: int) -> None:
        """Store a chunk of ``read`` readings, of which ``checked`` holds the good ones."""
        self.counts.read += read
        self._reject(checked.problems)
        if len(checked.position):
            self._store(checked.position, checked.seconds, checked.value)

    def _reject(self, problems: list[ReadingProblem]) -> None:
        if not problems:
            return
        seq = self.counts.rejected
        self.connection.execute(insert(sensor_problem), [
            {"batch_id": self.batch_id, "seq": seq + k, "location": p.where,
             "sensor": p.sensor, "observed_at": p.observed_at, "value": p.value,
             "what": p.what, "expected": p.expected} for k, p in enumerate(problems, 1)])
        self.counts.rejected += len(problems)
        self.problems.extend(problems[:PROBLEMS_KEPT - len(self.problems)])

    def _store(self, position: NDArray[np.int64], seconds: NDArray[np.int64],
               value: NDArray[np.float64]) -> None:
        order = np.lexsort((seconds, position))
        position, seconds, value = position[order], seconds[order], value[order]
        n = len(order)
        first = np.ones(n, dtype=bool)  # the first reading of each (sensor, time) in the chunk
        first[1:] = (position[1:] != position[:-1]) | (seconds[1:] != seconds[:-1])
        starts = np.flatnonzero(first)
        ends = np.append(starts[1:], n) - 1
        # What each reading replaces: the one before it for the same key, or the stored one.
        before = np.empty(n, dtype=np.float64)
        before[1:] = value[:-1]
        replaces = ~first
        held = self.latest[position]
        maybe = starts[seconds[starts] <= held[starts]]
        if len(maybe):
            found, stored = self.backend.existing(self.known.ids[position[maybe]],
                                                  seconds[maybe])
            before[maybe[found]] = stored
            replaces[maybe[found]] = True
        duplicate = replaces & (value == before)
        corrected = replaces & ~duplicate
        accepted = ~duplicate
        self._count(accepted, corrected, duplicate, seconds, held)

        final = value[ends]
        is_new = ~replaces[starts]
        new = starts[is_new]
        self.backend.append(self.known.ids[position[new]], seconds[new], final[is_new])
        changed = ~is_new & (final != before[starts])
        self._correct(position, seconds, before, value, corrected, starts[changed],
                      final[changed])
        self._move_latest(position[starts], seconds[starts], final)

    def _count(self, accepted: NDArray[np.bool_], corrected: NDArray[np.bool_],
               duplicate: NDArray[np.bool_], seconds: NDArray[np.int64],
               held: NDArray[np.int64]) -> None:
        c = self.counts
        c.accepted += int(accepted.sum())
        c.corrected += int(corrected.sum())
        c.duplicates += int(duplicate.sum())
        c.late += int((accepted & (seconds < self.now - LATE_AFTER)).sum())
        c.out_of_order += int((accepted & (seconds < held)).sum())

    def _correct(self, position: NDArray[np.int64], seconds: NDArray[np.int64],
                 before: NDArray[np.float64], value: NDArray[np.float64],
                 corrected: NDArray[np.bool_], changed: NDArray[np.int64],
                 final: NDArray[np.float64]) -> None:
        """Record each replaced value, and set the final value of each key that changed."""
        ids = self.known.ids
        index = np.flatnonzero(corrected)
        if len(index):
            self.connection.execute(insert(sensor_correction), [
                {"batch_id": self.batch_id, "sensor_id": s, "observed_at": t,
                 "old_value": old, "new_value": new} for s, t, old, new in zip(
                    ids[position[index]].tolist(), seconds[index].tolist(),
                    before[index].tolist(), value[index].tolist(), strict=True)])
        if len(changed):
            r = sensor_reading.c
            self.connection.execute(
                update(sensor_reading)
                .where(r.sensor_id == bindparam("s"), r.observed_at == bindparam("t"))
                .values(value=bindparam("v"), batch_id=self.batch_id),
                [{"s": s, "t": t, "v": v} for s, t, v in zip(
                    ids[position[changed]].tolist(), seconds[changed].tolist(),
                    final.tolist(), strict=True)])

    def _move_latest(self, position: NDArray[np.int64], seconds: NDArray[np.int64],
                     final: NDArray[np.float64]) -> None:
        """Keys come sorted by sensor and time: each sensor's last is its newest. It becomes
        the latest if no older than the one held (equal: a corrected latest value)."""
        last = np.append(position[1:] != position[:-1], True)
        position, seconds, final = position[last], seconds[last], final[last]
        newer = seconds >= self.latest[position]
        if not newer.any():
            return
        position, seconds, final = position[newer], seconds[newer], final[newer]
        statement = self.upsert(sensor_latest)
        statement = statement.on_conflict_do_update(
            index_elements=[sensor_latest.c.sensor_id],
            set_={"observed_at": statement.excluded.observed_at,
                  "value": statement.excluded.value},
            where=statement.excluded.observed_at >= sensor_latest.c.observed_at)
        self.connection.execute(statement, [
            {"sensor_id": s, "observed_at": t, "value": v} for s, t, v in zip(
                self.known.ids[position].tolist(), seconds.tolist(), final.tolist(),
                strict=True)])
        self.latest[position] = seconds
