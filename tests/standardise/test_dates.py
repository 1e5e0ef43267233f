from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standardise import InvalidValue, check_birth_date, parse_date, parse_datetime

FAST_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d/%m/%y"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1980-12-31", date(1980, 12, 31)),
        ("1980-12-31T09:30:00", date(1980, 12, 31)),
        ("1980-12-31T23:30:00+01:00", date(1980, 12, 31)),
        ("1980-12-31 09:30", date(1980, 12, 31)),
        ("31/12/1980", date(1980, 12, 31)),
        ("31-12-1980", date(1980, 12, 31)),
        ("31.12.1980", date(1980, 12, 31)),
        ("01/02/1980", date(1980, 2, 1)),  # day first
        ("1/2/1980", date(1980, 2, 1)),
        ("31/12/1980 00:00", date(1980, 12, 31)),
        ("31/12/1980 00:00:00", date(1980, 12, 31)),
        ("29/02/2000", date(2000, 2, 29)),
    ],
)
def test_parse_date_without_format(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/1980",
        "29/02/1900",
        "12/31/1980",
        "31/12/80",
        "31/12-1980",
        "1980-13-01",
        "1980-12-31T25:00",
        "1980-12-31X",
        "31/12/1980 24:00",
        "19801231",
        "yesterday",
        "١٩٨٠-١٢-٣١",
    ],
)
def test_parse_date_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_date(raw)
    assert "31/12/1980" in info.value.expected


@pytest.mark.parametrize(
    ("raw", "fmt", "expected"),
    [
        ("1980-12-31", "%Y-%m-%d", date(1980, 12, 31)),
        ("31/12/1980", "%d/%m/%Y", date(1980, 12, 31)),
        ("1/2/1980", "%d/%m/%Y", date(1980, 2, 1)),  # strptime's looser widths still work
        ("19801231", "%Y%m%d", date(1980, 12, 31)),
        ("31/12/80", "%d/%m/%y", date(1980, 12, 31)),
        ("31/12/68", "%d/%m/%y", date(2068, 12, 31)),
        ("31/12/69", "%d/%m/%y", date(1969, 12, 31)),
        ("31 Dec 1980", "%d %b %Y", date(1980, 12, 31)),
        ("12/31/1980", "%m/%d/%Y", date(1980, 12, 31)),
    ],
)
def test_parse_date_with_format(raw: str, fmt: str, expected: date) -> None:
    assert parse_date(raw, fmt) == expected


def test_parse_date_with_format_says_which() -> None:
    with pytest.raises(InvalidValue) as info:
        parse_date("1980-12-31", "%d/%m/%Y")
    assert info.value.expected == "a date like 31/12/1980 (%d/%m/%Y)"
    with pytest.raises(InvalidValue, match="1980-12-31"):
        parse_date("31/02/1980", "%Y-%m-%d")


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(FAST_FORMATS))
def test_fast_formats_round_trip_strftime(day: date, fmt: str) -> None:
    if fmt.endswith("%y") and not 1969 <= day.year <= 2068:
        return  # two-digit years only name 1969-2068
    assert parse_date(day.strftime(fmt), fmt) == day


@st.composite
def _near_misses(draw: st.DrawFn, formats: list[str], alphabet: str) -> tuple[str, str]:
    """A formatted date or datetime with a few characters changed, inserted or deleted."""
    fmt = draw(st.sampled_from(formats))
    moment = draw(st.datetimes(min_value=datetime(1000, 1, 1)))
    text = moment.strftime(fmt)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["change", "insert", "delete"]))
        char = draw(st.sampled_from(alphabet))
        if edit == "insert":
            text = text[:at] + char + text[at:]
        elif edit == "change":
            text = text[:at] + char + text[at + 1 :]
        else:
            text = text[:at] + text[at + 1 :]
    return text, fmt


@given(
    st.one_of(
        _near_misses(FAST_FORMATS, "0123456789/-. :TWZ+"),
        st.tuples(
            st.text(alphabet="0123456789/-. ", min_size=6, max_size=11),
            st.sampled_from(FAST_FORMATS),
        ),
    )
)
def test_fast_formats_agree_with_strptime(case: tuple[str, str]) -> None:
    raw, fmt = case
    try:
        expected: date | None = datetime.strptime(raw, fmt).date()
    except ValueError:
        expected = None
    try:
        got: date | None = parse_date(raw, fmt)
    except InvalidValue:
        got = None
    assert got == expected


@given(st.dates(min_value=date(1000, 1, 1)))
def test_iso_and_uk_forms_agree(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(f"{day.day}.{day.month}.{day:%Y}") == day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1980-12-31", datetime(1980, 12, 31)),
        ("1980-12-31T13:45:30", datetime(1980, 12, 31, 13, 45, 30)),
        ("1980-12-31 13:45", datetime(1980, 12, 31, 13, 45)),
        ("1980-12-31T13:45:30+01:00", datetime(1980, 12, 31, 12, 45, 30)),
        ("1980-12-31T23:30:00-01:00", datetime(1981, 1, 1, 0, 30)),
        ("1980-12-31T13:45:30Z", datetime(1980, 12, 31, 13, 45, 30)),
        ("31/12/1980", datetime(1980, 12, 31)),
        ("31/12/1980 13:45", datetime(1980, 12, 31, 13, 45)),
        ("31-12-1980 13:45:30", datetime(1980, 12, 31, 13, 45, 30)),
        ("31.12.1980 13:45:30.25", datetime(1980, 12, 31, 13, 45, 30, 250000)),
    ],
)
def test_parse_datetime_without_format(raw: str, expected: datetime) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    assert parsed.tzinfo is None


@pytest.mark.parametrize(
    "raw", ["31/12/1980 24:00", "31/12/1980 13:60", "1980-12-31T13:45:61", "31/02/1980", "soon"]
)
def test_parse_datetime_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue, match="date and time"):
        parse_datetime(raw)


@pytest.mark.parametrize(
    ("raw", "fmt", "expected"),
    [
        ("31/12/1980", "%d/%m/%Y", datetime(1980, 12, 31)),
        ("31/12/1980 13:45", "%d/%m/%Y %H:%M", datetime(1980, 12, 31, 13, 45)),
        ("1980-12-31T13:45:30", "%Y-%m-%dT%H:%M:%S", datetime(1980, 12, 31, 13, 45, 30)),
        ("1980-12-31 3:45:30", "%Y-%m-%d %H:%M:%S", datetime(1980, 12, 31, 3, 45, 30)),
        ("1980-12-31T13:45:30+0100", "%Y-%m-%dT%H:%M:%S%z", datetime(1980, 12, 31, 12, 45, 30)),
    ],
)
def test_parse_datetime_with_format(raw: str, fmt: str, expected: datetime) -> None:
    parsed = parse_datetime(raw, fmt)
    assert parsed == expected
    assert parsed.tzinfo is None


def test_parse_datetime_with_format_says_which() -> None:
    with pytest.raises(InvalidValue) as info:
        parse_datetime("31/12/1980 13:45", "%d/%m/%Y %H:%M:%S")
    assert info.value.expected == "a date and time like 31/12/1980 13:45:30 (%d/%m/%Y %H:%M:%S)"


_DATETIME_FORMATS = [
    f"{d}{sep}{t}" for d in FAST_FORMATS for sep in " T" for t in ("%H:%M", "%H:%M:%S")
]


@given(
    st.datetimes(min_value=datetime(1969, 1, 1), max_value=datetime(2068, 12, 31)),
    st.sampled_from(_DATETIME_FORMATS),
)
def test_fast_datetime_formats_round_trip(moment: datetime, fmt: str) -> None:
    expected = moment.replace(microsecond=0, second=moment.second if "%S" in fmt else 0)
    assert parse_datetime(moment.strftime(fmt), fmt) == expected


@given(_near_misses(_DATETIME_FORMATS, "0123456789/-.: TWZ+,"))
def test_fast_datetime_formats_agree_with_strptime(case: tuple[str, str]) -> None:
    raw, fmt = case
    try:
        expected: datetime | None = datetime.strptime(raw, fmt)
    except ValueError:
        expected = None
    try:
        got: datetime | None = parse_datetime(raw, fmt)
    except InvalidValue:
        got = None
    assert got == expected


def test_check_birth_date() -> None:
    today = date(2024, 6, 1)
    assert check_birth_date(date(1980, 12, 31), today=today) == date(1980, 12, 31)
    assert check_birth_date(date(1880, 1, 1), today=today) == date(1880, 1, 1)
    assert check_birth_date(today, today=today) == today
    for bad in (date(1879, 12, 31), date(2024, 6, 2), date(9999, 1, 1)):
        with pytest.raises(InvalidValue, match="1880-01-01"):
            check_birth_date(bad, today=today)


def test_check_birth_date_defaults_to_the_real_today() -> None:
    with pytest.raises(InvalidValue):
        check_birth_date(date(9999, 12, 31))
    assert check_birth_date(date(2000, 1, 1)) == date(2000, 1, 1)
