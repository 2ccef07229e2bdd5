"""Open data by name: mirrors (a folder, a local HTTP server with byte ranges), windowed
reads, the cache, the failures, and a mirror written for the field. The network is never
reached: every host here is this machine."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from affine import Affine
from click.testing import CliRunner
from shapely.geometry import box

import landprofile as lp
from _sources_helpers import WC20, WC21, cog, land, sent, serve_files
from _sources_helpers import isolated as isolated
from landprofile.cli import cli
from landprofile.errors import DataSourceError


@pytest.fixture
def mirror(tmp_path) -> Path:
    """A mirror folder with WorldCover 2020 and 2021 tiles N03W003 (3 degrees, 0.005°)."""
    root = tmp_path / "mirror"
    rng = np.random.default_rng(3)
    classes = np.array([10, 20, 30, 40, 50, 60, 80], np.uint8)
    data = classes[rng.integers(0, len(classes), (600, 600))]
    t = Affine(0.005, 0, -3.0, 0, -0.005, 6.0)
    cog(root / WC21, data, t)
    changed = data.copy()
    changed[:100] = 40  # cropland in the north, in 2021 only
    cog(root / WC20, np.where(changed == 40, 10, data).astype(np.uint8), t)
    return root


def test_a_name_reads_the_same_as_the_file(mirror, monkeypatch):
    ls = land(name="Prestea window")
    want = lp.land_cover(ls, mirror / WC21)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    got = lp.land_cover(ls, "worldcover:2021")
    assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-9)
    assert got["value"].tolist() == want["value"].tolist()
    # the profile records the name as its source, and the legend is WorldCover's
    prof = lp.profile(ls, land_cover="worldcover:2021")
    assert prof.sources[1]["source"] == "worldcover:2021"
    assert prof.land_cover["area_ha"].sum() == pytest.approx(ls.area_ha, rel=1e-6)


def test_by_window_over_http_cached_and_reused(mirror, monkeypatch, tmp_path):
    server, served = serve_files(mirror)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        ls = land(name="Prestea window")
        got = lp.land_cover(ls, "worldcover:2021")
        first = sent(served)
        # only the window around the landscape travelled, not the tile
        assert 0 < first < 0.5 * (mirror / WC21).stat().st_size
        want = lp.land_cover(ls, mirror / WC21)
        assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-9)
        # a second process (same cache) reads nothing from the network
        lp.land_cover(ls, "worldcover:2021")
        assert sent(served) == first
        assert list((tmp_path / "cache" / "worldcover").glob("*.tif"))
        # two dates by name: the change between them
        ch = lp.change(ls, "worldcover:2020", "worldcover:2021")
        assert ch.transitions["area_ha"].sum() == pytest.approx(ls.area_ha, rel=1e-6)
    finally:
        server.shutdown()


@pytest.mark.shared_data
def test_a_real_worldcover_tile_is_read_by_window(shared_data, tmp_path, monkeypatch):
    """São Tomé on ESA's own N00E006 tile (36,000² cells): a few % of it travels."""
    src = shared_data / "worldcover" / "ESA_WorldCover_10m_2020_v100_N00E006_Map.tif"
    root = tmp_path / "m"
    dst = root / "esa-worldcover/v100/2020/map" / src.name
    dst.parent.mkdir(parents=True)
    shutil.copyfile(src, dst)
    server, served = serve_files(root)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        ls = lp.Landscape(
            name="São Tomé north",
            geometry=box(6.60, 0.30, 6.75, 0.40),
            crs=4326,
            provenance=lp.Provenance(method="custom", source="test"),
        )
        got = lp.land_cover(ls, "worldcover:2020")
        want = lp.land_cover(ls, src)
        assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-9)
        assert sent(served) < 0.25 * src.stat().st_size
    finally:
        server.shutdown()


def test_failures_are_named_fast_and_leave_nothing(mirror, monkeypatch, tmp_path):
    ls = land(name="Prestea window")
    cache = tmp_path / "cache"
    # offline: nothing listens
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", "http://127.0.0.1:9")
    t0 = time.perf_counter()
    with pytest.raises(DataSourceError, match=r"cannot reach .*LANDPROFILE_DATA_MIRROR"):
        lp.land_cover(ls, "worldcover:2021")
    assert time.perf_counter() - t0 < 15
    # a host that refuses ranges
    server, _ = serve_files(mirror, ranges=False)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(DataSourceError, match="byte ranges"):
            lp.land_cover(ls, "worldcover:2021")
    finally:
        server.shutdown()
    # a missing tile (the ocean, or a mirror that lacks it)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(empty))
    with pytest.raises(DataSourceError, match="no tile covers"):
        lp.land_cover(ls, "worldcover:2021")
    # a corrupt tile
    bad = tmp_path / "bad"
    (bad / WC21).parent.mkdir(parents=True)
    (bad / WC21).write_bytes(b"II*\x00 this is not a GeoTIFF")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(bad))
    with pytest.raises(DataSourceError, match="corrupt"):
        lp.land_cover(ls, "worldcover:2021")
    # a name needs an area; a bad spec is named
    with pytest.raises(DataSourceError, match="needs the area"):
        lp.read_raster("worldcover:2021")
    with pytest.raises(lp.errors.InvalidParameterError, match=r"2020 .*2021"):
        lp.land_cover(ls, "worldcover:2019")
    # nothing half-written in the cache
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file()]


def test_vector_sources_by_name(tmp_path, monkeypatch, sample_dir):
    root = tmp_path / "m"
    gb = "geoboundaries/releaseData/gbOpen/GHA/ADM2"
    dst = root / gb / "geoBoundaries-GHA-ADM2_simplified.geojson"
    dst.parent.mkdir(parents=True)
    shutil.copyfile(sample_dir / "synthetic_districts_sw_ghana.geojson", dst)
    want = lp.from_admin(dst, names=["Aboso"])
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    got = lp.from_admin("geoboundaries:GHA/ADM2", names=["Aboso"])
    assert got.area_ha == pytest.approx(want.area_ha, rel=1e-12)
    # over HTTP: downloaded once into the cache
    server, served = serve_files(root)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        assert len(lp.read_vector("geoboundaries:GHA/ADM2")) == len(lp.read_vector(dst))
        n = sent(served)
        lp.read_vector("geoboundaries:GHA/ADM2")
        assert sent(served) == n == dst.stat().st_size
    finally:
        server.shutdown()
    with pytest.raises(lp.errors.InvalidParameterError, match="ISO3/ADMn"):
        lp.read_vector("geoboundaries:Ghana")


def test_a_mirror_for_the_field(mirror, tmp_path, monkeypatch, sample_dir):
    """data fetch writes what a config needs, clipped; the config then runs from it alone."""
    cfg = tmp_path / "ls.toml"
    shutil.copyfile(sample_dir / "synthetic_districts_sw_ghana.geojson", tmp_path / "d.geojson")
    cfg.write_text(
        'name = "Aboso"\nlanguage = "fr"\n[boundary]\nmethod = "admin"\n'
        'source = "d.geojson"\nnames = ["Aboso"]\n[rasters]\nland_cover = "worldcover:2021"\n'
        "[zoning]\nenabled = false\n",
        encoding="utf-8",
    )
    server, _ = serve_files(mirror)
    field = tmp_path / "usb"
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(field)])
        assert r.exit_code == 0, r.output
    finally:
        server.shutdown()
    tile = field / WC21
    with rasterio.open(tile) as ds:  # a valid, clipped COG under the official name
        assert ds.driver == "GTiff"
        assert ds.width < 600
        assert ds.height < 600
        assert ds.overviews(1) is not None
    assert tile.stat().st_size < (mirror / WC21).stat().st_size
    # the server is gone: the field mirror alone, from a fresh cache
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(field))
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache2"))
    out = lp.pipeline.run(cfg, tmp_path / "out")
    assert out.card_html.exists()
    want = lp.land_cover(lp.pipeline.build_boundary(lp.pipeline.load_config(cfg)), mirror / WC21)
    got = lp.Profile.from_json(out.profile_json).land_cover
    assert got["area_ha"].sum() == pytest.approx(want["area_ha"].sum(), rel=1e-9)
    r = CliRunner().invoke(cli, ["data", "list"])
    assert r.exit_code == 0
    assert "CC BY 4.0" in r.output


def test_a_static_stac_catalogue_is_a_raster_source(mirror, tmp_path):
    """stac:{catalog.json}#{collection}: the items over the landscape, read by window."""
    from datetime import datetime

    import pystac

    tile = mirror / WC21
    cat = pystac.Catalog(id="local", description="test catalogue")
    col = pystac.Collection(
        id="landcover",
        description="WorldCover-like tiles",
        extent=pystac.Extent(
            pystac.SpatialExtent([[-3.0, 3.0, 0.0, 6.0]]),
            pystac.TemporalExtent([[datetime(2021, 1, 1), None]]),
        ),
    )
    item = pystac.Item(
        id="N03W003",
        geometry=box(-3.0, 3.0, 0.0, 6.0).__geo_interface__,
        bbox=[-3.0, 3.0, 0.0, 6.0],
        datetime=datetime(2021, 1, 1),
        properties={},
    )
    item.add_asset("map", pystac.Asset(href=str(tile), media_type=pystac.MediaType.COG))
    col.add_item(item)
    far = item.clone()
    far.id = "elsewhere"
    far.bbox = [30.0, 30.0, 33.0, 33.0]
    far.geometry = box(30.0, 30.0, 33.0, 33.0).__geo_interface__
    col.add_item(far)
    cat.add_child(col)
    cat.normalize_and_save(str(tmp_path / "stac"), pystac.CatalogType.SELF_CONTAINED)
    url = str(tmp_path / "stac" / "catalog.json")
    ls = land(name="Prestea window")
    got = lp.land_cover(ls, f"stac:{url}#landcover/map")
    want = lp.land_cover(ls, tile)
    assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-9)
    with pytest.raises(DataSourceError, match="no collection 'roads'"):
        lp.land_cover(ls, f"stac:{url}#roads")
    with pytest.raises(lp.errors.InvalidParameterError, match="collection"):
        lp.land_cover(ls, f"stac:{url}")


def test_earth_genome_detections_by_name(tmp_path, monkeypatch, sample_dir):
    root = tmp_path / "m"
    rel = "44px_v2.9/sw_ghana_2024.geojson"
    dst = root / "earthgenome" / rel
    dst.parent.mkdir(parents=True)
    shutil.copyfile(sample_dir / "earthgenome_asm_2024_sw_ghana.geojson", dst)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    got = lp.read_vector(f"earthgenome:{rel}")
    assert len(got) == len(lp.read_vector(dst))
    with pytest.raises(lp.errors.InvalidParameterError, match="data/outputs"):
        lp.read_vector("earthgenome:../../etc/passwd")
