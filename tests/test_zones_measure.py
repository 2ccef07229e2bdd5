"""The zones' measures on two threads give what one thread gives (issue 38 item 4).

:mod:`landprofile.zoning._zones_measure` runs the sites-inside, nearest-feature, rule
and open-concession measures as tasks on two threads, each on its own prepared copy of
the zones. The oracle is the same call with the pool held to one thread: every column,
every explanation and every geometry must be equal, bit for bit, in every run.
"""

from __future__ import annotations

import sys
import threading
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import landprofile as lp

# the module, not the package's function of the same name
import landprofile.zoning._zones_measure

MEASURE = sys.modules["landprofile.zoning._zones_measure"]


def _scene(seed: int = 3):
    rng = np.random.default_rng(seed)
    x0, y0, side = 600_000.0, 700_000.0, 16_000.0

    def pts(n):
        return x0 + rng.uniform(0, side, n), y0 + rng.uniform(0, side, n)

    x, y = pts(300)
    sites = gpd.GeoDataFrame(
        {"id": np.arange(300)},
        geometry=shapely.buffer(shapely.points(x, y), rng.uniform(20, 150, 300)),
        crs=32630,
    )
    x, y = pts(60)
    w, h = rng.uniform(300, 2_000, 60), rng.uniform(300, 2_000, 60)
    conc = gpd.GeoDataFrame(
        {
            "type": rng.choice(["exploration", "large-scale exploitation", "artisanal"], 60),
            "status": "active",
        },
        geometry=shapely.box(x, y, x + w, y + h),
        crs=32630,
    )
    x, y = pts(6)
    pa = gpd.GeoDataFrame(
        geometry=shapely.buffer(shapely.points(x, y), rng.uniform(400, 1_500, 6)), crs=32630
    )
    x, y = pts(200)
    ang = rng.uniform(0, 2 * np.pi, 200)
    ln = rng.uniform(300, 2_000, 200)
    rivers = gpd.GeoDataFrame(
        geometry=shapely.linestrings(
            np.stack(
                [
                    np.column_stack([x, y]),
                    np.column_stack([x + ln * np.cos(ang), y + ln * np.sin(ang)]),
                ],
                axis=1,
            )
        ),
        crs=32630,
    )
    x, y = pts(30)
    settlements = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=32630)
    ls = lp.Landscape(
        name="measure scene",
        geometry=shapely.box(x0, y0, x0 + side, y0 + side),
        crs=32630,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    return dict(
        landscape=ls,
        sites=sites,
        concessions=conc,
        protected=pa,
        rivers=rivers,
        settlements=settlements,
        roads=rivers.iloc[::4],
        resolution_m=30,
    )


def _run(scene):
    return lp.zoning.candidates(**scene)


def _probe(monkeypatch) -> list[str]:
    """Every ``warnings.catch_warnings`` block entered off the main thread (its stack)."""
    seen: list[str] = []
    original = warnings.catch_warnings

    class Probe(original):  # type: ignore[misc, valid-type]
        def __enter__(self):
            if threading.current_thread() is not threading.main_thread():
                seen.append("".join(traceback.format_stack(limit=8)[:-1]))
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Probe)
    return seen


def test_measures_on_two_threads_equal_one_thread(monkeypatch):
    scene = _scene()
    with monkeypatch.context() as m:
        # the measures run no warnings block on their threads (such blocks race with the
        # main thread's before Python 3.14; shapely.is_valid and pandas enter them)
        blocks = _probe(m)
        threaded = [_run(scene)]
    assert not blocks, blocks[0]
    threaded += [_run(scene) for _ in range(2)]
    with monkeypatch.context() as m:
        m.setattr(MEASURE, "ThreadPoolExecutor", lambda n: ThreadPoolExecutor(1))
        one = _run(scene)
    z1 = one.zones
    assert len(z1) >= 5
    # the scene exercises every measure: sites inside, distances, open concessions
    assert (z1["n_sites"] > 0).any()
    assert np.isfinite(z1["dist_river_m"]).all()
    assert (z1["dist_river_m"] > 0).all()
    assert z1["why"].str.len().gt(0).all()
    for res in threaded:
        z = res.zones
        assert list(z.columns) == list(z1.columns)
        pd.testing.assert_frame_equal(
            pd.DataFrame(z.drop(columns="geometry")), pd.DataFrame(z1.drop(columns="geometry"))
        )
        assert shapely.equals_exact(z.geometry.to_numpy(), z1.geometry.to_numpy(), 0).all()


def test_each_thread_measures_its_own_prepared_copy():
    zones = shapely.buffer(shapely.points(np.arange(4) * 10.0, 0), 3)
    per = MEASURE._ZonesPerThread(zones)
    got: list[np.ndarray] = []
    with ThreadPoolExecutor(2) as pool:
        # a barrier makes both threads ask before either finishes
        gate = threading.Barrier(2)

        def ask(_):
            gate.wait()
            return per.get()

        got = list(pool.map(ask, range(2)))
    a, b = got
    assert a is zones or b is zones  # the first thread takes the given array
    other = b if a is zones else a
    assert all(x is not y for x, y in zip(other, zones, strict=True))
    assert shapely.equals_exact(other, zones, 0).all()
    assert shapely.is_prepared(other).all()
    assert shapely.is_prepared(zones).all()
