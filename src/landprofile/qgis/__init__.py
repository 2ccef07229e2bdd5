"""QGIS: the results as the planner's desktop opens them.

Styles for every layer a GeoPackage of ours holds (QML in the standard ``layer_styles``
table, made from the same style definitions as the card's map), a QGIS project stored in
the GeoPackage (``qgis_projects``), and the Processing plugin that runs the stages from
QGIS by calling the installed ``landprofile`` command. Nothing here imports QGIS: the
files are written from the library's own data, and checked in real QGIS by the tests.

Along the data flow: ``landprofile.qgis.layers`` says which layers a GeoPackage
holds, in the card's order and names; ``landprofile.qgis.raster`` clips the land
cover into it; ``landprofile.qgis.qml`` turns the card's styles into QML;
``landprofile.qgis.gpkg`` writes the layers and ``layer_styles``;
``landprofile.qgis.project`` the project in ``qgis_projects``.
"""
