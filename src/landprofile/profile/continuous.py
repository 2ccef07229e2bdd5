"""Continuous rasters over landscapes: approximate population and elevation.

Same machinery as :mod:`landprofile.profile.stats` (exact coverage times true cell
area, strip by strip): population sums counts or integrates densities; elevation gives
min, max, area-weighted mean and percentiles from an area-weighted histogram.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from landprofile import _coverage as cov
from landprofile.errors import InvalidParameterError
from landprofile.profile._engine import read_for as _read
from landprofile.profile._engine import (
    run_zones,
    warn_negative,
    warn_no_data,
    warn_outside,
    warn_partial,
)
from landprofile.profile._zones import Zone, as_zones
from landprofile.raster import Raster

__all__ = ["ELEVATION_BINS", "PopulationKind", "elevation", "population"]

PopulationKind = Literal["count", "density_per_km2"]


def _nodata(raster: Raster) -> tuple[float, bool]:
    return (float(raster.nodata), True) if raster.nodata is not None else (0.0, False)


def _sums(
    reader: cov.StripReader,
    zone: Zone,
    smap: Callable[..., list[Any]],
    negatives: list[tuple[int, float]] | None = None,
) -> tuple[np.ndarray, list[cov.Footprint]]:
    """Weighted sums of a continuous raster over ``zone`` (see ``sums_strip``).

    With ``negatives`` (a list), cells below 0 are taken as nodata and each strip that
    held some appends (number of such cells, their minimum): counts and densities of
    people cannot be negative.
    """
    raster = reader.raster
    geom = cov.geometry_in_raster_crs(zone.geometry, zone.crs, raster, zone.lonlat)
    fps = [fp for fp in cov.footprints(geom, raster) if not fp.empty]
    out = _empty_sums()
    nd, has_nd = _nodata(raster)
    kind = np.dtype(raster.dtype).kind
    if negatives is not None and not has_nd and kind in "if":
        # a sentinel no valid count takes stands for the masked cells
        nd = -np.inf if kind == "f" else float(np.iinfo(np.dtype(raster.dtype)).min)
        has_nd = True
    for fp in fps:
        areas = cov.cell_areas(raster, fp.window)

        def strip_sums(
            ab: tuple[int, int], fp: cov.Footprint = fp, areas: cov.CellAreas = areas
        ) -> np.ndarray:
            a, b = ab
            vals, acc = reader.strip(fp, a, b)
            if negatives is not None and vals.dtype.kind in "if":
                bad = vals < 0
                if has_nd:
                    bad &= vals != nd
                if bad.any():
                    negatives.append((int(bad.sum()), float(vals[bad].min())))
                    vals = vals.copy()
                    vals[bad] = nd
            part = _empty_sums()
            cov.kernels_for(vals.size).sums_strip(
                acc, vals, areas.row_area[a:], areas.fac, areas.use_fac, a, nd, has_nd, part
            )
            return part

        for part in smap(strip_sums, cov.strip_bounds(raster, fp)):
            out[[0, 1, 2, 3, 6]] += part[[0, 1, 2, 3, 6]]
            out[4] = min(out[4], part[4])
            out[5] = max(out[5], part[5])
    return out, fps


def _empty_sums() -> np.ndarray:
    return np.array([0.0, 0.0, 0.0, 0.0, np.inf, -np.inf, 0.0])


def population(
    landscapes: Any,
    raster: Any,
    *,
    kind: PopulationKind = "count",
    id_field: str | None = None,
    threads: int | None = None,
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
        multiplied by each cell's true area (km²) and its coverage. GPW densities are per
        km² of *land*: along coasts, density x whole-cell area over-counts.
    threads
        Worker threads; results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        ``landscape``, ``population``, ``density_per_km2`` (population over the landscape's
        geodesic area), ``nodata_ha`` (covered cells holding nodata) and ``outside_ha``.
        Where the raster holds only nodata, population and density are NaN (with a
        :class:`~landprofile.errors.CoverageWarning`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import landprofile as lp
    >>> from rasterio.transform import from_origin
    >>> from landprofile.testing import SQUARE_CRS, square_landscape, write_geotiff
    >>> people = np.full((10, 10), 5.0, dtype="float32")  # 5 people in each 1 ha cell
    >>> tif = write_geotiff(Path(tempfile.mkdtemp()) / "pop.tif", people,
    ...                     from_origin(600_000, 601_000, 100, 100), SQUARE_CRS)
    >>> pop = lp.population(square_landscape(), tif, kind="count")
    >>> float(pop.loc[0, "population"])  # every cell wholly inside
    500.0
    >>> round(float(pop.loc[0, "density_per_km2"]))  # per geodesic km²
    500
    """
    if kind not in ("count", "density_per_km2"):
        raise InvalidParameterError(
            f"population kind {kind!r} is not one of 'count', 'density_per_km2'"
        )
    zones = as_zones(landscapes, id_field=id_field)
    rast = raster if isinstance(raster, Raster) else _read(raster, zones)
    rows = []
    negatives: dict[str, list[tuple[int, float]]] = {}

    def sums(reader: Any, zone: Zone, smap: Any) -> Any:
        return _sums(reader, zone, smap, negatives.setdefault(zone.id, []))

    for zone, (s, _) in zip(zones, run_zones(rast, zones, sums, threads), strict=True):
        pop = s[0] if kind == "count" else s[1] / 1e6
        covered = s[2] + s[3]
        neg = negatives.get(zone.id) or []
        if neg:
            warn_negative(zone, rast, sum(n for n, _ in neg), min(v for _, v in neg))
        if covered == 0:
            warn_outside(zone, rast)
        elif s[2] == 0:  # covered by nodata only: the population is unknown, not 0
            warn_no_data(zone, rast, "population unknown (NaN)")
            pop = np.nan
        else:
            warn_partial(zone, rast, covered, "the population is that of the covered part")
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


#: Bins of the weighted histogram elevation percentiles are read from.
ELEVATION_BINS = 65_536


def _elevation_zone(
    reader: cov.StripReader,
    zone: Zone,
    smap: Callable[..., list[Any]],
    percentiles: tuple[float, ...],
) -> dict[str, float]:
    s, fps = _sums(reader, zone, smap)
    row: dict[str, float] = {"nodata_ha": s[3] / 1e4}
    if not fps or s[2] == 0:
        return (
            row
            | {"min_m": np.nan, "max_m": np.nan, "mean_m": np.nan}
            | {f"p{p:g}_m": np.nan for p in percentiles}
        )
    vmin, vmax = s[4], s[5]
    row |= {"min_m": vmin, "max_m": vmax, "mean_m": s[1] / s[2]}
    width = (vmax - vmin) / ELEVATION_BINS or 1.0
    nd, has_nd = _nodata(reader.raster)
    hist = np.zeros(ELEVATION_BINS)
    for fp in fps:
        hist += _elevation_hist(reader, fp, smap, nd, has_nd, vmin, width)
    cdf = np.cumsum(hist) / hist.sum()
    for p in percentiles:
        b = int(np.searchsorted(cdf, p / 100.0))
        row[f"p{p:g}_m"] = min(vmin + (b + 0.5) * width, vmax)
    return row


def _elevation_hist(
    reader: cov.StripReader,
    fp: cov.Footprint,
    smap: Callable[..., list[Any]],
    nd: float,
    has_nd: bool,
    vmin: float,
    width: float,
) -> np.ndarray:
    areas = cov.cell_areas(reader.raster, fp.window)

    def strip_hist(ab: tuple[int, int]) -> np.ndarray:
        a, b = ab
        vals, acc = reader.strip(fp, a, b)
        hist = np.zeros(ELEVATION_BINS)
        cov.kernels_for(vals.size).value_histogram_strip(
            acc,
            vals,
            areas.row_area[a:],
            areas.fac,
            areas.use_fac,
            a,
            nd,
            has_nd,
            vmin,
            width,
            hist,
        )
        return hist

    return np.sum(smap(strip_hist, cov.strip_bounds(reader.raster, fp)), axis=0)


def elevation(
    landscapes: Any,
    dem: Any,
    *,
    percentiles: tuple[float, ...] = (5, 25, 50, 75, 95),
    id_field: str | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Elevation statistics of each landscape: min, max, mean and percentiles.

    The mean and percentiles weigh each cell by coverage x true area; min and max are
    over every cell the landscape touches. Percentiles come from a 65,536-bin weighted
    histogram between min and max (error below (max - min) / 65,536).

    Returns
    -------
    pandas.DataFrame
        ``landscape``, ``min_m``, ``max_m``, ``mean_m``, ``p5_m`` ... and ``nodata_ha``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import landprofile as lp
    >>> from rasterio.transform import from_origin
    >>> from landprofile.testing import SQUARE_CRS, square_landscape, tilted_plane, write_geotiff
    >>> z = tilted_plane(10, 10, slope=10.0)  # columns at 0, 10, ..., 90 m
    >>> tif = write_geotiff(Path(tempfile.mkdtemp()) / "dem.tif", z,
    ...                     from_origin(600_000, 601_000, 100, 100), SQUARE_CRS)
    >>> stats = lp.elevation(square_landscape(), tif)
    >>> stats[["min_m", "max_m"]].values.tolist(), round(float(stats.loc[0, "mean_m"]), 1)
    ([[0.0, 90.0]], 45.0)
    """
    zones = as_zones(landscapes, id_field=id_field)
    rast = dem if isinstance(dem, Raster) else _read(dem, zones)

    def per_zone(reader: cov.StripReader, zone: Zone, smap: Callable[..., list[Any]]) -> dict:
        return _elevation_zone(reader, zone, smap, percentiles)

    rows = []
    for z, r in zip(zones, run_zones(rast, zones, per_zone, threads), strict=True):
        if np.isnan(r["mean_m"]):
            if r["nodata_ha"] > 0:
                warn_no_data(z, rast, "no elevation statistics (NaN)")
            else:
                warn_outside(z, rast)
        rows.append({"landscape": z.id} | r)
    cols = [
        "landscape",
        "min_m",
        "max_m",
        "mean_m",
        *[f"p{p:g}_m" for p in percentiles],
        "nodata_ha",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.attrs["raster"] = rast.label
    return df
