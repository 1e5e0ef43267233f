"""Places: properties, households and areas, under "who lives inside this flood zone?".

Following the data: ``build`` rebuilds the hub's places from the sources (every property in
British National Grid with its grid cell; each person record at a property, by UPRN or by
``addresses`` matching; each person at a home), ``named`` keeps areas planners pick by name,
and ``vulnerable`` lists the households inside an area with the people who need help
(``needs`` maps every agency's flag codes to the risk indicators a responder acts on);
``emergency`` is the one way in for the CLI, API and web page, ``export`` writes the
responder's file and ``maps`` draws it offline as SVG.

The geometry under it is pure, with no store: ``crs`` converts coordinates (EPSG:27700 is the
working CRS; lon/lat only at the edges, through ``ostn15`` when PROJ has no OSTN15 grid),
``areas`` reads and repairs the polygons users upload, and ``grid`` finds which of a million
properties fall inside one, using integer grid cells the store can index.
"""
