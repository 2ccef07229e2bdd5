"""The card's monitoring section (issue 39 item 3) on a square whose answers are known.

The footprint's parts are checked against an independent overlay (shapely in UTM, then
pyproj.Geod on the lon/lat pieces), the SVG chart's numbers against the table beside it
and against the timeline, the shares chart against the land cover's halves, the alerts
table against lp.alerts, and the alerts layer appended to a styled GeoPackage.
"""

from __future__ import annotations

import sqlite3
import warnings

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from bs4 import BeautifulSoup
from shapely.geometry import LineString, box

import landprofile as lp
from landprofile.monitoring.footprint_parts import PARTS, footprint_parts
from landprofile.monitoring.report import monitoring_report
from landprofile.testing import SQUARE_CRS, halves_land_cover, square_landscape

X0, Y0 = 600_000.0, 600_000.0
GEOD = pyproj.Geod(ellps="WGS84")
TO_LONLAT = pyproj.Transformer.from_crs(SQUARE_CRS, 4326, always_xy=True)


def _gdf(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=SQUARE_CRS)


@pytest.fixture(scope="module")
def scene():
    """Three dates of pits over a 1 km square, a reserve, a concession over part of the
    reserve, a river line: every part of the stack is non-empty."""
    pits = _gdf(
        [
            box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300),  # 2017: in the reserve
            box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300),  # 2020: same pit ...
            box(X0 + 350, Y0 + 100, X0 + 650, Y0 + 250),  # ... and a new one
            box(X0 + 600, Y0 + 600, X0 + 900, Y0 + 950),  # 2024: new, over the river
            box(X0 + 120, Y0 + 500, X0 + 260, Y0 + 640),  # 2024: new, nowhere special
        ],
        year=[2017, 2020, 2020, 2024, 2024],
    )
    reserve = _gdf([box(X0, Y0, X0 + 400, Y0 + 400)], name=["Réserve « Test »"])
    concession = _gdf(
        [box(X0 + 300, Y0, X0 + 700, Y0 + 300)], holder=["Holder & Co"], licence=["PL-1"]
    )
    river = _gdf([LineString([(X0 + 750, Y0 + 1000), (X0 + 750, Y0 + 500)])], name=["R"])
    return {"pits": pits, "protected": reserve, "concessions": concession, "rivers": river}


def _geod_ha(geom) -> float:
    """True area of a UTM geometry: densified, to lon/lat, pyproj.Geod (no landprofile)."""
    if geom.is_empty:
        return 0.0
    dense = shapely.segmentize(geom, 10.0)
    ll = shapely.transform(dense, lambda xy: np.column_stack(TO_LONLAT.transform(*xy.T)))
    return abs(GEOD.geometry_area_perimeter(ll)[0]) / 1e4


def _oracle(scene, buffer_m=100.0):
    land = box(X0, Y0, X0 + 1000, Y0 + 1000)
    prot = scene["protected"].union_all()
    conc = scene["concessions"].union_all()
    # a true 100 m is 100 m times UTM's point scale factor there, in UTM metres
    lon, lat = TO_LONLAT.transform(X0 + 750, Y0 + 750)
    k = pyproj.Proj(SQUARE_CRS).get_factors(lon, lat).meridional_scale
    riv = scene["rivers"].union_all().buffer(buffer_m * k, quad_segs=32)
    rows = []
    for year in (2017, 2020, 2024):
        fp = scene["pits"][scene["pits"]["year"] == year].union_all().intersection(land)
        p = fp.intersection(prot)
        rest = fp.difference(prot)
        c = rest.intersection(conc)
        rest = rest.difference(conc)
        r = rest.intersection(riv)
        rest = rest.difference(riv)
        rows.append([_geod_ha(g) for g in (p, c, r, rest, fp)])
    return np.array(rows)


def test_parts_against_an_independent_overlay(scene):
    ls = square_landscape()
    kw = {k: scene[k] for k in ("protected", "concessions", "rivers")}
    parts = footprint_parts(ls, scene["pits"], **kw)
    timeline = lp.footprint_timeline(ls, scene["pits"], **kw)
    want = _oracle(scene)
    got = parts[[*PARTS, "area_ha"]].to_numpy()
    assert np.all(want[:, :4].sum(axis=0) > 0), "every part of the stack is exercised"
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    # the parts stack up to the timeline's footprint; the protected part is its own
    np.testing.assert_allclose(got[:, :4].sum(axis=1), timeline["area_ha"], rtol=1e-9)
    np.testing.assert_allclose(parts["protected_ha"], timeline["in_protected_ha"], rtol=1e-9)


def test_parts_without_layers_are_all_elsewhere(scene):
    parts = footprint_parts(square_landscape(), scene["pits"])
    assert (parts[["protected_ha", "concessions_ha", "river_ha"]] == 0).all().all()
    np.testing.assert_allclose(parts["elsewhere_ha"], parts["area_ha"], rtol=1e-12)


def _fr(text: str) -> float:
    """A French number of the card ("1 130,5 ha") as a float."""
    return float(
        text.replace("\u00a0ha", "").replace("\u202f", "").replace("\u00a0", "").replace(",", ".")
    )


@pytest.fixture(scope="module")
def report_card(scene, tmp_path_factory):
    folder = tmp_path_factory.mktemp("moncard")
    tif = halves_land_cover(folder / "lc.tif")
    ls = square_landscape()
    kw = {k: scene[k] for k in ("protected", "concessions", "rivers")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = monitoring_report(
            ls,
            scene["pits"],
            **kw,
            land_cover={"2021": tif},
            legend="esa_worldcover_v200",
            lang="fr",
        )
        prof = lp.profile(ls, land_cover=tif, legend="esa_worldcover_v200")
        crd = lp.card(prof, lang="fr", layers=kw, footprints=scene["pits"], monitoring=rep)
    return rep, crd, folder


def test_chart_numbers_equal_the_table_and_the_timeline(report_card):
    rep, crd, _ = report_card
    soup = BeautifulSoup(crd.html, "html.parser")
    sec = soup.select_one("section#monitoring")
    assert sec is not None
    assert sec.h2.get_text() == "Suivi dans le temps"
    svg = sec.select_one("svg.footprint-chart")
    assert svg is not None
    assert not svg.select("script, foreignObject, image")
    rows = sec.select("table.t-monitoring-footprint tr")[1:]
    groups = svg.select("g.row")
    tl = rep.timeline
    assert [g["data-date"] for g in groups] == [d.date().isoformat() for d in tl["date"]]
    assert len(rows) == len(groups) == 3
    scales = []
    for g, tr, t in zip(groups, rows, tl.itertuples(), strict=True):
        chart = {r["data-part"]: float(r["data-ha"]) for r in g.select("rect")}
        table = {td["data-part"]: _fr(td.get_text()) for td in tr.select("td[data-part]")}
        assert set(chart) == set(PARTS)
        for part in PARTS:
            assert chart[part] == pytest.approx(table[part], abs=0.05), part
        total = float(g.select_one("text.total")["data-ha"])
        # the chart's total, the table's area and the timeline's area are one number
        assert total == pytest.approx(t.area_ha, abs=0.05)
        assert table["area_ha"] == pytest.approx(t.area_ha, abs=0.05)
        assert sum(chart.values()) == pytest.approx(t.area_ha, abs=0.2)
        assert chart["protected_ha"] == pytest.approx(t.in_protected_ha, abs=0.05)
        # the bars' widths are the areas on one scale, the same for every date
        widths = {r["data-part"]: float(r["width"]) for r in g.select("rect")}
        scales.append(sum(widths.values()) / t.area_ha)
        for part in PARTS:
            if chart[part] > 0.5:
                assert widths[part] / chart[part] == pytest.approx(scales[-1], rel=0.02)
    assert max(scales) == pytest.approx(min(scales), rel=1e-3)


def test_shares_chart_is_the_land_covers_halves(report_card):
    _, crd, _ = report_card
    soup = BeautifulSoup(crd.html, "html.parser")
    rects = soup.select("svg.shares-chart rect")
    shares = sorted(float(r["data-share"]) for r in rects)
    assert shares == pytest.approx([0.5, 0.5], abs=1e-6)  # the square's two halves
    cells = [td.get_text() for td in soup.select("table.t-monitoring-shares td.num")]
    assert cells == ["50,0\u202f%", "50,0\u202f%"]


def test_alerts_table_and_map_layer(report_card, scene):
    rep, crd, _ = report_card
    ls = square_landscape()
    kw = {k: scene[k] for k in ("protected", "concessions", "rivers")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lp.alerts(ls, scene["pits"], **kw)
    assert list(rep.alerts["alert_id"]) == list(want["alert_id"])
    soup = BeautifulSoup(crd.html, "html.parser")
    rows = soup.select("table.t-alerts tr[data-alert-id]")
    assert [r["data-alert-id"] for r in rows] == list(want["alert_id"])
    for r, a in zip(rows, want.itertuples(), strict=True):
        assert float(r.select_one("td[data-ha]")["data-ha"]) == pytest.approx(a.area_ha, abs=0.005)
    # names escaped, never markup: "Holder & Co", "Réserve « Test »"
    raw = crd.html[crd.html.index('<section id="monitoring">') :]
    raw = raw[: raw.index("</section>")]
    assert "Holder &amp; Co" in raw
    assert "Holder & Co" not in raw
    assert "<script" not in raw
    # the alerts per date sum to the timeline's new area (pieces below min_area aside)
    by_date = soup.select("table.t-alerts-by-date tr")[1:]
    tl = rep.timeline.set_index(rep.timeline["date"].dt.strftime("%Y-%m-%d"))
    for tr in by_date:
        date, _n, area, _p = (td.get_text() for td in tr.select("td"))
        assert _fr(area) == pytest.approx(tl.loc[date, "new_ha"], abs=0.05)
    # and the map holds the alerts layer (the card's renderer data)
    assert "Alertes\u202f: nouvelle exploitation" in crd.html or "Alertes : nouvelle" in crd.html


def test_alerts_layer_appended_to_a_styled_geopackage(report_card, tmp_path):
    from landprofile._vector_out import write_vector
    from landprofile.monitoring.alerts import alerts_layer
    from landprofile.qgis.gpkg import append_layer

    rep, _, _ = report_card
    path = tmp_path / "zones.gpkg"
    # a styled GeoPackage as the zoning leaves it: layer_styles already there
    write_vector(square_landscape().to_gdf(crs=4326), path, layer="boundary", lang="fr")
    append_layer(path, "alerts", alerts_layer(rep.alerts), "fr", "Alertes")
    import pyogrio

    back = pyogrio.read_dataframe(path, layer="alerts")
    assert list(back["alert_id"]) == list(rep.alerts["alert_id"])
    np.testing.assert_allclose(back["area_ha"], rep.alerts["area_ha"], rtol=1e-12)
    con = sqlite3.connect(path)
    try:
        styles = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    finally:
        con.close()
    assert set(styles) == {"boundary", "alerts"}
    assert "255,255,51" in styles["alerts"]  # the card's alerts fill (#ffff33)


def test_no_report_no_section(report_card):
    _, _, folder = report_card
    prof = lp.profile(square_landscape(), land_cover=folder / "lc.tif")
    html = lp.card(prof, lang="en").html
    assert 'id="monitoring"' not in html


def test_land_cover_by_two_dates_is_the_series(scene, tmp_path):
    """Two dates go through lp.land_cover_series: one bar per date, the table's shares."""
    a = halves_land_cover(tmp_path / "a.tif", 10, 40)  # half tree cover, half cropland
    b = halves_land_cover(tmp_path / "b.tif", 10, 10)  # all tree cover
    ls = square_landscape()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = monitoring_report(
            ls,
            scene["pits"],
            land_cover={"2020": a, "2021": b},
            legend="esa_worldcover_v200",
            lang="fr",
            alerts=False,
        )
        html = lp.card(lp.profile(ls), lang="fr", monitoring=rep).html
    assert rep.series is not None
    soup = BeautifulSoup(html, "html.parser")
    rows = soup.select("svg.shares-chart g.row")
    assert [g["data-date"] for g in rows] == ["2020", "2021"]
    got = [sorted(float(r["data-share"]) for r in g.select("rect")) for g in rows]
    assert got[0] == pytest.approx([0.5, 0.5], abs=1e-6)
    assert got[1] == pytest.approx([1.0], abs=1e-6)
    table = {
        tr.select("td")[0].get_text(): [td.get_text() for td in tr.select("td.num")]
        for tr in soup.select("table.t-monitoring-shares tr")[1:]
    }
    assert table["Couvert arboré"] == ["50,0\u202f%", "100,0\u202f%"]
    assert table["Terres cultivées"] == ["50,0\u202f%", "–"]
    assert soup.select("table.t-alerts") == []  # alerts=False: no alerts table


def test_the_printed_map_draws_the_alerts(report_card):
    """The PDF's static map has the alerts in their yellow; without them it has none."""
    import base64
    import io

    from PIL import Image

    from landprofile.profilecard.print_map import map_png

    rep, _, _ = report_card
    ls = square_landscape()

    def yellow(uri: str) -> int:
        img = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
        rgb = img[..., :3].astype(int)
        return int(((rgb[..., 0] > 235) & (rgb[..., 1] > 235) & (rgb[..., 2] < 140)).sum())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = {"layers": {}, "zoning": None, "lc_image": None, "dpi": 60}
        without = yellow(map_png(ls, **kw))
        with_alerts = yellow(map_png(ls, **kw, alerts=rep.alerts))
    assert without == 0
    assert with_alerts > 100
