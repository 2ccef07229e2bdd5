"""Catchments from a DEM and an outlet point.

The lower-level steps are public and return DataArrays on the DEM's grid and CRS
(rioxarray metadata), so an analyst can inspect or reuse each one:

``condition`` (depression filling) → ``flow_directions`` (D8, flats resolved) →
``flow_accumulation`` (cells or km² of true cell area) → ``snap_outlet`` →
``catchment`` (raster) → ``catchment_polygon`` and ``stream_network`` (vectors).
:func:`from_dem` chains them into a :class:`~landprofile.Landscape`.

Distances and areas are true on geographic DEMs (cell widths shrink with latitude):
cell sizes come from the WGS 84 ellipsoid row by row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
import xarray as xr
from affine import Affine
from rasterio.windows import Window

from landprofile import _coverage
from landprofile._progress import Progress, Steps, interruptible
from landprofile.crs import WGS84, norm_crs, transformer
from landprofile.errors import (
    EmptySelectionError,
    InvalidParameterError,
    UnsupportedFormatError,
)
from landprofile.geodesy import GEOD
from landprofile.landscape import Landscape, Provenance
from landprofile.raster import Raster, read_raster
from landprofile.watershed import _hydro, _hydro_fill, _hydro_grid, _hydro_outlets

__all__ = [
    "D8_CODES",
    "Snapped",
    "catchment",
    "catchment_polygon",
    "catchments",
    "condition",
    "flow_accumulation",
    "flow_directions",
    "from_dem",
    "snap_outlet",
    "stream_network",
]

#: D8 codes: neighbour index → (row step, column step); -1 drains out, -2 nodata.
D8_CODES = {k: (int(_hydro_grid.DR[k]), int(_hydro_grid.DC[k])) for k in range(8)}

#: Default snapping distance (m): about ten 30 m cells, enough to move a point placed by
#: eye on a river onto the DEM's own channel without jumping to a neighbouring valley.
DEFAULT_SNAP_M = 300.0


#: Half-width (degrees) of the window a named DEM (``copdem30``) is read in around the
#: outlet: about 55 km, enough for catchments of a few thousand km². For larger ones, read
#: a larger area with ``landprofile.sources.raster(name, bounds)`` and pass that file.
NAMED_DEM_WINDOW_DEG = 0.5


def _around(outlet: Any, crs: Any, half: float) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    x, y = (outlet.x, outlet.y) if hasattr(outlet, "x") else (float(outlet[0]), float(outlet[1]))
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return (lon - half, lat - half, lon + half, lat + half)


# ----------------------------------------------------------------------------- grids


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


# ----------------------------------------------------------------------------- steps


def condition(dem: Any) -> xr.DataArray:
    """Fill the DEM's depressions by priority-flood (Barnes et al. 2014).

    Parameters
    ----------
    dem
        A DEM (path, DataArray, rasterio dataset): metres, any CRS; nodata cells are
        outside the terrain and act as sinks at its edge.

    Returns
    -------
    xarray.DataArray
        Filled elevations (float32) on the DEM's grid; nodata stays nodata (NaN).
    """
    data, raster = _as_grid(dem)
    valid = _valid(data, raster.nodata)
    if not valid.any():
        raise EmptySelectionError(f"{raster.label}: the DEM holds only nodata")
    filled = interruptible(fill_depressions, np.where(valid, data, 0).astype(np.float32), valid)
    filled[~valid] = np.nan
    return _to_dataarray(
        filled, raster, "conditioned_dem", np.nan, {"method": "priority-flood depression filling"}
    )


def flow_directions(conditioned: Any) -> xr.DataArray:
    """D8 flow directions (steepest descent on true distances), flats resolved.

    Cells on a flat drain, by the shortest path within the flat, to a cell of the flat's
    rim that drains; cells of the grid edge or next to nodata with no lower neighbour
    drain out. Every valid cell therefore drains to an edge, nodata or outlet.

    Returns
    -------
    xarray.DataArray
        int8 codes (see :data:`D8_CODES`); -1 drains out, -2 nodata.
    """
    data, raster = _as_grid(conditioned)
    valid = _valid(data, raster.nodata)
    dx, dy = _cell_sizes_m(raster)
    d = interruptible(
        _hydro.d8_directions, np.where(valid, data, 0).astype(np.float32), valid, dx, dy
    )
    return _to_dataarray(
        d,
        raster,
        "flow_directions",
        -2,
        {"codes": "0 E,1 SE,2 S,3 SW,4 W,5 NW,6 N,7 NE,-1 out,-2 nodata"},
    )


def flow_accumulation(directions: Any, *, units: str = "cells") -> xr.DataArray:
    """Upstream area of every cell (itself included).

    Parameters
    ----------
    directions
        D8 directions from :func:`flow_directions`.
    units
        ``"cells"`` (int64 counts) or ``"km2"`` (true area of the upstream cells, on the
        WGS 84 ellipsoid).
    """
    if units not in ("cells", "km2"):
        raise InvalidParameterError(f"units {units!r} is not one of 'cells', 'km2'")
    data, raster = _as_grid(directions)
    cells, area, _ = interruptible(
        _hydro.accumulate, data.astype(np.int8), _row_areas_m2(raster), units == "km2"
    )
    if units == "cells":
        return _to_dataarray(cells, raster, "flow_accumulation_cells", None)
    return _to_dataarray(area, raster, "flow_accumulation_km2", None)


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


def catchment(directions: Any, outlet: Snapped | tuple[int, int]) -> xr.DataArray:
    """Mask (uint8) of the cells draining through the outlet cell ``(row, col)``."""
    data, raster = _as_grid(directions)
    r, c = (outlet.row, outlet.col) if isinstance(outlet, Snapped) else outlet
    if not (0 <= r < raster.height and 0 <= c < raster.width):
        raise InvalidParameterError(f"outlet cell ({r}, {c}) is outside the grid")
    if data[r, c] == _hydro_grid.NODATA:
        raise InvalidParameterError(f"outlet cell ({r}, {c}) is nodata")
    mask = _catchment(data.astype(np.int8), int(r), int(c), None)
    return _to_dataarray(mask, raster, "catchment", None)


def _catchment(d: np.ndarray, r: int, c: int, upstream_cells: int | None) -> np.ndarray:
    # A breadth-first search costs per upstream cell (with scattered memory access), a
    # sweep costs per grid cell (following the flow): use the sweep for big catchments.
    if upstream_cells is not None and upstream_cells < d.size // 20:
        return _hydro_outlets.catchment_mask(d, r, c)
    return _hydro_outlets.catchment_mask_sweep(d, r, c)


def catchments(
    directions: Any, outlets: list[tuple[int, int]], *, order: np.ndarray | None = None
) -> list[np.ndarray]:
    """Catchment masks of many outlet cells ``(row, col)`` in one pass over the grid.

    Nested outlets are handled: an outlet's catchment includes the catchments of the
    outlets upstream of it. ``order`` (a topological order of the cells, as the flow
    accumulation computes it) makes the pass sequential; without it, a sweep with
    memoised downstream walks is used.
    """
    data, _ = _as_grid(directions)
    d = data.astype(np.int8)
    rows = np.array([r for r, _ in outlets], dtype=np.int64)
    cols = np.array([c for _, c in outlets], dtype=np.int64)
    lab = (
        _hydro_outlets.outlet_labels_ordered(d, order, rows, cols)
        if order is not None
        else _hydro_outlets.outlet_labels(d, rows, cols)
    )
    # the outlet each outlet drains into (through its own downstream neighbour)
    down = np.zeros(len(outlets) + 1, dtype=np.int64)
    for q, (r, c) in enumerate(outlets, 1):
        k = int(d[r, c])
        if k >= 0:
            down[q] = lab[r + _hydro_grid.DR[k], c + _hydro_grid.DC[k]]
    members: list[set[int]] = [{q} for q in range(len(outlets) + 1)]
    for q in range(1, len(outlets) + 1):
        j, seen = down[q], {q}
        while j and j not in seen:  # q's catchment belongs to every outlet downstream
            members[j].add(q)
            seen.add(j)
            j = down[j]
    masks = []
    for q in range(1, len(outlets) + 1):
        table = np.zeros(len(outlets) + 1, dtype=bool)
        table[list(members[q])] = True
        masks.append(table[lab])  # a gather: one pass over the labels
    return masks


def catchment_polygon(mask: Any) -> shapely.Geometry:
    """The catchment mask as one dissolved (multi)polygon in the DEM's CRS, holes kept."""
    data, raster = _as_grid(mask)
    shapes = [
        shapely.geometry.shape(g)
        for g, v in rasterio.features.shapes(
            data.astype(np.uint8),
            mask=data.astype(bool),
            transform=raster.transform,
            connectivity=8,
        )
        if v == 1
    ]
    if not shapes:
        raise EmptySelectionError("the catchment mask is empty")
    merged = shapely.union_all(shapes)
    if not merged.is_valid:
        # cells touching only at a corner make rings that touch themselves: split them
        merged = shapely.make_valid(merged)
        parts = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon"]
        merged = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    return merged


def stream_network(
    accumulation_km2: Any, directions: Any, *, threshold_km2: float = 1.0
) -> gpd.GeoDataFrame:
    """Stream lines: cell-centre to cell-centre links of cells draining more than a threshold.

    Returns
    -------
    geopandas.GeoDataFrame
        Merged lines in the DEM's CRS with ``max_upstream_km2``.
    """
    if not threshold_km2 > 0:
        raise InvalidParameterError(f"threshold_km2={threshold_km2!r} must be > 0")
    acc, raster = _as_grid(accumulation_km2)
    d, _ = _as_grid(directions)
    r, c = np.nonzero((acc >= threshold_km2) & (d >= 0))
    if r.size == 0:
        return gpd.GeoDataFrame({"max_upstream_km2": []}, geometry=[], crs=raster.crs)
    k = d[r, c].astype(int)
    r2 = r + _hydro_grid.DR[k]
    c2 = c + _hydro_grid.DC[k]
    t: Affine = raster.transform
    x1, y1 = t.c + t.a * (c + 0.5), t.f + t.e * (r + 0.5)
    x2, y2 = t.c + t.a * (c2 + 0.5), t.f + t.e * (r2 + 0.5)
    segs = shapely.linestrings(
        np.stack([np.column_stack([x1, y1]), np.column_stack([x2, y2])], axis=1)
    )
    merged = shapely.line_merge(shapely.union_all(segs))
    lines = list(shapely.get_parts(merged))
    ups = []
    for line in lines:
        xy = np.asarray(line.coords)
        cols, rows = (~t) @ (xy[:, 0], xy[:, 1])
        rr = np.clip(np.floor(rows).astype(int), 0, raster.height - 1)
        cc = np.clip(np.floor(cols).astype(int), 0, raster.width - 1)
        ups.append(float(np.max(acc[rr, cc])))
    return gpd.GeoDataFrame({"max_upstream_km2": ups}, geometry=lines, crs=raster.crs)


def from_dem(
    dem: Any,
    outlet: Any,
    *,
    snap_m: float = DEFAULT_SNAP_M,
    name: str | None = None,
    outlet_crs: Any = WGS84,
    progress: Progress | None = None,
) -> Landscape:
    """The catchment upstream of an outlet on a DEM, as a Landscape.

    Parameters
    ----------
    dem
        A DEM (path, DataArray, rasterio dataset) in any CRS, geographic or projected.
    outlet
        The outlet: a shapely Point or ``(x, y)``, in ``outlet_crs`` (lon/lat by default).
    snap_m
        The outlet is moved to the highest-accumulation cell within this many metres
        (the move is reported in the provenance).
    name
        The landscape's name.
    progress
        Called as ``progress(step, None)`` when each step starts (``read_dem``,
        ``fill_depressions``, ``flow_directions``, ``flow_accumulation``, ``snap_outlet``,
        ``catchment``, ``polygon``) and ``progress(step, seconds)`` when it ends.

    Returns
    -------
    Landscape
        In the DEM's CRS; provenance method ``watershed`` with the outlet, the snapped
        outlet, the distance moved and the upstream area.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from rasterio.transform import from_origin
    >>> from landprofile.testing import SQUARE_CRS, v_valley, write_geotiff
    >>> z = v_valley(11, 10)  # a valley along the middle row, draining east
    >>> dem = write_geotiff(Path(tempfile.mkdtemp()) / "dem.tif", z,
    ...                     from_origin(600_000, 601_100, 100, 100), SQUARE_CRS)
    >>> outlet = (600_950, 600_550)  # the centre of the valley's last cell
    >>> ls = lp.from_dem(dem, outlet, outlet_crs=SQUARE_CRS)
    >>> ls.provenance.parameters["upstream_cells"]  # every cell drains there
    110
    >>> round(ls.area_ha)
    110
    """
    steps = Steps(progress)
    steps.start("read_dem")
    from landprofile.sources.catalogue import parse_name

    if parse_name(dem) is not None:
        # a named DEM (copdem30) is read by window around the outlet
        dem = read_raster(dem, bounds=_around(outlet, outlet_crs, NAMED_DEM_WINDOW_DEG))
    data, raster = _as_grid(dem)
    valid = _valid(data, raster.nodata)
    if not valid.any():
        raise EmptySelectionError(f"{raster.label}: the DEM holds only nodata")
    steps.start("fill_depressions")
    filled = interruptible(fill_depressions, np.where(valid, data, 0).astype(np.float32), valid)
    del data
    steps.start("flow_directions")
    dx, dy = _cell_sizes_m(raster)
    d = interruptible(_hydro.d8_directions, filled, valid, dx, dy)
    del filled
    steps.start("flow_accumulation")
    row_area = _row_areas_m2(raster)
    cells, _, order = interruptible(_hydro.accumulate, d, row_area, False)
    steps.start("snap_outlet")
    acc_da = _to_dataarray(cells, raster, "flow_accumulation_cells", None)
    snapped = snap_outlet(acc_da, outlet, snap_m=snap_m, outlet_crs=outlet_crs)
    del cells, acc_da
    steps.start("catchment")
    if snapped.accumulation_cells < d.size // 20:
        mask = interruptible(_hydro_outlets.catchment_mask, d, snapped.row, snapped.col)
    else:  # a large basin: one sequential pass in the accumulation's order
        rows = np.array([snapped.row], dtype=np.int64)
        cols = np.array([snapped.col], dtype=np.int64)
        labels = interruptible(_hydro_outlets.outlet_labels_ordered, d, order, rows, cols)
        mask = (labels == 1).astype(np.uint8)
    del order
    up_km2 = float(mask.sum(axis=1) @ row_area) / 1e6
    steps.start("polygon")
    geom = catchment_polygon(_to_dataarray(mask, raster, "catchment", None))
    steps.end()
    ox, oy = outlet.coords[0] if isinstance(outlet, shapely.Point) else outlet
    provenance = Provenance(
        method="watershed",
        source=raster.label,
        parameters={
            "kind": "dem",
            "outlet": [float(ox), float(oy)],
            "outlet_crs": norm_crs(outlet_crs).to_string(),
            "snap_m": float(snap_m),
            "snapped_outlet": [snapped.x, snapped.y],
            "snapped_moved_m": round(snapped.moved_m, 3),
            "upstream_cells": int(mask.sum()),
            "upstream_km2": up_km2,
            "method": "priority-flood fill, D8 steepest descent, flats routed to outlets",
        },
    )
    return Landscape(
        name=name or f"Catchment of {raster.label}",
        geometry=geom,
        crs=raster.crs,
        provenance=provenance,
    )
