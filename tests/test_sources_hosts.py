"""geoBoundaries and HydroBASINS the way their hosts serve them: the geoBoundaries API's
commit-pinned record, Git LFS pointers refused, the per-region HydroBASINS archive of all
levels read through /vsizip/. Local servers and folders only."""

from __future__ import annotations

import http.server
import json
import threading
import warnings
import zipfile
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pytest
from shapely.geometry import box

import landprofile as lp
from _sources_helpers import serve_routes
from landprofile.errors import DataSourceError, ScaleWarning
from landprofile.sources import geoboundaries as gb

COMMIT = "9469f09592ced973a3448cf66b6100b741b64c0d"


def _record(base: str) -> dict:
    raw = f"{base}/wmgeolab/geoBoundaries/raw/{COMMIT}/releaseData/gbOpen/GHA/ADM2"
    return {
        "boundaryID": "GHA-ADM2-12345",
        "boundaryISO": "GHA",
        "boundaryType": "ADM2",
        "boundaryLicense": "Open Data Commons Open Database License 1.0",
        "boundarySource": "OpenStreetMap, Wambile",
        "gjDownloadURL": f"{raw}/geoBoundaries-GHA-ADM2.geojson",
        "simplifiedGeometryGeoJSON": f"{raw}/geoBoundaries-GHA-ADM2_simplified.geojson",
    }


def test_the_api_record_gives_commit_pinned_urls_and_the_boundary_s_licence():
    routes: dict[str, tuple[int, str, bytes]] = {}
    srv, base = serve_routes(routes)
    try:
        routes["/api/current/gbOpen/GHA/ADM2/"] = (
            200,
            "application/json",
            json.dumps(_record(base)).encode(),
        )
        rec = gb.api_record("GHA/ADM2", base=f"{base}/api/current/gbOpen")
        simple = gb.download_url(rec, "GHA/ADM2")
        full = gb.download_url(rec, "GHA/ADM2/full")
        assert f"/raw/{COMMIT}/" in simple
        assert simple.endswith("_simplified.geojson")
        assert full.endswith("-ADM2.geojson")
        assert "/main/" not in simple
        assert gb.licence(rec).startswith("Open Data Commons")
        # an HTML error page served with status 200 is not a record
        routes["/api/current/gbOpen/GHA/ADM1/"] = (200, "text/html", b"<html>oops</html>")
        with pytest.raises(DataSourceError, match="did not answer JSON"):
            gb.api_record("GHA/ADM1", base=f"{base}/api/current/gbOpen")
        with pytest.raises(DataSourceError, match="no ADM3 for GHA"):
            gb.api_record("GHA/ADM3", base=f"{base}/api/current/gbOpen")
    finally:
        srv.shutdown()


def test_simplified_by_default_full_on_request():
    assert gb.mirror_path("gha/ADM2").endswith("geoBoundaries-GHA-ADM2_simplified.geojson")
    assert gb.mirror_path("GHA/ADM2/full").endswith("geoBoundaries-GHA-ADM2.geojson")
    with pytest.raises(lp.errors.InvalidParameterError, match=r"ISO3/ADMn\[/full\]"):
        gb.mirror_path("GHA/ADM2/simple")


def test_a_git_lfs_pointer_is_refused_by_name(tmp_path):
    p = tmp_path / "geoBoundaries-GHA-ADM2.geojson"
    p.write_bytes(
        b"version https://git-lfs.github.com/spec/v1\n"
        b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        b"size 27534291\n"
    )
    with pytest.raises(DataSourceError, match=r"Git LFS pointer \(133 bytes\).*git lfs pull"):
        gb.check_not_lfs(p, "geoboundaries:GHA/ADM2")
    good = tmp_path / "ok.geojson"
    good.write_text('{"type": "FeatureCollection", "features": []}')
    gb.check_not_lfs(good, "geoboundaries:GHA/ADM2")  # a real file passes


def test_hydrobasins_levels_are_read_from_the_per_region_archive(tmp_path, monkeypatch):
    root = tmp_path / "mirror" / "hydrosheds"
    root.mkdir(parents=True)
    shp = tmp_path / "shp"
    shp.mkdir()
    sizes = {"05": 2, "10": 5}
    for lev, n in sizes.items():
        gdf = gpd.GeoDataFrame(
            {"HYBAS_ID": list(range(1, n + 1)), "NEXT_DOWN": [0] * n},
            geometry=[box(-2 + i * 0.01, 5, -1.99 + i * 0.01, 5.01) for i in range(n)],
            crs=4326,
        )
        gdf.to_file(shp / f"hybas_af_lev{lev}_v1c.shp")
    with zipfile.ZipFile(root / "hybas_af_lev01-12_v1c.zip", "w") as zf:
        for f in sorted(shp.iterdir()):
            zf.write(f, f.name)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        for lev, n in sizes.items():
            got = lp.read_vector(f"hydrobasins:af/lev{lev}")
            assert len(got) == n
            assert sorted(got["HYBAS_ID"]) == list(range(1, n + 1))
    with pytest.raises(DataSourceError, match=r"hybas_sa_lev01-12_v1c\.zip"):
        lp.read_vector("hydrobasins:sa/lev05")
    assert Path(root / "hybas_af_lev01-12_v1c.zip").exists()


class _Host(http.server.BaseHTTPRequestHandler):
    """A host like data.worldpop.org (no byte ranges) or a cut-then-resumable one."""

    files: ClassVar[dict[str, bytes]] = {}
    ranges = False
    cut_first: ClassVar[set[str]] = set()
    served: ClassVar[list[tuple[str, str | None, int]]] = []

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        start = 0
        if rng and self.ranges:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)  # the whole file, whatever was asked
        part = body[start:]
        self.send_header("Content-Length", str(len(part)))
        self.send_header("Content-Type", "image/tiff")
        self.end_headers()
        if self.path in self.cut_first:
            self.cut_first.discard(self.path)
            part = part[: len(part) // 2]  # the connection drops half-way
        self.served.append((self.path, rng, len(part)))
        self.wfile.write(part)

    def log_message(self, *a):
        pass


def _worldpop(tmp_path: Path) -> tuple[Path, str]:
    import numpy as np
    from affine import Affine

    from landprofile.testing import write_geotiff

    rel = "GIS/Population/Global_2000_2020/2020/GHA/gha_ppp_2020.tif"
    local = tmp_path / "gha_ppp_2020.tif"
    rng = np.random.default_rng(2)
    data = rng.uniform(0, 50, (400, 400)).astype("float32")
    write_geotiff(local, data, Affine(0.001, 0, -2.2, 0, -0.001, 5.3), "EPSG:4326", nodata=-99999)
    return local, f"/worldpop/{rel}"


@pytest.mark.parametrize("ranges", [False, True])
def test_worldpop_without_byte_ranges_is_downloaded_once_and_windowed(
    tmp_path, monkeypatch, ranges
):
    local, route = _worldpop(tmp_path)
    _Host.files = {route: local.read_bytes()}
    _Host.ranges = ranges
    _Host.cut_first = {route}  # the first transfer is cut: retried (resumed with ranges)
    _Host.served = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Host)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{srv.server_port}")
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            ls = lp.Landscape(
                name="w",
                geometry=box(-2.13, 5.03, -2.01, 5.17),
                crs=4326,
                provenance=lp.Provenance(method="custom", source="t"),
            )
        got = lp.population(ls, "worldpop:GHA/2020")
        want = lp.population(ls, local)
        assert float(got["population"].iloc[0]) == pytest.approx(
            float(want["population"].iloc[0]), rel=1e-12
        )
        n = len(_Host.served)
        size = len(_Host.files[route])
        if ranges:  # the second request asked for the rest only, from a checked overlap
            from landprofile.sources._http_resume import OVERLAP

            assert _Host.served[1][1] == f"bytes={size // 2 - OVERLAP}-"
            assert _Host.served[1][2] == size - size // 2 + OVERLAP
        else:  # started again from the first byte
            assert _Host.served[1][2] == size
        # once cached, a second landscape reads no byte from the host
        lp.population(ls, "worldpop:GHA/2020")
        assert len(_Host.served) == n
    finally:
        srv.shutdown()


def test_geoboundaries_through_the_api_pinned_with_its_licence(tmp_path, monkeypatch):
    from landprofile.sources.catalogue import SOURCES

    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"shapeName": "Aboso", "shapeISO": "GH-WP"},
                "geometry": box(-2.0, 5.0, -1.9, 5.1).__geo_interface__,
            }
        ],
    }
    routes: dict[str, tuple[int, str, bytes]] = {}
    srv, base = serve_routes(routes)
    try:
        rec = _record(base)
        routes["/api/current/gbOpen/GHA/ADM2/"] = (
            200,
            "application/json",
            json.dumps(rec).encode(),
        )
        simple = rec["simplifiedGeometryGeoJSON"].removeprefix(base)
        routes[simple] = (200, "application/json", json.dumps(feature).encode())
        full = rec["gjDownloadURL"].removeprefix(base)
        routes[full] = (
            200,
            "application/octet-stream",
            b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 9\n",
        )
        monkeypatch.setitem(SOURCES["geoboundaries"].extra, "api", f"{base}/api/current/gbOpen")
        monkeypatch.delenv("LANDPROFILE_DATA_MIRROR", raising=False)
        monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            got = lp.read_vector("geoboundaries:GHA/ADM2")
        assert got["shapeName"].tolist() == ["Aboso"]
        cached = next((tmp_path / "cache").rglob("*_simplified.geojson"))
        meta = json.loads(cached.with_name(cached.name + ".meta.json").read_text())
        assert meta["boundaryLicense"].startswith("Open Data Commons")
        assert f"/raw/{COMMIT}/" in meta["url"]
        # the boundary's own licence (not the collection's CC BY) is what it is cited with
        from landprofile.sources.catalogue import citation_for

        cite = citation_for("geoboundaries:GHA/ADM2")
        assert cite["licence"] == "Open Data Commons Open Database License 1.0"
        assert "OpenStreetMap, Wambile" in cite["citation"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            ls = lp.from_admin("geoboundaries:GHA/ADM2", names=["Aboso"])
            prof = lp.profile(ls)
        assert prof.sources[0]["licence"].startswith("Open Data Commons")
        with pytest.raises(DataSourceError, match="Git LFS pointer"):
            lp.read_vector("geoboundaries:GHA/ADM2/full")
        assert not list((tmp_path / "cache").rglob("geoBoundaries-GHA-ADM2.geojson"))
    finally:
        srv.shutdown()


@pytest.mark.parametrize(
    ("setting", "text"),
    [
        ("{tmp}/unmounted", "does not exist: is its disk unmounted"),
        ("{tmp}/afile", "is a file, not a folder"),
        ("ftp://example.org/mirror", "scheme landprofile does not read"),
    ],
)
def test_a_wrong_mirror_names_the_real_cause(tmp_path, monkeypatch, setting, text):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", setting.format(tmp=tmp_path))
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataSourceError, match=text) as err:
        lp.sources.raster("worldcover:2021", (-2.0, 5.0, -1.9, 5.1))
    assert "ocean" not in str(err.value)


def test_file_urls_are_folders_and_a_set_mirror_is_not_told_to_be_set(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"file://{tmp_path / 'm'}")
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataSourceError) as err:
        lp.sources.vector("naturalearth:admin0")
    msg = str(err.value)
    assert "the mirror has no" in msg


def test_the_pipeline_stages_use_the_config_s_mirror(tmp_path, monkeypatch):
    from landprofile._options import options
    from landprofile.pipeline import build_boundary, load_config

    monkeypatch.delenv("LANDPROFILE_DATA_MIRROR", raising=False)
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "mirror" / "naturalearth" / "10m" / "cultural"
    root.mkdir(parents=True)
    gpd.GeoDataFrame(
        {"NAME": ["Ghana"], "ADM0_A3": ["GHA"]}, geometry=[box(-3, 4.7, 1.2, 11.2)], crs=4326
    ).to_file(tmp_path / "ne.shp")
    with zipfile.ZipFile(root / "ne_10m_admin_0_countries.zip", "w") as zf:
        for f in tmp_path.glob("ne.*"):
            zf.write(f, "ne_10m_admin_0_countries" + f.suffix)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "Ghana"\n[boundary]\nmethod = "admin"\nsource = "naturalearth:admin0"\n'
        'names = ["Ghana"]\n[data]\nmirror = "mirror"\n',
        encoding="utf-8",
    )
    before = options.data_mirror
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        ls = build_boundary(load_config(cfg))
    assert ls.area_ha > 1e7
    assert options.data_mirror == before  # in effect for the stage only


def test_data_fetch_includes_the_card_s_named_layers(tmp_path):
    from landprofile.pipeline import load_config
    from landprofile.sources.mirror import names_in

    (tmp_path / "b.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "a"},
                        "geometry": box(-2.0, 5.0, -1.9, 5.1).__geo_interface__,
                    }
                ],
            }
        )
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        '[rasters]\nland_cover = "worldcover:2021"\n'
        '[card]\nadmin = ["naturalearth:admin0", "geoboundaries:GHA/ADM1"]\n',
        encoding="utf-8",
    )
    assert names_in(load_config(cfg)) == [
        "worldcover:2021",
        "naturalearth:admin0",
        "geoboundaries:GHA/ADM1",
    ]


def test_data_fetch_keeps_the_boundary_s_licence_and_a_run_from_the_mirror_cites_it(
    tmp_path, monkeypatch
):
    """The API record beside a geoBoundaries download travels into the field mirror."""
    from click.testing import CliRunner

    from _sources_helpers import serve_files
    from landprofile.cli import cli
    from landprofile.sources.catalogue import SOURCES

    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"shapeName": "Aboso", "shapeISO": "GH-WP"},
                "geometry": box(-2.0, 5.0, -1.9, 5.1).__geo_interface__,
            }
        ],
    }
    routes: dict[str, tuple[int, str, bytes]] = {}
    srv, base = serve_routes(routes)
    rec = _record(base)
    routes["/api/current/gbOpen/GHA/ADM2/"] = (200, "application/json", json.dumps(rec).encode())
    routes[rec["simplifiedGeometryGeoJSON"].removeprefix(base)] = (
        200,
        "application/json",
        json.dumps(feature).encode(),
    )
    monkeypatch.setitem(SOURCES["geoboundaries"].extra, "api", f"{base}/api/current/gbOpen")
    monkeypatch.delenv("LANDPROFILE_DATA_MIRROR", raising=False)
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "Aboso"\n[boundary]\nmethod = "admin"\nsource = "geoboundaries:GHA/ADM2"\n'
        'names = ["Aboso"]\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    field = tmp_path / "usb"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(field)])
        assert r.exit_code == 0, r.output
    finally:
        srv.shutdown()
        srv.server_close()
    rel = "geoboundaries/releaseData/gbOpen/GHA/ADM2/geoBoundaries-GHA-ADM2_simplified.geojson"
    meta = json.loads((field / (rel + ".meta.json")).read_text())
    assert meta["boundaryLicense"] == "Open Data Commons Open Database License 1.0"
    # offline: the host is gone, the cache is new, the mirror alone
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache2"))
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(field))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        out = lp.pipeline.run(cfg, tmp_path / "out")
    sources = json.loads(out.profile_json.read_text())["sources"]
    cited = [s for s in sources if "geoboundaries" in str(s.get("source", ""))]
    assert cited, sources
    assert cited[0]["licence"] == "Open Data Commons Open Database License 1.0"
    assert "OpenStreetMap, Wambile" in cited[0]["citation"]
    # the same from the mirror served over HTTP: the record is downloaded beside the file
    server, _ = serve_files(field)
    try:
        monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache3"))
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        lp.read_vector("geoboundaries:GHA/ADM2")
        from landprofile.sources.catalogue import citation_for

        assert citation_for("geoboundaries:GHA/ADM2")["licence"].startswith("Open Data Commons")
    finally:
        server.shutdown()
        server.server_close()
