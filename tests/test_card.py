"""The profile card: content, languages, safety, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

import landprofile as lp
from landprofile.errors import InvalidParameterError, ScaleWarning
from landprofile.i18n import fmt_number

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAYLOADS = [
    '<img src=x onerror="window.lpInjected=1">',
    "</script><script>window.lpInjected=2</script>",
    "javascript:window.lpInjected=3",
    '"><svg onload="window.lpInjected=4">',
]


@pytest.fixture(scope="module")
def demo_profile(sample_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = lp.from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson",
            names=["Aboso", "Prestea"],
            name="Ankobra",
        )
        return lp.profile(
            ls,
            land_cover=sample_dir / "modis_igbp_2019_sw_ghana.tif",
            legend="modis_igbp",
            population=sample_dir / "synthetic_population_sw_ghana.tif",
        )


def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("LANDPROFILE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (LANDPROFILE_REQUIRE_BROWSER is set)")
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def open_in_chromium(html_path: Path, screenshot: str | None = None) -> dict:
    with browser() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        # bypass_csp: playwright's polling evaluates strings; the card's CSP would refuse
        # them. The tests then prove escaping alone stops injection (the CSP is a second
        # wall, checked in the HTML).
        ctx = b.new_context(viewport={"width": 1200, "height": 1600}, offline=True, bypass_csp=True)
        page = ctx.new_page()
        errors, requests, dialogs = [], [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(html_path.resolve().as_uri())
        page.wait_for_function("window.lpMapReady === true", timeout=30_000)
        page.wait_for_timeout(500)
        out = {
            "errors": errors,
            "network": [u for u in requests if not u.startswith(("file:", "data:"))],
            "dialogs": dialogs,
            "stats": page.evaluate("window.lpStats"),
            "paths": page.locator("path.leaflet-interactive").count(),
            "clusters": page.locator(".marker-cluster").count(),
            "injected": page.evaluate("window.lpInjected === undefined ? null : window.lpInjected"),
            "text": page.inner_text("body"),
        }
        if screenshot:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        b.close()
    return out


def test_numbers_per_language():
    assert fmt_number(12345.6, "fr", 1) == "12\u202f345,6"
    assert fmt_number(12345.6, "es", 1) == "12\u202f345,6"
    assert fmt_number(12345.6, "en", 1) == "12,345.6"
    assert fmt_number(float("nan"), "en") == "–"


@pytest.mark.parametrize(
    ("lang", "title", "todo"),
    [
        ("fr", "Profil du paysage\u202f: Ankobra", "À compléter"),
        ("en", "Landscape profile: Ankobra", "To be completed"),
        ("es", "Perfil del paisaje: Ankobra", "Por completar"),
    ],
)
def test_card_content_in_each_language(demo_profile, sample_dir, lang, title, todo):
    c = lp.card(
        demo_profile,
        lang=lang,
        narrative=sample_dir / "sample_narrative.yaml",
        scorecard=sample_dir / "sample_scorecard.toml",
    )
    html = c.html
    assert title in html
    # governance is absent from the narrative: shown as to be completed, never dropped
    assert html.count(todo) == 1
    area = fmt_number(demo_profile.landscape.area_ha, lang)
    assert f"{area}\u00a0ha" in html  # a number and its unit never part
    assert "C1" in html and "P5" in html  # noqa: PT018
    assert "data:image/png;base64," in html  # the embedded photo


def test_narrative_and_scorecard_validation(demo_profile, tmp_path):
    with pytest.raises(InvalidParameterError, match=r"unknown field.*'livelyhoods'"):
        lp.card(demo_profile, narrative={"livelyhoods": "x"})
    with pytest.raises(InvalidParameterError, match=r"C1 score 1.25 must be 1 to 5 in half"):
        lp.card(demo_profile, scorecard={"C1": 1.25})
    with pytest.raises(InvalidParameterError, match="C1 score 6"):
        lp.card(demo_profile, scorecard={"C1": 6})
    with pytest.raises(InvalidParameterError, match="unknown question 'Z9'"):
        lp.card(demo_profile, scorecard={"Z9": 3})
    extra = tmp_path / "q.toml"
    extra.write_text(
        '[[goals]]\nkey = "livelihood"\nname = { en = "Livelihood" }\n'
        '[[goals.questions]]\nid = "L1"\nen = "Do households have enough?"\n'
    )
    c = lp.card(demo_profile, scorecard={"L1": 4.5}, scorecard_questions=extra, lang="en")
    assert "Do households have enough?" in c.html


def test_static_outputs_and_notebook_display(demo_profile, tmp_path):
    c = lp.card(demo_profile, lang="en")
    c.to_pdf(tmp_path / "c.pdf")
    c.to_png(tmp_path / "c.png")
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rep = c._repr_html_()
    assert rep.startswith("<iframe srcdoc=")
    assert "<script" not in rep  # the card's page is escaped into the attribute


def test_demo_card_in_chromium(tmp_path, sample_dir):
    from landprofile.pipeline import run

    out = run(sample_dir / "demo.toml", tmp_path / "demo")
    # no path of this machine in what the user shares
    for text in (out.card_html.read_text("utf-8"), out.profile_json.read_text("utf-8")):
        assert str(sample_dir.resolve()) not in text
        assert str(tmp_path) not in text
    res = open_in_chromium(out.card_html, "demo_card.png")
    assert res["errors"] == []
    assert res["network"] == []
    assert "Profil du paysage" in res["text"]
    stats = res["stats"]["layers"]
    for key in ("boundary", "land_cover", "sites", "concessions", "protected", "rivers", "zones"):
        assert stats.get(key, 0) > 0, key
    # every drawn feature of the visible vector layers is an SVG path
    visible = sum(
        stats[k]
        for k in (
            "boundary",
            "concessions",
            "protected",
            "rivers",
            "roads",
            "settlements",
            "sites",
            "zones",
        )
    )
    assert res["paths"] >= visible


def test_injection_payloads_run_nowhere(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        ls = lp.Landscape(
            name=PAYLOADS[0],
            geometry=box(-2.0, 5.0, -1.9, 5.1),
            crs=4326,
            provenance=lp.Provenance(method="custom", source=PAYLOADS[1]),
        )
    prof = lp.Profile(landscape=ls)
    sites = gpd.GeoDataFrame(
        {"name": PAYLOADS, "link": ["javascript:alert(1)"] * 4},
        geometry=[Point(-1.95, 5.05 + 0.01 * i) for i in range(4)],
        crs=4326,
    )
    conc = gpd.GeoDataFrame(
        {"holder": [PAYLOADS[1]], "type": [PAYLOADS[3]]},
        geometry=[box(-1.99, 5.01, -1.96, 5.04)],
        crs=4326,
    )
    photo = tmp_path / f"{PAYLOADS[3].replace('/', '')[:20]}.png"
    import matplotlib.pyplot as plt

    plt.imsave(photo, np.zeros((4, 4, 3)))
    narrative = {
        "livelihoods": PAYLOADS[1],
        "challenges": PAYLOADS[0],
        "photos": [{"file": str(photo), "caption": PAYLOADS[1]}],
    }
    pa = gpd.GeoDataFrame(
        {"name": [PAYLOADS[0]], "desig": [PAYLOADS[3]]},
        geometry=[box(-1.935, 5.06, -1.91, 5.09)],
        crs=4326,
    )
    # zoning: the payloads reach the zones' explanations (nearest concession's holder,
    # protected area's name) and the conflicts table (site names)
    zoning = lp.zoning.candidates(
        ls,
        rules="[zones]\nmin_area_ha = 1.0\nmin_score = 0.0\n[exclude.concessions]\n"
        'layer = "concessions"\n[exclude.protected]\nlayer = "protected"\nbuffer_m = 100.0\n',
        sites=sites,
        concessions=conc,
        protected=pa,
        resolution_m=100,
    )
    assert any(PAYLOADS[1] in w for w in zoning.zones.why)
    c = lp.card(
        prof,
        zoning=zoning,
        layers={"sites": sites, "concessions": conc, "protected": pa},
        narrative=narrative,
        lang="en",
    )
    html = c.html
    assert "default-src 'none'" in html
    assert "unsafe-inline' ; img" not in html
    script_src = html.split("script-src ")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src  # only the card's own scripts, by hash
    assert "<img src=x" not in html
    assert "<script>window.lpInjected" not in html
    # every script that closes is one of the card's own, each allowed by its hash
    from landprofile.maps.offline import csp_script_hashes

    # (the map's data block is not a script: it is not hashed and cannot run)
    assert html.count("</script>") == len(csp_script_hashes(html)) + 1
    assert all(h in script_src for h in csp_script_hashes(html))
    path = c.save(tmp_path / "evil.html")
    res = open_in_chromium(path, "injection_card.png")
    assert res["injected"] is None
    assert res["dialogs"] == []
    assert res["errors"] == []
    assert res["network"] == []
    assert PAYLOADS[0] in res["text"]  # shown as text, harmlessly


def test_many_features_stay_light(tmp_path, demo_profile):
    rng = np.random.default_rng(0)
    w, s, e, n = demo_profile.landscape.bounds_lonlat
    sites = gpd.GeoDataFrame(
        {"id": np.arange(10_000)},
        geometry=shapely.buffer(
            shapely.points(rng.uniform(w, e, 10_000), rng.uniform(s, n, 10_000)), 0.0005
        ),
        crs=4326,
    )
    x, y = rng.uniform(w, e, 1_000), rng.uniform(s, n, 1_000)
    conc = gpd.GeoDataFrame(
        {"type": ["exploration"] * 1_000}, geometry=shapely.box(x, y, x + 0.01, y + 0.01), crs=4326
    )
    c = lp.card(demo_profile, layers={"sites": sites, "concessions": conc}, lang="en")
    path = c.save(tmp_path / "many.html")
    # the 10,000 sites go in as one clustered point list, not 10,000 polygons
    assert "L.markerClusterGroup" in c.html
    assert path.stat().st_size < 8_000_000
    res = open_in_chromium(path, "many_features.png")
    assert res["errors"] == []
    assert res["clusters"] > 0
    assert res["stats"]["layers"]["sites"] == 10_000


def test_mbtiles_basemap_is_embedded(tmp_path, demo_profile):
    import sqlite3

    import matplotlib.pyplot as plt
    import mercantile

    tile_png = tmp_path / "t.png"
    plt.imsave(tile_png, np.full((256, 256, 3), 0.8))
    mb = tmp_path / "base.mbtiles"
    con = sqlite3.connect(mb)
    con.execute("CREATE TABLE metadata (name text, value text)")
    con.execute(
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer,"
        " tile_data blob)"
    )
    con.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [("format", "png"), ("minzoom", "7"), ("maxzoom", "8")],
    )
    w, s, e, n = demo_profile.landscape.bounds_lonlat
    tiles = list(mercantile.tiles(w, s, e, n, zooms=[7, 8]))
    for t in tiles:
        con.execute(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            (t.z, t.x, (1 << t.z) - 1 - t.y, tile_png.read_bytes()),
        )
    con.commit()
    con.close()
    c = lp.card(demo_profile, lang="en", basemap=mb)
    tile_uri = "data:image/png;base64," + __import__("base64").b64encode(
        tile_png.read_bytes()
    ).decode("ascii")
    assert c.html.count(tile_uri) == len(tiles)
    assert "img-src data:;" in c.html  # local tiles: still nothing from the network
    res = open_in_chromium(c.save(tmp_path / "mb.html"))
    assert res["errors"] == []
    assert res["network"] == []
    with pytest.raises(InvalidParameterError, match="PMTiles"):
        lp.card(demo_profile, basemap=str(tmp_path / "x.pmtiles"))


def _enforced(html_path: Path, width: int, height: int = 900) -> dict:
    """Open with the card's CSP enforced (no string evaluation: only DOM reads)."""
    with browser() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        ctx = b.new_context(viewport={"width": width, "height": height}, offline=True)
        page = ctx.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html_path.resolve().as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        page.wait_for_timeout(300)
        out = {
            "errors": errors,
            "network": [u for u in requests if not u.startswith(("file:", "data:"))],
            "title": page.title(),
            "paths": page.locator("path.leaflet-interactive").count(),
            "expanded": page.locator(".leaflet-control-layers-expanded").count(),
            "toggle_visible": page.locator(".leaflet-control-layers-toggle").is_visible(),
        }
        b.close()
    return out


def test_card_under_its_own_csp_on_a_desktop_and_a_phone(tmp_path, demo_profile, sample_dir):
    layers = {
        "sites": sample_dir / "synthetic_asm_sites_sw_ghana.geojson",
        "rivers": sample_dir / "synthetic_rivers_sw_ghana.geojson",
    }
    c = lp.card(demo_profile, layers=layers, lang="fr")
    path = c.save(tmp_path / "card.html")
    wide = _enforced(path, 1400)
    # every script of the card is allowed by its hash: the map draws, nothing complains
    assert wide["errors"] == []
    assert wide["network"] == []
    assert wide["paths"] > 100
    assert wide["expanded"] == 0  # the layer control is folded on a wide screen too
    phone = _enforced(path, 390)
    assert phone["errors"] == []
    assert phone["expanded"] == 0  # ... and folded on a phone, the map stays visible
    assert phone["toggle_visible"]
    # an escaping slip (a script that reached the page) does not run under the CSP
    slipped = tmp_path / "slip.html"
    slipped.write_text(
        c.html.replace("<footer>", "<footer><script>document.title='pwned'</script>", 1),
        encoding="utf-8",
    )
    res = _enforced(slipped, 1400)
    assert res["title"] != "pwned"
    assert res["paths"] > 100  # the card's own scripts still run


def test_sources_one_row_per_input_and_relative_legend(tmp_path, sample_dir):
    import shutil
    from html import unescape

    from landprofile.pipeline import run

    # a copy of the demo whose legend is a file next to the config
    for f in sample_dir.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    shutil.copy(
        Path(lp.__file__).parent / "data" / "legends" / "modis_igbp.csv", tmp_path / "my.csv"
    )
    cfg = (tmp_path / "demo.toml").read_text().replace('legend = "modis_igbp"', 'legend = "my.csv"')
    (tmp_path / "demo.toml").write_text(cfg)
    out = run(tmp_path / "demo.toml", tmp_path / "out")
    html = out.card_html.read_text("utf-8")
    table = html.split('<section id="sources">')[1].split("</section>")[0]
    roles = [unescape(r.split("<td>")[1].split("</td>")[0]) for r in table.split("<tr>")[2:]]
    assert len(roles) == len(set(roles)), roles  # one row per input
    s = lp.i18n.strings("fr")
    for role in ("boundary", "land_cover", "population", "rivers", "roads", "settlements"):
        assert s[role] in roles, role
    assert "layer:" not in table
    assert "MODIS MCD12C1 v006 (IGBP) (modis_igbp_2019_sw_ghana.tif)" in table


@pytest.fixture(scope="module")
def demo_card_html(tmp_path_factory, sample_dir):
    from landprofile.pipeline import run

    out = run(sample_dir / "demo.toml", tmp_path_factory.mktemp("demo18") / "demo")
    return out.card_html


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (390, 844)])
def test_zone_popup_fits_the_map_and_the_zones_section_fits_the_page(demo_card_html, width, height):
    with browser() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = b.new_context(viewport={"width": width, "height": height}, offline=True).new_page()
        page.goto(demo_card_html.resolve().as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        # the best zone: the darkest score class
        page.locator('path.leaflet-interactive[fill="#7a0177"]').first.click(force=True)
        page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        page.wait_for_timeout(600)
        pop = page.locator(".leaflet-popup-content-wrapper").bounding_box()
        content = page.locator(".leaflet-popup-content").evaluate(
            "e => ({scroll: e.scrollHeight, client: e.clientHeight, text: e.innerText})"
        )
        mapbox = page.locator(".lp-map").first.bounding_box()
        rows = page.locator("#asm table.zones tr").count() - 1
        section = page.locator("#asm").evaluate("e => ({w: e.scrollWidth, c: e.clientWidth})")
        b.close()
    # a readable width, never wider or taller than the map; long text scrolls inside
    assert 200 <= pop["width"] <= min(mapbox["width"], 340)
    assert pop["height"] <= mapbox["height"]
    assert content["client"] <= 260
    assert "Z001" in content["text"]
    assert "Score" in content["text"]
    # every located zone is listed (the demo's [select]: at most 10)
    assert 1 <= rows <= 10
    # the zones section never makes the page scroll sideways (wide tables scroll in
    # their own box; the rest of the page at 390 px is issue 19's)
    assert section["w"] <= section["c"] + 1


def _pdf_pages(path: Path) -> list[str]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def test_the_printed_report_is_the_whole_card_in_its_language(demo_card_html):
    pdf = demo_card_html.parent / "card.pdf"
    pages = _pdf_pages(pdf)
    assert len(pages) >= 2
    text = "\n".join(pages)
    zones = gpd.read_file(demo_card_html.parent / "zones.gpkg", layer="zones")
    # the legend, the sources, the disclaimers and every selected zone, in French
    for word in ("Légende", "Sources", "Notes et limites", "Zones EMAPE candidates"):
        assert word in text, word
    for zid in zones["zone_id"]:
        assert zid in text, zid
    # whole explanations (the HTML card folds them): each zone's full why is there
    assert "hors de toute règle d'exclusion" in text or "EMPIÈTE" in text
    assert "[…]" not in text
    # the landscape's name and the page number on every page
    for i, page in enumerate(pages, start=1):
        assert "Tarkwa–Prestea–Ankobra gold belt (sample)" in page
        assert f"Page {i} / {len(pages)}" in page
    # interface words in French, not English
    for english in ("Legend", "Candidate ASM zones", "Sources and licences", "Page 1 of"):
        assert english not in text


def test_report_page_as_png(demo_card_html, tmp_path, demo_profile):
    c = lp.card(demo_profile, lang="es")
    png = c.to_png(tmp_path / "p2.png", page=2)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidParameterError, match="pages 1 to"):
        c.to_png(tmp_path / "p99.png", page=99)
    assert not (tmp_path / "p99.png").exists()


def _visible_texts(page) -> list[str]:
    """Every visible text node, and every title / aria-label / alt, of the page."""
    return page.evaluate(
        """() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const n = walker.currentNode, e = n.parentElement;
          if (!e || ['SCRIPT', 'STYLE'].includes(e.tagName)) continue;
          const t = n.textContent.trim();
          if (!t) continue;
          const r = e.getBoundingClientRect(), st = getComputedStyle(e);
          if (st.visibility === 'hidden' || st.display === 'none') continue;
          if (r.width === 0 && r.height === 0) continue;
          out.push(t);
        }
        document.querySelectorAll('[title], [aria-label], [alt]').forEach(e => {
          for (const a of ['title', 'aria-label', 'alt']) {
            if (e.getAttribute(a)) out.push(e.getAttribute(a).trim());
          }
        });
        return out;
    }"""
    )


#: Leaflet's own English words (a fr/es card must show none of them).
LEAFLET_ENGLISH = ("Zoom in", "Zoom out", "Layers", "Close popup", "A JavaScript library")


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_english_interface_text_on_french_and_spanish_cards(tmp_path, sample_dir, lang):
    import tomllib

    from landprofile.i18n import strings
    from landprofile.pipeline import run

    cfg = tmp_path / "demo.toml"
    for f in sample_dir.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    text = (sample_dir / "demo.toml").read_text().replace('language = "fr"', f'language = "{lang}"')
    cfg.write_text(text)
    out = run(cfg, tmp_path / "out")
    with browser() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = b.new_context(viewport={"width": 1400, "height": 1000}, offline=True).new_page()
        page.goto(out.card_html.resolve().as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        page.locator(".leaflet-control-layers").hover()  # the folded control's words too
        page.locator('path.leaflet-interactive[fill="#7a0177"]').first.click(force=True)
        page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        texts = _visible_texts(page)
        b.close()
    # the English catalogue's sentences and labels that the other language words
    # differently: none may show (user data, e.g. synthetic feature names, is not there)
    en, other = strings("en"), strings(lang)
    english = {
        v
        for k, v in en.items()
        if isinstance(v, str) and len(v) > 4 and "{" not in v and v != other.get(k)
    } | set(LEAFLET_ENGLISH)
    rules_en = tomllib.loads(
        (Path(lp.__file__).parent / "data/rules/default_igf.toml").read_text("utf-8")
    )["name"]
    english.add(rules_en)
    import re

    def shows(e: str, t: str) -> bool:
        # a one-word string is English only as a whole text ("river" is also in the
        # user's "synthetic river B"); a phrase anywhere, as whole words
        if " " not in e:
            return t == e
        return re.search(r"(?<!\w)" + re.escape(e) + r"(?!\w)", t) is not None

    found = sorted({e for t in texts for e in english if shows(e, t)})
    assert found == [], found
    assert any(strings(lang)["map_zoom_in"] == t for t in texts)


@pytest.mark.parametrize("width", [360, 390, 430, 1400])
def test_no_horizontal_scrolling_from_phone_to_desktop(demo_card_html, width):
    with browser() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = b.new_context(viewport={"width": width, "height": 844}, offline=True).new_page()
        page.goto(demo_card_html.resolve().as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        got = page.evaluate(
            """() => {
            const W = document.documentElement.clientWidth;
            const out = [];
            document.querySelectorAll('main *').forEach(e => {
              // wide tables may scroll inside their own box; the map is the map
              if (e.closest('.scroll') || e.closest('.leaflet-container')) return;
              const r = e.getBoundingClientRect();
              if (r.right > W + 1) out.push(e.tagName + ' ' + Math.round(r.right));
            });
            return {page: document.documentElement.scrollWidth, W, over: out.slice(0, 5),
                    folded: document.querySelectorAll('.leaflet-control-layers-expanded').length,
                    toggle: !!document.querySelector('.leaflet-control-layers-toggle')};
        }"""
        )
        b.close()
    assert got["page"] <= got["W"], got
    assert got["over"] == [], got
    assert got["folded"] == 0  # the layer control is folded on every width ...
    assert got["toggle"]  # ... behind its toggle


def test_the_policy_comes_from_the_code_not_the_data(tmp_path, demo_profile, monkeypatch):
    """Every card of a version allows the same few scripts; a script smuggled into the
    data does not run, even with the data's escaping switched off."""
    import json

    import landprofile.maps.features as features

    sites = gpd.GeoDataFrame(
        {"name": ["</script><script>document.title='pwned';window.lpSmuggled=1</script>"]},
        geometry=[Point(*demo_profile.landscape.centroid_lonlat)],
        crs=4326,
    )
    a = lp.card(demo_profile, layers={"sites": sites}, lang="fr")
    b = lp.card(demo_profile, lang="es")
    csp_a = a.html.split("script-src ")[1].split(";")[0]
    csp_b = b.html.split("script-src ")[1].split(";")[0]
    assert csp_a == csp_b  # the same hashes whatever the card holds
    assert len(csp_a.split()) == 3  # Leaflet, markercluster, the card's renderer
    # switch the data's escaping off: the payload now closes the data block and opens
    # a script of its own in the page
    monkeypatch.setattr(
        features, "safe_json", lambda d: json.dumps(d, ensure_ascii=False, default=str)
    )
    c = lp.card(demo_profile, layers={"sites": sites}, lang="fr")
    assert "<script>document.title='pwned'" in c.html
    assert c.html.split("script-src ")[1].split(";")[0] == csp_a  # not allowed by it
    path = c.save(tmp_path / "smuggled.html")
    with browser() as p:
        br = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = br.new_context(offline=True).new_page()
        blocked = []
        page.on(
            "console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None
        )
        page.goto(path.resolve().as_uri())
        page.wait_for_timeout(1_500)
        title = page.title()
        smuggled = page.evaluate("window.lpSmuggled === undefined ? null : window.lpSmuggled")
        br.close()
    assert smuggled is None
    assert title != "pwned"
    assert blocked  # the browser refused it, by the card's policy


def test_an_unrated_scorecard_item_is_unrated_not_zero(demo_profile):
    from landprofile.profilecard import sections

    goals = sections.scorecard({"C1": 3.5, "C2": 1.0}, "fr", None)
    bars = {b["label"]: b for g in goals for b in g["chart"]["bars"]}
    assert bars["C1"]["width"] == pytest.approx(70.0)  # 3.5 of 5
    assert bars["C1"]["none"] is False
    assert bars["C3"]["none"] is True  # not scored: no bar ...
    assert bars["C3"]["width"] == 0.0
    assert bars["C3"]["text"] == "non noté"  # ... and said so, not "0,0"
    html = lp.card(demo_profile, scorecard={"C1": 3.5}, lang="fr").html
    assert html.count('class="bar-text none">non noté</span>') >= 4
