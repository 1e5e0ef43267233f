"""Passwords: argon2id hashes that verify, refuse, and upgrade; a policy that says what is wrong."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from joinedup.accounts.passwords import (
    DEMO_PASSWORD,
    check_password,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from joinedup.errors import BadInput

GOOD = "correct horse battery staple"


def test_a_hash_is_argon2id_salted_and_verifies_only_its_password() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)

    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert GOOD not in first
    assert verify_password(first, GOOD)
    assert not verify_password(first, GOOD.upper())
    assert not verify_password(first, "")


def test_a_corrupt_hash_is_a_mismatch_not_an_error() -> None:
    assert not verify_password("not a hash", GOOD)
    assert not verify_password("$argon2id$v=19$m=65536,t=3,p=4$bad", GOOD)


def test_a_hash_made_with_weaker_parameters_needs_rehashing() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(GOOD)

    assert needs_rehash(weak)
    assert not needs_rehash(hash_password(GOOD))
    assert needs_rehash("not a hash")


@pytest.mark.parametrize("password", [GOOD, "Tr0ub4dor&3xyz", "CorrectHorseBattery",
                                      "12345-abcdefg"])
def test_acceptable_passwords(password: str) -> None:
    assert password_problems(password, username="jo.bloggs") == []
    check_password(password)


@pytest.mark.parametrize(("password", "fragment"), [
    ("short1A!", "at least 12 characters"),
    ("", "at least 12 characters"),
    ("aaaaaaaaaaaaaa", "one character repeated"),
    ("abcdefghijklmnop", "mix kinds of character"),
    ("123456789012", "mix kinds of character"),
    ("ABCDEFGHIJKLMN", "mix kinds of character"),
    ("my jo.bloggs password", "must not contain the username"),
    ("x" * 1025 + "1", "at most 1024"),
    (DEMO_PASSWORD, "demo password is for demo logins only"),
])
def test_weak_passwords_are_refused_saying_why(password: str, fragment: str) -> None:
    with pytest.raises(BadInput, match="password refused") as refused:
        check_password(password, username="jo.bloggs")

    assert fragment in refused.value.message


def test_every_problem_is_named_at_once() -> None:
    problems = password_problems("jo.bloggs", username="jo.bloggs")

    assert len(problems) == 2  # too short, contains the username


def test_the_demo_password_is_accepted_for_demo_logins() -> None:
    assert password_problems(DEMO_PASSWORD, username="demo.dpo", demo=True) == []
