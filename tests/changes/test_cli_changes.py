"""``joinedup changes``: the same core from the command line, with its errors as exit codes."""

from __future__ import annotations

import re
from typing import Any

from changes_world import ASC, FIRE, POLICE, County
from typer.testing import CliRunner

from joinedup.cli import app


def cli(county: County, *args: str, env: dict[str, str] | None = None) -> Any:
    url = county.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(app, list(args), env={
        "JOINEDUP_DATABASE_URL": url, "JOINEDUP_OPERATOR": "de.cli", "COLUMNS": "200",
        **(env or {})})


def text(result: Any) -> str:
    return " ".join(result.output.replace("│", " ").split())


def test_report_show_accept_and_reject_from_the_command_line(county: County) -> None:
    made = cli(county, "changes", "report", "1", "--phone", "07700 900111")
    assert made.exit_code == 0, made.output
    change = int(re.search(r"change (\d+) \(phone\)", made.output).group(1))  # type: ignore[union-attr]
    assert f"of person 1 sent to 4 agencies: {ASC}, Children's Services, {POLICE}, {FIRE}" \
        in text(made)

    listed = text(cli(county, "changes", "list", "--organisation", POLICE))
    found = re.search(rf"(\d+) {change} {POLICE} 1 phone 07700900111 \S+ \S+ pending", listed)
    assert found, listed
    police = found.group(1)
    shown = text(cli(county, "changes", "show", police, "--organisation", POLICE))
    assert "police:N1 Phone 07700900111" in shown and "pending" in shown

    refused = cli(county, "changes", "accept", police, "--organisation", ASC)
    assert refused.exit_code == 1
    assert f"addressed to {POLICE}, which {ASC} does not act for" in text(refused)
    no_reason = cli(county, "changes", "reject", police, "--organisation", POLICE)
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    rejected = cli(county, "changes", "reject", police, "--reason", "Number not recognised",
                   "--organisation", POLICE)
    assert rejected.exit_code == 0 and f"rejected for {POLICE}" in rejected.output
    assert "Number not recognised" in text(cli(county, "changes", "show", police))
    assert f"{police} {change} {POLICE}" not in text(cli(county, "changes", "list",
                                                         "--status", "pending"))


def test_bad_input_exits_2_with_what_was_expected(county: County) -> None:
    both = cli(county, "changes", "report", "1", "--phone", "07700 900111", "--email", "a@b.org")
    assert both.exit_code == 2 and "give one change" in both.output
    bad = cli(county, "changes", "report", "1", "--email", "not an email")
    assert bad.exit_code == 2 and "expected an email address" in text(bad)
    status = cli(county, "changes", "list", "--status", "lost")
    assert status.exit_code == 2 and "status is one of pending, accepted, rejected" in text(status)
    unknown = cli(county, "changes", "show", "99999")
    assert unknown.exit_code == 2 and "no change notification with id 99999" in text(unknown)


def test_the_council_services_setting_decides_who_the_council_team_acts_for(
        county: County) -> None:
    made = cli(county, "changes", "report", "1", "--email", "mary.obrien@example.org")
    change = re.search(r"change (\d+) \(email\)", made.output).group(1)  # type: ignore[union-attr]
    team = ("--organisation", "Norfolk County Council Data Team")

    def agencies(env: dict[str, str] | None = None) -> set[str]:
        listed = text(cli(county, "changes", "list", *team, env=env))
        return {a for a in (ASC, "Children's Services", POLICE, FIRE)
                if re.search(rf"\d+ {change} {a} 1 email", listed)}

    assert agencies() == {ASC, "Children's Services", FIRE}
    assert agencies({"JOINEDUP_COUNCIL_SERVICES": f'["{ASC}"]'}) == {ASC}
    assert agencies({"JOINEDUP_COUNCIL": "Suffolk County Council"}) == set()
