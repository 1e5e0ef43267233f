"""The docs are tested against the code: every command they show runs, and every CLI command
is documented (Datasette's test_docs habit)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from joinedup.cli import app

DOCS = Path(__file__).parents[1] / "docs"
CONSOLE = re.compile(r"```console\n(.*?)```", re.S)


def commands_in(page: Path) -> list[str]:
    return [line[2:] for block in CONSOLE.findall(page.read_text(encoding="utf-8"))
            for line in block.splitlines() if line.startswith("$ ")]


def test_every_documented_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(DOCS / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    commands = commands_in(DOCS / "data-engineer.md")
    assert len(commands) >= 12
    runner = CliRunner()
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "joinedup"
        result = runner.invoke(app, argv[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"
    assert (tmp_path / "joinedup.db").exists()
    assert (tmp_path / "records.csv").read_text().startswith("source,record_id,")


def run_guide(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run every command a guide shows, in order, in an empty directory; their outputs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    runner = CliRunner()
    outputs = []
    for command in commands_in(DOCS / page):
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"
        outputs.append(result.output)
    return outputs


def test_linkage_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = run_guide("linkage.md", tmp_path, monkeypatch)
    assert any("trained model 1" in o for o in outputs)
    assert any("persons new 0, retired 0; merges and splits 0" in o for o in outputs)
    header = (tmp_path / "links.csv").read_text().splitlines()[0]
    assert header == "source,record_id,person_id,match_weight"


def test_planner_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = run_guide("emergency-planner.md", tmp_path, monkeypatch)
    assert any("match rate" in o for o in outputs)
    assert any(" emergency cards, current" in o for o in outputs)  # link rebuilt them
    assert any("Flood Zone 3" in o for o in outputs)
    assert any("signature valid" in o for o in outputs)
    header = (tmp_path / "fz3.csv").read_text().splitlines()[0]
    assert header.startswith("household_id,residence_uprn,")
    assert (tmp_path / "fz3.csv.sig").exists()


def _command_names() -> set[str]:
    root = get_command(app)
    names = set()
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            names.update(f"{name} {sub}" for sub in subcommands)
        else:
            names.add(name)
    return names


def test_every_cli_command_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    text += (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [n for n in sorted(_command_names()) if f"joinedup {n}" not in text]
    assert not missing, f"commands not documented: {missing}"


def test_every_setting_is_documented() -> None:
    from joinedup.settings import Settings

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields
               if f"JOINEDUP_{name.upper()}" not in readme]
    assert not missing, f"settings not documented in README.md: {missing}"


def test_dpo_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    runner = CliRunner()
    outputs = {}
    for command in commands_in(DOCS / "dpo.md"):
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}"
        outputs[command] = result.output
    assert "Agreements loaded: 6 new" in outputs["joinedup agreements load county/agreements"]
    verified = [o for c, o in outputs.items() if c == "joinedup audit verify"]
    assert verified and "audit log intact" in verified[-1]
    assert (tmp_path / "sar" / "sar-person-1.html").exists()
    assert "proof verified" in "".join(outputs.values())
    assert (tmp_path / "analytics.csv").read_text().count("\n") > 10


def test_accounts_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    password = "correct horse battery staple"
    runner = CliRunner()
    outputs = {}
    for command in commands_in(DOCS / "accounts.md"):
        # the commands that prompt for a password twice get it; the rest ignore stdin
        result = runner.invoke(app, shlex.split(command)[1:], input=f"{password}\n" * 2,
                               env={"COLUMNS": "200"})
        assert result.exit_code == 0, f"{command}\n{result.output}"
        outputs[command] = " ".join(result.output.replace("│", " ").split())
    assert "11 demo logins" in outputs["joinedup users demo"]
    demo = outputs["joinedup users demo"]
    assert "social_worker demo.social_worker joinedup-demo Adult Social Care" in demo
    assert "Locality Team" in demo  # the busiest key worker's team: a real caseload
    assert "jo.bloggs Jo Bloggs social_worker" in outputs["joinedup users list"]
    assert "Disabled demo.social_worker" in outputs["joinedup users disable demo.social_worker"]


def test_sensors_guide_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(DOCS / "examples" / "sensors", tmp_path / "examples" / "sensors")
    outputs = [" ".join(o.replace("│", " ").split())
               for o in run_guide("sensors.md", tmp_path, monkeypatch)]
    text = "\n".join(outputs)
    assert "4 sensors in examples/sensors/registry.csv: 4 new, 0 updated, 0 unchanged" in text
    # read, accepted, duplicates, corrected, late, out of order, rejected
    assert "1 examples/sensors/readings.csv 616 612 0 0 612 0 4" in text
    assert "2 examples/sensors/readings.csv 616 0 612 0 0 0 4" in text
    assert "3 examples/sensors/late.jsonl 5 5 0 1 5 5 0" in text
    assert "readings.csv:121 TRAFFIC-A47-009" in text and "-3 is negative" in text
    assert "TRAFFIC-A140-002 2025-03-10 08:00:00 147 141" in text
    assert "2025-03-10 12:45 2025-03-10 15:00 8" in text
    daily = (tmp_path / "a11-daily.csv").read_text().splitlines()
    assert daily[0] == "start,count,sum,mean,min,max,p95"
    assert daily[1].startswith("2025-03-10T00:00:00Z,88,")  # 96 less the 8 the outage lost
