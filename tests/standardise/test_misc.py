from __future__ import annotations

import inspect
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import joinedup.standardise as standardise
from joinedup.standardise import (
    InvalidValue,
    address_key,
    clean_address,
    clean_text,
    normalise_email,
    normalise_sex,
    normalise_uprn,
    parse_float,
)


def test_exported_members() -> None:
    assert standardise.__all__ == sorted(standardise.__all__, key=lambda n: (not n.isupper(), n))
    public = {
        name
        for name, value in vars(standardise).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public == set(standardise.__all__)


def test_invalid_value_is_a_value_error_that_says_what_was_expected() -> None:
    error = InvalidValue("a thing like X")
    assert isinstance(error, ValueError)
    assert error.expected == "a thing like X"
    assert str(error) == "a thing like X"


# --- emails


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Name@Example.ORG", "name@example.org"),
        (" name@example.org ", "name@example.org"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ],
)
def test_normalise_email(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "name",
        "@example.org",
        "name@",
        "name@example",
        "name@@example.org",
        "a@b@example.org",
        "na me@example.org",
        "name@exa mple.org",
        "name@.org",
        "name@example.",
        "name@example..org",
    ],
)
def test_normalise_email_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"name@example\.org"):
        normalise_email(raw)


# --- sex


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["F", "f", "Female", "FEMALE", "W", "Woman", "girl", "2"], "female"),
        (["M", "m", "Male", "MAN", "Boy", "1"], "male"),
        (["O", "Other", "X", "Non-binary", "NON BINARY", "Indeterminate", "I"], "other"),
        (["U", "Unknown", "Not known", "NOT  STATED", "NK", "0", "9"], "unknown"),
    ],
)
def test_normalise_sex(codes: list[str], expected: str) -> None:
    assert [normalise_sex(code) for code in codes] == [expected] * len(codes)


@pytest.mark.parametrize("raw", ["3", "Femal", "yes", "MF"])
def test_normalise_sex_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match="one of F, M, other, unknown"):
        normalise_sex(raw)


# --- uprn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("100091234567", "100091234567"),
        ("100091234567.0", "100091234567"),
        ("000010001", "10001"),
        ("1", "1"),
    ],
)
def test_normalise_uprn(raw: str, expected: str) -> None:
    assert normalise_uprn(raw) == expected


@pytest.mark.parametrize(
    "raw", ["0", "1000912345678", "1.00091E+11", "12a", "100091234567.5", "-1", "12 34", "١٢"]
)
def test_normalise_uprn_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match="UPRN"):
        normalise_uprn(raw)


@given(st.integers(min_value=1, max_value=999_999_999_999), st.integers(0, 3), st.booleans())
def test_uprn_written_forms_agree(uprn: int, zeros: int, spreadsheet: bool) -> None:
    raw = "0" * zeros + str(uprn) + (".0" if spreadsheet else "")
    assert normalise_uprn(raw) == str(uprn)


# --- addresses


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["12 HIGH STREET,", "", " NORWICH", "NR2 4AB"], "12 High Street, Norwich, NR2 4AB"),
        (["Flat 2a,, 14  Mill Lane ", ",Norwich,"], "Flat 2a, 14 Mill Lane, Norwich"),
        (["FLAT 2A", "ST. JOHN'S HOUSE"], "Flat 2A, St. John's House"),
        (["1 MCDONALD COURT", "STRATFORD-UPON-AVON"], "1 McDonald Court, Stratford-upon-Avon"),
        (["THE OLD RECTORY", "NEWCASTLE UPON TYNE"], "The Old Rectory, Newcastle upon Tyne"),
        (["PO BOX 12", "NORWICH"], "PO Box 12, Norwich"),
        (["12 High Street", "NORWICH"], "12 High Street, Norwich"),
        (["12 High STREET"], "12 High STREET"),
    ],
)
def test_clean_address(parts: list[str], expected: str) -> None:
    assert clean_address(parts) == expected


@pytest.mark.parametrize("parts", [[], [""], [" , ", ",,"]])
def test_clean_address_rejects(parts: list[str]) -> None:
    with pytest.raises(InvalidValue, match="an address"):
        clean_address(parts)


@given(st.lists(st.text(alphabet="ABC abc,12'-", max_size=12), max_size=5))
def test_clean_address_output_is_tidy(parts: list[str]) -> None:
    try:
        cleaned = clean_address(parts)
    except InvalidValue:
        assert all(not p.replace(",", "").strip() for p in parts)
        return
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert ",," not in cleaned
    assert not cleaned.startswith(",")
    assert not cleaned.endswith(",")
    assert clean_address(cleaned.split(", ")) == cleaned
    assert address_key(cleaned) == address_key(", ".join(parts))


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("12 High St, Norwich", "12 HIGH STREET NORWICH"),
        ("12 High Street, Norwich", "12 HIGH STREET NORWICH"),
        ("12 St. John's Rd, Norwich", "12 ST JOHNS ROAD NORWICH"),
        ("St Mary's Cl", "ST MARYS CLOSE"),
        ("Station Rd, St Ives", "STATION ROAD ST IVES"),
        ("Flt 3, 14 Oak Ave", "FLAT 3 14 OAK AVENUE"),
        ("2 Elm Ln; 3 Ash Cres", "2 ELM LANE 3 ASH CRESCENT"),
        (
            "4 Fir Dr 5 Yew Ct 6 Bay Pl 7 Red Sq 8 Kew Gdns",
            "4 FIR DRIVE 5 YEW COURT 6 BAY PLACE 7 RED SQUARE 8 KEW GARDENS",
        ),
        ("  12   high-street  ", "12 HIGH STREET"),
    ],
)
def test_address_key(address: str, key: str) -> None:
    assert address_key(address) == key


@given(st.text(max_size=40))
def test_address_key_is_idempotent(address: str) -> None:
    key = address_key(address)
    assert address_key(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert "," not in key


# --- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Early  Help\n Team", "Early Help Team"), ("\tA\u00a0B ", "A B"), ("x", "x")],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_rejects_nothing() -> None:
    with pytest.raises(InvalidValue):
        clean_text(" \t\n")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("612345.5", 612345.5),
        ("-1.25", -1.25),
        ("1e3", 1000.0),
        ("612,345.5", 612345.5),
        ("1,234,567", 1234567.0),
        (" 42 ", 42.0),
    ],
)
def test_parse_float(raw: str, expected: float) -> None:
    assert parse_float(raw) == expected


@pytest.mark.parametrize(
    "raw", ["nan", "NaN", "inf", "-Infinity", "1e999", "abc", "1_000", "12,34", "1,2345.6", ""]
)
def test_parse_float_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"612345\.5"):
        parse_float(raw)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_float_round_trips_repr(value: float) -> None:
    parsed = parse_float(repr(value))
    assert parsed == value
    assert math.isfinite(parsed)
