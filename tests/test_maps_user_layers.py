"""Our maps take the user's layers, in a real browser with the network blocked (issue 35).

Each map landprofile returns (Landscape, Profile, ZoningResult and ChangeResult
``.explore(offline=True)``) gets a user's layer the ways users add them: geopandas'
``gdf.explore(m=m)`` (plain, a numeric column with branca's d3 colour scale, a categorical
column with geopandas' jQuery UI legend), ``folium.GeoJson(...).add_to(m)``, a
``MarkerCluster``, a ``FeatureGroup`` and a ``folium.LayerControl()`` of their own. The
page is opened in Chromium with every request that is not a local file aborted and
counted; the oracle is the user's own GeoDataFrame: as many SVG paths of the user's colour
as it has features, its name in the (single) layer control, no page error, ``lpMapReady``
true, zero requests.
"""

from __future__ import annotations

import contextlib
import shutil
import warnings

import folium
import geopandas as gpd
import pytest
from folium.plugins import MarkerCluster

import landprofile as lp

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")

USER = "#ff00ff"  # a colour none of our layers use: the user's paths are told by it


@pytest.fixture(scope="module")
def made(sample_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = lp.from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson", names=["Aboso"], name="Aboso"
        )
        lc = sample_dir / "modis_igbp_2019_sw_ghana.tif"
        prof = lp.profile(ls, land_cover=lc, legend="modis_igbp")
        res = lp.zoning.candidates(
            ls, sites=sample_dir / "synthetic_asm_sites_sw_ghana.geojson", resolution_m=120
        )
        ch = lp.change(ls, lc, lc, legend="modis_igbp")
    sites = gpd.read_file(sample_dir / "synthetic_asm_sites_sw_ghana.geojson").head(7)
    conc = gpd.read_file(sample_dir / "synthetic_concessions_sw_ghana.geojson").head(4)
    return {
        "landscape": lambda: ls.explore(offline=True),
        "profile": lambda: prof.explore(offline=True, land_cover=lc, legend="modis_igbp"),
        "zoning": lambda: res.explore(offline=True),
        "change": lambda: ch.explore(offline=True),
        "sites": sites,
        "concessions": conc,
    }


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def open_map(browser, html: str, tmp_path) -> dict:
    """Open ``html`` from a file; what the page did: errors, requests, the DOM's counts."""
    page_file = tmp_path / "map.html"
    page_file.write_text(html, encoding="utf-8")
    ctx = browser.new_context()
    requests: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri())
    # the flag never set: the page's errors, returned, say why
    with contextlib.suppress(Exception):
        page.wait_for_function("window.lpMapReady === true", timeout=20_000)
    page.wait_for_timeout(300)  # chunked cluster loading, tiles of a local layer
    out = page.evaluate(
        """(c) => ({
          ready: window.lpMapReady === true,
          user_paths: document.querySelectorAll(`path[stroke="${c}"]`).length,
          clusters: document.querySelectorAll('.marker-cluster, .leaflet-marker-icon').length,
          controls: document.querySelectorAll('.leaflet-control-layers').length,
          names: Array.from(document.querySelectorAll(
            '.leaflet-control-layers-overlays label span, .leaflet-control-layers-base label span'
          )).map(e => e.textContent.trim()),
          scale: document.querySelectorAll('.leaflet-control-scale').length,
          legend: document.querySelectorAll('.maplegend, .legend').length,
        })""",
        USER,
    )
    ctx.close()
    out["errors"], out["requests"] = errors, requests
    return out


def _explore_plain(m, d):
    d["sites"].explore(m=m, color=USER, name="my sites")
    return "my sites", len(d["sites"])


def _explore_numeric(m, d):
    # a numeric column: branca's colour scale (d3), paths coloured by value
    c = d["concessions"].assign(v=range(len(d["concessions"])))
    c.explore(m=m, column="v", name="my values", style_kwds={"color": USER})
    return "my values", len(c)


def _explore_categorical(m, d):
    # geopandas' categorical legend: jQuery UI from a CDN, replaced offline
    c = d["concessions"].assign(k=["a", "b"] * (len(d["concessions"]) // 2))
    c.explore(m=m, column="k", categorical=True, name="my classes", style_kwds={"color": USER})
    return "my classes", len(c)


def _geojson(m, d):
    folium.GeoJson(
        d["concessions"][["geometry"]].__geo_interface__,
        name="my geojson",
        style_function=lambda f: {"color": USER},
    ).add_to(m)
    return "my geojson", len(d["concessions"])


def _feature_group_and_cluster(m, d):
    fg = folium.FeatureGroup(name="my group")
    cluster = MarkerCluster().add_to(fg)
    for p in d["sites"].geometry.representative_point():
        folium.CircleMarker([p.y, p.x], radius=5, color=USER).add_to(cluster)
    fg.add_to(m)
    return "my group", None  # clustered: counted as cluster icons or markers


def _own_control(m, d):
    d["sites"].explore(m=m, color=USER, name="my sites")
    folium.LayerControl(collapsed=False).add_to(m)
    return "my sites", len(d["sites"])


ADDS = {
    "gdf.explore": _explore_plain,
    "gdf.explore numeric": _explore_numeric,
    "gdf.explore categorical": _explore_categorical,
    "folium.GeoJson": _geojson,
    "FeatureGroup+MarkerCluster": _feature_group_and_cluster,
    "user LayerControl": _own_control,
}


@pytest.mark.parametrize("add", list(ADDS))
@pytest.mark.parametrize("which", ["landscape", "profile", "zoning", "change"])
def test_a_users_layer_draws_on_our_map(made, browser, tmp_path, which, add):
    m = made[which]()
    name, n = ADDS[add](m, made)
    html = m.get_root().render()
    got = open_map(browser, html, tmp_path)
    assert got["errors"] == []
    assert got["ready"], got
    assert got["requests"] == []
    assert got["controls"] == 1  # ours, or the user's in its place: never two
    assert name in got["names"]
    assert got["scale"] == 1
    if n is None:
        assert got["clusters"] >= 1
    else:
        assert got["user_paths"] == n
    if add == "gdf.explore categorical":
        assert got["legend"] >= 1
        assert "jquery-ui.js" not in html  # geopandas' script tag, replaced by ours
        assert ".draggable(" not in html


def test_our_layers_stay_listed_in_the_users_control(made, browser, tmp_path):
    m = made["zoning"]()
    _own_control(m, made)
    got = open_map(browser, m.get_root().render(), tmp_path)
    assert got["controls"] == 1
    # the user's control lists our layers too (the zones, the boundary)
    assert any("zones" in s.lower() for s in got["names"]), got["names"]
    assert "Landscape boundary" in got["names"]


def test_a_map_rendered_twice_takes_the_layers_added_between(made, browser, tmp_path):
    # a notebook shows the map, then a later cell adds a layer and shows it again
    m = made["landscape"]()
    m.get_root().render()
    _explore_plain(m, made)
    got = open_map(browser, m.get_root().render(), tmp_path)
    assert got["errors"] == []
    assert got["ready"]
    assert got["user_paths"] == len(made["sites"])
    assert "my sites" in got["names"]


def test_an_offline_map_refuses_what_it_would_fetch(made):
    from branca.element import Element

    from landprofile.maps.offline import OfflineAssetError

    m = made["landscape"]()
    m.get_root().header.add_child(Element('<script src="https://cdn.example.org/x.js"></script>'))
    with pytest.raises(OfflineAssetError, match=r"cdn\.example\.org/x\.js"):
        m.get_root().render()
    m2 = made["landscape"]()
    m2.add_child(folium.plugins.Fullscreen())  # added after: refused when it renders
    with pytest.raises(OfflineAssetError, match="not vendor"):
        m2.get_root().render()


def test_a_users_tile_layer_and_default_markers(made, browser, tmp_path):
    import base64

    # a local tile folder (one transparent PNG for every tile): a base layer of the user's
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    tile = tmp_path / "tile.png"
    tile.write_bytes(png)
    m = made["zoning"]()
    folium.TileLayer(tiles=tile.as_uri() + "?{z}/{x}/{y}", attr="mine", name="my tiles").add_to(m)
    for p in made["sites"].geometry.representative_point()[:3]:
        folium.Marker([p.y, p.x]).add_to(m)  # Leaflet's default icon: inline, no file
    html = m.get_root().render()
    got = open_map(browser, html, tmp_path)
    assert got["errors"] == []
    assert got["ready"]
    assert got["requests"] == []
    assert "my tiles" in got["names"]
    assert got["clusters"] == 3  # the three markers' icons
    page = tmp_path / "map.html"
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(page.as_uri())
    pg.wait_for_function("window.lpMapReady === true", timeout=20_000)
    srcs = pg.eval_on_selector_all("img.leaflet-marker-icon", "els => els.map(e => e.src)")
    widths = pg.eval_on_selector_all(
        "img.leaflet-marker-icon", "els => els.map(e => e.naturalWidth)"
    )
    ctx.close()
    assert all(s.startswith("data:image/png;base64,") for s in srcs), srcs
    assert widths == [25, 25, 25]  # the image decoded: Leaflet's 25 x 41 marker
