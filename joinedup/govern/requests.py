"""Citizens' rights requests: a subject access pack (UK GDPR Art. 15), a correction (Art. 16)
and an objection (Art. 21), each due one calendar month from receipt (``sar.deadline``), on the
DPO's work queue until completed or refused, with reminders before and after the deadline.

- A **subject access** request is queued; the DPO builds the pack (``process``:
  ``sar.subject_access``), which is stored and delivered in the citizen portal, with accesses an
  exemption covers taken out of its audit trail (``govern.exemptions``), the withholding audited.
- A **correction** is reviewed by the DPO and applied (``rectify.rectify``, to each of the
  person's records whose value differs) or refused with a reason.
- An **objection** is recorded at once by the citizen themselves
  (``objections.record_objection``, which lets a citizen record their own and no one else's).

Requests belong to a citizen account, never to a person id a client could name: a request of
someone else's is ``NotTheirs`` (404), and the attempt audited. The queue, processing and
refusals are the DPO's only, refusals of anyone else audited.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from joinedup.errors import AccessDenied, BadInput, NotFound, NotTheirs
from joinedup.govern import audit
from joinedup.govern.exemptions import exemptions_of, record_withheld
from joinedup.govern.lineage import lineage
from joinedup.govern.objections import KINDS as OBJECTIONS
from joinedup.govern.objections import record_objection
from joinedup.govern.rectify import RECTIFIABLE, effective_records, rectify, standardise
from joinedup.govern.register import Register
from joinedup.govern.sar import deadline, render_html, subject_access
from joinedup.govern.vocabulary import Actor, Purpose, Role
from joinedup.store.schema import (
    agency,
    citizen_account,
    dpo_alert,
    person_link,
    rights_pack,
    rights_request,
    source,
    source_record,
)

SUBJECT_ACCESS, CORRECTION, OBJECTION = "subject_access", "correction", "objection"
KINDS = {SUBJECT_ACCESS: "a copy of your data", CORRECTION: "a correction",
         OBJECTION: "an objection"}
RECEIVED, COMPLETED, REFUSED = "received", "completed", "refused"
STATUSES = (RECEIVED, COMPLETED, REFUSED)
PURPOSE = Purpose.SUBJECT_ACCESS
FORMATS = {"html": "pack_html", "json": "pack_json"}


@dataclass(frozen=True)
class RightsRequest:
    id: int
    account_id: int
    person_id: int | None
    """Whom the account's verified record is linked to now."""
    kind: str
    status: str
    details: dict[str, Any]
    received_at: datetime
    due_on: date
    decided_by: str | None
    decided_at: datetime | None
    outcome: str | None
    has_pack: bool

    @property
    def is_open(self) -> bool:
        return self.status == RECEIVED

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    def overdue(self, today: date) -> bool:
        return self.is_open and today > self.due_on

    @property
    def summary(self) -> str:
        d = self.details
        if self.kind == CORRECTION:
            where = f" at {d['agency']}" if d.get("agency") else ""
            return f"correct {d['field'].replace('_', ' ')}{where} to {d['value']!r}"
        if self.kind == OBJECTION:
            return (f"not to be shared with {d['agency']}" if d.get("agency")
                    else "not to be used for planning or research")
        return "a copy of all the data held"


# -- reading -----------------------------------------------------------------------------------

def _query() -> Any:
    r = rights_request.c
    return (select(rights_request, person_link.c.person_id, rights_pack.c.request_id.label(
        "pack"))
        .join(citizen_account, citizen_account.c.id == r.account_id)
        .outerjoin(person_link, person_link.c.source_record_id
                   == citizen_account.c.source_record_id)
        .outerjoin(rights_pack, rights_pack.c.request_id == r.id))


def _request(row: Any) -> RightsRequest:
    return RightsRequest(row.id, row.account_id, row.person_id, row.kind, row.status,
                         json.loads(row.details), row.received_at, row.due_on, row.decided_by,
                         row.decided_at, row.outcome, row.pack is not None)


def _find(connection: Connection, request_id: int) -> RightsRequest | None:
    row = connection.execute(_query().where(rights_request.c.id == request_id)).first()
    return None if row is None else _request(row)


def _account_of(actor: Actor) -> int | None:
    account = actor.user.removeprefix(f"{Role.CITIZEN.value}:")
    return int(account) if actor.role is Role.CITIZEN and account.isdigit() else None


def _refuse(connection: Connection, actor: Actor, action: str, reason: str, now: datetime
            ) -> AccessDenied:
    audit.append(connection, [audit.Event(actor, PURPOSE, action, "deny", reason)], now=now)
    return AccessDenied(reason)


def requests_of(connection: Connection, actor: Actor) -> list[RightsRequest]:
    """A citizen's own requests, newest first."""
    account = _account_of(actor)
    rows = connection.execute(_query().where(rights_request.c.account_id == account)
                              .order_by(rights_request.c.id.desc()))
    return [_request(r) for r in rows]


def own_request(connection: Connection, actor: Actor, request_id: int, *, now: datetime
                ) -> RightsRequest:
    """One of the citizen's own requests; anyone else's (or none) is ``NotTheirs`` (404),
    the attempt audited."""
    found = _find(connection, request_id)
    if found is None or found.account_id != _account_of(actor):
        audit.append(connection, [audit.Event(
            actor, PURPOSE, "read_request", "deny",
            f"request #{request_id} is not one of theirs")], now=now)
        raise NotTheirs(f"you have no request #{request_id}")
    return found


def own_pack(connection: Connection, actor: Actor, request_id: int, fmt: str, *,
             now: datetime) -> str:
    """The delivered pack of one of the citizen's own requests (``html`` or ``json``),
    audited; ``NotTheirs`` for anyone else's, ``NotFound`` for one not built yet."""
    if fmt not in FORMATS:
        raise BadInput(f"a pack is html or json, not {fmt!r}")
    found = own_request(connection, actor, request_id, now=now)
    text = connection.execute(select(rights_pack.c[FORMATS[fmt]]).where(
        rights_pack.c.request_id == request_id)).scalar_one_or_none()
    if text is None:
        raise NotFound(f"request #{request_id} has no pack yet")
    audit.append(connection, [audit.Event(actor, PURPOSE, "download_pack", "done",
                                          f"downloaded the {fmt} pack of request #{request_id}",
                                          person_id=found.person_id)], now=now)
    return str(text)


# -- submitting --------------------------------------------------------------------------------

def _agencies_of(connection: Connection, person_id: int) -> set[str]:
    return set(connection.execute(
        select(agency.c.name).distinct()
        .join(source, source.c.agency_id == agency.c.id)
        .join(source_record.table, source_record.table.c.source_id == source.c.id)
        .join(person_link, person_link.c.source_record_id == source_record.table.c.id)
        .where(person_link.c.person_id == person_id)).scalars())


def _checked(connection: Connection, kind: str, details: dict[str, str], person_id: int,
             today: date) -> dict[str, Any]:
    """The request's details, checked and standardised; every problem reported at once."""
    problems: list[str] = []
    agency_name = (details.get("agency") or "").strip() or None
    if agency_name is not None and agency_name not in _agencies_of(connection, person_id):
        problems.append(f"{agency_name!r} holds no records about you")
    if kind == SUBJECT_ACCESS:
        return {}
    if kind == OBJECTION:
        objection = details.get("objection", "")
        if objection not in OBJECTIONS:
            problems.append("choose what you object to: planning and research, or sharing "
                            "with one organisation")
        elif (objection == "agency") != bool(agency_name):
            problems.append("name the organisation your data should not be shared with"
                            if objection == "agency" else
                            "an objection to planning and research names no organisation")
        if problems:
            raise BadInput("; ".join(problems))
        return {"objection": objection, "agency": agency_name}
    field = details.get("field", "")
    reason = " ".join((details.get("reason") or "").split())
    value: str | None = None
    if field not in RECTIFIABLE:
        problems.append("choose what to correct: " + ", ".join(
            f.replace("_", " ") for f in RECTIFIABLE))
    else:
        try:
            value = standardise(field, details.get("value"), today=today)
        except BadInput as exc:
            problems.append(exc.message)
        if value is None and not problems:
            problems.append(f"give the correct {field.replace('_', ' ')}")
    if not reason:
        problems.append("say what is wrong, so the organisation can check it")
    if problems:
        raise BadInput("; ".join(problems))
    return {"field": field, "value": value, "agency": agency_name, "reason": reason}


def submit(connection: Connection, actor: Actor, kind: str, details: dict[str, str], *,
           now: datetime) -> RightsRequest:
    """A citizen's new request (audited), due one calendar month from today. An objection is
    recorded at once and the request completed with it."""
    account = _account_of(actor)
    if kind not in KINDS:
        raise BadInput(f"a request is one of {', '.join(KINDS)}, not {kind!r}")
    person = connection.execute(
        select(person_link.c.person_id)
        .join(citizen_account, citizen_account.c.source_record_id
              == person_link.c.source_record_id)
        .where(citizen_account.c.id == account)).scalar_one_or_none()
    if account is None or person is None:
        raise _refuse(connection, actor, "rights_request",
                      "only a signed-in citizen makes requests here", now)
    checked = _checked(connection, kind, details, int(person), now.date())
    request_id = int(connection.execute(rights_request.insert().values(
        account_id=account, kind=kind, status=RECEIVED, details=json.dumps(checked),
        received_at=now, due_on=deadline(now.date())).returning(rights_request.c.id)
    ).scalar_one())
    audit.append(connection, [audit.Event(actor, PURPOSE, "rights_request", "done",
                                          f"request #{request_id}: {kind}",
                                          person_id=int(person))], now=now)
    if kind == OBJECTION:
        objection_id = record_objection(connection, actor, int(person), checked["objection"],
                                        agency=checked["agency"], now=now)
        _decide(connection, request_id, COMPLETED, actor.user,
                f"objection #{objection_id} recorded: it is honoured from now on", now)
    found = _find(connection, request_id)
    assert found is not None
    return found


# -- the DPO's queue ---------------------------------------------------------------------------

def _dpo(connection: Connection, actor: Actor, action: str, now: datetime) -> None:
    if actor.role is not Role.DPO:
        raise _refuse(connection, actor, action,
                      f"only the DPO works on rights requests, not {actor.role}", now)


def queue(connection: Connection, actor: Actor, *, status: str | None = RECEIVED,
          now: datetime) -> list[RightsRequest]:
    """Requests by deadline, the most urgent first (DPO only; audited). ``status=None``:
    all of them."""
    _dpo(connection, actor, "request_queue", now)
    if status is not None and status not in STATUSES:
        raise BadInput(f"a status is one of {', '.join(STATUSES)}, not {status!r}")
    query = _query().order_by(rights_request.c.due_on, rights_request.c.id)
    if status is not None:
        query = query.where(rights_request.c.status == status)
    found = [_request(r) for r in connection.execute(query)]
    audit.append(connection, [audit.Event(actor, PURPOSE, "request_queue", "done",
                                          f"{len(found)} rights requests listed")], now=now)
    return found


def get_request(connection: Connection, actor: Actor, request_id: int, *, now: datetime
                ) -> RightsRequest:
    _dpo(connection, actor, "read_request", now)
    found = _find(connection, request_id)
    if found is None:
        raise NotFound(f"no rights request #{request_id}; see joinedup requests list")
    return found


def _decide(connection: Connection, request_id: int, status: str, by: str, outcome: str,
            now: datetime) -> None:
    connection.execute(update(rights_request).where(rights_request.c.id == request_id)
                       .values(status=status, decided_by=by, decided_at=now, outcome=outcome))


def _open(connection: Connection, actor: Actor, request_id: int, action: str, now: datetime
          ) -> RightsRequest:
    _dpo(connection, actor, action, now)
    found = get_request(connection, actor, request_id, now=now)
    if not found.is_open:
        raise BadInput(f"request #{request_id} is already {found.status}")
    if found.person_id is None:
        raise BadInput(f"request #{request_id}: the citizen's record is no longer linked to "
                       "anyone; re-run linkage or refuse it")
    return found


def process(connection: Connection, register: Register, actor: Actor, request_id: int, *,
            now: datetime) -> RightsRequest:
    """Do what the request asks (DPO only), audited: build and deliver the pack, or apply the
    correction to each of the person's records whose value differs."""
    found = _open(connection, actor, request_id, "process_request", now)
    assert found.person_id is not None
    if found.kind == SUBJECT_ACCESS:
        outcome = _build_pack(connection, register, actor, found, now)
    elif found.kind == CORRECTION:
        outcome = _correct(connection, actor, found, now)
    else:
        raise BadInput(f"request #{request_id} is an objection: it was recorded when made")
    _decide(connection, request_id, COMPLETED, actor.user, outcome, now)
    audit.append(connection, [audit.Event(actor, PURPOSE, "process_request", "done",
                                          f"request #{request_id} completed: {outcome}",
                                          person_id=found.person_id)], now=now)
    done = _find(connection, request_id)
    assert done is not None
    return done


def refuse(connection: Connection, actor: Actor, request_id: int, reason: str, *,
           now: datetime) -> RightsRequest:
    """Refuse a request with the reason the citizen is given (DPO only; audited)."""
    stated = " ".join(reason.split())
    if not stated:
        raise BadInput("a refusal needs a reason the citizen can read")
    found = _open(connection, actor, request_id, "refuse_request", now)
    _decide(connection, request_id, REFUSED, actor.user, stated, now)
    audit.append(connection, [audit.Event(actor, PURPOSE, "refuse_request", "done",
                                          f"request #{request_id} refused",
                                          person_id=found.person_id, detail=stated)], now=now)
    done = _find(connection, request_id)
    assert done is not None
    return done


def _correct(connection: Connection, actor: Actor, found: RightsRequest, now: datetime) -> str:
    d = found.details
    assert found.person_id is not None
    rows = connection.execute(
        select(source_record.table.c.id, agency.c.name)
        .join(person_link, person_link.c.source_record_id == source_record.table.c.id)
        .join(source, source.c.id == source_record.table.c.source_id)
        .join(agency, agency.c.id == source.c.agency_id)
        .where(person_link.c.person_id == found.person_id)).all()
    wanted = [r.id for r in rows if d.get("agency") in (None, r.name)]
    values = effective_records(connection, wanted)
    changed = []
    for record_id in sorted(wanted):
        held = values[record_id][d["field"]]
        if (held.isoformat() if isinstance(held, date) else held) == d["value"]:
            continue
        done = rectify(connection, actor, found.person_id, record_id=record_id,
                       field=d["field"], value=d["value"],
                       reason=f"citizen request #{found.id}: {d['reason']}", now=now)
        changed.append(f"{done.agency} ({done.source})")
    if not changed:
        raise BadInput(f"request #{found.id}: every record already reads {d['value']!r}; "
                       "refuse it with that reason")
    return f"corrected on {len(changed)} records: {'; '.join(changed)}"


# -- subject access packs ----------------------------------------------------------------------

def _withhold(connection: Connection, actor: Actor, found: RightsRequest,
              document: dict[str, Any], now: datetime) -> list[int]:
    """Take the accesses an exemption covers out of the pack's audit trail; their seqs."""
    assert found.person_id is not None
    rules = exemptions_of(connection, lineage(connection, found.person_id).ids)
    kept, withheld, grounds = [], [], []
    for event in document["audit_trail"]:
        ground = rules.ground(organisation=event["organisation"], role=event["role"],
                              purpose=event["purpose"], at=event["at"])
        if ground is not None and event["decision"] != "deny":
            withheld.append(int(event["seq"]))
            grounds.append(ground)
        else:
            kept.append(event)
    document["audit_trail"] = kept
    summary = document["summary"]
    summary["audit_events"] = len(kept)
    summary["organisations_that_accessed"] = sorted(
        {t["organisation"] for t in kept if t["decision"] == "allow"})
    record_withheld(connection, actor, where=f"the subject access pack of request #{found.id}",
                    seqs=withheld, grounds=grounds, now=now)
    return withheld


def _build_pack(connection: Connection, register: Register, actor: Actor,
                found: RightsRequest, now: datetime) -> str:
    assert found.person_id is not None
    with tempfile.TemporaryDirectory(prefix="joinedup-sar-") as directory:
        pack = subject_access(connection, register, actor, found.person_id, Path(directory),
                              now=now, received=found.received_at.date())
        document = json.loads(pack.json_path.read_text(encoding="utf-8"))
        notes = json.loads(pack.dpo_notes_path.read_text(encoding="utf-8"))
    notes["withheld_accesses"] = _withhold(connection, actor, found, document, now)
    connection.execute(rights_pack.insert().values(
        request_id=found.id, pack_json=json.dumps(document, indent=2, ensure_ascii=False),
        pack_html=render_html(document), dpo_notes=json.dumps(notes, indent=2, ensure_ascii=False),
        built_at=now))
    return (f"pack of {pack.items} items delivered in the portal "
            f"({pack.counts['records']} records)")


def dpo_notes(connection: Connection, actor: Actor, request_id: int, *, now: datetime
              ) -> dict[str, Any]:
    """The DPO notes of a built pack: what was withheld, what to review (DPO only)."""
    get_request(connection, actor, request_id, now=now)
    text = connection.execute(select(rights_pack.c.dpo_notes).where(
        rights_pack.c.request_id == request_id)).scalar_one_or_none()
    if text is None:
        raise NotFound(f"request #{request_id} has no pack yet")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# -- reminders ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    request_id: int
    stage: str
    """``due_soon`` or ``overdue``."""
    alert_id: int
    due_on: date


def remind(connection: Connection, actor: Actor, *, within_days: int, now: datetime
           ) -> list[Reminder]:
    """Raise a DPO alert for each open request due within ``within_days`` and for each one
    overdue, once per request and stage (audited); returns the alerts raised now."""
    _dpo(connection, actor, "remind_requests", now)
    if within_days < 0:
        raise BadInput(f"--within must be 0 days or more, not {within_days}")
    today = now.date()
    r = rights_request.c
    rows = connection.execute(select(r.id, r.kind, r.due_on, r.due_soon_alert_id,
                                     r.overdue_alert_id)
                              .where(r.status == RECEIVED,
                                     r.due_on <= today + timedelta(days=within_days))
                              .order_by(r.due_on, r.id)).all()
    raised = []
    for row in rows:
        stage, column = (("overdue", "overdue_alert_id") if today > row.due_on
                         else ("due_soon", "due_soon_alert_id"))
        if getattr(row, column) is not None:
            continue
        late = (today - row.due_on).days
        when = (f"overdue by {late} days (due {row.due_on:%d %b %Y})" if stage == "overdue"
                else f"due {row.due_on:%d %b %Y} ({(row.due_on - today).days} days left)")
        alert_id = int(connection.execute(dpo_alert.insert().values(
            kind=f"request_{stage}", raised_at=now, status="open",
            summary=f"rights request #{row.id} ({row.kind.replace('_', ' ')}) {when}"
        ).returning(dpo_alert.c.id)).scalar_one())
        connection.execute(update(rights_request).where(r.id == row.id)
                           .values(**{column: alert_id}))
        raised.append(Reminder(int(row.id), stage, alert_id, row.due_on))
    audit.append(connection, [audit.Event(actor, PURPOSE, "remind_requests", "done",
                                          f"{len(raised)} reminders raised")], now=now)
    return raised
