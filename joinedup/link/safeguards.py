"""Safeguards: pairs the model scores highly that must still not merge without a person.

Fellegi-Sunter adds up evidence as if fields were independent, but family name, address,
postcode and landline are shared by a whole household, so together they can outweigh given
names that disagree: a mother and daughter, twins, Daniel and Danielle. In this field a false
merge is a data breach, so two rules hold back such pairs for review whatever their weight:

1. **Household evidence alone** cannot join records whose given names agree only loosely
   (Daniel and Danielle, an initial, or not at all): an NHS number, an email address or a
   personal identifier must agree too. Not the date of birth, which twins share.
2. **Same name, different date of birth and different address** never joins without an NHS
   number or a personal identifier in common.

A *personal* identifier is a named identifier that training found to belong to one person
(``engine.personal_identifiers``), unlike a council tax account that a couple share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

MISSING = "missing"
GIVEN_AGREES = ("same", "nickname", "one typo", "goes by a middle name",
                "swapped with family name")
PERSONAL = {
    "nhs": ("same", "one character off"),
    "email": ("same", "one character off"),
}
SAME_PLACE = ("same UPRN", "same address", "most words of the address shared",
              "same house number, address misspelt",
              "same postcode, address not known to both")
HOUSEHOLD_ONLY = "given names differ and only household details agree"
DIFFERENT_PERSON = "dates of birth differ and so do the addresses"


def held_back(levels: Mapping[str, np.ndarray], personal_identifiers: Sequence[str] = ()
              ) -> np.ndarray:
    """For each pair (levels as from ``vectors.level_labels``), the safeguard that holds it
    back, or '' where none does."""
    given = levels["given"]
    identifier_same = np.zeros(len(given), dtype=bool)
    for column in personal_identifiers:
        identifier_same |= levels[column] == "same"
    personal = identifier_same.copy()
    for comparison, agree in PERSONAL.items():
        if comparison in levels:
            personal |= np.isin(levels[comparison], agree)
    loose_given = (given != MISSING) & ~np.isin(given, GIVEN_AGREES)
    residence = levels["residence"]
    place_differs = (residence != MISSING) & ~np.isin(residence, SAME_PLACE)
    vouched = (levels["nhs"] == "same") | identifier_same
    reasons = np.full(len(given), "", dtype=object)
    reasons[(levels["dob"] == "different") & place_differs & ~vouched] = DIFFERENT_PERSON
    reasons[loose_given & ~personal] = HOUSEHOLD_ONLY
    return reasons
