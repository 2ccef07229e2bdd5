"""Zonal statistics of the profile card: land cover composition, population, elevation.

Every statistic weighs each cell by its exact coverage (the fraction of the cell inside
the landscape, exactextract's ``coverage``) times its true area on the WGS 84 ellipsoid
(see :mod:`landprofile._coverage`). Rasters are read window by window, strip by strip
(aligned to the raster's tiles), with bounded memory; one dataset handle serves all
landscapes, so GDAL's block cache spares re-reading shared tiles.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pandas as pd
import rasterio

from landprofile import _coverage as cov
from landprofile.errors import InvalidParameterError, UnsupportedFormatError
from landprofile.legend import GROUPS, Legend, load_legend
from landprofile.profile._zones import Zone, as_zones
from landprofile.raster import Raster, read_raster

__all__ = ["elevation", "land_cover", "population"]

PopulationKind = Literal["count", "density_per_km2"]


@contextmanager
def _open(raster: Raster) -> Iterator[rasterio.io.DatasetReader | None]:
    if raster.path is None:
        yield None
        return
    with rasterio.Env(GDAL_CACHEMAX=512), rasterio.open(raster.path) as ds:
        yield ds


def _integer_hist_spec(dtype: np.dtype) -> tuple[int, int] | None:
    if dtype.kind == "u" and dtype.itemsize <= 2:
        return 0, 1 << (8 * dtype.itemsize)
    if dtype.kind == "i" and dtype.itemsize <= 2:
        half = 1 << (8 * dtype.itemsize - 1)
        return half, 2 * half
    return None


def _class_areas(ds: Any, raster: Raster, zone: Zone) -> tuple[dict[int, float], float]:
    """Area (m²) per raster value inside ``zone``, and the zone area covered by the grid."""
    geom = cov.geometry_in_raster_crs(zone.geometry, zone.crs, raster)
    fp = cov.footprint(geom, raster)
    if fp.empty:
        return {}, 0.0
    areas = cov.cell_areas(raster, fp.window)
    dtype = np.dtype(raster.dtype)
    spec = _integer_hist_spec(dtype)
    if spec is not None:
        offset, size = spec
        hist = np.zeros(size, dtype=np.float64)
        for row_off, vals, acc in cov.iter_strips(ds, raster, fp):
            cov.histogram_strip(
                acc, vals, areas.row_area[row_off:], areas.fac, areas.use_fac, row_off, offset, hist
            )
        nz = np.flatnonzero(hist)
        out = {int(i) - offset: float(hist[i]) for i in nz}
        return out, float(hist.sum())
    if dtype.kind not in "iu":
        raise UnsupportedFormatError(
            f"{raster.label}: land cover must hold integer class values, got {dtype}"
        )
    totals: dict[int, float] = {}
    for row_off, vals, acc in cov.iter_strips(ds, raster, fp):
        c = np.zeros(vals.shape, dtype=np.float64)
        cov.coverage_strip(acc, c)
        w = c * areas.row_area[row_off : row_off + vals.shape[0], None]
        if areas.use_fac:
            w = w / _fac_grid(areas, row_off, vals.shape)
        uniq, inv = np.unique(vals, return_inverse=True)
        sums = np.bincount(inv.ravel(), weights=w.ravel(), minlength=len(uniq))
        for u, s in zip(uniq.tolist(), sums.tolist(), strict=True):
            if s > 0:
                totals[int(u)] = totals.get(int(u), 0.0) + s
    return totals, float(sum(totals.values()))


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
    """
    rast = raster if isinstance(raster, Raster) else read_raster(raster)
    leg: Legend = load_legend(legend)
    if lang not in ("en", "fr", "es"):
        raise InvalidParameterError(f"lang {lang!r} is not one of en, fr, es")
    classes = leg.by_value()
    nodata_vals = set(leg.nodata)
    if rast.nodata is not None and float(rast.nodata).is_integer():
        nodata_vals.add(int(rast.nodata))
    zones = as_zones(landscapes, id_field=id_field)
    rows: list[dict[str, Any]] = []
    with _open(rast) as ds:
        for zone in zones:
            areas, covered = _class_areas(ds, rast, zone)
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
                    rows.append(
                        _row(zone, "unknown", value, f"unknown value {value}", None, a, None)
                    )
            outside = zone.area_m2 - covered
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


def _sums(ds: Any, raster: Raster, zone: Zone) -> tuple[np.ndarray, cov.Footprint | None]:
    geom = cov.geometry_in_raster_crs(zone.geometry, zone.crs, raster)
    fp = cov.footprint(geom, raster)
    out = np.array([0.0, 0.0, 0.0, 0.0, np.inf, -np.inf, 0.0])
    if fp.empty:
        return out, None
    areas = cov.cell_areas(raster, fp.window)
    has_nd = raster.nodata is not None
    nd = float(raster.nodata) if has_nd else 0.0
    for row_off, vals, acc in cov.iter_strips(ds, raster, fp):
        cov.sums_strip(
            acc, vals, areas.row_area[row_off:], areas.fac, areas.use_fac, row_off, nd, has_nd, out
        )
    return out, fp


def population(
    landscapes: Any,
    raster: Any,
    *,
    kind: PopulationKind = "count",
    id_field: str | None = None,
) -> pd.DataFrame:
    """Approximate population of each landscape from a population raster.

    Parameters
    ----------
    landscapes
        A Landscape, a list of them, or a GeoDataFrame of polygons.
    raster
        Population raster: persons per cell (``kind="count"``, e.g. WorldPop) or persons
        per km² (``kind="density_per_km2"``, e.g. GPW density).
    kind
        How to read the values. Counts are summed weighted by coverage; densities are
        multiplied by each cell's true area (km²) and its coverage.

    Returns
    -------
    pandas.DataFrame
        ``landscape``, ``population``, ``density_per_km2`` (population over the landscape's
        geodesic area), ``nodata_ha`` (covered cells holding nodata) and ``outside_ha``.
    """
    if kind not in ("count", "density_per_km2"):
        raise InvalidParameterError(
            f"population kind {kind!r} is not one of 'count', 'density_per_km2'"
        )
    rast = raster if isinstance(raster, Raster) else read_raster(raster)
    rows = []
    with _open(rast) as ds:
        for zone in as_zones(landscapes, id_field=id_field):
            s, _ = _sums(ds, rast, zone)
            pop = s[0] if kind == "count" else s[1] / 1e6
            covered = s[2] + s[3]
            rows.append(
                {
                    "landscape": zone.id,
                    "population": pop,
                    "density_per_km2": pop / (zone.area_m2 / 1e6),
                    "nodata_ha": s[3] / 1e4,
                    "outside_ha": max(zone.area_m2 - covered, 0.0) / 1e4,
                }
            )
    df = pd.DataFrame(rows)
    df.attrs["raster"] = rast.label
    df.attrs["kind"] = kind
    return df


def elevation(
    landscapes: Any,
    dem: Any,
    *,
    percentiles: tuple[float, ...] = (5, 25, 50, 75, 95),
    id_field: str | None = None,
) -> pd.DataFrame:
    """Elevation statistics of each landscape: min, max, mean and percentiles.

    The mean and percentiles weigh each cell by coverage x true area; min and max are
    over every cell the landscape touches. Percentiles come from a 65,536-bin weighted
    histogram between min and max (error below (max - min) / 65,536).

    Returns
    -------
    pandas.DataFrame
        ``landscape``, ``min_m``, ``max_m``, ``mean_m``, ``p5_m`` ... and ``nodata_ha``.
    """
    rast = dem if isinstance(dem, Raster) else read_raster(dem)
    rows = []
    nbins = 65_536
    with _open(rast) as ds:
        for zone in as_zones(landscapes, id_field=id_field):
            s, fp = _sums(ds, rast, zone)
            row: dict[str, Any] = {"landscape": zone.id}
            if fp is None or s[2] == 0:
                row |= {"min_m": np.nan, "max_m": np.nan, "mean_m": np.nan}
                row |= {f"p{p:g}_m": np.nan for p in percentiles}
            else:
                vmin, vmax = s[4], s[5]
                row |= {"min_m": vmin, "max_m": vmax, "mean_m": s[1] / s[2]}
                width = (vmax - vmin) / nbins or 1.0
                hist = np.zeros(nbins)
                areas = cov.cell_areas(rast, fp.window)
                has_nd = rast.nodata is not None
                nd = float(rast.nodata) if has_nd else 0.0
                for row_off, vals, acc in cov.iter_strips(ds, rast, fp):
                    cov.value_histogram_strip(
                        acc,
                        vals,
                        areas.row_area[row_off:],
                        areas.fac,
                        areas.use_fac,
                        row_off,
                        nd,
                        has_nd,
                        vmin,
                        width,
                        hist,
                    )
                cdf = np.cumsum(hist) / hist.sum()
                for p in percentiles:
                    b = int(np.searchsorted(cdf, p / 100.0))
                    row[f"p{p:g}_m"] = min(vmin + (b + 0.5) * width, vmax)
            row["nodata_ha"] = s[3] / 1e4
            rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["raster"] = rast.label
    return df
