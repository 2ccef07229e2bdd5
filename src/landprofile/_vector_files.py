"""Vector files by format, for :func:`landprofile.read_vector`.

Each reader takes a path and gives a GeoDataFrame (and a label naming the file and
layer); :mod:`landprofile.vector` then checks the CRS, repairs and reports geometries.
Text that is not UTF-8 (old shapefiles, Excel CSV exports) is read as Windows-1252 with
a :class:`~landprofile.errors.TextEncodingWarning`.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from landprofile._input_files import check_input_file
from landprofile.crs import WGS84, norm_crs
from landprofile.errors import (
    AmbiguousLayerError,
    IncompleteFileWarning,
    LayerNotFoundError,
    MissingCRSError,
    MissingFieldError,
    SourceNotFoundError,
    TextEncodingWarning,
    UnreadableFileError,
    UnsupportedFormatError,
    user_stacklevel,
)

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

_CSV_WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "shape", "footprint")
_CSV_LONLAT_COLUMNS = (
    ("lon", "lat"),
    ("longitude", "latitude"),
    ("lng", "lat"),
    ("long", "lat"),
    ("x", "y"),
)


def read_path(path: Path, *, layer: str | int | None, crs: Any) -> tuple[gpd.GeoDataFrame, str]:
    if not path.exists():
        raise SourceNotFoundError(f"vector file not found: '{path}'")
    if path.is_dir():
        # a folder is never guessed into a file: the next error would be about a
        # missing field of whatever layer GDAL picked
        inside = sorted(p.name for p in path.iterdir() if p.suffix.lower() in VECTOR_EXTENSIONS)
        shown = ", ".join(inside[:8]) + (" ..." if len(inside) > 8 else "")
        hint = (
            f"; give the file inside it: '{path / inside[0]}'"
            if len(inside) == 1
            else (f" — it holds: {shown}" if inside else " — it holds no vector file")
        )
        raise UnsupportedFormatError(
            f"'{path}' is a folder, not a vector file "
            f"({', '.join(sorted(VECTOR_EXTENSIONS))}){hint}"
        )
    check_input_file(path, "vector")  # a FIFO or device would block GDAL forever
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
    if ext == ".shp":
        _check_shapefile_parts(path.name, [p.name for p in path.parent.iterdir()], str(path))
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
    every = [str(n) for n in layers[:, 0]] if len(layers) else []
    # Tables that are not data (a QGIS style, a saved project, metadata, attribute-only
    # tables) never count as layers: the program's own one-layer outputs carry a
    # ``layer_styles`` table, and a file QGIS styled must read as the layer it holds.
    names = [str(n) for n, kind in layers if kind is not None and not _is_meta(str(n))]
    if not names:
        shown = f" (only tables that are not map layers: {', '.join(map(repr, every))})"
        raise UnreadableFileError(
            f"'{label}' holds no vector layer with geometries{shown if every else ''}"
        )
    if layer is not None and not isinstance(layer, int) and layer in every and layer not in names:
        raise LayerNotFoundError(
            f"'{label}': table {layer!r} holds no geometries (a style, project or attribute "
            "table); its map layers are: " + ", ".join(repr(n) for n in names)
        )
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


#: Tables GDAL may list that hold no map data: QGIS's styles and projects, GeoPackage
#: metadata and SQLite's own (listed when a file registers no attribute table).
_META_TABLES = {"layer_styles", "qgis_projects"}
_META_PREFIXES = ("gpkg_", "rtree_", "sqlite_")


def _is_meta(name: str) -> bool:
    low = name.lower()
    return low in _META_TABLES or low.startswith(_META_PREFIXES)


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
    _check_shapefile_parts(chosen, members, f"{path}!{chosen}")
    gdf, _ = _read_ogr(f"/vsizip/{path.resolve()}/{chosen}", f"{path}!{chosen}", layer=None)
    return gdf, f"{path}!{chosen}"


def _check_shapefile_parts(shp: str, names: list[str], label: str) -> None:
    """Warn when a shapefile's .dbf is missing: GDAL reads its shapes without attributes."""
    stem = str(Path(shp).with_suffix("")).casefold()
    have = {str(Path(n).with_suffix("")).casefold() + Path(n).suffix.lower() for n in names}
    if stem + ".dbf" not in have:
        warnings.warn(
            f"{label}: the shapefile has no .dbf beside it, so it is read without its "
            "attributes (no ids, names or types; generated ids are used): add the .dbf",
            IncompleteFileWarning,
            stacklevel=user_stacklevel(),
        )


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
