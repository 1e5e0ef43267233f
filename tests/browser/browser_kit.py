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
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.id && document.querySelector(`label[for="${CSS.escape(e.id)}"]`))
               && !e.closest('label'))
  .map(e => e.outerHTML)"""
"""Inputs with neither a <label for> nor a wrapping <label> (radios are wrapped, GOV.UK's
'label around the control' form)."""


def expect(target: Any) -> Any:
    """Playwright's ``expect``, imported only once a browser test runs (the suite collects
    without Playwright installed, and skips these tests with a message)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def check_page(page: Any, *, scripts: bool = True) -> None:
    """The page's structure: one non-empty h1, a <main id="main">, every input labelled,
    nothing wider than the window; with ``scripts=False``, no script at all (the public and
    analyst pages work without JavaScript)."""
    expect(page.locator("main#main")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("h1").inner_text().strip(), f"{page.url}: empty h1"
    assert page.evaluate(UNLABELLED) == [], f"{page.url}: unlabelled inputs"
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url}: the page is {wide}px wider than the window"
    if not scripts:
        assert page.locator("script").count() == 0, f"{page.url}: has a script"


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
