"""The first raster call of a process: numba loads late, strips are read ahead meanwhile."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import CRS
from shapely.geometry import Polygon

import landprofile as lp
from landprofile import _coverage as cov
from landprofile.errors import ScaleWarning
from landprofile.raster import read_raster

LAEA = CRS.from_epsg(3035)
PROV = lp.Provenance(method="custom", source="test")
T = Affine(100, 0, 4_000_000, 0, -100, 3_000_000)
POLY = Polygon([(4_003_000, 2_990_000), (4_190_000, 2_960_000), (4_150_000, 2_830_000),
                (4_020_000, 2_850_000)])  # fmt: skip


@pytest.fixture(scope="module")
def tiled(tmp_path_factory) -> str:
    """A 2000 x 2000 tiled land cover raster: the polygon's window spans 8 strips."""
    rng = np.random.default_rng(7)
    data = (rng.integers(1, 10, size=(2000, 2000)) * 10).astype(np.uint8)
    path = tmp_path_factory.mktemp("first") / "lc.tif"
    prof = {
        "driver": "GTiff", "width": 2000, "height": 2000, "count": 1, "dtype": "uint8",
        "transform": T, "crs": LAEA, "tiled": True, "blockxsize": 256, "blockysize": 256,
        "compress": "deflate",
    }  # fmt: skip
    with rasterio.open(path, "w", **prof) as ds:
        ds.write(data, 1)
    return str(path)


def _landscape() -> lp.Landscape:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return lp.Landscape(name="L", geometry=POLY, crs=LAEA, provenance=PROV)


def test_read_ahead_gives_the_strips_it_would_have_read(tiled, monkeypatch):
    raster = read_raster(tiled)
    fp = cov.footprint(POLY, raster)
    bounds = cov.strip_bounds(raster, fp)
    assert len(bounds) >= 6
    # As if another thread were still loading numba: the event is not set.
    monkeypatch.setattr(cov, "_kernels_ready", threading.Event())
    with cov.StripReader(raster) as reader:
        reader._read_ahead(fp, bounds[1][0], 1)
        assert len(reader._ahead) == len(bounds) - 1  # every strip after the first
        for a, b in bounds:
            vals, acc = reader.strip(fp, a, b)
            win = fp.window
            direct = raster.read(
                rasterio.windows.Window(win.col_off, win.row_off + a, win.width, b - a)
            )
            np.testing.assert_array_equal(vals, direct)
            assert acc.shape == (b - a, int(win.width) + 2)
        assert not reader._ahead  # each strip served once, then dropped


def test_read_ahead_stops_at_its_memory_budget(tiled, monkeypatch):
    raster = read_raster(tiled)
    fp = cov.footprint(POLY, raster)
    bounds = cov.strip_bounds(raster, fp)
    monkeypatch.setattr(cov, "_kernels_ready", threading.Event())
    monkeypatch.setattr(cov, "READ_AHEAD_BYTES", 1)
    with cov.StripReader(raster) as reader:
        reader._read_ahead(fp, 0, 1)
        assert len(reader._ahead) == 1 < len(bounds)


def test_read_ahead_does_nothing_once_the_kernels_are_loaded(tiled):
    cov.kernels()
    raster = read_raster(tiled)
    fp = cov.footprint(POLY, raster)
    with cov.StripReader(raster) as reader:
        reader._read_ahead(fp, 0, 1)
        assert not reader._ahead


FRESH = """
import json, sys, warnings
import landprofile as lp
from pyproj import CRS
from shapely import from_wkt
from landprofile.errors import ScaleWarning
assert "numba" not in sys.modules
from landprofile import _coverage
assert "numba" not in sys.modules, "the coverage module must not load numba"
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ScaleWarning)
    ls = lp.Landscape(
        name="L", geometry=from_wkt(sys.argv[2]), crs=CRS.from_epsg(3035),
        provenance=lp.Provenance(method="custom", source="test"),
    )
df = lp.land_cover(ls, sys.argv[1], legend="esa_worldcover_v100", threads=2)
print(json.dumps(dict(zip(df.value.astype(str), df.area_ha))))
"""


def test_a_fresh_process_gets_the_same_table_as_a_warm_one(tiled):
    warm = lp.land_cover(_landscape(), tiled, legend="esa_worldcover_v100", threads=1)
    out = subprocess.run(
        [sys.executable, "-c", FRESH, tiled, POLY.wkt],
        capture_output=True,
        text=True,
        check=True,
    )
    cold = json.loads(out.stdout)
    got = pd.Series(cold).reindex(warm.value.astype(str)).to_numpy()
    np.testing.assert_allclose(got, warm.area_ha.to_numpy(), rtol=1e-12)
