"""More of the program's outputs read back as inputs (issue 35 item 1).

``tests/test_roundtrip.py`` covers the boundary, zones.gpkg's boundary/zones layers and
profile.json. Here: change.json, ``run``'s zones.gpkg ``sites``/``zones``
layers fed back to zoning, and ``batch --out`` tables (CSV, Parquet). Numbers are held
against pyproj.Geod on the inputs read with pyogrio, or hand-computed rasters.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

import landprofile as lp
from landprofile import pipeline
from landprofile.cli import cli

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_boundaries"
GEOD = Geod(ellps="WGS84")


def _geod_ha(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e4


def test_change_json_reads_back_as_the_change(tmp_path):
    from landprofile.pipeline_change import write_change
    from landprofile.testing import halves_land_cover, square_landscape

    before = halves_land_cover(tmp_path / "2020.tif", east=10)  # tree cover everywhere
    after = halves_land_cover(tmp_path / "2021.tif")  # the east half cleared for crops
    ls = square_landscape()
    ch = lp.change(ls, before, after, legend="esa_worldcover_v200")
    out = tmp_path / "change.json"
    write_change(out, ch, None, tmp_path)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["footprint"] is None
    lc = doc["landcover"]
    # the oracle: pyproj.Geod on the square and on its east half (cleared), in lon/lat
    x0, y0, x1, y1 = ls.geometry.bounds
    whole = _geod_ha(_lonlat(shapely.box(x0, y0, x1, y1).segmentize(10.0), ls.crs))
    east = _geod_ha(_lonlat(shapely.box((x0 + x1) / 2, y0, x1, y1).segmentize(10.0), ls.crs))
    nat = lc["natural"]
    assert nat["before_ha"] == pytest.approx(whole, rel=1e-6)
    assert nat["after_ha"] == pytest.approx(whole - east, rel=1e-6)
    assert nat["lost_ha"] == pytest.approx(east, rel=1e-6)
    assert nat["gained_ha"] == pytest.approx(0.0, abs=1e-9)
    # the tables read back equal the result's, value for value
    for key in ("transitions", "by_class", "by_group"):
        got = pd.DataFrame(lc[key])
        want = getattr(ch, key).reset_index(drop=True)
        assert list(got.columns) == list(want.columns), key
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-12)
    # the sources are named relative to the folder, so the file moves with it
    assert str(tmp_path) not in out.read_text(encoding="utf-8")


def _lonlat(geom, crs):
    """``geom`` (in ``crs``) in lon/lat, with pyproj directly."""
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, 4326, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    for p in SAMPLE.iterdir():
        if p.is_file():
            shutil.copy(p, d / p.name)
    """``landprofile run demo.toml --out OUT``: its folder, and its zones.gpkg."""
    r = CliRunner().invoke(cli, ["run", str(d / "demo.toml"), "--out", str(d / "out")])
    assert r.exit_code == 0, r.output
    return d, d / "out" / "zones.gpkg"


def test_the_zones_gpkg_sites_and_zones_read_back(demo):
    d, gpkg = demo
    sites = lp.read_vector(gpkg, layer="sites")
    orig = pyogrio.read_dataframe(d / "earthgenome_asm_2024_sw_ghana.geojson")
    assert sorted(sites["site_id"]) == sorted(orig["site_id"])
    # each site the same land: geodesic areas of the input, to 1e-6
    want = {i: _geod_ha(g) for i, g in zip(orig["site_id"], orig.geometry, strict=True)}
    got = sites.to_crs(4326)
    for i, g in zip(got["site_id"], got.geometry, strict=True):
        assert _geod_ha(g) == pytest.approx(want[i], rel=1e-6), i
    zones = lp.read_vector(gpkg, layer="zones").to_crs(4326)
    assert len(zones) == 10  # the demo's [select] n_zones
    for a, g in zip(zones["area_ha"], zones.geometry, strict=True):
        assert _geod_ha(g) == pytest.approx(a, rel=1e-3)


def test_the_sites_layer_feeds_zoning_as_the_file_did(demo):
    d, gpkg = demo
    cfg = pipeline.load_config(d / "demo.toml")
    ls = pipeline.build_boundary(cfg)
    layers = dict(cfg.section("layers"))
    r, z = cfg.section("rasters"), cfg.section("zoning")

    def zoning(sites, **more):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lp.zoning.candidates(
                ls,
                land_cover=r["land_cover"],
                legend=r["legend"],
                resolution_m=z["resolution_m"],
                site_id_field="site_id",
                **{**layers, "sites": sites, **more},
            )

    a = zoning(layers["sites"])
    b = zoning(lp.read_vector(gpkg, layer="sites"))
    assert b.summary["n_sites"] == a.summary["n_sites"] > 0
    assert b.summary["n_sites_in_conflict"] == a.summary["n_sites_in_conflict"] > 0
    assert b.summary["suitable_ha"] == pytest.approx(a.summary["suitable_ha"], rel=1e-9)
    assert len(b.zones) == len(a.zones)
    assert sorted(b.conflicts["site_id"]) == sorted(a.conflicts["site_id"])
    # the run's zones read back as concessions (taken): no zone is proposed on them again
    zones = lp.read_vector(gpkg, layer="zones")
    taken = pd.concat([lp.read_vector(layers["concessions"]).to_crs(4326), zones.to_crs(4326)])
    c = zoning(layers["sites"], concessions=taken)
    crs = c.grid.crs  # the analysis grid's equal-area CRS: areas in m²
    assert len(c.zones) > 0
    again = shapely.intersection(
        shapely.union_all(c.zones.to_crs(crs).geometry.to_numpy()),
        shapely.union_all(zones.to_crs(crs).geometry.to_numpy()),
    )
    assert again.area <= 0.01 * zones.to_crs(crs).area.sum()
    assert c.summary["suitable_ha"] < a.summary["suitable_ha"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batch_out_reads_back_with_the_inputs_ids_and_areas(tmp_path, suffix):
    src = SAMPLE / "synthetic_districts_sw_ghana.geojson"
    out = tmp_path / f"d{suffix}"
    r = CliRunner().invoke(
        cli,
        [
            "batch", str(src), "--id-field", "shapeName", "--workers", "1",
            "--land-cover", str(SAMPLE / "modis_igbp_2019_sw_ghana.tif"),
            "--legend", "modis_igbp", "--out", str(out),
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    orig = pyogrio.read_dataframe(src)
    assert table["landscape"].astype(str).tolist() == orig["shapeName"].tolist()
    # a lon/lat edge is the straight line its CRS draws (landprofile.geodesy): the
    # oracle is Geod on the input densified finer than the library does (0.0002 deg)
    want = [_geod_ha(shapely.segmentize(g, 0.0002)) for g in orig.geometry]
    assert table["area_ha"].to_numpy() == pytest.approx(want, rel=1e-6)
    assert not any(p.name.endswith(".parts") for p in tmp_path.iterdir())
