"""from_basins against a hand-built HydroBASINS topology with known upstream sets."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

import landprofile as lp
from landprofile.errors import (
    EmptySelectionError,
    InvalidGeometryError,
    InvalidParameterError,
    MissingFieldError,
    NameNotFoundError,
    ScaleWarning,
)
from landprofile.geodesy import ellipsoid_band_area_m2
from landprofile.watershed import basin_index

N = 6  # 6 x 6 basins of 0.1 degree at 5-5.6 N, 2-1.4 W
LON0, LAT0, STEP = -2.0, 5.6, 0.1


def bid(r, c):
    return 1000 + 10 * r + c


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


@pytest.fixture
def basins():
    # Rows drain east; the last column drains south; the SE basin is the outlet.
    rows = []
    for r in range(N):
        for c in range(N):
            if c < N - 1:
                nd = bid(r, c + 1)
            elif r < N - 1:
                nd = bid(r + 1, c)
            else:
                nd = 0
            lat_top = LAT0 - r * STEP
            sub = ellipsoid_band_area_m2(lat_top - STEP, lat_top, STEP) / 1e6
            rows.append(
                {
                    "HYBAS_ID": bid(r, c),
                    "NEXT_DOWN": nd,
                    "SUB_AREA": sub,
                    "PFAF_ID": 0,
                    "UP_AREA": 0.0,
                    "MAIN_BAS": bid(N - 1, N - 1),
                    "geometry": box(
                        LON0 + c * STEP, lat_top - STEP, LON0 + (c + 1) * STEP, lat_top
                    ),
                }
            )
    return gpd.GeoDataFrame(rows, crs=4326)


def ids_of(ls):
    return set(ls.provenance.parameters["basin_ids"])


def test_upstream_in_a_row(basins):
    ls = lp.from_basins(basins, basin_ids=[bid(2, 3)])
    assert ids_of(ls) == {bid(2, c) for c in range(4)}
    p = ls.provenance.parameters
    assert p["n_basins"] == 4
    assert p["sum_sub_area_km2"] == pytest.approx(ls.area_km2, rel=1e-6)
    assert p["dissolved_area_km2"] == pytest.approx(ls.area_km2)


def test_upstream_of_the_trunk(basins):
    ls = lp.from_basins(basins, basin_ids=[bid(3, N - 1)], name="trunk")
    assert ids_of(ls) == {bid(r, c) for r in range(4) for c in range(N)}
    assert ls.geometry.geom_type == "Polygon"
    expected = ellipsoid_band_area_m2(LAT0 - 4 * STEP, LAT0, N * STEP) / 1e6
    assert ls.area_km2 == pytest.approx(expected, rel=1e-6)


def test_outlet_point_in_lonlat_and_other_crs(basins):
    ls = lp.from_basins(basins, outlet=(-1.45, 5.05))  # inside the SE outlet basin
    assert len(ids_of(ls)) == N * N
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 32630, always_xy=True).transform(-1.75, 5.35)
    ls2 = lp.from_basins(basins, outlet=(x, y), outlet_crs=32630, upstream=False)
    assert ids_of(ls2) == {bid(2, 2)}


def test_max_upstream_area_stops_early(basins):
    one = basins.SUB_AREA.iloc[0]
    ls = lp.from_basins(basins, basin_ids=[bid(2, 5)], max_upstream_km2=3.5 * one)
    p = ls.provenance.parameters
    assert p["truncated"] is True
    assert p["n_basins"] == 3  # the outlet basin and its two nearest upstream neighbours
    assert p["sum_sub_area_km2"] <= 3.5 * one


def test_index_built_once_answers_many(basins):
    idx = basin_index(basins)
    sizes = [
        lp.from_basins(idx, basin_ids=[bid(r, N - 1)]).provenance.parameters["n_basins"]
        for r in range(N)
    ]
    assert sizes == [N * (r + 1) for r in range(N)]


def test_other_schema_by_field_mapping(basins):
    other = basins.rename(columns={"HYBAS_ID": "code", "NEXT_DOWN": "to", "SUB_AREA": "km2"})
    ls = lp.from_basins(
        other, basin_ids=[bid(0, 2)], fields={"id": "code", "next_down": "to", "sub_area": "km2"}
    )
    assert ids_of(ls) == {bid(0, 0), bid(0, 1), bid(0, 2)}


class TestBadData:
    def test_point_in_no_basin_names_the_nearest(self, basins):
        with pytest.raises(EmptySelectionError, match=r"nearest is HYBAS_ID 1002, 1[01]\.\d\d km"):
            lp.from_basins(basins, outlet=(-1.75, 5.7))

    def test_unknown_basin_id(self, basins):
        with pytest.raises(NameNotFoundError, match=r"basin ID\(s\) \[999\] not found"):
            lp.from_basins(basins, basin_ids=[999])

    def test_cycle_detected(self, basins):
        bad = basins.copy()
        bad.loc[bid(5, 5) == bad.HYBAS_ID, "NEXT_DOWN"] = bid(0, 0)
        with pytest.raises(InvalidGeometryError, match="forms a cycle among 11 basin"):
            lp.from_basins(bad, basin_ids=[bid(0, 0)])

    def test_dangling_reference(self, basins):
        bad = basins.copy()
        bad.loc[0, "NEXT_DOWN"] = 424242
        with pytest.raises(InvalidGeometryError, match=r"1000->424242"):
            lp.from_basins(bad, basin_ids=[bid(0, 0)])

    def test_missing_fields_list_present(self, basins):
        with pytest.raises(MissingFieldError, match=r"\['NEXT_DOWN'\] not found.*HYBAS_ID"):
            lp.from_basins(basins.drop(columns="NEXT_DOWN"), basin_ids=[bid(0, 0)])

    def test_outlet_and_ids_exclusive(self, basins):
        with pytest.raises(InvalidParameterError, match="exactly one"):
            lp.from_basins(basins)


def test_large_topology_is_fast_and_correct():
    # 200,000 basins in a comb: 400 rivers of 500 basins each; checked by arithmetic.
    n_rivers, length = 400, 500
    ids = np.arange(1, n_rivers * length + 1)
    nd = ids + 1
    nd[length - 1 :: length] = 0
    gdf = gpd.GeoDataFrame(
        {"HYBAS_ID": ids, "NEXT_DOWN": nd, "SUB_AREA": 1.0},
        geometry=gpd.points_from_xy(ids % 1000 * 1e-3, ids // 1000 * 1e-3).buffer(1e-4),
        crs=4326,
    )
    idx = basin_index(gdf)
    rows, _ = idx.upstream(idx.row_of([3 * length]))  # the mouth of river 3
    assert len(rows) == length
    assert set(idx.ids[rows]) == set(range(2 * length + 1, 3 * length + 1))


def test_the_landscape_is_named_after_the_basin_asked_for():
    # the upstream walk lists basin 1 first; the name must still be the outlet's
    from landprofile.testing import basin_chain

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = lp.from_basins(basin_chain(), basin_ids=[2])
    assert ls.provenance.parameters["basin_ids"] == [1, 2]
    assert ls.name == "Basins upstream of 2"
