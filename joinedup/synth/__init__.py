"""A deterministic synthetic county with ground truth, for demos, tests and benchmarks.

``generate_county(outdir, people=N, seed=S)`` writes a Norfolk-like county: properties at real
towns and villages, households of people, and what eight agencies hold about them, each in its
own schema, format and habits, with a source definition per feed, a manifest in load order and
``truth.csv`` (which true person every person record is). Nothing in it is real personal data.
Besides the feeds it writes (none of them in the manifest, which lists only what is ingested):

    vulnerable_truth.csv      everyone with a need in an emergency: their home, its flood zone
                              and each need they really have (see ``vulnerability``)
    data/flood_zone_3.geojson   Environment Agency-style Flood Zones 3 and 2 along the
    data/flood_zone_2.geojson   county's rivers and low shores, BNG (see ``flood``)
    data/flood_zone_wroxham_4326.geojson   both round Wroxham, in WGS84 (RFC 7946)
    data/wards.geojson        wards and parishes as polygons holding their properties
    data/parishes.geojson     (see ``boundaries``)
    data/county_outline.geojson, data/rivers.geojson   for maps (see ``layers``)

and its city sensors, the manifest's ``sensors`` entry naming them (for ``joinedup sensors
register`` and ``joinedup sensors ingest``, in this order), over the ``sensor_weeks`` (4 by
default) before the reference date:

    sensors/registry.csv      every sensor (see ``sensor_sites``): traffic counters on the
                              main roads near the towns and villages (every 15 minutes), a
                              footfall counter at each library and NO2 monitors in the towns
                              (hourly)
    sensors/readings.csv      traffic and footfall as their supplier sends them (UTC)
    sensors/air_quality.jsonl NO2 as its supplier sends it (UK local time with its offset)
    sensors/late.jsonl        readings that came days late, in no order (see ``sensors``)
    sensors/gaps_truth.csv    every outage, delayed stretch and refused reading, as the gap
                              ``joinedup sensors gaps`` reports
    sensors/problems_truth.csv  every faulty reading, by file and row, and its fault

with daily and weekly patterns in local time (``sensor_patterns``): rush hours and quieter
weekends on the roads, libraries counting no one at night or on Sundays, NO2 rising and
falling with the traffic and the weather.

Who each agency knows (share of people, by design; see each ``agencies/*.py``):

    council_tax          the liable adults of 96% of households (one or both of a couple,
                         most sharers)
    libraries            ~25%, mostly children and older people
    community_health     ~15%, weighted to the old and frail, and babies (health visiting)
    childrens_services   ~10% of under-18s
    asc_clients          ~5%, weighted to the very old and vulnerable
    police               ~4%, weighted to young men and vulnerable people
    fire_home_safety     the adults of ~5% of households, weighted to the old and vulnerable

(Adult Social Care also knows everyone with an open adult safeguarding enquiry, ~0.4%.)

Flags each agency keeps, in its own words; a flag of a need is only ever on someone who has it
(``vulnerable_truth.csv`` says who):

    asc_flags                MOBILITY, OXYGEN_DEPENDENT, ELECTRICITY_DEPENDENT, DEMENTIA,
                             HEARING_IMPAIRED, LEARNING_DISABILITY, LIVES_ALONE,
                             SAFEGUARDING_ADULT: every need of every client, each reviewed
                             a year after it was raised
    police_flags             warning markers, and VULNERABLE_ADULT for dementia, a learning
                             disability or (for three in ten over 75) an officer's judgement
    fire_risk_markers        "Oxygen in use", "Powered medical equipment", "Bedbound",
                             "Reduced mobility", "Hard of hearing", "Dementia", "Lives alone",
                             "Hoarding", "Smoker": 60-95% of the needs of the occupants seen,
                             due for review after the reference date
    community_health_alerts  "Home oxygen", "Medical equipment", "Bedbound", "Housebound",
                             "Dementia", "Learning disability", "Hearing impaired", "Lives
                             alone": 50-95% of the needs of the patients, none ended

How each source gets people wrong (rates per record; see ``records.Profile``; "-" never):

    source              typo    nick-  maiden  d/m    year  no dob  no NHS  bad NHS  stale  dup
                        g/f     name           swap   ±1
    asc_clients         2/2     5      10      1      0.5   0.5     20      1        15     2
    childrens_services  1.5/1.5 3      -       0.5    0.3   -       (none)  (none)   10     1.5
    community_health    1/1     2      10      0.3    0.2   -       3       0.4      20     1
    police              4/3     10     30      2      1     2       (none)  (none)   40     3
    fire_home_safety    5/4     15     20      2      1     10      (none)  (none)   -      2
    libraries           3/3     20     40      1      0.5   65      (none)  (none)   40     3
    council_tax         1.5/1.5 8      5       (none) (none) (none) (none)  (none)   -      2

    (percentages; "(none)": the source holds no such field)

- typo: one transposition, deletion, neighbouring-key substitution or doubled letter (never
  the first letter); nickname: a familiar form from ``joinedup.standardise.names.NICKNAMES``;
- maiden: a woman under 50 who took her husband's surname, still under her birth surname;
- 30-40% of double-barrelled surnames are kept spaced, halved or run together; "O’Brien" keeps its
  typographic apostrophe in 10-60% of records (by source), else mostly straight;
- d/m swap only where both could be a month; year±1 keeps 29 February valid;
- bad NHS: one digit changed or two swapped (fails Modulus 11), or one in ten a wrong number
  that passes;
- stale: a household that moved in the last four years (12% did) still at its old address;
- dup: a second record for the same person in the same source, typed in again later with
  more slips, fewer numbers and often the old address; listed in ``truth.csv`` like any other;
- bad values: 0.2-0.4% of records have one unusable optional value: postcode "N/K", phone
  "unknown", date of birth "31/02/1970";
- unusable rows: in every feed of 20+ rows, 1 per 2,000 rows (1 to 25) of each of: a blank
  record id, a blank name (or person reference), a record id repeated from the row before.
  ``truth.csv`` lists only rows with a record id that are its first occurrence.

Sealed records (``sensitivity: sealed``: shown only to roles a sharing agreement names). Of
the people each feed knows (rounded: none in a feed of 50 people or fewer, 33 children), every
record of the person in that feed:

    childrens_services  1.5%, adopted children   "Access Restriction": "Sealed", else blank
    police              1%, women in a refuge    "sensitivity": "sealed", else "standard"
    asc_clients         1%, women in a refuge    "Record Sensitivity": "Sealed", else "Standard"

- in a refuge: a woman of 18-64, the feed's likeliest by a draw per person (so one both feeds
  seal is sealed in both), at the same one of three refuges in every feed (empty properties
  in towns, in another district than her home where possible) instead of her household's
  address, with her mobile, never the home landline; she stays in her household and in
  ``truth.csv`` like anyone else.

Contacts, involvements and flags fall in the three years before a reference date fixed by the
seed (never today's date), so the same seed and size give byte-identical files.
"""

from __future__ import annotations

from joinedup.synth.county import CountySummary, generate_county

__all__ = ["CountySummary", "generate_county"]
