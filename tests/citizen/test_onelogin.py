"""GOV.UK One Login: an ID token's ``sub``, checked against the provider's key set served over
real HTTP (tests/identity_provider.py), signs in the account it was linked to, and no other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from citizen_world import add_citizen
from cryptography.hazmat.primitives.asymmetric import rsa
from identity_provider import Provider, running_provider
from portal_world import Portal
from sqlalchemy import select
from world import NOW

from joinedup.citizen.onelogin import (
    NOT_LINKED,
    OneLoginVerifier,
    link_subject,
    sign_in_with_subject,
)
from joinedup.errors import AuthenticationFailed, BadInput
from joinedup.govern.session import governed
from joinedup.store.schema import audit_event


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def test_a_linked_sub_signs_in_its_account_only(portal: Portal, provider: Provider) -> None:
    verifier = OneLoginVerifier(provider.config())
    mary = add_citizen(portal.engine, portal.world.records["T1"], email="mary.ol@example.org")
    tom = add_citizen(portal.engine, portal.world.records["G4"], email="tom.ol@example.org")
    sub = verifier.subject(provider.token(sub="urn:fdc:gov.uk:2022:mary"))
    with governed(portal.engine) as c:
        link_subject(c, mary.id, sub, now=NOW)
        assert sign_in_with_subject(c, sub, now=NOW).id == mary.id
        with pytest.raises(BadInput, match="already linked"):
            link_subject(c, tom.id, sub, now=NOW)
    other = verifier.subject(provider.token(sub="urn:fdc:gov.uk:2022:stranger"))
    with pytest.raises(AuthenticationFailed) as refused, governed(portal.engine) as c:
        sign_in_with_subject(c, other, now=NOW)
    assert refused.value.message == NOT_LINKED
    with portal.engine.connect() as c:
        decisions = [r.decision for r in c.execute(
            select(audit_event.c.decision).where(audit_event.c.action == "citizen_login")
            .order_by(audit_event.c.seq))]
    assert decisions[-2:] == ["allow", "deny"]


def test_a_token_not_signed_by_the_provider_or_without_sub_is_refused(provider: Provider
                                                                      ) -> None:
    verifier = OneLoginVerifier(provider.config())
    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthenticationFailed):
        verifier.subject(provider.token(key=forged))
    with pytest.raises(AuthenticationFailed, match="'sub'"):
        verifier.subject(provider.token(sub=""))
