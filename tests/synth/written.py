"""A county with the true population and properties it was written from: what the synth
tests check the files against. A module (not the conftest) so tests can import it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from joinedup.synth import CountySummary, generate_county
from joinedup.synth.geography import Properties
from joinedup.synth.population import Population, assign_homes


def written_county(outdir: Path, *, people: int, seed: int
                   ) -> tuple[CountySummary, Population, Properties]:
    """Generate a county, catching the population and properties as homes are assigned."""
    seen: dict[str, Any] = {}

    def spy(pop: Population, props: Properties, *args: Any, **kwargs: Any) -> None:
        assign_homes(pop, props, *args, **kwargs)
        seen.update(pop=pop, props=props)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("joinedup.synth.county.assign_homes", spy)
        summary = generate_county(outdir, people=people, seed=seed)
    return summary, seen["pop"], seen["props"]
