"""Geodesic measurement of geometries on the WGS 84 ellipsoid.

Edges are interpreted the way the data's CRS draws them: straight lines in projected
coordinates for a projected CRS, straight lines in longitude/latitude for a geographic
CRS (the simple-features and GeoJSON convention, and how raster cells are bounded).
Both are densified before measuring, because :class:`pyproj.Geod` joins vertices by
geodesics: without densification a long projected edge, or a long edge along a
parallel, would be measured along a different line than the one the data means.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
import shapely.affinity
from pyproj import CRS, Geod
from shapely.geometry.base import BaseGeometry

from landprofile.crs import WGS84, transformer
from landprofile.errors import InvalidGeometryError

__all__ = [
    "GEOD",
    "densify_to_lonlat",
    "ellipsoid_band_area_m2",
    "geodesic_area_m2",
    "geodesic_area_perimeter_m",
    "geodesic_length_m",
    "project",
    "split_antimeridian",
    "unwrap_antimeridian",
]

#: The WGS 84 ellipsoid every area and distance is measured on.
GEOD = Geod(ellps="WGS84")

#: Maximum edge length (metres) kept when densifying projected geometries. An edge of
#: 1 km in a conformal or equal-area projection departs from the geodesic by far less
#: than 1e-4 of the enclosed area even for the largest landscapes (tested in
#: tests/test_geodesy.py against equal-area planar areas).
PROJECTED_MAX_SEGMENT_M = 1000.0

#: Maximum edge length (degrees) kept when densifying geographic geometries (~110 m):
#: a straight lon/lat edge of this length departs from the geodesic by so little that
#: areas agree with Geod on a finely densified ring within 1e-7 (tests/test_properties).
GEOGRAPHIC_MAX_SEGMENT_DEG = 0.001


# ----------------------------------------------------------------------------- antimeridian


def _unwrap_ring(xy: np.ndarray, what: str) -> np.ndarray:
    lon = xy[:, 0]
    d = np.diff(lon)
    if not (np.abs(d) > 180).any():
        return xy
    # RFC 7946 / simple features: an edge is the short way round; an edge whose
    # longitudes jump by more than 180 degrees crosses the antimeridian
    d = np.where(d > 180, d - 360, np.where(d < -180, d + 360, d))
    unwrapped = np.concatenate([[lon[0]], lon[0] + np.cumsum(d)])
    if abs(unwrapped[-1] - unwrapped[0]) > 1e-9:
        raise InvalidGeometryError(
            f"{what}: a ring goes once around the Earth in longitude (it encircles a pole); "
            "landprofile cannot measure such polygons yet: split it into parts of less "
            "than 180 degrees of longitude (e.g. along the prime meridian)"
        )
    out = xy.copy()
    out[:, 0] = unwrapped
    return out


def unwrap_antimeridian(geom: BaseGeometry, what: str = "geometry") -> BaseGeometry:
    """Make every ring continuous in longitude (values may pass ±180).

    Parts given split at the antimeridian (RFC 7946 §3.1.9) are joined back into one
    piece; rings whose edges jump by more than 180° are unwrapped. The result measures
    right with :class:`pyproj.Geod` (longitudes are taken modulo 360) and draws right
    on a web map.

    Raises
    ------
    InvalidGeometryError
        A ring encircles a pole (its longitudes wind once around the Earth).
    """
    if geom.is_empty:
        return geom
    parts = shapely.get_parts(geom)
    if any(p.geom_type != "Polygon" for p in parts):
        return geom  # lines, points: left as given
    w, _, e, _ = geom.bounds
    split = len(parts) > 1 and w <= -180 and e >= 180  # the RFC 7946 form
    rings = [[np.asarray(r.coords) for r in (p.exterior, *p.interiors)] for p in parts]
    jumps = any(np.abs(np.diff(xy[:, 0])).max(initial=0) > 180 for rs in rings for xy in rs)
    if not split and not jumps:
        return geom  # the common case: nothing to do
    polys = []
    for rs in rings:
        ext, *holes = (_unwrap_ring(xy, what) for xy in rs)
        poly = shapely.Polygon(ext, holes)
        if split and poly.centroid.x < 0:  # the part west of the cut goes east of 180
            poly = shapely.affinity.translate(poly, 360.0)
        polys.append(poly)
    return polys[0] if len(polys) == 1 else shapely.union_all(polys)


def split_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """The RFC 7946 form: parts within -180..180, cut along the antimeridian."""
    w, _, e, _ = geom.bounds
    if w >= -180 and e <= 180:
        return geom
    parts = []
    for k in range(math.floor((w + 180) / 360), math.floor((e + 180) / 360) + 1):
        lo = -180 + 360 * k
        piece = shapely.clip_by_rect(geom, lo, -90, lo + 360, 90)
        if not piece.is_empty:
            parts.append(shapely.affinity.translate(piece, -360 * k))
    polys = [p for part in parts for p in shapely.get_parts(part) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]


def densify_to_lonlat(geom: BaseGeometry, crs: CRS) -> BaseGeometry:
    """Densify ``geom`` in its own CRS, then transform it to WGS 84 longitude/latitude.

    Parameters
    ----------
    geom
        Any shapely geometry in ``crs``.
    crs
        The geometry's CRS.

    Returns
    -------
    shapely geometry
        The geometry in EPSG:4326 with x = longitude, y = latitude.
    """
    if geom.is_empty:
        # nothing to place on the Earth (an exclusion rule that covers no land)
        return geom
    if crs.is_geographic:
        # unwrap first: densifying an edge that crosses the antimeridian the long way
        # round would draw a band around the Earth
        dense = shapely.segmentize(unwrap_antimeridian(geom), GEOGRAPHIC_MAX_SEGMENT_DEG)
    else:
        unit_m = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        dense = shapely.segmentize(geom, PROJECTED_MAX_SEGMENT_M / unit_m)
    if crs == WGS84:
        return split_antimeridian(dense)
    tr = transformer(crs, WGS84)
    lonlat = shapely.transform(dense, lambda xy: np.column_stack(tr.transform(*xy.T)))
    return split_antimeridian(unwrap_antimeridian(lonlat))


def geodesic_area_perimeter_m(geom_lonlat: BaseGeometry) -> tuple[float, float]:
    """Area (m²) and perimeter (m) of a lon/lat geometry on the WGS 84 ellipsoid.

    Rings are oriented first because :meth:`pyproj.Geod.geometry_area_perimeter`
    returns a signed area. The geometry's own vertices are joined by geodesics, so
    call :func:`densify_to_lonlat` first when its edges are long.
    """
    if geom_lonlat.is_empty:
        return 0.0, 0.0
    # parts cut at the antimeridian are joined first: the cut is not a boundary
    oriented = shapely.orient_polygons(unwrap_antimeridian(geom_lonlat), exterior_cw=False)
    if oriented.geom_type not in ("Polygon", "MultiPolygon"):
        area, perimeter = GEOD.geometry_area_perimeter(oriented)
        return abs(float(area)), float(perimeter)
    # Ring by ring, as Geod.geometry_area_perimeter does, but with coordinates taken as
    # arrays (its ring.xy costs as much as the geodesic sums on densified boundaries).
    area = perimeter = 0.0
    for poly in shapely.get_parts(oriented):
        for ring in (poly.exterior, *poly.interiors):
            xy = shapely.get_coordinates(ring)
            a, p = GEOD.polygon_area_perimeter(xy[:, 0], xy[:, 1])
            area += a
            perimeter += p
    return abs(float(area)), float(perimeter)


def geodesic_area_m2(geom: BaseGeometry, crs: CRS) -> float:
    """Geodesic area (m²) of ``geom`` given in ``crs``, densified as its CRS draws it."""
    return geodesic_area_perimeter_m(densify_to_lonlat(geom, crs))[0]


def geodesic_length_m(geom: BaseGeometry, crs: CRS) -> float:
    """Geodesic length (m) of a line (or boundary) given in ``crs``."""
    return float(GEOD.geometry_length(densify_to_lonlat(geom, crs)))


def ellipsoid_band_area_m2(lat1_deg: float, lat2_deg: float, dlon_deg: float) -> float:
    """Exact area (m²) on WGS 84 between two parallels over ``dlon_deg`` of longitude.

    This is the closed form of the area of a longitude/latitude rectangle (a raster
    cell in a geographic CRS); it is used as an oracle and for cell areas.
    """
    a = GEOD.a
    f = GEOD.f
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    b2 = a * a * (1 - e2)

    def q(lat_deg: float) -> float:
        s = math.sin(math.radians(lat_deg))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return abs(math.radians(dlon_deg) * b2 / 2 * (q(lat2_deg) - q(lat1_deg)))


def project(geoms: Any, src: Any, dst: Any, step_m: float = PROJECTED_MAX_SEGMENT_M) -> np.ndarray:
    """Densify geometries in ``src`` (``step_m`` edges) and project them to ``dst``.

    Densifying first keeps each edge on the line the data means: a straight edge in a
    projected CRS is not straight in another one. At 1 km the chord stays within about
    0.3 mm of the true edge near a landscape (the zoning cuts exact edges again in the
    output CRS, :mod:`landprofile.zoning.output`).
    """
    arr = np.asarray(geoms, dtype=object)
    if CRS.from_user_input(src) == CRS.from_user_input(dst):
        return arr
    src = CRS.from_user_input(src)
    if src.is_geographic:
        step = step_m / 111_320.0
    else:
        step = step_m / (src.axis_info[0].unit_conversion_factor if src.axis_info else 1.0)
    if src.is_geographic and len(arr):
        b = shapely.bounds(arr)
        wide = np.flatnonzero(b[:, 2] - b[:, 0] > 180)  # crosses the antimeridian
        if len(wide):
            arr = arr.copy()
            arr[wide] = [unwrap_antimeridian(g) for g in arr[wide]]
    dense = shapely.segmentize(arr, step)
    tr = transformer(src, CRS.from_user_input(dst))
    return shapely.transform(dense, lambda xy: np.column_stack(tr.transform(*xy.T)))
