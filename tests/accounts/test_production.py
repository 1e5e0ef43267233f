"""Production mode's refusals: each problem listed, all at once, none for a good setup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from joinedup.accounts import create_demo_users, production_problems, set_active
from joinedup.settings import DEFAULT_SECRET_KEY, Settings

NOW = datetime(2026, 11, 22, 10, 0)
GOOD_SECRET = "Zr1-JQv2b0mUu1Zr3kQn4S8tYp6dW5xA9cV7eH2gL0"


def problems(engine: Engine, **settings: object) -> list[str]:
    with engine.connect() as c:
        return production_problems(Settings(**settings), c)  # type: ignore[arg-type]


def test_a_good_setup_has_no_problems(engine: Engine) -> None:
    assert problems(engine, production=True, secret_key=GOOD_SECRET) == []
    assert problems(engine, secret_key=GOOD_SECRET, oidc_jwks_url="https://idp/keys",
                    oidc_issuer="https://idp", oidc_audience="api://joinedup") == []


def test_the_default_secret_key_is_a_problem(engine: Engine) -> None:
    [problem] = problems(engine)

    assert Settings().secret_key == DEFAULT_SECRET_KEY
    assert "JOINEDUP_SECRET_KEY is the development default" in problem


def test_a_short_secret_key_is_a_problem(engine: Engine) -> None:
    [problem] = problems(engine, secret_key="s3cret-but-short")

    assert "JOINEDUP_SECRET_KEY is 16 characters; use at least 32" in problem


def test_enabled_demo_logins_are_a_problem(engine: Engine) -> None:
    with engine.begin() as c:
        made = create_demo_users(c, now=NOW)

    [problem] = problems(engine, secret_key=GOOD_SECRET)
    assert f"{len(made)} demo logins" in problem
    assert "demo.dpo" in problem
    assert "joinedup users disable" in problem

    with engine.begin() as c:
        for user, _ in made:
            set_active(c, user.username, False, by="tester", now=NOW)
    assert problems(engine, secret_key=GOOD_SECRET) == []


def test_half_configured_openid_connect_is_a_problem(engine: Engine) -> None:
    found = problems(engine, secret_key=GOOD_SECRET, oidc_issuer="https://idp",
                     oidc_role_map={"Boss": "overlord"})

    assert found == [
        "OpenID Connect: JOINEDUP_OIDC_JWKS_URL is not set (it is needed with "
        "JOINEDUP_OIDC_ISSUER)",
        "OpenID Connect: JOINEDUP_OIDC_AUDIENCE is not set (it is needed with "
        "JOINEDUP_OIDC_ISSUER)",
        "OpenID Connect: JOINEDUP_OIDC_ROLE_MAP maps 'Boss' to 'overlord', which is not a "
        "joinedup role (admin, analyst, call_centre_advisor, community_nurse, data_engineer, "
        "dpo, emergency_planner, fire_officer, police_officer, sensor_feed, social_worker)"]


def test_every_problem_is_listed_at_once(engine: Engine) -> None:
    with engine.begin() as c:
        create_demo_users(c, now=NOW)

    assert len(problems(engine, oidc_audience="api://joinedup")) == 1 + 1 + 2
