"""The offline context layer: country borders, towns and major rivers around a map.

Shipped with the package (``landprofile/data/context``, Natural Earth and GeoNames; see
its SOURCES.md) and clipped to the map's surroundings, so that a card opened offline
still shows where the landscape is.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import geopandas as gpd
import pandas as pd
import shapely

__all__ = ["context_layers"]

#: Margin (degrees) around the landscape's bounds that the context covers.
MARGIN_DEG = 1.5


@cache
def _load() -> dict[str, gpd.GeoDataFrame]:
    base = resources.files("landprofile").joinpath("data/context")
    out = {}
    for key in ("countries", "rivers"):
        with resources.as_file(base.joinpath(f"{key}.geojson")) as path:
            out[key] = gpd.read_file(path, engine="pyogrio")
    with resources.as_file(base.joinpath("towns.csv")) as path:
        df = pd.read_csv(path, keep_default_na=False)
    out["towns"] = gpd.GeoDataFrame(
        df[["name", "cc"]], geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326
    )
    return out


def _lines(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("LineString", "LinearRing")]
    if not parts:
        return shapely.MultiLineString()
    return parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)


def context_layers(
    bounds_lonlat: tuple[float, float, float, float], lang: str = "en"
) -> dict[str, gpd.GeoDataFrame]:
    """Countries, rivers and towns within ``MARGIN_DEG`` of the bounds (EPSG:4326)."""
    w, s, e, n = bounds_lonlat
    area = shapely.box(w - MARGIN_DEG, s - MARGIN_DEG, e + MARGIN_DEG, n + MARGIN_DEG)
    out = {}
    for key, gdf in _load().items():
        hit = gdf[gdf.intersects(area)].copy()
        if key != "towns":
            # clipping lines can leave stray points: keep the lines only
            clipped = [_lines(g) for g in hit.geometry.intersection(area)]
            hit = hit.set_geometry(gpd.GeoSeries(clipped, index=hit.index, crs=hit.crs))
            hit = hit[~hit.geometry.is_empty]
        if key == "countries":
            col = {"fr": "name_fr", "es": "name_es"}.get(lang, "name")
            hit["name"] = hit[col].where(hit[col].astype(bool), hit["name"])
            hit = hit[["name", "geometry"]]
        out[key] = hit.reset_index(drop=True)
    return out
