"""Zonal statistics of the profile card: land cover composition, population, elevation.

Every statistic weighs each cell by its exact coverage (the fraction of the cell inside
the landscape, exactextract's ``coverage``) times its true area on the WGS 84 ellipsoid
(see :mod:`landprofile._coverage`). Rasters are read window by window, strip by strip
(aligned to the raster's tiles), with bounded memory; one dataset handle serves all
landscapes, so GDAL's block cache spares re-reading shared tiles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from landprofile import _coverage as cov
from landprofile.errors import InvalidParameterError, UnsupportedFormatError
from landprofile.legend import GROUPS, Legend, load_legend
from landprofile.profile._engine import (
    StripMap,
    run_zones,
    warn_no_data,
    warn_outside,
    warn_partial,
)
from landprofile.profile._engine import read_for as _read
from landprofile.profile._zones import Zone, as_zones
from landprofile.raster import Raster

if TYPE_CHECKING:  # loaded on first use, below
    from landprofile.profile.continuous import elevation, population

__all__ = ["elevation", "land_cover", "population"]


def _integer_hist_spec(dtype: np.dtype) -> tuple[int, int] | None:
    if dtype.kind == "u" and dtype.itemsize <= 2:
        return 0, 1 << (8 * dtype.itemsize)
    if dtype.kind == "i" and dtype.itemsize <= 2:
        half = 1 << (8 * dtype.itemsize - 1)
        return half, 2 * half
    return None


def _class_areas(
    reader: cov.StripReader, zone: Zone, smap: StripMap
) -> tuple[dict[int, float], float]:
    """Area (m²) per raster value inside ``zone``, and the zone area covered by the grid."""
    raster = reader.raster
    geom = cov.geometry_in_raster_crs(zone.geometry, zone.crs, raster, zone.lonlat)
    totals: dict[int, float] = {}
    covered = 0.0
    for fp in cov.footprints(geom, raster):
        if fp.empty:
            continue
        part, area = _class_areas_fp(reader, fp, smap)
        for k, v in part.items():
            totals[k] = totals.get(k, 0.0) + v
        covered += area
    return totals, covered


def _class_areas_fp(
    reader: cov.StripReader, fp: cov.Footprint, smap: StripMap
) -> tuple[dict[int, float], float]:
    raster = reader.raster
    areas = cov.cell_areas(raster, fp.window)
    dtype = np.dtype(raster.dtype)
    spec = _integer_hist_spec(dtype)
    if spec is not None:
        offset, size = spec

        if not cov.numba_loaded():
            # Without numba: coverage from the edges alone, counted run by run (as fast
            # as numba's kernels once loaded, and nothing to load). The counts hold the
            # GIL: one thread counts while the others read ahead.
            from landprofile import _kernels_np

            def read(ab: tuple[int, int]) -> np.ndarray:
                return reader.values(fp, *ab)

            def count(ab: tuple[int, int], vals: np.ndarray) -> np.ndarray:
                a, b = ab
                hist = np.zeros(size, dtype=np.float64)
                _kernels_np.histogram_runs(
                    fp.segs, a, b, vals, areas.row_area[a:], areas.fac, areas.use_fac, a,
                    offset, hist,
                )  # fmt: skip
                return hist

            parts = smap.pipeline(read, count, cov.strip_bounds(raster, fp))
        else:
            # numba's version of the same run-by-run count (the same bits), without the
            # GIL: each worker reads and counts its own strips. The dense edge buffer of
            # ``reader.strip`` (8 bytes a cell, zeroed and read once) cost a warm call
            # more than the counting itself.
            runs = cov.kernels().histogram_runs

            def strip_hist(ab: tuple[int, int]) -> np.ndarray:
                a, b = ab
                hist = np.zeros(size, dtype=np.float64)
                vals = reader.values(fp, a, b)
                runs(
                    fp.segs, a, b, vals, areas.row_area[a:], areas.fac, areas.use_fac, a,
                    offset, hist,
                )  # fmt: skip
                return hist

            parts = smap(strip_hist, cov.strip_bounds(raster, fp))
        hist = np.zeros(size, dtype=np.float64)
        for part in parts:
            hist += part
        nz = np.flatnonzero(hist)
        return {int(i) - offset: float(hist[i]) for i in nz}, float(hist.sum())
    if dtype.kind not in "iu":
        raise UnsupportedFormatError(
            f"{raster.label}: land cover must hold integer class values, got {dtype}"
        )

    def strip_unique(ab: tuple[int, int]) -> dict[int, float]:
        a, b = ab
        vals, acc = reader.strip(fp, a, b)
        w = cell_weights(acc, areas, a, vals.shape)
        uniq, inv = np.unique(vals, return_inverse=True)
        sums = np.bincount(inv.ravel(), weights=w.ravel(), minlength=len(uniq))
        return {
            int(u): float(x) for u, x in zip(uniq.tolist(), sums.tolist(), strict=True) if x > 0
        }

    totals: dict[int, float] = {}
    for part in smap(strip_unique, cov.strip_bounds(raster, fp)):
        for k, v in part.items():
            totals[k] = totals.get(k, 0.0) + v
    return totals, float(sum(totals.values()))


def cell_weights(
    acc: np.ndarray, areas: cov.CellAreas, row_off: int, shape: tuple[int, int]
) -> np.ndarray:
    """Each cell's exact coverage times its true area (m²) in a strip from ``row_off``.

    The numpy path, for values a histogram kernel cannot take.
    """
    c = np.zeros(shape, dtype=np.float64)
    cov.kernels_for(c.size).coverage_strip(acc, c)
    w = c * areas.row_area[row_off : row_off + shape[0], None]
    if areas.use_fac:
        w = w / _fac_grid(areas, row_off, shape)
    return w


def _fac_grid(areas: cov.CellAreas, row_off: int, shape: tuple[int, int]) -> np.ndarray:
    from scipy.ndimage import map_coordinates

    rr = (row_off + np.arange(shape[0]) + 0.5) / cov.SCALE_STEP
    cc = (np.arange(shape[1]) + 0.5) / cov.SCALE_STEP
    gy, gx = np.meshgrid(rr, cc, indexing="ij")
    return map_coordinates(areas.fac, [gy, gx], order=1, mode="nearest")


def land_cover(
    landscapes: Any,
    raster: Any,
    *,
    legend: Any = "esa_worldcover_v200",
    lang: str = "en",
    id_field: str | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Land cover / ecosystem composition of each landscape, exact and area-true.

    Parameters
    ----------
    landscapes
        A :class:`~landprofile.Landscape`, a list of them, or a GeoDataFrame of polygons.
    raster
        A land cover raster (path, rasterio dataset, DataArray, :class:`~landprofile.Raster`)
        with integer class values.
    legend
        A built-in legend name, a legend file or a :class:`~landprofile.legend.Legend`.
    lang
        Language of the class and group names (``en``, ``fr``, ``es``).
    id_field
        Column naming the landscapes of a GeoDataFrame.
    threads
        Worker threads (default: the machine's cores, one for small rasters);
        results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per landscape and class: ``landscape``, ``kind`` (``class``, ``unknown``
        for values not in the legend, ``nodata``, ``outside`` for the part of the
        landscape the raster does not cover), ``value``, ``name``, ``group``,
        ``group_name``, ``natural``, ``color``, ``area_ha`` and ``share`` — the class's
        share of the landscape's valid classified area (the ``class`` rows of a landscape
        sum to 1; other kinds have no share).

    Notes
    -----
    Each cell counts with its exact coverage fraction (exactextract's ``coverage``) times
    its true area: geodesic row areas on the WGS 84 ellipsoid for geographic rasters,
    planar area divided by the areal scale factor for projected ones.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> tif = halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif")
    >>> table = lp.land_cover(square_landscape(), tif, legend="esa_worldcover_v200")
    >>> table[["landscape", "value", "group"]]
      landscape  value     group
    0    Square     10    forest
    1    Square     40  cropland
    >>> round(float(table["area_ha"].sum()), 1)  # true cell areas: the square's geodesic area
    100.1
    """
    zones = as_zones(landscapes, id_field=id_field)
    rast = raster if isinstance(raster, Raster) else _read(raster, zones)
    leg: Legend = load_legend(legend)
    if lang not in ("en", "fr", "es"):
        raise InvalidParameterError(f"lang {lang!r} is not one of en, fr, es")
    classes = leg.by_value()
    nodata_vals = set(leg.nodata)
    if rast.nodata is not None and float(rast.nodata).is_integer():
        nodata_vals.add(int(rast.nodata))
    rows: list[dict[str, Any]] = []
    for zone, (areas, covered) in zip(
        zones, run_zones(rast, zones, _class_areas, threads), strict=True
    ):
        valid = sum(a for v, a in areas.items() if v in classes and v not in nodata_vals)
        for value in sorted(areas):
            a = areas[value]
            if value in nodata_vals:
                rows.append(_row(zone, "nodata", value, "nodata", None, a, None))
            elif value in classes:
                rows.append(
                    _row(
                        zone,
                        "class",
                        value,
                        None,
                        classes[value],
                        a,
                        a / valid if valid > 0 else np.nan,
                        lang,
                    )
                )
            else:
                rows.append(_row(zone, "unknown", value, f"unknown value {value}", None, a, None))
        outside = zone.area_m2 - covered
        if covered == 0:
            warn_outside(zone, rast)
        elif valid == 0:
            warn_no_data(zone, rast, "no class shares")
        else:
            warn_partial(zone, rast, covered, "class shares are those of the covered part")
        if outside > max(1e-6 * zone.area_m2, 1.0):
            rows.append(_row(zone, "outside", None, "outside the raster", None, outside, None))
    cols = [
        "landscape",
        "kind",
        "value",
        "name",
        "group",
        "group_name",
        "natural",
        "color",
        "area_ha",
        "share",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.attrs["legend"] = leg.key
    df.attrs["raster"] = rast.label
    return df


def _row(
    zone: Zone,
    kind: str,
    value: int | None,
    name: str | None,
    cls: Any,
    area_m2: float,
    share: float | None,
    lang: str = "en",
) -> dict[str, Any]:
    if cls is not None:
        group = GROUPS[cls.group]
        return {
            "landscape": zone.id,
            "kind": kind,
            "value": value,
            "name": cls.name(lang),
            "group": cls.group,
            "group_name": group.name(lang),
            "natural": group.natural,
            "color": cls.color,
            "area_ha": area_m2 / 1e4,
            "share": share,
        }
    return {
        "landscape": zone.id,
        "kind": kind,
        "value": value,
        "name": name,
        "group": None,
        "group_name": None,
        "natural": None,
        "color": None,
        "area_ha": area_m2 / 1e4,
        "share": np.nan if share is None else share,
    }


def __getattr__(name: str) -> Any:
    # population and elevation live in their own module, re-exported here (stable API)
    # on first use: a land cover call does not import them (PEP 562).
    if name in ("elevation", "population"):
        from landprofile.profile import continuous

        return getattr(continuous, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
