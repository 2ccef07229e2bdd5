"""Zoning in tiles gives the one-grid answer: the same zones (to 1 m² each), scores,
ranks, conflicts and ``locate`` selection, whatever the tiling; on a dask cluster the
same; an interrupted run resumed from its checkpoint the same.

The oracle is the one-grid run of the same inputs (the issue's definition of right),
and for the stitched region labels ``scipy.ndimage.label`` on the whole mask. Seams
are placed to cut what matters: a river and its buffer, a site's decay, suitable
regions spanning several tiles, a region over the maximum size bisected across seams.
"""

from __future__ import annotations

import gc
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from scipy import ndimage
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import DataWarning, ResourceLimitError, ScaleWarning
from landprofile.testing import write_geotiff
from landprofile.zoning import candidates
from landprofile.zoning import tiles_run as tiles_run_mod
from landprofile.zoning.tiles import plan
from landprofile.zoning.tiles_stitch import stitch

UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0  # Ghana, UTM 30N
RES = 30.0
#: Zones of at most 800 ha: the large suitable regions are bisected, across seams.
RULES = """
[zones]
min_area_ha = 20.0
max_area_ha = 800.0
split = "bisect"
min_score = 0.45
[exclude.concessions]
layer = "concessions"
[exclude.protected]
layer = "protected"
buffer_m = 1000.0
[exclude.rivers]
layer = "rivers"
buffer_m = 100.0
[exclude.land_cover]
layer = "land_cover"
groups = ["cropland", "built_up", "water"]
[exclude.slope]
layer = "dem"
max_slope_deg = 12.0
[favour.geology]
layer = "geology"
weight = 0.3
class_field = "class"
class_scores = { likely = 1.0, possible = 0.5 }
default = 0.2
[favour.existing_sites]
layer = "sites"
weight = 0.5
decay_m = 3000.0
[favour.access]
layers = ["roads"]
weight = 0.3
max_m = 1000.0
decay_m = 2000.0
[favour.low_sensitivity]
layer = "land_cover"
weight = 0.2
group_scores = { grassland_savanna = 0.9, shrubland = 0.7, forest = 0.2 }
default = 0.5
"""


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def _landscape() -> lp.Landscape:
    # not a box: the landscape's edge crosses tiles at an angle
    poly = shapely.Polygon(
        [(X0, Y0), (X0 + 15_000, Y0 + 600), (X0 + 14_000, Y0 + 13_000), (X0 + 1_000, Y0 + 12_000)]
    )
    return lp.Landscape(
        name="tiled", geometry=poly, crs=UTM, provenance=lp.Provenance(method="custom", source="t")
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Sites, a concession, a protected area, a river, a road, land cover (lon/lat), a DEM."""
    d = tmp_path_factory.mktemp("tiled")
    rng = np.random.default_rng(7)
    xy = rng.uniform([X0 + 1_000, Y0 + 1_000], [X0 + 14_000, Y0 + 11_000], (25, 2))
    sites = gpd.GeoDataFrame(
        {"code": [f"S{i:02d}" for i in range(25)]},
        geometry=[
            Point(x, y).buffer(r) for (x, y), r in zip(xy, rng.uniform(20, 120, 25), strict=True)
        ],
        crs=UTM,
    )
    conc = gpd.GeoDataFrame(
        {"type": ["large-scale exploitation", "artisanal"]},
        geometry=[
            box(X0 + 9_000, Y0 + 2_000, X0 + 11_500, Y0 + 4_200),
            box(X0 + 2e3, Y0 + 8e3, X0 + 4e3, Y0 + 9e3),
        ],
        crs=UTM,
    )
    pa = gpd.GeoDataFrame(
        {"name": ["reserve"]}, geometry=[Point(X0 + 4_000, Y0 + 4_000).buffer(1_200)], crs=UTM
    )
    river = gpd.GeoDataFrame(
        {"name": ["Offin"]},
        geometry=[
            LineString(
                [(X0 - 500, Y0 + 6_100), (X0 + 7_000, Y0 + 6_400), (X0 + 16_000, Y0 + 5_000)]
            )
        ],
        crs=UTM,
    )
    roads = gpd.GeoDataFrame(
        geometry=[LineString([(X0 + 7_300, Y0 - 500), (X0 + 7_600, Y0 + 13_500)])], crs=UTM
    )
    # geology polygons (overlapping: the higher score wins) across several seams
    geology = gpd.GeoDataFrame(
        {"class": ["likely", "possible", "likely"]},
        geometry=[
            Point(X0 + 8_000, Y0 + 8_000).buffer(3_500),
            box(X0 + 500, Y0 + 500, X0 + 9_000, Y0 + 7_000),
            box(X0 + 11_000, Y0 + 1_000, X0 + 13_500, Y0 + 12_000),
        ],
        crs=UTM,
    )
    # land cover in lon/lat (~55 m), as WorldCover is: warped with the exact transformer
    lc = rng.choice([10, 20, 30, 30, 30, 40], size=(260, 320)).astype(np.uint8)
    lc = ndimage.median_filter(lc, size=9)  # patches, not salt and pepper
    t = Affine(0.0005, 0, -2.12, 0, -0.0005, 6.44)
    write_geotiff(d / "lc.tif", lc, t, CRS.from_epsg(4326), nodata=0)
    # a DEM with a steep ridge across the middle (slope rule), bilinear
    yy, xx = np.mgrid[0:200, 0:250]
    z = (300 + 80 * np.exp(-(((yy - 100) / 6.0) ** 2)) + 0.5 * xx).astype(np.float32)
    write_geotiff(d / "dem.tif", z, Affine(80, 0, X0 - 2_000, 0, -80, Y0 + 14_000), UTM)
    return {
        "sites": sites,
        "concessions": conc,
        "protected": pa,
        "rivers": river,
        "roads": roads,
        "geology": geology,
        "land_cover": d / "lc.tif",
        "dem": d / "dem.tif",
    }


def _run(inputs, **kw):
    kw.setdefault("resolution_m", RES)
    return candidates(_landscape(), rules=RULES, **inputs, **kw)


@pytest.fixture(scope="module")
def one(inputs):
    return _run(inputs, select={"n_zones": 6, "min_spacing_m": 300.0})


@pytest.fixture(scope="module")
def one_all(inputs):
    return _run(inputs)


def assert_same(a, b) -> None:
    """b (tiled) gives a's answer (one grid)."""
    za, zb = a.zones, b.zones
    assert list(za["zone_id"]) == list(zb["zone_id"])
    assert len(za) >= 4
    # each zone the same land to 1 m²
    diff = shapely.area(
        shapely.symmetric_difference(za.geometry.to_numpy(), zb.geometry.to_numpy())
    )
    assert diff.max(initial=0.0) <= 1.0
    for col in za.columns.drop("geometry"):
        x, y = za[col].to_numpy(), zb[col].to_numpy()
        if x.dtype.kind == "f":
            np.testing.assert_allclose(y, x, rtol=1e-12, atol=1e-9, err_msg=col)
        else:
            assert list(x) == list(y), col
    # the scores and the suitable land, cell for cell
    np.testing.assert_array_equal(a.context.suit.score, b.context.suit.score)
    np.testing.assert_array_equal(a.context.suitable, b.context.suitable)
    ca, cb = a.conflicts, b.conflicts
    assert len(ca)
    assert ca.drop(columns="geometry").equals(cb.drop(columns="geometry"))
    assert list(a.exclusions["rule"]) == list(b.exclusions["rule"])
    np.testing.assert_allclose(b.exclusions["area_ha"], a.exclusions["area_ha"], atol=1e-4)
    for k, v in a.summary.items():
        if isinstance(v, float):
            assert b.summary[k] == pytest.approx(v, rel=1e-12, abs=1e-6), k
        elif k != "selection":
            assert b.summary[k] == v, k
    if a.selection is not None:
        sa, sb = a.selection["candidates"], b.selection["candidates"]
        assert list(sa["selected"]) == list(sb["selected"])
        np.testing.assert_array_equal(sa["utility"], sb["utility"])
        assert a.selection["objective"] == b.selection["objective"]
        oa, ob = a.other_suitable.geometry.to_numpy(), b.other_suitable.geometry.to_numpy()
        assert shapely.area(shapely.symmetric_difference(oa, ob)).max(initial=0) <= 1.0


def test_the_scene_cuts_what_matters_at_the_seams(one_all):
    """The tiling used below (135-cell tiles) cuts suitable regions, the river's buffer
    and bisected zones: the comparisons are not trivially true."""
    part_rows = np.arange(0, one_all.grid.height, 135)[1:]
    part_cols = np.arange(0, one_all.grid.width, 135)[1:]
    suitable = one_all.context.suitable
    lab, n = ndimage.label(suitable, structure=ndimage.generate_binary_structure(2, 1))
    tiles_of = {}
    for r in range(1, n + 1):
        rr, cc = np.nonzero(lab == r)
        tiles_of[r] = len(
            {(a // 135, b // 135) for a, b in zip(rr.tolist(), cc.tolist(), strict=True)}
        )
    assert max(tiles_of.values()) >= 3  # a region over 3+ tiles
    # a bisected region across a seam: some zone is one part of several, and crosses one
    split = one_all.zones[one_all.zones["part"] != "1/1"]
    assert len(split) >= 2
    inv = ~one_all.grid.transform
    crossing = 0
    for g in split.to_crs(one_all.grid.crs).geometry:
        x0, y0, x1, y1 = g.bounds
        c0, r1 = inv @ (x0, y0)
        c1, r0 = inv @ (x1, y1)
        crossing += any(r0 < s < r1 for s in part_rows) or any(c0 < s < c1 for s in part_cols)
    assert crossing >= 1
    # the river's 100 m buffer crosses a vertical seam
    buf = one_all.exclusions.set_index("rule").to_crs(one_all.grid.crs).geometry["rivers"]
    xs = [one_all.grid.transform.c + c * RES for c in part_cols]
    assert any(buf.intersects(LineString([(x, -1e7), (x, 1e7)])) for x in xs)


def test_tiled_equals_one_grid_with_locate(inputs, one):
    assert_same(one, _run(inputs, select={"n_zones": 6, "min_spacing_m": 300.0}, tile_cells=135))


def test_tiled_equals_one_grid_every_suitable_piece(inputs, one_all):
    # 97-cell tiles under a 102-cell halo: the same answer, and a warning of the waste
    with pytest.warns(DataWarning, match=r"halo of 102 cells.*at least 102 cells a side"):
        res = _run(inputs, tile_cells=97)
    assert_same(one_all, res)
    # a landscape-wide option does the same
    old = lp.options.zoning_tile_cells
    lp.options.zoning_tile_cells = 250
    try:
        assert_same(one_all, _run(inputs))
    finally:
        lp.options.zoning_tile_cells = old


def test_stitched_labels_are_scipys():
    rng = np.random.default_rng(1)
    mask = ndimage.binary_opening(rng.random((203, 187)) < 0.62)
    want, n = ndimage.label(mask, structure=ndimage.generate_binary_structure(2, 1))
    for side in (17, 50, 64, 203):
        tiles = plan(*mask.shape, side, 3)

        def result(t, mask=mask):
            r0, r1, c0, c1 = t.core
            m = mask[r0:r1, c0:c1]
            return {"score": m.astype(np.float32), "suitable": m, "raster_geoms": {}}

        st = stitch(*mask.shape, tiles, result)
        assert st.n_regions == n
        np.testing.assert_array_equal(st.labels, want)


def test_on_a_local_cluster(inputs, one, tmp_path):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = _run(
            inputs, select={"n_zones": 6, "min_spacing_m": 300.0}, tile_cells=200, client=client
        )
        assert_same(one, res)
        # Ctrl-C while tiles run: the error goes to the caller, the cluster's futures
        # are cancelled (none left on the scheduler)
        calls = []

        def stop(step, seconds):
            calls.append(step)
            if step.startswith("tiles 2/"):
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            _run(inputs, tile_cells=120, client=client, progress=stop)
        # the CLI on the same cluster (--scheduler): the zones of one machine
        from click.testing import CliRunner

        from landprofile.cli import cli

        cfg = _small_config(tmp_path, inputs)
        outs = {}
        for name, extra in (("here", []), ("cluster", ["--scheduler", cluster.scheduler_address])):
            outs[name] = tmp_path / f"{name}.gpkg"
            args = ["zones", str(cfg), "--out", str(outs[name]), *extra]
            r = CliRunner().invoke(cli, args)
            assert r.exit_code == 0, r.output
        za, zb = (gpd.read_file(outs[k], layer="zones").to_crs(UTM) for k in ("here", "cluster"))
        assert len(za) == 4
        assert list(za["zone_id"]) == list(zb["zone_id"])
        np.testing.assert_array_equal(za["score"], zb["score"])
        diff = shapely.symmetric_difference(za.geometry.to_numpy(), zb.geometry.to_numpy())
        assert shapely.area(diff).max() <= 1.0
        import time

        for _ in range(50):
            left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
            if left == 0:
                break
            time.sleep(0.1)
        assert left == 0


def test_a_resumed_run_is_an_uninterrupted_one(inputs, one_all, tmp_path, monkeypatch):
    computed = []
    real = tiles_run_mod.compute_tile

    def counting(tile, shared):
        computed.append(tile.index)
        return real(tile, shared)

    monkeypatch.setattr(tiles_run_mod, "compute_tile", counting)

    def stop(step, seconds):
        if step.startswith("tiles 4/") and seconds is None:
            raise KeyboardInterrupt

    cp = tmp_path / "cp"
    with pytest.raises(KeyboardInterrupt):
        _run(inputs, tile_cells=150, checkpoint=cp, progress=stop)
    assert len(computed) == 4
    first = sorted(p.name for p in cp.iterdir())
    assert len(first) == 4
    steps = []
    res = _run(inputs, tile_cells=150, checkpoint=cp, progress=lambda s, t: steps.append(s))
    n_tiles = len(plan(one_all.grid.height, one_all.grid.width, 150, 1))
    assert len(computed) == n_tiles  # the 4 finished tiles were not computed again
    assert any(s.startswith(f"tiles 4/{n_tiles}") for s in steps)
    assert any("left" in s for s in steps)
    assert_same(one_all, res)
    # other inputs (the river moved): the checkpoint's tiles are not reused, and the
    # files of the first run are still there
    moved = dict(inputs)
    moved["rivers"] = inputs["rivers"].translate(0, 700)
    computed.clear()
    other = _run(moved, tile_cells=150, checkpoint=cp)
    assert len(computed) == n_tiles
    assert set(first) <= {p.name for p in cp.iterdir()}
    assert_same(_run(moved), other)


def test_past_the_memory_limit_it_tiles_by_itself(inputs, one_all, tmp_path, monkeypatch):
    # one grid needs 80 bytes a cell (36 MB here); 25 MiB leaves room for tiles only
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    steps = []
    old = lp.options.max_memory_gb
    lp.options.max_memory_gb = 0.025
    try:
        res = _run(inputs, progress=lambda s, t: steps.append(s))
        assert any(s.startswith("tiles ") for s in steps)
        assert_same(one_all, res)
        # Ctrl-C: the temporary tile store goes with the run
        with pytest.raises(KeyboardInterrupt):
            _run(inputs, progress=_stop_at("tiles 1/"))
    finally:
        lp.options.max_memory_gb = old
    del res
    gc.collect()
    assert not list(tmp_path.glob("landprofile-tiles-*"))


def _small_config(folder: Path, inputs: dict) -> Path:
    """A config of the scene's landscape, sites, rivers and roads at 60 m, 4 zones."""
    gpd.GeoDataFrame(geometry=[_landscape().geometry], crs=UTM).to_file(folder / "b.gpkg")
    for k in ("sites", "rivers", "roads"):
        inputs[k].to_file(folder / f"{k}.gpkg")
    (folder / "rules.toml").write_text(RULES, encoding="utf-8")
    cfg = folder / "small.toml"
    cfg.write_text(
        'name = "small"\n[boundary]\nmethod = "custom"\nsource = "b.gpkg"\n'
        '[layers]\nsites = "sites.gpkg"\nrivers = "rivers.gpkg"\nroads = "roads.gpkg"\n'
        '[zoning]\nrules = "rules.toml"\nresolution_m = 60\n[select]\nn_zones = 4\n',
        encoding="utf-8",
    )
    return cfg


def _stop_at(prefix: str):
    def stop(step, seconds):
        if step.startswith(prefix) and seconds is None:
            raise KeyboardInterrupt

    return stop


def test_coarse_raster_against_a_buffer_warns_once(inputs, tmp_path):
    lc = np.full((20, 20), 30, dtype=np.uint8)
    write_geotiff(
        tmp_path / "coarse.tif",
        lc,
        Affine(0.01, 0, -2.15, 0, -0.01, 6.5),
        CRS.from_epsg(4326),
        nodata=0,
    )
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        candidates(
            _landscape(),
            rules=RULES,
            resolution_m=200,
            rivers=inputs["rivers"],
            land_cover=tmp_path / "coarse.tif",
        )
    coarse = [w for w in rec if issubclass(w.category, DataWarning)]
    assert len(coarse) == 1
    text = str(coarse[0].message)
    assert "coarse.tif" in text
    assert "1,1" in text
    assert "100 m" in text
    # the 55 m land cover is finer than the 100 m buffer: no warning
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        candidates(
            _landscape(),
            rules=RULES,
            resolution_m=200,
            rivers=inputs["rivers"],
            land_cover=inputs["land_cover"],
        )
    assert not [w for w in rec if issubclass(w.category, DataWarning)]


def test_the_guard_says_the_tiled_runs_memory_and_time():
    old = lp.options.max_memory_gb
    lp.options.max_memory_gb = 0.001
    try:
        with pytest.raises(ResourceLimitError, match=r"even in tiles.*GiB.*h on one core"):
            candidates(_landscape(), resolution_m=RES)
    finally:
        lp.options.max_memory_gb = old


@pytest.fixture(scope="module")
def coarse_one(inputs):
    return _run(inputs, resolution_m=90.0)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(side=st.integers(min_value=30, max_value=150))
def test_any_tile_size_gives_the_one_grid_answer(inputs, coarse_one, side):
    assert_same(coarse_one, _run(inputs, resolution_m=90.0, tile_cells=side))


def test_the_cli_resumes_from_a_checkpoint(inputs, tmp_path, monkeypatch):
    # zones --checkpoint DIR: an interrupted run's tiles are kept there and reused
    from click.testing import CliRunner

    import landprofile.zoning.tiles_run as tiles_run_mod
    from landprofile.cli import cli

    cfg = _small_config(tmp_path, dict(inputs))
    monkeypatch.setattr(lp.options, "zoning_tile_cells", 150)
    computed = []
    real = tiles_run_mod.compute_tile

    def counting(tile, shared):
        computed.append(tile.index)
        if len(computed) == 3 and not (tmp_path / "resumed").exists():
            raise KeyboardInterrupt  # Ctrl-C after two finished tiles
        return real(tile, shared)

    monkeypatch.setattr(tiles_run_mod, "compute_tile", counting)
    cp = tmp_path / "cp"
    cp.mkdir()
    (cp / "notes.txt").write_text("mine", encoding="utf-8")  # a user's file, left alone
    out = tmp_path / "z.gpkg"
    args = ["zones", str(cfg), "--out", str(out), "--checkpoint", str(cp)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 130
    assert not out.exists()
    kept = {p.name for p in cp.iterdir()} - {"notes.txt"}
    assert len(kept) == 2
    (tmp_path / "resumed").mkdir()
    computed.clear()
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    n_tiles = len(kept) + len(computed)
    assert len(computed) == n_tiles - 2  # the two finished tiles were not computed again
    assert (cp / "notes.txt").read_text(encoding="utf-8") == "mine"
    # the same zones as a run without checkpoint
    plain = tmp_path / "plain.gpkg"
    r = CliRunner().invoke(cli, ["zones", str(cfg), "--out", str(plain)])
    assert r.exit_code == 0, r.output
    za, zb = (gpd.read_file(p, layer="zones").to_crs(UTM) for p in (out, plain))
    assert list(za["zone_id"]) == list(zb["zone_id"])
    np.testing.assert_array_equal(za["score"], zb["score"])
    diff = shapely.symmetric_difference(za.geometry.to_numpy(), zb.geometry.to_numpy())
    assert shapely.area(diff).max() <= 1.0


def test_the_context_carries_cells_and_regions_equal_to_one_grids(inputs, one_all):
    from landprofile.zoning.cells import TiledCells, regions_of_array

    res = _run(inputs, tile_cells=135)
    assert isinstance(res.context.cells, TiledCells)
    mask = np.asarray(one_all.context.suitable)
    want = regions_of_array(mask)
    for ctx in (one_all.context, res.context):
        got = ctx.regions
        assert len(got) == len(want) > 3
        np.testing.assert_array_equal(got.first, want.first)
        np.testing.assert_array_equal(got.box, want.box)
        np.testing.assert_array_equal(got.n_cells, want.n_cells)
        # a window of the cells is the one grid's
        h, w = mask.shape
        s, m = ctx.cells.window(h // 3, h // 3 + 140, w // 4, w // 4 + 170)
        np.testing.assert_array_equal(m, mask[h // 3 : h // 3 + 140, w // 4 : w // 4 + 170])
        np.testing.assert_array_equal(
            s, np.asarray(one_all.context.suit.score)[h // 3 : h // 3 + 140, w // 4 : w // 4 + 170]
        )
