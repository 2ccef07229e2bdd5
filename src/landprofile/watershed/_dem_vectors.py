"""The DEM path's vectors: a catchment mask as a polygon, a stream network as lines."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine

from landprofile.errors import EmptySelectionError, InvalidParameterError
from landprofile.watershed import _hydro_grid
from landprofile.watershed._dem_grid import _as_grid


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
