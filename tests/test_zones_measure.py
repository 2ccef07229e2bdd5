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

import numpy as np
import pandas as pd
import shapely

import landprofile as lp

# the module, not the package's function of the same name
import landprofile.zoning._zones_measure
from landprofile.testing import zoning_scene

MEASURE = sys.modules["landprofile.zoning._zones_measure"]


def _scene(seed: int = 3):
    # a 16 km square of the benchmark's kind (every measure has features to find)
    scene = zoning_scene(seed, 16_000.0, (300, 60, 6, 200, 30), (600_000.0, 700_000.0))
    return {**scene, "roads": scene["rivers"].iloc[::4], "resolution_m": 30}


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
