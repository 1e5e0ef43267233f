"""``joinedup places build|status|load-areas|areas``, ``joinedup emergency vulnerable`` and
``joinedup verify-export``: properties and households, and the planner's list in an emergency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from joinedup.cli_base import DbOption, acting_as, err, out, progress, settings_for, store, utcnow
from joinedup.errors import BadInput, GovernError
from joinedup.govern import signing
from joinedup.govern.register import register as current_register
from joinedup.govern.session import governed
from joinedup.govern.vocabulary import Purpose, Role
from joinedup.places import build as places_build
from joinedup.places import cards, crs, named
from joinedup.places.areas import Area, read_area, read_areas
from joinedup.places.emergency import write_signed
from joinedup.places.needs import LABELS
from joinedup.places.vulnerable import VulnerableList, vulnerable

CrsOption = Annotated[str | None, typer.Option(
    "--crs", help="The file's coordinate reference system when it does not say "
    "(e.g. EPSG:27700); GeoJSON without one is WGS84 lon/lat.")]
EMERGENCY_ROLES = (Role.EMERGENCY_PLANNER, Role.FIRE_OFFICER, Role.POLICE_OFFICER)


def _warn_grid() -> None:
    problem = crs.grid_problem()
    if problem:
        err.print(f"[yellow]warning:[/yellow] {escape(problem)}", highlight=False)


def _report(report: places_build.BuildReport) -> None:
    table = Table(title=f"Placed records by source (build {report.build_id}, "
                        f"{report.built_at:%Y-%m-%d %H:%M})")
    for name in ("source", "records", "by UPRN", "by address", "not placed", "match rate"):
        table.add_column(name, justify="left" if name == "source" else "right")
    for m in report.matches:
        table.add_row(escape(m.source), f"{m.records:,}", f"{m.by_uprn:,}", f"{m.by_address:,}",
                      f"{m.records - m.placed:,}", f"{m.rate:.1%}")
    out.print(table)
    out.print(f"{report.places:,} properties located; {report.residents:,} persons placed "
              "at a home")


def build_command(db: DbOption = None) -> None:
    """Rebuild properties, record places and homes.

    Each record is put at a property, each person at a home.

    Records without a UPRN are matched to a property by address and postcode; the table shows
    the match rate per source. ``joinedup link`` runs this itself.
    """
    _warn_grid()
    with store(db) as engine, engine.begin() as connection, progress("placing") as update:
        report = places_build.build(connection, now=utcnow(),
                                    progress=lambda _s, d, t: update(d, t))
    if report.unlocated:
        err.print(f"[yellow]warning:[/yellow] {report.unlocated:,} properties have no "
                  "coordinates and are on no map", highlight=False)
    _report(report)


def status_command(db: DbOption = None) -> None:
    """The last rebuild: when, and each source's match rate."""
    with store(db) as engine, engine.connect() as connection:
        report = places_build.latest(connection)
        held, current = cards.state(connection)
    if report is None:
        raise BadInput("places have not been built yet: run joinedup places build")
    _report(report)
    out.print(f"{held:,} emergency cards, " + (
        "current" if current else "not current (a load or link run since the rebuild): "
        "vulnerable lists read every person live until `joinedup places build`"))


def load_areas_command(
    path: Annotated[Path, typer.Argument(metavar="AREAS.geojson")],
    kind: Annotated[str, typer.Option(help="What the areas are: ward, parish, flood_zone...")],
    name_property: Annotated[str | None, typer.Option(
        help="The feature property that names each area (one area per feature); without it "
        "the whole file is one area named --name.")] = None,
    name: Annotated[str | None, typer.Option(help="The name of a one-area file.")] = None,
    crs_name: CrsOption = None,
    db: DbOption = None,
) -> None:
    """Store named areas from a GeoJSON file.

    Wards, parishes, flood zones: planners pick them by name.
    """
    if name_property is None and name is None:
        raise BadInput("give --name-property (one area per feature) or --name (one area)")
    if name_property is not None:
        areas = read_areas(path, name_property=name_property, crs=crs_name)
    else:
        areas = [read_area(path, crs=crs_name, name=name)]
    for a in areas:
        for warning in a.warnings:
            err.print(f"[yellow]warning:[/yellow] {escape(a.name)}: {escape(warning)}",
                      highlight=False)
    with store(db) as engine, engine.begin() as connection:
        count = named.save(connection, areas, kind=kind, loaded_from=str(path), now=utcnow())
    out.print(f"stored {count:,} {kind} area{'s' if count != 1 else ''} from {path}")


def areas_command(kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
                  db: DbOption = None) -> None:
    """The stored areas a planner can pick from."""
    with store(db) as engine, engine.connect() as connection:
        stored = named.listing(connection, kind)
    table = Table(title="Stored areas")
    for column in ("kind", "name", "vertices", "km²", "loaded from"):
        table.add_column(column)
    for s in stored:
        table.add_row(escape(s.kind), escape(s.name), f"{s.vertices:,}", f"{s.square_km:,.2f}",
                      escape(s.loaded_from))
    out.print(table)


def _area(area_file: Path | None, area_name: str | None, crs_name: str | None, buffer: float,
          db: str | None) -> Area:
    if (area_file is None) == (area_name is None):
        raise BadInput("give the area as --area FILE.geojson or as --area-name NAME "
                       "(one of them)")
    if buffer < 0:
        raise BadInput(f"--buffer: expected metres >= 0, got {buffer:g}")
    if area_file is not None:
        area = read_area(area_file, crs=crs_name, buffer=buffer)
        for warning in area.warnings:
            err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
        return area
    assert area_name is not None
    with store(db) as engine, engine.connect() as connection:
        return named.load(connection, area_name, buffer=buffer)


def vulnerable_command(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="OUT.csv",
                                         help="File to write: CSV, or GeoJSON if *.geojson.")],
    area_file: Annotated[Path | None, typer.Option(
        "--area", metavar="ZONE.geojson", help="The area: a GeoJSON Polygon or MultiPolygon.")
        ] = None,
    area_name: Annotated[str | None, typer.Option(
        help="Or a stored area by name (joinedup places areas).")] = None,
    buffer: Annotated[float, typer.Option(help="Widen the area by this many metres.")] = 0.0,
    crs_name: CrsOption = None,
    purpose: Annotated[str, typer.Option(help="Why: only emergency_response is served.")
                       ] = Purpose.EMERGENCY_RESPONSE.value,
    role: Annotated[Role, typer.Option(help="The role you act in.")] = Role.EMERGENCY_PLANNER,
    organisation: Annotated[str | None, typer.Option(
        help="Your organisation (default: $JOINEDUP_ORGANISATION).")] = None,
    db: DbOption = None,
) -> None:
    """The people inside an area who need help to leave.

    Lists the households inside the area with the people who need help to leave them.

    Writes only what a responder needs (property, number of people, name, age, phone, needs),
    signs the file (OUT.sig, with the hub's public key in OUT.pub) and audits every person
    listed. Refused, and audited, without an emergency role and purpose.
    """
    settings = settings_for(db)
    area = _area(area_file, area_name, crs_name, buffer, db)
    _warn_grid()
    actor = acting_as(settings, role, organisation)
    now = utcnow()
    with store(db) as engine, governed(engine) as connection:
        found = vulnerable(connection, current_register(connection), actor, purpose, area,
                           now=now, buffer=buffer)
        signed = write_signed(found, output, settings.key_dir, actor, purpose)
    _summary(found)
    out.print(f"wrote {output} ({found.people:,} people), signed: {signed.signature_path}; "
              f"hub public key: {signed.public_key_path}")


def _summary(found: VulnerableList) -> None:
    counts: dict[str, int] = {}
    for h in found.households:
        for r in h.residents:
            for need in r.needs:
                counts[LABELS[need]] = counts.get(LABELS[need], 0) + 1
    out.print(f"{len(found.households):,} households, {found.people:,} people needing help "
              f"in {escape(found.area)}"
              + (f" (places as of {found.as_of:%Y-%m-%d %H:%M})" if found.as_of else ""))
    for label, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        out.print(f"  {count:>6,}  {escape(label)}")
    if found.withheld:
        err.print(f"[yellow]not used (no agreement for you):[/yellow] "
                  f"{escape(', '.join(found.withheld))}", highlight=False)


def verify_export_command(
    path: Annotated[Path, typer.Argument(metavar="FILE")],
    key: Annotated[Path | None, typer.Option(
        help="The hub's public key, obtained from the hub itself (safer than the .pub "
        "beside the file, which whoever changed the file could change too).")] = None,
    signature: Annotated[Path | None, typer.Option(
        help="The signature file (default: FILE.sig).")] = None,
) -> None:
    """Check an export came from the hub untouched.

    Exit code 1 if the file, or its signature, was changed, or another key signed it.
    """
    result = signing.verify_export(path, signature=signature, public_key=key)
    meta = result.metadata
    if not result.ok:
        for reason in result.reasons:
            err.print(f"[red]FAILS:[/red] {escape(reason)}", highlight=False)
        raise GovernError(f"{path} does not verify: it is not the file the hub signed")
    out.print(f"{path}: signature valid; signed by hub key {result.key_id} at "
              f"{meta.signed_at} for {escape(meta.purpose)} by {escape(meta.actor)} "
              f"(audit event #{meta.audit_seq}): {escape(meta.description)}", highlight=False)
    for note in result.notes:
        err.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False)
