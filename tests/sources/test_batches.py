"""The worker process that reads and maps large files gives exactly what mapping in-process
gives: the same rows, issues and errors (only faster on two cores)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factories import PEOPLE, person_definition, write_jsonl, write_people_csv

from joinedup.errors import IngestError
from joinedup.sources import batches
from joinedup.sources.batches import mapped_batches
from joinedup.sources.definition import SourceDefinition


def _people(n: int) -> list[list[str]]:
    """n rows: the factory's people with fresh ids, plus a bad NHS number, a blank id, a
    duplicate id and a ragged row, so every kind of issue crosses the process boundary."""
    rows = [[f"R{i}", *PEOPLE[i % len(PEOPLE)][1:]] for i in range(n)]
    rows[10][5] = "9434765918"
    rows[20][0] = ""
    rows[30][0] = "R29"
    rows.append(["R-ragged", "too", "few"])
    return rows


def _collect(definition: SourceDefinition, path: Path
             ) -> tuple[list[Any], list[Any], list[Any], int]:
    rows: list[Any] = []
    warnings: list[Any] = []
    rejected: list[Any] = []
    read = 0
    for batch in mapped_batches(definition, path):
        rows += batch.mapped.rows
        warnings += batch.mapped.warnings
        rejected += batch.mapped.rejected + batch.ragged
        read += batch.rows_read
    return rows, warnings, rejected, read


def test_worker_gives_what_in_process_mapping_gives(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    definition = person_definition(tmp_path)
    path = write_people_csv(tmp_path / "people.csv", _people(12_000))
    monkeypatch.setattr(batches, "BATCH", 1000)
    in_process = _collect(definition, path)
    monkeypatch.setattr(batches, "WORKER_FROM_BYTES", 0)
    in_worker = _collect(definition, path)
    assert in_worker == in_process
    rows, warnings, rejected, read = in_worker
    assert read == 12_001
    assert len(rows) == 11_999  # the blank id and the ragged row are quarantined here
    assert [w.row_no for w in warnings] == [12]
    assert {r.reason for r in rejected} == {"no record id", "the row has 3 fields, the header "
                                            "has 11"}


def test_an_error_found_by_the_worker_reaches_the_loader(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    definition = person_definition(tmp_path, format="jsonl")
    lines: list[dict[str, str] | str] = [
        {"id": f"J{i}", "forename": "Ann", "surname": "Lee", "dob": "01/02/1970", "sex": "F",
         "nhs_no": "", "addr1": "", "town": "", "postcode": "", "tel": "", "email": ""}
        for i in range(50)]
    lines.insert(40, "{not json")
    path = write_jsonl(tmp_path / "people.jsonl", lines)
    monkeypatch.setattr(batches, "WORKER_FROM_BYTES", 0)
    with pytest.raises(IngestError) as caught:
        _collect(definition, path)
    assert caught.value.row == 41
    assert "not valid JSON" in str(caught.value)
