"""The DEM path's grids: a DEM read into memory, its cell sizes and areas, its fill.

Every step of :mod:`landprofile.watershed.dem` reads its input here and writes its result
back as a DataArray on the same grid.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from rasterio.windows import Window

from landprofile import _coverage
from landprofile.errors import UnsupportedFormatError
from landprofile.geodesy import GEOD
from landprofile.raster import Raster, read_raster
from landprofile.watershed import _hydro_fill


def _as_grid(src: Any, what: str = "dem") -> tuple[np.ndarray, Raster]:
    raster = src if isinstance(src, Raster) else read_raster(src)
    if raster.transform.b != 0 or raster.transform.d != 0:
        raise UnsupportedFormatError(f"{raster.label}: rotated grids are not supported")
    from landprofile._resources import check_cells

    # the whole DEM is conditioned in memory (49 bytes per cell at peak, measured)
    check_cells(f"the DEM {raster.label}", raster.width * raster.height, 49, None)
    data = raster.read()
    return data, raster


def _valid(data: np.ndarray, nodata: float | None) -> np.ndarray:
    valid = np.isfinite(data) if data.dtype.kind == "f" else np.ones(data.shape, bool)
    if nodata is not None:
        valid &= data != nodata
    return valid


def _to_dataarray(
    data: np.ndarray, raster: Raster, name: str, nodata: Any, attrs: dict[str, Any] | None = None
) -> xr.DataArray:
    import rioxarray  # noqa: F401  (registers .rio)

    t = raster.transform
    xs = t.c + t.a * (np.arange(raster.width) + 0.5)
    ys = t.f + t.e * (np.arange(raster.height) + 0.5)
    da = xr.DataArray(
        data, dims=("y", "x"), coords={"y": ys, "x": xs}, name=name, attrs=attrs or {}
    )
    da = da.rio.write_crs(raster.crs).rio.write_transform(t)
    return da.rio.write_nodata(nodata, encoded=False) if nodata is not None else da


def _cell_sizes_m(raster: Raster) -> tuple[np.ndarray, float]:
    """True east-west size of each row's cells and the north-south size (metres)."""
    t = raster.transform
    if raster.crs.is_geographic:
        deg = math.degrees(raster.crs.axis_info[0].unit_conversion_factor)
        lat = np.radians((t.f + t.e * (np.arange(raster.height) + 0.5)) * deg)
        e2 = GEOD.f * (2 - GEOD.f)
        s2 = np.sin(lat) ** 2
        n_rad = GEOD.a / np.sqrt(1 - e2 * s2)
        m_rad = GEOD.a * (1 - e2) / (1 - e2 * s2) ** 1.5
        dx = n_rad * np.cos(lat) * math.radians(abs(t.a) * deg)
        dy = float(np.median(m_rad)) * math.radians(abs(t.e) * deg)
        return dx, dy
    unit = raster.crs.axis_info[0].unit_conversion_factor
    return np.full(raster.height, abs(t.a) * unit), abs(t.e) * unit


#: Most elevation levels the bucket-queue fill will allocate buckets for.
MAX_LEVELS = 1 << 22


def fill_depressions(z: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Priority-flood depression filling of a float32 DEM.

    DEMs on a grid of levels (whole metres, decimetres, centimetres) take a bucket queue
    (linear time); others, or when the grid check fails, the binary heap. Both give the
    same surface.
    """
    if valid.any():
        zv = z[valid]
        zmin, zmax = float(zv.min()), float(zv.max())
        for scale in (1.0, 10.0, 100.0):
            nlev = int((zmax - zmin) * scale) + 2
            if nlev > MAX_LEVELS:
                break
            # a cheap look at a sample first; the kernel checks every cell exactly
            sample = zv[:: max(1, zv.size // 100_000)].astype(np.float64)
            k = (sample - zmin) * scale
            if np.all(np.abs(k - np.round(k)) < 1e-2):  # float32 noise; exact check in kernel
                filled, ok = _hydro_fill.priority_flood_levels(z, valid, scale, zmin, nlev)
                if ok:
                    return filled
                break
    return _hydro_fill.priority_flood(z, valid)


def _row_areas_m2(raster: Raster) -> np.ndarray:
    areas = _coverage.cell_areas(raster, Window(0, 0, raster.width, raster.height))
    if areas.use_fac:
        # a projected, non-equal-area grid: use the mean areal scale of each row
        fac_rows = areas.fac.mean(axis=1)
        rows = np.clip(
            (np.arange(raster.height) + 0.5) / _coverage.SCALE_STEP, 0, len(fac_rows) - 1
        )
        return areas.row_area / np.interp(rows, np.arange(len(fac_rows)), fac_rows)
    return areas.row_area
