"""Places: the geometry under "who lives inside this flood zone?".

Pure functions, no store: ``crs`` converts coordinates (British National Grid, EPSG:27700, is
the working CRS; lon/lat only at the edges), ``areas`` reads and repairs the polygons users
upload (flood zones, wards), and ``grid`` finds which of a million properties fall inside one,
using integer grid cells the store can index.
"""
