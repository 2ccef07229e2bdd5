"""Links as they are in the field, and checksums as hosts publish them (issue 26).

A slow host (64 KB/s) serving a COG of 1024-pixel blocks: a small window completes and
only the blocks it needs travel; a host that stalls completely is cut within the idle
limit. A host's MD5 (an S3 single-part ETag, Content-MD5) is checked before a download is
kept. Every server is on 127.0.0.1: nothing reaches the network.
"""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

import landprofile as lp
from _sources_helpers import (
    S3Handler,
    cog,
    land,
    read_cells,
    serve_files,
    start,
    wc_path,
)
from _sources_helpers import (
    isolated as isolated,
)
from landprofile.errors import CacheError, ChecksumError, DataSourceError
from landprofile.sources import raster

#: 64 KB/s, as a rural office's shared link.
RATE = 64 * 1024
#: A landscape inside the first 1024-px block of the tile below (0.1024 degrees a block).
INSIDE_ONE_BLOCK = box(-2.96, 5.94, -2.94, 5.96)


@pytest.fixture
def slow_tile(tmp_path) -> tuple[Path, Path]:
    """A 2048-px WorldCover-like COG with 1024-px blocks (about 280 KB each: 4+ s at
    64 KB/s, so GDAL's growing range requests each take longer than the limits)."""
    rng = np.random.default_rng(4)
    data = np.array([10, 20, 30, 40], np.uint8)[rng.integers(0, 4, (2048, 2048))]
    root = tmp_path / "mirror"
    path = cog(root / wc_path(3, -3), data, Affine(1e-4, 0, -3.0, 0, -1e-4, 6.0), blocksize=1024)
    with rasterio.open(path) as ds:
        assert ds.block_shapes == [(1024, 1024)]
    return root, path


def _limits(monkeypatch) -> None:
    # tight limits: a transfer moving at 64 KB/s for longer than all of them must pass
    monkeypatch.setenv("LANDPROFILE_HTTP_IDLE_S", "1")
    monkeypatch.setenv("LANDPROFILE_HTTP_LOW_SPEED_BPS", "8192")
    monkeypatch.setenv("LANDPROFILE_HTTP_LOW_SPEED_S", "1")


def test_a_slow_host_completes_a_small_window_and_sends_only_its_blocks(slow_tile, monkeypatch):
    root, path = slow_tile
    _limits(monkeypatch)
    server, served = serve_files(root, rate=RATE)
    asked = server.RequestHandlerClass.asked
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        t0 = time.perf_counter()
        ls = land(INSIDE_ONE_BLOCK)
        window = raster("worldcover:2021", ls.bounds_lonlat)
        took = time.perf_counter() - t0
    finally:
        server.shutdown()
        server.server_close()
    sent = sum(n for _, n in served)
    with rasterio.open(path) as ds:
        block = ds.block_size(1, 0, 0)
    # longer than every limit (1 s), at the host's pace: moving, so not cut
    assert took > 1.0
    assert took > 0.8 * block / RATE
    # the block the window needs travelled, the other three (and the overviews) did not
    assert block <= sent < block + 64 * 1024
    assert sent < 0.25 * path.stat().st_size
    # in one range request, never cut and asked again (as a whole-request timeout of
    # 1 s did: five requests, each cut after a second)
    beyond_header = [a for a in asked if a and int(a[6:].split("-")[0]) >= 32768]
    assert len(beyond_header) == 1, asked
    with rasterio.open(window) as ds:
        cells = ds.read(1)
    np.testing.assert_array_equal(cells, read_cells(path, window))


def test_a_host_that_stalls_completely_is_cut_within_the_idle_limit(slow_tile, monkeypatch):
    root, _ = slow_tile
    _limits(monkeypatch)
    monkeypatch.setenv("LANDPROFILE_HTTP_LOW_SPEED_S", "30")  # the idle limit must cut it
    server, _ = serve_files(root, stall_after_probe=True)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        t0 = time.perf_counter()
        with pytest.raises(DataSourceError, match=r"stalled.*LANDPROFILE_HTTP_IDLE_S"):
            raster("worldcover:2021", land(INSIDE_ONE_BLOCK).bounds_lonlat)
        took = time.perf_counter() - t0
    finally:
        server.shutdown()
        server.server_close()
    assert took < 1.0 + 4.0  # the 1 s idle limit (and GDAL's own retries), not 30 s
    assert not [p for p in (root.parent / "cache").rglob("*") if p.is_file()]


# ----------------------------------------------------------------------------- checksums

NAME = "earthgenome:44px_v2.9/sites.geojson"
REL = "earthgenome/44px_v2.9/sites.geojson"


@pytest.fixture
def layer(tmp_path) -> Path:
    root = tmp_path / "mirror"
    (root / REL).parent.mkdir(parents=True)
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2)], crs=4326).to_file(
        root / REL, driver="GeoJSON"
    )
    return root


def _cached(tmp_path: Path) -> list[Path]:
    cache = tmp_path / "cache"
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


WRONG = '"0123456789abcdef0123456789abcdef"'


@pytest.mark.parametrize(
    ("headers", "kept"),
    [
        ({}, True),  # S3's own ETag: the MD5, checked and equal
        ({"ETag": WRONG}, False),  # a wrong single-part ETag
        ({"ETag": '"0123456789abcdef0123456789abcdef-3"'}, True),  # multipart: not an MD5
        ({"ETag": WRONG, "x-amz-server-side-encryption": "aws:kms"}, True),  # SSE-KMS: neither
    ],
)
def test_an_s3_etag_that_is_an_md5_is_checked(layer, tmp_path, monkeypatch, headers, kept):
    etags = {f"/{REL}": headers["ETag"]} if "ETag" in headers else {}
    extra = {k: v for k, v in headers.items() if k != "ETag"}
    handler = type(
        "S3", (S3Handler,), {"root": layer, "served": [], "etags": etags, "headers_extra": extra}
    )
    server = start(handler)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        if kept:
            assert len(lp.read_vector(NAME)) == 2
            assert len(_cached(tmp_path)) == 1
            return
        with pytest.raises(ChecksumError, match=r"S3 ETag .*nothing was kept") as info:
            lp.read_vector(NAME)
        assert isinstance(info.value, CacheError)
        want = hashlib.md5((layer / REL).read_bytes(), usedforsecurity=False).hexdigest()
        assert want in str(info.value)
        assert len(handler.served) == 2  # once more from the first byte, then given up
        assert not _cached(tmp_path)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("extra", "kept"),
    [
        ({"Content-MD5": "good"}, True),
        ({"Content-MD5": "wrong"}, False),
        # a non-S3 server's ETag that looks like an MD5 is not one (nginx, Apache, GitHub)
        ({"ETag": WRONG}, True),
    ],
    ids=["content-md5", "wrong-content-md5", "opaque-etag"],
)
def test_content_md5_is_checked_and_other_servers_etags_are_opaque(
    layer, tmp_path, monkeypatch, extra, kept
):
    body = (layer / REL).read_bytes()
    if "Content-MD5" in extra:
        data = body if extra["Content-MD5"] == "good" else b"other"
        digest = hashlib.md5(data, usedforsecurity=False).digest()
        extra = {"Content-MD5": base64.b64encode(digest).decode()}
    server, _ = serve_files(layer, headers_extra=extra)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        if kept:
            assert len(lp.read_vector(NAME)) == 2
            assert len(_cached(tmp_path)) == 1
        else:
            with pytest.raises(ChecksumError, match="Content-MD5"):
                lp.read_vector(NAME)
            assert not _cached(tmp_path)
    finally:
        server.shutdown()
        server.server_close()
