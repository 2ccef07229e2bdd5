"""Grid-true windows: the cells of a source's own tiles around a box, never resampled.

A window is snapped *outward* to the grid of the tiles (whole pixels of the first tile's
transform), and tiles that share that grid are placed into it by integer pixel offsets.
The window therefore holds exactly the cells reading the tile itself would give — same
origin, same values — so a landscape profiled through a data name gets what it gets
from the local file, whatever its outline.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from landprofile.errors import DataSourceError

__all__ = ["grid_transform", "lonlat_box", "pixel_span", "read_window"]

#: A box edge this close (in pixels) to a grid line counts as on it: float noise in a
#: box computed from degrees must not add a column of cells.
SNAP_TOL = 1e-6
#: Tiles whose origins differ by a whole number of pixels to within this share a grid.
GRID_TOL = 1e-6


def lonlat_box(
    bounds: tuple[float, float, float, float], margin_deg: float, name: str
) -> tuple[float, float, float, float]:
    """The longitude/latitude box to read: ``bounds`` plus ``margin_deg``, within the globe.

    The margin is clamped at ±180° and ±90° (beyond is no tile). A landscape that itself
    crosses the antimeridian (west above east, as pyproj gives it, or a width over 180°,
    as a lon/lat outline split at ±180° gives) has no one window: a named error.

    Raises
    ------
    DataSourceError
        The landscape crosses the antimeridian.
    """
    w, s, e, n = (float(v) for v in bounds)
    if w > e or e - w > 180 or w < -180 or e > 180:
        raise DataSourceError(
            f"{name}: the landscape crosses the antimeridian (longitudes {w:g} to {e:g}): "
            "a named source is read as one window, which cannot span ±180°; split the "
            "landscape at 180° and profile each part, or read the tiles as local files"
        )
    return (
        max(w - margin_deg, -180.0),
        max(s - margin_deg, -90.0),
        min(e + margin_deg, 180.0),
        min(n + margin_deg, 90.0),
    )


def pixel_span(transform: Any, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """``(col0, row0, col1, row1)`` of the cells of ``transform``'s grid touching ``box``.

    Snapped outward (floor of the west/north edge, ceiling of the east/south edge), not
    clipped to any raster: the caller clips to the tiles it has.
    """
    a, e, c, f = transform.a, transform.e, transform.c, transform.f
    w, s, east, n = box
    x0, x1 = (w - c) / a, (east - c) / a
    y0, y1 = (n - f) / e, (s - f) / e
    return (
        math.floor(x0 + SNAP_TOL),
        math.floor(y0 + SNAP_TOL),
        math.ceil(x1 - SNAP_TOL),
        math.ceil(y1 - SNAP_TOL),
    )


def grid_transform(t: Any, col0: int, row0: int) -> Any:
    """The transform of the window starting at cell ``(col0, row0)`` of grid ``t``.

    The origin is the tile's own origin plus whole cells, never a rounded box corner.
    Written out rather than ``window_transform``, whose ``Affine * tuple`` warns
    (PendingDeprecationWarning) on every call.
    """
    from affine import Affine

    return Affine(t.a, 0.0, t.c + col0 * t.a, 0.0, t.e, t.f + row0 * t.e)


def _offsets(datasets: list[Any], labels: list[str], name: str) -> list[tuple[int, int]]:
    """Each tile's (column, row) offset on the first tile's grid; a named error if off it."""
    ref = datasets[0]
    t0 = ref.transform
    if t0.b != 0 or t0.d != 0 or t0.a <= 0 or t0.e >= 0:
        raise DataSourceError(
            f"{name}: the tile {labels[0]} is not a north-up grid ({t0}); it cannot be "
            "read by window without resampling"
        )
    out = []
    for ds, label in zip(datasets, labels, strict=True):
        t = ds.transform
        same = (
            ds.crs == ref.crs
            and ds.count == ref.count
            and ds.dtypes == ref.dtypes
            and t.b == 0
            and t.d == 0
            and math.isclose(t.a, t0.a, rel_tol=1e-9)
            and math.isclose(t.e, t0.e, rel_tol=1e-9)
        )
        dc, dr = (t.c - t0.c) / t0.a, (t.f - t0.f) / t0.e
        if not same or abs(dc - round(dc)) > GRID_TOL or abs(dr - round(dr)) > GRID_TOL:
            raise DataSourceError(
                f"{name}: the tiles {labels[0]} and {label} do not share one grid (CRS, "
                "cell size or origin differ), so they cannot be joined without resampling; "
                "read them as local files, or choose a smaller landscape within one tile"
            )
        out.append((round(dc), round(dr)))
    return out


def read_window(
    datasets: list[Any],
    labels: list[str],
    box: tuple[float, float, float, float],
    name: str,
) -> tuple[np.ndarray, Any, dict[str, Any]]:
    """The cells of the tiles ``datasets`` over the lon/lat ``box``: array, transform, profile.

    The window is on the first tile's grid, snapped outward and clipped to the extent of
    the tiles given; cells no tile holds are nodata. Where tiles overlap, the first wins.

    Raises
    ------
    DataSourceError
        The tiles do not share a grid, or none reaches the box.
    """
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window

    ref = datasets[0]
    offsets = _offsets(datasets, labels, name)
    crs_box = box
    if ref.crs is not None and ref.crs.to_epsg() != 4326:
        crs_box = transform_bounds("EPSG:4326", ref.crs, *box, densify_pts=21)
    col0, row0, col1, row1 = pixel_span(ref.transform, crs_box)
    # nothing lies outside the tiles: clip the window to their joint extent
    col0 = max(col0, min(dc for dc, _ in offsets))
    row0 = max(row0, min(dr for _, dr in offsets))
    col1 = min(col1, max(dc + ds.width for (dc, _), ds in zip(offsets, datasets, strict=True)))
    row1 = min(row1, max(dr + ds.height for (_, dr), ds in zip(offsets, datasets, strict=True)))
    if col1 <= col0 or row1 <= row0:
        raise DataSourceError(f"{name}: the tiles {', '.join(labels)} do not reach the area {box}")
    nodata = ref.nodata
    fill = nodata if nodata is not None else 0
    out = np.full((ref.count, row1 - row0, col1 - col0), fill, dtype=ref.dtypes[0])
    painted = np.zeros(out.shape[1:], dtype=bool)
    for ds, (dc, dr) in zip(datasets, offsets, strict=True):
        c0, c1 = max(col0, dc), min(col1, dc + ds.width)
        r0, r1 = max(row0, dr), min(row1, dr + ds.height)
        if c1 <= c0 or r1 <= r0:
            continue
        block = ds.read(window=Window(c0 - dc, r0 - dr, c1 - c0, r1 - r0))
        sl = (slice(r0 - row0, r1 - row0), slice(c0 - col0, c1 - col0))
        free = ~painted[sl]
        out[(slice(None), *sl)] = np.where(free, block, out[(slice(None), *sl)])
        painted[sl] = True
    transform = grid_transform(ref.transform, col0, row0)
    profile = ref.profile.copy()
    profile.update(
        driver="GTiff",
        height=out.shape[1],
        width=out.shape[2],
        count=out.shape[0],
        transform=transform,
    )
    return out, transform, profile
