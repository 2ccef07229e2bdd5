"""The cache and the field mirror: local write failures named, a cache that cannot be
poisoned, bounded downloads, tiles that appear later (issues 25 and 26).

Every server here listens on 127.0.0.1; nothing reaches the network.
"""

from __future__ import annotations

import errno
import http.server
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

import landprofile as lp
from _sources_helpers import WC21, cog, sent, serve_files, start, wc_path
from _sources_helpers import isolated as isolated
from _sources_helpers import land as landscape
from landprofile.cli import cli
from landprofile.errors import (
    CacheError,
    CoverageWarning,
    DataSourceError,
    LandprofileError,
    OutputError,
)
from landprofile.sources import raster
from test_sources_windows import assert_on_grid, read_tile_cells, tile

GEOJSON = "earthgenome:44px_v2.9/sites.geojson"
GEOJSON_PATH = "earthgenome/44px_v2.9/sites.geojson"


@pytest.fixture
def mirror(tmp_path) -> Path:
    """A folder mirror: one WorldCover 2021 tile and one small GeoJSON layer."""
    import geopandas as gpd
    from shapely.geometry import box

    root = tmp_path / "mirror"
    rng = np.random.default_rng(5)
    data = np.array([10, 20, 30, 40], np.uint8)[rng.integers(0, 4, (600, 600))]
    from affine import Affine

    cog(root / WC21, data, Affine(0.005, 0, -3.0, 0, -0.005, 6.0))
    gj = root / GEOJSON_PATH
    gj.parent.mkdir(parents=True)
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2)], crs=4326).to_file(
        gj, driver="GeoJSON"
    )
    return root


def readonly(folder: Path, monkeypatch) -> None:
    """Make ``folder`` unwritable: chmod, and — root ignores modes — refuse writes there."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return
    real_mkdir, real_mkstemp = Path.mkdir, tempfile.mkstemp

    def under(p: Path | str) -> bool:
        return Path(p).resolve().is_relative_to(folder.resolve())

    def mkdir(self, *args, **kwargs):
        if under(self) and not self.exists():
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and under(dir):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# ------------------------------------------------------------------ issue 25: local writes


def test_a_read_only_cache_is_named(mirror, tmp_path, monkeypatch):
    cache = tmp_path / "ro-cache"
    monkeypatch.setenv("LANDPROFILE_CACHE", str(cache))
    readonly(cache, monkeypatch)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    with pytest.raises(CacheError, match="not writable") as info:
        lp.land_cover(landscape(), "worldcover:2021")
    msg = str(info.value)
    assert str(cache) in msg
    assert "LANDPROFILE_CACHE" in msg
    assert "cannot reach" not in msg
    # a vector download into it, over HTTP: the same, not "cannot reach"
    server, _ = serve_files(mirror)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(CacheError, match="not writable") as info:
            lp.read_vector(GEOJSON)
    finally:
        server.shutdown()
    assert str(cache) in str(info.value)
    assert "cannot reach" not in str(info.value)
    cache.chmod(0o755)


def test_a_full_disk_is_named_and_leaves_nothing(mirror, tmp_path, monkeypatch):
    from landprofile.sources import _http_resume

    def full(fh, chunk):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_http_resume, "write_chunk", full)
    server, _ = serve_files(mirror)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(CacheError, match="disk is full") as info:
            lp.read_vector(GEOJSON)
    finally:
        server.shutdown()
    assert str(tmp_path / "cache") in str(info.value)
    assert "cannot reach" not in str(info.value)
    assert not files_in(tmp_path / "cache")

    # the raster window cache: the GeoTIFF writer fails with ENOSPC mid-write
    real_open = rasterio.open

    class Failing:
        def __init__(self, ds):
            self.ds = ds

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.ds.close()

        def write(self, *args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        def update_tags(self, *args, **kwargs):
            pass

    def fake_open(fp, mode="r", *args, **kwargs):
        ds = real_open(fp, mode, *args, **kwargs)
        return Failing(ds) if mode == "w" else ds

    monkeypatch.setattr(rasterio, "open", fake_open)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    with pytest.raises(CacheError, match="disk is full") as info:
        lp.land_cover(landscape(), "worldcover:2021")
    assert str(tmp_path / "cache") in str(info.value)
    assert not files_in(tmp_path / "cache")


def test_a_cache_path_that_is_a_file_is_named(mirror, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache.txt"
    not_a_folder.write_text("I am a file")
    monkeypatch.setenv("LANDPROFILE_CACHE", str(not_a_folder))
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    with pytest.raises(CacheError, match="is a regular file") as info:
        lp.land_cover(landscape(), "worldcover:2021")
    assert str(not_a_folder) in str(info.value)
    assert "LANDPROFILE_CACHE" in str(info.value)
    assert not_a_folder.read_text() == "I am a file"


def _config(tmp_path: Path, sample_dir: Path) -> Path:
    cfg = tmp_path / "ls.toml"
    shutil.copyfile(sample_dir / "synthetic_districts_sw_ghana.geojson", tmp_path / "d.geojson")
    cfg.write_text(
        'name = "Aboso"\n[boundary]\nmethod = "admin"\nsource = "d.geojson"\n'
        'names = ["Aboso"]\n[rasters]\nland_cover = "worldcover:2021"\n'
        "[zoning]\nenabled = false\n",
        encoding="utf-8",
    )
    return cfg


def test_data_fetch_onto_a_read_only_folder(mirror, tmp_path, monkeypatch, sample_dir):
    cfg = _config(tmp_path, sample_dir)
    usb = tmp_path / "usb"
    readonly(usb, monkeypatch)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(usb)])
    assert r.exit_code == 2, r.output
    assert str(usb) in r.output
    assert "not writable" in r.output
    assert "Traceback" not in r.output
    assert not files_in(usb)
    # the API says the same, by class
    from landprofile.pipeline import load_config
    from landprofile.sources.mirror import fetch_config

    with pytest.raises(OutputError, match="not writable"):
        fetch_config(load_config(cfg), usb)
    usb.chmod(0o755)


def test_data_fetch_fails_on_a_corrupt_tile_and_verifies_what_it_wrote(
    mirror, tmp_path, monkeypatch, sample_dir
):
    cfg = _config(tmp_path, sample_dir)
    bad = tmp_path / "bad"
    (bad / WC21).parent.mkdir(parents=True)
    (bad / WC21).write_bytes(b"II*\x00 not a GeoTIFF at all")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(bad))
    usb = tmp_path / "usb"
    r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(usb)])
    assert r.exit_code == 2, r.output  # was: skipped in silence, exit 0
    assert "could not be read" in r.output
    assert not files_in(usb)
    # from a good mirror: every file written opens and holds the source's cells
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    from landprofile.pipeline import load_config
    from landprofile.sources.mirror import fetch_config

    written = fetch_config(load_config(cfg), usb)
    assert written == [usb / WC21]
    np.testing.assert_array_equal(
        rasterio.open(usb / WC21).read(1), read_tile_cells([mirror / WC21], usb / WC21)
    )


# ------------------------------------------------------- issue 26 item 3: poison, deadlines


class _Bad(http.server.BaseHTTPRequestHandler):
    """Misbehaving hosts: a body cut short, an HTML page as 200, a drip of bytes."""

    mode = "short"
    body = b""
    hits: list[str]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.mode == "short":
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Length", str(len(self.body) + 5000))
            self.end_headers()
            self.wfile.write(self.body)
        elif self.mode in ("html", "html-as-json"):
            page = b"<!DOCTYPE html><html><body>Please sign in</body></html>"
            self.send_response(200)
            ctype = "text/html; charset=utf-8" if self.mode == "html" else "application/json"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
        elif self.mode in ("drip", "trickle"):
            gap = 0.5 if self.mode == "drip" else 0.1
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            try:
                for i in range(len(self.body)):
                    self.wfile.write(self.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(gap)
            except OSError:  # the client gave up: that is the point
                pass


def _bad_server(mode: str, body: bytes = b""):
    handler = type("B", (_Bad,), {"mode": mode, "body": body, "hits": []})
    return start(handler), handler.hits


@pytest.mark.parametrize(
    ("mode", "match"),
    [
        ("short", "cut short"),
        ("html", "web page"),
        ("html-as-json", "web page"),
    ],
)
def test_a_bad_download_is_refused_and_never_cached(mirror, tmp_path, monkeypatch, mode, match):
    body = (mirror / GEOJSON_PATH).read_bytes()
    server, hits = _bad_server(mode, body)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(DataSourceError, match=match):
            lp.read_vector(GEOJSON)
    finally:
        server.shutdown()
    assert hits
    assert not files_in(tmp_path / "cache")  # nothing half-written, nothing poisoned


@pytest.mark.parametrize(
    ("mode", "env", "match"),
    [
        ("drip", {"LANDPROFILE_HTTP_IDLE_S": "0.2"}, "no byte for 0.2 s"),
        (
            "trickle",
            {"LANDPROFILE_HTTP_LOW_SPEED_BPS": "100", "LANDPROFILE_HTTP_LOW_SPEED_S": "0.5"},
            "slower than 100 bytes/s",
        ),
        (
            "trickle",
            {"LANDPROFILE_HTTP_LOW_SPEED_BPS": "1", "LANDPROFILE_HTTP_TOTAL_S": "0.5"},
            "longer than 0.5 s in all",
        ),
    ],
)
def test_a_stalled_download_is_abandoned_within_its_limits(
    mirror, tmp_path, monkeypatch, mode, env, match
):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    body = (mirror / GEOJSON_PATH).read_bytes()
    server, hits = _bad_server(mode, body)
    t0 = time.perf_counter()
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(DataSourceError, match=match):
            lp.read_vector(GEOJSON)
    finally:
        server.shutdown()
    # three attempts of well under a second each, plus the pauses between them
    assert time.perf_counter() - t0 < 8
    assert len(hits) == 3
    assert not files_in(tmp_path / "cache")


def test_a_web_page_for_a_tile_is_named(tmp_path, monkeypatch):
    server, hits = _bad_server("html")
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(DataSourceError, match="web page, not a tile"):
            lp.land_cover(landscape(), "worldcover:2021")
    finally:
        server.shutdown()
    assert hits
    assert not files_in(tmp_path / "cache")


def test_a_good_download_is_kept_once(mirror, tmp_path, monkeypatch):
    server, served = serve_files(mirror)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        got = lp.read_vector(GEOJSON)
        n = sent(served)
        lp.read_vector(GEOJSON)
        assert sent(served) == n == (mirror / GEOJSON_PATH).stat().st_size
    finally:
        server.shutdown()
    assert len(got) == 2
    cached = tmp_path / "cache" / GEOJSON_PATH
    assert cached.read_bytes() == (mirror / GEOJSON_PATH).read_bytes()


@pytest.mark.parametrize("over", ["folder", "http"])
def test_a_tile_that_appears_later_is_fetched(tmp_path, monkeypatch, over):
    root = tmp_path / "mirror"
    west = tile(root, 3, -3, seed=1)
    bounds = (-0.12, 4.41, 0.13, 4.52)  # across the seam of N03W003 and N03E000
    server = None
    if over == "http":
        server, _ = serve_files(root)
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
    else:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    try:
        with pytest.warns(CoverageWarning, match="N03E000"):
            first = raster("worldcover:2021", bounds)
        with rasterio.open(first) as ds:
            before = ds.read(1)
        east = tile(root, 3, 0, seed=2)  # the mirror is completed later
        again = raster("worldcover:2021", bounds)
        with rasterio.open(again) as ds:
            after = ds.read(1)
    finally:
        if server is not None:
            server.shutdown()
    assert after.shape[1] > before.shape[1]  # the east tile's columns are there now
    np.testing.assert_array_equal(after, read_tile_cells([west, east], again))
    assert (root / wc_path(3, 0)).exists()


def test_a_corrupt_cache_entry_is_read_again(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(mirror))
    ls = landscape()
    want = lp.land_cover(ls, "worldcover:2021")
    (entry,) = (tmp_path / "cache" / "worldcover").glob("*.tif")
    entry.write_bytes(entry.read_bytes()[:200])  # a truncated entry (a disk fault)
    got = lp.land_cover(ls, "worldcover:2021")
    assert got["area_ha"].tolist() == want["area_ha"].tolist()


def test_named_errors_only(mirror, tmp_path, monkeypatch):
    """None of the above is a bare OSError: each is a LandprofileError (CLI exit 2)."""
    assert issubclass(CacheError, DataSourceError)
    assert issubclass(CacheError, LandprofileError)
    monkeypatch.setenv("LANDPROFILE_HTTP_IDLE_S", "soon")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", "http://127.0.0.1:9")
    with pytest.raises(lp.errors.InvalidParameterError, match="LANDPROFILE_HTTP_IDLE_S"):
        lp.read_vector(GEOJSON)


def test_data_fetch_across_a_seam_says_which_tile_it_lacks(tmp_path, monkeypatch):
    """Both tiles of a seam are clipped into the mirror; one absent is warned, not hidden."""
    import geopandas as gpd
    from shapely.geometry import box

    root = tmp_path / "mirror"
    west = tile(root, 3, -3, seed=1)
    gpd.GeoDataFrame(geometry=[box(-0.11, 4.41, 0.12, 4.52)], crs=4326).to_file(
        tmp_path / "seam.geojson", driver="GeoJSON"
    )
    cfg = tmp_path / "seam.toml"
    cfg.write_text(
        'name = "Seam"\n[boundary]\nmethod = "custom"\nsource = "seam.geojson"\n'
        '[rasters]\nland_cover = "worldcover:2021"\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    from landprofile.pipeline import load_config
    from landprofile.sources.mirror import fetch_config

    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    with pytest.warns(CoverageWarning, match="N03E000"):
        written = fetch_config(load_config(cfg), tmp_path / "usb1")
    assert written == [tmp_path / "usb1" / wc_path(3, -3)]
    east = tile(root, 3, 0, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoverageWarning)
        written = fetch_config(load_config(cfg), tmp_path / "usb2")
    assert sorted(written) == sorted(tmp_path / "usb2" / wc_path(3, lon) for lon in (-3, 0))
    # each clipped tile is a piece of its source's grid, cell for cell
    for src, lon in ((west, -3), (east, 0)):
        got = tmp_path / "usb2" / wc_path(3, lon)
        assert_on_grid(got, src, (-0.11, 4.41, 0.12, 4.52))
        with rasterio.open(got) as ds:
            cells = ds.read(1)
        np.testing.assert_array_equal(cells, read_tile_cells([src], got))


def test_a_window_read_from_a_stalling_host_gives_up_in_time(mirror, tmp_path, monkeypatch):
    """GDAL's range requests get the same low-speed limit as downloads."""
    server, _ = serve_files(mirror, rate=5)  # 5 bytes/s after the probe: a drip
    monkeypatch.setenv("LANDPROFILE_HTTP_LOW_SPEED_BPS", "100")
    monkeypatch.setenv("LANDPROFILE_HTTP_LOW_SPEED_S", "1")
    monkeypatch.setenv("LANDPROFILE_HTTP_IDLE_S", "2")
    t0 = time.perf_counter()
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(DataSourceError, match="stalled"):
            lp.land_cover(landscape(), "worldcover:2021")
    finally:
        server.shutdown()
    assert time.perf_counter() - t0 < 10  # the limit is 1 s at < 100 bytes/s
    assert not files_in(tmp_path / "cache")
