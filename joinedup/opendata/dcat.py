"""The catalogue as DCAT (DCAT-AP's terms, with schema.org's for search engines) in JSON-LD:
one ``Catalog`` whose ``dataset`` list has each dataset's title, description, licence (the
Open Government Licence v3.0), publisher, temporal and spatial coverage, update frequency,
issue and modification times, and a CSV and a JSON distribution per table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from joinedup.opendata.releases import Release
from joinedup.opendata.tables import Dataset

OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CONTEXT: dict[str, Any] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "http://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "locn": "http://www.w3.org/ns/locn#",
    "joinedup": "https://joinedup.example/ns#",
    "Catalog": "dcat:Catalog",
    "Dataset": "dcat:Dataset",
    "Distribution": "dcat:Distribution",
    "Organization": "foaf:Organization",
    "PeriodOfTime": "dct:PeriodOfTime",
    "Location": "dct:Location",
    "title": "dct:title",
    "description": "dct:description",
    "identifier": "dct:identifier",
    "keyword": "dcat:keyword",
    "name": "foaf:name",
    "license": {"@id": "dct:license", "@type": "@id"},
    "publisher": "dct:publisher",
    "issued": {"@id": "dct:issued", "@type": "xsd:dateTime"},
    "modified": {"@id": "dct:modified", "@type": "xsd:dateTime"},
    "accrualPeriodicity": {"@id": "dct:accrualPeriodicity", "@type": "@id"},
    "temporal": "dct:temporal",
    "startDate": {"@id": "dcat:startDate", "@type": "xsd:date"},
    "endDate": {"@id": "dcat:endDate", "@type": "xsd:date"},
    "spatial": "dct:spatial",
    "bbox": "dcat:bbox",
    "geographicName": "locn:geographicName",
    "landingPage": {"@id": "dcat:landingPage", "@type": "@id"},
    "dataset": "dcat:dataset",
    "distribution": "dcat:distribution",
    "downloadURL": {"@id": "dcat:downloadURL", "@type": "@id"},
    "accessURL": {"@id": "dcat:accessURL", "@type": "@id"},
    "mediaType": "dcat:mediaType",
    "format": "dct:format",
    "disclosureControl": "joinedup:disclosureControl",
    "epsilon": {"@id": "joinedup:epsilon", "@type": "xsd:decimal"},
    "release": {"@id": "joinedup:release", "@type": "xsd:integer"},
}


def _time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def distributions(base: str, dataset: Dataset) -> list[dict[str, Any]]:
    found = []
    for table in dataset.tables:
        at = f"{base}/api/opendata/datasets/{dataset.name}/{table.key}"
        for kind, media in (("csv", "text/csv"), ("json", "application/json")):
            found.append({"@type": "Distribution", "@id": f"{at}.{kind}",
                          "title": f"{table.title} ({kind.upper()})",
                          "description": table.description, "downloadURL": f"{at}.{kind}",
                          "accessURL": at, "mediaType": media, "format": kind.upper(),
                          "license": OGL})
    return found


def dataset_entry(base: str, release: Release, dataset: Dataset, issued: datetime,
                  publisher: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "@type": "Dataset", "@id": f"{base}/opendata/{dataset.name}",
        "identifier": dataset.name, "title": dataset.title,
        "description": " ".join((dataset.description, *dataset.notes)),
        "keyword": list(dataset.keywords), "license": OGL,
        "publisher": {"@type": "Organization", "name": publisher},
        "issued": _time(issued), "modified": _time(release.released_at),
        "accrualPeriodicity": dataset.periodicity,
        "spatial": {"@type": "Location", "bbox": dataset.spatial,
                    "geographicName": "the wards and parishes of the county"},
        "landingPage": f"{base}/opendata/{dataset.name}",
        "disclosureControl": dataset.disclosure, "release": release.id,
        "distribution": distributions(base, dataset),
    }
    if dataset.temporal is not None:
        entry["temporal"] = {"@type": "PeriodOfTime",
                             "startDate": dataset.temporal[0].isoformat(),
                             "endDate": dataset.temporal[1].isoformat()}
    if dataset.epsilon is not None:
        entry["epsilon"] = dataset.epsilon
    return entry


def catalog(base: str, release: Release | None, issued: Mapping[str, datetime],
            publisher: str) -> dict[str, Any]:
    """The whole catalogue; ``issued`` is when each dataset was first published."""
    document: dict[str, Any] = {
        "@context": CONTEXT, "@type": "Catalog", "@id": f"{base}/opendata/catalog.json",
        "title": f"{publisher} open data",
        "description": "Aggregates published from the joinedup hub, with disclosure control: "
                       "no one can be picked out of them.",
        "publisher": {"@type": "Organization", "name": publisher}, "license": OGL,
        "landingPage": f"{base}/opendata", "dataset": []}
    if release is None:
        return document
    document["modified"] = _time(release.released_at)
    document["dataset"] = [dataset_entry(base, release, d, issued.get(d.name,
                                                                      release.released_at),
                                         publisher) for d in release.datasets]
    return document
