"""Norfolk's main roads, as the settlements they run through, for placing traffic counters.

Each road is drawn as straight lines between the centres of the real places it passes (in
``places_data.SETTLEMENTS``), which is near enough for a roadside counter's position: the
counters sit on these lines just outside a place's streets, or between places. ``aadt`` is a
plausible annual average daily traffic (both directions) for the road near a town; the
counters vary around it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Road:
    name: str
    aadt: int
    through: tuple[str, ...]  # settlement names, in order along the road


def _r(name: str, aadt: int, through: str) -> Road:
    return Road(name, aadt, tuple(through.split("|")))


ROADS: tuple[Road, ...] = (
    _r("A11", 32_000, "Norwich|Hethersett|Wymondham|Attleborough|Thetford"),
    _r("A47", 27_000, "King's Lynn|Swaffham|Necton|Dereham|Mattishall|Costessey|Norwich|"
                      "Thorpe St Andrew|Blofield|Acle|Great Yarmouth"),
    _r("A140", 19_000, "Cromer|Aylsham|Horsford|Norwich|Long Stratton|Diss"),
    _r("A12", 21_000, "Great Yarmouth|Gorleston|Bradwell"),
    _r("A1151", 12_000, "Norwich|Sprowston|Wroxham|Hoveton|Stalham"),
    _r("A146", 13_000, "Norwich|Poringland|Loddon"),
    _r("A10", 15_000, "King's Lynn|West Winch|Watlington|Downham Market"),
    _r("A149", 12_000, "King's Lynn|Dersingham|Snettisham|Heacham|Hunstanton"),
    _r("A149", 7_000, "Hunstanton|Burnham Market|Wells-next-the-Sea|Sheringham|Cromer|"
                      "North Walsham|Stalham|Martham|Caister-on-Sea|Great Yarmouth"),
    _r("A148", 11_000, "King's Lynn|Fakenham|Holt|Cromer"),
    _r("A1067", 10_000, "Norwich|Drayton|Taverham|Reepham|Fakenham"),
    _r("A143", 9_000, "Diss|Harleston|Gorleston"),
    _r("A1075", 8_000, "Thetford|Watton|Shipdham|Dereham"),
    _r("A1065", 7_000, "Swaffham|Fakenham"),
    _r("A134", 8_000, "Thetford|Methwold|King's Lynn"),
    _r("A1066", 7_000, "Thetford|East Harling|Diss"),
)
