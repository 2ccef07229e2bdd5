"""A host that lies each way about a resumed download (issue 36 item 1), and a zipped
vector through an HTTP mirror (issue 35 item 2). Each case: the bytes kept equal the
host's file (sha256), or a named error and no cache entry. Local servers only."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import warnings
import zipfile
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pytest
from shapely.geometry import box

import landprofile as lp
from landprofile.errors import DataSourceError, InvalidParameterError, ScaleWarning
from landprofile.sources._http import download, gdal_env

NE = "/naturalearth/10m/cultural/ne_10m_admin_0_countries.zip"


def _zip(tmp: Path) -> bytes:
    shp = tmp / "shp"
    shp.mkdir()
    gpd.GeoDataFrame(
        {"NAME": [f"c{i}" for i in range(40)]},
        geometry=[box(i, 0, i + 0.5, 1) for i in range(40)],
        crs=4326,
    ).to_file(shp / "ne_10m_admin_0_countries.shp")
    out = tmp / "ne.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(shp.iterdir()):
            zf.write(f, f.name)
    return out.read_bytes()


class _Liar(http.server.BaseHTTPRequestHandler):
    body: ClassVar[bytes] = b""
    mode = "honest"
    gets: ClassVar[list[str | None]] = []

    def log_message(self, *a):
        pass

    def do_HEAD(self):
        self.send_response(200)
        if self.mode != "nolength-nohead":
            self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()

    def do_GET(self):
        if self.path == "/redirect" + NE:
            self.send_response(302)
            self.send_header("Location", NE)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        first = not self.gets
        rng = self.headers.get("Range")
        self.gets.append(rng)
        body, n = self.body, len(self.body)
        if rng and self.mode != "noranges":
            start = int(rng[6:].split("-")[0])
            part = body[start:]
            self.send_response(206)
            cr = f"bytes {start}-{n - 1}/{n}"
            if self.mode == "206-from-0":  # the whole file under the header asked for
                part = body[: n - start]
            elif self.mode == "wrong-start":
                cr = f"bytes {start + 7}-{n - 1}/{n}"
            elif self.mode == "wrong-total":
                cr = f"bytes {start}-{n + 99}/{n + 100}"
            self.send_header("Content-Range", cr)
            if self.mode == "gzip-206":
                part = gzip.compress(part)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(part)))
            self.end_headers()
            self.wfile.write(part)
            return
        self.send_response(200)
        nolength = self.mode.startswith("nolength")
        if not nolength:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        if first and self.mode != "honest-whole":  # the first transfer is cut at half
            self.wfile.write(body[: n // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


def _serve(body: bytes, mode: str):
    h = type("L", (_Liar,), {"body": body, "mode": mode, "gets": []})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, h


@pytest.mark.parametrize(
    "mode",
    [
        "honest",  # ranges honoured after a cut
        "noranges",  # 200 full every time: started again
        "206-from-0",
        "wrong-start",
        "wrong-total",
        "gzip-206",
        "nolength",  # 200 without Content-Length cut at half; HEAD states the length
        "nolength-nohead",  # ... and no HEAD length either: a second read decides
    ],
)
@pytest.mark.parametrize("redirect", [False, True])
def test_a_lying_host_never_poisons_the_cache(tmp_path, mode, redirect):
    body = _zip(tmp_path)
    srv, h = _serve(body, mode)
    target = tmp_path / "cache" / "ne_10m_admin_0_countries.zip"
    url = f"http://127.0.0.1:{srv.server_port}{'/redirect' if redirect else ''}{NE}"
    try:
        got = download(url, target, "naturalearth:admin0", "advice")
    finally:
        srv.shutdown()
        srv.server_close()
    assert hashlib.sha256(got.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporaries
    if mode.startswith("nolength"):  # no length: never resumed, always from byte 0
        assert all(r is None for r in h.gets), h.gets
    else:  # the cut was resumed by a range (honoured, or proved false and restarted)
        assert str(h.gets[1]).startswith("bytes="), h.gets


def test_a_body_always_cut_with_a_correct_length_is_named_and_not_kept(tmp_path):
    class Cut(_Liar):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body[: len(self.body) // 2])
            self.close_connection = True

    Cut.body = _zip(tmp_path)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Cut)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    target = tmp_path / "cache" / "x.zip"
    try:
        with pytest.raises(DataSourceError, match="cut short"):
            download(f"http://127.0.0.1:{srv.server_port}{NE}", target, "ne", "advice")
    finally:
        srv.shutdown()
        srv.server_close()
    assert not list((tmp_path / "cache").iterdir())


def test_a_zipped_vector_through_an_http_mirror_is_read(tmp_path, monkeypatch):
    body = _zip(tmp_path)
    srv, _ = _serve(body, "honest")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{srv.server_port}")
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            got = lp.read_vector("naturalearth:admin0")
    finally:
        srv.shutdown()
        srv.server_close()
    assert len(got) == 40


def test_a_damaged_cache_entry_is_named_not_blamed_on_the_host(tmp_path):
    target = tmp_path / "cache" / "ne.zip"
    target.parent.mkdir()
    target.write_bytes(b"PK\x03\x04" + b"\0" * 100)  # a zip cut short on the local disk
    with pytest.raises(DataSourceError, match=r"cached copy .* is damaged") as err:
        download("http://127.0.0.1:9/ne.zip", target, "naturalearth:admin0", "advice")
    assert "not of the host" in str(err.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "abc", "1e300"])
def test_http_settings_are_finite_and_in_range(monkeypatch, value):
    monkeypatch.setenv("LANDPROFILE_HTTP_TOTAL_S", value)
    with pytest.raises(InvalidParameterError, match=r"LANDPROFILE_HTTP_TOTAL_S.*above 0"):
        gdal_env()


def test_a_damaged_cached_vector_is_fetched_again(tmp_path, monkeypatch):
    body = _zip(tmp_path)
    srv, _ = _serve(body, "honest-whole")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{srv.server_port}")
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    entry = tmp_path / "cache" / "naturalearth" / NE.removeprefix("/naturalearth/")
    entry.parent.mkdir(parents=True)
    entry.write_bytes(body[: len(body) // 2])  # a copy cut short on the local disk
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            got = lp.read_vector("naturalearth:admin0")
    finally:
        srv.shutdown()
        srv.server_close()
    assert len(got) == 40
    assert entry.read_bytes() == body
