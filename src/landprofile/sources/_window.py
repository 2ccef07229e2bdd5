"""Grid-true windows: the cells of a source's own tiles around a box, never interpolated.

A window is snapped *outward* to the grid of the tiles (whole pixels of the first tile's
transform), and tiles that share that grid are placed into it by integer pixel offsets.
The window therefore holds exactly the cells reading the tile itself would give — same
origin, same values — so a landscape profiled through a data name gets what it gets
from the local file, whatever its outline.

A host whose cell size changes from tile to tile (Copernicus GLO-30 narrows its columns
with latitude) is read on the one grid all the tiles' cells nest in, each of its cells
holding the value of the one tile cell it lies in (:func:`_layout` says why that is
exact): one window across the band lines, no value that is not the tiles' own.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from landprofile.errors import DataSourceError

__all__ = ["grid_transform", "lonlat_box", "pixel_span", "read_window"]

#: A box edge this close (in pixels) to a grid line counts as on it: float noise in a
#: box computed from degrees must not add a column of cells.
SNAP_TOL = 1e-6
#: Tiles whose origins differ by a whole number of pixels to within this share a grid.
GRID_TOL = 1e-6
#: Tiles of different cell sizes are joined only on a grid at most this many times finer
#: than the finest of them (GLO-30 at 50°N needs 4: 1" and 1.5" cells, each with its
#: origin half a cell west of the degree, share edges every 0.25").
MAX_REFINE = 64


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


class _Place(NamedTuple):
    """Where a tile's cells land on the window's grid.

    ``col``/``row``: the offset (in window cells) of the tile's first cell; ``kx``/``ky``:
    how many window cells one tile cell spans across and down (1 on its own grid).
    """

    col: int
    row: int
    kx: int
    ky: int


def _fraction(x: float) -> Fraction | None:
    """``x`` as a fraction of small denominator, when it is one (to :data:`GRID_TOL`)."""
    f = Fraction(x).limit_denominator(MAX_REFINE)
    return f if abs(float(f) - x) <= GRID_TOL else None


def _gcd(values: list[Fraction]) -> Fraction:
    """The greatest common divisor of fractions: the largest step they are all whole of."""
    out = Fraction(0)
    for v in values:
        v = abs(v)
        out = Fraction(
            math.gcd(out.numerator * v.denominator, v.numerator * out.denominator),
            out.denominator * v.denominator,
        )
    return out


def _off_grid(name: str, first: str, label: str) -> DataSourceError:
    return DataSourceError(
        f"{name}: the tiles {first} and {label} do not share one grid (CRS, "
        "cell size or origin differ), so they cannot be joined without resampling; "
        "read them as local files, or choose a smaller landscape within one tile"
    )


def _layout(datasets: list[Any], labels: list[str], name: str) -> tuple[Any, list[_Place]]:
    """The window's grid and where each tile's cells land on it; a named error if none.

    Tiles of one cell size must share one grid (whole-cell offsets): two such tiles off
    each other's grid are a misplaced tile, and joining them would resample. Tiles of
    *different* cell sizes are a host's own layout — Copernicus GLO-30 narrows its
    columns with latitude (3,600 per degree to 50°, 2,400 to 60°, 1,800 to 70°...) —
    and are joined on the coarsest grid all their cell edges lie on (each tile's cell
    size and origin a whole number of its cells): every window cell then lies inside
    exactly one tile cell and takes its value, replicated, never interpolated. That is
    exact for a DEM read as cells of constant value (as GDAL and the profile read it):
    areas, means and percentiles over the window equal those over the tiles' own cells.
    On a one-size window the grid is the first tile's and nothing is replicated.
    """
    ref = datasets[0]
    t0 = ref.transform
    if t0.b != 0 or t0.d != 0 or t0.a <= 0 or t0.e >= 0:
        raise DataSourceError(
            f"{name}: the tile {labels[0]} is not a north-up grid ({t0}); it cannot be "
            "read by window without resampling"
        )
    for ds, label in zip(datasets, labels, strict=True):
        t = ds.transform
        if not (
            ds.crs == ref.crs
            and ds.count == ref.count
            and ds.dtypes == ref.dtypes
            and t.b == 0
            and t.d == 0
            and t.a > 0
            and t.e < 0
        ):
            raise _off_grid(name, labels[0], label)
    # tiles of one cell size: each on the grid of the first of its size
    sizes: list[Any] = []  # the first transform of each cell size
    for ds, label in zip(datasets, labels, strict=True):
        t = ds.transform
        first = next(
            (
                s
                for s in sizes
                if math.isclose(t.a, s.a, rel_tol=1e-9) and math.isclose(t.e, s.e, rel_tol=1e-9)
            ),
            None,
        )
        if first is None:
            sizes.append(t)
            continue
        dc, dr = (t.c - first.c) / first.a, (t.f - first.f) / first.e
        if abs(dc - round(dc)) > GRID_TOL or abs(dr - round(dr)) > GRID_TOL:
            raise _off_grid(name, labels[0], label)
    # the finest cell across and down, and every size and origin in those units
    ux = min(ds.transform.a for ds in datasets)
    uy = max(ds.transform.e for ds in datasets)  # negative: the smallest step down
    steps_x, steps_y = [], []
    for ds, label in zip(datasets, labels, strict=True):
        t = ds.transform
        got = [
            _fraction(t.a / ux),
            _fraction((t.c - t0.c) / ux),
            _fraction(t.e / uy),
            _fraction((t.f - t0.f) / uy),
        ]
        if any(g is None for g in got):
            raise _off_grid(name, labels[0], label)
        steps_x += [got[0], got[1]]
        steps_y += [got[2], got[3]]
    gx, gy = _gcd(steps_x), _gcd(steps_y)
    if gx < Fraction(1, MAX_REFINE) or gy < Fraction(1, MAX_REFINE):
        raise _off_grid(name, labels[0], labels[-1])
    from affine import Affine

    grid = Affine(ux * float(gx), 0.0, t0.c, 0.0, uy * float(gy), t0.f)
    if gx == 1 and gy == 1:
        grid = t0  # one grid already: the first tile's own transform, bit for bit
    xs = zip(steps_x[::2], steps_x[1::2], strict=True)
    ys = zip(steps_y[::2], steps_y[1::2], strict=True)
    places = [
        _Place(int(ox / gx), int(oy / gy), int(sx / gx), int(sy / gy))
        for (sx, ox), (sy, oy) in zip(xs, ys, strict=True)
    ]
    return grid, places


def read_window(
    datasets: list[Any],
    labels: list[str],
    box: tuple[float, float, float, float],
    name: str,
) -> tuple[np.ndarray, Any, dict[str, Any]]:
    """The cells of the tiles ``datasets`` over the lon/lat ``box``: array, transform, profile.

    The window is on the tiles' grid (see :func:`_layout`: the first tile's own, or the
    one all their cells nest in where the host's cell size changes with latitude),
    snapped outward and clipped to the extent of the tiles given; cells no tile holds are
    nodata. Where tiles overlap, the first wins.

    Raises
    ------
    DataSourceError
        The tiles do not share a grid, or none reaches the box.
    """
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window

    ref = datasets[0]
    grid, places = _layout(datasets, labels, name)
    crs_box = box
    if ref.crs is not None and ref.crs.to_epsg() != 4326:
        crs_box = transform_bounds("EPSG:4326", ref.crs, *box, densify_pts=21)
    col0, row0, col1, row1 = pixel_span(grid, crs_box)
    # nothing lies outside the tiles: clip the window to their joint extent
    pairs = list(zip(places, datasets, strict=True))
    col0 = max(col0, min(p.col for p in places))
    row0 = max(row0, min(p.row for p in places))
    col1 = min(col1, max(p.col + ds.width * p.kx for p, ds in pairs))
    row1 = min(row1, max(p.row + ds.height * p.ky for p, ds in pairs))
    if col1 <= col0 or row1 <= row0:
        raise DataSourceError(f"{name}: the tiles {', '.join(labels)} do not reach the area {box}")
    nodata = ref.nodata
    fill = nodata if nodata is not None else 0
    out = np.full((ref.count, row1 - row0, col1 - col0), fill, dtype=ref.dtypes[0])
    painted = np.zeros(out.shape[1:], dtype=bool)
    for p, ds in pairs:
        c0, c1 = max(col0, p.col), min(col1, p.col + ds.width * p.kx)
        r0, r1 = max(row0, p.row), min(row1, p.row + ds.height * p.ky)
        if c1 <= c0 or r1 <= r0:
            continue
        # the tile's own cells under window cells [c0, c1) x [r0, r1), then each repeated
        # over the kx x ky window cells it spans, cut to the window
        s0, s1 = (c0 - p.col) // p.kx, -(-(c1 - p.col) // p.kx)
        t0, t1 = (r0 - p.row) // p.ky, -(-(r1 - p.row) // p.ky)
        block = ds.read(window=Window(s0, t0, s1 - s0, t1 - t0))
        if p.kx > 1 or p.ky > 1:
            block = np.repeat(np.repeat(block, p.ky, axis=1), p.kx, axis=2)
            bx, by = c0 - (p.col + s0 * p.kx), r0 - (p.row + t0 * p.ky)
            block = block[:, by : by + (r1 - r0), bx : bx + (c1 - c0)]
        sl = (slice(r0 - row0, r1 - row0), slice(c0 - col0, c1 - col0))
        free = ~painted[sl]
        out[(slice(None), *sl)] = np.where(free, block, out[(slice(None), *sl)])
        painted[sl] = True
    transform = grid_transform(grid, col0, row0)
    profile = ref.profile.copy()
    profile.update(
        driver="GTiff",
        height=out.shape[1],
        width=out.shape[2],
        count=out.shape[0],
        transform=transform,
    )
    return out, transform, profile
