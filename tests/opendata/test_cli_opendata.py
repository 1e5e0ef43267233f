"""``joinedup opendata publish|check|list`` on the hand-built county, with Typer's runner,
then asserted through the store."""

from __future__ import annotations

from pathlib import Path

from opendata_world import build_world
from sqlalchemy import Engine, delete
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.opendata import releases
from joinedup.store.schema import area

ENV = {"JOINEDUP_OPENDATA_ORGANISATION": "Norfolk County Council Business Intelligence",
       "COLUMNS": "200"}


def cli(engine: Engine, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, [*args, "--db", url], env={**ENV, **(env or {})})
    return result.exit_code, " ".join(result.output.replace("│", " ").split())


def test_publish_check_and_list(tmp_path: Path, engine: Engine) -> None:
    build_world(engine, tmp_path)
    code, checked = cli(engine, "opendata", "check")
    assert code == 0, checked
    assert "the publication check passed; nothing was published" in checked
    with engine.connect() as c:
        assert releases.latest_id(c) is None
    code, published = cli(engine, "opendata", "publish")
    assert code == 0, published
    assert "published release 1 (4 datasets" in published
    assert "adult-social-care-by-age by-parish 4" in published
    code, again = cli(engine, "opendata", "publish", env={"JOINEDUP_OPENDATA_RULE": "nhs"})
    assert code == 0 and "published release 2" in again
    assert "counts of 1 to 7 suppressed" in again
    code, listed = cli(engine, "opendata", "list", "--release", "1")
    assert code == 0, listed
    assert "Release 1" in listed and "traffic-counts by-ward" in listed
    with engine.connect() as c:
        release = releases.load(c)
    assert release is not None and release.id == 2 and release.rule["name"] == "nhs"


def test_bad_input_exits_2_with_what_to_do(tmp_path: Path, engine: Engine) -> None:
    build_world(engine, tmp_path)
    code, output = cli(engine, "opendata", "list", "--release", "7")
    assert code == 2 and "no open data release 7; there are none yet" in output
    code, output = cli(engine, "opendata", "publish", env={"JOINEDUP_OPENDATA_RULE": "census"})
    assert code == 2 and "unknown disclosure rule 'census'" in output
    code, output = cli(engine, "opendata", "publish",
                       env={"JOINEDUP_OPENDATA_ORGANISATION": "Norfolk Constabulary"})
    assert code == 0, output  # an analyst with no agreement counts nobody
    assert "adult-social-care-by-age by-ward 5 0" in output
    with engine.begin() as c:
        c.execute(delete(area))
    code, output = cli(engine, "opendata", "publish")
    assert code == 2 and "no ward areas are stored" in output
