"""Legends as data, and the same statistics from every raster form and thread count."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from affine import Affine
from pyproj import CRS
from shapely.geometry import box

import landprofile as lp
from landprofile.errors import (
    InvalidParameterError,
    MissingFieldError,
    ScaleWarning,
    SourceNotFoundError,
)
from landprofile.legend import BUILTIN_LEGENDS, GROUPS
from landprofile.testing import write_geotiff

LAEA = CRS.from_proj4("+proj=laea +lat_0=6 +lon_0=-1.5 +datum=WGS84 +units=m")
T = Affine(30, 0, 0, 0, -30, 30 * 300)


@pytest.fixture
def lc(tmp_path):
    rng = np.random.default_rng(3)
    data = rng.choice(np.array([10, 20, 40, 50, 80], np.uint8), size=(300, 300))
    p = tmp_path / "lc.tif"
    write_geotiff(p, data, T, LAEA, block=64)
    return p, data


@pytest.fixture
def ls():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return lp.Landscape(
            name="L",
            geometry=box(1_000, 1_500, 8_000, 8_200),
            crs=LAEA,
            provenance=lp.Provenance(method="custom", source="t"),
        )


@pytest.mark.parametrize("key", list(BUILTIN_LEGENDS))
def test_builtin_legends_complete(key):
    leg = lp.load_legend(key)
    for c in leg.classes:
        assert c.group in GROUPS
        assert all(c.name(lang) for lang in ("en", "fr", "es"))
        assert c.color.startswith("#")
    assert len({c.value for c in leg.classes}) == len(leg.classes)


def test_worldcover_classes_as_documented():
    leg = lp.load_legend("esa_worldcover_v200").by_value()
    assert sorted(leg) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]
    assert leg[40].group == "cropland"
    assert not leg[40].natural
    assert leg[95].name("es") == "Manglares"


def test_user_legends_csv_json_toml(tmp_path, lc, ls):
    (tmp_path / "l.csv").write_text("value,name,colour,group\n10,Forêt dense,#00aa00,forest\n")
    (tmp_path / "l.json").write_text('[{"value": 10, "name": "Forest", "color": "#00aa00"}]')
    (tmp_path / "l.toml").write_text(
        '[[classes]]\nvalue = 10\nname = "Forest"\ncolor = "#00aa00"\ngroup = "forest"\n'
    )
    for f in ("l.csv", "l.json", "l.toml"):
        leg = lp.load_legend(tmp_path / f)
        assert leg.by_value()[10].color == "#00aa00"
    df = lp.land_cover(ls, lc[0], legend=tmp_path / "l.csv")
    assert set(df.kind) == {"class", "unknown"}
    assert df.loc[df.kind == "class", "share"].iloc[0] == pytest.approx(1.0)
    assert df.loc[df.kind == "class", "name"].iloc[0] == "Forêt dense"


def test_legend_errors(tmp_path):
    with pytest.raises(InvalidParameterError, match=r"unknown legend 'corine'.*esa_worldcover"):
        lp.load_legend("corine")
    with pytest.raises(SourceNotFoundError, match="legend file not found"):
        lp.load_legend(tmp_path / "none.csv")
    (tmp_path / "bad.csv").write_text("value,label\n10,x\n")
    with pytest.raises(MissingFieldError, match=r"bad\.csv.*class 1 lacks name_en, color"):
        lp.load_legend(tmp_path / "bad.csv")
    (tmp_path / "g.csv").write_text("value,name,color,group\n10,x,#000000,jungle\n")
    with pytest.raises(InvalidParameterError, match=r"group 'jungle' is unknown.*forest"):
        lp.load_legend(tmp_path / "g.csv")


def test_same_result_from_path_dataarray_vrt_and_any_thread_count(tmp_path, lc, ls):
    path, data = lc
    ref = lp.land_cover(ls, path, legend="worldcover", threads=1)
    for threads in (2, 3):
        pd.testing.assert_frame_equal(
            lp.land_cover(ls, path, legend="worldcover", threads=threads), ref
        )
    import rioxarray  # noqa: F401

    da = xr.DataArray(data, dims=("y", "x")).rio.write_crs(LAEA).rio.write_transform(T)
    got = lp.land_cover(ls, da, legend="worldcover")
    np.testing.assert_allclose(got.area_ha, ref.area_ha, rtol=1e-12)
    vrt = tmp_path / "m.vrt"
    vrt.write_text(f"""<VRTDataset rasterXSize="300" rasterYSize="300">
  <SRS>{LAEA.to_wkt()}</SRS>
  <GeoTransform>{T.c}, {T.a}, 0, {T.f}, 0, {T.e}</GeoTransform>
  <VRTRasterBand dataType="Byte" band="1"><SimpleSource>
    <SourceFilename relativeToVRT="1">lc.tif</SourceFilename><SourceBand>1</SourceBand>
    <SrcRect xOff="0" yOff="0" xSize="300" ySize="300"/>
    <DstRect xOff="0" yOff="0" xSize="300" ySize="300"/></SimpleSource></VRTRasterBand>
</VRTDataset>""")
    np.testing.assert_allclose(
        lp.land_cover(ls, vrt, legend="worldcover").area_ha, ref.area_ha, rtol=1e-12
    )


def test_many_landscapes_geodataframe(lc):
    import geopandas as gpd

    zones = gpd.GeoDataFrame(
        {"district": ["a", "b"]},
        geometry=[box(0, 0, 3_000, 3_000), box(3_000, 0, 9_000, 3_000)],
        crs=LAEA,
    )
    df = lp.land_cover(zones, lc[0], legend="worldcover", id_field="district")
    assert set(df.landscape) == {"a", "b"}
    tot = df.groupby("landscape").area_ha.sum()
    assert tot["a"] == pytest.approx(900, rel=1e-9)
    assert tot["b"] == pytest.approx(1_800, rel=1e-9)
