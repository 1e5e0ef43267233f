"""Places of the synthetic county: real Norfolk towns and villages, invented streets.

Centres are approximate British National Grid coordinates (EPSG:27700) of the real settlements;
``weight`` is the settlement's share of the county's homes; ``spread`` (metres) is how far its
streets reach from the centre. Postcode districts, dialling codes and district councils are the
real ones for each place; the streets, houses and postcodes inside them are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

# The box every synthetic property lies in (east min, east max, north min, north max).
NORFOLK_BOX = (560_000, 655_000, 280_000, 345_000)

# Norfolk's coast and its borders with Suffolk (the Waveney and the Little Ouse) and
# Cambridgeshire, roughly, clockwise from the Wash where the box cuts it off in the west.
NORFOLK_OUTLINE = (
    (560_000, 326_500), (562_500, 328_000), (564_500, 331_000), (565_800, 334_500),
    (566_500, 337_800), (567_000, 340_500), (568_200, 342_300), (570_500, 344_000),
    (574_000, 344_500), (577_500, 344_800), (585_000, 345_000), (593_000, 344_800),
    (597_500, 344_700), (602_500, 344_700), (605_500, 344_500), (609_000, 344_000),
    (615_500, 343_400), (619_000, 342_900), (622_000, 342_300), (625_000, 340_800),
    (628_500, 338_800), (631_500, 337_200), (634_500, 334_500), (638_000, 331_500),
    (641_500, 328_600), (644_500, 325_800), (647_500, 322_800), (650_000, 319_800),
    (651_500, 317_000), (652_800, 313_500), (653_300, 310_000), (653_500, 306_500),
    (653_700, 303_000), (653_400, 299_500), (649_000, 299_700), (645_900, 299_400),
    (645_200, 296_500), (645_000, 293_500), (642_500, 291_300), (639_000, 291_500),
    (634_000, 290_600), (632_500, 289_700), (628_500, 285_400), (627_200, 283_100),
    (624_500, 282_300), (620_000, 281_400), (615_200, 280_100), (611_500, 280_400),
    (604_800, 280_600), (599_000, 280_500), (593_000, 281_400), (587_100, 282_800),
    (584_000, 285_500), (581_500, 287_300), (578_500, 286_600), (575_500, 287_300),
    (572_500, 288_400), (567_000, 289_600), (562_500, 290_800), (560_000, 291_600),
)

BRECKLAND = "Breckland"
BROADLAND = "Broadland"
YARMOUTH = "Great Yarmouth"
LYNN = "King's Lynn and West Norfolk"
NORTH = "North Norfolk"
NORWICH = "Norwich"
SOUTH = "South Norfolk"

DISTRICT_COUNCILS = (BRECKLAND, BROADLAND, YARMOUTH, LYNN, NORTH, NORWICH, SOUTH)


@dataclass(frozen=True)
class Settlement:
    name: str
    post_town: str
    easting: int
    northing: int
    weight: float
    spread: int
    districts: tuple[str, ...]  # postcode districts (outward codes)
    dialling_code: str
    council: str
    wards: tuple[str, ...] = ()  # ward suffixes; none: one ward named after the place
    town: bool = False


def _s(name: str, post_town: str, e: int, n: int, weight: float, spread: int, districts: str,
       code: str, council: str, wards: str = "", *, town: bool = False) -> Settlement:
    return Settlement(name, post_town or name, e, n, weight, spread, tuple(districts.split()),
                      code, council, tuple(w for w in wards.split("|") if w), town)


SETTLEMENTS: tuple[Settlement, ...] = (
    _s("Norwich", "", 623_000, 308_500, 0.200, 2600, "NR1 NR2 NR3 NR4 NR5 NR6 NR7", "01603",
       NORWICH, "Mancroft|Thorpe Hamlet|Eaton|Lakenham|Catton Grove|Mile Cross|Bowthorpe|"
       "Nelson|Town Close|University|Wensum|Crome|Sewell", town=True),
    _s("King's Lynn", "", 562_500, 320_000, 0.045, 1600, "PE30", "01553", LYNN,
       "Gaywood|Fairstead|North Lynn|St Margaret's|South Lynn|Springwood", town=True),
    _s("Great Yarmouth", "", 652_000, 307_500, 0.040, 1300, "NR30", "01493", YARMOUTH,
       "Central and Northgate|Nelson|Southtown|Yarmouth North|Claydon", town=True),
    _s("Gorleston", "Great Yarmouth", 652_000, 303_500, 0.025, 1000, "NR31", "01493", YARMOUTH,
       "Magdalen|St Andrews|Gorleston", town=True),
    _s("Thetford", "", 587_000, 283_000, 0.026, 1300, "IP24", "01842", BRECKLAND,
       "Castle|Priory|Burrell|Boudica|Saxon", town=True),
    _s("Dereham", "", 599_000, 313_000, 0.020, 1100, "NR19", "01362", BRECKLAND,
       "Neatherd|Toftwood|Withburga|Central", town=True),
    _s("Wymondham", "", 610_000, 301_500, 0.016, 1000, "NR18", "01953", SOUTH,
       "North|South|Central", town=True),
    _s("North Walsham", "", 628_000, 330_000, 0.013, 900, "NR28", "01692", NORTH,
       "East|West|Market Cross", town=True),
    _s("Attleborough", "", 604_500, 295_500, 0.012, 900, "NR17", "01953", BRECKLAND,
       "Queens|Burgh|Rural", town=True),
    _s("Downham Market", "", 561_500, 303_000, 0.011, 800, "PE38", "01366", LYNN,
       "North|South|East", town=True),
    _s("Diss", "", 611_500, 281_000, 0.009, 700, "IP22", "01379", SOUTH, "Town|Heywood",
       town=True),
    _s("Fakenham", "", 592_000, 330_000, 0.008, 800, "NR21", "01328", NORTH, "Lancaster|Wensum",
       town=True),
    _s("Swaffham", "", 581_500, 309_000, 0.008, 800, "PE37", "01760", BRECKLAND, "North|South",
       town=True),
    _s("Cromer", "", 621_500, 341_500, 0.007, 700, "NR27", "01263", NORTH, "Town|Suffield Park",
       town=True),
    _s("Sheringham", "", 615_500, 342_500, 0.007, 700, "NR26", "01263", NORTH, "North|South",
       town=True),
    _s("Hunstanton", "", 567_500, 340_500, 0.005, 700, "PE36", "01485", LYNN, "North|South",
       town=True),
    _s("Watton", "", 591_500, 301_000, 0.008, 800, "IP25", "01953", BRECKLAND, "Town|Wayland",
       town=True),
    _s("Holt", "", 608_000, 339_000, 0.004, 600, "NR25", "01263", NORTH, town=True),
    _s("Aylsham", "Norwich", 619_000, 326_500, 0.007, 700, "NR11", "01263", BROADLAND,
       "Town|Burgh", town=True),
    _s("Caister-on-Sea", "Great Yarmouth", 651_500, 312_000, 0.009, 700, "NR30", "01493",
       YARMOUTH),
    _s("Sprowston", "Norwich", 626_000, 312_000, 0.020, 900, "NR7", "01603", BROADLAND,
       "East|West"),
    _s("Hellesdon", "Norwich", 620_000, 312_000, 0.012, 800, "NR6", "01603", BROADLAND),
    _s("Costessey", "Norwich", 617_000, 311_500, 0.012, 800, "NR8 NR5", "01603", SOUTH),
    _s("Taverham", "Norwich", 616_000, 314_000, 0.010, 700, "NR8", "01603", BROADLAND),
    _s("Thorpe St Andrew", "Norwich", 626_500, 309_000, 0.015, 800, "NR7", "01603", BROADLAND,
       "North|South"),
    _s("Old Catton", "Norwich", 623_000, 312_500, 0.007, 500, "NR6", "01603", BROADLAND),
    _s("Drayton", "Norwich", 618_000, 313_500, 0.006, 500, "NR8", "01603", BROADLAND),
    _s("Hethersett", "Norwich", 615_500, 305_000, 0.007, 500, "NR9", "01603", SOUTH),
    _s("Cringleford", "Norwich", 619_500, 305_500, 0.004, 400, "NR4", "01603", SOUTH),
    _s("Poringland", "Norwich", 627_000, 301_500, 0.005, 500, "NR14", "01508", SOUTH),
    _s("Mulbarton", "Norwich", 619_500, 300_500, 0.003, 400, "NR14", "01508", SOUTH),
    _s("Brundall", "Norwich", 632_500, 308_000, 0.004, 500, "NR13", "01603", BROADLAND),
    _s("Blofield", "Norwich", 633_500, 309_500, 0.003, 400, "NR13", "01603", BROADLAND),
    _s("Horsford", "Norwich", 619_500, 316_000, 0.004, 500, "NR10", "01603", BROADLAND),
    _s("Spixworth", "Norwich", 624_000, 315_500, 0.004, 400, "NR10", "01603", BROADLAND),
    _s("Wroxham", "Norwich", 630_000, 317_500, 0.003, 400, "NR12", "01603", BROADLAND),
    _s("Hoveton", "Norwich", 630_500, 318_500, 0.002, 400, "NR12", "01603", NORTH),
    _s("Reepham", "Norwich", 610_000, 323_000, 0.003, 400, "NR10", "01603", BROADLAND),
    _s("Acle", "Norwich", 640_000, 310_500, 0.003, 400, "NR13", "01493", BROADLAND),
    _s("Long Stratton", "Norwich", 619_500, 292_500, 0.004, 500, "NR15", "01508", SOUTH),
    _s("Loddon", "Norwich", 636_000, 298_500, 0.003, 400, "NR14", "01508", SOUTH),
    _s("Harleston", "", 624_500, 283_000, 0.004, 500, "IP20", "01379", SOUTH),
    _s("Pulham Market", "Diss", 619_500, 286_000, 0.001, 300, "IP21", "01379", SOUTH),
    _s("East Harling", "Norwich", 599_000, 286_500, 0.002, 400, "NR16", "01953", BRECKLAND),
    _s("Hingham", "Norwich", 602_000, 302_000, 0.002, 400, "NR9", "01953", SOUTH),
    _s("Mattishall", "Dereham", 605_000, 311_000, 0.003, 400, "NR20", "01362", BRECKLAND),
    _s("Swanton Morley", "Dereham", 602_000, 317_500, 0.002, 400, "NR20", "01362", BRECKLAND),
    _s("Shipdham", "Thetford", 595_500, 307_500, 0.002, 400, "IP25", "01362", BRECKLAND),
    _s("Necton", "Swaffham", 588_000, 309_500, 0.002, 400, "PE37", "01760", BRECKLAND),
    _s("Stalham", "Norwich", 637_500, 325_000, 0.004, 500, "NR12", "01692", NORTH),
    _s("Mundesley", "Norwich", 631_500, 336_500, 0.003, 400, "NR11", "01263", NORTH),
    _s("Wells-next-the-Sea", "", 591_500, 343_000, 0.0025, 400, "NR23", "01328", NORTH),
    _s("Briston", "Melton Constable", 606_000, 332_500, 0.002, 400, "NR24", "01263", NORTH),
    _s("Heacham", "King's Lynn", 568_000, 337_500, 0.005, 500, "PE31", "01485", LYNN),
    _s("Snettisham", "King's Lynn", 568_500, 334_000, 0.003, 400, "PE31", "01485", LYNN),
    _s("Dersingham", "King's Lynn", 568_500, 330_500, 0.004, 400, "PE31", "01485", LYNN),
    _s("Burnham Market", "King's Lynn", 583_000, 342_000, 0.001, 300, "PE31", "01328", LYNN),
    _s("West Winch", "King's Lynn", 563_500, 316_000, 0.003, 400, "PE33", "01553", LYNN),
    _s("Watlington", "King's Lynn", 562_500, 311_000, 0.002, 400, "PE33", "01553", LYNN),
    _s("Marham", "King's Lynn", 570_500, 309_500, 0.003, 400, "PE33", "01760", LYNN),
    _s("Methwold", "Thetford", 573_500, 294_500, 0.002, 400, "IP26", "01366", LYNN),
    _s("Feltwell", "Thetford", 571_000, 290_500, 0.002, 400, "IP26", "01842", LYNN),
    _s("Hemsby", "Great Yarmouth", 649_500, 317_500, 0.003, 400, "NR29", "01493", YARMOUTH),
    _s("Martham", "Great Yarmouth", 645_500, 318_500, 0.003, 400, "NR29", "01493", YARMOUTH),
    _s("Belton", "Great Yarmouth", 648_500, 302_500, 0.004, 400, "NR31", "01493", YARMOUTH),
    _s("Bradwell", "Great Yarmouth", 650_500, 304_000, 0.008, 600, "NR31", "01493", YARMOUTH),
)

def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


# Street names are a first part and a kind, from these words or from a surname.
STREET_WORDS = _words(
    "Church Mill Station Norwich London Market Castle Bridge Chapel School Park Manor Hall "
    "Priory Abbey Victoria Albert Beech Oak Ash Elm Willow Cedar Holly Rose Meadow Orchard "
    "Green Common Marsh Broad Wensum Yare Bure Waveney Nelson Coke Windmill Boudica Cavell "
    "Gurney Colman Sandringham Blickling Felbrigg Thorpe Earlham Unthank Newmarket Ipswich "
    "Dereham Cromer Yarmouth Lynn Fakenham Holt Aylsham Heath Field Valley Spring Well "
    "Pightle Cherry Chestnut Sycamore Hawthorn Poplar Larch Rowan Hazel Primrose Bluebell "
    "Clover Heron Kestrel Swallow Plover Avocet Nightingale Lark Wren Coronation Jubilee "
    "Paston Walpole Townshend Bacon Howard Bishop Abbot Friars Cathedral Magdalen Prince "
    "Regent Grove Harbour Quay Beach Sandy Pine Brick Kiln Forge Tannery Maltings Granary"
)
STREET_KINDS = (
    ("Road", 20), ("Street", 8), ("Lane", 12), ("Close", 14), ("Way", 8), ("Avenue", 6),
    ("Drive", 7), ("Gardens", 4), ("Crescent", 4), ("Place", 3), ("Court", 3), ("Row", 2),
    ("Walk", 2), ("Rise", 2), ("View", 2), ("Loke", 1),
)
HOUSE_NAMES = _words(
    "Rose Cottage|The Old Rectory|Holly House|The Barn|Orchard House|Meadow View|Church Farm|"
    "The Bungalow|Ivy Cottage|The Old School House|Willow Lodge|Hill House|Field View|"
    "The Granary|Brook House|Mill House|The Cottage|Laurel Cottage|Manor Farm|Sunnyside|"
    "Woodlands|The Old Post Office|Primrose Cottage|Apple Tree Cottage|Fern Cottage|"
    "The Old Forge|Keepers Cottage|Marsh Farm|Glebe House|Hall Farm Cottage", "|"
)

# Practitioners are easier to find by locality: agency teams follow the district councils.
TEAM_AREAS = {
    BRECKLAND: "Breckland", BROADLAND: "Broadland", YARMOUTH: "Great Yarmouth",
    LYNN: "West Norfolk", NORTH: "North Norfolk", NORWICH: "Norwich", SOUTH: "South Norfolk",
}
