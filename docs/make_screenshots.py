"""Screenshots of the demo card (1400 px and 390 px wide) and of a notebook map.

Usage (from the repository root, with Debian's chromium installed)::

    python docs/make_screenshots.py

Writes ``docs/card_1400.png``, ``docs/card_390.png``, ``docs/notebook_map.png``, and
the located zones: the card's zones section (``docs/zones_section_1400.png``,
``docs/zones_section_390.png``) and its map with a zone's popup open
(``docs/zones_popup_1400.png``, ``docs/zones_popup_390.png``), and the first two pages
of the printed report (``docs/report_page1.png``, ``docs/report_page2.png``). The
notebook map is ``ZoningResult.explore()`` exactly as a notebook shows it, saved without
a tile layer (the machine that makes these images is offline).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from playwright.sync_api import sync_playwright

import landprofile as lp
from landprofile.maps.offline import make_offline
from landprofile.pipeline import run

DOCS = Path(__file__).resolve().parent
DATA = DOCS.parent / "data" / "sample_boundaries"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def shoot(page_path: Path, out: Path, width: int, height: int, full: bool) -> None:
    """Open a page offline in headless Chromium and save a PNG once the map is drawn."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = b.new_context(viewport={"width": width, "height": height}, offline=True).new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(out), full_page=full)
        b.close()


def shoot_zones(page_path: Path, width: int, height: int) -> None:
    """The card's zones section, and its map with the best zone's popup open."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = b.new_context(viewport={"width": width, "height": height}, offline=True).new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
        page.wait_for_timeout(800)
        page.locator("#asm").screenshot(path=str(DOCS / f"zones_section_{width}.png"))
        # the darkest fill is the highest score class: open that zone's popup
        page.locator('path.leaflet-interactive[fill="#7a0177"]').first.click(force=True)
        page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        page.wait_for_timeout(1_000)  # the popup fades in and the map pans to show it
        page.locator(".lp-map").first.screenshot(path=str(DOCS / f"zones_popup_{width}.png"))
        b.close()


def report_pages(pdf: Path, n: int) -> None:
    """The first ``n`` pages of the printed report as PNG (pypdfium2, 100 dpi)."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        for i in range(min(n, len(doc))):
            doc[i].render(scale=100 / 72).to_pil().save(DOCS / f"report_page{i + 1}.png")
    finally:
        doc.close()


def main() -> None:
    """Build the demo card and a zoning map, and shoot them."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run(DATA / "demo.toml", Path(tmp) / "demo")
        shoot(out.card_html, DOCS / "card_1400.png", 1400, 1500, False)
        shoot(out.card_html, DOCS / "card_390.png", 390, 844, False)
        shoot_zones(out.card_html, 1400, 1000)
        shoot_zones(out.card_html, 390, 844)
        report_pages(out.card_pdf, 2)
        ls = lp.from_admin(
            DATA / "synthetic_districts_sw_ghana.geojson", names=["Aboso", "Prestea"]
        )
        res = lp.zoning.candidates(
            ls,
            sites=DATA / "synthetic_asm_sites_sw_ghana.geojson",
            concessions=DATA / "synthetic_concessions_sw_ghana.geojson",
            rivers=DATA / "synthetic_rivers_sw_ghana.geojson",
            resolution_m=90,
        )
        m = res.explore(tiles=None, layers={"rivers": DATA / "synthetic_rivers_sw_ghana.geojson"})
        page = Path(tmp) / "map.html"
        page.write_text(make_offline(m).render(), encoding="utf-8")
        shoot(page, DOCS / "notebook_map.png", 1000, 650, False)


if __name__ == "__main__":
    main()
