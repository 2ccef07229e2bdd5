"""Exact cell coverage of polygons over raster grids, and fused zonal kernels.

The coverage of a cell is the fraction of its area inside the polygon, as exactextract
defines ``coverage``. It is computed exactly by signed-area accumulation: every polygon
edge adds, to each row it crosses, the signed area it sweeps to its right, written as
differences along the row; a running sum along the row then gives each cell's exact
coverage (holes, oriented the other way, subtract). The work is proportional to the
cells the boundary crosses plus one pass over the window, and the running sum is fused
with the statistic (class histogram, weighted sums) so that coverage never has to be
stored for a whole window.

Numba compiles the loops (:mod:`landprofile._kernels`); they are the whole cost after the
raster read. They load on first use, while other threads decompress the first strips.
"""

from __future__ import annotations

import itertools
import math
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import shapely
from pyproj import CRS, Proj
from shapely.geometry.base import BaseGeometry

from landprofile._coverage_consts import SCALE_STEP

# the kernels' choice lives in _coverage_kernels; callers keep asking cov.kernels_for etc.
from landprofile._coverage_kernels import (
    _numpy_will_do,
    _try_load_kernels,
    kernels_for,
)
from landprofile._coverage_kernels import kernels as kernels
from landprofile._coverage_kernels import numba_loaded as numba_loaded
from landprofile.crs import WGS84, transformer
from landprofile.errors import InvalidParameterError, UnreadableFileError
from landprofile.geodesy import (
    GEOD,
    densify_to_lonlat,
    split_antimeridian,
    unwrap_antimeridian,
)
from landprofile.raster import Raster

#: Target cells per strip when the raster is not tiled.
STRIP_CELLS = 4_000_000


#: Most decompressed data (bytes) held ahead of the kernels while they load.
READ_AHEAD_BYTES = 512 * 2**20

# ----------------------------------------------------------------------------- geometry


class Window(NamedTuple):
    """A window of a grid in whole cells, read like ``rasterio.windows.Window``.

    rasterio's own costs its import (0.1-0.2 s) to a process that may never need GDAL.
    """

    col_off: int
    row_off: int
    width: int
    height: int


@dataclass(frozen=True)
class Footprint:
    """A polygon prepared against one raster grid: its window and edge segments."""

    window: Window
    segs: np.ndarray  # (n, 4) float64, window pixel coordinates
    empty: bool


def geometry_in_raster_crs(
    geom: BaseGeometry, crs: CRS, raster: Raster, lonlat: BaseGeometry | None = None
) -> BaseGeometry:
    """Carry ``geom`` to the raster's CRS, densified so curved edges stay true.

    ``lonlat``: ``densify_to_lonlat(geom, crs)`` when the caller has it already (a
    landscape computes it for its area).
    """
    if crs == raster.crs:
        if crs.is_geographic:
            w, _, e, _ = geom.bounds
            if e - w > 180:  # across the antimeridian: the RFC 7946 split form
                return split_antimeridian(unwrap_antimeridian(geom))
        return geom
    if lonlat is None:
        lonlat = densify_to_lonlat(geom, crs)
    if raster.crs == WGS84:
        return lonlat
    t = transformer(WGS84, raster.crs)
    return shapely.transform(lonlat, lambda xy: np.column_stack(t.transform(*xy.T)))


def footprints(geom: BaseGeometry, raster: Raster) -> list[Footprint]:
    """One footprint, or one per side of the antimeridian on a geographic raster.

    A landscape across the antimeridian comes in its RFC 7946 form (parts cut at ±180):
    one window over both ends of a global raster would span the whole world, so each
    side gets its own window.
    """
    w, _, e, _ = geom.bounds
    if not raster.crs.is_geographic or e - w <= 180:
        return [footprint(geom, raster)]
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    west = [p for p in parts if p.centroid.x < 0]
    east = [p for p in parts if p.centroid.x >= 0]
    return [footprint(shapely.union_all(side), raster) for side in (west, east) if side]


def footprint(geom: BaseGeometry, raster: Raster) -> Footprint:
    """Window of ``raster`` covering ``geom`` (already in the raster CRS) and its edges."""
    tr = raster.transform
    if tr.b != 0 or tr.d != 0:
        raise InvalidParameterError(
            f"{raster.label}: rotated or sheared rasters are not supported; warp it to a "
            "north-up grid first (gdalwarp)"
        )
    west, south, east, north = raster.bounds
    clipped = shapely.clip_by_rect(geom, west, south, east, north)
    if clipped.is_empty or clipped.area == 0:
        return Footprint(Window(0, 0, 0, 0), np.zeros((0, 4)), True)
    clipped = shapely.orient_polygons(clipped)
    minx, miny, maxx, maxy = clipped.bounds
    inv = ~tr
    ca, ra = inv @ (minx, maxy)
    cb, rb = inv @ (maxx, miny)
    cols = sorted((ca, cb))
    rows = sorted((ra, rb))
    c0 = max(math.floor(cols[0]), 0)
    r0 = max(math.floor(rows[0]), 0)
    c1 = min(math.ceil(cols[1]), raster.width)
    r1 = min(math.ceil(rows[1]), raster.height)
    window = Window(c0, r0, max(c1 - c0, 1), max(r1 - r0, 1))
    segs = []
    for poly in shapely.get_parts(clipped):
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            px = (xy[:, 0] - tr.c) / tr.a - c0
            py = (xy[:, 1] - tr.f) / tr.e - r0
            np.clip(px, 0.0, window.width, out=px)
            np.clip(py, 0.0, window.height, out=py)
            segs.append(np.column_stack([px[:-1], py[:-1], px[1:], py[1:]]))
    seg_arr = np.ascontiguousarray(np.concatenate(segs)) if segs else np.zeros((0, 4))
    return Footprint(window, seg_arr, len(seg_arr) == 0)


# ----------------------------------------------------------------------------- cell areas


def _q(lat_deg: np.ndarray) -> np.ndarray:
    e2 = GEOD.f * (2 - GEOD.f)
    e = math.sqrt(e2)
    s = np.sin(np.radians(lat_deg))
    return s / (1 - e2 * s * s) + np.log((1 + e * s) / (1 - e * s)) / (2 * e)


@dataclass(frozen=True)
class CellAreas:
    """True cell areas (m²) of a window: per row, times an optional areal-scale grid."""

    row_area: np.ndarray
    fac: np.ndarray
    use_fac: bool


def cell_areas(raster: Raster, window: Window) -> CellAreas:
    """True areas of the window's cells on the WGS 84 ellipsoid.

    Geographic grids: each row's cells are longitude/latitude rectangles, whose exact
    ellipsoidal area is known in closed form. Projected grids: the planar cell area
    divided by the projection's areal scale factor (exactly 1 for equal-area
    projections), sampled every ``SCALE_STEP`` cells and interpolated.
    """
    tr = raster.transform
    r0, h = int(window.row_off), int(window.height)
    c0, w = int(window.col_off), int(window.width)
    dummy = np.ones((1, 1))
    if raster.crs.is_geographic:
        unit = raster.crs.axis_info[0].unit_conversion_factor  # radians per unit
        to_deg = math.degrees(unit)
        edges = (tr.f + tr.e * np.arange(r0, r0 + h + 1)) * to_deg
        b2 = GEOD.a**2 * (1 - GEOD.f * (2 - GEOD.f))
        qe = _q(edges)
        row_area = np.abs(math.radians(abs(tr.a) * to_deg) * b2 / 2 * np.diff(qe))
        return CellAreas(row_area, dummy, False)
    unit = raster.crs.axis_info[0].unit_conversion_factor
    planar = abs(tr.a * tr.e) * unit * unit
    row_area = np.full(h, planar)
    ys = np.arange(0, h + SCALE_STEP, SCALE_STEP, dtype=float)
    xs = np.arange(0, w + SCALE_STEP, SCALE_STEP, dtype=float)
    gx, gy = np.meshgrid(c0 + xs, r0 + ys)
    px = tr.c + tr.a * gx
    py = tr.f + tr.e * gy
    lon, lat = transformer(raster.crs, WGS84).transform(px, py)
    fac = np.asarray(Proj(raster.crs).get_factors(lon, lat).areal_scale, dtype=float)
    fac = np.where(np.isfinite(fac), fac, 1.0)
    use_fac = bool(np.max(np.abs(fac - 1.0)) > 1e-9)
    # The lattice is sampled at cell corners c0 + k*STEP; kernels ask at cell centres
    # measured from the window origin, in lattice units.
    return CellAreas(row_area, np.ascontiguousarray(fac), use_fac)


# ----------------------------------------------------------------------------- strips


def strip_rows(raster: Raster, window: Window) -> int:
    """Rows per strip: the tile height when tiled, else about STRIP_CELLS cells."""
    bh, bw = raster.block_shape
    if bh > 1 and bw < raster.width:
        return max(int(bh), 1)
    return max(1, min(int(window.height), STRIP_CELLS // max(int(window.width), 1)))


def strip_bounds(raster: Raster, fp: Footprint) -> list[tuple[int, int]]:
    """Row ranges (within the window) of the strips a footprint is read in.

    Strips start at multiples of the tile height in the raster, so each tile is
    decompressed once per landscape.
    """
    win = fp.window
    h = int(win.height)
    step = strip_rows(raster, win)
    start = int(win.row_off)
    first_end = ((start // step) + 1) * step if step > 1 else start + 1
    bounds = [0]
    r = min(first_end - start, h)
    while r < h:
        bounds.append(r)
        r += step
    bounds.append(h)
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


class StripReader:
    """Reads windows of a raster from several threads: one rasterio handle per thread.

    GDAL releases the GIL while decompressing, and the numba kernels run without it, so
    reading one strip and computing another overlap on separate cores. In a fresh process
    the threads that would wait for numba to load read the next strips ahead instead.
    """

    def __init__(self, raster: Raster) -> None:
        self.raster = raster
        self._local = threading.local()
        self._handles: list[Any] = []
        self._lock = threading.Lock()
        self._env: Any = None  # GDAL's environment, made on the first read through GDAL
        self._ahead: dict[tuple[int, ...], Future[np.ndarray]] = {}
        self._ahead_bytes = 0

    @property
    def thread_safe(self) -> bool:
        """Whether windows may be read from several threads (file-backed rasters)."""
        return self.raster.path is not None

    def read(self, window: Any, band: int = 1) -> np.ndarray:
        """Read one band over ``window`` (this module's or rasterio's Window)."""
        if self.raster.path is None:
            return self.raster.read(window, band=band)
        fast = self.raster._fast_window(window) if band == 1 else None
        if fast is not None:
            return self.raster._tiff.read(*fast)  # type: ignore[union-attr]
        import rasterio
        import rasterio.windows

        ds = getattr(self._local, "ds", None)
        if ds is None:
            with self._lock:
                if self._env is None:
                    self._env = rasterio.Env(GDAL_CACHEMAX=512)
            with self._env:
                ds = rasterio.open(self.raster.path)
            self._local.ds = ds
            with self._lock:
                self._handles.append(ds)
        win = rasterio.windows.Window(*window) if isinstance(window, Window) else window
        try:
            return ds.read(band, window=win)
        except rasterio.errors.RasterioError as exc:
            raise UnreadableFileError(
                f"{self.raster.label}: cannot read rows {window.row_off}-"
                f"{window.row_off + window.height} (a truncated or corrupt file?): {exc}"
            ) from None

    def values(self, fp: Footprint, a: int, b: int, band: int = 1) -> np.ndarray:
        """Values of rows ``a..b`` of the footprint's window (no edge buffer)."""
        return self._take(fp, a, b, band)

    def strip(self, fp: Footprint, a: int, b: int, band: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Values and edge accumulation buffer of rows ``a..b`` of the footprint's window."""
        vals = self._take(fp, a, b, band)
        cells = vals.size
        if not numba_loaded() and not _numpy_will_do(cells) and not _try_load_kernels():
            # Another thread is loading numba (GIL-bound Python): decompress the next
            # strips meanwhile (GDAL releases the GIL), instead of waiting idle.
            self._read_ahead(fp, b, band)
        acc = np.zeros((b - a, int(fp.window.width) + 2), dtype=np.float64)
        kernels_for(cells, charge=True).accumulate_edges(fp.segs, a, b, acc)
        return vals, acc

    @staticmethod
    def _key(fp: Footprint, a: int, b: int, band: int) -> tuple[int, ...]:
        win = fp.window
        return (int(win.col_off), int(win.row_off) + a, int(win.width), b - a, band)

    def _take(self, fp: Footprint, a: int, b: int, band: int) -> np.ndarray:
        if self._ahead:
            with self._lock:
                fut = self._ahead.pop(self._key(fp, a, b, band), None)
            if fut is not None:
                vals = fut.result()
                with self._lock:  # the budget counts what is held, not what was read
                    self._ahead_bytes -= vals.nbytes
                return vals
        win = fp.window
        return self.read(Window(win.col_off, win.row_off + a, int(win.width), b - a), band=band)

    def _read_ahead(self, fp: Footprint, after: int, band: int) -> None:
        win = fp.window
        for a, b in strip_bounds(self.raster, fp):
            if a < after:
                continue
            if numba_loaded() or self._ahead_bytes >= READ_AHEAD_BYTES:
                return
            key = self._key(fp, a, b, band)
            fut: Future[np.ndarray] = Future()
            with self._lock:
                if key in self._ahead:
                    continue
                self._ahead[key] = fut
            try:
                vals = self.read(Window(win.col_off, win.row_off + a, int(win.width), b - a), band)
            except BaseException as exc:
                fut.set_exception(exc)
                return
            with self._lock:
                self._ahead_bytes += vals.nbytes
            fut.set_result(vals)

    def close(self) -> None:
        """Close every handle opened by any thread."""
        with self._lock:
            for ds in self._handles:
                ds.close()
            self._handles.clear()
            self._ahead.clear()
            self._ahead_bytes = 0

    def __enter__(self) -> StripReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
