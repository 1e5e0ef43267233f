"""Browser journeys: a real server on loopback, a linked synthetic county in SQLite, and
Debian's Chromium driven by Playwright. Screenshots go to docs/screenshots/, which the guides
show, so the pictures in the docs are always of the UI as it is.

Without Playwright or Chromium these tests are skipped with a message; under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from browser_kit import cli
from factories import IN_CI
from typer.testing import CliRunner

from joinedup.cli import app as cli_app
from joinedup.server.app import create_app
from joinedup.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.xdist_group("browser")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the browser tests on one xdist worker (one county build) under pytest 9.2, where
    ``--dist loadgroup`` no longer groups: xdist writes the group into ``item._nodeid``, which
    pytest now ignores for its structured ``item._id`` (pytest-dev/pytest-xdist#1386). A no-op
    when xdist has added the suffix itself, or under older pytest."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    here = Path(__file__).parent
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        if (groups and "@" not in item.nodeid and item.path.is_relative_to(here)
                and isinstance(getattr(item, "_id", None), NodeId)):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def _need_browser() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    elif shutil.which("chromium") is None and not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} is not executable"
    else:
        try:
            import playwright  # noqa: F401
        except ModuleNotFoundError:
            problem = "Playwright is not installed (pip install '.[dev]')"
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: browser tests are required)", pytrace=False)
        pytest.skip(f"{problem}; browser tests skipped")


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A linked 400-person synthetic county with its agreements, flood zones and demo
    logins."""
    _need_browser()
    root = tmp_path_factory.mktemp("county")
    url = f"sqlite:///{root / 'joinedup.db'}"
    keys = root / "keys"
    runner = CliRunner()
    made = runner.invoke(cli_app, ["synth", str(root / "county"), "--people", "400",
                                   "--seed", "7"])
    assert made.exit_code == 0, made.output
    cli(url, "agreements", "load", str(root / "county" / "agreements"), key_dir=keys)
    cli(url, "ingest-manifest", str(root / "county" / "manifest.yaml"), key_dir=keys)
    cli(url, "link", key_dir=keys)
    for zone in ("2", "3"):
        zones = root / "county" / "data" / f"flood_zone_{zone}.geojson"
        cli(url, "places", "load-areas", str(zones), "--kind", "flood_zone", "--name",
            f"Flood Zone {zone}", key_dir=keys)
    cli(url, "users", "demo", key_dir=keys)
    return url, keys


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(county: tuple[str, Path]) -> Iterator[str]:
    """The hub served on a free loopback port for the whole session."""
    url, keys = county
    port = _free_port()
    config = uvicorn.Config(create_app(Settings(database_url=url, key_dir=keys)),
                            host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()

