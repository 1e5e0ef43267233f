"""Manifests: a list of (definition, data file) pairs in load order, e.g. a synthetic county.

Persons must load before the contacts, involvements and flags that refer to them, so order is
part of the manifest, not something joinedup guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from joinedup.errors import Problem, SourceDefinitionError
from joinedup.sources.definition import SourceDefinition, load_definition


@dataclass(frozen=True)
class ManifestEntry:
    definition: SourceDefinition
    data: Path


def load_manifest(path: Path) -> list[ManifestEntry]:
    """Read a manifest, checking every entry (and every definition) before anything loads."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceDefinitionError(path, [Problem(f"cannot read the manifest: {exc}")]) from exc
    entries_raw = raw.get("loads") if isinstance(raw, dict) else None
    if not isinstance(entries_raw, list) or not entries_raw:
        raise SourceDefinitionError(path, [Problem("expected 'loads:', a list of "
                                                   "{definition: X.yaml, data: FILE}", "loads")])
    problems: list[Problem] = []
    entries: list[ManifestEntry] = []
    for number, item in enumerate(entries_raw, start=1):
        where = f"loads[{number}]"
        if not isinstance(item, dict) or not {"definition", "data"} <= set(item):
            problems.append(Problem("expected {definition: X.yaml, data: FILE}", where))
            continue
        data = path.parent / str(item["data"])
        if not data.is_file():
            problems.append(Problem(f"data file {data} not found", where))
        try:
            definition = load_definition(path.parent / str(item["definition"]))
        except SourceDefinitionError as exc:
            problems.extend(Problem(str(p), f"{where} {exc.path}") for p in exc.problems)
            continue
        entries.append(ManifestEntry(definition, data))
    if problems:
        raise SourceDefinitionError(path, problems)
    return entries
