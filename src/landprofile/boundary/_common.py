"""Pieces shared by the boundary methods: polygon checks, dissolve, metric buffer, clip."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landprofile.crs import WGS84, local_aeqd, transformer
from landprofile.errors import (
    EmptySelectionError,
    GeometryTypeError,
    InvalidParameterError,
)
from landprofile.geodesy import densify_to_lonlat
from landprofile.vector import read_vector

_POLYGONAL = ("Polygon", "MultiPolygon")


def polygonal_parts(gdf: gpd.GeoDataFrame, label: str, *, allow_other: bool = False) -> np.ndarray:
    """Return the geometries of ``gdf``, checking they are polygons.

    Geometry collections (e.g. from a repair) contribute their polygonal parts.
    Points or lines raise :class:`GeometryTypeError` unless ``allow_other`` (they are
    about to be buffered into polygons).
    """
    geoms = gdf.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    # 3 Polygon, 6 MultiPolygon, 7 GeometryCollection
    if allow_other:
        return geoms
    bad = ~np.isin(types, (3, 6, 7))
    if bad.any():
        kinds = sorted({g.geom_type for g in geoms[bad]})
        raise GeometryTypeError(
            f"{label}: {int(bad.sum())} feature(s) are {', '.join(kinds)}, but a boundary "
            "needs Polygon or MultiPolygon features; pass buffer_m=... to turn points or "
            "lines into polygons"
        )
    out = []
    for g in geoms:
        if g.geom_type == "GeometryCollection":
            polys = [p for p in shapely.get_parts(g) if p.geom_type in _POLYGONAL]
            if polys:
                out.append(shapely.union_all(polys))
        else:
            out.append(g)
    if not out:
        raise GeometryTypeError(f"{label}: no polygonal geometry found")
    return np.array(out, dtype=object)


def dissolve(geoms: np.ndarray) -> BaseGeometry:
    """Union polygons into one (multi)polygon, exactly for coverages.

    When the polygons form a valid coverage (they share edges exactly and do not
    overlap, as admin units or basins do), ``coverage_union_all`` merges them without
    any floating-point slivers; otherwise a full overlay union on a grid of 1e-10 of the
    extent is used.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 1:
        return _as_polygonal(geoms[0])
    try:
        is_coverage = bool(shapely.coverage_is_valid(geoms))
    except shapely.errors.GEOSException:
        is_coverage = False
    merged = shapely.coverage_union_all(geoms) if is_coverage else None
    if merged is None or merged.geom_type == "MultiPolygon":
        # Snap to a grid 1e-10 of the extent: floating-point gaps and overlaps between
        # neighbours that were meant to share an edge (one ulp apart) close instead of
        # splitting the union into parts; real gaps (digitising slivers) stay.
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        grid = max(maxx - minx, maxy - miny, 1e-300) * 1e-10
        snapped = shapely.union_all(geoms, grid_size=grid)
        if merged is None or shapely.get_num_geometries(snapped) < shapely.get_num_geometries(
            merged
        ):
            merged = snapped
    if not merged.is_valid:
        merged = shapely.make_valid(merged)
    return _as_polygonal(merged)


def _as_polygonal(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type in _POLYGONAL:
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    if not polys:
        raise GeometryTypeError(f"dissolved geometry is {geom.geom_type}, not polygonal")
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def buffer_metres(geoms: np.ndarray, crs: CRS, buffer_m: float) -> np.ndarray:
    """Buffer geometries by ``buffer_m`` metres in a local azimuthal equidistant projection.

    The projection is centred on the geometries' combined centre, so the buffer distance
    is exact radially from the centre and within 0.2 % within 500 km of it; the result is
    returned in ``crs``. Negative buffers shrink polygons.
    """
    if not np.isfinite(buffer_m):
        raise InvalidParameterError(f"buffer_m={buffer_m!r} must be a finite number of metres")
    lonlat = np.array([densify_to_lonlat(g, crs) for g in geoms], dtype=object)
    c = shapely.union_all(shapely.envelope(lonlat)).centroid
    aeqd = local_aeqd(c.x, c.y)
    fwd = transformer(WGS84, aeqd)
    back = transformer(aeqd, crs)
    projected = shapely.transform(lonlat, lambda xy: np.column_stack(fwd.transform(*xy.T)))
    # 32 segments per quarter circle keeps the arc within 0.05 % of the buffer distance.
    buffered = shapely.buffer(projected, buffer_m, quad_segs=32)
    dense = shapely.segmentize(buffered, 1000.0)
    return shapely.transform(dense, lambda xy: np.column_stack(back.transform(*xy.T)))


def clip_to(geom: BaseGeometry, crs: CRS, clip: Any, label: str) -> tuple[BaseGeometry, str]:
    """Intersect ``geom`` with the union of the ``clip`` layer, reprojected to ``crs``.

    Reprojecting the clip layer is deliberate: the landscape keeps its source's CRS.
    """
    clip_gdf = read_vector(clip)
    clip_label = str(clip_gdf.attrs.get("landprofile_source", "clip layer"))
    parts = polygonal_parts(clip_gdf, clip_label)
    clip_crs = clip_gdf.crs
    if clip_crs != crs:
        parts = (
            gpd.GeoSeries([densify_to_lonlat(p, clip_crs) for p in parts], crs=WGS84)
            .to_crs(crs)
            .to_numpy()
        )
    mask = dissolve(parts)
    out = shapely.intersection(geom, mask)
    if out.is_empty or out.area == 0:
        raise EmptySelectionError(
            f"{label}: nothing is left after clipping to {clip_label}; check that both "
            "layers cover the same place (and their CRSs)"
        )
    return _as_polygonal(out), clip_label
