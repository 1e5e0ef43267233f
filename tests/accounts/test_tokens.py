"""API bearer tokens: what they carry, and every way a forged, stale or misdirected one fails."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from joinedup.accounts import AuthenticationFailed, User, issue_token, verify_token
from joinedup.accounts.tokens import _key
from joinedup.govern.vocabulary import Actor, Role

NOW = datetime(2026, 11, 22, 10, 0)
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
USER = User(id=1, username="jo.bloggs", display_name="Jo Bloggs", email=None,
            organisation="Adult Social Care", role=Role.SOCIAL_WORKER,
            team="Norwich Locality Team", demo=False, active=True)


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def forged(**changes: Any) -> str:
    """A token signed with the hub's own key but with ``changes`` to its claims."""
    claims = {**claims_of(issue_token(USER, secret=SECRET, minutes=15, now=NOW)), **changes}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, _key(SECRET),
                      algorithm="HS256")


def refused(token: str, *, secret: str = SECRET, now: datetime = NOW) -> str:
    with pytest.raises(AuthenticationFailed) as failure:
        verify_token(token, secret=secret, now=now)
    assert failure.value.http_status == 401
    return failure.value.message


def test_a_token_names_the_user_their_organisation_role_and_team() -> None:
    token = issue_token(USER, secret=SECRET, minutes=15, now=NOW)

    assert verify_token(token, secret=SECRET, now=NOW + timedelta(minutes=14)) == Actor(
        "jo.bloggs", "Adult Social Care", Role.SOCIAL_WORKER, "Norwich Locality Team")
    claims = claims_of(token)
    assert {k: claims[k] for k in ("iss", "aud", "sub", "org", "role", "team")} == {
        "iss": "joinedup", "aud": "joinedup-api", "sub": "jo.bloggs",
        "org": "Adult Social Care", "role": "social_worker", "team": "Norwich Locality Team"}
    start = int(NOW.replace(tzinfo=UTC).timestamp())
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (start, start, start + 15 * 60)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_each_token_has_its_own_id() -> None:
    first, second = (claims_of(issue_token(USER, secret=SECRET, minutes=15, now=NOW))["jti"]
                     for _ in range(2))

    assert first != second


def test_a_user_without_a_team_gets_none() -> None:
    analyst = User(2, "bi.kaur", "B Kaur", None, "Norfolk County Council Business Intelligence",
                   Role.ANALYST, None, False, True)

    actor = verify_token(issue_token(analyst, secret=SECRET, minutes=5, now=NOW),
                         secret=SECRET, now=NOW)
    assert (actor.role, actor.team) == (Role.ANALYST, None)


def test_the_clock_is_used_when_no_time_is_given() -> None:
    token = issue_token(USER, secret=SECRET, minutes=1, now=datetime.now(UTC))

    assert verify_token(token, secret=SECRET).user == "jo.bloggs"
    assert "expired" in refused(issue_token(USER, secret=SECRET, minutes=1, now=NOW),
                                now=datetime.now(UTC))


def test_an_expired_token_is_refused() -> None:
    token = issue_token(USER, secret=SECRET, minutes=15, now=NOW)

    assert "expired" in refused(token, now=NOW + timedelta(minutes=15))


def test_a_token_not_yet_valid_is_refused() -> None:
    token = issue_token(USER, secret=SECRET, minutes=15, now=NOW)

    assert "not valid yet" in refused(token, now=NOW - timedelta(seconds=1))


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = issue_token(USER, secret="another-secret-of-another-hub-entirely", minutes=15,
                        now=NOW)

    assert "bad signature" in refused(token)


def test_a_token_for_another_audience_or_issuer_is_refused() -> None:
    assert "wrong audience" in refused(forged(aud="another-api"))
    assert "wrong issuer" in refused(forged(iss="someone-else"))


def test_alg_none_is_refused() -> None:
    claims = claims_of(issue_token(USER, secret=SECRET, minutes=15, now=NOW))
    unsigned = jwt.encode(claims, None, algorithm="none")

    assert "algorithm is not HS256" in refused(unsigned)


def test_another_algorithm_even_with_the_right_key_is_refused() -> None:
    claims = claims_of(issue_token(USER, secret=SECRET, minutes=15, now=NOW))

    assert "algorithm is not HS256" in refused(jwt.encode(claims, _key(SECRET) * 2,
                                                          algorithm="HS512"))


def test_a_tampered_token_is_refused() -> None:
    header, payload, signature = issue_token(USER, secret=SECRET, minutes=15, now=NOW).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "dpo"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert "bad signature" in refused(f"{header}.{changed}.{signature}")


def test_a_token_missing_a_claim_is_refused() -> None:
    assert "no 'jti' claim" in refused(forged(jti=None))
    assert "no 'org' claim" in refused(forged(org=None))


def test_a_token_with_an_unknown_role_is_refused() -> None:
    assert "unknown role 'wizard'" in refused(forged(role="wizard"))


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_garbage_is_refused(token: str) -> None:
    assert "not a valid token" in refused(token)
