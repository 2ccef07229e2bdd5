"""The monitoring demo (issue 39 item 4): Amansie / Offin at three dates, in French.

``landprofile demo --monitoring`` is run once; its card is opened in Chromium at 1400 px
and 390 px (no page error, no request), the SVG chart's numbers are read from the page
and compared with the table beside it and with the footprint timeline, the alerts layer
is read back from alerts.gpkg (ids, areas against pyproj.Geod), alerts.csv with pandas,
and the printed report has the monitoring section in French.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
from click.testing import CliRunner

import landprofile as lp
from landprofile.cli import cli
from landprofile.demo import sample_data_dir

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PARTS = ("protected_ha", "concessions_ha", "river_ha", "elsewhere_ha")


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_monitoring") / "out"
    res = CliRunner().invoke(cli, ["demo", "--monitoring", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def oracle():
    """The timeline and alerts computed here from the sample files (not the run's files)."""
    d = sample_data_dir()
    ls = lp.from_polygons(
        d / "geoboundaries_ashanti_region_ghana.geojson",
        clip=d / "amansie_window.geojson",
        name="x",
    )
    kw = {
        "protected": d / "synthetic_protected_areas_amansie.geojson",
        "concessions": d / "synthetic_concessions_amansie.geojson",
        "rivers": d / "synthetic_rivers_amansie.geojson",
        "river_buffer_m": 100,
    }
    fp = d / "earthgenome_asm_amansie_2017_2020_2024.geojson"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "timeline": lp.footprint_timeline(ls, fp, date_field="year", **kw),
            "alerts": lp.alerts(ls, fp, date_field="year", **kw),
        }


def test_outputs_and_no_machine_path(demo_out):
    names = {p.name for p in demo_out.iterdir()}
    assert {"card.html", "card.pdf", "alerts.csv", "alerts.gpkg", "monitoring.json"} <= names
    for name in ("card.html", "alerts.csv", "monitoring.json", ".landprofile-run.json"):
        text = (demo_out / name).read_text(encoding="utf-8")
        assert str(demo_out) not in text
        assert str(sample_data_dir()) not in text


def test_three_dates_of_real_detections(demo_out, oracle):
    doc = json.loads((demo_out / "monitoring.json").read_text(encoding="utf-8"))
    assert [r["date"] for r in doc["timeline"]] == ["2017-01-01", "2020-01-01", "2024-01-01"]
    tl = oracle["timeline"]
    np.testing.assert_allclose([r["area_ha"] for r in doc["timeline"]], tl["area_ha"], rtol=1e-9)
    np.testing.assert_allclose([r["new_ha"] for r in doc["timeline"]], tl["new_ha"], rtol=1e-9)
    # the parts stack up to each date's footprint
    parts = pd.DataFrame(doc["parts"])
    np.testing.assert_allclose(parts[list(PARTS)].sum(axis=1), tl["area_ha"], rtol=1e-9)
    assert (tl["new_ha"].iloc[1:] > 1000).all()  # galamsey grew at both dates


def test_alerts_layer_reads_back_with_ids_and_areas(demo_out, oracle):
    import pyogrio

    want = oracle["alerts"]
    assert len(want) > 100
    layers = [str(x[0]) for x in pyogrio.list_layers(demo_out / "alerts.gpkg")]
    assert "alerts" in layers
    back = pyogrio.read_dataframe(demo_out / "alerts.gpkg", layer="alerts")
    assert list(back["alert_id"]) == list(want["alert_id"])
    np.testing.assert_allclose(back["area_ha"], want["area_ha"], rtol=1e-12)
    # each alert's area against the ellipsoid, from the geometry the file holds
    geod = pyproj.Geod(ellps="WGS84")
    ll = back.to_crs(4326).geometry.segmentize(0.0005)
    geod_ha = np.array([abs(geod.geometry_area_perimeter(g)[0]) / 1e4 for g in ll])
    np.testing.assert_allclose(geod_ha, back["area_ha"], rtol=1e-3)
    # the alerts of a date sum to the timeline's new area (the unlisted specks aside)
    tl = oracle["timeline"].set_index(oracle["timeline"]["date"].dt.strftime("%Y-%m-%d"))
    unlisted = want.attrs["unlisted"]
    for date, g in back.groupby("date"):
        specks = unlisted.get(date, {}).get("area_ha", 0.0)
        assert g["area_ha"].sum() + specks == pytest.approx(tl.loc[date, "new_ha"], rel=1e-6)
    # styled for QGIS: the card's alerts style is the layer's default
    import sqlite3

    con = sqlite3.connect(demo_out / "alerts.gpkg")
    try:
        (name, qml) = con.execute(
            "SELECT description, styleQML FROM layer_styles WHERE f_table_name = 'alerts'"
        ).fetchone()
    finally:
        con.close()
    assert name == "Alertes (nouvelle exploitation minière)"
    assert "255,255,51" in qml


def test_alerts_csv_reads_back_with_pandas(demo_out, oracle):
    want = oracle["alerts"]
    df = pd.read_csv(demo_out / "alerts.csv", encoding="utf-8")
    assert list(df["alert_id"]) == list(want["alert_id"])
    np.testing.assert_allclose(df["area_ha"], want["area_ha"], rtol=1e-12)
    np.testing.assert_allclose(df["protected_ha"], want["protected_ha"], rtol=1e-12)
    assert set(df["date"]) == {"2020-01-01", "2024-01-01"}
    assert set(df["since"]) == {"2017-01-01", "2020-01-01"}
    # sorted by what matters: inside the reserve first
    inside = (df["protected_ha"] > 0).to_numpy()
    assert inside[0]
    assert not (np.diff(inside.astype(int)) > 0).any()


def _browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("LANDPROFILE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (LANDPROFILE_REQUIRE_BROWSER is set)")
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def _fr(text: str) -> float:
    for ch in ("\u00a0ha", "\u202f", "\u00a0"):
        text = text.replace(ch, "")
    return float(text.replace(",", "."))


@pytest.mark.parametrize("width", [1400, 390])
def test_monitoring_card_in_chromium(demo_out, oracle, width):
    with _browser() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # the card's own CSP is enforced: only DOM reads below
        ctx = b.new_context(viewport={"width": width, "height": 900}, offline=True)
        page = ctx.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto((demo_out / "card.html").resolve().as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        page.wait_for_timeout(300)
        got = page.evaluate(
            """() => {
            const sec = document.querySelector('section#monitoring');
            const rows = [...sec.querySelectorAll('svg.footprint-chart g.row')].map(g => ({
              date: g.dataset.date,
              total: parseFloat(g.querySelector('text.total').dataset.ha),
              parts: Object.fromEntries([...g.querySelectorAll('rect')].map(
                r => [r.dataset.part, parseFloat(r.dataset.ha)])),
              drawn: g.getBoundingClientRect().width}));
            const table = [...sec.querySelectorAll('table.t-monitoring-footprint tr')]
              .slice(1).map(tr => Object.fromEntries([...tr.querySelectorAll('td[data-part]')]
                .map(td => [td.dataset.part, td.textContent])));
            const W = document.documentElement.clientWidth;
            const over = [...sec.querySelectorAll('*')].filter(
              e => !e.closest('.scroll') && e.getBoundingClientRect().right > W + 1).length;
            return {h2: sec.querySelector('h2').textContent, rows, table, over,
                    scroll: document.documentElement.scrollWidth, W,
                    alerts: sec.querySelectorAll('table.t-alerts tr[data-alert-id]').length,
                    layer: [...document.querySelectorAll('.leaflet-control-layers-overlays span')]
                      .map(s => s.textContent.trim())};
        }"""
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("section#monitoring").screenshot(
            path=str(ARTIFACTS / f"monitoring_{width}.png")
        )
        b.close()
    assert errors == []
    assert requests == [] or all(u.startswith(("file:", "data:")) for u in requests)
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert got["h2"] == "Suivi dans le temps"
    assert got["scroll"] <= got["W"], got
    assert got["over"] == 0
    tl = oracle["timeline"]
    assert [r["date"] for r in got["rows"]] == [d.date().isoformat() for d in tl["date"]]
    for row, cells, t in zip(got["rows"], got["table"], tl.itertuples(), strict=True):
        assert row["drawn"] > 50  # drawn, not collapsed
        assert row["total"] == pytest.approx(t.area_ha, abs=0.05)
        assert _fr(cells["area_ha"]) == pytest.approx(t.area_ha, abs=0.05)
        assert row["parts"]["protected_ha"] == pytest.approx(t.in_protected_ha, abs=0.05)
        for part in PARTS:
            assert row["parts"][part] == pytest.approx(_fr(cells[part]), abs=0.05)
        assert sum(row["parts"].values()) == pytest.approx(t.area_ha, abs=0.2)
    assert got["alerts"] == 20
    assert any(s.startswith("Alertes") for s in got["layer"]), got["layer"]


def test_the_printed_report_has_the_monitoring_section_in_french(demo_out):
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(demo_out / "card.pdf"))
    try:
        texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        hits = [i for i, t in enumerate(texts) if "Suivi dans le temps" in t]
        assert hits, "no page holds the monitoring section"
        page = "\n".join(texts[hits[0] : hits[0] + 2])
        for words in ("Empreinte minière par date", "Alertes", "Dans les aires protégées"):
            assert words in page
        assert "Monitoring over time" not in "\n".join(texts)
        ARTIFACTS.mkdir(exist_ok=True)
        doc[hits[0]].render(scale=1.2).to_pil().save(ARTIFACTS / "monitoring_report_page.png")
    finally:
        doc.close()


def test_the_monitor_command_writes_the_same_alerts(demo_out, tmp_path):
    out = tmp_path / "mon"
    res = CliRunner().invoke(
        cli,
        [
            "monitor",
            str(sample_data_dir() / "demo_monitoring.toml"),
            "--out",
            str(out),
            "--no-card",
        ],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".landprofile-run.json",
        "alerts.csv",
        "alerts.gpkg",
        "monitoring.json",
    ]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "alerts.csv"), pd.read_csv(demo_out / "alerts.csv")
    )
    # run again into its own output: replaced, not refused; a user's file is kept
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        [
            "monitor",
            str(sample_data_dir() / "demo_monitoring.toml"),
            "--out",
            str(out),
            "--no-card",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_run_that_zones_puts_the_alerts_into_zones_gpkg(demo_out, tmp_path):
    """With zoning on, the alerts layer goes into zones.gpkg, styled, beside the zones."""
    import re
    import sqlite3

    import pyogrio

    d = sample_data_dir()
    text = (d / "demo_monitoring.toml").read_text(encoding="utf-8")
    # the same config, its files by full path, zoned on a coarse grid, no short list
    text = re.sub(
        r'"([A-Za-z0-9_]+\.(?:geojson|tif|csv))"',
        lambda m: f'"{(d / m.group(1)).as_posix()}"',
        text,
    )
    text = text.replace("[zoning]\n", "[select]\nenabled = false\n\n[zoning]\n")
    text = text.replace("enabled = false\n\n[monitoring]", "resolution_m = 300\n\n[monitoring]")
    cfg = tmp_path / "zoned.toml"
    cfg.write_text(text, encoding="utf-8")
    out = lp.pipeline.run(cfg, tmp_path / "out")
    assert out.zones_gpkg is not None
    assert {p.name for p in out.monitoring} == {"monitoring.json", "alerts.csv"}
    assert not (out.folder / "alerts.gpkg").exists()
    layers = [str(x[0]) for x in pyogrio.list_layers(out.zones_gpkg)]
    assert "zones" in layers
    assert "alerts" in layers
    back = pyogrio.read_dataframe(out.zones_gpkg, layer="alerts")
    want = pd.read_csv(demo_out / "alerts.csv")
    assert list(back["alert_id"]) == list(want["alert_id"])
    np.testing.assert_allclose(back["area_ha"], want["area_ha"], rtol=1e-12)
    con = sqlite3.connect(out.zones_gpkg)
    try:
        (title,) = con.execute(
            "SELECT description FROM layer_styles WHERE f_table_name = 'alerts'"
        ).fetchone()
    finally:
        con.close()
    assert title == "Alertes (nouvelle exploitation minière)"


def test_the_monitoring_card_credits_every_file_as_sources_md_does(demo_out):
    """Every input of demo_monitoring.toml reaches the card's sources with its credit.

    The expected credits are read from SOURCES.md's rows for the monitoring demo's
    files (the provider and licence the sample data's own page names), not from the run.
    """
    from bs4 import BeautifulSoup

    text = (sample_data_dir() / "SOURCES.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            for name in cells[0].replace("`", "").split(","):
                rows.setdefault(name.strip(), line)
    html = (demo_out / "card.html").read_text(encoding="utf-8")
    sources = BeautifulSoup(html, "html.parser").get_text(" ")
    from landprofile.credits import NOT_GIVEN

    assert NOT_GIVEN not in sources
    assert "CC BY 4.0" in rows["earthgenome_asm_amansie_2017_2020_2024.geojson"]
    assert "Earth Genome, mining-detector" in sources
    assert "CC BY 4.0" in sources
    assert "**synthetic**" in rows["synthetic_protected_areas_amansie.geojson"]
    assert "make_monitoring_sample.py" in sources
    assert "CC BY-SA 2.0" in rows["geoboundaries_ashanti_region_ghana.geojson"]
    assert "CC BY-SA 2.0" in sources
