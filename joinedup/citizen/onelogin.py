"""GOV.UK One Login (OpenID Connect) for citizens: an ID token's ``sub`` mapped to the account
of a citizen who has proved, once, which of the hub's records are theirs.

One Login proves who someone is; it cannot say which council tax account or NHS record is
theirs, so the first time a ``sub`` is seen the resident verifies as usual (``accounts``) and
the ``sub`` is stored on their account (``link_subject``). From then on a valid ID token with
that ``sub`` signs them in (``sign_in_with_subject``): the token is checked exactly as staff
tokens are (``joinedup.accounts.oidc``: the provider's key set, issuer, audience, expiry), and
sessions, lockout and audit stay as they are. See docs/citizen.md for the set-up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from joinedup.accounts.oidc import OidcVerifier
from joinedup.accounts.users import naive_utc
from joinedup.citizen.accounts import (
    UNVERIFIED,
    Account,
    actor_of,
    get_account,
    person_of_record,
    record_event,
)
from joinedup.errors import AuthenticationFailed, BadInput
from joinedup.store.schema import citizen_account

NOT_LINKED = ("This GOV.UK One Login is not linked to an account here yet: create an account "
              "(or sign in) once with your details, then link your One Login.")


class OneLoginVerifier(OidcVerifier):
    """One Login's ID tokens, checked as the council's staff tokens are; only ``sub`` is
    read."""

    def subject(self, token: str) -> str:
        claims = self._claims(token)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise AuthenticationFailed("token refused: no 'sub' claim")
        return sub.strip()


def link_subject(connection: Connection, account_id: int, subject: str, *, now: datetime
                 ) -> Account:
    """Store a One Login ``sub`` on a signed-in citizen's account (audited); one account per
    ``sub``."""
    now = naive_utc(now)
    taken = connection.execute(select(citizen_account.c.id).where(
        citizen_account.c.oidc_subject == subject)).scalar_one_or_none()
    if taken is not None and taken != account_id:
        raise BadInput("this GOV.UK One Login is already linked to another account")
    connection.execute(update(citizen_account).where(citizen_account.c.id == account_id)
                       .values(oidc_subject=subject))
    account = get_account(connection, account_id)
    if account is None:
        raise BadInput(f"no citizen account {account_id}")
    record_event(connection, actor_of(account_id), "citizen_link_one_login", "done",
           "GOV.UK One Login linked", now, person_of_record(connection, account.source_record_id))
    return account


def sign_in_with_subject(connection: Connection, subject: str, *, now: datetime) -> Account:
    """The account a verified One Login ``sub`` is linked to (audited either way); the caller
    must commit when this raises."""
    now = naive_utc(now)
    row = connection.execute(select(citizen_account).where(
        citizen_account.c.oidc_subject == subject)).first()
    if row is None:
        record_event(connection, UNVERIFIED, "citizen_login", "deny",
               "GOV.UK One Login not linked to any account", now)
        raise AuthenticationFailed(NOT_LINKED)
    actor = actor_of(row.id)
    if not row.active:
        record_event(connection, actor, "citizen_login", "deny", "account disabled", now)
        raise AuthenticationFailed("This account is closed. Contact the council to reopen it.")
    connection.execute(update(citizen_account).where(citizen_account.c.id == row.id)
                       .values(last_login_at=now))
    record_event(connection, actor, "citizen_login", "allow", "GOV.UK One Login", now,
           person_of_record(connection, row.source_record_id))
    account = get_account(connection, int(row.id))
    assert account is not None
    return account
