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

from typing import Any

import numpy as np
import shapely
import xarray as xr

from landprofile._progress import Progress, Steps, interruptible
from landprofile.crs import WGS84, norm_crs
from landprofile.errors import EmptySelectionError, InvalidParameterError
from landprofile.landscape import Landscape, Provenance
from landprofile.raster import read_raster
from landprofile.watershed import _hydro, _hydro_grid, _hydro_outlets
from landprofile.watershed._dem_grid import (
    _as_grid,
    _cell_sizes_m,
    _row_areas_m2,
    _to_dataarray,
    _valid,
    fill_depressions,
)
from landprofile.watershed._dem_snap import DEFAULT_SNAP_M, Snapped, snap_outlet
from landprofile.watershed._dem_vectors import catchment_polygon, stream_network

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

#: Half-width (degrees) of the window a named DEM (``copdem30``) is read in around the
#: outlet: about 55 km, enough for catchments of a few thousand km². For larger ones, read
#: a larger area with ``landprofile.sources.raster(name, bounds)`` and pass that file.
NAMED_DEM_WINDOW_DEG = 0.5


def _around(outlet: Any, crs: Any, half: float) -> tuple[float, float, float, float]:
    from pyproj import Transformer

    x, y = (outlet.x, outlet.y) if hasattr(outlet, "x") else (float(outlet[0]), float(outlet[1]))
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return (lon - half, lat - half, lon + half, lat + half)


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
