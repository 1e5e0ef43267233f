"""The Norfolk Address Register: every property, with its UPRN, coordinates, ward and parish."""

from __future__ import annotations

from joinedup.synth.context import County
from joinedup.synth.feeds import Column, Feed, Job, PropertyJob
from joinedup.synth.places_data import SETTLEMENTS


def jobs(county: County) -> list[Job]:
    p = county.props
    columns = (
        Column("UPRN", lambda i: p.uprn[i]),
        Column("ADDRESS_LINE_1", lambda i: p.line1[i]),
        Column("ADDRESS_LINE_2", lambda i: p.line2[i]),
        Column("LOCALITY", lambda i: p.locality[i]),
        Column("POST_TOWN", lambda i: p.town[i]),
        Column("POSTCODE", lambda i: p.postcode[i]),
        Column("X_COORDINATE", lambda i: str(p.easting[i])),
        Column("Y_COORDINATE", lambda i: str(p.northing[i])),
        Column("WARD", lambda i: p.ward[i]),
        Column("PARISH", lambda i: p.parish[i]),
        Column("DISTRICT", lambda i: SETTLEMENTS[p.settlement[i]].council),
    )
    feed = Feed(
        name="properties", agency="Norfolk Address Register", kind="property", format="csv",
        filename="properties.csv",
        description="Every addressable property in the county from the local address "
                    "gazetteer: UPRN, address, postcode, British National Grid coordinates "
                    "(EPSG:27700), electoral ward and parish.",
        columns=columns,
        options={"delimiter": ",", "encoding": "utf-8"},
        fields={"uprn": "UPRN",
                "address": ["ADDRESS_LINE_1", "ADDRESS_LINE_2", "LOCALITY", "POST_TOWN"],
                "postcode": "POSTCODE", "easting": "X_COORDINATE", "northing": "Y_COORDINATE",
                "ward": "WARD", "parish": "PARISH"},
    )
    return [PropertyJob(feed)]
