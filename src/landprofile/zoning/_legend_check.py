"""Refuse a land cover zoning cannot interpret, before any zoning work.

A land cover whose every value inside the landscape is unknown to its legend would
leave every cell without a land-cover group: no land-cover exclusion or factor applies,
and the zones would still be ranked as if the rules had been applied. The profile warns
about such a raster; zoning, which makes a recommendation, refuses it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from landprofile.errors import LegendMismatchError

#: cells read on each side at most: a decimated look is enough to see which values occur
SAMPLE_SIDE = 1024


def check_legend_known(raster: Any, lut: dict, landscape: Any, legend: Any) -> None:
    """Raise when no value of ``raster`` over ``landscape`` is in the legend ``lut``.

    Parameters
    ----------
    raster
        The land cover (:class:`landprofile.raster.Raster`).
    lut
        The legend's value -> group.
    landscape
        The landscape (its bounds bound the look).
    legend
        The legend as the user named it (for the message).

    Raises
    ------
    LegendMismatchError
        The raster holds values over the landscape and none of them is in the legend.
    """
    if raster is None or not lut:
        return
    values = _values_over(raster, landscape)
    if values.size == 0 or np.isin(values, list(lut)).any():
        return  # only nodata (the coverage warnings say so), or some value is known
    shown = ", ".join(str(v) for v in values[:12]) + (" …" if values.size > 12 else "")
    known = sorted(lut)
    raise LegendMismatchError(
        f"land cover {raster.label}: none of its values over the landscape "
        f"({shown}) is in the legend {legend or 'esa_worldcover_v200'!r}, whose values "
        f"are {known[:20]}{' …' if len(known) > 20 else ''}; zoning cannot apply its "
        "land-cover rules to it. Pass the legend the raster was made with (legend=..., "
        "[inputs] legend in a config) or a raster coded in this legend"
    )


def _values_over(raster: Any, landscape: Any) -> np.ndarray:
    """The distinct non-nodata values of a decimated read of ``raster`` over the landscape."""
    from pyproj import CRS, Transformer

    west, south, east, north = landscape.bounds_lonlat
    to_r = Transformer.from_crs(CRS.from_epsg(4326), raster.crs, always_xy=True)
    x0, y0, x1, y1 = to_r.transform_bounds(west, south, east, north, densify_pts=21)
    inv = ~raster.transform
    cols, rows = zip(
        *(inv @ (x, y) for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))), strict=True
    )
    c0, c1 = max(int(np.floor(min(cols))), 0), min(int(np.ceil(max(cols))), raster.width)
    r0, r1 = max(int(np.floor(min(rows))), 0), min(int(np.ceil(max(rows))), raster.height)
    if c1 <= c0 or r1 <= r0:
        return np.array([])
    step = max(1, -(-max(c1 - c0, r1 - r0) // SAMPLE_SIDE))
    sample = _read_decimated(raster, (r0, r1, c0, c1), step)
    vals = np.unique(sample)
    if raster.nodata is not None:
        vals = vals[vals != raster.nodata]
    return vals[np.isfinite(vals)] if vals.dtype.kind == "f" else vals


def _read_decimated(raster: Any, box: tuple[int, int, int, int], step: int) -> np.ndarray:
    """Every ``step``-th cell of the window ``box`` = (r0, r1, c0, c1)."""
    r0, r1, c0, c1 = box
    if step == 1 or raster.path is None:
        from rasterio.windows import Window

        return raster.read(Window(c0, r0, c1 - c0, r1 - r0))[::step, ::step]
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    shape = (-(-(r1 - r0) // step), -(-(c1 - c0) // step))
    with rasterio.open(raster.path) as ds:
        return ds.read(
            1,
            window=Window(c0, r0, c1 - c0, r1 - r0),
            out_shape=shape,
            resampling=Resampling.nearest,
        )
