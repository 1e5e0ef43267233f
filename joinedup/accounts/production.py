"""What production mode refuses to start with: every setting or account that is fine on a
laptop with synthetic data and unsafe with real people's."""

from __future__ import annotations

from sqlalchemy import Connection

from joinedup.accounts.oidc import oidc_setting_problems
from joinedup.accounts.users import demo_users
from joinedup.settings import DEFAULT_SECRET_KEY, Settings

MIN_SECRET_LENGTH = 32


def production_problems(settings: Settings, connection: Connection) -> list[str]:
    """Every reason the hub must not serve real data as configured (empty when it may). The
    server refuses to start in production mode (``JOINEDUP_PRODUCTION=true``) while any holds;
    they are all listed at once so one restart fixes them."""
    problems = []
    if settings.secret_key == DEFAULT_SECRET_KEY:
        problems.append("JOINEDUP_SECRET_KEY is the development default, which anyone can "
                        "read in the source; set a random one, e.g. from: python -c "
                        "'import secrets; print(secrets.token_urlsafe(48))'")
    elif len(settings.secret_key) < MIN_SECRET_LENGTH:
        problems.append(f"JOINEDUP_SECRET_KEY is {len(settings.secret_key)} characters; use at "
                        f"least {MIN_SECRET_LENGTH} random ones")
    demos = [u.username for u in demo_users(connection) if u.active]
    if demos:
        problems.append(f"{len(demos)} demo logins with a published password are enabled "
                        f"({', '.join(demos)}); disable each with: joinedup users disable "
                        "USERNAME")
    problems += [f"OpenID Connect: {p}" for p in oidc_setting_problems(settings)]
    return problems
