"""Domain comparisons for UK public-service records, as Splink comparison definitions.

Each comparison is an ordered list of levels, most specific first; the engine learns how much
each level says about a match (m and u probabilities). Levels are written in DuckDB SQL over
the features of ``joinedup.link.features`` (``given_l`` is the left record's given name) and
Splink translates them for Spark. Exact levels of names, postcode and address carry
term-frequency adjustments: sharing "SMITH" says less than sharing "THROWER".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Level = dict[str, Any]
Comparison = dict[str, Any]


def _null(*columns: str) -> Level:
    either = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    return {"sql_condition": either, "label_for_charts": "missing", "is_null_level": True}


def _level(sql: str, label: str, tf: str | None = None) -> Level:
    level: Level = {"sql_condition": sql, "label_for_charts": label}
    if tf is not None:
        level |= {"tf_adjustment_column": tf, "tf_adjustment_weight": 1.0}
    return level




def _one_edit(column: str, similar: float = 0.85) -> str:
    """At most one insertion, deletion, substitution or swap. Jaro-Winkler is ten times
    cheaper and always this high after one edit, so it goes first and spares most pairs the
    edit distance (u estimation compares a million random pairs)."""
    return (f"jaro_winkler_similarity({column}_l, {column}_r) >= {similar} AND "
            f"damerau_levenshtein({column}_l, {column}_r) <= 1")


def _comparison(name: str, description: str, levels: Sequence[Level]) -> Comparison:
    return {"output_column_name": name, "comparison_description": description,
            "comparison_levels": [*levels, {"sql_condition": "ELSE",
                                             "label_for_charts": "different"}]}


SWAPPED = ("(given_l = family_r AND jaro_winkler_similarity(family_l, given_r) >= 0.85) OR "
           "(family_l = given_r AND jaro_winkler_similarity(given_l, family_r) >= 0.85)")
"""Given and family name the other way round (one of them may also carry a typo)."""


def given_name() -> Comparison:
    """Nicknames (Bill/William) count as agreement; a middle name used as the given name,
    given and family swapped, and an initial against a full name are levels of their own."""
    return _comparison("given", "given name", [
        _null("given"),
        _level("given_l = given_r", "same", tf="given"),
        _level("list_has_any(given_names_l, given_names_r)", "nickname"),
        _level(f"length(given_l) >= 4 AND length(given_r) >= 4 AND {_one_edit('given', 0.8)}",
               "one typo"),
        _level("jaro_winkler_similarity(given_l, given_r) >= 0.92", "nearly the same"),
        _level("given_l = middle_r OR middle_l = given_r", "goes by a middle name"),
        _level(SWAPPED, "swapped with family name"),
        _level("jaro_winkler_similarity(given_l, given_r) >= 0.8", "similar"),
        _level("(length(given_l) = 1 OR length(given_r) = 1) AND "
               "substr(given_l, 1, 1) = substr(given_r, 1, 1)", "initial"),
    ])


def family_name() -> Comparison:
    """Hyphenated names (Smith-Jones against Jones) share a part; a changed family name falls
    to 'different' and is left to the other fields."""
    return _comparison("family", "family name", [
        _null("family"),
        _level("family_l = family_r", "same", tf="family"),
        _level("jaro_winkler_similarity(family_l, family_r) >= 0.92", "nearly the same"),
        _level("list_has_any(family_parts_l, family_parts_r)",
               "shares a part of a double-barrelled name"),
        _level(SWAPPED, "swapped with given name"),
        _level("jaro_winkler_similarity(family_l, family_r) >= 0.8", "similar"),
    ])


def date_of_birth() -> Comparison:
    """Clerical slips with dates are specific: day and month swapped, the year off by one,
    one digit mistyped."""
    return _comparison("dob", "date of birth", [
        _null("dob"),
        _level("dob_l = dob_r", "same"),
        _level("substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = "
               "substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
               "day and month swapped"),
        _level("substr(dob_l, 5) = substr(dob_r, 5) AND abs(CAST(substr(dob_l, 1, 4) AS "
               "INTEGER) - CAST(substr(dob_r, 1, 4) AS INTEGER)) = 1", "year off by one"),
        _level(_one_edit("dob"), "one digit mistyped"),
        _level("substr(dob_l, 1, 4) = substr(dob_r, 1, 4)", "same year"),
    ])


def _exact_or_typo(name: str, description: str) -> Comparison:
    return _comparison(name, description, [
        _null(name),
        _level(f"{name}_l = {name}_r", "same"),
        _level(_one_edit(name), "one character off"),
    ])


def nhs_number() -> Comparison:
    """An NHS number identifies a patient; one digit off (or two swapped) is a slip."""
    return _exact_or_typo("nhs", "NHS number")


def residence() -> Comparison:
    """Where someone lives, as one comparison: UPRN, address and postcode say the same thing,
    and counting them three times would make everyone at one address look like one person.
    Shared words are counted on each address's word bitmap (``features.address_words``)."""
    shared = "bit_count(address_words_l & address_words_r)"
    either = "bit_count(address_words_l | address_words_r)"

    def at_least(share: tuple[int, int]) -> str:  # in integers: no division, no rounding
        return f"{either} > 0 AND {share[1]} * {shared} >= {share[0]} * {either}"
    nothing = " OR ".join(f"(uprn_{s} IS NULL AND address_{s} IS NULL AND postcode_{s} IS NULL)"
                          for s in "lr")
    return _comparison("residence", "address, UPRN and postcode", [
        {"sql_condition": nothing, "label_for_charts": "missing", "is_null_level": True},
        _level("uprn_l = uprn_r", "same UPRN"),
        _level("address_l = address_r", "same address", tf="address"),
        _level(at_least((4, 5)), "most words of the address shared"),
        _level("house_l = house_r AND jaro_winkler_similarity(address_l, address_r) >= 0.9",
               "same house number, address misspelt"),
        _level("postcode_l = postcode_r AND (address_l IS NULL OR address_r IS NULL)",
               "same postcode, address not known to both", tf="postcode"),
        _level("postcode_l = postcode_r", "same postcode, different address"),
        _level(at_least((1, 2)), "half the words of the address shared"),
        _level("postcode_sector_l = postcode_sector_r", "same postcode sector"),
        _level("postcode_district_l = postcode_district_r", "same postcode district"),
    ])


def _exact(name: str, description: str) -> Comparison:
    return _comparison(name, description, [_null(name), _level(f"{name}_l = {name}_r", "same")])


def identifier(column: str) -> Comparison:
    """A named identifier (a case-system reference): same, or one character off."""
    return _exact_or_typo(column, f"identifier {column.removeprefix('id_')}")


def all_comparisons(identifiers: Sequence[str]) -> list[Comparison]:
    """Every comparison, named identifiers (feature columns) last."""
    return [
        given_name(), family_name(), date_of_birth(), _exact("sex", "sex"), nhs_number(),
        residence(), _exact("phone", "phone number"),
        _exact_or_typo("email", "email address"), *(identifier(c) for c in identifiers),
    ]
