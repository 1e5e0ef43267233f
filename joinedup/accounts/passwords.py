"""Passwords: argon2id hashes (RFC 9106, argon2-cffi's defaults) and the policy a new one meets.

Only the hash is stored; argon2id is memory-hard, so a stolen copy of ``app_user`` costs an
attacker real hardware for every guess. The hash carries its own parameters, so raising them
later upgrades each user's hash at their next sign-in (``needs_rehash``).
"""

from __future__ import annotations

import functools
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from joinedup.errors import BadInput

MIN_LENGTH = 12
MAX_LENGTH = 1024
"""Longer is refused: hashing megabytes on request would be a denial of service."""
DEMO_PASSWORD = "joinedup-demo"
"""The documented password of the demo logins, refused for anyone else; production mode
refuses to start while demo logins exist."""

_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no user, so an unknown username takes as long
    to refuse as a wrong password (no probing for usernames by timing)."""
    return _hasher().hash("joinedup: no such user")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a corrupt or foreign hash is a mismatch, never an error
    that would tell the caller more than "wrong"."""
    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend the time of a verification for a user who does not exist or has no password."""
    verify_password(_dummy_hash(), password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def password_problems(password: str, *, username: str | None = None, demo: bool = False
                      ) -> list[str]:
    """Every way ``password`` falls short of the policy (empty when it is acceptable).

    Length matters most (NCSC, NIST SP 800-63B); one character class only ("aaaaaaaaaaaa",
    "123456789012") is refused, and so is the username inside the password."""
    problems = []
    if password == DEMO_PASSWORD and not demo:
        problems.append("the demo password is for demo logins only")
    if len(password) < MIN_LENGTH:
        problems.append(f"it must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"it must be at most {MAX_LENGTH} characters")
    if password and len(set(password)) == 1:
        problems.append("it must not be one character repeated")
    elif password and any(all(c in chars for c in password) for chars in _CLASSES):
        problems.append("it must mix kinds of character (letters, digits, symbols, spaces), "
                        "not use only one")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("it must not contain the username")
    return problems


def check_password(password: str, *, username: str | None = None, demo: bool = False) -> None:
    """Raise ``BadInput`` naming every problem when ``password`` breaks the policy."""
    problems = password_problems(password, username=username, demo=demo)
    if problems:
        raise BadInput("password refused: " + "; ".join(problems))
