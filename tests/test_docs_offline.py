"""No built docs page makes a request, iframes included (issue 35).

:func:`check_pages` opens every HTML page under a folder in headless Chromium with every
request that is not a local file aborted and counted; a map's ``<iframe srcdoc>`` (how a
notebook shows a folium map) loads through the same route, so what the map inside asks
for is counted too. Used three ways:

* here, on a small page set built like the docs' (a monitoring map with geopandas'
  categorical legend in a notebook iframe), and on a page that does fetch, so the check
  is seen to fail;
* here, on ``docs/_build/html`` when a build is present;
* as a script after a docs build: ``python tests/test_docs_offline.py docs/_build/html``
  prints each page that made a request and exits 1 if any did.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium")
LOCAL = ("file:", "data:", "about:", "blob:")


def _router(asked: list[str]):
    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    return route


def check_pages(folder: Path, *, settle_ms: int = 500) -> dict[str, list[str]]:
    """Every page under ``folder`` -> the non-local requests it (or its frames) made."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for page_file in sorted(folder.rglob("*.html")):
            ctx = browser.new_context()
            asked: list[str] = []

            ctx.route("**/*", _router(asked))
            page = ctx.new_page()
            # a page still waiting on what was aborted: its requests count all the same
            with contextlib.suppress(Exception):
                page.goto(page_file.as_uri(), wait_until="load", timeout=15_000)
            page.wait_for_timeout(settle_ms)
            ctx.close()
            out[str(page_file.relative_to(folder))] = asked
        browser.close()
    return out


def _notebook_page(cell_output: str) -> str:
    """A page holding a cell's output as a built docs page does (a map: its iframe srcdoc)."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head><body>"
        f"{cell_output}</body></html>"
    )


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")


@needs_chromium
def test_a_monitoring_map_page_makes_no_request_and_the_check_can_fail(sample_dir, tmp_path):
    import folium
    import geopandas as gpd

    import landprofile as lp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = lp.from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson", names=["Aboso"], name="Aboso"
        )
    pits = gpd.read_file(sample_dir / "earthgenome_asm_ashanti_2017_2020.geojson").head(20)
    pits["year"] = pits["year"].astype(str).str[:4]
    site = tmp_path / "site"
    site.mkdir()
    # the monitoring tutorial's cell, as the docs build runs it (offline maps)
    m = ls.explore(tiles=None, offline=True)
    pits.explore(m=m, column="year", categorical=True, name="mining by date")
    (site / "monitoring.html").write_text(_notebook_page(m._repr_html_()), encoding="utf-8")
    # the same cell on a plain folium map: jQuery, Leaflet, jQuery UI from CDNs
    m2 = folium.Map(tiles=None)
    pits.explore(m=m2, column="year", categorical=True)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "online.html").write_text(_notebook_page(m2._repr_html_()), encoding="utf-8")

    assert check_pages(site) == {"monitoring.html": []}
    asked = check_pages(bad)["online.html"]
    assert any("jquery-ui" in u for u in asked), asked  # seen from inside the iframe


@needs_chromium
def test_the_built_docs_make_no_request():
    built = ROOT / "docs" / "_build" / "html"
    if not built.exists():
        pytest.skip("no docs build (./quickstart.sh docs) to check")
    fetched = {page: urls for page, urls in check_pages(built, settle_ms=200).items() if urls}
    assert fetched == {}


def main(argv: list[str]) -> int:
    """``python tests/test_docs_offline.py FOLDER``: list pages that fetched; 1 if any."""
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python tests/test_docs_offline.py FOLDER (a built docs folder)")
        return 2
    if CHROMIUM is None:
        print("chromium not found on the PATH")
        return 2
    result = check_pages(Path(argv[0]))
    bad = {p: u for p, u in result.items() if u}
    for page, urls in bad.items():
        print(f"{page}: {len(urls)} request(s): {', '.join(sorted(set(urls))[:5])}")
    print(f"{len(result)} page(s) checked, {len(bad)} made a request")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
