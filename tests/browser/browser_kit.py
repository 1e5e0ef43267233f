"""What the browser tests share besides fixtures: the CLI run against the county's store, a
table and its CSV download, and the screenshots for the docs. A module of its own, because
``from conftest import`` finds whichever test directory's conftest was imported first."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from joinedup.cli import app as cli_app

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def cli(url: str, *args: str, key_dir: Path) -> Any:
    result = CliRunner().invoke(cli_app, [*args, "--db", url], env={
        "JOINEDUP_KEY_DIR": str(key_dir), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result


@dataclass(frozen=True)
class Download:
    """A table as the page shows it, and the CSV its download link saves."""

    name: str
    shown: list[list[str]]
    rows: list[list[str]]


def download_table(page: Any, section: str, link: str, folder: Path) -> Download:
    """Open the table under ``section`` (a ``<details>``), read its rows, and save the CSV
    behind the link named ``link``: what a reader sees and what they download."""
    found = page.locator(section)
    found.locator("summary").click()
    shown = [[cell.strip() for cell in row.split("\t")]
             for row in found.locator("tbody tr").all_inner_texts()]
    with page.expect_download() as waiting:
        found.get_by_role("link", name=link).click()
    saved = folder / waiting.value.suggested_filename
    waiting.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    return Download(saved.name, shown, rows)


def shoot(page: Any, name: str) -> Path:
    """Save a full-page screenshot for the docs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
