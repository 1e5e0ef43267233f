"""The ``joinedup`` command: thin over the library, exit 2 and one clear line for bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from factories import (
    BAD_FILES,
    NHS_FAILING_CHECK,
    PEOPLE,
    definition_text,
    ingest_file,
    make_definition,
    one_line,
    person_definition,
    snapshot,
    table_counts,
    write_csv,
    write_definition,
    write_people_csv,
)
from sqlalchemy import Engine, select
from typer.main import get_command
from typer.testing import CliRunner, Result

from joinedup import __version__
from joinedup.cli import app
from joinedup.store import schema
from joinedup.store.database import head_revision
from joinedup.store.export import RECORD_COLUMNS
from joinedup.store.loads import list_loads, load_detail


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{result.exception!r}\n{result.output}")
    return result


def ok(*args: str | Path) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def bad_input(*args: str | Path) -> str:
    """Run a command that must fail with exit code 2; returns its stderr on one line."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip(), "the error is told on stderr"
    return one_line(result.stderr)


def people(tmp_path: Path) -> tuple[Path, Path]:
    """The standard person definition and data file, as paths for the command line."""
    return (Path(person_definition(tmp_path).path),
            write_people_csv(tmp_path / "people.csv"))


# -- help and version -------------------------------------------------------------------------

def _commands() -> dict[str, list[str]]:
    """Every command group with its subcommands ([] for a plain command)."""
    root = get_command(app)
    return {name: sorted(getattr(command, "commands", {}))
            for name, command in root.commands.items()}  # type: ignore[attr-defined]


def test_help_lists_every_command_with_a_description() -> None:
    commands = _commands()
    assert {"ingest", "ingest-manifest", "loads", "export", "sources", "db", "synth"} <= set(
        commands)

    text = ok("--help").stdout

    for name, subcommands in commands.items():
        [line] = [ln for ln in text.splitlines() if ln.split()[:1] == [name]]
        assert len(line.split()) > 2, f"{name} has no description in --help"
        assert not line.endswith("..."), f"{name}'s description is cut short: {line}"
        if subcommands:
            group = ok(name, "--help").stdout
            for sub in subcommands:
                [sub_line] = [ln for ln in group.splitlines() if ln.split()[:1] == [sub]]
                assert len(sub_line.split()) > 2, f"{name} {sub} has no description"
                assert not sub_line.endswith("..."), f"cut short: {sub_line}"
    assert commands["loads"] == ["list", "show"]
    assert commands["db"] == ["upgrade"]


@pytest.mark.parametrize("command", [
    ["ingest"], ["ingest-manifest"], ["loads", "list"], ["loads", "show"],
    ["export", "records"], ["sources", "check"], ["db", "upgrade"], ["synth"]])
def test_each_command_has_help(command: list[str]) -> None:
    assert "Usage:" in ok(*command, "--help").stdout


def test_version() -> None:
    assert ok("--version").stdout.strip() == f"joinedup {__version__}"


# -- ingest -----------------------------------------------------------------------------------

def test_ingest_loads_a_file_and_reports_the_counts(engine: Engine, db_url: str,
                                                    tmp_path: Path) -> None:
    definition, data = people(tmp_path)

    out = one_line(ok("ingest", definition, data, "--db", db_url).stdout)

    assert "asc_clients" in out
    with engine.connect() as connection:
        [load] = list_loads(connection)
    assert (load.source, load.rows_read, load.new, load.status) == (
        "asc_clients", 4, 4, "complete")
    assert load.operator  # who ran it is recorded


def test_ingest_twice_says_nothing_changed_and_force_reloads(engine: Engine, db_url: str,
                                                             tmp_path: Path) -> None:
    definition, data = people(tmp_path)
    ok("ingest", definition, data, "--db", db_url)

    again = one_line(ok("ingest", definition, data, "--db", db_url).stdout)
    assert "already loaded as load 1" in again
    assert "--force" in again

    ok("ingest", definition, data, "--force", "--db", db_url)
    with engine.connect() as connection:
        forced, first = list_loads(connection)
    assert (forced.new, forced.updated, forced.unchanged) == (0, 0, 4)
    assert first.id == 1


def test_ingest_of_a_bad_file_exits_2_naming_where_and_writes_nothing(
        engine: Engine, db_url: str, tmp_path: Path) -> None:
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "people.csv"))
    before = snapshot(engine)
    for case, (builder, row, column, fragment) in BAD_FILES.items():
        (tmp_path / case).mkdir()
        definition, data = builder(tmp_path / case)

        message = bad_input("ingest", definition.path, data, "--db", db_url)

        assert message.startswith("error: "), case
        assert fragment in message, case
        assert (definition.path if case == "person source not loaded" else str(data)
                ) in message, case
        if row is not None:
            assert f"row {row}" in message, case
        if column is not None:
            assert f"column {column!r}" in message, case
        assert snapshot(engine) == before, case


def test_ingest_of_a_missing_data_file(db_url: str, tmp_path: Path) -> None:
    definition, _ = people(tmp_path)

    message = bad_input("ingest", definition, tmp_path / "nope.csv", "--db", db_url)

    assert "nope.csv" in message
    assert "file not found" in message


def test_ingest_with_an_unknown_key_in_the_definition_writes_nothing(
        engine: Engine, db_url: str, tmp_path: Path) -> None:
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "people.csv"))
    before = snapshot(engine)
    bad = write_definition(tmp_path / "bad.yaml", name="bad_feed", colour="blue")

    message = bad_input("ingest", bad, write_people_csv(tmp_path / "p.csv"), "--db", db_url)

    assert "bad.yaml" in message
    assert "unknown key 'colour'" in message
    assert snapshot(engine) == before


def test_a_bad_database_url_is_one_clear_error(tmp_path: Path) -> None:
    result = run("ingest", *people(tmp_path), "--db", "no such url")

    assert result.exit_code == 1
    assert "not a database URL" in one_line(result.stderr)


# -- ingest-manifest --------------------------------------------------------------------------

def write_manifest(path: Path, loads: list[dict[str, str]]) -> Path:
    path.write_text(yaml.safe_dump({"loads": loads}), encoding="utf-8")
    return path


def test_ingest_manifest_loads_in_order(engine: Engine, db_url: str, tmp_path: Path) -> None:
    definition, data = people(tmp_path)
    contacts = make_definition(tmp_path, name="asc_contacts", kind="contact",
                               person_source="asc_clients", record_id="cid",
                               fields={"person": "client", "occurred_at": "when"})
    write_csv(tmp_path / "contacts.csv", ["cid", "client", "when"],
              [["C1", "P1", "2024-04-03 09:15"], ["C2", "P2", "2024-04-04 09:15"]])
    manifest = write_manifest(tmp_path / "manifest.yaml", [
        {"definition": definition.name, "data": data.name},
        {"definition": Path(contacts.path).name, "data": "contacts.csv"}])

    ok("ingest-manifest", manifest, "--db", db_url)

    with engine.connect() as connection:
        assert [r.source for r in list_loads(connection)] == ["asc_contacts", "asc_clients"]
    assert table_counts(engine)["contact"] == 2


def test_ingest_manifest_checks_every_entry_before_loading(engine: Engine, db_url: str,
                                                           tmp_path: Path) -> None:
    definition, data = people(tmp_path)
    write_definition(tmp_path / "bad.yaml", name="bad_feed", colour="blue")
    manifest = write_manifest(tmp_path / "manifest.yaml", [
        {"definition": definition.name, "data": data.name},
        {"definition": "bad.yaml", "data": "people.csv"},
        {"definition": definition.name, "data": "missing.csv"}])

    message = bad_input("ingest-manifest", manifest, "--db", db_url)

    assert "unknown key 'colour'" in message
    assert "missing.csv not found" in message
    assert sum(table_counts(engine).values()) == 0


# -- loads ------------------------------------------------------------------------------------

def test_loads_list_and_show(engine: Engine, db_url: str, tmp_path: Path) -> None:
    assert "No loads yet" in ok("loads", "list", "--db", db_url).stdout
    definition = person_definition(tmp_path).path
    data = write_people_csv(tmp_path / "people.csv", [
        [*PEOPLE[0][:5], NHS_FAILING_CHECK, *PEOPLE[0][6:]], PEOPLE[1], PEOPLE[1]])

    loaded = one_line(ok("ingest", definition, data, "--db", db_url).stdout)
    listed = one_line(ok("loads", "list", "--db", db_url).stdout)
    shown = one_line(ok("loads", "show", "1", "--db", db_url).stdout)

    assert "joinedup loads show" in loaded  # where to look for what went wrong
    assert "asc_clients" in listed
    assert "Adult Social Care" in listed
    assert "Load 1" in shown
    assert str(data) in shown
    assert "quarantined 1" in shown
    assert "warnings 1" in shown
    assert "duplicate record id" in shown  # the reason a row was quarantined
    assert NHS_FAILING_CHECK in shown  # the value warned about
    assert "Modulus 11" in shown  # and what was expected
    with engine.connect() as connection:
        detail = load_detail(connection, 1)
    assert detail is not None
    assert [i.row_no for i in detail.quarantine] == [4]
    assert "asc_clients" in ok("loads", "list", "--source", "asc_clients", "--db", db_url).stdout
    assert "asc_clients" not in ok("loads", "list", "--source", "other", "--db", db_url).stdout


def test_loads_show_of_an_unknown_load(db_url: str) -> None:
    assert "there is no load 42" in bad_input("loads", "show", "42", "--db", db_url)


# -- export -----------------------------------------------------------------------------------

def test_export_records(engine: Engine, db_url: str, tmp_path: Path) -> None:
    ingest_file(engine, person_definition(tmp_path), write_people_csv(tmp_path / "people.csv"))
    police = make_definition(tmp_path, name="police_nominals", agency="Police",
                             fields={"full_name": "name", "postcode": "pc"})
    ingest_file(engine, police, write_csv(tmp_path / "n.csv", ["id", "name", "pc"],
                                          [["N1", "SMITH, John", "NR19 1AB"]]))
    output = tmp_path / "records.csv"

    out = one_line(ok("export", "records", "-o", output, "--organisation", "Adult Social Care",
                      "--db", db_url).stdout)

    assert "4 records" in out
    assert "Withheld, no agreement lets this organisation export them: police_nominals" in out
    with output.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["source", "record_id"]
    assert rows[0][2:] == list(RECORD_COLUMNS)
    by_id = {(r[0], r[1]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert {s for s, _ in by_id} == {"asc_clients"}
    mary = by_id[("asc_clients", "P1")]
    assert (mary["date_of_birth"], mary["nhs_number"]) == ("1970-02-01", PEOPLE[0][5])
    assert mary["identifiers"] == ""

    ok("export", "records", "--output", output, "--source", "police_nominals",
       "--organisation", "Police", "--db", db_url)
    assert output.read_text(encoding="utf-8").splitlines()[1:] == [
        "police_nominals,N1,John,,Smith,,,,,,NR19 1AB,,,"]
    ok("export", "records", "-o", output, "--source", "nobody", "--db", db_url)
    assert output.read_text(encoding="utf-8").splitlines()[1:] == []
    with engine.connect() as c:
        exports = c.execute(select(schema.audit_event.c.actor, schema.audit_event.c.reason)
                            .where(schema.audit_event.c.action == "export_records")).all()
    assert [r for _, r in exports][:2] == [
        "4 records from asc_clients; withheld (no agreement): police_nominals",
        "1 records from police_nominals; withheld (no agreement): asc_clients"]


# -- sources check ----------------------------------------------------------------------------

def test_sources_check_a_good_definition(tmp_path: Path) -> None:
    definition, _ = people(tmp_path)

    out = one_line(ok("sources", "check", definition).stdout)

    assert "ok" in out
    assert "asc_clients" in out


def test_sources_check_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    good, _ = people(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(definition_text(name="bad feed", format="parquet", colour="blue",
                                   fields={"given_name": "forename", "shoe_size": "s"}),
                   encoding="utf-8")
    worse = tmp_path / "worse.yaml"
    worse.write_text("name: [unclosed", encoding="utf-8")

    result = run("sources", "check", good, bad, worse)

    assert result.exit_code == 2
    errors = one_line(result.stderr)
    for fragment in ("bad.yaml: 5 problems", "unknown key 'colour'", "must be a slug",
                     "unknown format 'parquet'", "unknown canonical field 'shoe_size'",
                     "needs full_name or family_name", "worse.yaml", "not valid YAML"):
        assert fragment in errors
    assert "asc_clients.yaml: ok" in one_line(result.stdout)


def test_sources_check_shows_problems_verbatim(tmp_path: Path) -> None:
    bad = write_definition(tmp_path / "bad.yaml", **{"[/red]": 1, "[bold]note": 2})

    message = bad_input("sources", "check", bad)

    assert "unknown key '[/red]'" in message
    assert "unknown key '[bold]note'" in message


# -- db ---------------------------------------------------------------------------------------

def test_db_upgrade(db_url: str) -> None:
    out = one_line(ok("db", "upgrade", "--db", db_url).stdout)

    assert f"schema version {head_revision()}" in out
    assert f"schema version {head_revision()}" in one_line(
        ok("db", "upgrade", "--db", db_url).stdout)
