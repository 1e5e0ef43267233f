"""What an analyst can ask of a dashboard, and the hub's settings for it, in one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement

from joinedup.dashboards.figures import Disclosure
from joinedup.errors import BadInput
from joinedup.settings import Settings

DEFAULT_DUPLICATE_COST_GBP = 10.0
"""The "1-10-100 rule" (Labovitz and Chang, 1992): about 10 a record to find and put right an
error after it was entered (1 to stop it at entry, 100 a year to leave it). A duplicate is
such an error; the council sets its own figure (``JOINEDUP_DUPLICATE_COST_GBP``)."""

FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True)
class Options:
    disclosure: Disclosure = field(default_factory=Disclosure)
    cost_per_duplicate: float = DEFAULT_DUPLICATE_COST_GBP
    since: date | None = None
    """First day of contacts counted (visits, demand); None: from the first."""
    until: date | None = None
    """Last day counted, inclusive; None: to the last."""
    ward: str | None = None
    """Service demand and sensors of one ward; None: the whole county."""

    def __post_init__(self) -> None:
        for name, day in (("from", self.since), ("to", self.until)):
            if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise BadInput(f"{name} {day.isoformat()}: expected a date between "
                               f"{FIRST_YEAR} and {LAST_YEAR}")
        if self.cost_per_duplicate < 0:
            raise BadInput(f"the cost per duplicate must be zero or more, not "
                           f"{self.cost_per_duplicate}")
        if self.since and self.until and self.since > self.until:
            raise BadInput(f"from {self.since.isoformat()} is after to "
                           f"{self.until.isoformat()}: give the earlier date first")

    @classmethod
    def from_settings(cls, settings: Settings, *, since: date | None = None,
                      until: date | None = None, ward: str | None = None) -> Options:
        """The hub's threshold and cost per duplicate, with what the analyst asked for."""
        return cls(Disclosure(settings.dashboard_threshold), settings.duplicate_cost_gbp,
                   since, until, ward or None)

    def during(self, at: ColumnElement[datetime]) -> list[ColumnElement[bool]]:
        """Conditions that a time ``at`` falls within the days asked for (none: any time)."""
        when = [] if self.since is None else [at >= datetime.combine(self.since, time())]
        if self.until is not None:
            when.append(at < datetime.combine(self.until + timedelta(days=1), time()))
        return when
