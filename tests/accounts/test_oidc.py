"""Tokens from an identity provider, checked against its key set served over real HTTP from
127.0.0.1: the claims map to an Actor, and a token from anyone else, for anyone else, out of
date or naming no role the hub knows is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from identity_provider import AUDIENCE, ISSUER, Provider, running_provider

from joinedup.accounts import AuthenticationFailed, OidcConfig, OidcVerifier
from joinedup.errors import BadInput
from joinedup.govern.vocabulary import Actor, Role
from joinedup.settings import Settings


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def refused(provider: Provider, token: str, **config: Any) -> str:
    with pytest.raises(AuthenticationFailed) as failure:
        OidcVerifier(provider.config(**config)).verify(token)
    return failure.value.message


def test_a_good_token_maps_its_claims_to_an_actor(provider: Provider) -> None:
    verifier = OidcVerifier(provider.config())

    assert verifier.verify(provider.token()) == Actor(
        "jo.bloggs", "Adult Social Care", Role.SOCIAL_WORKER, "Norwich Locality Team")
    before = len(provider.requests)
    verifier.verify(provider.token())
    assert len(provider.requests) == before  # the keys are cached


def test_a_role_spelt_as_a_joinedup_role_needs_no_mapping(provider: Provider) -> None:
    actor = OidcVerifier(provider.config()).verify(provider.token(roles="dpo", team=None))

    assert (actor.role, actor.team) == (Role.DPO, None)


def test_configured_claim_names_are_read(provider: Provider) -> None:
    config = provider.config(username_claim="upn", organisation_claim="employer",
                             role_claim="app_role", team_claim="unit")
    token = provider.token(upn="nurse.green@nchc.example.nhs.uk",
                           employer="Norfolk Community Health and Care NHS Trust",
                           app_role="community_nurse", unit="Norwich Community Nursing")

    assert OidcVerifier(config).verify(token) == Actor(
        "nurse.green@nchc.example.nhs.uk", "Norfolk Community Health and Care NHS Trust",
        Role.COMMUNITY_NURSE, "Norwich Community Nursing")


def test_an_es256_key_of_the_set_works(provider: Provider) -> None:
    token = provider.token(key=provider.ec_key, kid="ec-1", algorithm="ES256")

    assert OidcVerifier(provider.config()).verify(token).user == "jo.bloggs"


def test_a_token_from_another_issuer_is_refused(provider: Provider) -> None:
    assert "wrong issuer" in refused(provider, provider.token(iss="https://evil.example"))


def test_a_token_for_another_audience_is_refused(provider: Provider) -> None:
    assert "wrong audience" in refused(provider, provider.token(aud="api://another-app"))


def test_an_expired_token_is_refused(provider: Provider) -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    token = provider.token(iat=past, nbf=past, exp=past + timedelta(minutes=10))

    assert "expired" in refused(provider, token)


def test_a_token_signed_by_a_key_not_in_the_set_is_refused(provider: Provider) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert "not signed by a key of the identity provider" in refused(
        provider, provider.token(key=stranger, kid="stranger"))
    # a stranger's key under the kid of one of the set
    assert "bad signature" in refused(provider, provider.token(key=stranger))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_public_key_used_as_an_hmac_secret_is_refused(provider: Provider) -> None:
    """Algorithm confusion: an HS256 token keyed with the provider's *public* key, which
    anyone can fetch, must not pass for one the provider signed."""
    public = provider.rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = jwt.decode(provider.token(), options={"verify_signature": False})
    signing_input = (f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'}).encode())}"
                     f".{_b64(json.dumps(claims).encode())}")
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()

    assert "algorithm is not one of RS256, ES256" in refused(
        provider, f"{signing_input}.{_b64(signature)}")


def test_alg_none_is_refused(provider: Provider) -> None:
    claims = jwt.decode(provider.token(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "rsa-1"})

    assert "algorithm is not one of RS256, ES256" in refused(provider, unsigned)


def test_an_unknown_role_is_refused_naming_the_claim(provider: Provider) -> None:
    message = refused(provider, provider.token(roles=["Finance.Approver"]))

    assert "claim 'roles' holds no role the hub knows (Finance.Approver)" in message
    assert "JOINEDUP_OIDC_ROLE_MAP" in message
    assert "no role in claim 'roles'" in refused(provider, provider.token(roles=[]))


def test_several_roles_are_refused(provider: Provider) -> None:
    assert "several roles" in refused(provider, provider.token(roles=["ASC.SocialWorker",
                                                                      "dpo"]))


def test_unknown_roles_beside_a_known_one_are_ignored(provider: Provider) -> None:
    token = provider.token(roles=["Everyone", "ASC.SocialWorker"])

    assert OidcVerifier(provider.config()).verify(token).role is Role.SOCIAL_WORKER


def test_a_missing_organisation_or_username_is_refused_naming_the_claim(
        provider: Provider) -> None:
    assert "no 'org' claim" in refused(provider, provider.token(org=None))
    assert "no 'org' claim" in refused(provider, provider.token(org="  "))
    assert "no 'preferred_username' claim" in refused(
        provider, provider.token(preferred_username=None))


def test_an_unreachable_key_set_is_one_clear_refusal(provider: Provider) -> None:
    message = refused(provider, provider.token(),
                      jwks_url=provider.jwks_url.replace("/discovery/keys", "/nowhere"))

    assert "cannot fetch the identity provider's keys" in message


def test_garbage_is_refused(provider: Provider) -> None:
    assert "not" in refused(provider, "not-a-token")


# -- settings -----------------------------------------------------------------------------------

def test_no_jwks_url_means_no_identity_provider() -> None:
    assert OidcConfig.from_settings(Settings()) is None


def test_the_settings_configure_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_OIDC_JWKS_URL", "https://login.example.test/keys")
    monkeypatch.setenv("JOINEDUP_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("JOINEDUP_OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("JOINEDUP_OIDC_ROLE_CLAIM", "app_roles")
    monkeypatch.setenv("JOINEDUP_OIDC_ROLE_MAP", '{"ASC.SocialWorker": "social_worker"}')

    config = OidcConfig.from_settings(Settings())

    assert config == OidcConfig("https://login.example.test/keys", ISSUER, AUDIENCE,
                                role_claim="app_roles",
                                role_map={"ASC.SocialWorker": Role.SOCIAL_WORKER})


def test_half_configured_or_wrongly_mapped_settings_are_refused() -> None:
    settings = Settings(oidc_jwks_url="https://login.example.test/keys",
                        oidc_role_map={"Boss": "overlord"})

    with pytest.raises(BadInput) as refused_:
        OidcConfig.from_settings(settings)

    message = refused_.value.message
    assert "JOINEDUP_OIDC_ISSUER is not set" in message
    assert "JOINEDUP_OIDC_AUDIENCE is not set" in message
    assert "maps 'Boss' to 'overlord', which is not a joinedup role" in message
