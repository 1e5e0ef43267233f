"""Staff accounts for the web UI and API: who signs in, how (a password, a browser session, a
bearer token, the council's identity provider), and what production mode refuses.

Downstream of ``govern`` (an account acts as an ``Actor``), upstream of ``api`` and ``web``,
which call only what is exported here.
"""

from joinedup.accounts.demo import DEMO_LOGINS, create_demo_users
from joinedup.accounts.oidc import OidcConfig, OidcVerifier
from joinedup.accounts.passwords import (
    DEMO_PASSWORD,
    MIN_LENGTH,
    check_password,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from joinedup.accounts.production import production_problems
from joinedup.accounts.sessions import (
    WebSession,
    check_csrf,
    end_session,
    load_session,
    set_purpose,
    start_session,
)
from joinedup.accounts.tokens import issue_token, verify_token
from joinedup.accounts.users import (
    FAILED,
    LoginPolicy,
    User,
    add_user,
    authenticate,
    demo_users,
    get_user,
    get_user_by_id,
    list_users,
    set_active,
    set_password,
    unlock,
)
from joinedup.errors import AccountLocked, AuthenticationFailed, AuthError, CsrfError

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "FAILED",
    "MIN_LENGTH",
    "AccountLocked",
    "AuthError",
    "AuthenticationFailed",
    "CsrfError",
    "LoginPolicy",
    "OidcConfig",
    "OidcVerifier",
    "User",
    "WebSession",
    "add_user",
    "authenticate",
    "check_csrf",
    "check_password",
    "create_demo_users",
    "demo_users",
    "end_session",
    "get_user",
    "get_user_by_id",
    "hash_password",
    "issue_token",
    "list_users",
    "load_session",
    "needs_rehash",
    "password_problems",
    "production_problems",
    "set_active",
    "set_password",
    "set_purpose",
    "start_session",
    "unlock",
    "verify_password",
    "verify_token",
]
