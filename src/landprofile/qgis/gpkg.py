"""A GeoPackage that opens in QGIS looking like the card: layers, styles, a project.

:func:`write_gpkg` writes the layers of :func:`landprofile.qgis.layers.card_layers` with
GDAL (GeoPackage 1.3: QGIS 3.22's GDAL 3.6 warns on 1.4), then, once GDAL has closed
the file, adds with sqlite3 what QGIS itself stores in a GeoPackage:

- ``layer_styles``: one default style (QML) per layer, the table exactly as QGIS 3.22
  creates it (an OGR attributes table, registered in ``gpkg_contents``, so that QGIS
  finds it through OGR and can add styles of its own). QGIS picks a layer's default
  style by ``f_table_schema = ''``, ``f_table_name`` and ``f_geometry_column``.
- ``qgis_projects``: the project (:mod:`landprofile.qgis.project`), as QGIS stores it:
  the ``.qgz`` archive's bytes as hexadecimal text, with a JSON metadata.

Timestamps are fixed (``landprofile._gpkg.GPKG_TIMESTAMP``): the same
result gives the same bytes.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from landprofile.i18n import strings
from landprofile.qgis import qml
from landprofile.qgis.layers import MapLayer, card_layers
from landprofile.qgis.styling import raster_style_of, vector_style_of

__all__ = [
    "GPKG_VERSION",
    "STYLES_DDL",
    "add_styles",
    "append_layer",
    "map_inputs",
    "style_layer",
    "write_gpkg",
    "write_layers",
]

#: GDAL's ``VERSION`` creation option: what QGIS 3.22 (GDAL 3.6) reads without a warning.
GPKG_VERSION = "1.3"
#: ``layer_styles`` as QGIS 3.22 creates it (through OGR), and OGR's feature count triggers.
STYLES_DDL = (
    'CREATE TABLE "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
    'CREATE TRIGGER "trigger_insert_feature_count_layer_styles" AFTER INSERT ON '
    '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
    'CREATE TRIGGER "trigger_delete_feature_count_layer_styles" AFTER DELETE ON '
    '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
)


#: The order of the tables in the file: the zoning's first (``zones`` is the first
#: layer a reader opens), then what the card draws around it.
_FIRST = ("zones", "other_suitable", "exclusions", "conflicts", "candidate_regions")


def _prepared(layer: MapLayer, lang: str) -> Any:
    gdf = layer.data
    if layer.table == "boundary":
        from landprofile.i18n import describe_provenance

        gdf = gdf.copy()
        # the card's words for how the boundary was made (to_gdf's are English)
        gdf["boundary_definition"] = describe_provenance(layer.extra, lang)
    return gdf


def write_layers(
    layers: list[MapLayer], path: os.PathLike[str] | str, meta: dict[str, str], lang: str
) -> None:
    """Write every layer into a new GeoPackage 1.3 at ``path`` (``meta``: dataset metadata)."""
    import pyogrio

    from landprofile._gpkg import GPKG_TIMESTAMP, gdal_config
    from landprofile.qgis.raster import write_land_cover

    rank = {t: i for i, t in enumerate(_FIRST)}
    vectors = sorted(
        (ml for ml in layers if not ml.raster), key=lambda ml: rank.get(ml.table, len(rank))
    )
    with gdal_config(OGR_CURRENT_DATE=GPKG_TIMESTAMP):
        for i, ml in enumerate(vectors):
            gdf = _prepared(ml, lang)
            clash = any(str(c).lower() == "fid" for c in gdf.columns)
            try:
                pyogrio.write_dataframe(
                    gdf,
                    os.fspath(path),
                    layer=ml.table,
                    driver="GPKG",
                    append=i > 0,
                    dataset_metadata=meta if i == 0 else None,
                    dataset_options={"VERSION": GPKG_VERSION} if i == 0 else None,
                    # a user's own "fid" column stays an attribute
                    layer_options={"FID": "gpkg_fid"} if clash else None,
                )
            except (pyogrio.errors.DataLayerError, ValueError, TypeError) as exc:
                from landprofile.errors import OutputError

                # a user's layer with attributes a GeoPackage cannot hold
                raise OutputError(
                    f"GeoPackage layer '{ml.table}' ({ml.title}) cannot be written: {exc}; "
                    f"its columns are {', '.join(map(str, gdf.columns))}"
                ) from None
    for ml in layers:
        if ml.raster:
            write_land_cover(ml.data, path, ml.table)


def add_styles(
    con: sqlite3.Connection, layers: list[MapLayer], lang: str, min_score: float
) -> None:
    """Create ``layer_styles`` and give every layer its default style."""
    from landprofile._gpkg import GPKG_TIMESTAMP

    for ddl in STYLES_DDL:
        con.execute(ddl)
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?, 0)",
        (GPKG_TIMESTAMP,),
    )
    con.execute(
        "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, 0)", ("layer_styles",)
    )
    # QGIS keys a layer's style by its geometry column, as GDAL named it
    columns = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    for ml in layers:
        if ml.raster:
            column, text = "", qml.raster_qml(raster_style_of(ml))
        else:
            column, text = columns[ml.table], qml.vector_qml(vector_style_of(ml, lang, min_score))
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
            (ml.table, column, ml.table, text, ml.title, GPKG_TIMESTAMP),
        )


def style_layer(path: os.PathLike[str] | str, table: str, gdf: Any, lang: str) -> bool:
    """Give ``table`` of a closed GeoPackage the card's style of the same name, if any."""
    from landprofile.maps.styles import STYLES

    if table not in STYLES:
        return False
    title = strings(lang).get(table, table)
    con = sqlite3.connect(os.fspath(path))
    try:
        with con:
            add_styles(con, [MapLayer(table, title, table, gdf)], lang, 0.4)
    finally:
        con.close()
    return True


def append_layer(
    path: os.PathLike[str] | str, table: str, gdf: Any, lang: str, title: str | None = None
) -> None:
    """Add ``table`` to a closed GeoPackage that has ``layer_styles``, with its card style.

    For a layer made after the zoning's file (the monitoring's ``alerts``): GDAL appends
    the table, then its default QGIS style goes into the existing ``layer_styles``
    (``write_gpkg``'s own project does not list it; QGIS still opens it styled).
    """
    import pyogrio

    from landprofile._gpkg import GPKG_TIMESTAMP, gdal_config

    with gdal_config(OGR_CURRENT_DATE=GPKG_TIMESTAMP):
        pyogrio.write_dataframe(gdf, os.fspath(path), layer=table, driver="GPKG", append=True)
    ml = MapLayer(table, title or strings(lang).get(table, table), table, gdf)
    con = sqlite3.connect(os.fspath(path))
    try:
        with con:
            (column,) = con.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
            ).fetchone()
            text = qml.vector_qml(vector_style_of(ml, lang, 0.4))
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
                (table, column, table, text, ml.title, GPKG_TIMESTAMP),
            )
    finally:
        con.close()


def map_inputs(cfg: Any) -> dict[str, Any]:
    """What a config's card draws around the zones, as :func:`write_gpkg` takes it.

    The ``[layers]`` as given and the ``[rasters]`` land cover with its legend.
    """
    r = cfg.section("rasters")
    return {
        "layers": cfg.section("layers"),
        "land_cover": r.get("land_cover"),
        "legend": r.get("legend"),
    }


def write_gpkg(
    result: Any,
    path: os.PathLike[str] | str,
    *,
    name: str,
    meta: dict[str, str],
    layers: dict[str, Any] | None = None,
    land_cover: Any = None,
    legend: Any = None,
    project: bool = True,
) -> list[MapLayer]:
    """Write ``result``'s styled GeoPackage (and its QGIS project) to a new file ``path``.

    Parameters
    ----------
    result
        The :class:`~landprofile.zoning.result.ZoningResult` (its language is the card's).
    path
        The file to create (a temporary one: the caller renames it into place).
    name
        The file name it will have: the project's layers name it (``./name``).
    meta
        Dataset metadata (rules, summary, sources).
    layers, land_cover, legend
        The user's layers and land cover, as given to the card (see
        :func:`~landprofile.qgis.layers.card_layers`).
    project
        Whether to store the QGIS project (``qgis_projects``).

    Returns
    -------
    list of MapLayer
        What was written, bottom layer first.
    """
    if project:
        from landprofile.qgis.project import check_file_name

        check_file_name(name)
    lang = result.lang
    res = result.in_language(lang)
    mls = card_layers(res, lang, layers=layers, land_cover=land_cover, legend=legend)
    meta, credits = _with_credits(meta, mls)
    write_layers(mls, path, meta, lang)
    min_score = float(res.summary.get("min_score", 0.4))
    con = sqlite3.connect(os.fspath(path))
    try:
        with con:
            add_styles(con, mls, lang, min_score)
            if project:
                from landprofile.qgis.project import store_project

                store_project(con, res, mls, Path(name).name, lang, min_score, credits=credits)
    finally:
        con.close()
    return mls


def _with_credits(meta: dict[str, str], mls: list[MapLayer]) -> tuple[dict[str, str], list[Any]]:
    """The metadata with every layer's credit: the inputs' and the context layer's.

    ``landprofile_sources`` (JSON, one record per input, see :mod:`landprofile.credits`)
    gains the shipped context layer's credits when it is drawn; ``landprofile_credits``
    says the same as text, one line per input ("credit not given" included).
    """
    import json

    from landprofile._credit_lists import CONTEXT
    from landprofile.credits import credit_rows, record

    recs = json.loads(meta["landprofile_sources"]) if meta.get("landprofile_sources") else []
    if any(ml.table.startswith("context_") for ml in mls):
        recs += [record(c) for c in CONTEXT]
    if not recs:
        return meta, []
    credits = credit_rows(recs)
    lines = [f"{c.role}: {c.name}: {c.text()}" for c in credits]
    return meta | {
        "landprofile_sources": json.dumps(recs, sort_keys=True, default=str, ensure_ascii=False),
        "landprofile_credits": "\n".join(lines),
    }, credits
