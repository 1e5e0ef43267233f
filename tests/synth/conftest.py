"""A 5,000-person synthetic county with the true population and properties it was written
from, shared by the tests of its places, flood zones and flags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from joinedup.synth import CountySummary, generate_county
from joinedup.synth.geography import Properties
from joinedup.synth.population import Population, assign_homes

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
    seen: dict[str, Any] = {}

    def spy(pop: Population, props: Properties, *args: Any, **kwargs: Any) -> None:
        assign_homes(pop, props, *args, **kwargs)
        seen.update(pop=pop, props=props)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("joinedup.synth.county.assign_homes", spy)
        summary = generate_county(tmp_path_factory.mktemp("mapped") / "out",
                                  people=MAPPED_PEOPLE, seed=MAPPED_SEED)
    return Mapped(summary, seen["pop"], seen["props"])
