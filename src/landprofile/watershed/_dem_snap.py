"""Snapping an outlet onto the DEM's channel, in true metres."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from landprofile.crs import WGS84, norm_crs, transformer
from landprofile.errors import InvalidParameterError
from landprofile.raster import Raster
from landprofile.watershed._dem_grid import _as_grid, _cell_sizes_m

#: Default snapping distance (m): about ten 30 m cells, enough to move a point placed by
#: eye on a river onto the DEM's own channel without jumping to a neighbouring valley.
DEFAULT_SNAP_M = 300.0


@dataclass(frozen=True)
class Snapped:
    """An outlet moved onto the DEM's channel."""

    row: int
    col: int
    x: float
    y: float
    moved_m: float
    accumulation_cells: int


def _outlet_xy(outlet: Any, outlet_crs: Any, raster: Raster) -> tuple[float, float]:
    if isinstance(outlet, shapely.Point):
        ox, oy = outlet.x, outlet.y
    else:
        try:
            ox, oy = (float(v) for v in outlet)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"outlet must be a shapely Point or an (x, y) pair, got {outlet!r}"
            ) from None
    ocrs = norm_crs(outlet_crs, what="outlet_crs")
    if ocrs.is_geographic and not (-180 <= ox <= 360 and -90 <= oy <= 90):
        raise InvalidParameterError(
            f"outlet ({ox}, {oy}) is not a longitude/latitude; give outlet_crs=... for "
            "projected coordinates"
        )
    if ocrs != raster.crs:
        ox, oy = transformer(ocrs, raster.crs).transform(ox, oy)
    return ox, oy


def snap_outlet(
    accumulation: Any,
    outlet: Any,
    *,
    snap_m: float = DEFAULT_SNAP_M,
    outlet_crs: Any = WGS84,
) -> Snapped:
    """Move ``outlet`` to the highest-accumulation cell within ``snap_m`` metres.

    Distances are true metres (row by row on geographic grids). Ties go to the nearest.

    Raises
    ------
    InvalidParameterError
        The outlet is outside the DEM, or no valid cell lies within ``snap_m``.
    """
    if not (isinstance(snap_m, int | float) and snap_m >= 0 and math.isfinite(snap_m)):
        raise InvalidParameterError(f"snap_m={snap_m!r} must be a number of metres >= 0")
    data, raster = _as_grid(accumulation)
    ox, oy = _outlet_xy(outlet, outlet_crs, raster)
    inv = ~raster.transform
    fc, fr = inv @ (ox, oy)
    if not (0 <= fr < raster.height and 0 <= fc < raster.width):
        west, south, east, north = raster.bounds
        raise InvalidParameterError(
            f"outlet ({ox:.6g}, {oy:.6g}) is outside the DEM {raster.label} "
            f"(x {west:.6g}..{east:.6g}, y {south:.6g}..{north:.6g} in its CRS)"
        )
    r0, c0 = int(fr), int(fc)
    dx, dy = _cell_sizes_m(raster)
    nr = math.ceil(snap_m / dy) + 1
    ncol = math.ceil(snap_m / float(dx[r0])) + 1
    rs, re = max(r0 - nr, 0), min(r0 + nr + 1, raster.height)
    cs, ce = max(c0 - ncol, 0), min(c0 + ncol + 1, raster.width)
    sub = np.asarray(data[rs:re, cs:ce], dtype=float)
    rr, cc = np.mgrid[rs:re, cs:ce]
    # true distance from the outlet point to each candidate cell centre
    dist = np.hypot((cc + 0.5 - fc) * dx[rr], (rr + 0.5 - fr) * dy)
    ok = (dist <= max(snap_m, 0.0)) & np.isfinite(sub) & (sub > 0)
    if not ok[r0 - rs, c0 - cs] and snap_m == 0:
        ok[r0 - rs, c0 - cs] = bool(
            np.isfinite(sub[r0 - rs, c0 - cs]) and sub[r0 - rs, c0 - cs] > 0
        )
    if not ok.any():
        raise InvalidParameterError(
            f"outlet ({ox:.6g}, {oy:.6g}) falls on nodata of {raster.label} and no valid "
            f"cell lies within snap_m={snap_m:g} m; move it or raise snap_m"
        )
    order = np.lexsort((dist[ok], -sub[ok]))
    k = order[0]
    r, c = int(rr[ok][k]), int(cc[ok][k])
    x, y = raster.transform @ (c + 0.5, r + 0.5)
    return Snapped(
        row=r,
        col=c,
        x=float(x),
        y=float(y),
        moved_m=float(dist[ok][k]),
        accumulation_cells=int(sub[ok][k]),
    )
