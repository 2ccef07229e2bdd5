"""Overlap of landscapes with vector layers: protected areas, concessions, ASM sites."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from landprofile.errors import MissingFieldError
from landprofile.geodesy import GEOD, densify_to_lonlat, geodesic_area_perimeter_m
from landprofile.profile._zones import as_zones
from landprofile.vector import read_vector

__all__ = ["overlap"]


def _to_crs(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    if gdf.crs == crs:
        return gdf
    # Densify before reprojecting so long edges keep their shape in the target CRS.
    dense = gpd.GeoSeries(
        [densify_to_lonlat(g, gdf.crs) for g in gdf.geometry], crs=4326, index=gdf.index
    )
    return gdf.set_geometry(dense.to_crs(crs))


def overlap(
    landscapes: Any,
    layer: Any,
    *,
    by: str | None = None,
    id_field: str | None = None,
    layer_name: str | None = None,
) -> pd.DataFrame:
    """Area, length or count of a vector layer inside each landscape.

    Parameters
    ----------
    landscapes
        A Landscape, a list of them, or a GeoDataFrame of polygons.
    layer
        Anything :func:`landprofile.read_vector` reads: polygons (protected areas,
        concessions, ASM site footprints), lines (rivers, roads) or points (sites).
    by
        Optional field to break the result down by (e.g. concession ``type`` or
        ``status``); one row per landscape and value, plus an ``(all)`` row.
    layer_name
        Name of the layer in the output (the source's description when ``None``).

    Returns
    -------
    pandas.DataFrame
        ``landscape``, ``layer``, ``group``, ``n_features`` (features intersecting the
        landscape), ``area_ha`` and ``share`` (of the landscape's area; overlapping
        polygons are unioned first, never double counted), ``length_km`` (lines),
        ``n_points`` (points inside). Measures are geodesic on WGS 84.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import landprofile as lp
    >>> from shapely.geometry import box
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> reserve = gpd.GeoDataFrame(geometry=[box(600_000, 600_000, 600_500, 601_000)],
    ...                            crs=SQUARE_CRS)  # the west half of the square
    >>> table = lp.overlap(square_landscape(), reserve, layer_name="reserve")
    >>> int(table.loc[0, "n_features"]), round(float(table.loc[0, "share"]), 3)
    (1, 0.5)
    """
    gdf = read_vector(layer)
    label = layer_name or str(gdf.attrs.get("landprofile_source", "layer"))
    if by is not None and by not in gdf.columns:
        raise MissingFieldError(
            f"{label}: field {by!r} not found for by=; fields present: "
            + ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
        )
    rows = []
    for zone in as_zones(landscapes, id_field=id_field):
        local = _to_crs(gdf, zone.crs)
        geoms = local.geometry.to_numpy()
        hit = shapely.intersects(geoms, zone.geometry)
        groups: list[tuple[str, np.ndarray]] = [("(all)", hit)]
        if by is not None:
            values = local[by].astype("string").fillna("(missing)").to_numpy()
            groups += [(str(v), hit & (values == v)) for v in sorted(set(values[hit]))]
        for name, mask in groups:
            rows.append(
                {
                    "landscape": zone.id,
                    "layer": label,
                    "group": name,
                    **_measure(geoms[mask], zone.geometry, zone.crs, zone.area_m2),
                }
            )
    table = pd.DataFrame(
        rows,
        columns=[
            "landscape",
            "layer",
            "group",
            "n_features",
            "area_ha",
            "share",
            "length_km",
            "n_points",
        ],
    )
    from landprofile.credits import is_synthetic

    # for the layer's credit: a sample layer whose features say synthetic = true
    table.attrs["synthetic"] = bool(is_synthetic(gdf.attrs.get("landprofile_source", ""), gdf))
    return table


def _measure(geoms: np.ndarray, zone_geom: Any, crs: CRS, zone_area_m2: float) -> dict:
    dims = shapely.get_dimensions(geoms) if len(geoms) else np.array([], dtype=int)
    area_m2 = 0.0
    length_m = 0.0
    n_points = 0
    polys = geoms[dims == 2]
    if len(polys):
        inter = shapely.intersection(shapely.union_all(polys), zone_geom)
        area_m2 = geodesic_area_perimeter_m(densify_to_lonlat(inter, crs))[0]
    lines = geoms[dims == 1]
    if len(lines):
        inter = shapely.intersection(shapely.union_all(lines), zone_geom)
        length_m = float(GEOD.geometry_length(densify_to_lonlat(inter, crs)))
    pts = geoms[dims == 0]
    if len(pts):
        n_points = int(
            sum(shapely.get_num_geometries(shapely.intersection(p, zone_geom)) for p in pts)
        )
    return {
        "n_features": len(geoms),
        "area_ha": area_m2 / 1e4,
        "share": area_m2 / zone_area_m2 if zone_area_m2 else np.nan,
        "length_km": length_m / 1e3,
        "n_points": n_points,
    }
