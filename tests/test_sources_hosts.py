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

import geopandas as gpd
import pytest
from shapely.geometry import box

import landprofile as lp
from landprofile.errors import DataSourceError, ScaleWarning
from landprofile.sources import geoboundaries as gb

COMMIT = "9469f09592ced973a3448cf66b6100b741b64c0d"


def _serve(routes: dict[str, tuple[int, str, bytes]]):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, ctype, body = routes.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}"


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
    srv, base = _serve(routes)
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
