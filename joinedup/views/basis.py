"""Why a panel may be shown, in words: every panel of a view names the agency it came from
and the ground the decision allowed it on, so a practitioner (and a DPO reading over their
shoulder) can see at a glance that nothing is on screen by accident.

    "Adult Social Care's own record"
    "shared by Adult Social Care under DSA-NFK-001/v1 for direct care"
    "...; open involvement with Norwich Adult Social Care (Home Care)"   (detail only)
"""

from __future__ import annotations

from joinedup.govern.decide import OWN_AGENCY, STATUTORY, Decision

GLASS = "break-glass"


def purpose_words(purpose: str | None) -> str:
    return (purpose or "").replace("_", " ")


def basis(decision: Decision, source: str, agency: str, purpose: str | None, *,
          detail: bool = False) -> str:
    """The ground ``source`` (held by ``agency``) is shown on. ``detail``: a contact,
    involvement or flag, which also needed the legitimate relationship (or break-glass)."""
    codes = decision.basis.get(source, ())
    if STATUTORY in codes:
        return "the person's own subject access request (UK GDPR Art. 15)"
    if OWN_AGENCY in codes:
        text = f"{agency}'s own record"
    else:
        text = (f"shared by {agency} under {', '.join(codes) or 'no agreement'} for "
                f"{purpose_words(purpose)}")
    why = decision.relationship
    if detail and why:
        if why.startswith(GLASS):
            why += " (emergency access, reviewed by the data protection officer)"
        text += f"; {why}"
    return text
