"""Sharing agreements as code: every problem in every file at once, with file and place;
versions only move forward; the register answers what is in force; a source whose agreements
have all lapsed may not be loaded; and the commands over all of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from factories import (
    ingest_file,
    make_definition,
    one_line,
    table_counts,
    write_people_csv,
)
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from joinedup.cli import app
from joinedup.errors import AgreementError, GovernError
from joinedup.govern.agreements import Agreement, lint, parse_agreement, read_directory
from joinedup.govern.register import (
    check_source_may_load,
    history,
    load_agreements,
    register,
)
from joinedup.govern.vocabulary import Group, Purpose, Role
from joinedup.store import schema
from joinedup.store.loads import register_source
from joinedup.synth import generate_county

SHIPPED = Path(__file__).parents[2] / "joinedup" / "synth" / "agreements"
SYNTHETIC_DAY = date(2024, 12, 27)
NOW = datetime(2026, 11, 22, 10, 0)
ASC, HEALTH = "Adult Social Care", "Norfolk Community Health and Care NHS Trust"


def doc(**changes: Any) -> dict[str, Any]:
    """A valid agreement (special-category data shared, so Art. 9 given), changed as asked."""
    base: dict[str, Any] = {
        "agreement": "DSA-TEST-001", "version": 1, "title": "Direct care",
        "parties": [ASC, HEALTH], "purposes": ["direct_care"],
        "lawful_basis": {"article_6": "6(1)(e) public task: Care Act 2014 s.1",
                         "article_9": "9(2)(h) health or social care"},
        "dpia": "DPIA-1", "valid_from": "2024-04-01", "valid_to": "2028-03-31",
        "shares": [{"from": ["asc_clients", "asc_flags"],
                    "fields": ["identity", "flags.special_category"],
                    "to": [{"organisation": HEALTH, "roles": ["community_nurse"]}]}]}
    return {**base, **changes}


def write(directory: Path, name: str, document: dict[str, Any] | str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    (directory / name).write_text(text, encoding="utf-8")
    return directory / name


def refused(directory: Path) -> AgreementError:
    with pytest.raises(AgreementError) as caught:
        read_directory(directory)
    return caught.value


def agreement(**changes: Any) -> Agreement:
    text = yaml.safe_dump(doc(**changes), sort_keys=False)
    return parse_agreement(text, path=f"{changes.get('agreement', 'DSA-TEST-001')}.yaml")


# -- the shipped set ---------------------------------------------------------------------------

def test_the_shipped_agreements_validate_and_are_in_force_on_both_days(engine: Engine) -> None:
    shipped = read_directory(SHIPPED)

    with engine.begin() as c:
        result = load_agreements(c, shipped, operator="tester", now=NOW)
        reg = register(c)

    assert result.new == len(shipped) >= 6 and result.unchanged == 0
    assert len(reg.in_force(SYNTHETIC_DAY)) == len(reg.in_force(NOW.date())) == len(shipped)
    assert lint(shipped, today=NOW.date()) == []
    assert lint(shipped, today=SYNTHETIC_DAY) == []
    pseudonymised = [a for a in shipped if a.pseudonymised]
    assert [a.purposes for a in pseudonymised] == [frozenset({Purpose.ANALYTICS})]
    sealed = [s for a in shipped for s in a.shares if s.sealed]
    assert [(s.sources, s.recipients[0].roles) for s in sealed] == [
        (frozenset({"childrens_services"}), frozenset({Role.SOCIAL_WORKER}))]
    criminal = [r for a in shipped for s in a.shares if Group.FLAGS_CRIMINAL_OFFENCE in s.groups
                for r in s.recipients]
    assert criminal and {role for r in criminal for role in r.roles} == {Role.SOCIAL_WORKER}


def test_a_generated_county_carries_the_shipped_agreements(tmp_path: Path) -> None:
    county = generate_county(tmp_path / "county", people=20, seed=3)

    copied = sorted((county.outdir / "agreements").iterdir())
    assert [p.name for p in copied] == sorted(p.name for p in SHIPPED.glob("*.yaml"))
    for path in copied:
        assert path.read_bytes() == (SHIPPED / path.name).read_bytes()
    assert {a.sources for a in read_directory(county.outdir / "agreements")}  # and they load


# -- validation: one rule at a time, each named by file and place ------------------------------

def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a value inside a document by a dotted path with [i] indexes."""
    def change(d: dict[str, Any]) -> None:
        parts = path.replace("[", ".").replace("]", "").split(".")
        target: Any = d
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = d
        for part in parents:
            target = target[part]
        del target[last]
    return change


CRIMINAL_SHARE = {"from": ["police_flags"], "fields": ["flags.criminal_offence"],
                  "to": [{"organisation": ASC, "roles": ["social_worker"]}]}

RULES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown key", _set("colour", "blue"), "colour",
     "unknown key 'colour'; expected one of agreement, version"),
    ("unknown share key", _set("shares[0].too", []), "shares[0].too", "unknown key 'too'"),
    ("unknown recipient key", _set("shares[0].to[0].team", "x"), "shares[0].to[0].team",
     "expected one of organisation, roles"),
    ("unknown basis key", _set("lawful_basis.article_8", "x"), "lawful_basis.article_8",
     "expected one of article_6, article_9, article_10"),
    ("code not a slug", _set("agreement", "DSA 1/2"), "agreement", "not a code of letters"),
    ("code missing", _drop("agreement"), "agreement", "is required"),
    ("code a number", _set("agreement", 17), "agreement", "expected text"),
    ("version zero", _set("version", 0), "version", "whole number of 1 or more"),
    ("version text", _set("version", "2"), "version", "whole number of 1 or more"),
    ("version boolean", _set("version", True), "version", "whole number of 1 or more"),
    ("title missing", _set("title", " "), "title", "is required"),
    ("parties empty", _set("parties", []), "parties", "non-empty list of controllers"),
    ("party not text", _set("parties[1]", 7), "parties[1]", "expected text"),
    ("purposes missing", _drop("purposes"), "purposes", "non-empty list of purposes"),
    ("purpose unknown", _set("purposes[0]", "care"), "purposes[0]",
     "unknown purpose 'care'; expected one of direct_care, safeguarding, customer_service"),
    ("statutory purpose", _set("purposes", ["direct_care", "subject_access"]), "purposes[1]",
     "subject_access needs no sharing agreement"),
    ("article 6 missing", _drop("lawful_basis.article_6"), "lawful_basis.article_6",
     "is required"),
    ("article 6 not 6(1)", _set("lawful_basis.article_6", "public task"),
     "lawful_basis.article_6", "starting '6(1)('"),
    ("lawful basis missing", _drop("lawful_basis"), "lawful_basis", "is required"),
    ("article 9 missing", _drop("lawful_basis.article_9"), "lawful_basis.article_9",
     "is required: shares[0] shares flags.special_category"),
    ("article 9 not 9(2)", _set("lawful_basis.article_9", "health"), "lawful_basis.article_9",
     "starting '9(2)('"),
    ("article 9 without special category", _set("shares[0].fields", ["identity"]),
     "lawful_basis.article_9", "no share gives special-category (Art. 9) data"),
    ("article 10 missing", _set("shares", [doc()["shares"][0], CRIMINAL_SHARE]),
     "lawful_basis.article_10", "is required: shares[1] shares flags.criminal_offence"),
    ("article 10 without criminal data", _set("lawful_basis.article_10", "Sch. 1 para 18"),
     "lawful_basis.article_10", "no share gives criminal-offence (Art. 10) data"),
    ("dpia missing", _drop("dpia"), "dpia", "is required"),
    ("bad date", _set("valid_from", "2024-13-01"), "valid_from",
     "expected a date as YYYY-MM-DD, got '2024-13-01'"),
    ("a time is not a date", _set("valid_to", datetime(2028, 3, 31, 12)), "valid_to",
     "expected a date"),
    ("date missing", _drop("valid_to"), "valid_to", "is required"),
    ("ends before it starts", _set("valid_to", "2024-03-31"), "valid_to",
     "must be after valid_from (2024-04-01)"),
    ("relationship unknown", _set("relationship", "sometimes"), "relationship",
     "expected one of required, not_required"),
    ("pseudonymised not boolean", _set("pseudonymised", "yes"), "pseudonymised",
     "expected true or false"),
    ("pseudonymised for direct care", _set("pseudonymised", True), "purposes",
     "a pseudonymised agreement is for analytics only"),
    ("identifiable analytics", _set("purposes", ["direct_care", "analytics"]), "purposes",
     "set pseudonymised: true"),
    ("shares empty", _set("shares", []), "shares", "non-empty list of shares"),
    ("share not a mapping", _set("shares[0]", "asc_clients"), "shares[0]",
     "expected a mapping with from, fields and to"),
    ("from empty", _set("shares[0].from", []), "shares[0].from", "non-empty list of source"),
    ("from not a slug", _set("shares[0].from[1]", "asc flags"), "shares[0].from[1]",
     "'asc flags' is not a source name"),
    ("group unknown", _set("shares[0].fields[1]", "flags"), "shares[0].fields[1]",
     "unknown field group 'flags'; expected one of identity, contact_details, contacts"),
    ("to empty", _set("shares[0].to", []), "shares[0].to", "non-empty list of recipients"),
    ("organisation missing", _set("shares[0].to[0]", {"roles": ["community_nurse"]}),
     "shares[0].to[0].organisation", "is required"),
    ("roles empty", _set("shares[0].to[0].roles", []), "shares[0].to[0].roles",
     "non-empty list of roles"),
    ("role unknown", _set("shares[0].to[0].roles", ["community_nurse", "nurse"]),
     "shares[0].to[0].roles[1]", "unknown role 'nurse'; expected one of call_centre_advisor"),
    ("role never for these purposes", _set("shares[0].to[0].roles", ["community_nurse",
                                                                      "analyst"]),
     "shares[0].to[0].roles[1]",
     "the role analyst may act for none of this agreement's purposes (direct_care); it may "
     "act for analytics"),
    ("sealed not boolean", _set("shares[0].sealed", 1), "shares[0].sealed",
     "expected true or false"),
    ("sealed for customer service", lambda d: (
        d.update(purposes=["customer_service"], lawful_basis={"article_6": "6(1)(e) x"}),
        d["shares"][0].update(sealed=True, fields=["identity"],
                              to=[{"organisation": "CS", "roles": ["call_centre_advisor"]}])),
     "shares[0].sealed", "sealed records are shared only for direct_care or safeguarding"),
    ("sealed and pseudonymised", lambda d: (
        d.update(purposes=["analytics"], pseudonymised=True,
                 lawful_basis={"article_6": "6(1)(e) x"}),
        d["shares"][0].update(sealed=True, fields=["identity"],
                              to=[{"organisation": "BI", "roles": ["analyst"]}])),
     "shares[0].sealed", "a pseudonymised agreement never shares sealed records"),
]


@pytest.mark.parametrize(("change", "where", "message"), [r[1:] for r in RULES],
                         ids=[r[0] for r in RULES])
def test_each_rule_names_the_file_and_the_place(tmp_path: Path,
                                                change: Callable[[dict[str, Any]], None],
                                                where: str, message: str) -> None:
    document = copy.deepcopy(doc())
    change(document)
    path = write(tmp_path, "care.yaml", document)

    error = refused(tmp_path)

    assert error.exit_code == 2
    found = [(p, problem.where, problem.message) for p, problem in error.problems]
    assert any(p == str(path) and w == where and message in m for p, w, m in found), found
    assert f"{path}: {where}: " in error.message


def test_a_valid_document_passes_and_dates_may_be_dates_or_text(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", doc())
    text = yaml.safe_dump(doc(agreement="DSA-TEST-002"), sort_keys=False)
    write(tmp_path, "b.yaml", text.replace("'2024-04-01'", "2024-04-01"))

    a, b = read_directory(tmp_path)

    assert a.valid_from == b.valid_from == date(2024, 4, 1)
    assert (a.code, a.version, a.relationship_required, a.pseudonymised) == (
        "DSA-TEST-001", 1, True, False)
    assert a.shares[0].sources == frozenset({"asc_clients", "asc_flags"})
    assert a.shares[0].recipients[0].roles == frozenset({Role.COMMUNITY_NURSE})
    assert a.path == str(tmp_path / "a.yaml") and a.sha256 != b.sha256


def test_yaml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "agreement: DSA-1\nversion: 1\ntitle: [unclosed\n")

    [(where, problem)] = refused(tmp_path).problems

    assert where == str(path)
    assert problem.where.startswith("line ") and "not valid YAML" in problem.message


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "list.yaml", "- agreement: DSA-1\n")
    [(_, problem)] = refused(tmp_path).problems
    assert "expected a mapping" in problem.message


def test_a_code_given_twice_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", doc())
    second = write(tmp_path, "b.yaml", doc(version=2, title="Changed"))

    [(path, problem)] = refused(tmp_path).problems

    assert (path, problem.where) == (str(second), "agreement")
    assert "DSA-TEST-001 is also the code of" in problem.message and "a.yaml" in problem.message


def test_an_empty_or_missing_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no agreements here", encoding="utf-8")
    assert "no agreement files (*.yaml)" in refused(tmp_path).message
    assert "not a directory" in refused(tmp_path / "absent").message


def test_every_problem_in_two_broken_files_is_reported_at_once(tmp_path: Path) -> None:
    broken = doc(version=0, purposes=["care"])
    broken["shares"][0]["to"][0]["roles"] = ["nurse"]
    del broken["lawful_basis"]["article_9"]
    first = write(tmp_path, "a.yaml", broken)
    second = write(tmp_path, "b.yaml", doc(agreement="DSA-TEST-002", valid_to="someday",
                                           colour="blue"))
    write(tmp_path, "c.yaml", doc(agreement="DSA-TEST-003"))  # a good one among them

    error = refused(tmp_path)

    found = {(Path(p).name, problem.where) for p, problem in error.problems}
    assert found == {("a.yaml", "version"), ("a.yaml", "purposes[0]"),
                     ("a.yaml", "shares[0].to[0].roles[0]"),
                     ("a.yaml", "lawful_basis.article_9"),
                     ("b.yaml", "valid_to"), ("b.yaml", "colour")}
    assert error.message.startswith("6 problems in sharing agreements:")
    assert str(first) in error.message and str(second) in error.message


def test_parse_agreement_raises_with_its_path() -> None:
    with pytest.raises(AgreementError) as caught:
        parse_agreement("agreement: DSA-1\n", path="inline.yaml")
    assert {p for p, _ in caught.value.problems} == {"inline.yaml"}
    assert {p.where for _, p in caught.value.problems} >= {"version", "title", "shares"}


# -- loading: versions only move forward -------------------------------------------------------

def _codes(engine: Engine) -> list[tuple[str, int]]:
    t = schema.agreement
    with engine.connect() as c:
        return [(r.code, r.version) for r in c.execute(select(t.c.code, t.c.version)
                                                       .order_by(t.c.code, t.c.version))]


def test_reloading_the_same_text_changes_nothing(engine: Engine) -> None:
    first = [agreement(), agreement(agreement="DSA-TEST-002")]
    with engine.begin() as c:
        loaded = load_agreements(c, first, operator="tester", now=NOW)
    with engine.begin() as c:
        again = load_agreements(c, first, operator="someone else", now=NOW)

    assert (loaded.new, loaded.unchanged, loaded.codes) == (
        2, 0, ("DSA-TEST-001/v1", "DSA-TEST-002/v1"))
    assert (again.new, again.unchanged, again.loaded) == (0, 2, ())
    assert _codes(engine) == [("DSA-TEST-001", 1), ("DSA-TEST-002", 1)]
    t = schema.agreement
    with engine.connect() as c:
        row = c.execute(select(t).where(t.c.code == "DSA-TEST-001")).one()
    assert (row.loaded_by, row.document, row.sha256) == ("tester", first[0].text,
                                                         first[0].sha256)


def test_a_changed_text_under_the_same_version_is_refused(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [agreement()], operator="tester", now=NOW)
    changed = agreement(title="Direct care, widened")

    with pytest.raises(AgreementError) as caught, engine.begin() as c:
        load_agreements(c, [agreement(agreement="DSA-TEST-002"), changed], operator="t",
                        now=NOW)

    [(path, problem)] = caught.value.problems
    assert path == changed.path and problem.where == "version"
    assert "already loaded with a different text; bump the version to 2" in problem.message
    assert _codes(engine) == [("DSA-TEST-001", 1)]  # nothing of the failed load stays


def test_a_new_version_is_the_one_in_force_and_the_old_one_stays(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [agreement()], operator="tester", now=NOW)
    renewed = agreement(version=2, title="Direct care (renewed)", valid_to="2030-03-31")
    with engine.begin() as c:
        result = load_agreements(c, [renewed], operator="tester", now=NOW)
        reg = register(c)
        versions = history(c)

    assert result.codes == ("DSA-TEST-001/v2",)
    assert [(a.version, a.title) for a in reg.agreements] == [(2, "Direct care (renewed)")]
    assert _codes(engine) == [("DSA-TEST-001", 1), ("DSA-TEST-001", 2)]
    assert [(v.agreement.version, v.current) for v in versions] == [(2, True), (1, False)]
    old = reg.version("DSA-TEST-001", 1)
    assert old is not None and old.title == "Direct care"
    assert reg.version("DSA-TEST-001", 9) is None


def test_an_older_version_than_the_newest_is_refused(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [agreement(version=3)], operator="tester", now=NOW)

    with pytest.raises(AgreementError, match="version 2 is older than version 3"), \
            engine.begin() as c:
        load_agreements(c, [agreement(version=2)], operator="tester", now=NOW)


# -- the register ------------------------------------------------------------------------------

def test_the_register_answers_by_day_and_by_source(engine: Engine) -> None:
    agreements = [agreement(valid_from="2024-04-01", valid_to="2025-03-31"),
                  agreement(agreement="DSA-TEST-002", valid_from="2025-04-01",
                            valid_to="2026-03-31",
                            shares=[{"from": ["police"], "fields": ["identity"],
                                     "to": [{"organisation": ASC,
                                             "roles": ["social_worker"]}]}],
                            lawful_basis={"article_6": "6(1)(e) public task"})]
    with engine.begin() as c:
        load_agreements(c, agreements, operator="tester", now=NOW)
        reg = register(c)

    def codes(found: list[Agreement]) -> list[str]:
        return [a.code for a in found]

    assert codes(reg.in_force(date(2024, 3, 31))) == []
    assert codes(reg.in_force(date(2024, 4, 1))) == ["DSA-TEST-001"]
    assert codes(reg.in_force(date(2025, 3, 31))) == ["DSA-TEST-001"]  # the last day counts
    assert codes(reg.in_force(date(2025, 4, 1))) == ["DSA-TEST-002"]
    assert codes(reg.in_force(date(2026, 4, 1))) == []
    assert codes(reg.for_source("asc_flags")) == ["DSA-TEST-001"]
    assert codes(reg.for_source("police")) == ["DSA-TEST-002"]
    assert reg.for_source("libraries") == []


# -- may a source be loaded? -------------------------------------------------------------------

def _police(**changes: Any) -> Agreement:
    return agreement(**{"agreement": "DSA-NFK-003", "version": 2,
                        "lawful_basis": {"article_6": "6(1)(e) public task"},
                        "shares": [{"from": ["police", "police_flags"],
                                    "fields": ["identity"],
                                    "to": [{"organisation": ASC,
                                            "roles": ["social_worker"]}]}],
                        "valid_from": "2021-04-01", "valid_to": "2024-03-31", **changes})


def test_a_source_no_agreement_names_may_always_load(engine: Engine) -> None:
    with engine.begin() as c:
        check_source_may_load(c, "police", NOW.date())  # nothing loaded at all
        load_agreements(c, [agreement()], operator="tester", now=NOW)
        check_source_may_load(c, "police", NOW.date())


def test_a_source_may_load_while_an_agreement_naming_it_is_in_force(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [_police()], operator="tester", now=NOW)
        check_source_may_load(c, "police", date(2024, 3, 31))


def test_a_source_whose_agreement_expired_is_refused_by_name_and_date(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [_police()], operator="tester", now=NOW)

        with pytest.raises(GovernError) as caught:
            check_source_may_load(c, "police_flags", date(2024, 4, 1))

    assert caught.value.message == (
        "source 'police_flags' may not be loaded: its sharing agreement DSA-NFK-003 (version 2) "
        "expired on 2024-03-31; load a renewed agreement with `joinedup agreements load DIR` "
        "first")


def test_a_load_into_a_source_whose_agreement_lapsed_writes_nothing(engine: Engine,
                                                                      tmp_path: Path) -> None:
    with engine.begin() as c:
        load_agreements(c, [_police()], operator="tester", now=NOW)
    definition = make_definition(tmp_path, name="police", agency="Norfolk Constabulary")

    with pytest.raises(GovernError, match=r"its sharing agreement DSA-NFK-003 .* expired"):
        ingest_file(engine, definition, write_people_csv(tmp_path / "people.csv"))

    counts = table_counts(engine)
    assert (counts["source_record"], counts["load"]) == (0, 0)


def test_every_lapsed_agreement_is_named(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [_police(), _police(agreement="DSA-NFK-009", version=1,
                                               valid_from="2027-01-01",
                                               valid_to="2029-12-31")],
                        operator="tester", now=NOW)
        with pytest.raises(GovernError) as caught:
            check_source_may_load(c, "police", NOW.date())

    assert ("agreements DSA-NFK-003 (version 2) expired on 2024-03-31, DSA-NFK-009 (version 1) "
            "starts on 2027-01-01") in caught.value.message


def test_a_renewal_loaded_before_it_starts_leaves_the_current_version_in_force(
        engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [_police(valid_to="2027-03-31")], operator="tester", now=NOW)
        load_agreements(c, [_police(version=3, valid_from="2027-04-01",
                                    valid_to="2030-03-31")], operator="tester", now=NOW)
        reg = register(c)
        check_source_may_load(c, "police", date(2026, 11, 22))

    assert [a.version for a in reg.in_force(date(2026, 11, 22))] == [2]
    assert [a.version for a in reg.in_force(date(2027, 4, 1))] == [3]
    assert reg.in_force(date(2030, 4, 1)) == []


def test_a_renewal_lets_the_source_load_again(engine: Engine) -> None:
    with engine.begin() as c:
        load_agreements(c, [_police()], operator="tester", now=NOW)
        load_agreements(c, [_police(version=3, valid_from="2024-04-01",
                                    valid_to="2028-03-31")], operator="tester", now=NOW)
        check_source_may_load(c, "police", NOW.date())


# -- lint --------------------------------------------------------------------------------------

def test_lint_warns_of_an_ending_agreement_a_non_party_and_an_unknown_source() -> None:
    ending = agreement(valid_to="2026-12-31",
                       shares=[{"from": ["asc_clients", "asc_flgs"],
                                "fields": ["identity", "flags.special_category"],
                                "to": [{"organisation": "Somebody Else",
                                        "roles": ["social_worker"]}]}])

    found = [(p.where, p.message) for _, p in lint(
        [ending], today=date(2026, 11, 22), known_sources={"asc_clients", "asc_flags"})]

    assert found == [
        ("valid_to", "ends on 2026-12-31, in 39 days: renew it as a new version before then"),
        ("shares[0].to[0].organisation",
         "'Somebody Else' receives data but is not among the parties"),
        ("shares[0].from",
         "not loaded into the store yet: 'asc_flgs' (did you mean 'asc_flags'?)")]
    assert len(lint([ending], today=date(2026, 11, 22), known_sources=set())) == 2


# -- command line ------------------------------------------------------------------------------

def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    return result


def test_check_lists_the_agreements_and_creates_no_database(tmp_path: Path) -> None:
    db = tmp_path / "none.db"

    result = run("agreements", "check", SHIPPED, "--db", f"sqlite:///{db}")

    assert result.exit_code == 0, result.output
    count = len(list(SHIPPED.glob("*.yaml")))
    assert f"{count} agreements OK" in result.stdout
    assert "DSA-NFK-001" in result.stdout and "Health and social care" in result.stdout
    assert not db.exists()


def test_check_fails_with_exit_2_naming_the_file_and_place(tmp_path: Path) -> None:
    path = write(tmp_path / "agreements", "bad.yaml", doc(purposes=["care"]))

    result = run("agreements", "check", tmp_path / "agreements")

    assert result.exit_code == 2
    assert f"{path}: purposes[0]: unknown purpose 'care'" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_warns_without_failing(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as c:
        register_source(c, name="asc_flag", agency_name=ASC, kind="flag", fmt="csv",
                        definition="", definition_sha256="", description="",
                        person_source_id=None, now=NOW)
    soon = (date.today() + timedelta(days=10)).isoformat()
    write(tmp_path, "a.yaml", doc(valid_to=soon))

    result = run("agreements", "check", tmp_path, "--db", url)

    assert result.exit_code == 0, result.output
    assert f"valid_to: ends on {soon}, in 10 days" in result.stderr
    assert ("shares[0].from: not loaded into the store yet: 'asc_clients', 'asc_flags' (did "
            "you mean 'asc_flag'?)") in one_line(result.stderr)


def test_load_then_list(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    write(tmp_path / "v1", "a.yaml", doc())
    write(tmp_path / "v2", "a.yaml", doc(version=2, title="Direct care (renewed)"))

    first = run("agreements", "load", tmp_path / "v1", "--db", url)
    again = run("agreements", "load", tmp_path / "v1", "--db", url)
    renewed = run("agreements", "load", tmp_path / "v2", "--db", url)
    listed = run("agreements", "list", "--db", url)
    every = run("agreements", "list", "--all", "--db", url)

    assert first.exit_code == again.exit_code == renewed.exit_code == 0, first.output
    assert "1 new, 0 unchanged" in first.stdout and "DSA-TEST-001 version 1" in first.stdout
    assert "0 new, 1 unchanged" in again.stdout
    assert "1 new, 0 unchanged" in renewed.stdout
    assert listed.exit_code == 0 and "1 agreements in force" in listed.stdout
    assert "Direct care (renewed)" in listed.stdout
    assert every.exit_code == 0 and "superseded" in every.stdout and "in force" in every.stdout
    with engine.connect() as c:
        assert [a.version for a in register(c).agreements] == [2]


def test_load_refuses_a_changed_text_with_exit_2(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    write(tmp_path / "v1", "a.yaml", doc())
    path = write(tmp_path / "changed", "a.yaml", doc(title="Changed"))

    assert run("agreements", "load", tmp_path / "v1", "--db", url).exit_code == 0
    result = run("agreements", "load", tmp_path / "changed", "--db", url)

    assert result.exit_code == 2
    assert f"{path}: version: DSA-TEST-001 version 1 is already loaded" in result.stderr
