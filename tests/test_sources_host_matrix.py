"""Every catalogue entry fetched through a local HTTP host (issue 35 item 2).

Each named source is served, at the path its host (or a mirror laid out like it) uses,
by a local server in four behaviours: byte ranges honoured, ranges ignored (200 with the
whole file), a 302 redirect in front, and a first transfer cut short. The values read
through the public API are checked against an independent read of the served file, and
a whole-file download's cached bytes against the host's sha256. ``stac:`` is left out:
it has its own hosts (a static catalogue and a STAC API) in ``test_sources_stac.py``
and ``test_sources_stac_api.py``. Local servers only.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

import landprofile as lp
from _sources_helpers import classes, cog, isolated, read_cells, start, url_of  # noqa: F401
from landprofile.errors import DataSourceError
from landprofile.sources.catalogue import SOURCES

#: the issue's four, and a cut on a host without ranges (data.worldpop.org's case): restarted
BEHAVIOURS = ("ranges", "noranges", "redirect", "cut", "cut-noranges")
# inside one tile of each source, its margin included (no neighbour tile is asked for)
BOUNDS = (-1.6, 5.4, -1.5, 5.5)
COMMIT = "9469f09592ced973a3448cf66b6100b741b64c0d"


class _Host(http.server.BaseHTTPRequestHandler):
    """Fixed files by path; ``behaviour`` one of :data:`BEHAVIOURS`.

    ``redirect``: every path under ``/moved`` answers 302 to the same path without it.
    ``cut``: the first GET of each file sends half its body and drops the connection.
    ``moved`` counts the redirects sent.
    """

    files: ClassVar[dict[str, bytes]] = {}
    behaviour = "ranges"
    cut_done: ClassVar[set[str]] = set()  # also: paths never cut
    gets: ClassVar[list[tuple[str, str | None]]] = []
    moved: ClassVar[list[str]] = []

    def log_message(self, *a: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/moved/"):
            self.moved.append(path)
            self.send_response(302)
            self.send_header("Location", path.removeprefix("/moved"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.files.get(path)
        if body is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        if not head:
            self.gets.append((path, rng))
        size = len(body)
        ranges = not self.behaviour.endswith("noranges")
        if rng and ranges and rng.startswith("bytes="):
            a_, _, b_ = rng[6:].partition("-")
            a, b = int(a_), min(int(b_) if b_ else size - 1, size - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {a}-{b}/{size}")
        else:
            a, b = 0, size - 1
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes" if ranges else "none")
        self.send_header("Content-Length", str(b - a + 1))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if head:
            return
        part = body[a : b + 1]
        try:
            if self.behaviour.startswith("cut") and path not in self.cut_done and len(part) > 64:
                self.cut_done.add(path)
                self.wfile.write(part[: len(part) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(part)
        except OSError:  # the client gave up
            pass


def _serve(files: dict[str, bytes], behaviour: str):
    h = type(
        "H",
        (_Host,),
        {"files": files, "behaviour": behaviour, "cut_done": set(), "gets": [], "moved": []},
    )
    srv = start(h)
    base = url_of(srv) + ("/moved" if behaviour == "redirect" else "")
    return srv, base, h


def _recovered(h: type[_Host], route: str, behaviour: str) -> None:
    """A cut file was asked for again (the cut happened and was not the end of it)."""
    asked = [r for p, r in h.gets if p == route]
    if behaviour.startswith("cut"):
        assert route in h.cut_done, h.gets
        assert len(asked) >= 2, h.gets
    if behaviour == "redirect":
        assert h.moved, "no redirect was followed"


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------- the files served


def _tile(tmp: Path, name: str) -> tuple[str, Path]:
    """A COG placed where the tiled source keeps the tile over :data:`BOUNDS`."""
    src = SOURCES[name.split(":")[0]]
    from landprofile.sources.catalogue import raster_paths

    spec = name.partition(":")[2]
    (rel,) = raster_paths(src, spec, BOUNDS)
    local = tmp / "served" / src.mirror_dir / rel
    if src.key == "worldcover":  # a 3-degree tile at 0.01 degree
        data = classes(7, (300, 300), (10, 20, 30, 40, 50, 80))
        cog(local, data, Affine(0.01, 0, -3.0, 0, -0.01, 6.0), nodata=0)
    else:  # copdem30, a 1-degree tile at 0.002 degree
        rng = np.random.default_rng(3)
        data = rng.uniform(20, 400, (500, 500)).astype("float32")
        cog(local, data, Affine(0.002, 0, -2.0, 0, -0.002, 6.0), nodata=None)
    return f"/{src.mirror_dir}/{rel}", local


def _worldpop(tmp: Path) -> tuple[str, Path]:
    from landprofile.testing import write_geotiff

    rel = "GIS/Population/Global_2000_2020/2020/GHA/gha_ppp_2020.tif"
    local = tmp / "served" / "worldpop" / rel
    local.parent.mkdir(parents=True)
    data = np.random.default_rng(2).uniform(0, 50, (300, 300)).astype("float32")
    write_geotiff(local, data, Affine(0.001, 0, -1.7, 0, -0.001, 5.6), "EPSG:4326", nodata=-99999)
    return f"/worldpop/{rel}", local


def _zip_of(tmp: Path, layers: dict[str, gpd.GeoDataFrame], out: Path) -> Path:
    shp = tmp / f"shp-{out.stem}"
    shp.mkdir()
    for layer, gdf in layers.items():
        gdf.to_file(shp / f"{layer}.shp")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(shp.iterdir()):
            zf.write(f, f.name)
    return out


def _polys(n: int, field: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {field: [f"u{i}" for i in range(n)], "N": list(range(n))},
        geometry=[box(-2 + i * 0.01, 5, -1.995 + i * 0.01, 5.005) for i in range(n)],
        crs=4326,
    )


def _geojson(n: int, field: str) -> bytes:
    return _polys(n, field).to_json().encode()


def _vector(tmp: Path, name: str) -> tuple[str, Path, str | None]:
    """(host path, served file, layer) of a vector source."""
    key = name.split(":")[0]
    served = tmp / "served" / SOURCES[key].mirror_dir
    if key == "naturalearth":
        out = served / "10m/cultural/ne_10m_admin_0_countries.zip"
        _zip_of(tmp, {"ne_10m_admin_0_countries": _polys(30, "NAME")}, out)
        layer = None
    elif key == "hydrobasins":
        out = served / "hybas_af_lev01-12_v1c.zip"
        lev = {f"hybas_af_lev{lv}_v1c": _polys(n, "HYBAS") for lv, n in (("05", 3), ("10", 7))}
        _zip_of(tmp, lev, out)
        layer = "hybas_af_lev10_v1c"
    elif key == "earthgenome":
        out = served / name.partition(":")[2]
        out.parent.mkdir(parents=True)
        out.write_bytes(_geojson(12, "score"))
        layer = None
    else:  # geoboundaries through a mirror laid out like the repository
        from landprofile.sources.geoboundaries import mirror_path

        out = served / mirror_path("GHA/ADM2")
        out.parent.mkdir(parents=True)
        out.write_bytes(_geojson(9, "shapeName"))
        layer = None
    return f"/{SOURCES[key].mirror_dir}/{out.relative_to(served).as_posix()}", out, layer


def _independent(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    where = f"/vsizip/{path}" if path.suffix == ".zip" else str(path)
    return pyogrio.read_dataframe(where, layer=layer)


# ---------------------------------------------------------------- the matrix

EG = "earthgenome:44px_v2.9/mining_amazon_all_unified_thresh_0.8_test.geojson"
RASTERS = ["worldcover:2020", "worldcover:2021", "copdem30"]
VECTORS = ["naturalearth:admin0", "hydrobasins:af/lev10", "geoboundaries:GHA/ADM2", EG]


def _params(names: list[str]) -> list[Any]:
    return [pytest.param(n, b, id=f"{n}-{b}") for n in names for b in BEHAVIOURS]


def test_every_named_source_is_in_the_matrix():
    covered = {n.split(":")[0] for n in RASTERS + VECTORS + list(OFFICIAL)}
    covered |= {"worldpop", "stac"}
    assert covered == set(SOURCES), set(SOURCES) ^ covered


@pytest.mark.filterwarnings("error::landprofile.errors.CoverageWarning")
@pytest.mark.parametrize(("name", "behaviour"), _params(RASTERS))
def test_a_tiled_cog_is_read_by_window_from_its_host(tmp_path, monkeypatch, name, behaviour):
    route, local = _tile(tmp_path, name)
    srv, base, h = _serve({route: local.read_bytes()}, behaviour)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        if behaviour.endswith("noranges"):
            # S3 always serves ranges: a host that does not cannot give a window of a
            # tile; it is refused by name before anything is kept, not half-read
            with pytest.raises(DataSourceError, match="does not serve byte ranges"):
                lp.sources.raster(name, BOUNDS)
            assert not list((tmp_path / "cache").rglob("*.tif"))
            return
        got = lp.sources.raster(name, BOUNDS)
    finally:
        srv.shutdown()
        srv.server_close()
    with rasterio.open(got) as w:
        window = w.read(1)
        covered = box(*w.bounds)
    assert window.size > 0
    assert covered.contains(box(*BOUNDS))  # the window covers the area asked
    assert h.gets  # read from the host, not elsewhere
    # a window, not the tile: every GET of the tile asked for a byte range
    assert all(r for p, r in h.gets if p == route), h.gets
    _recovered(h, route, behaviour)
    np.testing.assert_array_equal(window, read_cells(local, got))


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_worldpop_whole_file_from_its_host(tmp_path, monkeypatch, behaviour):
    route, local = _worldpop(tmp_path)
    body = local.read_bytes()
    srv, base, h = _serve({route: body}, behaviour)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        got = lp.sources.raster("worldpop:GHA/2020", BOUNDS)
    finally:
        srv.shutdown()
        srv.server_close()
    cached = tmp_path / "cache" / route.lstrip("/")
    assert _sha(cached.read_bytes()) == _sha(body)
    _recovered(h, route, behaviour)
    with rasterio.open(got) as w:
        np.testing.assert_array_equal(w.read(1), read_cells(local, got))


@pytest.mark.parametrize(("name", "behaviour"), _params(VECTORS))
def test_a_vector_file_from_its_host(tmp_path, monkeypatch, name, behaviour):
    route, local, layer = _vector(tmp_path, name)
    body = local.read_bytes()
    srv, base, h = _serve({route: body}, behaviour)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        got = lp.read_vector(name)
        path = lp.sources.vector(name)  # the cached copy, not fetched again
    finally:
        srv.shutdown()
        srv.server_close()
    assert _sha(path.read_bytes()) == _sha(body)
    _recovered(h, route, behaviour)
    want = _independent(local, layer)
    assert len(got) == len(want) > 0
    assert (
        got.drop(columns="geometry")
        .reset_index(drop=True)
        .astype(str)
        .equals(want.drop(columns="geometry").reset_index(drop=True).astype(str))
    )
    assert (
        got.geometry.reset_index(drop=True)
        .geom_equals_exact(want.geometry.reset_index(drop=True), 1e-9)
        .all()
    )


def _gb_api(behaviour: str, cut_record: bool):
    """A host of the geoBoundaries API record and the commit-pinned file it names."""
    body = _geojson(9, "shapeName")
    raw = f"/wmgeolab/geoBoundaries/raw/{COMMIT}/releaseData/gbOpen/GHA/ADM2"
    route = f"{raw}/geoBoundaries-GHA-ADM2_simplified.geojson"
    files: dict[str, bytes] = {route: body}
    srv, base, h = _serve(files, behaviour)
    rec = {
        "boundaryISO": "GHA",
        "boundaryType": "ADM2",
        "boundaryLicense": "Open Data Commons Open Database License 1.0",
        "boundarySource": "OpenStreetMap",
        "gjDownloadURL": f"{base}{raw}/geoBoundaries-GHA-ADM2.geojson",
        "simplifiedGeometryGeoJSON": f"{base}{route}",
    }
    files["/api/current/gbOpen/GHA/ADM2/"] = json.dumps(rec).encode()
    if not cut_record:
        h.cut_done.add("/api/current/gbOpen/GHA/ADM2/")  # only the boundary file is cut
    return srv, base, h, route, body


def _read_gb(tmp_path: Path, monkeypatch, srv: Any, base: str) -> tuple[Any, Path]:
    monkeypatch.setitem(SOURCES["geoboundaries"].extra, "api", f"{base}/api/current/gbOpen")
    try:
        got = lp.read_vector("geoboundaries:GHA/ADM2")
    finally:
        srv.shutdown()
        srv.server_close()
    (cached,) = (tmp_path / "cache").rglob("*_simplified.geojson")
    return got, cached


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_geoboundaries_through_its_api_record(tmp_path, monkeypatch, behaviour):
    """The official way: the API's record, then the commit-pinned file it names."""
    srv, base, h, route, body = _gb_api(behaviour, cut_record=False)
    got, cached = _read_gb(tmp_path, monkeypatch, srv, base)
    assert _sha(cached.read_bytes()) == _sha(body)
    _recovered(h, route, behaviour)
    names = [f["properties"]["shapeName"] for f in json.loads(body)["features"]]
    assert sorted(got["shapeName"]) == sorted(names)


def test_geoboundaries_api_record_cut_short_is_fetched_again(tmp_path, monkeypatch):
    srv, base, _, _, body = _gb_api("cut", cut_record=True)
    got, cached = _read_gb(tmp_path, monkeypatch, srv, base)
    assert _sha(cached.read_bytes()) == _sha(body)
    assert len(got) == 9


# ------------------------------------------- the official hosts' own layouts (issue 37)

AMW = (
    "earthgenome-amw:cumulative_detections/Amazon_ACA_48px_v4.10b-18d-20g-21a-22bc-ensemble"
    "_t0.55_d5_3km_t-iso0.8_cumulative2018-2025.geojson"
)
R2025A = "worldpop-r2025a:GHA/2025"
#: name -> (the host's root path, the file's path under it), as each host lays it out:
#: Source Cooperative's data proxy (the mining-detector README and MANIFEST.yaml's
#: https_root), data.worldpop.org's R2025A tree, Natural Earth's S3 bucket (10m_cultural)
OFFICIAL = {
    AMW: (
        "/earthgenome/amazon-mining-watch",
        "cumulative_detections/Amazon_ACA_48px_v4.10b-18d-20g-21a-22bc-ensemble_t0.55_d5_3km"
        "_t-iso0.8_cumulative2018-2025.geojson",
    ),
    R2025A: (
        "",
        "GIS/Population/Global_2015_2030/R2025A/2025/GHA/v1/100m/constrained/"
        "gha_pop_2025_CN_100m_R2025A_v1.tif",
    ),
    "naturalearth:admin0": ("", "10m_cultural/ne_10m_admin_0_countries.zip"),
}


def _official(monkeypatch, name: str, base: str) -> None:
    """The source's host pointed at the local server, its root path kept."""
    import dataclasses

    key = name.split(":")[0]
    root = OFFICIAL[name][0]
    monkeypatch.setitem(SOURCES, key, dataclasses.replace(SOURCES[key], host=f"{base}{root}"))


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_earthgenome_current_outputs_from_source_cooperative(tmp_path, monkeypatch, behaviour):
    root, rel = OFFICIAL[AMW]
    body = _geojson(11, "confidence")
    route = f"{root}/{rel}"
    srv, base, h = _serve({route: body}, behaviour)
    _official(monkeypatch, AMW, base)
    try:
        got = lp.read_vector(AMW)
        path = lp.sources.vector(AMW)
    finally:
        srv.shutdown()
        srv.server_close()
    assert _sha(path.read_bytes()) == _sha(body)
    assert path.relative_to(tmp_path / "cache").as_posix() == f"earthgenome-amw/{rel}"
    _recovered(h, route, behaviour)
    assert sorted(got["confidence"]) == sorted(f"u{i}" for i in range(11))


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_worldpop_r2025a_from_its_host_path(tmp_path, monkeypatch, behaviour):
    from landprofile.testing import write_geotiff

    _, rel = OFFICIAL[R2025A]
    local = tmp_path / "served" / rel
    local.parent.mkdir(parents=True)
    data = np.random.default_rng(5).uniform(0, 80, (300, 300)).astype("float32")
    write_geotiff(local, data, Affine(0.001, 0, -1.7, 0, -0.001, 5.6), "EPSG:4326", nodata=-99999)
    body = local.read_bytes()
    route = f"/{rel}"
    srv, base, h = _serve({route: body}, behaviour)
    _official(monkeypatch, R2025A, base)
    try:
        got = lp.sources.raster(R2025A, BOUNDS)
    finally:
        srv.shutdown()
        srv.server_close()
    cached = tmp_path / "cache" / "worldpop" / rel
    assert _sha(cached.read_bytes()) == _sha(body)
    _recovered(h, route, behaviour)
    with rasterio.open(got) as w:
        np.testing.assert_array_equal(w.read(1), read_cells(local, got))
        assert w.tags()["landprofile_source"] == R2025A


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_natural_earth_from_its_s3_bucket_layout(tmp_path, monkeypatch, behaviour):
    """Natural Earth's bucket writes 10m_cultural/ where mirrors keep 10m/cultural/."""
    _, rel = OFFICIAL["naturalearth:admin0"]
    out = _zip_of(tmp_path, {"ne_10m_admin_0_countries": _polys(30, "NAME")}, tmp_path / "ne.zip")
    body = out.read_bytes()
    srv, base, h = _serve({f"/{rel}": body}, behaviour)
    _official(monkeypatch, "naturalearth:admin0", base)
    try:
        got = lp.read_vector("naturalearth:admin0")
        path = lp.sources.vector("naturalearth:admin0")
    finally:
        srv.shutdown()
        srv.server_close()
    assert _sha(path.read_bytes()) == _sha(body)
    # the cache (and a mirror) keep the website's layout
    assert path.relative_to(tmp_path / "cache").as_posix() == (
        "naturalearth/10m/cultural/ne_10m_admin_0_countries.zip"
    )
    _recovered(h, f"/{rel}", behaviour)
    assert len(got) == 30


def test_the_default_hosts_are_the_providers_current_ones():
    assert SOURCES["naturalearth"].host == "https://naturalearth.s3.amazonaws.com"
    assert SOURCES["earthgenome-amw"].host == (
        "https://data.source.coop/earthgenome/amazon-mining-watch"
    )
    assert SOURCES["worldpop-r2025a"].host == "https://data.worldpop.org"
