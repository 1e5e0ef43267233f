from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standardise import (
    NICKNAMES,
    InvalidValue,
    canonical_given_names,
    clean_name,
    name_key,
    split_full_name,
)
from joinedup.standardise.casing import smart_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MCDONALD", "McDonald"),
        ("O'BRIEN", "O'Brien"),
        ("o’brien", "O'Brien"),
        ("SMITH-JONES", "Smith-Jones"),
        ("mary ann", "Mary Ann"),
        ("D'ARCY", "D'Arcy"),
        ("JOHN'S", "John's"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("VAN DER BERG", "Van der Berg"),
        ("OLIVER ST JOHN", "Oliver St John"),
        ("DeVito", "DeVito"),
        ("McDonald", "McDonald"),
        ("  'Smith'  ", "Smith"),
        ('"SMITH"', "Smith"),
        ("Smith2", "Smith"),
        ("J.Smith", "J Smith"),
        ("Anne - Marie", "Anne-Marie"),
        ("Anne–Marie", "Anne-Marie"),
        ("-Smith-", "Smith"),
        ("John \t  Smith", "John Smith"),
        ("ZOË", "Zoë"),
        ("Zoe\u0308", "Zoë"),
        ("José", "José"),
    ],
)
def test_clean_name(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


@pytest.mark.parametrize("raw", ["123", "--", "'", "!!", "_"])
def test_clean_name_needs_letters(raw: str) -> None:
    with pytest.raises(InvalidValue, match="letters") as info:
        clean_name(raw)
    assert "letters" in info.value.expected


_NAME_TEXT = st.text(alphabet=st.characters(codec="latin-1", categories=["L", "P", "Zs", "Nd"]))


@given(st.one_of(_NAME_TEXT, st.text()))
def test_clean_name_is_idempotent(raw: str) -> None:
    try:
        once = clean_name(raw)
    except InvalidValue:
        return
    assert clean_name(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert any(c.isalpha() for c in once)
    assert not any(c.isdigit() for c in once)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SMITH, John Paul", ("John", "Paul", "Smith")),
        ("John Paul Smith", ("John", "Paul", "Smith")),
        ("John Paul George Smith", ("John", "Paul George", "Smith")),
        ("Mr. John Smith Jr.", ("John", None, "Smith")),
        ("Dr Jane Smith", ("Jane", None, "Smith")),
        ("Prof Rev Dr Ann Lee III", ("Ann", None, "Lee")),
        ("MRS MARY-ANN O'BRIEN", ("Mary-Ann", None, "O'Brien")),
        ("Ludwig van Beethoven", ("Ludwig", None, "van Beethoven")),
        ("LUDWIG VAN BEETHOVEN", ("Ludwig", None, "van Beethoven")),
        ("VAN BEETHOVEN, LUDWIG", ("Ludwig", None, "van Beethoven")),
        ("Maria de la Cruz", ("Maria", None, "de la Cruz")),
        ("Oliver St. John", ("Oliver", None, "St John")),
        ("OLIVER ST JOHN", ("Oliver", None, "St John")),
        ("DE SOUZA, ANA", ("Ana", None, "de Souza")),
        ("Smith", (None, None, "Smith")),
        ("Mr Smith", (None, None, "Smith")),
        ("SMITH,", (None, None, "Smith")),
        ("John Smith, Jr", ("John", None, "Smith")),
        ("Smith, Mrs Jane", ("Jane", None, "Smith")),
        ("John SMITH", ("John", None, "Smith")),
    ],
)
def test_split_full_name(raw: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert split_full_name(raw) == expected


@pytest.mark.parametrize("raw", ["Dr", "Mr Jr", "123", ", ,"])
def test_split_full_name_needs_letters(raw: str) -> None:
    with pytest.raises(InvalidValue):
        split_full_name(raw)


_TITLES_AND_SUFFIXES = {
    "mr",
    "mrs",
    "miss",
    "ms",
    "mx",
    "dr",
    "prof",
    "professor",
    "rev",
    "revd",
    "sir",
    "dame",
    "master",
    "jr",
    "jnr",
    "sr",
    "snr",
    "ii",
    "iii",
    "iv",
    "esq",
}
_PLAIN = st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True).filter(
    lambda w: w.lower() not in _TITLES_AND_SUFFIXES
)


@given(_PLAIN, _PLAIN)
def test_comma_and_natural_order_agree(given_name: str, family: str) -> None:
    natural = split_full_name(f"{given_name} {family}")
    assert natural == split_full_name(f"{family}, {given_name}")
    assert natural == (clean_name(given_name), None, clean_name(family))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("O'Brien", "OBRIEN"),
        ("Smith-Jones", "SMITHJONES"),
        ("van der Berg", "VANDERBERG"),
        ("Zoë", "ZOE"),
        ("Ørsted", "ORSTED"),
        ("Straße", "STRASSE"),
        ("Łukasz", "LUKASZ"),
        ("123", ""),
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


@given(st.text())
def test_name_key_is_upper_ascii_and_idempotent(name: str) -> None:
    key = name_key(name)
    assert all("A" <= c <= "Z" for c in key)
    assert name_key(key) == key


def test_nickname_table_shape() -> None:
    assert len(NICKNAMES) >= 80
    for formal, diminutives in NICKNAMES.items():
        assert isinstance(diminutives, frozenset)
        assert diminutives, formal
        assert name_key(formal) == formal
        assert formal not in diminutives
        assert all(name_key(short) == short for short in diminutives)


@pytest.mark.parametrize(
    "formal",
    [
        "WILLIAM",
        "ROBERT",
        "MARGARET",
        "ELIZABETH",
        "KATHERINE",
        "CATHERINE",
        "JOHN",
        "HENRY",
        "MARY",
        "SARAH",
        "ANN",
        "ANNE",
        "STEPHEN",
        "STEVEN",
        "WINIFRED",
        "THERESA",
        "ALEXANDRA",
    ],
)
def test_nickname_table_covers(formal: str) -> None:
    assert formal in NICKNAMES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bill", {"WILLIAM", "BILL"}),
        ("PEGGY", {"MARGARET", "PEGGY"}),
        ("jack", {"JOHN", "JACK"}),
        ("Molly", {"MARY", "MOLLY"}),
        ("Sally", {"SARAH", "SALLY"}),
        ("William", {"WILLIAM"}),
        ("Zebedee", {"ZEBEDEE"}),
        ("123", set()),
    ],
)
def test_canonical_given_names(name: str, expected: set[str]) -> None:
    assert canonical_given_names(name) == expected


def test_canonical_given_names_for_shared_diminutives() -> None:
    assert {"ELIZABETH", "LIZ"} <= canonical_given_names("Liz")
    assert {"HENRY", "HAROLD", "HARRY"} <= canonical_given_names("Harry")
    assert {"SAMUEL", "SAMANTHA"} <= canonical_given_names("Sam")
    assert {"KATHERINE", "CATHERINE"} <= canonical_given_names("Kate")


def test_every_diminutive_leads_back_to_its_formal_name() -> None:
    for formal, diminutives in NICKNAMES.items():
        assert formal in canonical_given_names(formal)
        for short in diminutives:
            assert formal in canonical_given_names(short.title())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MCDONALD", "McDonald"),
        ("mcdonald-mcbride", "McDonald-McBride"),
        ("MC", "Mc"),
        ("EMCEE", "Emcee"),
        ("O'BRIEN", "O'Brien"),
        ("JOHN'S", "John's"),
        ("'S", "'S"),
        ("ROCK'N'ROLL", "Rock'n'Roll"),
        ("mary ann", "Mary Ann"),
        ("ß", "Ss"),
    ],
)
def test_smart_title(text: str, expected: str) -> None:
    assert smart_title(text) == expected
