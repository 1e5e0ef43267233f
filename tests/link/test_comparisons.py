"""The domain comparisons reach the level their names promise, on the engine's own SQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from joinedup.link.comparisons import all_comparisons
from joinedup.link.features import features_table, identifier_column, record_features
from joinedup.link.safeguards import DIFFERENT_PERSON, HOUSEHOLD_ONLY, held_back
from joinedup.link.vectors import level_labels

BASE: dict[str, Any] = {
    "source": "a", "record_id": "1", "given_name": "Margaret", "middle_names": "Joyce",
    "family_name": "Thrower", "date_of_birth": date(1950, 3, 4), "sex": "female",
    "nhs_number": "9434765919", "uprn": "100090001234", "address": "12 Acacia Road, Norwich",
    "postcode": "NR1 1AA", "phone": "07700900123", "email": "m.thrower@example.com",
    "identifiers": '{"Mosaic ID": "M123456"}', "invalid": None,
}


def levels(left: dict[str, Any], right: dict[str, Any]) -> dict[str, str]:
    rows = [{**BASE, "id": 1, **left}, {**BASE, "id": 2, "record_id": "2", **right}]
    features = features_table(rows)
    model = {"comparisons": all_comparisons([identifier_column("Mosaic ID")])}
    found = level_labels(model, features, np.array([1]), np.array([2]))
    return {name: str(values[0]) for name, values in found.items()}


@pytest.mark.parametrize(("comparison", "left", "right", "level"), [
    ("given", {}, {}, "same"),
    ("given", {"given_name": "Peggy"}, {}, "nickname"),
    ("given", {"given_name": "Bill"}, {"given_name": "William"}, "nickname"),
    ("given", {"given_name": "Margaert"}, {}, "one typo"),
    ("given", {"given_name": "Joyce", "middle_names": None}, {}, "goes by a middle name"),
    ("given", {"given_name": "Thrower", "family_name": "Margaret"}, {},
     "swapped with family name"),
    ("given", {"given_name": "M"}, {}, "initial"),
    ("given", {"given_name": "Susan"}, {}, "different"),
    ("given", {"given_name": None}, {}, "missing"),
    ("family", {"family_name": "Thrower-Smith"}, {}, "shares a part of a double-barrelled name"),
    ("family", {"family_name": "O'Thrower"}, {"family_name": "OThrower"}, "same"),
    ("family", {"family_name": "Throwe"}, {}, "nearly the same"),
    ("dob", {"date_of_birth": date(1950, 4, 3)}, {}, "day and month swapped"),
    ("dob", {"date_of_birth": date(1951, 3, 4)}, {}, "year off by one"),
    ("dob", {"date_of_birth": date(1950, 3, 14)}, {}, "one digit mistyped"),
    ("dob", {"date_of_birth": date(1950, 11, 22)}, {}, "same year"),
    ("dob", {"date_of_birth": date(1962, 11, 22)}, {}, "different"),
    ("nhs", {"nhs_number": None, "invalid": '{"nhs_number": "943 476 5910"}'}, {},
     "one character off"),
    ("nhs", {"nhs_number": "4010232137"}, {}, "different"),
    ("residence", {"uprn": None}, {}, "same address"),
    ("residence", {"uprn": None, "address": "12 Acacia Rd, Norwich"}, {}, "same address"),
    ("residence", {"uprn": None, "address": None}, {}, "same postcode, address not known to both"),
    ("residence", {"uprn": None, "address": "14 Acacia Road, Norwich"}, {},
     "same postcode, different address"),
    ("residence", {"uprn": None, "address": None, "postcode": "NR1 1AB"}, {},
     "same postcode sector"),
    ("residence", {"uprn": None, "address": None, "postcode": "NR1 9ZZ"}, {},
     "same postcode district"),
    ("id_mosaic_id", {"identifiers": '{"Mosaic ID": "M123465"}'}, {}, "one character off"),
    ("email", {"email": None}, {}, "missing"),
])
def test_levels(comparison: str, left: dict[str, Any], right: dict[str, Any],
                level: str) -> None:
    assert levels(left, right)[comparison] == level


def test_twins_are_held_back_however_high_the_weight() -> None:
    """Same family name, date of birth, address and phone: only the given names differ."""
    twin = levels({"given_name": "Oliver", "nhs_number": None, "email": None},
                  {"given_name": "Harry", "nhs_number": None, "email": None})
    reasons = held_back({k: np.array([v], dtype=object) for k, v in twin.items()})
    assert reasons.tolist() == [HOUSEHOLD_ONLY]


def test_similar_names_in_one_household_are_held_back() -> None:
    pair = levels({"given_name": "Daniel", "date_of_birth": None, "nhs_number": None,
                   "email": None},
                  {"given_name": "Danielle", "date_of_birth": None, "nhs_number": None,
                   "email": None})
    assert pair["given"] not in ("same", "one typo", "nickname")
    reasons = held_back({k: np.array([v], dtype=object) for k, v in pair.items()})
    assert reasons.tolist() == [HOUSEHOLD_ONLY]


def test_same_name_different_birth_and_address_is_held_back() -> None:
    pair = levels({"date_of_birth": date(1971, 8, 30), "nhs_number": None, "uprn": None,
                   "email": None, "phone": None, "address": "3 Mill Lane, Holt",
                   "postcode": "NR25 6AB"},
                  {"nhs_number": None, "email": None, "phone": None, "uprn": None})
    reasons = held_back({k: np.array([v], dtype=object) for k, v in pair.items()})
    assert reasons.tolist() == [DIFFERENT_PERSON]


def test_a_nickname_with_a_shared_birth_date_is_not_held_back() -> None:
    pair = levels({"given_name": "Peggy", "nhs_number": None}, {"nhs_number": None})
    reasons = held_back({k: np.array([v], dtype=object) for k, v in pair.items()})
    assert reasons.tolist() == [""]


def test_features_keep_a_mistyped_nhs_number_and_fold_names() -> None:
    found = record_features({**BASE, "id": 7, "given_name": "Zoë", "family_name": "O'Brien",
                             "nhs_number": None, "invalid": '{"nhs_number": "943-476-5910"}'})
    assert (found["given"], found["family"], found["nhs"]) == ("ZOE", "OBRIEN", "9434765910")
    assert found["given_formal"] == "ZOE"
    assert record_features({**BASE, "id": 8, "given_name": "Bex"})["given_formal"] == "REBECCA"
