"""Read any vector input a user brings into a checked GeoDataFrame.

:func:`read_vector` is the one adapter from the outside world: paths in the common
formats, GeoJSON or WKT text, shapely geometries and GeoDataFrames all come out as a
GeoDataFrame with a CRS, valid geometries and no empty ones. What was repaired or
dropped is reported (a :class:`~landprofile.errors.GeometryRepairWarning` and
``gdf.attrs["landprofile_load_report"]``), never done silently.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landprofile._vector_files import VECTOR_EXTENSIONS, read_path
from landprofile.crs import WGS84, norm_crs
from landprofile.errors import (
    CoordinateRangeError,
    DataWarning,
    GeometryRepairWarning,
    InvalidGeometryError,
    MissingCRSError,
    UnreadableFileError,
    UnsupportedFormatError,
    user_stacklevel,
)

__all__ = ["VECTOR_EXTENSIONS", "read_vector"]


_WKT_PREFIXES = (
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
    "SRID=",
)


def read_vector(
    src: Any,
    *,
    layer: str | int | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Read a vector source into a GeoDataFrame with a CRS and valid, non-empty geometries.

    Parameters
    ----------
    src
        A path (GeoJSON, GeoPackage, Shapefile plain or zipped — also inside a folder of
        the zip —, KML, KMZ, CSV with a WKT column or lon/lat columns, GeoParquet,
        FlatGeobuf), a WKT or GeoJSON string, a shapely geometry or a sequence of them, a
        GeoDataFrame or GeoSeries. Inputs are never modified.
    layer
        Layer name or index for multi-layer sources (GeoPackage, zip with several
        shapefiles, KML with several folders).
    crs
        CRS for sources that carry none (a shapefile without its .prj, a GeoDataFrame
        without a CRS, WKT strings, shapely geometries, CSV with a WKT column). It never
        overrides a CRS a source declares.

    Returns
    -------
    geopandas.GeoDataFrame
        With ``attrs["landprofile_source"]`` (a description of the source and layer) and
        ``attrs["landprofile_load_report"]`` (a list of what was repaired or dropped).

    Raises
    ------
    SourceNotFoundError, UnsupportedFormatError, UnreadableFileError, LayerNotFoundError,
    AmbiguousLayerError, MissingCRSError, CoordinateRangeError
        Each naming the file or layer and what would be accepted.

    Examples
    --------
    >>> import landprofile as lp
    >>> gdf = lp.read_vector("POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))", crs=4326)
    >>> len(gdf), gdf.crs.to_epsg(), gdf.geometry.iloc[0].bounds
    (1, 4326, (0.0, 0.0, 2.0, 1.0))
    >>> bowtie = lp.read_vector("POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))", crs=4326)
    >>> bowtie.geometry.iloc[0].is_valid  # repaired on reading, and reported
    True
    >>> len(bowtie.attrs["landprofile_load_report"]) > 0
    True
    """
    gdf, label = _load(src, layer=layer, crs=crs)
    if gdf.crs is None and crs is not None:
        gdf = gdf.set_crs(norm_crs(crs, what=f"crs= for {label}"))
    if gdf.crs is None:
        raise MissingCRSError(
            f"{label} has no coordinate reference system; add one to the file (e.g. a .prj "
            "beside a shapefile), or read it with landprofile.read_vector(..., "
            "crs='EPSG:32630') (its true CRS) and pass the result"
        )
    gdf, report = _clean(gdf, label)
    _check_coordinate_range(gdf, label)
    gdf = _rename_clashing_fields(gdf, label, report)
    gdf.attrs["landprofile_source"] = label
    gdf.attrs["landprofile_load_report"] = report
    return gdf


# --------------------------------------------------------------------------- dispatch


def _load(src: Any, *, layer: str | int | None, crs: Any) -> tuple[gpd.GeoDataFrame, str]:
    if isinstance(src, gpd.GeoDataFrame):
        gdf = src.copy()
        if gdf.crs is None and crs is not None:
            gdf = gdf.set_crs(norm_crs(crs, what="crs="))
        return gdf, "GeoDataFrame"
    if isinstance(src, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=src.copy())
        if gdf.crs is None and crs is not None:
            gdf = gdf.set_crs(norm_crs(crs, what="crs="))
        return gdf, "GeoSeries"
    if isinstance(src, BaseGeometry):
        return _from_geometries([src], crs, "shapely geometry"), "shapely geometry"
    if isinstance(src, os.PathLike):
        return read_path(Path(src), layer=layer, crs=crs)
    if isinstance(src, str):
        text = src.strip()
        from landprofile.sources.catalogue import parse_name

        if parse_name(text) is not None:  # a named open source (geoboundaries:GHA/ADM2...)
            from landprofile.sources import vector, vector_layer

            # a source's archive may hold several layers (HydroBASINS: all 12 levels)
            gdf, _ = read_path(vector(text), layer=layer or vector_layer(text), crs=crs)
            return gdf, text
        if text.startswith("{"):
            return _read_geojson_text(text), "GeoJSON string"
        if text.upper().startswith(_WKT_PREFIXES):
            return _read_wkt_text(text, crs), "WKT string"
        return read_path(Path(src), layer=layer, crs=crs)
    if isinstance(src, dict) and "type" in src:
        return _read_geojson_text(json.dumps(src)), "GeoJSON mapping"
    if isinstance(src, Iterable) and not isinstance(src, bytes | pd.DataFrame):
        items = list(src)
        if items and all(isinstance(g, BaseGeometry) for g in items):
            return _from_geometries(items, crs, "shapely geometries"), "shapely geometries"
    raise UnsupportedFormatError(
        f"cannot read a vector from {type(src).__name__!r}; accepted are a path "
        f"({', '.join(sorted(VECTOR_EXTENSIONS))}), a WKT or GeoJSON string, shapely "
        "geometries, a GeoDataFrame or a GeoSeries"
    )


def _from_geometries(geoms: list[BaseGeometry], crs: Any, label: str) -> gpd.GeoDataFrame:
    if crs is None:
        raise MissingCRSError(
            f"{label} carry no coordinate reference system; pass crs=... "
            "(e.g. crs=4326 for longitude/latitude)"
        )
    return gpd.GeoDataFrame(geometry=list(geoms), crs=norm_crs(crs, what="crs="))


def _read_geojson_text(text: str) -> gpd.GeoDataFrame:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(f"GeoJSON string is not valid JSON: {exc}") from None
    try:
        gdf = gpd.read_file(json.dumps(data), engine="pyogrio")
    except Exception as exc:
        raise UnreadableFileError(f"GeoJSON string could not be read: {exc}") from None
    if gdf.crs is None:  # RFC 7946: GeoJSON is WGS 84 longitude/latitude
        gdf = gdf.set_crs(WGS84)
    return gdf


def _read_wkt_text(text: str, crs: Any) -> gpd.GeoDataFrame:
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise UnreadableFileError(f"WKT string could not be parsed: {exc}") from None
    return _from_geometries([geom], crs, "WKT string")


# --------------------------------------------------------------------------- cleaning


def _clean(gdf: gpd.GeoDataFrame, label: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    report: list[str] = []
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        idx = np.flatnonzero(missing)
        report.append(
            f"dropped {idx.size} null or empty geometr{'y' if idx.size == 1 else 'ies'} "
            f"(rows {_rows(gdf.index[idx])})"
        )
        gdf = gdf.loc[~missing].copy()
        geoms = gdf.geometry.to_numpy()
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if bad.any():
        # GEOS cannot test or repair such a geometry: name the rows rather than crash
        rows = np.unique(which[bad])
        raise InvalidGeometryError(
            f"{label}: {rows.size} geometr{'y has' if rows.size == 1 else 'ies have'} "
            f"coordinates that are not numbers (NaN or infinite) in rows "
            f"{_rows(gdf.index[rows])}; fix or drop those features"
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        idx = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[idx])
        repaired = shapely.make_valid(geoms[idx])
        # make_valid may return collections mixing the polygon with collapsed lines or
        # points; keep the parts of the original dimension so a polygon stays a polygon.
        dims = shapely.get_dimensions(geoms[idx])
        repaired = np.array(
            [_keep_dimension(g, d) for g, d in zip(repaired, dims, strict=True)], dtype=object
        )
        geoms = geoms.copy()
        geoms[idx] = repaired
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
        kinds = sorted({str(r).split("[")[0].strip() for r in reasons})
        report.append(
            f"repaired {idx.size} invalid geometr{'y' if idx.size == 1 else 'ies'} with "
            f"shapely.make_valid (rows {_rows(gdf.index[idx])}; {', '.join(kinds)})"
        )
        now_empty = shapely.is_empty(geoms)
        if now_empty.any():
            report.append(f"dropped {int(now_empty.sum())} geometries left empty by the repair")
            gdf = gdf.loc[~now_empty].copy()
    for line in report:
        warnings.warn(f"{label}: {line}", GeometryRepairWarning, stacklevel=user_stacklevel())
    return gdf, report


#: Field names a GeoPackage keeps for itself (its feature id and geometry columns).
_RESERVED = ("fid", "geom")


def _rename_clashing_fields(
    gdf: gpd.GeoDataFrame, label: str, report: list[str]
) -> gpd.GeoDataFrame:
    """Rename fields a GeoPackage cannot hold beside each other, with a warning, now.

    GeoPackage (and SQLite) field names are case-insensitive, and ``geom`` is the
    geometry column of every layer the program writes: sites with both ``fid`` and
    ``FID``, or with a ``geom`` text field, read fine but made zones.gpkg fail after the
    whole zoning. The first of a clash keeps its name (``fid`` is the feature id a
    GeoPackage drops anyway); the others get ``_2``, ``_3``... and the warning names them.
    """
    geom = gdf.geometry.name
    taken: set[str] = {geom.casefold()}
    renames: dict[str, str] = {}
    for col in gdf.columns:
        if col == geom:
            continue
        key = str(col).casefold()
        clash = key in taken or (key == "geom" and geom != "geom")
        if clash:
            n = 2
            while f"{key}_{n}" in taken or f"{col}_{n}" in map(str, gdf.columns):
                n += 1
            renames[col] = f"{col}_{n}"
            key = f"{key}_{n}"
        taken.add(key)
    if not renames:
        return gdf
    line = (
        "field names a GeoPackage cannot hold together (names are case-insensitive; "
        "'geom' is the geometry column) renamed: "
        + ", ".join(f"{a!r} -> {b!r}" for a, b in renames.items())
    )
    report.append(line)
    warnings.warn(f"{label}: {line}", DataWarning, stacklevel=user_stacklevel())
    return gdf.rename(columns=renames)


def _keep_dimension(geom: BaseGeometry, dim: int) -> BaseGeometry:
    if geom.geom_type != "GeometryCollection":
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim]
    if not parts:
        return shapely.GeometryCollection()
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _rows(index: pd.Index) -> str:
    values = [str(v) for v in index[:10]]
    return ", ".join(values) + (" ..." if len(index) > 10 else "")


def _check_coordinate_range(gdf: gpd.GeoDataFrame, label: str) -> None:
    crs: CRS = gdf.crs
    if not crs.is_geographic or gdf.empty:
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    if miny >= -90 and maxy <= 90 and minx >= -180 and maxx <= 360:
        return
    hint = ""
    if minx >= -90 and maxx <= 90 and (miny < -90 or maxy > 90) and miny >= -180 and maxy <= 180:
        hint = " — longitude and latitude look swapped (x must be longitude, y latitude)"
    elif maxx > 360 or minx < -180:
        hint = " — these look like projected metres; declare the right projected CRS"
    raise CoordinateRangeError(
        f"{label}: coordinates x {minx:.6g}..{maxx:.6g}, y {miny:.6g}..{maxy:.6g} are out of "
        f"range for geographic CRS {crs.name!r} (accepted: longitude -180..180, "
        f"latitude -90..90){hint}"
    )
