"""The pieces of the synthetic county: mistakes, identifiers, places and names."""

from __future__ import annotations

import random
import re

import pytest

from joinedup.standardise.names import NICKNAMES
from joinedup.standardise.nhs import is_valid_nhs_number
from joinedup.synth.agencies.childrens import upn
from joinedup.synth.agencies.police import pnc_id
from joinedup.synth.corruption import (
    abbreviate_street,
    apostrophe,
    mistype_nhs,
    nickname,
    sorted_nicknames,
    surname_variant,
    swap_day_month,
    typo,
    year_off_by_one,
)
from joinedup.synth.geography import INWARD_LETTERS, build_properties, settlement_counts
from joinedup.synth.names_data import ORIGIN_GIVEN, ORIGIN_SURNAMES, split_names, weighted_table
from joinedup.synth.places_data import NORFOLK_BOX, SETTLEMENTS
from joinedup.synth.text import FOLD_ERRORS, ascii_fold, register_fold_errors

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


def test_typo_changes_a_name_but_not_its_first_letter() -> None:
    rng = random.Random(1)
    for name in ("Margaret", "Wojciechowski", "Lee", "Ann"):
        for _ in range(50):
            slipped = typo(name, rng)
            assert slipped[0] == name[0]
            assert abs(len(slipped) - len(name)) <= 1
    assert typo("Al", rng) == "Al"
    assert sum(typo("Elizabeth", rng) != "Elizabeth" for _ in range(100)) > 90


def test_nicknames_come_from_the_shared_table_in_a_stable_order() -> None:
    table = sorted_nicknames(NICKNAMES)
    assert all(shorts == sorted(shorts) for shorts in table.values())
    rng = random.Random(3)
    shorts = {nickname("Margaret", table, rng) for _ in range(100)}
    assert shorts <= {s.title() for s in NICKNAMES["MARGARET"]}
    assert len(shorts) > 1
    assert nickname("Zebedee", table, rng) == "Zebedee"


def test_mistyped_nhs_numbers_mostly_fail_the_check() -> None:
    rng = random.Random(5)
    valid = "9434765919"
    assert is_valid_nhs_number(valid)
    typed = [mistype_nhs(valid, rng) for _ in range(1000)]
    assert all(t != valid and len(t) == 10 and t.isdigit() for t in typed)
    failing = sum(not is_valid_nhs_number(t) for t in typed)
    assert 0.85 * len(typed) < failing < len(typed)


def test_dates_of_birth_go_wrong_plausibly() -> None:
    assert swap_day_month(1950, 3, 7) == (1950, 7, 3)
    assert swap_day_month(1950, 3, 17) == (1950, 3, 17)
    rng = random.Random(0)
    for _ in range(20):
        y, m, d = year_off_by_one(1988, 2, 29, rng)
        assert y in (1987, 1989) and (m, d) == (2, 28)


def test_surnames_and_addresses_vary_as_systems_keep_them() -> None:
    rng = random.Random(2)
    variants = {surname_variant("Smith-Jones", rng) for _ in range(200)}
    assert variants == {"Smith Jones", "Smith", "Jones", "Smithjones"}
    assert surname_variant("Smith", rng) == "Smith"
    kept = {apostrophe("O’Brien", 0.3, rng) for _ in range(200)}
    assert kept == {"O’Brien", "O'Brien", "OBrien", "O Brien"}
    assert abbreviate_street("12 Church Road") == "12 Church Rd"
    assert abbreviate_street("Rose Cottage") == "Rose Cottage"


def test_cp1252_writing_folds_letters_it_lacks() -> None:
    register_fold_errors()
    register_fold_errors()  # idempotent
    assert "Paweł Wiśniewski O’Brien Zoë".encode("cp1252", FOLD_ERRORS) \
        == "Pawel Wisniewski O’Brien Zoë".encode("cp1252")
    assert ascii_fold("Małgorzata Dąbrowska") == "Malgorzata Dabrowska"


def test_unique_pupil_numbers_and_pnc_ids_have_their_shapes() -> None:
    assert upn("801", 2000, 2005, 1) == "B801200005001"  # python-stdnum's valid example
    number = upn("926", 2345, 2015, 7)
    assert re.fullmatch(r"[A-HJ-NP-RT-Z]926234515007", number)
    assert upn("926", 2345, 2015, 8)[0] != number[0]
    assert re.fullmatch(r"\d{2}/\d{7}[A-Z]", pnc_id(2014, 123456))


def test_names_data_is_ample_and_weighted() -> None:
    assert all(len(split_names(ORIGIN_SURNAMES[o])) >= 10 for o in ORIGIN_SURNAMES)
    assert all(len(split_names(v)) >= 10 for names in ORIGIN_GIVEN.values()
               for v in names.values())
    assert "Le Strange" in split_names("Smith Le Strange Jones")
    table = weighted_table(["A", "B", "C"])
    assert table.count("A") > table.count("B") > table.count("C") > 0


@pytest.mark.parametrize("total", [1, 50, 1234])
def test_settlements_share_out_every_property(total: int) -> None:
    assert sum(settlement_counts(total)) == total


def test_properties_are_clustered_in_norfolk_towns() -> None:
    props = build_properties(3000, random.Random(9))
    assert len(props) == 3000
    assert len(set(props.uprn)) == 3000
    e_min, e_max, n_min, n_max = NORFOLK_BOX
    assert all(e_min <= e <= e_max for e in props.easting)
    assert all(n_min <= n <= n_max for n in props.northing)
    assert all(POSTCODE.match(p) and p[-2] in INWARD_LETTERS for p in props.postcode)
    norwich = SETTLEMENTS[0]
    in_norwich = [i for i, s in enumerate(props.settlement) if s == 0]
    assert len(in_norwich) > 300
    assert all(abs(props.easting[i] - norwich.easting) < 15_000 for i in in_norwich)
    assert all(props.postcode[i].startswith("NR") for i in in_norwich)
    assert len({props.ward[i] for i in in_norwich}) > 5
