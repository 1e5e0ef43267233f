"""A 5,000-person synthetic county with the true population and properties it was written
from, shared by the tests of its places, flood zones and flags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from written import written_county

from joinedup.synth import CountySummary
from joinedup.synth.geography import Properties
from joinedup.synth.population import Population

MAPPED_PEOPLE, MAPPED_SEED = 5000, 7


@dataclass(frozen=True)
class Mapped:
    summary: CountySummary
    pop: Population
    props: Properties

    def layer(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.summary.layers[name].read_text(encoding="utf-8"))
        return loaded

    def shapes(self, name: str) -> dict[str, BaseGeometry]:
        """Each feature's geometry of a layer, by its ``name`` (or ``type``) property."""
        found = {}
        for feature in self.layer(name)["features"]:
            props = feature["properties"]
            found[props.get("name") or props["type"]] = shape(feature["geometry"])
        return found


@pytest.fixture(scope="session")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Mapped:
    return Mapped(*written_county(tmp_path_factory.mktemp("mapped") / "out",
                                  people=MAPPED_PEOPLE, seed=MAPPED_SEED))
