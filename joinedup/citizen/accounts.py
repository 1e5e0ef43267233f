"""Citizen accounts: registration verified against a record the hub holds, sign-in, lockout.

A citizen proves they are someone the hub holds with details only they (and the agency) should
know together: a council tax account number, the postcode it is billed at and their date of
birth (which council tax does not hold: it must match one on any record linked to the same
person), or their NHS number, date of birth and a postcode held for them. Sealed records (a
refuge, an adoption) never take part, so verification cannot confirm where someone hides.

Every refusal says the same thing whatever was wrong, so nobody can find out which account
numbers exist or whose date of birth is whose; repeated failures lock out what was tried (the
account or NHS number, and the client's address) for ``lockout_minutes``. Once verified, the
account is anchored to the matched record (so re-linking carries it along) and signs in with
an email and an argon2id password. Registration and every sign-in, allowed or refused, are
audited; the caller must commit when an ``AuthError`` is raised (``govern.session.governed``
does), or guessing would cost nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from joinedup.accounts import passwords
from joinedup.accounts.users import LoginPolicy, naive_utc
from joinedup.citizen import ORGANISATION, PURPOSE, Citizen
from joinedup.errors import AccessDenied, AccountLocked, AuthenticationFailed, BadInput
from joinedup.govern import audit
from joinedup.govern.rectify import effective_records
from joinedup.govern.vocabulary import SEALED, Actor, Role
from joinedup.standardise import (
    InvalidValue,
    check_birth_date,
    normalise_email,
    normalise_nhs_number,
    normalise_postcode,
    parse_date,
)
from joinedup.store.schema import citizen_account, citizen_attempt, person_link, source_record

COUNCIL_TAX = "council_tax"
NHS_NUMBER = "nhs_number"
METHODS = {COUNCIL_TAX: "council tax account number", NHS_NUMBER: "NHS number"}
COUNCIL_TAX_IDENTIFIER = "council_tax_account"
"""The identifier a council tax feed's definition names its account number by."""
NOT_MATCHED = ("We could not match those details to the records we hold. Check each detail "
               "and try again.")
"""The one message for every failed verification: it never says which detail was wrong."""
SIGNIN_FAILED = "The email address or password is not right."
UNVERIFIED = Actor("citizen:(unverified)", ORGANISATION, Role.CITIZEN)
"""Whom a refused verification or a sign-in with an unknown email is recorded as."""


@dataclass(frozen=True)
class Proof:
    """What a citizen typed to prove who they are, as typed."""

    method: str
    reference: str
    """The council tax account number, or the NHS number."""
    postcode: str
    date_of_birth: str


@dataclass(frozen=True)
class Account:
    id: int
    source_record_id: int | None
    """The record it was verified against (or retention moved it to); None once closed
    because the hub holds no record of the person any more."""
    email: str
    display_name: str
    verified_by: str
    active: bool
    oidc_subject: str | None
    created_at: datetime
    last_login_at: datetime | None


def actor_of(account_id: int) -> Actor:
    return Actor(f"citizen:{account_id}", ORGANISATION, Role.CITIZEN)


def _account(row: Any) -> Account:
    return Account(row.id, row.source_record_id, row.email, row.display_name, row.verified_by,
                   bool(row.active), row.oidc_subject, row.created_at, row.last_login_at)


def get_account(connection: Connection, account_id: int) -> Account | None:
    row = connection.execute(select(citizen_account).where(
        citizen_account.c.id == account_id)).first()
    return None if row is None else _account(row)


ADMINISTERS = frozenset({Role.DPO, Role.ADMIN})


def list_accounts(connection: Connection, actor: Actor, *, now: datetime) -> list[Account]:
    """Every citizen account (the DPO's office or the hub's administrator; audited, refusals
    too)."""
    if actor.role not in ADMINISTERS:
        reason = f"the role {actor.role} may not list citizen accounts"
        record_event(connection, actor, "list_citizens", "deny", reason, now)
        raise AccessDenied(reason)
    found = [_account(r) for r in connection.execute(
        select(citizen_account).order_by(citizen_account.c.id))]
    record_event(connection, actor, "list_citizens", "done",
                 f"{len(found)} citizen accounts listed", now)
    return found


def person_of_record(connection: Connection, record_id: int | None) -> int | None:
    if record_id is None:
        return None
    found = connection.execute(select(person_link.c.person_id).where(
        person_link.c.source_record_id == record_id)).scalar_one_or_none()
    return None if found is None else int(found)


def citizen_of(connection: Connection, account_id: int, *, csrf_token: str = ""
               ) -> Citizen | None:
    """The signed-in citizen of an active account: the person its record is linked to now;
    None when the account is disabled or its record is not linked to anyone."""
    account = get_account(connection, account_id)
    if account is None or not account.active:
        return None
    person = person_of_record(connection, account.source_record_id)
    if person is None:
        return None
    return Citizen(account.id, person, account.display_name, csrf_token)


# -- verification ------------------------------------------------------------------------------

def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _locked_until(connection: Connection, keys: Iterable[str], policy: LoginPolicy,
                  now: datetime) -> datetime | None:
    since = now - timedelta(minutes=policy.lockout_minutes)
    rows = connection.execute(
        select(citizen_attempt.c.key_sha256, func.count(), func.max(citizen_attempt.c.at))
        .where(citizen_attempt.c.key_sha256.in_(list(keys)), citizen_attempt.c.at > since)
        .group_by(citizen_attempt.c.key_sha256)).all()
    latest = [last for _, count, last in rows if count >= policy.max_failures]
    return max(latest) + timedelta(minutes=policy.lockout_minutes) if latest else None


def _locked_message(until: datetime) -> str:
    return (f"Too many attempts that did not match. For your security, try again after "
            f"{until:%H:%M} UTC on {until:%d %B %Y}.")


def _parse(proof: Proof, today: date) -> tuple[str, str, date]:
    """The proof's values in canonical form; a value of the wrong shape is the citizen's to
    correct and says nothing about any record, so it is named."""
    problems = []
    reference = " ".join(proof.reference.split())
    if proof.method not in METHODS:
        problems.append(f"choose how to prove who you are: {' or '.join(METHODS.values())}")
    elif not reference:
        problems.append(f"enter your {METHODS[proof.method]}")
    elif proof.method == NHS_NUMBER:
        try:
            reference = normalise_nhs_number(reference)
        except InvalidValue as exc:
            problems.append(f"NHS number: expected {exc.expected}")
    else:
        reference = reference.replace(" ", "").upper()
    postcode = ""
    try:
        postcode = normalise_postcode(proof.postcode.strip())
    except InvalidValue as exc:
        problems.append(f"postcode: expected {exc.expected}")
    born = today
    try:
        born = check_birth_date(parse_date(proof.date_of_birth.strip()), today=today)
    except InvalidValue as exc:
        problems.append(f"date of birth: expected {exc.expected}")
    if problems:
        raise BadInput("; ".join(problems))
    return reference, postcode, born


def _candidates(connection: Connection, method: str, reference: str, postcode: str
                ) -> list[int]:
    """Records the reference names: a council tax record of that account at that postcode,
    or a record with that NHS number."""
    sr = source_record.table.c
    if method == NHS_NUMBER:
        return [int(i) for i in connection.execute(select(sr.id).where(
            sr.nhs_number == reference)).scalars()]
    found = []
    for row in connection.execute(select(sr.id, sr.identifiers).where(
            sr.postcode == postcode, sr.identifiers.is_not(None))):
        try:
            identifiers = json.loads(row.identifiers)
        except json.JSONDecodeError:
            continue
        held = identifiers.get(COUNCIL_TAX_IDENTIFIER) if isinstance(identifiers, dict) else None
        if isinstance(held, str) and held.replace(" ", "").upper() == reference:
            found.append(int(row.id))
    return found


def _matches(connection: Connection, proof: Proof, reference: str, postcode: str, born: date
             ) -> dict[int, int]:
    """Person id -> the record that proves them, for every person the proof fits; sealed
    records count for nothing."""
    candidates = _candidates(connection, proof.method, reference, postcode)
    people: dict[int, list[int]] = {}
    for record in sorted(candidates):
        person = person_of_record(connection, record)
        if person is not None:
            people.setdefault(person, []).append(record)
    if not people:
        return {}
    links = connection.execute(select(person_link.c.person_id, person_link.c.source_record_id)
                               .where(person_link.c.person_id.in_(list(people)))).all()
    values = effective_records(connection, [r for _, r in links])
    proved = {}
    for person, records in people.items():
        held = [v for p, r in links if p == person and (v := values[r])["sensitivity"] != SEALED]
        usable = [r for r in records if values[r]["sensitivity"] != SEALED]
        if not usable or not any(v["date_of_birth"] == born for v in held):
            continue
        if proof.method == NHS_NUMBER and not any(v["postcode"] == postcode for v in held):
            continue
        proved[person] = usable[0]
    return proved


def verify(connection: Connection, proof: Proof, *, client: str, policy: LoginPolicy,
           now: datetime) -> int:
    """The record that proves the citizen is who they say (audited either way), or
    ``AuthenticationFailed`` with ``NOT_MATCHED`` whatever was wrong; ``AccountLocked`` after
    ``policy.max_failures`` failures for the same reference or client within
    ``policy.lockout_minutes``."""
    now = naive_utc(now)
    reference, postcode, born = _parse(proof, now.date())
    keys = [_key(proof.method, reference), _key("client", client)]
    until = _locked_until(connection, keys, policy, now)
    if until is not None:
        record_event(connection, UNVERIFIED, "citizen_verify", "deny",
                     f"locked out after repeated failures until {until:%Y-%m-%d %H:%M} UTC", now)
        raise AccountLocked(_locked_message(until), until=until)
    proved = _matches(connection, proof, reference, postcode, born)
    if len(proved) != 1:
        connection.execute(citizen_attempt.insert(), [{"key_sha256": k, "at": now}
                                                      for k in keys])
        why = "no record matched" if not proved else "the details fit several people"
        record_event(connection, UNVERIFIED, "citizen_verify", "deny",
                     f"{METHODS[proof.method]} verification failed: {why}", now)
        raise AuthenticationFailed(NOT_MATCHED)
    [(_, record)] = proved.items()
    return record


def record_event(connection: Connection, actor: Actor, action: str, decision: str, reason: str,
                 now: datetime, person_id: int | None = None) -> None:
    """A citizen's audit event, under the statutory purpose their rights are recorded as."""
    audit.append(connection, [audit.Event(actor, PURPOSE, action, decision, reason,
                                          person_id=person_id)], now=now)


def _email(email: str) -> str:
    try:
        return normalise_email(email)
    except InvalidValue as exc:
        raise BadInput(f"email: expected {exc.expected}") from None


def register(connection: Connection, proof: Proof, *, email: str, password: str, client: str,
             policy: LoginPolicy, now: datetime) -> Account:
    """Verify the citizen (``verify``) and open their account, anchored to the record that
    proved them. Problems with the email or password are reported, all at once, before any
    verification is tried, so a typo costs no attempt."""
    now = naive_utc(now)
    problems = []
    address = ""
    try:
        address = _email(email)
    except BadInput as exc:
        problems.append(exc.message)
    problems += [f"password: {p}" for p in passwords.password_problems(
        password, username=address.partition("@")[0] or None)]
    if problems:
        raise BadInput("; ".join(problems))
    record = verify(connection, proof, client=client, policy=policy, now=now)
    return open_account(connection, record, method=proof.method, email=address,
                        password=password, now=now)


def open_account(connection: Connection, record: int, *, method: str, email: str,
                 password: str, now: datetime) -> Account:
    """Open the account of a citizen already verified against ``record`` (by ``verify``, or
    by an identity provider that checked the same), audited. One account per person."""
    now = naive_utc(now)
    address = _email(email)
    passwords.check_password(password, username=address.partition("@")[0])
    person = person_of_record(connection, record)
    if person is None:
        raise BadInput(f"record {record} is not linked to anyone the hub knows")
    if _has_account(connection, person):
        raise BadInput("you already have an account: sign in with its email address, or ask "
                       "the council to reset it")
    [values] = effective_records(connection, [record]).values()
    name = " ".join(p for p in (values["given_name"], values["family_name"]) if p) or "you"
    try:
        account_id = int(connection.execute(citizen_account.insert().values(
            source_record_id=record, email=address, display_name=name,
            password_hash=passwords.hash_password(password), verified_by=method,
            active=True, failed_logins=0, created_at=now).returning(citizen_account.c.id)
        ).scalar_one())
    except IntegrityError as exc:
        raise BadInput("that email address is already used by an account; sign in with it") \
            from exc
    record_event(connection, actor_of(account_id), "citizen_register", "done",
                 f"account opened, verified by {METHODS.get(method, method)} against record "
                 f"{record}", now, person)
    account = get_account(connection, account_id)
    assert account is not None
    return account


def _has_account(connection: Connection, person_id: int) -> bool:
    return connection.execute(
        select(citizen_account.c.id)
        .join(person_link, person_link.c.source_record_id == citizen_account.c.source_record_id)
        .where(person_link.c.person_id == person_id, citizen_account.c.active.is_(True))
        .limit(1)).first() is not None


# -- sign-in -----------------------------------------------------------------------------------

def authenticate(connection: Connection, email: str, password: str, *, policy: LoginPolicy,
                 now: datetime) -> Account:
    """The account whose email and password these are (audited either way); one message for
    every refusal, the same time taken; ``policy.max_failures`` wrong passwords in a row lock
    the account for ``policy.lockout_minutes``. The caller must commit when this raises."""
    now = naive_utc(now)
    address = email.strip().lower()
    row = connection.execute(select(citizen_account).where(
        citizen_account.c.email == address).with_for_update()).first()
    if row is None or row.password_hash is None:
        passwords.verify_nothing(password)
        record_event(connection, UNVERIFIED if row is None else actor_of(row.id), "citizen_login",
                     "deny", "unknown email" if row is None else "no password set", now)
        raise AuthenticationFailed(SIGNIN_FAILED)
    actor = actor_of(row.id)
    if row.locked_until is not None and row.locked_until > now:
        passwords.verify_nothing(password)
        record_event(connection, actor, "citizen_login", "deny",
                     f"account locked until {row.locked_until:%Y-%m-%d %H:%M:%S} UTC", now)
        raise AccountLocked(_locked_message(row.locked_until), until=row.locked_until)
    if not passwords.verify_password(row.password_hash, password):
        failures = int(row.failed_logins) + 1
        values: dict[str, Any] = {"failed_logins": failures}
        reason = f"wrong password ({failures} of {policy.max_failures} before lockout)"
        if failures >= policy.max_failures:
            until = now + timedelta(minutes=policy.lockout_minutes)
            values = {"failed_logins": 0, "locked_until": until}
            reason = f"wrong password ({failures} in a row): locked until {until:%H:%M} UTC"
        connection.execute(update(citizen_account).where(citizen_account.c.id == row.id)
                           .values(**values))
        record_event(connection, actor, "citizen_login", "deny", reason, now)
        if "locked_until" in values:
            raise AccountLocked(_locked_message(values["locked_until"]),
                                until=values["locked_until"])
        raise AuthenticationFailed(SIGNIN_FAILED)
    if not row.active:
        record_event(connection, actor, "citizen_login", "deny", "account disabled", now)
        raise AuthenticationFailed("This account is closed. Contact the council to reopen it.")
    changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if passwords.needs_rehash(row.password_hash):
        changes["password_hash"] = passwords.hash_password(password)
    connection.execute(update(citizen_account).where(citizen_account.c.id == row.id)
                       .values(**changes))
    record_event(connection, actor, "citizen_login", "allow", "password", now,
                 person_of_record(connection, row.source_record_id))
    account = get_account(connection, int(row.id))
    return cast(Account, account)


def demo_proof(connection: Connection, *, now: datetime) -> Proof | None:
    """Details that verify one citizen of the store by council tax (the first that does), for
    someone trying the demo on a synthetic county; audited. None if no record would."""
    sr = source_record.table.c
    rows = connection.execute(
        select(sr.identifiers, sr.postcode)
        .join(person_link, person_link.c.source_record_id == sr.id)
        .where(sr.identifiers.like(f'%"{COUNCIL_TAX_IDENTIFIER}"%'), sr.postcode.is_not(None),
               func.coalesce(sr.sensitivity, "") != SEALED)
        .order_by(sr.id).limit(50)).all()
    for row in rows:
        reference = json.loads(row.identifiers)[COUNCIL_TAX_IDENTIFIER]
        for record in _candidates(connection, COUNCIL_TAX, reference, row.postcode):
            person = person_of_record(connection, record)
            links = connection.execute(select(person_link.c.source_record_id).where(
                person_link.c.person_id == person)).scalars().all()
            born = sorted({v["date_of_birth"] for v in effective_records(
                connection, list(links)).values()
                if v["date_of_birth"] and v["sensitivity"] != SEALED})
            proof = Proof(COUNCIL_TAX, reference, row.postcode,
                          f"{born[0]:%d/%m/%Y}" if born else "")
            if born and len(_matches(connection, proof, reference, row.postcode, born[0])) == 1:
                record_event(connection, UNVERIFIED, "demo_citizen", "done",
                             "printed a demo citizen's verification details", now, person)
                return proof
    return None
