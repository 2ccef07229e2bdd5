"""Baseline and change: land-cover transitions against pyproj.Geod on a known region, the
mining footprint by date against a geopandas union/intersection in an equal-area CRS."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Geod
from shapely.geometry import Polygon, box

import landprofile as lp
from landprofile.errors import MissingFieldError, ScaleWarning, UnsupportedFormatError
from landprofile.monitoring.landcover import RasterMismatchError
from landprofile.testing import write_geotiff

GEOD = Geod(ellps="WGS84")
LANDSCAPE = Polygon([(-1.99, 5.83), (-1.86, 5.85), (-1.88, 5.97), (-1.98, 5.96)])
BLOCK = box(-1.97, 5.89, -1.85, 5.95)  # after: cropland here


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def geod_area_ha(geom) -> float:
    # edges are straight in lon/lat (the geographic CRS convention): densify, then Geod
    dense = shapely.segmentize(geom, 1e-4)
    return abs(GEOD.geometry_area_perimeter(dense)[0]) / 1e4


def write(path, data, res, west=-2.0, north=6.0, crs="EPSG:4326", nodata=None):
    return write_geotiff(path, data, Affine(res, 0, west, 0, -res, north), crs, nodata=nodata)


@pytest.fixture
def dates(tmp_path):
    before = write(tmp_path / "b.tif", np.full((200, 200), 10, np.uint8), 0.001)
    after = np.full((400, 400), 10, np.uint8)
    # the block in the after grid (0.0005°): rows (6.0-5.95)/0.0005.. , cols (..)/0.0005
    after[100:220, 60:300] = 40
    return before, write(tmp_path / "a.tif", after, 0.0005)


def landscape():
    return lp.Landscape(
        name="t",
        geometry=LANDSCAPE,
        crs=4326,
        provenance=lp.Provenance(method="custom", source="test"),
    )


def test_transition_area_matches_geod_on_the_known_region(dates):
    before, after = dates
    res = lp.change(landscape(), before, after, legend="esa_worldcover_v200")
    assert res.reference == "after"  # the finer grid
    t = res.transitions.set_index(["from_value", "to_value"])["area_ha"]
    changed = geod_area_ha(LANDSCAPE.intersection(BLOCK))
    total = geod_area_ha(LANDSCAPE)
    assert t[(10, 40)] == pytest.approx(changed, rel=1e-6)
    assert t[(10, 10)] == pytest.approx(total - changed, rel=1e-6)
    g = res.by_group.set_index("group")
    assert g.loc["forest", "before_ha"] == pytest.approx(total, rel=1e-6)
    assert g.loc["cropland", "after_ha"] == pytest.approx(changed, rel=1e-6)
    assert res.natural["lost_ha"] == pytest.approx(changed, rel=1e-6)
    assert res.natural["gained_ha"] == 0
    c = res.by_class.set_index("value")
    assert c.loc[10, "net_ha"] == pytest.approx(-changed, rel=1e-6)
    main = res.main_transitions(1).iloc[0]
    assert (main.from_name, main.to_name) == ("Tree cover", "Cropland")


def test_grids_and_legends_may_differ(tmp_path, dates):
    _, after = dates
    # a MODIS IGBP baseline (2 = evergreen broadleaf forest) on a coarser, offset grid
    before = write(tmp_path / "m.tif", np.full((60, 60), 2, np.uint8), 0.005, west=-2.013)
    res = lp.change(
        landscape(), before, after, before_legend="modis_igbp", after_legend="esa_worldcover_v200"
    )
    changed = geod_area_ha(LANDSCAPE.intersection(BLOCK))
    t = res.transitions
    row = t[(t.from_value == 2) & (t.to_value == 40)].iloc[0]
    assert row.from_group == "forest"
    assert row.to_group == "cropland"
    assert row.area_ha == pytest.approx(changed, rel=1e-6)
    # swapping the dates swaps the transitions; the reference grid stays the finer one
    back = lp.change(
        landscape(), after, before, before_legend="esa_worldcover_v200", after_legend="modis_igbp"
    )
    assert back.reference == "before"
    rb = back.transitions
    assert rb[(rb.from_value == 40) & (rb.to_value == 2)].area_ha.iloc[0] == pytest.approx(
        changed, rel=1e-6
    )


def test_results_do_not_depend_on_threads(dates):
    before, after = dates
    a = lp.change(landscape(), before, after, threads=1).transitions
    b = lp.change(landscape(), before, after, threads=4).transitions
    assert a.equals(b)


def test_mismatches_are_named(tmp_path, dates):
    before, _ = dates
    far = write(tmp_path / "far.tif", np.full((10, 10), 10, np.uint8), 0.001, west=30.0)
    with pytest.raises(RasterMismatchError, match=r"after raster .*far.tif does not cover"):
        lp.change(landscape(), before, far)
    flt = write(tmp_path / "f.tif", np.full((200, 200), 0.5, np.float32), 0.001)
    with pytest.raises(UnsupportedFormatError, match="integer class values"):
        lp.change(landscape(), flt, before)


ASHANTI = "asm_mining_ghana_ashanti_2017_2020_earthgenome.geojson"


@pytest.mark.shared_data
def test_footprint_timeline_matches_a_geopandas_overlay(shared_data):
    ghana = shared_data / "ghana"
    fps = gpd.read_file(ghana / ASHANTI)
    regions = gpd.read_file(ghana / "gha_adm1_geoboundaries.geojson")
    region = regions[regions.shapeName == "Ashanti Region"]
    ls = lp.from_polygons(region, name="Ashanti")
    # a made-up concession over part of the mining, and the real rivers
    c = fps.to_crs(32630).union_all().centroid
    conc = gpd.GeoDataFrame(
        geometry=[box(c.x - 15_000, c.y - 15_000, c.x + 5_000, c.y + 5_000)], crs=32630
    )
    tl = lp.footprint_timeline(ls, fps, concessions=conc)
    assert list(tl.date.dt.year) == [2017, 2020]
    # oracle: geopandas in a global equal-area CRS (EASE-Grid 2.0)
    ea = "EPSG:6933"
    land = region.to_crs(ea).union_all()
    cz = conc.to_crs(ea).union_all()
    earlier = shapely.Polygon()
    for row, year in zip(tl.itertuples(), (2017, 2020), strict=True):
        d = fps[fps.year.dt.year == year].to_crs(ea)
        fp = d.union_all().intersection(land)
        assert row.area_ha == pytest.approx(fp.area / 1e4, rel=1e-4)
        assert row.new_ha == pytest.approx(fp.difference(earlier).area / 1e4, rel=1e-4)
        earlier = earlier.union(fp)
        assert row.cumulative_ha == pytest.approx(earlier.area / 1e4, rel=1e-4)
        assert row.in_concessions_ha == pytest.approx(fp.intersection(cz).area / 1e4, rel=1e-4)
        assert row.n_polygons == int(d.intersects(land).sum())
    assert np.isnan(tl.in_protected_ha).all()
    # the same from a mapping of dates to layers
    by_map = lp.footprint_timeline(
        ls, {2017: fps[fps.year.dt.year == 2017], "2020-01-01": fps[fps.year.dt.year == 2020]}
    )
    assert by_map.area_ha.to_numpy() == pytest.approx(tl.area_ha.to_numpy(), rel=1e-12)


def test_footprint_dates_are_read_or_refused():
    ls = lp.Landscape(
        name="s",
        geometry=box(-2.0, 6.0, -1.9, 6.1),
        crs=4326,
        provenance=lp.Provenance(method="custom", source="t"),
    )
    pits = gpd.GeoDataFrame(
        {"when": [2019, 2021, 2021]},
        geometry=[
            box(-1.99, 6.01, -1.98, 6.02),
            box(-1.985, 6.01, -1.975, 6.02),
            box(-1.95, 6.05, -1.94, 6.06),
        ],
        crs=4326,
    )
    tl = lp.footprint_timeline(ls, pits, date_field="when")
    assert list(tl.n_polygons) == [1, 2]
    a, b, c = (geod_area_ha(g) for g in pits.geometry)
    overlap = geod_area_ha(pits.geometry[0].intersection(pits.geometry[1]))
    assert tl.area_ha.iloc[0] == pytest.approx(a, rel=1e-5)
    assert tl.new_ha.iloc[1] == pytest.approx(b - overlap + c, rel=1e-5)
    with pytest.raises(MissingFieldError, match="no date field among date, year"):
        lp.footprint_timeline(ls, pits[["geometry"]])
    bad = pits.assign(when=["soon", "2021", "2021"])
    with pytest.raises(lp.errors.InvalidParameterError, match="'soon' is not a date"):
        lp.footprint_timeline(ls, bad, date_field="when")


def test_wide_integer_rasters_take_the_general_path(tmp_path, dates):
    before, after = dates
    with rasterio.open(after) as ds:
        wide = write(tmp_path / "a16.tif", ds.read(1).astype(np.uint16), 0.0005)
    a = lp.change(landscape(), before, after).transitions
    b = lp.change(landscape(), before, wide).transitions
    assert b.area_ha.to_numpy() == pytest.approx(a.area_ha.to_numpy(), rel=1e-12)


def test_change_section_through_the_config_cli_and_card(tmp_path, sample_dir):
    import json

    from click.testing import CliRunner

    from landprofile.cli import cli
    from landprofile.pipeline import run

    baseline_dir = tmp_path / "then"
    cfg = tmp_path / "ashanti.toml"
    cfg.write_text(
        f"""
name = "Ashanti"
language = "es"
[boundary]
method = "custom"
source = "{sample_dir / "geoboundaries_ashanti_region_ghana.geojson"}"
[rasters]
land_cover = "{sample_dir / "modis_igbp_2019_sw_ghana.tif"}"
legend = "modis_igbp"
[zoning]
enabled = false
"""
    )
    then = run(cfg, baseline_dir)
    cfg.write_text(
        cfg.read_text()
        + f"""
[change]
footprints = "{sample_dir / "earthgenome_asm_ashanti_2017_2020.geojson"}"
after = "{sample_dir / "modis_igbp_2019_sw_ghana.tif"}"
baseline = "{then.profile_json}"
"""
    )
    now = run(cfg, tmp_path / "now")
    doc = json.loads((now.folder / "change.json").read_text())
    assert [d["date"] for d in doc["footprint"]["dates"]] == ["2017-01-01", "2020-01-01"]
    assert doc["landcover"]["natural"]["lost_ha"] == 0  # the same raster twice
    html = now.card_html.read_text()
    assert "Cambio en el tiempo" in html
    assert "Huella minera 2020-01-01" in html
    assert "Antes → ahora" in html
    r = CliRunner().invoke(cli, ["change", str(cfg), "--out", str(tmp_path / "c.json")])
    assert r.exit_code == 0, r.output
    assert "2020-01-01:" in r.output
    # a config without [change]: a clear error, exit 2
    bare = tmp_path / "bare.toml"
    bare.write_text(cfg.read_text().split("[change]")[0])
    r = CliRunner().invoke(cli, ["change", str(bare), "--out", str(tmp_path / "x.json")])
    assert r.exit_code == 2
    assert "no [change] section" in r.output


def test_batch_takes_the_same_change_inputs(sample_dir):
    from landprofile.batch import profile_many

    regions = gpd.read_file(sample_dir / "geoboundaries_ashanti_region_ghana.geojson")
    # the region cut in two halves: two landscapes
    g = regions.geometry.iloc[0]
    w, s, e, n = g.bounds
    halves = gpd.GeoDataFrame(
        {"name": ["west", "east"]},
        geometry=[
            g.intersection(box(w, s, (w + e) / 2, n)),
            g.intersection(box((w + e) / 2, s, e, n)),
        ],
        crs=regions.crs,
    )
    lc = sample_dir / "modis_igbp_2019_sw_ghana.tif"
    fps = sample_dir / "earthgenome_asm_ashanti_2017_2020.geojson"
    serial = profile_many(
        halves, land_cover=lc, legend="modis_igbp", after=lc, footprints=fps, workers=1
    )
    threaded = profile_many(
        halves, land_cover=lc, legend="modis_igbp", after=lc, footprints=fps, workers=2
    )
    pd_equal = serial.equals(threaded)
    assert pd_equal
    assert {"natural_lost_ha", "footprint_2017-01-01_ha", "footprint_new_2020-01-01_ha"} <= set(
        serial.columns
    )
    # the two halves' footprints add up to the whole region's
    whole = lp.footprint_timeline(lp.from_polygons(regions, name="a"), fps)
    assert serial["footprint_2020-01-01_ha"].sum() == pytest.approx(whole.area_ha.iloc[1], rel=1e-6)


def test_scorecard_then_and_now(sample_dir):
    prof = lp.Profile(landscape=landscape())
    then = {"scores": {"C1": 2, "C2": 1.5}}
    c = lp.card(
        prof, scorecard=sample_dir / "sample_scorecard.toml", baseline_scorecard=then, lang="en"
    )
    sc = c.html.split('<section id="scorecard">')[1].split("</section>")[0]
    assert "<th>Then</th>" in sc
    # C1: 2.0 then, 3.0 now (the sample scorecard)
    row = sc.split("<td>C1</td>")[1].split("</tr>")[0]
    assert row.count('class="num"') == 2
    assert ">2.0<" in row
    assert ">3.0<" in row


def test_change_explore_is_a_folium_map(dates):
    import folium

    before, after = dates
    res = lp.change(landscape(), before, after, legend="esa_worldcover_v200")
    m = res.explore(tiles=None, context=False, lang="fr")
    assert isinstance(m, folium.Map)
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    assert "Occupation du sol (avant)" in names
    assert "Occupation du sol (après)" in names
