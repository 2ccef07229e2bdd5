"""Card weight and speed: 10,000 ASM sites and 1,000 concessions.

Usage::

    python benchmarks/bench_card.py

Prints the time to build the card, the HTML size, and the time to first render in
headless Chromium (Debian ``chromium``, offline): from navigation start to the moment the
map has every layer (``window.lpReadyMs``), and to the load event.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

import landprofile as lp
from landprofile.demo import demo_landscape


def main() -> None:
    warnings.simplefilter("ignore")
    ls = demo_landscape()
    prof = lp.Profile(landscape=ls)
    rng = np.random.default_rng(0)
    w, s, e, n = ls.bounds_lonlat
    sites = gpd.GeoDataFrame(
        {"id": np.arange(10_000), "source": "benchmark"},
        geometry=shapely.buffer(
            shapely.points(rng.uniform(w, e, 10_000), rng.uniform(s, n, 10_000)),
            0.0005,
            quad_segs=4,
        ),
        crs=4326,
    )
    x, y = rng.uniform(w, e, 1_000), rng.uniform(s, n, 1_000)
    conc = gpd.GeoDataFrame(
        {"licence": [f"L{i}" for i in range(1_000)], "type": ["exploration"] * 1_000},
        geometry=shapely.box(x, y, x + 0.02, y + 0.015),
        crs=4326,
    )
    t0 = time.perf_counter()
    card = lp.card(prof, layers={"sites": sites, "concessions": conc}, lang="en")
    t_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = card.save(Path(tmp) / "card.html")
        size = path.stat().st_size
        from playwright.sync_api import sync_playwright

        times = []
        with sync_playwright() as p:
            b = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--no-first-run",
                ],
            )
            for _ in range(3):
                page = b.new_context(
                    offline=True, bypass_csp=True, viewport={"width": 1280, "height": 900}
                ).new_page()
                page.goto(path.as_uri())
                page.wait_for_function("window.lpMapReady === true", timeout=60_000)
                ready = page.evaluate("window.lpReadyMs")
                load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                times.append((ready, load))
                page.close()
            b.close()
    best = min(times)
    print(f"build card: {t_build:.2f} s; HTML {size / 1e6:.2f} MB")
    print(f"first render (map ready), best of 3: {best[0]:.0f} ms; load event {best[1]:.0f} ms")
    print("all runs (ready ms, load ms):", [(round(a), round(b)) for a, b in times])


if __name__ == "__main__":
    main()
