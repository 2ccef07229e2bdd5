"""Shared fixtures of the named-source tests: tiny COGs, landscapes, and local servers that
behave like the real hosts (byte ranges as S3 serves them, an S3 endpoint for
``/vsis3/``, a STAC API as pystac-client expects it, a throttled or stalling link).

Every server listens on 127.0.0.1: no test reaches the network.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.windows import Window
from shapely.geometry import box, shape

import landprofile as lp
from landprofile.errors import ScaleWarning
from landprofile.testing import write_geotiff

WC21 = "esa-worldcover/v200/2021/map/ESA_WorldCover_10m_2021_v200_N03W003_Map.tif"
WC20 = "esa-worldcover/v100/2020/map/ESA_WorldCover_10m_2020_v100_N03W003_Map.tif"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A fresh cache, no mirror, and no ScaleWarning from the tiny test landscapes."""
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LANDPROFILE_DATA_MIRROR", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def wc_path(lat: int, lon: int, year: int = 2021) -> str:
    """A WorldCover tile's path in a mirror, as on ESA's bucket."""
    version = {2020: "v100", 2021: "v200"}[year]
    ns = f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}"
    ew = f"{'E' if lon >= 0 else 'W'}{abs(lon):03d}"
    return (
        f"esa-worldcover/{version}/{year}/map/ESA_WorldCover_10m_{year}_{version}_{ns}{ew}_Map.tif"
    )


def cog(
    path: Path,
    data: np.ndarray,
    transform: Affine,
    nodata: float | None = 0,
    blocksize: int = 256,
    crs: str = "EPSG:4326",
) -> Path:
    """Write ``data`` as a Cloud-Optimized GeoTIFF (DEFLATE, ``blocksize`` tiles)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".plain.tif")
    write_geotiff(tmp, data, transform, crs, nodata=nodata)
    with rasterio.open(tmp) as src:
        rasterio.shutil.copy(src, path, driver="COG", compress="DEFLATE", blocksize=blocksize)
    tmp.unlink()
    return path


def classes(seed: int, shape_: tuple[int, int], values=(10, 20, 30, 40)) -> np.ndarray:
    """Random land-cover classes."""
    rng = np.random.default_rng(seed)
    return np.array(values, np.uint8)[rng.integers(0, len(values), shape_)]


def land(geom=None, crs: int | str = 4326, name: str = "test") -> lp.Landscape:
    """A custom landscape (the default a 0.1-degree square in south-west Ghana)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return lp.Landscape(
            name=name,
            geometry=geom if geom is not None else box(-2.0, 5.0, -1.9, 5.1),
            crs=crs,
            provenance=lp.Provenance(method="custom", source="test"),
        )


def read_cells(source: Path, window_path: Path) -> np.ndarray:
    """The oracle: the window's extent read from the source file itself, cell by cell."""
    with rasterio.open(window_path) as w, rasterio.open(source) as t:
        c = round((w.transform.c - t.transform.c) / t.transform.a)
        r = round((w.transform.f - t.transform.f) / t.transform.e)
        return t.read(1, window=Window(c, r, w.width, w.height), boundless=True, fill_value=0)


def start(handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.ThreadingHTTPServer:
    """Serve ``handler`` on 127.0.0.1 in a daemon thread (``.shutdown()`` to stop)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url_of(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_port}"


# ------------------------------------------------------------------ static files, ranges


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Static files under ``root`` with byte ranges (as S3 serves COGs); counts bytes sent.

    ``served`` gets ``(path, bytes)`` per body sent (per 4 KB when throttled), ``asked``
    the ``Range`` header of each GET (``None`` without one); ``rate`` (bytes/s), when set,
    throttles the body; ``stall_after_probe`` sends nothing after the headers of any
    request longer than a 16-byte probe; ``headers`` are added to every answer.
    """

    root: Path
    served: list[tuple[str, int]]
    asked: ClassVar[list[str | None]] = []
    ranges: bool = True
    rate: float | None = None
    stall_after_probe = False
    headers_extra: ClassVar[dict[str, str]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _file(self) -> Path:
        return self.root / urlparse(self.path).path.lstrip("/")

    def do_HEAD(self) -> None:
        self._send(head=True)

    def do_GET(self) -> None:
        self.asked.append(self.headers.get("Range"))
        self._send(head=False)

    def _send(self, head: bool) -> None:
        p = self._file()
        if not p.is_file():
            self.send_error(404)
            return
        size = p.stat().st_size
        rng = self.headers.get("Range")
        if rng and self.ranges and rng.startswith("bytes="):
            a_, _, b_ = rng[6:].partition("-")
            a, b = int(a_), min(int(b_) if b_ else size - 1, size - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {a}-{b}/{size}")
        else:
            a, b = 0, size - 1
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes" if self.ranges else "none")
        self.send_header("Content-Length", str(b - a + 1))
        self.send_header("Content-Type", "application/octet-stream")
        for k, v in self.headers_extra.items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        with open(p, "rb") as fh:
            fh.seek(a)
            body = fh.read(b - a + 1)
        try:
            if self.stall_after_probe and len(body) > 16:
                time.sleep(30)  # nothing at all: the client must give up first
                return
            if self.rate and len(body) > 16:  # a 16-byte probe is answered at once
                step = max(1, min(4096, int(self.rate / 8)))
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    self.wfile.flush()
                    self.served.append((self.path, len(body[i : i + step])))
                    time.sleep(step / self.rate)
                return
            # recorded before it is written: the client may have read the body and moved
            # on before this thread runs again
            self.served.append((self.path, len(body)))
            self.wfile.write(body)
        except OSError:  # the client gave up
            pass


def sent(served: list[tuple[str, int]]) -> int:
    """The bytes a :class:`RangeHandler` host sent in all."""
    return sum(n for _, n in served)


def serve_files(root: Path, **attrs: Any) -> tuple[http.server.ThreadingHTTPServer, list]:
    """A static host of ``root`` (attributes of :class:`RangeHandler` to override)."""
    handler = type("H", (RangeHandler,), {"root": root, "served": [], "asked": [], **attrs})
    return start(handler), handler.served


class S3Handler(RangeHandler):
    """An S3 endpoint, path-style (``/{bucket}/{key}``), as GDAL's ``/vsis3/`` asks it.

    Answers as Amazon S3 does: ``x-amz-request-id``, ``Server: AmazonS3`` and, for a
    single-part object, an ``ETag`` that is the MD5 of its bytes (``etags`` overrides it
    per path, to send a wrong or multipart one).
    """

    etags: ClassVar[dict[str, str]] = {}

    def end_headers(self) -> None:
        p = self._file()
        if p.is_file():
            etag = self.etags.get(urlparse(self.path).path)
            etag = etag or f'"{hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()}"'
            self.send_header("ETag", etag)
        self.send_header("x-amz-request-id", "TEST0000")
        self.send_header("Server", "AmazonS3")
        super().end_headers()


def serve_s3(root: Path, monkeypatch, **attrs: Any) -> tuple[http.server.ThreadingHTTPServer, list]:
    """An S3 endpoint for ``root``'s buckets, and GDAL pointed at it (unsigned, plain http)."""
    handler = type(
        "S3", (S3Handler,), {"root": root, "served": [], "asked": [], "etags": {}, **attrs}
    )
    server = start(handler)
    monkeypatch.setenv("AWS_S3_ENDPOINT", f"127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_HTTPS", "NO")
    monkeypatch.setenv("AWS_VIRTUAL_HOSTING", "FALSE")
    monkeypatch.setenv("AWS_NO_SIGN_REQUEST", "YES")
    return server, handler.served


def serve_routes(routes: dict[str, tuple[int, str, bytes]]) -> tuple[Any, str]:
    """A host answering fixed ``path -> (status, content type, body)``; 404 otherwise."""

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, ctype, body = routes.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    server = start(H)
    return server, url_of(server)


# ------------------------------------------------------------------------------- STAC


def stac_item(iid: str, year: int, href: str, bbox=(-3.0, 3.0, 0.0, 6.0), with_bbox=True):
    """A pystac Item of one GeoTIFF asset ``map`` dated 1 January ``year``."""
    import pystac

    it = pystac.Item(
        id=iid,
        geometry=box(*bbox).__geo_interface__,
        bbox=list(bbox) if with_bbox else None,
        datetime=datetime(year, 1, 1),
        properties={},
        collection="lc",
    )
    it.add_asset("map", pystac.Asset(href=href, media_type=pystac.MediaType.COG))
    return it


def static_catalogue(folder: Path, items: list[Any], collection: str = "lc") -> str:
    """A self-contained static catalogue of ``items`` in one collection; its catalog.json."""
    import pystac

    cat = pystac.Catalog(id="local", description="test")
    col = pystac.Collection(
        id=collection,
        description="test collection",
        license="CC-BY-4.0",
        extent=pystac.Extent(
            pystac.SpatialExtent([[-180.0, -90.0, 180.0, 90.0]]),
            pystac.TemporalExtent([[datetime(2020, 1, 1), None]]),
        ),
    )
    for it in items:
        col.add_item(it)
    cat.add_child(col)
    cat.normalize_and_save(str(folder), pystac.CatalogType.SELF_CONTAINED)
    return str(folder / "catalog.json")


def _interval(text: str | None) -> tuple[datetime, datetime]:
    lo, hi = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    if not text:
        return lo, hi
    a, _, b = text.partition("/")
    b = b if _ else a

    def parse(t: str, default: datetime) -> datetime:
        return default if t in ("", "..") else datetime.fromisoformat(t.replace("Z", "+00:00"))

    return parse(a, lo), parse(b, hi)


class StacApiHandler(http.server.BaseHTTPRequestHandler):
    """A STAC API 1.0 (core, collections, item search) as pystac-client uses it.

    ``GET /`` is the landing page (``conformsTo`` with item-search, a ``search`` link for
    GET and POST), ``/conformance``, ``/collections`` and ``/collections/{id}``, and
    ``/search`` by GET (query string) or POST (JSON) filtering ``collections``, ``bbox``
    and ``datetime`` (``a/b``, ``..`` open), paged ``page`` items at a time through
    ``next`` links (POST: a body with a token, ``merge``; GET: the token in the href).
    """

    items: ClassVar[list[dict]] = []
    collections: ClassVar[dict[str, dict]] = {}
    page = 1
    searches: ClassVar[list[dict]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def _json(self, doc: Any, ctype: str = "application/json", status: int = 200) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        u = urlparse(self.path)
        base = self._base()
        conforms = [
            "https://api.stacspec.org/v1.0.0/core",
            "https://api.stacspec.org/v1.0.0/collections",
            "https://api.stacspec.org/v1.0.0/item-search",
        ]
        if u.path in ("", "/"):
            self._json(
                {
                    "type": "Catalog",
                    "id": "local-api",
                    "stac_version": "1.0.0",
                    "description": "a local STAC API",
                    "conformsTo": conforms,
                    "links": [
                        {"rel": "self", "href": f"{base}/", "type": "application/json"},
                        {"rel": "root", "href": f"{base}/", "type": "application/json"},
                        {"rel": "conformance", "href": f"{base}/conformance"},
                        {"rel": "data", "href": f"{base}/collections"},
                        {
                            "rel": "search",
                            "href": f"{base}/search",
                            "type": "application/geo+json",
                            "method": "GET",
                        },
                        {
                            "rel": "search",
                            "href": f"{base}/search",
                            "type": "application/geo+json",
                            "method": "POST",
                        },
                    ],
                }
            )
        elif u.path == "/conformance":
            self._json({"conformsTo": conforms})
        elif u.path == "/collections":
            self._json({"collections": list(self.collections.values()), "links": []})
        elif u.path.startswith("/collections/"):
            cid = u.path.removeprefix("/collections/").strip("/")
            if cid not in self.collections:
                self._json({"code": "NotFound"}, status=404)
                return
            self._json(self.collections[cid])
        elif u.path == "/search":
            q = {k: v[0] for k, v in parse_qs(u.query).items()}
            params: dict[str, Any] = dict(q)
            if "collections" in q:
                params["collections"] = q["collections"].split(",")
            if "bbox" in q:
                params["bbox"] = [float(v) for v in q["bbox"].split(",")]
            self._search(params, "GET")
        else:
            self._json({"code": "NotFound"}, status=404)

    def do_POST(self) -> None:
        if urlparse(self.path).path != "/search":
            self._json({"code": "NotFound"}, status=404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._search(json.loads(body or b"{}"), "POST")

    def _search(self, params: dict[str, Any], method: str) -> None:
        self.searches.append({"method": method, **params})
        cols = params.get("collections")
        area = box(*params["bbox"]) if params.get("bbox") else None
        lo, hi = _interval(params.get("datetime"))
        hits = []
        for it in self.items:
            t = datetime.fromisoformat(it["properties"]["datetime"].replace("Z", "+00:00"))
            if cols and it.get("collection") not in cols:
                continue
            if area is not None and not shape(it["geometry"]).intersects(area):
                continue
            if not lo <= t <= hi:
                continue
            hits.append(it)
        start_at = int(params.get("token") or 0)
        size = int(params.get("limit") or self.page)
        size = min(size, self.page)
        links = []
        if start_at + size < len(hits):
            token = str(start_at + size)
            if method == "POST":
                links.append(
                    {
                        "rel": "next",
                        "href": f"{self._base()}/search",
                        "method": "POST",
                        "body": {"token": token},
                        "merge": True,
                        "type": "application/geo+json",
                    }
                )
            else:
                query = urlencode(
                    {
                        k: ",".join(map(str, v)) if isinstance(v, list) else v
                        for k, v in {**params, "token": token}.items()
                    }
                )
                links.append({"rel": "next", "href": f"{self._base()}/search?{query}"})
        self._json(
            {
                "type": "FeatureCollection",
                "features": hits[start_at : start_at + size],
                "links": links,
                "numberMatched": len(hits),
            },
            "application/geo+json",
        )


def serve_stac_api(
    items: list[Any], collection: str = "lc", page: int = 1, extra: dict | None = None
):
    """A STAC API holding pystac ``items`` of one collection; (server, url, searches).

    ``extra`` is merged into the collection document (its credits: ``license``,
    ``sci:doi``, ``providers``, links of rel ``license``/``cite-as``...).
    """
    docs = [it.to_dict(include_self_link=False) for it in items]
    col = {
        "type": "Collection",
        "id": collection,
        "stac_version": "1.0.0",
        "description": "a collection of two years",
        "license": "CC-BY-4.0",
        "extent": {
            "spatial": {"bbox": [[-180, -90, 180, 90]]},
            "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]},
        },
        "links": [],
    } | (extra or {})
    handler = type(
        "Api",
        (StacApiHandler,),
        {"items": docs, "collections": {collection: col}, "page": page, "searches": []},
    )
    server = start(handler)
    return server, url_of(server), handler.searches
