"""The footprint of each date split into parts that do not overlap, for a stacked chart.

:func:`~landprofile.footprint_timeline` measures the footprint inside
protected areas, concessions and the river buffer, but a pit can be in all three, so
those columns overlap and cannot be stacked. Here each date's footprint is cut in the
order that matters to a programme: inside a protected area; else inside a concession;
else inside the river buffer; else elsewhere. The parts of a date sum to its
``area_ha`` and ``protected_ha`` equals the timeline's ``in_protected_ha`` (same union,
same equal-area projection, same river buffer).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely

from landprofile.crs import local_laea
from landprofile.errors import InvalidParameterError
from landprofile.geodesy import project
from landprofile.monitoring.footprint import (
    DEFAULT_RIVER_BUFFER_M,
    _layer_union,
    _union,
    footprints_by_date,
)

__all__ = ["PARTS", "footprint_parts"]

#: The parts, bottom of the stack first: each excludes the ones before it.
PARTS = ("protected_ha", "concessions_ha", "river_ha", "elsewhere_ha")


def footprint_parts(
    landscape: Any,
    footprints: Any,
    *,
    date_field: str | None = None,
    protected: Any = None,
    concessions: Any = None,
    rivers: Any = None,
    river_buffer_m: float | None = None,
) -> pd.DataFrame:
    """Each date's footprint in four parts that do not overlap (hectares, true areas).

    Parameters are those of :func:`~landprofile.footprint_timeline`.

    Returns
    -------
    pandas.DataFrame
        One row per date, oldest first: ``date``, ``protected_ha`` (inside a protected
        area), ``concessions_ha`` (inside a concession, outside protected areas),
        ``river_ha`` (in the river buffer, outside both), ``elsewhere_ha`` and
        ``area_ha`` (their sum: the date's footprint). A layer not given gives 0.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from landprofile.monitoring.footprint_parts import footprint_parts
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> pits = gpd.GeoDataFrame({"year": [2020]},
    ...     geometry=[box(600_000, 600_000, 600_200, 600_100)], crs=SQUARE_CRS)
    >>> reserve = gpd.GeoDataFrame(geometry=[box(600_000, 600_000, 600_100, 600_100)],
    ...     crs=SQUARE_CRS)
    >>> parts = footprint_parts(square_landscape(), pits, protected=reserve)
    >>> parts[["protected_ha", "elsewhere_ha", "area_ha"]].round(2).values.tolist()
    [[1.0, 1.0, 2.0]]
    """
    lon, lat = landscape.centroid_lonlat
    # the timeline's own projection, so that the two agree to the last digit
    crs = local_laea(round(lon, 4), round(lat, 4))
    land = project([landscape.geometry], landscape.crs, crs)[0]
    shapely.prepare(land)
    buf = DEFAULT_RIVER_BUFFER_M if river_buffer_m is None else float(river_buffer_m)
    if buf < 0:
        raise InvalidParameterError(f"river_buffer_m={river_buffer_m!r} must be >= 0 (metres)")
    masks = [
        _layer_union(protected, crs, land),
        _layer_union(concessions, crs, land),
        _layer_union(rivers, crs, land, buf) if rivers is not None else None,
    ]
    rows = []
    for date, gdf in footprints_by_date(footprints, date_field).items():
        geoms = project(gdf.geometry.to_numpy(), gdf.crs, crs)
        rest = shapely.intersection(_union(geoms[shapely.intersects(geoms, land)]), land)
        row: dict[str, Any] = {"date": date, "area_ha": rest.area / 1e4}
        for col, mask in zip(PARTS[:3], masks, strict=True):
            if mask is None or mask.is_empty:
                row[col] = 0.0
                continue
            row[col] = shapely.intersection(rest, mask).area / 1e4
            rest = shapely.difference(rest, mask)
        row["elsewhere_ha"] = rest.area / 1e4
        rows.append(row)
    return pd.DataFrame(rows, columns=["date", *PARTS, "area_ha"])
