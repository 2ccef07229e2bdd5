"""The QGIS project stored in the GeoPackage (``qgis_projects``), named after the landscape.

The project (``.qgs`` XML from the ``project.qgs.j2`` template) lists the layers of
:func:`landprofile.qgis.layers.card_layers` with the same styles as their default ones,
in the card's drawing order (the top layer first, as QGIS lists them) and the card's
one group (the context layer); its CRS is the result's, its extent the landscape's.

Layer sources hold no path of this machine: ``./NAME.gpkg|layername=zones`` and
``GPKG:./NAME.gpkg:land_cover``, where NAME is the file's own name. QGIS resolves a
relative source of a project stored in a GeoPackage against the folder of that
GeoPackage (``QgsGeoPackageProjectStorage::filePath`` is the path resolver's base), so
the file can be copied or moved anywhere; but the file name is part of the source: a
renamed copy's project looks for the old name (QGIS's own behaviour, qgis/QGIS#37440;
its "handle unavailable layers" dialog repairs every layer at once when one is pointed
at the renamed file). ``landprofile qgis project`` writes a file under any name.

QGIS stores a project as its ``.qgz`` archive (a zip holding the ``.qgs``), hexadecimal
text in ``content``, with ``{"last_modified_time": ..., "last_modified_user": ...}`` in
``metadata``; the archive here is made with fixed dates, so that the same result gives
the same bytes.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from typing import Any

from landprofile.qgis import qml
from landprofile.qgis.layers import MapLayer, geometry_kind

__all__ = ["check_file_name", "crs_info", "project_qgs", "qgz_bytes", "store_project"]

#: The date written into the archive and the project's metadata.
PROJECT_TIME = (2000, 1, 1, 0, 0, 0)
#: Who the metadata says saved the project (never this machine's user).
PROJECT_USER = "landprofile"
#: Layer ids are ``TABLE_landprofile``: QGIS gives a new id to a layer whose id is
#: shorter than 10 characters (and the layer tree would then lose it).
ID_SUFFIX = "_landprofile"

#: The ellipsoid the project measures on (WGS 84, as landprofile's geodesic areas), and
#: its area unit: ``$area`` in QGIS is then a zone's ``area_ha``.
ELLIPSOID = "EPSG:7030"

#: ``qgis_projects`` as QGIS's GeoPackage project storage creates it.
PROJECTS_DDL = "CREATE TABLE qgis_projects(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)"


#: Characters a layer source cannot hold in a file name: QGIS splits ``GPKG:path:table``
#: at ``:`` (no quoting is read back) and ``path|layername=...`` at ``|``.
SOURCE_BREAKERS = (":", "|")


def check_file_name(path: Any) -> None:
    """Refuse a GeoPackage file name the project's layer sources could not name.

    The project names its file relatively (``./NAME.gpkg``): a ``:`` or ``|`` in
    ``NAME`` would split the source where QGIS reads a separator (the land cover's
    ``GPKG:./a:b.gpkg:land_cover`` opens nothing), and so would a control character
    XML cannot hold.

    Raises
    ------
    OutputError
        Naming the file, the character and a name that would do.
    """
    from pathlib import Path

    from landprofile.errors import OutputError

    name = Path(path).name
    bad = [c for c in SOURCE_BREAKERS if c in name] + qml.not_xml(name)
    if bad:
        shown = ", ".join(repr(c) for c in dict.fromkeys(bad))
        fixed = "".join("_" if c in bad else c for c in name)
        raise OutputError(
            f"GeoPackage name '{name}' holds {shown}: the QGIS project stored in it names "
            "its layers by the file's name, and QGIS reads ':' and '|' in a layer source "
            f"as separators (and XML holds no control character); accepted: a name "
            f"without them, such as '{fixed}'"
        )


def crs_info(crs: Any) -> dict[str, Any]:
    """What a QGIS ``<spatialrefsys>`` holds for ``crs`` (pyproj or rasterio CRS, WKT...)."""
    from pyproj import CRS

    c = CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    auth = c.to_authority()
    return {
        "wkt": c.to_wkt(),
        "proj4": "",
        "srid": auth[1] if auth and auth[0] == "EPSG" else 0,
        "authid": f"{auth[0]}:{auth[1]}" if auth else "",
        "description": c.name,
        "geographic": "true" if c.is_geographic else "false",
    }


def _entry(ml: MapLayer, file_name: str, lang: str, min_score: float) -> dict[str, Any]:
    from landprofile.qgis.styling import raster_style_of, vector_style_of

    if ml.raster:
        return {
            "id": ml.table + ID_SUFFIX,
            "title": ml.title,
            "raster": True,
            "source": f"GPKG:./{file_name}:{ml.table}",
            "provider": "gdal",
            "crs": crs_info(ml.data.crs),
            "style": raster_style_of(ml),
            "visible": ml.visible,
            "expanded": True,
            # QGIS heads the legend of a raster of several bands with the band's name
            # ("Band 1 (Red)": GDAL reads the grey tiles as RGBA); the classes only
            "legend_order": ",".join(str(i + 1) for i in range(len(ml.data.classes))),
        }
    gdf = ml.data
    return {
        "id": ml.table + ID_SUFFIX,
        "title": ml.title,
        "raster": False,
        "source": f"./{file_name}|layername={ml.table}",
        "provider": "ogr",
        "crs": crs_info(gdf.crs if gdf.crs is not None else "EPSG:4326"),
        "geometry": geometry_kind(gdf),
        "style": vector_style_of(ml, lang, min_score),
        "visible": ml.visible,
        # the graduated and categorised legends open; single symbols need no unfolding
        "expanded": ml.table in ("zones", "exclusions", "land_cover"),
        "legend_order": "",
    }


#: The map layers of the zoning: made from every input, so credited with all of them.
_DERIVED = ("zones", "other_suitable", "exclusions", "conflicts", "candidate_regions")


def _layer_credits(table: str, credits: list[Any]) -> list[Any]:
    """The credits of one layer of the file, by its table name."""
    if table in _DERIVED:
        return [c for c in credits if c.role != "context"]
    if table.startswith("context_"):
        # the shipped context: countries and rivers are Natural Earth's, towns GeoNames'
        want = "GeoNames" if table == "context_towns" else "Natural Earth"
        return [c for c in credits if c.role == "context" and c.name.startswith(want)]
    roles = ("boundary", "boundary_clip") if table == "boundary" else (table,)
    return [c for c in credits if c.role.removeprefix("layer:") in roles]


def _rights(table: str, credits: list[Any]) -> dict[str, list[str]]:
    """A layer's ``rights`` (one line per input credited) and ``licences`` (distinct)."""
    own = _layer_credits(table, credits)
    return {
        "rights": [f"{c.name}: {c.text()}" for c in own],
        "licences": list(dict.fromkeys(c.licence for c in own if c.licence)),
    }


def project_qgs(
    result: Any,
    layers: list[MapLayer],
    file_name: str,
    lang: str,
    min_score: float,
    credits: list[Any] | None = None,
) -> str:
    """The project's ``.qgs`` XML for ``layers`` (bottom first) in the file ``file_name``.

    ``credits`` (:class:`landprofile.credits.Credit`) go into each layer's metadata
    (rights, licence) and, all of them, into the project's metadata (its abstract).
    """
    credits = list(credits or [])
    entries = [
        _entry(ml, file_name, lang, min_score) | _rights(ml.table, credits)
        for ml in reversed(layers)
    ]
    tree: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for ml, entry in zip(reversed(layers), entries, strict=True):
        if ml.group is None:
            tree.append(entry)
        elif ml.group in groups:
            groups[ml.group]["layers"].append(entry)
        else:
            groups[ml.group] = {"name": ml.group, "layers": [entry]}
            tree.append(groups[ml.group])
    crs = crs_info(result.crs)
    ls = result.landscape
    if ls is not None:
        from landprofile.geodesy import project

        extent = project([ls.geometry], ls.crs, result.crs)[0].bounds
    else:
        extent = tuple(result.zones.total_bounds)
    name = ls.name if ls is not None else "landprofile"
    return qml.render(
        "project.qgs.j2",
        name=name,
        crs=crs,
        units="degrees" if crs["geographic"] == "true" else "meters",
        ellipsoid=ELLIPSOID,
        extent=[repr(float(v)) for v in extent],
        tree=tree,
        layers=entries,
        credits=[f"{c.role}: {c.name}: {c.text()}" for c in credits],
        author=PROJECT_USER,
        created="{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}".format(*PROJECT_TIME),
    )


def qgz_bytes(qgs: str) -> bytes:
    """The ``.qgz`` archive of a project: its ``.qgs`` in a zip, fixed dates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("project.qgs", date_time=PROJECT_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, qgs.encode("utf-8"))
    return buf.getvalue()


def store_project(
    con: sqlite3.Connection,
    result: Any,
    layers: list[MapLayer],
    file_name: str,
    lang: str,
    min_score: float,
    credits: list[Any] | None = None,
) -> str:
    """Store the project in the open GeoPackage ``con``; returns its name (the landscape's)."""
    qgs = project_qgs(result, layers, file_name, lang, min_score, credits)
    ls = result.landscape
    # the name the XML holds (the control characters XML cannot hold removed)
    name = qml.xml_text(ls.name, "the landscape name") if ls is not None else "landprofile"
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}".format(*PROJECT_TIME)
    metadata = json.dumps({"last_modified_time": stamp, "last_modified_user": PROJECT_USER})
    con.execute(PROJECTS_DDL)
    con.execute(
        "INSERT INTO qgis_projects (name, metadata, content) VALUES (?, ?, ?)",
        (name, metadata, qgz_bytes(qgs).hex()),
    )
    return name
