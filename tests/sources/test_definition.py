"""Source definitions: the YAML contract, validated whole, every problem reported at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from factories import PERSON_FIELDS, definition_text, write_definition

from joinedup.errors import BadInput, SourceDefinitionError
from joinedup.sources.definition import (
    FieldSpec,
    Format,
    Kind,
    Retention,
    RetentionAction,
    RetentionAfter,
    load_definition,
    parse_definition,
)

DESIGN_EXAMPLE = """\
name: asc_clients                 # unique slug
agency: Adult Social Care
format: csv                       # csv | jsonl | xlsx | fhir
options: {delimiter: ",", encoding: utf-8}
record_id: client_ref             # the source's own id column (required)
fields:                           # canonical field: source column
  given_name: forename
  family_name: surname
  date_of_birth: {column: dob, format: "%d/%m/%Y"}
  sex: gender
  nhs_number: nhs_no
  uprn: uprn
  address: [addr1, addr2, town]   # a list is joined with ", "
  postcode: postcode
  phone: tel
  email: email
  identifiers:                    # any other identifier, by name
    ssn: soc_sec_id
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(SourceDefinitionError) as caught:
        parse_definition(text, path="bad.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_design_example_parses_into_field_specs() -> None:
    definition = parse_definition(DESIGN_EXAMPLE, path="asc.yaml")

    assert definition.name == "asc_clients"
    assert definition.agency == "Adult Social Care"
    assert definition.kind is Kind.PERSON  # the default
    assert definition.format is Format.CSV
    assert definition.options == {"delimiter": ",", "encoding": "utf-8"}
    assert definition.record_id == "client_ref"
    assert definition.fields["given_name"] == FieldSpec(columns=("forename",))
    assert definition.fields["date_of_birth"] == FieldSpec(columns=("dob",), format="%d/%m/%Y")
    assert definition.fields["address"] == FieldSpec(columns=("addr1", "addr2", "town"))
    assert definition.identifiers == {"ssn": FieldSpec(columns=("soc_sec_id",))}
    assert definition.path == "asc.yaml"


def test_columns_lists_every_column_read_once_record_id_first() -> None:
    definition = parse_definition(DESIGN_EXAMPLE)

    assert definition.columns() == [
        "client_ref", "forename", "surname", "dob", "gender", "nhs_no", "uprn", "addr1",
        "addr2", "town", "postcode", "tel", "email", "soc_sec_id"]


def test_full_name_instead_of_given_and_family() -> None:
    definition = parse_definition(definition_text(fields={"full_name": "name"}))

    assert definition.fields == {"full_name": FieldSpec(columns=("name",))}


def test_a_constant_value_and_a_columns_list_in_mapping_form() -> None:
    definition = parse_definition(definition_text(fields={
        "family_name": "surname",
        "sex": {"value": "F"},
        "address": {"columns": ["line1", "line2"]},
    }))

    assert definition.fields["sex"] == FieldSpec(value="F")
    assert definition.fields["address"] == FieldSpec(columns=("line1", "line2"))
    assert definition.columns() == ["id", "surname", "line1", "line2"]


@pytest.mark.parametrize("kind, fields, extra", [
    ("contact", {"person": "client", "occurred_at": {"column": "when", "format": "%d/%m/%Y"},
                 "service": {"value": "Adult Social Care"}, "practitioner": "worker"},
     {"person_source": "asc_clients"}),
    ("involvement", {"person": "client", "service": "service", "key_worker": "kw",
                     "key_worker_role": "kw_role", "key_worker_email": "kw_email",
                     "key_worker_phone": "kw_tel", "started_on": "start"},
     {"person_source": "asc_clients"}),
    ("flag", {"person": "client", "flag": "code", "sensitivity": "level"},
     {"person_source": "asc_clients"}),
    ("property", {"uprn": "uprn", "address": ["a1", "a2"], "easting": "x", "northing": "y",
                  "ward": "ward"}, {}),
])
def test_every_kind_has_a_valid_definition(kind: str, fields: dict[str, object],
                                           extra: dict[str, str]) -> None:
    definition = parse_definition(definition_text(kind=kind, fields=fields, **extra))

    assert definition.kind is Kind(kind)
    assert set(definition.fields) == set(fields)
    assert definition.person_source == extra.get("person_source")


def test_every_problem_is_reported_at_once() -> None:
    text = definition_text(
        name="not a slug!", agency="", format="parquet", record_id="",
        fields={"given_name": "forename", "shoe_size": "shoes",
                "date_of_birth": {"column": "dob", "format": "dd/mm/yyyy"}},
        colour="blue")

    problems = problems_of(text)

    joined = "\n".join(problems)
    for fragment in ("unknown key 'colour'", "name: must be a slug", "agency: is required",
                     "unknown format 'parquet'", "record_id: is required",
                     "unknown canonical field 'shoe_size'", "no % directives",
                     "needs full_name or family_name"):
        assert fragment in joined
    assert len(problems) == 8


def test_the_error_message_names_the_file_and_lists_each_problem() -> None:
    with pytest.raises(SourceDefinitionError) as caught:
        parse_definition(definition_text(colour="blue", size=3), path="feeds/asc.yaml")

    error = caught.value
    assert isinstance(error, BadInput)
    assert error.exit_code == 2
    assert error.path == "feeds/asc.yaml"
    assert error.message.startswith("feeds/asc.yaml: 2 problems in source definition:")
    assert "  - colour: unknown key 'colour'" in error.message
    assert "  - size: unknown key 'size'" in error.message


@pytest.mark.parametrize("options, fmt, fragment", [
    ({"delimiter": ";;"}, "csv", "options.delimiter: must be a single character"),
    ({"encoding": "klingon"}, "csv", "options.encoding: unknown encoding 'klingon'"),
    ({"sheet": "Clients"}, "csv", "unknown option 'sheet' for format csv"),
    ({"delimiter": ","}, "jsonl", "unknown option 'delimiter' for format jsonl"),
    ({"encoding": "utf-8"}, "fhir", "allowed: none"),
])
def test_options_are_checked_against_the_format(options: dict[str, str], fmt: str,
                                                fragment: str) -> None:
    fields = PERSON_FIELDS if fmt != "fhir" else {"family_name": "family"}
    assert any(fragment in p for p in problems_of(
        definition_text(format=fmt, options=options, fields=fields)))


@pytest.mark.parametrize("fields, extra, fragment", [
    ({"full_name": "name", "given_name": "forename"}, {}, "either full_name or given_name"),
    ({"given_name": "forename"}, {}, "needs full_name or family_name"),
    ({"family_name": "surname", "sex": {"value": "F", "column": "sex"}}, {},
     "exactly one of column, columns or value"),
    ({"family_name": "surname", "sex": {"col": "sex"}}, {}, "unknown key(s) col"),
    ({"family_name": "surname", "sex": {"column": "sex", "format": "%d"}}, {},
     "'format' applies only to dates"),
    ({"family_name": "surname", "phone": 42}, {}, "expected a column name"),
    ({"family_name": "surname", "identifiers": []}, {}, "identifier name: source column"),
    ({"family_name": "surname"}, {"person_source": "other"}, "person_source does not apply"),
])
def test_person_field_rules(fields: dict[str, object], extra: dict[str, str],
                            fragment: str) -> None:
    assert any(fragment in p for p in problems_of(definition_text(fields=fields, **extra)))


@pytest.mark.parametrize("kind, fields, extra, fragment", [
    ("contact", {"person": "client", "occurred_at": "when"}, {}, "needs person_source"),
    ("contact", {"person": "client"}, {"person_source": "p"}, "needs the field 'occurred_at'"),
    ("involvement", {"person": "client"}, {"person_source": "p"}, "needs the field 'service'"),
    ("flag", {"person": "client", "sensitivity": "s"}, {"person_source": "p"},
     "needs the field 'flag'"),
    ("flag", {"person": "client", "flag": "code"}, {"person_source": "p"},
     "needs the field 'sensitivity'"),
    ("property", {"address": "addr"}, {}, "needs the field 'uprn'"),
    ("property", {"uprn": "uprn", "given_name": "x"}, {}, "unknown canonical field"),
    ("household", {"family_name": "surname"}, {}, "unknown kind 'household'"),
])
def test_kind_rules(kind: str, fields: dict[str, object], extra: dict[str, str],
                    fragment: str) -> None:
    assert any(fragment in p for p in problems_of(
        definition_text(kind=kind, fields=fields, **extra)))


def test_fhir_reads_only_patients_and_encounters_with_known_keys() -> None:
    problems = problems_of(definition_text(format="fhir", fields={
        "family_name": "family", "given_name": "forename"}))
    assert any("a FHIR Patient has no value 'forename'" in p for p in problems)

    flag_problems = problems_of(definition_text(
        format="fhir", kind="flag", person_source="p",
        fields={"person": "subject", "flag": "code", "sensitivity": "s"}))
    assert any("not kind flag" in p for p in flag_problems)

    ok = parse_definition(definition_text(format="fhir", fields={
        "family_name": "family", "identifiers": {"mrn": "identifier:https://example.org/mrn"}}))
    assert ok.identifiers["mrn"].columns == ("identifier:https://example.org/mrn",)


@pytest.mark.parametrize("text, fragment", [
    ("name: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping of keys"),
    ("", "expected a mapping of keys"),
])
def test_text_that_is_not_a_definition(text: str, fragment: str) -> None:
    assert any(fragment in p for p in problems_of(text))


def test_load_definition_reads_a_file(tmp_path: Path) -> None:
    path = write_definition(tmp_path / "asc.yaml")

    definition = load_definition(path)

    assert definition.path == str(path)
    assert definition.text == path.read_text(encoding="utf-8")


def test_load_definition_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceDefinitionError) as caught:
        load_definition(tmp_path / "nope.yaml")

    assert "nope.yaml" in caught.value.message
    assert "file not found" in caught.value.message


def test_sha256_follows_the_text() -> None:
    one = parse_definition(definition_text())
    same = parse_definition(definition_text())
    other = parse_definition(definition_text(description="now with a description"))

    assert one.sha256 == same.sha256
    assert one.sha256 != other.sha256
    assert len(one.sha256) == 64


# -- retention ------------------------------------------------------------------------------

def test_retention_is_optional_and_defaults_to_delete_after_last_activity() -> None:
    assert parse_definition(definition_text()).retention is None

    definition = parse_definition(definition_text(retention={"keep_years": 8}))

    assert definition.retention == Retention(keep_years=8)
    assert definition.retention.after is RetentionAfter.LAST_ACTIVITY
    assert definition.retention.action is RetentionAction.DELETE


def test_retention_in_days_after_recording_then_anonymise() -> None:
    definition = parse_definition(definition_text(retention={
        "keep_days": 30, "after": "recorded", "action": "anonymise"}))

    assert definition.retention == Retention(keep_days=30, after=RetentionAfter.RECORDED,
                                             action=RetentionAction.ANONYMISE)
    assert definition.retention.describe() == "30 days after recorded, then anonymise"


def test_retention_on_an_activity_source() -> None:
    definition = parse_definition(definition_text(
        kind="contact", person_source="asc_clients",
        fields={"person": "client", "occurred_at": "at"}, retention={"keep_days": 1}))

    assert definition.retention == Retention(keep_days=1)


@pytest.mark.parametrize("retention, fragment", [
    ({"keep_years": 8, "keep_days": 10}, "retention: give exactly one of keep_years or "
                                         "keep_days, not both"),
    ({"after": "recorded"}, "retention: give exactly one of keep_years or keep_days"),
    ({"keep_years": 0}, "retention.keep_years: must be a positive number, got 0"),
    ({"keep_days": -5}, "retention.keep_days: must be a positive number, got -5"),
    ({"keep_years": "eight"}, "retention.keep_years: expected a whole number, got 'eight'"),
    ({"keep_years": 7.5}, "retention.keep_years: expected a whole number, got 7.5"),
    ({"keep_years": True}, "retention.keep_years: expected a whole number"),
    ({"keep_years": 8, "after": "birth"}, "retention.after: unknown after 'birth'; expected "
                                          "one of last_activity, recorded"),
    ({"keep_years": 8, "action": "shred"}, "retention.action: unknown action 'shred'; "
                                           "expected one of delete, anonymise"),
    ({"keep_years": 8, "until": "never"}, "retention.until: unknown key 'until'"),
    ("8 years", "retention: expected a mapping"),
])
def test_a_wrong_retention_is_named(retention: Any, fragment: str) -> None:
    problems = problems_of(definition_text(retention=retention))

    assert any(fragment in p for p in problems), problems


def test_every_retention_problem_is_reported_at_once() -> None:
    problems = problems_of(definition_text(colour="blue", retention={
        "keep_years": 0, "keep_days": 2, "after": "birth", "action": "shred", "until": 1}))

    assert len(problems) == 6, problems
    assert problems[0].startswith("colour: unknown key")


def test_anonymise_is_for_person_sources_and_retention_not_for_properties() -> None:
    flags = problems_of(definition_text(
        kind="flag", person_source="asc_clients", retention={"keep_years": 1,
                                                             "action": "anonymise"},
        fields={"person": "client", "flag": "code", "sensitivity": "level"}))
    places = problems_of(definition_text(kind="property", fields={"uprn": "uprn"},
                                         retention={"keep_years": 1}))

    assert flags == ["retention.action: anonymise applies to person sources; a flag row "
                     "always names its person record, so use action: delete"]
    assert places == ["retention: retention applies to sources about people (person, "
                      "contact, involvement, flag), not kind property"]


@pytest.mark.parametrize("retention, now, cutoff", [
    (Retention(keep_years=8), datetime(2026, 11, 22, 10), datetime(2018, 11, 22, 10)),
    (Retention(keep_years=1), datetime(2024, 2, 29, 9), datetime(2023, 2, 28, 9)),
    (Retention(keep_days=30), datetime(2026, 3, 1), datetime(2026, 1, 30)),
])
def test_the_cutoff_counts_back_by_calendar_years_or_days(retention: Retention, now: datetime,
                                                          cutoff: datetime) -> None:
    assert retention.cutoff(now) == cutoff


def test_retention_is_described_for_people() -> None:
    assert Retention(keep_years=1).describe() == "1 year after last activity, then delete"
