"""The agencies of the synthetic county, each a module with ``jobs(county) -> list[Job]``.

Listed in the order their files are written; the manifest orders loads by kind (properties,
then people, then what refers to people) whatever this order is.
"""

from __future__ import annotations

from collections.abc import Callable

from joinedup.synth.agencies import (
    asc,
    childrens,
    community_health,
    council_tax,
    fire,
    libraries,
    police,
    properties,
)
from joinedup.synth.context import County
from joinedup.synth.feeds import Job

AGENCIES: tuple[Callable[[County], list[Job]], ...] = (
    properties.jobs, asc.jobs, childrens.jobs, community_health.jobs, police.jobs, fire.jobs,
    libraries.jobs, council_tax.jobs,
)

__all__ = ["AGENCIES"]
