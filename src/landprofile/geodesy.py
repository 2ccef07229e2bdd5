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

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry.base import BaseGeometry

from landprofile.crs import WGS84

__all__ = [
    "GEOD",
    "densify_to_lonlat",
    "ellipsoid_band_area_m2",
    "geodesic_area_m2",
    "geodesic_area_perimeter_m",
    "geodesic_length_m",
]

#: The WGS 84 ellipsoid every area and distance is measured on.
GEOD = Geod(ellps="WGS84")

#: Maximum edge length (metres) kept when densifying projected geometries. An edge of
#: 1 km in a conformal or equal-area projection departs from the geodesic by far less
#: than 1e-4 of the enclosed area even for the largest landscapes (tested in
#: tests/test_geodesy.py against equal-area planar areas).
PROJECTED_MAX_SEGMENT_M = 1000.0

#: Maximum edge length (degrees) kept when densifying geographic geometries (~1.1 km).
GEOGRAPHIC_MAX_SEGMENT_DEG = 0.01


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
    if crs.is_geographic:
        dense = shapely.segmentize(geom, GEOGRAPHIC_MAX_SEGMENT_DEG)
    else:
        unit_m = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        dense = shapely.segmentize(geom, PROJECTED_MAX_SEGMENT_M / unit_m)
    if crs == WGS84:
        return dense
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    return shapely.transform(dense, lambda xy: np.column_stack(transformer.transform(*xy.T)))


def geodesic_area_perimeter_m(geom_lonlat: BaseGeometry) -> tuple[float, float]:
    """Area (m²) and perimeter (m) of a lon/lat geometry on the WGS 84 ellipsoid.

    Rings are oriented first because :meth:`pyproj.Geod.geometry_area_perimeter`
    returns a signed area. The geometry's own vertices are joined by geodesics, so
    call :func:`densify_to_lonlat` first when its edges are long.
    """
    if geom_lonlat.is_empty:
        return 0.0, 0.0
    oriented = shapely.orient_polygons(geom_lonlat, exterior_cw=False)
    area, perimeter = GEOD.geometry_area_perimeter(oriented)
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
