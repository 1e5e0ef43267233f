"""Data-sharing agreements as code: the written agreements the ICO data-sharing code asks for,
one YAML file each, in the words every access decision is made in (``vocabulary``).

A file is validated whole and a directory all at once, every problem with its file and place
(``shares[0].to[1].roles[2]``), so the officer who keeps the register fixes it in one pass.
What the hub does with loaded agreements is in ``register``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from joinedup.errors import AgreementError, Problem
from joinedup.govern.vocabulary import (
    CRIMINAL_OFFENCE_GROUPS,
    ROLE_PURPOSES,
    SPECIAL_CATEGORY_GROUPS,
    STATUTORY_PURPOSES,
    Group,
    Purpose,
    Role,
)

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
TOP_LEVEL_KEYS = ("agreement", "version", "title", "description", "parties", "purposes",
                  "lawful_basis", "dpia", "valid_from", "valid_to", "relationship",
                  "pseudonymised", "shares")
BASIS_KEYS = ("article_6", "article_9", "article_10")
SHARE_KEYS = ("from", "fields", "sealed", "to")
RECIPIENT_KEYS = ("organisation", "roles")
AGREED_PURPOSES = tuple(p for p in Purpose if p not in STATUTORY_PURPOSES)
"""Purposes an agreement may be for: the statutory ones need none, so naming one is a mistake."""
SEALED_PURPOSES = frozenset({Purpose.DIRECT_CARE, Purpose.SAFEGUARDING})
"""The only purposes sealed records (a refuge address, an adoption) are ever shared for."""
EXPIRY_WARNING_DAYS = 60

E = TypeVar("E", bound=StrEnum)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the register parses on each build


class Relationship(StrEnum):
    """Whether detail groups need a legitimate relationship with the person (``decide``)."""

    REQUIRED = "required"
    NOT_REQUIRED = "not_required"


@dataclass(frozen=True)
class Recipient:
    organisation: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class Share:
    """Field groups of some sources, given to named roles of named organisations."""

    sources: frozenset[str]
    groups: frozenset[Group]
    recipients: tuple[Recipient, ...]
    sealed: bool


@dataclass(frozen=True)
class Agreement:
    code: str
    version: int
    title: str
    description: str
    parties: tuple[str, ...]
    purposes: frozenset[Purpose]
    article_6: str
    article_9: str | None
    article_10: str | None
    dpia: str
    valid_from: date
    valid_to: date
    relationship_required: bool
    pseudonymised: bool
    shares: tuple[Share, ...]
    path: str
    text: str
    """The YAML as written: what is stored, hashed and shown to a data subject."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def sources(self) -> frozenset[str]:
        """Every source any share of it names."""
        return frozenset(s for share in self.shares for s in share.sources)

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


def parse_agreement(text: str, *, path: str) -> Agreement:
    """Validate one agreement's YAML, raising AgreementError with every problem in it."""
    agreement, problems, _ = _check(text, path)
    if agreement is None:
        raise AgreementError([(path, p) for p in problems])
    return agreement


def read_directory(directory: Path) -> list[Agreement]:
    """Every ``*.yaml`` agreement in ``directory`` (in file-name order), or AgreementError with
    every problem in every file, codes given twice among them."""
    directory = Path(directory)
    where = str(directory)
    if not directory.is_dir():
        raise AgreementError([(where, Problem("not a directory of agreement files (*.yaml)"))])
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise AgreementError([(where, Problem("no agreement files (*.yaml) in this directory"))])
    problems: list[tuple[str, Problem]] = []
    found: list[Agreement] = []
    first: dict[str, str] = {}
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append((str(file), Problem(f"cannot read the file: {exc}")))
            continue
        agreement, wrong, code = _check(text, str(file))
        problems += [(str(file), p) for p in wrong]
        if code is not None and code in first:
            problems.append((str(file), Problem(
                f"{code} is also the code of {first[code]}; one file per agreement (a changed "
                "agreement keeps its code and gets a new version)", "agreement")))
        elif code is not None:
            first[code] = str(file)
        if agreement is not None:
            found.append(agreement)
    if problems:
        raise AgreementError(problems)
    return found


def lint(agreements: Sequence[Agreement], *, today: date,
         known_sources: Collection[str] | None = None) -> list[tuple[str, Problem]]:
    """Warnings that do not stop a load: agreements ending soon or not in force today,
    recipients that are not parties, and, given the sources a store has loaded (none given or
    none loaded yet: not checked), the names it has never seen: most likely a typo."""
    warnings: list[tuple[str, Problem]] = []
    soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    for a in agreements:
        if a.valid_to < today:
            warnings.append((a.path, Problem(f"expired on {a.valid_to}; once loaded it stops "
                                             "its sources loading until renewed", "valid_to")))
        elif a.valid_to <= soon:
            warnings.append((a.path, Problem(f"ends on {a.valid_to}, in "
                                             f"{(a.valid_to - today).days} days: renew it as "
                                             "a new version before then", "valid_to")))
        if a.valid_from > today:
            warnings.append((a.path, Problem(f"not in force until {a.valid_from}",
                                             "valid_from")))
        for i, share in enumerate(a.shares):
            for j, r in enumerate(share.recipients):
                if r.organisation not in a.parties:
                    warnings.append((a.path, Problem(
                        f"{r.organisation!r} receives data but is not among the parties",
                        f"shares[{i}].to[{j}].organisation")))
            unknown = sorted(share.sources - set(known_sources or share.sources))
            if unknown:
                names = ", ".join(f"{n!r}{_did_you_mean(n, known_sources or ())}"
                                  for n in unknown)
                warnings.append((a.path, Problem(f"not loaded into the store yet: {names}",
                                                 f"shares[{i}].from")))
    return warnings


def _did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- validation -------------------------------------------------------------------------------

def _at(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _check(text: str, path: str) -> tuple[Agreement | None, list[Problem], str | None]:
    """The agreement (None if anything is wrong), every problem, and its code if readable
    (so a directory can spot a code given twice even in a broken file)."""
    try:
        raw = yaml.load(text, Loader=_LOADER)  # a safe loader: the C one where built
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(f"not valid YAML: {reason}", where)], None
    c = _Checker()
    if not isinstance(raw, dict):
        c.add("", "expected a mapping of keys such as agreement, version, title, parties, "
                  "purposes, lawful_basis and shares")
        return None, c.problems, None
    agreement = c.agreement(raw, path, text)
    code = raw.get("agreement") if isinstance(raw.get("agreement"), str) else None
    return (agreement if not c.problems else None), c.problems, code


class _Checker:
    """Collects every problem in one file; a helper that finds a bad value reports it and
    returns None or an empty value, so checking carries on past it."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.declared: dict[int, frozenset[Group]] = {}
        """The groups each share names, valid or not: they decide which articles are due."""

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(message, where))

    def agreement(self, raw: dict[str, Any], path: str, text: str) -> Agreement | None:
        self.keys(raw, TOP_LEVEL_KEYS, "")
        code = self.text(raw, "agreement", "")
        if code is not None and not SLUG.match(code):
            self.add("agreement", f"{code!r} is not a code of letters, digits, '-' and '_' "
                                  "such as DSA-NFK-001")
        version = raw.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.add("version", f"expected a whole number of 1 or more, got {version!r}")
        title = self.text(raw, "title", "")
        description = self.text(raw, "description", "", required=False) or ""
        parties = self.strings(raw, "parties", "", "controllers (organisation names)")
        purposes = self.purposes(raw)
        pseudonymised = self.boolean(raw, "pseudonymised", "")
        relationship = self.choice(raw, "relationship", Relationship, Relationship.REQUIRED)
        dpia = self.text(raw, "dpia", "")
        valid_from, valid_to = self.day(raw, "valid_from"), self.day(raw, "valid_to")
        if valid_from is not None and valid_to is not None and valid_to <= valid_from:
            self.add("valid_to", f"must be after valid_from ({valid_from}), got {valid_to}")
        if pseudonymised and purposes and purposes != {Purpose.ANALYTICS}:
            self.add("purposes", "a pseudonymised agreement is for analytics only, got "
                                 f"{', '.join(sorted(purposes))}")
        elif not pseudonymised and Purpose.ANALYTICS in purposes:
            self.add("purposes", "analytics is served only from pseudonymised extracts: set "
                                 "pseudonymised: true (and no other purpose)")
        shares = self.shares(raw, purposes, pseudonymised)
        articles = self.lawful_basis(raw.get("lawful_basis"))
        if (self.problems or code is None or title is None or dpia is None or articles is None
                or valid_from is None or valid_to is None or relationship is None):
            return None
        assert isinstance(version, int)
        return Agreement(
            code=code, version=version, title=title, description=description,
            parties=tuple(parties), purposes=purposes, article_6=articles[0],
            article_9=articles[1], article_10=articles[2], dpia=dpia, valid_from=valid_from,
            valid_to=valid_to, relationship_required=relationship is Relationship.REQUIRED,
            pseudonymised=pseudonymised, shares=shares, path=path, text=text)

    # -- the parts --------------------------------------------------------------------------

    def purposes(self, raw: dict[str, Any]) -> frozenset[Purpose]:
        found: set[Purpose] = set()
        for where, value in self.items(raw, "purposes", "", "purposes"):
            purpose = self.member(value, Purpose, where, AGREED_PURPOSES, "purpose")
            if purpose in STATUTORY_PURPOSES:
                self.add(where, f"{purpose} needs no sharing agreement: the law itself grants "
                                "it (UK GDPR Art. 15); remove it")
            elif purpose is not None:
                found.add(purpose)
        return frozenset(found)

    def shares(self, raw: dict[str, Any], purposes: frozenset[Purpose], pseudonymised: bool
               ) -> tuple[Share, ...]:
        shares: list[Share] = []
        for i, (where, value) in enumerate(self.items(raw, "shares", "", "shares")):
            if not isinstance(value, dict):
                self.add(where, "expected a mapping with from, fields and to")
                continue
            self.keys(value, SHARE_KEYS, where)
            sources = frozenset(name for w, name in self.strings_at(value, "from", where,
                                                                    "source names")
                                if self._slug(name, w))
            groups = frozenset(g for w, v in self.items(value, "fields", where, "field groups")
                               if (g := self.member(v, Group, w, tuple(Group), "field group")))
            self.declared[i] = groups
            sealed = self.boolean(value, "sealed", where)
            if sealed and pseudonymised:
                self.add(_at(where, "sealed"), "a pseudonymised agreement never shares sealed "
                                               "records")
            elif sealed and purposes - SEALED_PURPOSES:
                self.add(_at(where, "sealed"), "sealed records are shared only for direct_care "
                         "or safeguarding; this agreement is also for "
                         f"{', '.join(sorted(purposes - SEALED_PURPOSES))}")
            recipients = self.recipients(value, where, purposes)
            if sources and groups and recipients:
                shares.append(Share(sources, groups, recipients, sealed))
        return tuple(shares)

    def recipients(self, raw: dict[str, Any], where: str, purposes: frozenset[Purpose]
                   ) -> tuple[Recipient, ...]:
        found: list[Recipient] = []
        for at, value in self.items(raw, "to", where, "recipients"):
            if not isinstance(value, dict):
                self.add(at, "expected a mapping with organisation and roles")
                continue
            self.keys(value, RECIPIENT_KEYS, at)
            organisation = self.text(value, "organisation", at)
            roles: set[Role] = set()
            for w, v in self.items(value, "roles", at, "roles"):
                role = self.member(v, Role, w, tuple(Role), "role")
                if role is None:
                    continue
                roles.add(role)
                if purposes and not ROLE_PURPOSES[role] & purposes:
                    allowed = ", ".join(sorted(ROLE_PURPOSES[role])) or "no purpose at all"
                    self.add(w, f"the role {role} may act for none of this agreement's "
                                f"purposes ({', '.join(sorted(purposes))}); it may act for "
                                f"{allowed}")
            if organisation is not None and roles:
                found.append(Recipient(organisation, frozenset(roles)))
        return tuple(found)

    def lawful_basis(self, raw: Any) -> tuple[str, str | None, str | None] | None:
        if not isinstance(raw, dict):
            self.add("lawful_basis", "is required: a mapping with article_6 (and article_9, "
                                     "article_10 where special-category or criminal-offence "
                                     "data is shared)")
            return None
        self.keys(raw, BASIS_KEYS, "lawful_basis")
        article_6 = self.text(raw, "article_6", "lawful_basis")
        if article_6 is not None and not article_6.startswith("6(1)("):
            self.add("lawful_basis.article_6", "must name an Article 6 basis, starting "
                     "'6(1)(', e.g. '6(1)(e) public task: Care Act 2014 s.1'")
        article_9 = self.article(raw, "article_9", "9(2)(", SPECIAL_CATEGORY_GROUPS,
                                 "special-category (Art. 9) data", "a 9(2) condition")
        article_10 = self.article(raw, "article_10", "", CRIMINAL_OFFENCE_GROUPS,
                                  "criminal-offence (Art. 10) data",
                                  "the DPA 2018 Sch. 1 condition")
        return None if article_6 is None else (article_6, article_9, article_10)

    def article(self, raw: dict[str, Any], key: str, prefix: str, groups: frozenset[Group],
                data: str, condition: str) -> str | None:
        """An Art. 9 or 10 condition: required exactly when a share gives such data."""
        where = _at("lawful_basis", key)
        sharing = [f"shares[{i}]" for i, named in self.declared.items() if named & groups]
        value = self.text(raw, key, "lawful_basis", required=False)
        if value is None and sharing and where not in {p.where for p in self.problems}:
            group = ", ".join(sorted(groups))
            self.add(where, f"is required: {', '.join(sharing)} share{'s' * (len(sharing) == 1)}"
                            f" {group}, {data}; give {condition}")
        elif value is not None and not sharing:
            self.add(where, f"no share gives {data} ({', '.join(sorted(groups))}); remove it, "
                            "or add the data it is for to a share")
        elif value is not None and not value.startswith(prefix):
            self.add(where, f"must name {condition}, starting {prefix!r}")
        return value

    # -- values -----------------------------------------------------------------------------

    def keys(self, raw: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in raw:
            if key not in allowed:
                self.add(_at(where, str(key)), f"unknown key {key!r}; expected one of "
                                               f"{', '.join(allowed)}")

    def text(self, raw: dict[str, Any], key: str, where: str, *, required: bool = True
             ) -> str | None:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(_at(where, key), "is required")
            return None
        if not isinstance(value, str):
            self.add(_at(where, key), f"expected text, got {value!r} (quote it)")
            return None
        return value.strip()

    def items(self, raw: dict[str, Any], key: str, where: str, what: str
              ) -> list[tuple[str, Any]]:
        """A required, non-empty list: each item with its place."""
        at = _at(where, key)
        value = raw.get(key)
        if not isinstance(value, list) or not value:
            self.add(at, f"expected a non-empty list of {what}")
            return []
        return [(_at(at, i), item) for i, item in enumerate(value)]

    def strings_at(self, raw: dict[str, Any], key: str, where: str, what: str
                   ) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for at, value in self.items(raw, key, where, what):
            if isinstance(value, str) and value.strip():
                found.append((at, value.strip()))
            else:
                self.add(at, f"expected text, got {value!r}")
        return found

    def strings(self, raw: dict[str, Any], key: str, where: str, what: str) -> list[str]:
        return [value for _, value in self.strings_at(raw, key, where, what)]

    def member(self, value: Any, enum: type[E], where: str, allowed: tuple[E, ...], what: str
               ) -> E | None:
        if isinstance(value, str) and value in {e.value for e in enum}:
            return enum(value)
        self.add(where, f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
        return None

    def choice(self, raw: dict[str, Any], key: str, enum: type[E], default: E) -> E | None:
        value = raw.get(key, default.value)
        return self.member(value, enum, key, tuple(enum), key)

    def boolean(self, raw: dict[str, Any], key: str, where: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.add(_at(where, key), f"expected true or false, got {value!r}")
            return False
        return value

    def day(self, raw: dict[str, Any], key: str) -> date | None:
        value = raw.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(key, "is required" if value is None
                 else f"expected a date as YYYY-MM-DD, got {value!r}")
        return None

    def _slug(self, name: str, where: str) -> bool:
        if SLUG.match(name):
            return True
        self.add(where, f"{name!r} is not a source name (letters, digits, '_' and '-')")
        return False
