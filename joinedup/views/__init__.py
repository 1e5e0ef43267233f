"""Read models for the staff-facing web UI and API, built only through ``govern``: every
function decides (and so audits) before it reads a person's data, and shows only what the
decision grants, each panel saying which agency it came from and why it may be shown.

Each takes the caller's ``governed(engine)`` connection, the agreement register, the actor,
the purpose and ``now``; a refusal is audited, then raised as ``AccessDenied``. Results are
frozen dataclasses of plain values (str, int, float, bool, date, datetime, None, tuples),
ready to serialise as JSON.
"""

from joinedup.views.caseload import CaseloadEntry, Involved, caseload, involved
from joinedup.views.engineering import (
    FieldPair,
    LoadView,
    ReviewDetail,
    ReviewSummary,
    decide_review,
    load_view,
    loads_overview,
    review_detail,
    review_queue,
    side_by_side,
)
from joinedup.views.golden import GoldenField, HeldValue
from joinedup.views.household import HouseholdMember
from joinedup.views.lead import InvolvedPractitioner, LeadSuggestion, suggest_lead
from joinedup.views.oversight import (
    AgreementSummary,
    ChainStatus,
    CheckpointSummary,
    VerificationSummary,
    agreements_in_force,
    chain_status,
    share_text,
)
from joinedup.views.person import (
    FlagPanel,
    InvolvementPanel,
    PersonView,
    RecordField,
    RecordPanel,
    TimelineEntry,
    person_view,
)
from joinedup.views.query import SearchQuery
from joinedup.views.search import SearchHit, SearchResult, search_persons

__all__ = [
    "AgreementSummary",
    "CaseloadEntry",
    "ChainStatus",
    "CheckpointSummary",
    "FieldPair",
    "FlagPanel",
    "GoldenField",
    "HeldValue",
    "HouseholdMember",
    "Involved",
    "InvolvedPractitioner",
    "InvolvementPanel",
    "LeadSuggestion",
    "LoadView",
    "PersonView",
    "RecordField",
    "RecordPanel",
    "ReviewDetail",
    "ReviewSummary",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "TimelineEntry",
    "VerificationSummary",
    "agreements_in_force",
    "caseload",
    "chain_status",
    "decide_review",
    "involved",
    "load_view",
    "loads_overview",
    "person_view",
    "review_detail",
    "review_queue",
    "search_persons",
    "share_text",
    "side_by_side",
    "suggest_lead",
]
