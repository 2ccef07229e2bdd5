"""Synthetic builders shared by the tests and benchmarks (never imported by the library).

Each builder makes data whose right answer is known in closed form or from an
independent tool, so tests check the library against an oracle.
"""

from __future__ import annotations

import itertools

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

__all__ = [
    "bowtie",
    "geod_area_perimeter_dense",
    "geodesic_circle",
    "grid_partition",
]


def geod_area_perimeter_dense(
    lonlat_polygon: Polygon, *, step_deg: float = 0.001, ellps: str = "WGS84"
) -> tuple[float, float]:
    """Oracle: area (m²) and perimeter (m) of a lon/lat polygon with straight lon/lat edges.

    Computed by densifying each ring with NumPy and calling
    :meth:`pyproj.Geod.polygon_area_perimeter` on counter-clockwise exteriors and
    clockwise holes (the orientation Geod expects for a positive area).
    """
    geod = Geod(ellps=ellps)

    def ring_area(coords: np.ndarray) -> tuple[float, float]:
        xs, ys = [], []
        for (x0, y0), (x1, y1) in itertools.pairwise(coords):
            n = max(1, int(np.ceil(max(abs(x1 - x0), abs(y1 - y0)) / step_deg)))
            t = np.arange(n) / n
            xs.append(x0 + (x1 - x0) * t)
            ys.append(y0 + (y1 - y0) * t)
        area, perim = geod.polygon_area_perimeter(np.concatenate(xs), np.concatenate(ys))
        return abs(area), perim

    total_a, total_p = 0.0, 0.0
    for poly in shapely.get_parts(lonlat_polygon):
        a, p = ring_area(np.asarray(poly.exterior.coords))
        total_a += a
        total_p += p
        for ring in poly.interiors:
            a, p = ring_area(np.asarray(ring.coords))
            total_a -= a
            total_p += p
    return total_a, total_p


def geodesic_circle(lon: float, lat: float, radius_m: float, n: int = 720) -> Polygon:
    """A lon/lat polygon whose vertices lie exactly ``radius_m`` (geodesic) from the centre."""
    geod = Geod(ellps="WGS84")
    az = np.linspace(0, 360, n, endpoint=False)
    lons, lats, _ = geod.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    return Polygon(np.column_stack([lons, lats]))


def grid_partition(x0: float, y0: float, size: float, n: int) -> list[Polygon]:
    """``n × n`` squares of side ``size`` tiling the square at ``(x0, y0)``: a partition."""
    return [
        box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
        for i in range(n)
        for j in range(n)
    ]


def bowtie(x0: float = 0.0, y0: float = 0.0, size: float = 1.0) -> Polygon:
    """A self-intersecting 'bow-tie' polygon (invalid), two triangles of area size²/4."""
    return Polygon([(x0, y0), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0 + size)])
