"""Evidence dashboards: duplication, multi-agency overlap, visit coordination, and service
demand beside the city's sensors, for analysts, as counts over groups and nothing else.

``dashboard`` is the one way in (web page, CSV download, API): it lets in only a role acting
for ``analytics`` (refusals audited), counts only what the sharing agreements give the
analyst for analytics, leaves out sealed records and persons who objected (``scope``),
computes every figure as a GROUP BY in the store (``duplication``, ``overlap``, ``visits``,
``demand``, with ``calendar`` for months and fortnights in SQL), holds back small counts
(``figures.Disclosure``) and audits the view. ``charts`` draws a table as an accessible SVG
with no script, and ``Table.csv`` writes the same figures as CSV.
"""

from joinedup.dashboards.charts import chart_svg
from joinedup.dashboards.dashboard import DASHBOARDS, DOWNLOAD, VIEW, Kind, dashboard, kind_of
from joinedup.dashboards.figures import Dashboard, Disclosure, Measure, Row, Table
from joinedup.dashboards.options import DEFAULT_DUPLICATE_COST_GBP, Options

__all__ = [
    "DASHBOARDS",
    "DEFAULT_DUPLICATE_COST_GBP",
    "DOWNLOAD",
    "VIEW",
    "Dashboard",
    "Disclosure",
    "Kind",
    "Measure",
    "Options",
    "Row",
    "Table",
    "chart_svg",
    "dashboard",
    "kind_of",
]
