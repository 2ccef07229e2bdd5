"""Maps as folium objects: each ``.explore()`` returns a folium.Map whose layers hold the
expected features (counted here from the folium objects, against the inputs)."""

from __future__ import annotations

import shutil
import warnings

import folium
import geopandas as gpd
import pytest
from folium.plugins import FastMarkerCluster
from shapely.geometry import Point, Polygon, box

import landprofile as lp
from landprofile.errors import ScaleWarning
from landprofile.maps.offline import OfflineAssetError, csp_script_hashes, make_offline


@pytest.fixture(scope="module")
def ankobra(sample_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = lp.from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson",
            names=["Aboso", "Prestea"],
            name="Ankobra",
        )
        prof = lp.profile(
            ls,
            land_cover=sample_dir / "modis_igbp_2019_sw_ghana.tif",
            legend="modis_igbp",
        )
        res = lp.zoning.candidates(
            ls,
            sites=sample_dir / "synthetic_asm_sites_sw_ghana.geojson",
            concessions=sample_dir / "synthetic_concessions_sw_ghana.geojson",
            rivers=sample_dir / "synthetic_rivers_sw_ghana.geojson",
            resolution_m=120,
        )
    return ls, prof, res


def groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {
        child.layer_name: child
        for child in m._children.values()
        if isinstance(child, folium.FeatureGroup)
    }


def n_features(group: folium.FeatureGroup) -> int:
    n = 0
    for child in group._children.values():
        if isinstance(child, folium.GeoJson):
            n += len(child.data["features"])
        elif isinstance(child, FastMarkerCluster):
            n += len(child.data)
        elif isinstance(child, folium.FeatureGroup):
            n += n_features(child)
    return n


def test_landscape_explore_is_a_folium_map(ankobra):
    ls, _, _ = ankobra
    m = ls.explore()
    assert isinstance(m, folium.Map)
    g = groups(m)
    assert n_features(g["Landscape boundary"]) == 1
    assert "Context (borders, towns, rivers)" in g
    # Ghana's border and towns are around the landscape, from the shipped context data
    assert n_features(g["Context (borders, towns, rivers)"]) > 5
    # geopandas conventions: tiles passed through, m= adds to a given map
    assert any(isinstance(c, folium.TileLayer) for c in m._children.values())
    m2 = folium.Map(tiles=None)
    assert ls.explore(m=m2, context=False) is m2
    assert "Landscape boundary" in groups(m2)


def test_profile_and_zoning_explore_hold_their_layers(ankobra, sample_dir):
    _ls, prof, res = ankobra
    sites = gpd.read_file(sample_dir / "synthetic_asm_sites_sw_ghana.geojson")
    m = prof.explore(
        layers={"sites": sites},
        land_cover=sample_dir / "modis_igbp_2019_sw_ghana.tif",
        legend="modis_igbp",
        lang="fr",
    )
    g = groups(m)
    assert n_features(g["Sites EMAPE existants"]) == len(sites)
    assert "Occupation du sol" in g  # the land cover overlay
    z = res.explore(lang="es")
    gz = groups(z)
    assert n_features(gz["Zonas MAPE candidatas"]) == len(res.zones)
    assert n_features(gz["Áreas excluidas"]) == int((~res.exclusions.is_empty).sum())
    # zone popups: translated field names and the Spanish explanation, escaped
    gj = next(c for c in gz["Zonas MAPE candidatas"]._children.values())
    popup = gj.data["features"][0]["properties"]["_popup"]
    assert "Por qué:" in popup
    assert "Puntaje" in popup  # one term per concept (i18n glossary)
    # zones are filled by score class: five equal steps of [min_score, 1], light to dark
    lo = res.summary["min_score"]
    for feat, score in zip(gj.data["features"], res.zones["score"], strict=True):
        k = min(4, int((score - lo) / ((1 - lo) / 5)))
        want = ["#fbb4b9", "#f768a1", "#dd3497", "#ae017e", "#7a0177"][k]
        assert feat["properties"]["_s"]["fillColor"] == want


def test_popups_and_names_are_escaped():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        ls = lp.Landscape(
            name="<b>x</b>",
            geometry=box(-2.0, 5.0, -1.9, 5.1),
            crs=4326,
            provenance=lp.Provenance(method="custom", source="t"),
        )
    sites = gpd.GeoDataFrame(
        {"name": ['<img src=x onerror="alert(1)">']}, geometry=[Point(-1.95, 5.05)], crs=4326
    )
    m = lp.Profile(landscape=ls).explore(layers={"sites": sites}, context=False)
    html = m.get_root().render()
    assert "<img src=x" not in html
    assert "\\u0026lt;img src=x" in html  # escaped text inside JSON inside the script


def test_offline_map_inlines_assets_and_refuses_unknown_ones(ankobra):
    ls, _, _ = ankobra
    m = ls.explore(tiles=None)
    html = make_offline(m).render()
    assert '<script src="http' not in html
    assert '<link rel="stylesheet" href="http' not in html
    assert "Leaflet 1.9.3" in html  # leaflet itself is inline
    assert csp_script_hashes(html)
    m2 = folium.Map(tiles=None)
    folium.Marker([5, -2], icon=folium.Icon()).add_to(m2)  # awesome-markers: not vendored
    m2.add_child(folium.plugins.Fullscreen())
    with pytest.raises(OfflineAssetError, match="not vendor"):
        make_offline(m2)


def test_rich_display_summaries(ankobra):
    ls, prof, res = ankobra
    assert "Ankobra" in ls._repr_html_()
    assert "ha" in ls._repr_html_()
    ph = prof._repr_html_()
    assert "Profile" in ph
    assert "%" in ph
    zh = res._repr_html_()
    assert f"{res.summary['n_zones']} candidate zones" in zh
    assert res.zones.zone_id.iloc[0] in zh


def test_offline_notebook_maps_need_no_network(ankobra, tmp_path):
    import re

    ls, _prof, res = ankobra
    online = res.explore()
    html = online.get_root().render()
    assert "openstreetmap" in html.lower()  # the default: a tile layer from the web
    m = res.explore(offline=True)
    html = m.get_root().render()
    # no tile layer, no dead basemap entry, nothing fetched: Leaflet is inlined
    assert "openstreetmap" not in html.lower()
    assert "tile.openstreetmap" not in html
    assert re.search(r"<script[^>]+src=", html) is None
    assert re.search(r"<link[^>]+href=\"http", html) is None
    assert "L.map" in html or "L.Map" in html
    # the package-wide default does the same for every .explore()
    lp.options.offline_maps = True
    try:
        html2 = ls.explore().get_root().render()
    finally:
        lp.options.offline_maps = False
    assert re.search(r"<script[^>]+src=", html2) is None
    assert "openstreetmap" not in html2.lower()
    # and the page draws in a browser with the network off
    page = tmp_path / "map.html"
    page.write_text(html, encoding="utf-8")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        pg = b.new_context(offline=True).new_page()
        pg.goto(page.as_uri())
        pg.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        n = pg.locator("path.leaflet-interactive").count()
        b.close()
    assert n > 0


def test_a_layer_with_an_empty_geometry_is_drawn_without_it():
    # an exclusion rule that covers no land has an empty row; the map once failed on
    # its NaN bounds deep inside the antimeridian split
    from landprofile.maps.layers import add_vector

    gdf = gpd.GeoDataFrame(
        {"label": ["covers nothing", "a block"]},
        geometry=[Polygon(), box(600_000, 600_000, 601_000, 601_000)],
        crs=32630,
    )
    m = folium.Map()
    n = add_vector(m, gdf, "exclusions", "Exclusions", tol_m=1.0, fields=["label"])
    html = m.get_root().render()
    assert n == 1  # the empty row has nothing to draw
    assert "a block" in html
    assert "NaN" not in html


def test_layers_added_after_explore_are_written_before_the_control(ankobra):
    # the setZIndex bug (issue 35): folium writes scripts in the order elements were
    # added; the layer control must come after the user's layer, online maps included
    ls, _, _ = ankobra
    m = ls.explore(context=False)
    user = folium.GeoJson({"type": "FeatureCollection", "features": []}, name="mine")
    user.add_to(m)
    html = m.get_root().render()
    defined = html.index(f"var {user.get_name()} = L.geoJson(")
    control = html.index("L.control.layers(")
    ready = html.index("window.lpMapReady = true")
    assert defined < control < ready
    assert html.count("L.control.layers(") == 1
    # a user's own control replaces ours: still one, after every layer
    folium.LayerControl().add_to(m)
    html = m.get_root().render()
    assert html.count("L.control.layers(") == 1
    assert html.index(f"var {user.get_name()} = L.geoJson(") < html.index("L.control.layers(")
