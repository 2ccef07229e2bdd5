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
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landprofile.crs import WGS84, norm_crs
from landprofile.errors import (
    AmbiguousLayerError,
    CoordinateRangeError,
    GeometryRepairWarning,
    LayerNotFoundError,
    MissingCRSError,
    MissingFieldError,
    SourceNotFoundError,
    TextEncodingWarning,
    UnreadableFileError,
    UnsupportedFormatError,
    user_stacklevel,
)

__all__ = ["VECTOR_EXTENSIONS", "read_vector"]

#: File extensions read_vector accepts, with the format each stands for.
VECTOR_EXTENSIONS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile",
    ".kml": "KML",
    ".kmz": "KMZ",
    ".csv": "CSV with a WKT column or lon/lat columns",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".fgb": "FlatGeobuf",
}

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
_CSV_WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "shape", "footprint")
_CSV_LONLAT_COLUMNS = (
    ("lon", "lat"),
    ("longitude", "latitude"),
    ("lng", "lat"),
    ("long", "lat"),
    ("x", "y"),
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
        return _read_path(Path(src), layer=layer, crs=crs)
    if isinstance(src, str):
        text = src.strip()
        if text.startswith("{"):
            return _read_geojson_text(text), "GeoJSON string"
        if text.upper().startswith(_WKT_PREFIXES):
            return _read_wkt_text(text, crs), "WKT string"
        return _read_path(Path(src), layer=layer, crs=crs)
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


def _read_path(path: Path, *, layer: str | int | None, crs: Any) -> tuple[gpd.GeoDataFrame, str]:
    if not path.exists():
        raise SourceNotFoundError(f"vector file not found: '{path}'")
    if path.is_dir():
        shps = sorted(path.glob("*.shp"))
        if len(shps) == 1:
            path = shps[0]
        else:
            raise UnsupportedFormatError(
                f"'{path}' is a folder; give a file "
                f"({', '.join(sorted(VECTOR_EXTENSIONS))})"
                + (f" — it holds {len(shps)} shapefiles" if shps else "")
            )
    ext = path.suffix.lower()
    if ext == ".zip":
        return _read_zip(path, layer=layer)
    if ext == ".kmz":
        return _read_kmz(path, layer=layer)
    if ext in (".parquet", ".geoparquet"):
        return _read_parquet(path), str(path)
    if ext == ".csv":
        return _read_csv(path, crs=crs), str(path)
    if ext not in VECTOR_EXTENSIONS:
        raise UnsupportedFormatError(
            f"'{path}': unknown vector format '{path.suffix or '(no extension)'}'; accepted: "
            + ", ".join(f"{k} ({v})" for k, v in VECTOR_EXTENSIONS.items())
        )
    gdf, label = _read_ogr(str(path), str(path), layer=layer)
    if gdf.crs is None and ext in (".geojson", ".json"):
        gdf = gdf.set_crs(WGS84)  # RFC 7946 defines the CRS when none is declared
    if gdf.crs is None and ext == ".kml":
        gdf = gdf.set_crs(WGS84)  # KML is WGS 84 by definition (OGC KML 2.2)
    return gdf, label


def _read_ogr(
    gdal_path: str, label: str, *, layer: str | int | None
) -> tuple[gpd.GeoDataFrame, str]:
    try:
        layers = pyogrio.list_layers(gdal_path)
    except Exception as exc:
        raise UnreadableFileError(f"'{label}' could not be opened as vector data: {exc}") from None
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if not names:
        raise UnreadableFileError(f"'{label}' holds no vector layer")
    chosen = _choose_layer(names, layer, label)
    try:
        try:
            gdf = gpd.read_file(gdal_path, layer=chosen, engine="pyogrio")
        except UnicodeDecodeError:
            gdf = gpd.read_file(gdal_path, layer=chosen, engine="pyogrio", encoding=LEGACY)
            _warn_legacy_text(label)
    except Exception as exc:
        raise UnreadableFileError(f"'{label}' layer '{chosen}' could not be read: {exc}") from None
    full = label if len(names) == 1 else f"{label} (layer '{chosen}')"
    return gdf, full


def _choose_layer(names: list[str], layer: str | int | None, label: str) -> str:
    if layer is None:
        if len(names) == 1:
            return names[0]
        raise AmbiguousLayerError(
            f"'{label}' holds {len(names)} layers; choose one with layer=...: "
            + ", ".join(repr(n) for n in names)
        )
    if isinstance(layer, int) and not isinstance(layer, bool):
        if 0 <= layer < len(names):
            return names[layer]
        raise LayerNotFoundError(
            f"'{label}' has no layer index {layer}; it holds {len(names)} layer(s): "
            + ", ".join(repr(n) for n in names)
        )
    if layer in names:
        return str(layer)
    raise LayerNotFoundError(
        f"layer {layer!r} not found in '{label}'; available layers: "
        + ", ".join(repr(n) for n in names)
    )


def _read_zip(path: Path, *, layer: str | int | None) -> tuple[gpd.GeoDataFrame, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(f"'{path}' is not a readable zip archive: {exc}") from None
    shps = sorted(m for m in members if m.lower().endswith(".shp") and "__MACOSX" not in m)
    if not shps:
        shown = ", ".join(members[:10]) + (" ..." if len(members) > 10 else "")
        raise UnsupportedFormatError(
            f"zip archive '{path}' holds no shapefile (.shp); it contains: {shown or 'nothing'}"
        )
    stems = [Path(m).stem for m in shps]
    chosen = shps[stems.index(_choose_layer(stems, layer, str(path)))]
    gdf, _ = _read_ogr(f"/vsizip/{path.resolve()}/{chosen}", f"{path}!{chosen}", layer=None)
    return gdf, f"{path}!{chosen}"


def _read_kmz(path: Path, *, layer: str | int | None) -> tuple[gpd.GeoDataFrame, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            kmls = [m for m in zf.namelist() if m.lower().endswith(".kml")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(f"'{path}' is not a readable KMZ archive: {exc}") from None
    if not kmls:
        raise UnsupportedFormatError(f"KMZ '{path}' holds no .kml document")
    doc = "doc.kml" if "doc.kml" in kmls else kmls[0]
    gdf, label = _read_ogr(f"/vsizip/{path.resolve()}/{doc}", f"{path}!{doc}", layer=layer)
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    return gdf, label


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:
        raise UnreadableFileError(f"'{path}' could not be read as GeoParquet: {exc}") from None


#: What text that is not UTF-8 is read as: the Windows code page of French, Spanish and
#: English exports (Excel CSVs, old shapefiles); a superset of Latin-1's letters.
LEGACY = "cp1252"


def _warn_legacy_text(label: str) -> None:
    warnings.warn(
        f"'{label}' is not UTF-8 text: read as Windows-1252 (Latin-1); check accented "
        "names, and save the file as UTF-8 to silence this",
        TextEncodingWarning,
        stacklevel=user_stacklevel(),
    )


def _read_csv(path: Path, *, crs: Any) -> gpd.GeoDataFrame:
    try:
        try:
            df = pd.read_csv(path, encoding="utf-8-sig")  # Excel's UTF-8 starts with a BOM
        except UnicodeDecodeError:
            try:
                df = pd.read_csv(path, encoding=LEGACY)
            except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, ...)
                df = pd.read_csv(path, encoding="latin-1")
            _warn_legacy_text(str(path))
    except Exception as exc:
        raise UnreadableFileError(f"'{path}' could not be read as CSV: {exc}") from None
    lower = {c.lower(): c for c in df.columns}
    for name in _CSV_WKT_COLUMNS:
        if name in lower:
            col = lower[name]
            try:
                geoms = shapely.from_wkt(df[col].astype("string").fillna("").to_numpy(dtype=object))
            except shapely.errors.GEOSException as exc:
                raise UnreadableFileError(
                    f"'{path}': column '{col}' holds text that is not WKT: {exc}"
                ) from None
            if crs is None:
                raise MissingCRSError(
                    f"'{path}' has WKT geometries in column '{col}' but no CRS; "
                    "pass crs=... (e.g. crs=4326)"
                )
            return gpd.GeoDataFrame(
                df.drop(columns=[col]), geometry=geoms, crs=norm_crs(crs, what=str(path))
            )
    for xname, yname in _CSV_LONLAT_COLUMNS:
        if xname in lower and yname in lower:
            xcol, ycol = lower[xname], lower[yname]
            x = pd.to_numeric(df[xcol], errors="coerce").to_numpy()
            y = pd.to_numeric(df[ycol], errors="coerce").to_numpy()
            # Columns named lon/lat are longitude/latitude on WGS 84 unless told otherwise.
            use_crs = norm_crs(crs, what=str(path)) if crs is not None else WGS84
            if xname == "x" and crs is None:
                raise MissingCRSError(
                    f"'{path}' has x/y columns but no CRS; pass crs=... "
                    "(columns named lon/lat are taken as EPSG:4326)"
                )
            geoms = shapely.points(x, y)
            geoms[np.isnan(x) | np.isnan(y)] = None
            return gpd.GeoDataFrame(df, geometry=geoms, crs=use_crs)
    raise MissingFieldError(
        f"'{path}': no geometry column found among {list(df.columns)}; accepted are a WKT "
        f"column ({', '.join(_CSV_WKT_COLUMNS)}) or a pair of coordinate columns "
        f"({', '.join('/'.join(p) for p in _CSV_LONLAT_COLUMNS)})"
    )


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
        warnings.warn(f"{label}: {line}", GeometryRepairWarning, stacklevel=4)
    return gdf, report


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
