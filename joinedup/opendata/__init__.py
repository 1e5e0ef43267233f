"""Open data: disclosure-controlled aggregates published from the hub, with a DCAT catalogue.

Following the data: ``datasets`` builds each dataset from the current store (person-derived
ones only from what ``dashboards.scope`` lets an analyst count, objectors left out), placed
by ``geography`` in the stored wards and parishes; ``disclosure`` holds the rules and the
linked cells of a dataset's tables, ``secondary`` the linear-programming attack and the
complementary suppression it drives, ``privacy`` the optional OpenDP noise, and ``protect``
turns counts into publishable ``tables``. ``check`` is the publication check, ``publish`` the
one way in (gate, build, protect, check, audit, write), ``releases`` what the store keeps.
The public faces read only releases: ``query`` filters and pages a table, ``dcat`` writes the
catalogue, ``ratelimit`` keeps clients to their rate.
"""

from joinedup.opendata.check import DisclosureRefused, Problem, check_counts
from joinedup.opendata.datasets import DATASETS
from joinedup.opendata.disclosure import Rule, Unit
from joinedup.opendata.publish import Options, Outcome, publish
from joinedup.opendata.releases import Release
from joinedup.opendata.tables import Dataset, Table

__all__ = [
    "DATASETS",
    "Dataset",
    "DisclosureRefused",
    "Options",
    "Outcome",
    "Problem",
    "Release",
    "Rule",
    "Table",
    "Unit",
    "check_counts",
    "publish",
]
