"""Rectification: a checked, standardised correction that overrides the source's value wherever
the hub shows it, with provenance, audited, and with the organisations to tell."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import world
from sqlalchemy import Engine, select
from world import (
    ADVISOR,
    ASC,
    CUSTOMER_SERVICES,
    DPO,
    HEALTH,
    NOW,
    NURSE,
    POLICE,
    POLICE_OFFICER,
    SOCIAL_WORKER,
    World,
    cli,
)

from joinedup.errors import AccessDenied, BadInput
from joinedup.govern.decide import decide
from joinedup.govern.rectify import (
    Rectification,
    effective_records,
    find_record,
    rectify,
    standardise,
)
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Actor, Purpose
from joinedup.store import schema
from joinedup.store.schema import audit_event, audit_subject, rectification


@pytest.fixture
def w(engine: Engine, tmp_path: Path) -> World:
    return world.build(engine, tmp_path)


def fix(w: World, field: str, value: str | None, *, actor: Actor = DPO, person: int = 1,
        record: str = "A1", reason: str = "The person showed a birth certificate",
        **kwargs: Any) -> Rectification:
    with governed(w.engine) as c:
        return rectify(c, actor, person, record_id=w.records[record], field=field,
                       value=value, reason=reason, now=kwargs.get("now", NOW))


def effective(w: World, record: str = "A1") -> dict[str, Any]:
    with w.engine.connect() as c:
        return effective_records(c, [w.records[record]])[w.records[record]]


def test_a_correction_overrides_the_source_value_and_keeps_provenance(w: World) -> None:
    done = fix(w, "date_of_birth", "02/01/1940")

    assert (done.field, done.value, done.previous_value) == ("date_of_birth", "1940-01-02",
                                                             "1940-02-01")
    assert (done.source, done.agency, done.record_key) == ("asc_clients", ASC, "A1")
    shown = effective(w)
    assert shown["date_of_birth"] == date(1940, 1, 2)
    assert shown["provenance"] == {"date_of_birth": done.id}
    assert shown["family_name"] == "O'Brien"
    with w.engine.connect() as c:
        source_value = c.execute(select(schema.source_record.table.c.date_of_birth).where(
            schema.source_record.table.c.id == w.records["A1"])).scalar_one()
        stored = c.execute(select(rectification)).one()
    assert source_value == date(1940, 2, 1)  # the agency's own value is kept
    assert (stored.value, stored.previous_value, stored.recorded_by, stored.reason) == (
        "1940-01-02", "1940-02-01", DPO.user, "The person showed a birth certificate")
    assert effective(w, "N1")["provenance"] == {}


def test_the_latest_correction_wins_and_remembers_what_it_replaced(w: World) -> None:
    first = fix(w, "postcode", "nr24ad")
    second = fix(w, "postcode", "NR2  4AE")

    assert (first.previous_value, first.value) == ("NR2 4AB", "NR2 4AD")
    assert (second.previous_value, second.value) == ("NR2 4AD", "NR2 4AE")
    assert effective(w)["postcode"] == "NR2 4AE"
    assert effective(w)["provenance"] == {"postcode": second.id}


def test_values_are_standardised_as_ingestion_would_and_blank_clears(w: World) -> None:
    assert fix(w, "phone", "+44 (0)1603 111-222").value == "01603111222"
    assert fix(w, "given_name", "  MARIE ").value == "Marie"
    assert fix(w, "phone", "").value is None
    assert effective(w)["phone"] is None


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("date_of_birth", "31/02/1940", "date_of_birth: '31/02/1940' is not valid; expected a date"),
    ("date_of_birth", "2030-01-01", "expected a date of birth between 1880-01-01 and today"),
    ("nhs_number", "123", "nhs_number: '123' is not valid; expected 10 digits"),
    ("postcode", "nowhere", "postcode: 'nowhere' is not valid"),
    ("sensitivity", "standard", "'sensitivity' cannot be rectified here; expected one of"),
])
def test_a_bad_value_is_refused_naming_the_field(w: World, field: str, value: str,
                                                 expected: str) -> None:
    with pytest.raises(BadInput) as caught:
        fix(w, field, value)
    assert expected in caught.value.message
    with w.engine.connect() as c:
        assert c.execute(select(rectification)).all() == []


def test_a_record_of_another_person_is_refused(w: World) -> None:
    with pytest.raises(BadInput, match=f"source record {w.records['A2']} is not a record of "
                                       "person 1"):
        fix(w, "phone", "01603 111222", record="A2")
    with pytest.raises(BadInput, match="is not a record of person 1"), \
            governed(w.engine) as c:
        rectify(c, DPO, 1, record_id=987654, field="phone", value="01603 111222", reason="x",
                now=NOW)


def test_only_the_dpo_or_the_holding_agency_may_rectify_and_a_refusal_is_audited(
        w: World) -> None:
    with pytest.raises(AccessDenied, match="only the data protection officer"):
        fix(w, "phone", "01603 111222", actor=NURSE)
    assert fix(w, "phone", "01603 111222", actor=SOCIAL_WORKER).recorded_by == SOCIAL_WORKER.user

    with w.engine.connect() as c:
        events = c.execute(select(audit_event.c.actor, audit_event.c.action,
                                  audit_event.c.decision, audit_subject.c.person_id)
                           .join(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                           .where(audit_event.c.action == "rectify")
                           .order_by(audit_event.c.seq)).all()
    assert [tuple(e) for e in events] == [(NURSE.user, "rectify", "deny", 1),
                                          (SOCIAL_WORKER.user, "rectify", "done", 1)]


def test_a_rectification_is_audited_with_its_reason_kept_erasable(w: World) -> None:
    done = fix(w, "email", "Mary@Example.ORG")

    with w.engine.connect() as c:
        event = c.execute(select(audit_event, audit_subject.c.person_id, audit_subject.c.detail)
                          .join(audit_subject, audit_subject.c.seq == audit_event.c.seq)
                          .where(audit_event.c.seq == done.seq)).one()
    assert (event.action, event.decision, event.purpose, event.person_id, event.fields) == (
        "rectify", "done", "subject_access", 1, "asc_clients:email")
    assert event.detail == "The person showed a birth certificate"
    assert "birth certificate" not in event.reason  # free text stays out of the leaf
    assert "mary@example.org" not in event.reason


def test_nothing_to_rectify_and_a_missing_reason_are_refused(w: World) -> None:
    with pytest.raises(BadInput, match="already reads 'Mary'"):
        fix(w, "given_name", "mary")
    with pytest.raises(BadInput, match="a reason is required"):
        fix(w, "given_name", "Marie", reason="  ")


def test_recipients_to_notify_are_the_organisations_shown_that_field(w: World) -> None:
    with governed(w.engine) as c:
        assert decide(c, w.register, NURSE, Purpose.DIRECT_CARE, 1,
                      now=NOW - timedelta(days=2)).allowed
        assert decide(c, w.register, POLICE_OFFICER, Purpose.SAFEGUARDING, 1, now=NOW).allowed
        refused = decide(c, w.register, ADVISOR, Purpose.DIRECT_CARE, 1, now=NOW)
        assert not refused.allowed
        assert decide(c, w.register, NURSE, Purpose.DIRECT_CARE, 4, now=NOW).allowed

    done = fix(w, "family_name", "O'Brian")

    assert done.recipients_to_notify == (HEALTH, POLICE)
    assert CUSTOMER_SERVICES not in done.recipients_to_notify  # refused: was shown nothing
    assert DPO.organisation not in done.recipients_to_notify
    police_record = fix(w, "phone", "01603 222333", record="N1")
    assert POLICE in police_record.recipients_to_notify  # its own agency read it
    assert HEALTH not in police_record.recipients_to_notify  # never shown police data


def test_standardise_is_what_ingestion_does() -> None:
    today = date(2026, 1, 1)
    assert standardise("uprn", "00100091234567.0", today=today) == "100091234567"
    assert standardise("sex", "F", today=today) == "female"
    assert standardise("address", "12 HIGH STREET, NORWICH", today=today) == \
        "12 High Street, Norwich"
    assert standardise("middle_names", None, today=today) is None


# -- the command line ---------------------------------------------------------------------------

def test_the_rectify_command_says_what_changed_and_whom_to_tell(w: World) -> None:
    with governed(w.engine) as c:
        assert decide(c, w.register, NURSE, Purpose.DIRECT_CARE, 1, now=NOW).allowed

    result = cli(w, "rectify", "1", "--record", "asc_clients:A1", "--field", "date_of_birth",
                 "--value", "02/01/1940", "--reason", "Birth certificate seen")

    assert result.exit_code == 0, result.output
    assert "date_of_birth of asc_clients:A1 (person 1) '1940-02-01' -> '1940-01-02'" in \
        result.output
    assert HEALTH in result.output and f"correct it at source too: {ASC}" in result.output
    with w.engine.connect() as c:
        assert find_record(c, "asc_clients", "A1") == w.records["A1"]
        stored = c.execute(select(rectification.c.recorded_by, rectification.c.value)).one()
    assert tuple(stored) == ("dpo.cli", "1940-01-02")
    assert effective(w)["date_of_birth"] == date(1940, 1, 2)


def test_the_rectify_command_refuses_bad_input_in_one_line(w: World) -> None:
    result = cli(w, "rectify", "1", "--record", "asc_clients:A1", "--field", "date_of_birth",
                 "--value", "31/02/1940", "--reason", "Birth certificate seen")
    assert result.exit_code == 2
    assert "date_of_birth: '31/02/1940' is not valid" in result.output
    assert "Traceback" not in result.output
    result = cli(w, "rectify", "1", "--record", "A1", "--field", "phone", "--value", "1",
                 "--reason", "r")
    assert result.exit_code == 2 and "expected SOURCE:RECORD_ID" in result.output
    result = cli(w, "rectify", "1", "--record", "asc_clients:ZZ9", "--field", "phone",
                 "--value", "1", "--reason", "r")
    assert result.exit_code == 2 and "no record 'ZZ9' in source 'asc_clients'" in result.output
