"""A dask cluster whose workers share no disk with the client gives the zones of one machine.

The workers are two processes (one thread each) started in a working directory and a
``TMPDIR`` of their own. Two ways a raster can reach them, both checked against the
oracle, ``candidates`` run on one grid in this process with the same files:

- the rasters are only on a local HTTP server (127.0.0.1, byte ranges): the workers
  read them by URL, and the server's log shows range requests from the workers (their
  GDAL sends a user agent of their own);
- the rasters are local files under the client's temporary folder, given by *relative*
  paths from the client's working directory (and one as a DataArray in the client's
  memory): the same relative paths do not exist in the workers' directory (checked on
  the workers), so a worker that opened one by its path would fail; the client reads
  each tile's window and sends it, and never has more than two tiles a worker thread
  in flight.

A URL a worker cannot read stops the run with a landprofile error naming the raster
and the tile, not a worker's traceback.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pytest
import rasterio.windows
import shapely
from affine import Affine
from pyproj import CRS
from scipy import ndimage
from shapely.geometry import LineString, Point

import landprofile as lp
from _sources_helpers import RangeHandler, start, url_of
from landprofile.errors import (
    LandprofileError,
    RulesWarning,
    ScaleWarning,
    TileRasterError,
    UnreadableFileError,
)
from landprofile.testing import write_geotiff
from landprofile.zoning import candidates

distributed = pytest.importorskip("distributed")

UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0
RES = 30.0
#: Every raster a tile reads: land cover (excluded groups and a factor), the DEM's
#: slope (an exclusion) and a geology score raster (a factor).
RULES = """
[zones]
min_area_ha = 10.0
max_area_ha = 600.0
split = "bisect"
min_score = 0.55
[exclude.protected]
layer = "protected"
buffer_m = 500.0
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
weight = 0.4
default = 0.1
[favour.existing_sites]
layer = "sites"
weight = 0.5
decay_m = 2000.0
[favour.low_sensitivity]
layer = "land_cover"
weight = 0.2
group_scores = { grassland_savanna = 0.9, shrubland = 0.7, forest = 0.2 }
default = 0.5
"""
#: Tiles of 150 cells: 4 x 4 of them over the grid (more than the 4 allowed in flight).
TILE = 150
WORKER_AGENT = "landprofile-test-worker"


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        warnings.simplefilter("ignore", RulesWarning)  # a small scene's loose rules
        yield


def _landscape() -> lp.Landscape:
    poly = shapely.Polygon(
        [(X0, Y0), (X0 + 12_000, Y0 + 500), (X0 + 11_500, Y0 + 11_000), (X0 + 800, Y0 + 10_000)]
    )
    return lp.Landscape(
        name="no shared disk",
        geometry=poly,
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )


def _write_rasters(folder: Path) -> None:
    """Land cover in lon/lat (warped by nearest), a DEM with a ridge, a geology score."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(38)
    lc = rng.choice([10, 20, 30, 30, 30, 40], size=(240, 280)).astype(np.uint8)
    lc = ndimage.median_filter(lc, size=9)
    write_geotiff(
        folder / "lc.tif",
        lc,
        Affine(0.0005, 0, -2.11, 0, -0.0005, 6.42),
        CRS.from_epsg(4326),
        nodata=0,
        block=64,
    )
    yy, xx = np.mgrid[0:180, 0:200]
    z = (300 + 80 * np.exp(-(((yy - 90) / 6.0) ** 2)) + 0.5 * xx).astype(np.float32)
    write_geotiff(
        folder / "dem.tif", z, Affine(80, 0, X0 - 1_500, 0, -80, Y0 + 12_500), UTM, block=64
    )
    geo = ndimage.gaussian_filter(rng.random((150, 160)), 6).astype(np.float32)
    geo = (geo - geo.min()) / (geo.max() - geo.min())
    write_geotiff(
        folder / "geo.tif", geo, Affine(90, 0, X0 - 1_000, 0, -90, Y0 + 12_000), UTM, block=64
    )


def _vectors() -> dict:
    rng = np.random.default_rng(5)
    xy = rng.uniform([X0 + 1_000, Y0 + 1_000], [X0 + 11_000, Y0 + 9_500], (15, 2))
    return {
        "sites": gpd.GeoDataFrame(
            {"code": [f"S{i}" for i in range(15)]},
            geometry=[Point(x, y).buffer(60) for x, y in xy],
            crs=UTM,
        ),
        "protected": gpd.GeoDataFrame(
            {"name": ["reserve"]}, geometry=[Point(X0 + 3_500, Y0 + 3_500).buffer(900)], crs=UTM
        ),
        "rivers": gpd.GeoDataFrame(
            {"name": ["Ankobra"]},
            geometry=[LineString([(X0 - 500, Y0 + 5_100), (X0 + 13_000, Y0 + 6_300)])],
            crs=UTM,
        ),
    }


def _run(rasters: dict, **kw):
    return candidates(_landscape(), rules=RULES, resolution_m=RES, **_vectors(), **rasters, **kw)


def assert_same(a, b) -> None:
    """``b`` (the cluster) gives ``a``'s zones (one grid): geometry to 1e-6 m², ids, scores."""
    za, zb = a.zones, b.zones
    assert len(za) >= 4
    assert list(za["zone_id"]) == list(zb["zone_id"])
    # compared in the grid's metres (the zones are in the landscape's CRS, here UTM)
    ga, gb = (z.to_crs(a.grid.crs).geometry.to_numpy() for z in (za, zb))
    assert shapely.area(shapely.symmetric_difference(ga, gb)).max(initial=0.0) <= 1e-6
    for col in za.columns.drop("geometry"):
        x, y = za[col].to_numpy(), zb[col].to_numpy()
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(y, x, err_msg=col)
        else:
            assert list(x) == list(y), col
    # the score and the suitable land, cell for cell (read by window from each run's cells)
    ca, cb = a.context.cells, b.context.cells
    assert ca.shape == cb.shape
    h, w = ca.shape
    for x, y in zip(ca.window(0, h, 0, w), cb.window(0, h, 0, w), strict=True):
        np.testing.assert_array_equal(np.asarray(y), np.asarray(x))


def _n_tiles(res) -> int:
    h, w = res.context.cells.shape
    return -(-h // TILE) * -(-w // TILE)


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """The client's folder and TMPDIR, the workers' own, and the server's root."""
    root = tmp_path_factory.mktemp("no_shared_disk")
    out = {k: root / k for k in ("client", "client_tmp", "worker", "worker_tmp", "served")}
    for p in out.values():
        p.mkdir()
    _write_rasters(out["served"])
    _write_rasters(out["client_tmp"] / "rasters")
    return out


@pytest.fixture(scope="module")
def one(places):
    """The oracle: one grid in this process, from the files themselves."""
    d = places["served"]
    names = {"land_cover": "lc", "dem": "dem", "geology": "geo"}
    res = _run({k: d / f"{f}.tif" for k, f in names.items()})
    assert _n_tiles(res) == 16  # more tiles than may be in flight
    return res


@pytest.fixture(scope="module")
def client(places):
    """Two single-threaded worker processes in their own directory and TMPDIR."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=str(places["worker_tmp"]),
            env={"TMPDIR": str(places["worker_tmp"]), "GDAL_HTTP_USERAGENT": WORKER_AGENT},
        ) as cluster,
        distributed.Client(cluster) as cl,
    ):
        worker = str(places["worker"])

        def settle() -> tuple[str, str]:
            os.chdir(worker)
            tempfile.tempdir = None  # TMPDIR read again
            return os.getcwd(), tempfile.gettempdir()

        seen = cl.run(settle)
        assert set(seen.values()) == {(worker, str(places["worker_tmp"]))}
        yield cl


@pytest.fixture
def on_client(places, monkeypatch):
    """The client in its own directory, its temporary files under its own TMPDIR."""
    monkeypatch.chdir(places["client"])
    monkeypatch.setenv("TMPDIR", str(places["client_tmp"]))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return places


class _Logged(RangeHandler):
    """Byte ranges, and who asked: ``log`` gets (user agent, path, Range) per GET."""

    log: ClassVar[list] = []
    refuse_agent: ClassVar[str | None] = None

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        agent = self.headers.get("User-Agent", "")
        self.log.append((agent, self.path, self.headers.get("Range")))
        if self.refuse_agent and agent == self.refuse_agent:
            self.send_error(403)
            return
        super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        if self.refuse_agent and self.headers.get("User-Agent", "") == self.refuse_agent:
            self.send_error(403)
            return
        super().do_HEAD()


def _serve(root: Path, **attrs):
    handler = type("H", (_Logged,), {"root": root, "served": [], "log": [], **attrs})
    return start(handler), handler


def test_rasters_only_over_http_read_by_the_workers(one, client, on_client):
    server, handler = _serve(on_client["served"])
    try:
        base = url_of(server)
        rasters = {
            "land_cover": f"{base}/lc.tif",
            "dem": f"{base}/dem.tif",
            "geology": f"{base}/geo.tif",
        }
        res = _run(rasters, tile_cells=TILE, client=client)
    finally:
        server.shutdown()
    assert "tiles" in res.timings  # it ran in tiles, on the cluster
    assert_same(one, res)
    # the workers read every raster by range requests, and nothing but by ranges
    by_workers = [(p, r) for a, p, r in handler.log if a == WORKER_AGENT]
    assert {p for p, _ in by_workers} == {"/lc.tif", "/dem.tif", "/geo.tif"}
    assert all(r is not None and r.startswith("bytes=") for _, r in by_workers)
    # the client opened them (their headers) and sent nothing of them to the workers
    assert {p for a, p, _ in handler.log if a != WORKER_AGENT} <= {
        "/lc.tif",
        "/dem.tif",
        "/geo.tif",
    }


def test_local_files_the_workers_cannot_see_travel_as_windows(one, client, on_client, monkeypatch):
    from landprofile.zoning import _cluster_rasters
    from landprofile.zoning.tiles_store import TileStore

    # under the client's TMPDIR, relative to the client's directory (there)
    os.chdir(on_client["client_tmp"])  # undone by on_client's monkeypatch.chdir
    rel = "rasters"
    rasters = {"land_cover": Path(rel) / "lc.tif", "dem": os.path.join(rel, "dem.tif")}
    assert all(Path(p).is_file() for p in rasters.values())
    # the same paths do not exist where the workers run
    seen = client.run(lambda: [os.path.exists(os.fspath(p)) for p in rasters.values()])
    assert len(seen) == 2
    assert all(not any(v) for v in seen.values())
    # and a raster held in memory (a DataArray) goes by window too, not whole
    rioxarray = pytest.importorskip("rioxarray")
    rasters["geology"] = rioxarray.open_rasterio(Path(rel) / "geo.tif").load()

    # windows read on the client against results stored: never more than 2 x 2 in flight
    counts = {"read": 0, "saved": 0, "most": 0}
    real_windows, real_save = _cluster_rasters.tile_windows, TileStore.save

    def windows(tile, shared, sent):
        out = real_windows(tile, shared, sent)
        assert set(out) == {"land_cover", "dem", "geology"}
        counts["read"] += 1
        counts["most"] = max(counts["most"], counts["read"] - counts["saved"])
        return out

    def save(self, tile, result):
        counts["saved"] += 1
        return real_save(self, tile, result)

    monkeypatch.setattr(_cluster_rasters, "tile_windows", windows)
    monkeypatch.setattr(TileStore, "save", save)
    res = _run(rasters, tile_cells=TILE, client=client)
    assert counts["read"] == counts["saved"] == _n_tiles(res) == 16
    assert 2 <= counts["most"] <= 4
    assert_same(one, res)


def test_a_url_the_workers_cannot_read_names_the_raster_and_the_tile(one, client, on_client):
    server, _ = _serve(on_client["served"], refuse_agent=WORKER_AGENT)
    try:
        url = f"{url_of(server)}/lc.tif"
        with pytest.raises(UnreadableFileError) as err:
            _run({"land_cover": url}, tile_cells=TILE, client=client)
    finally:
        server.shutdown()
    text = str(err.value)
    assert isinstance(err.value, LandprofileError)
    # the public class, as the errors reference lists it
    assert type(err.value) is TileRasterError
    assert f"the land_cover raster '{url}'" in text
    assert re.search(r"tile \d+ \(rows \d+-\d+, columns \d+-\d+", text)
    assert "on a worker" in text
    assert "Traceback" not in text
    # nothing left running on the cluster for this run
    for _ in range(50):
        left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if left == 0:
            break
        time.sleep(0.1)
    assert left == 0


def test_an_unreachable_url_is_named_before_any_tile(client, on_client):
    with socket_free_port() as port:
        url = f"http://127.0.0.1:{port}/lc.tif"
    with pytest.raises(UnreadableFileError, match=r"lc\.tif.*over HTTP range requests"):
        _run({"land_cover": url}, tile_cells=TILE, client=client)


class socket_free_port:  # noqa: N801  (a context manager used like a function)
    """A port nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        self._s = socket.socket()
        self._s.bind(("127.0.0.1", 0))
        return self._s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self._s.close()


def test_read_raster_takes_a_url_read_by_ranges(places):
    """``read_raster`` on a URL: the file's georeferencing and cells, by range requests."""
    server, handler = _serve(places["served"])
    try:
        r = lp.read_raster(f"{url_of(server)}/dem.tif")
        window = rasterio.windows.Window(20, 30, 70, 50)
        got = r.read(window)
    finally:
        server.shutdown()
    want = lp.read_raster(places["served"] / "dem.tif")
    assert (r.crs, r.transform, r.shape, r.nodata) == (
        want.crs,
        want.transform,
        want.shape,
        want.nodata,
    )
    np.testing.assert_array_equal(got, want.read(window))
    assert handler.log
    assert all(rng is not None for _, _, rng in handler.log)


def test_a_host_that_stalls_is_given_up_within_the_idle_limit(places, monkeypatch):
    monkeypatch.setenv("LANDPROFILE_HTTP_IDLE_S", "2")
    server, _ = _serve(places["served"], stall_after_probe=True)
    try:
        t0 = time.perf_counter()
        with pytest.raises(UnreadableFileError, match=r"dem\.tif.*over HTTP range requests"):
            lp.read_raster(f"{url_of(server)}/dem.tif")
        took = time.perf_counter() - t0
    finally:
        server.shutdown()
    assert took < 20  # 2 s idle, two retries a second apart, and slack for a busy machine


def test_a_tiles_window_warps_to_the_files_cells(tmp_path):
    """The window sent with a tile warps to the very cells the file gives (oracle: ``warp``
    on the file), for tiles inside, across and at the edge of the 512-cell warp blocks,
    and is a part of the file, not all of it."""
    from types import SimpleNamespace

    from rasterio.warp import Resampling

    from landprofile.zoning._cluster_rasters import _tile_grid, tile_windows
    from landprofile.zoning.grid import WARP_BLOCK, warp
    from landprofile.zoning.tiles import plan

    rng = np.random.default_rng(9)
    # about 55 km of each, in lon/lat (nearest) and in UTM (bilinear): wider than 3 blocks
    lc = ndimage.median_filter(rng.choice([10, 20, 30, 40], size=(1000, 1000)), 5)
    write_geotiff(
        tmp_path / "lc.tif",
        lc.astype(np.uint8),
        Affine(0.0005, 0, -2.3, 0, -0.0005, 6.6),
        CRS.from_epsg(4326),
        nodata=0,
        block=128,
    )
    z = ndimage.gaussian_filter(rng.random((700, 700)) * 400, 3).astype(np.float32)
    write_geotiff(tmp_path / "dem.tif", z, Affine(80, 0, 578_000, 0, -80, 730_000), UTM, block=128)
    files = {k: lp.read_raster(tmp_path / f"{k}.tif") for k in ("lc", "dem")}
    how = {
        "lc": (Resampling.nearest, "int32", -1),
        "dem": (Resampling.bilinear, "float32", np.nan),
    }
    laea = CRS.from_proj4("+proj=laea +lat_0=6.35 +lon_0=-2.05 +datum=WGS84 +units=m")
    shared = SimpleNamespace(
        crs_wkt=laea.to_wkt(), res=RES, transform=Affine(RES, 0, -20_000.0, 0, -RES, 20_000.0)
    )
    tiles = plan(1300, 1300, 450, 30)
    assert len(tiles) == 9
    crossing = 0
    for tile in tiles:
        tg = _tile_grid(tile, shared)
        sent = tile_windows(tile, shared, files)
        r0, r1, c0, c1 = tile.window
        crossing += any(r0 < b < r1 or c0 < b < c1 for b in (WARP_BLOCK, 2 * WARP_BLOCK))
        for name, raster in files.items():
            want = warp(raster, tg, *how[name])
            assert (want != how[name][2]).any() if name == "lc" else np.isfinite(want).any()
            np.testing.assert_array_equal(warp(sent[name], tg, *how[name]), want, err_msg=name)
            h0, h1, w0, w1 = sent[name].held
            assert (h1 - h0) * (w1 - w0) < raster.height * raster.width
    assert crossing >= 6
