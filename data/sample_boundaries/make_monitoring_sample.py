"""Derive the monitoring demo's sample data (Amansie / Offin, Ashanti, Ghana).

Run from the repository root, with ``../shared/data`` beside it::

    python data/sample_boundaries/make_monitoring_sample.py

Real: Earth Genome's detections of 2017 and 2020 (Ashanti file, field ``year``) and of
2024 (national file, no date field: written here as ``2024-01-01T00:00:00``), clipped
to the study window, in one layer with field ``year`` as Earth Genome writes it.
Synthetic (no open layer exists for this window): one forest reserve, four
concessions and one river line, made from fixed coordinates (no randomness), marked
``synthetic = true``. The output is deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1].parent / "shared" / "data" / "ghana"
#: The study window: Amansie West / Central and the Offin valley (lon/lat).
WINDOW = (-2.05, 5.95, -1.55, 6.45)


def _write(gdf: gpd.GeoDataFrame, name: str, precision: int = 6) -> None:
    path = HERE / name
    path.unlink(missing_ok=True)
    gdf.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=precision, engine="pyogrio")


def detections() -> gpd.GeoDataFrame:
    win = box(*WINDOW)
    old = gpd.read_file(SHARED / "asm_mining_ghana_ashanti_2017_2020_earthgenome.geojson")
    new = gpd.read_file(SHARED / "asm_mining_ghana_2024_earthgenome.geojson")
    old = old[old.intersects(win)].copy()
    old["year"] = pd.to_datetime(old["year"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    new = new[new.intersects(win)].copy()
    new["year"] = "2024-01-01T00:00:00"
    both = pd.concat([old[["year", "geometry"]], new[["year", "geometry"]]], ignore_index=True)
    both = gpd.GeoDataFrame(both, geometry="geometry", crs=4326)
    # stable order (date, then west to east) so that ids do not move between runs
    c = both.geometry.representative_point()
    both = both.assign(_x=c.x, _y=c.y).sort_values(["year", "_x", "_y"]).reset_index(drop=True)
    both.insert(0, "detection_id", [f"EGA{i + 1:04d}" for i in range(len(both))])
    both["source"] = "Earth Genome mining-detector"
    return both.drop(columns=["_x", "_y"])


def synthetic() -> None:
    # a forest reserve over part of the mined Offin valley, so alerts fall inside it
    reserve = Point(-1.86, 6.18).buffer(0.06, quad_segs=16)
    _write(
        gpd.GeoDataFrame(
            {
                "name": ["Synthetic Offin Forest Reserve"],
                "designation": ["Forest reserve"],
                "synthetic": [True],
            },
            geometry=[reserve],
            crs=4326,
        ),
        "synthetic_protected_areas_amansie.geojson",
    )
    lic = [
        ("ML-A01", "Synthetic Holder A", "small-scale", (-1.98, 6.02, -1.90, 6.10)),
        ("ML-A02", "Synthetic Holder B", "large-scale exploitation", (-1.80, 6.22, -1.68, 6.32)),
        ("ML-A03", "Synthetic Holder C", "exploration", (-1.95, 6.30, -1.85, 6.40)),
        ("ML-A04", "Synthetic Holder A", "artisanal", (-1.72, 6.02, -1.64, 6.10)),
    ]
    _write(
        gpd.GeoDataFrame(
            {
                "licence": [x[0] for x in lic],
                "holder": [x[1] for x in lic],
                "type": [x[2] for x in lic],
                "status": ["active"] * len(lic),
                "synthetic": [True] * len(lic),
            },
            geometry=[box(*x[3]) for x in lic],
            crs=4326,
        ),
        "synthetic_concessions_amansie.geojson",
    )
    # one river flowing south-east across the window (a stand-in, not the Offin's course)
    river = LineString(
        [
            (-2.02, 6.44),
            (-1.97, 6.36),
            (-1.93, 6.29),
            (-1.87, 6.22),
            (-1.84, 6.14),
            (-1.79, 6.07),
            (-1.74, 6.01),
            (-1.70, 5.96),
        ]
    )
    _write(
        gpd.GeoDataFrame(
            {"name": ["synthetic river (Amansie)"], "synthetic": [True]},
            geometry=[river],
            crs=4326,
        ),
        "synthetic_rivers_amansie.geojson",
        5,
    )


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found: the real detections are derived from ../shared/data")
    _write(detections(), "earthgenome_asm_amansie_2017_2020_2024.geojson")
    _write(
        gpd.GeoDataFrame(
            {"name": ["Amansie / Offin study window"]}, geometry=[box(*WINDOW)], crs=4326
        ),
        "amansie_window.geojson",
    )
    synthetic()
    print(shapely.__version__, "done")


if __name__ == "__main__":
    main()
