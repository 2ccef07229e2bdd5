"""DEM catchments against synthetic DEMs whose catchments are known cell for cell."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS

import landprofile as lp
from landprofile.errors import InvalidParameterError, ScaleWarning
from landprofile.geodesy import ellipsoid_band_area_m2
from landprofile.testing import dem_dataarray, tilted_plane, two_basins, v_valley
from landprofile.watershed import dem as wd

UTM = CRS.from_epsg(32630)
T30 = Affine(30, 0, 600_000, 0, -30, 700_000)


def pipeline(z, transform=T30, crs=UTM, nodata=None):
    da = dem_dataarray(z, transform, crs, nodata)
    filled = wd.condition(da)
    d = wd.flow_directions(filled)
    acc = wd.flow_accumulation(d)
    return da, filled, d, acc


def mask_at(d, r, c):
    return wd.catchment(d, (r, c)).values.astype(bool)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def test_tilted_plane():
    z = tilted_plane(20, 30)
    _, _, d, acc = pipeline(z)
    assert (d.values[:, 1:] == 4).all()  # west
    assert (d.values[:, 0] == -1).all()  # out of the grid
    expected = np.zeros((20, 30), bool)
    expected[7, :] = True
    np.testing.assert_array_equal(mask_at(d, 7, 0), expected)
    assert acc.values[7, 0] == 30


@pytest.mark.parametrize("k", [0, 10, 24])
def test_v_valley(k):
    z = v_valley(21, 25)
    _, _, d, _ = pipeline(z)
    expected = np.zeros((21, 25), bool)
    expected[:, : k + 1] = True
    np.testing.assert_array_equal(mask_at(d, 10, k), expected)


def test_two_basins_split_by_ridge():
    z = two_basins(30, 40)
    _, _, d, acc = pipeline(z)
    left = np.zeros((30, 40), bool)
    left[:, :20] = True
    np.testing.assert_array_equal(mask_at(d, 29, 0), left)
    np.testing.assert_array_equal(mask_at(d, 29, 39), ~left)
    assert acc.values[29, 0] == 600


def test_pits_and_flats_still_drain_to_the_right_outlet():
    z = two_basins(40, 40).astype(np.float64)
    z[10:15, 5:10] -= 200.0  # a deep pit in the west basin
    z[20:30, 3:15] = z[20:30, 3:15].max()  # a plateau (flat) in the west basin
    z[5:12, 25:33] = 0.0  # a flat-bottomed depression in the east basin
    filled = wd.condition(dem_dataarray(z.astype(np.float32), T30, UTM))
    assert (filled.values >= z - 1e-4).all()
    d = wd.flow_directions(filled)
    assert not (d.values == -3).any()
    left = np.zeros((40, 40), bool)
    left[:, :20] = True
    np.testing.assert_array_equal(mask_at(d, 39, 0), left)
    np.testing.assert_array_equal(mask_at(d, 39, 39), ~left)


def test_every_valid_cell_drains_to_an_outlet():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(60, 70)).astype(np.float32)  # noise: pits and flats everywhere
    z[20:30, 20:40] = 0.0
    _, _, d, acc = pipeline(z)
    outlets = d.values == -1
    # every cell is counted in exactly one outlet's accumulation
    assert acc.values[outlets].sum() == z.size


def test_geographic_dem_at_10_south():
    t = Affine(0.001, 0, 30.0, 0, -0.001, -10.0)
    z = two_basins(30, 40)
    da = dem_dataarray(z, t, "EPSG:4326")
    left = np.zeros((30, 40), bool)
    left[:, :20] = True
    d = wd.flow_directions(wd.condition(da))
    np.testing.assert_array_equal(mask_at(d, 29, 0), left)
    km2 = wd.flow_accumulation(d, units="km2").values[29, 0]
    rows = [
        ellipsoid_band_area_m2(-10 - 0.001 * (r + 1), -10 - 0.001 * r, 0.001) for r in range(30)
    ]
    assert km2 == pytest.approx(20 * sum(rows) / 1e6, rel=1e-9)
    # from_dem with the outlet given in lon/lat at the SW cell centre
    told: list[tuple[str, float | None]] = []
    ls = lp.from_dem(
        da, (30.0005, -10.0295), snap_m=0, name="SW", progress=lambda *a: told.append(a)
    )
    assert ls.area_km2 == pytest.approx(km2, rel=1e-6)
    # every step is told as it starts, then with its time as it ends, in order
    names = ["read_dem", "fill_depressions", "flow_directions", "flow_accumulation",
             "snap_outlet", "catchment", "polygon"]  # fmt: skip
    assert [s for s, t in told if t is None] == names
    assert [s for s, t in told if t is not None] == names
    assert all(told[2 * i] == (n, None) and told[2 * i + 1][0] == n for i, n in enumerate(names))
    assert ls.provenance.method == "watershed"
    assert ls.provenance.parameters["snapped_moved_m"] == pytest.approx(0, abs=1)


def test_geographic_cell_sizes_shrink_with_latitude():
    # On a plane rising eastwards as fast as northwards *in metres*, near 60 N a cell is
    # half as wide as tall, so the steepest descent is west, not south-west.
    t = Affine(0.002, 0, 10.0, 0, -0.001, 60.0)
    dx, dy = wd._cell_sizes_m(
        lp.read_raster(dem_dataarray(np.zeros((3, 3), np.float32), t, "EPSG:4326"))
    )
    assert dx[1] / dy == pytest.approx(2 * np.cos(np.radians(59.9985)), rel=5e-3)


def test_snapping_moves_to_the_channel_and_reports_distance():
    z = v_valley(41, 41)
    da, _, _, acc = pipeline(z)
    # a point 3 cells (90 m) north of the valley, column 30
    x, y = T30 @ (30.5, 17.5)
    s = wd.snap_outlet(acc, (x, y), snap_m=92, outlet_crs=UTM)
    assert wd.snap_outlet(acc, (x, y), snap_m=100, outlet_crs=UTM).col == 31  # 94.9 m, more flow
    assert (s.row, s.col) == (20, 30)
    assert s.moved_m == pytest.approx(90.0)
    ls = lp.from_dem(da, (x, y), snap_m=92, outlet_crs=UTM, name="valley")
    assert ls.provenance.parameters["snapped_moved_m"] == pytest.approx(90.0)
    x0, y0 = T30 @ (0, 0)
    x1, y1 = T30 @ (31, 41)
    expected = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    assert ls.geometry.symmetric_difference(expected).area == pytest.approx(0, abs=1e-6)


def test_nodata_is_a_sink_and_holes_are_kept():
    # A cone on the west basin, its top missing (nodata). Nodata is a sink: the ring of
    # cells around the gap drains into it, and nothing else does (the rest of the cone
    # drains outwards), so the west catchment is the west half minus a 5 x 5 hole.
    z = two_basins(30, 40).astype(np.float64)
    rr, cc = np.mgrid[0:30, 0:40]
    z += 1000 * np.clip(1 - np.hypot(rr - 15, cc - 8) / 4, 0, None)
    z[14:17, 7:10] = -9999
    _, _, d, _ = pipeline(z.astype(np.float32), nodata=-9999)
    expected = np.zeros((30, 40), bool)
    expected[:, :20] = True
    expected[13:18, 6:11] = False
    np.testing.assert_array_equal(mask_at(d, 29, 0), expected)
    poly = wd.catchment_polygon(wd.catchment(d, (29, 0)))
    assert len(shapely.get_parts(poly)) == 1
    assert len(poly.interiors) == 1
    assert poly.area == pytest.approx(expected.sum() * 900)


def test_bad_outlets():
    z = two_basins(30, 40)
    z[0:5, 0:5] = -9999
    da = dem_dataarray(z, T30, UTM, -9999)
    with pytest.raises(InvalidParameterError, match="outside the DEM"):
        lp.from_dem(da, (0.0, 0.0), outlet_crs=UTM)
    x, y = T30 @ (1.5, 1.5)
    with pytest.raises(InvalidParameterError, match="falls on nodata"):
        lp.from_dem(da, (x, y), snap_m=10, outlet_crs=UTM)
    with pytest.raises(InvalidParameterError, match="snap_m"):
        lp.from_dem(da, (x, y), snap_m=-5, outlet_crs=UTM)


def test_stream_network():
    z = v_valley(21, 25)
    _, _, d, _ = pipeline(z)
    km2 = wd.flow_accumulation(d, units="km2")
    streams = wd.stream_network(km2, d, threshold_km2=21 * 5 * 0.0009)
    assert len(streams) == 1
    # the valley line from the 5th column to the last: 20 links of 30 m
    assert streams.geometry.iloc[0].length == pytest.approx(20 * 30)


def test_many_catchments_in_one_sweep_match_single_ones():
    z = v_valley(21, 25)
    _, _, d, _ = pipeline(z)
    outlets = [(10, 5), (10, 15), (10, 24), (3, 7)]  # nested along the valley, and a slope
    masks = wd.catchments(d, outlets)
    for (r, c), m in zip(outlets, masks, strict=True):
        np.testing.assert_array_equal(m, mask_at(d, r, c))
    assert masks[2].sum() == 21 * 25


def test_catchments_from_the_accumulation_order_match():
    from landprofile.watershed import _hydro

    rng = np.random.default_rng(3)
    z = (two_basins(40, 40) + rng.normal(0, 0.3, (40, 40))).astype(np.float32)
    _, _, d, _ = pipeline(z)
    _, _, order = _hydro.accumulate(d.values.astype(np.int8), np.full(40, 900.0), False)
    outlets = [(39, 0), (39, 39), (20, 5), (10, 30)]
    for a, b in zip(wd.catchments(d, outlets, order=order), wd.catchments(d, outlets), strict=True):
        np.testing.assert_array_equal(a, b)


def test_catchment_polygon_valid_when_cells_touch_at_corners():
    # a mask whose cells meet only at corners (8-connected) must still give a valid
    # polygon of the right area
    m = np.zeros((6, 6), np.uint8)
    m[1, 1] = m[2, 2] = m[3, 3] = m[2, 4] = 1
    m[4, 1:3] = 1
    m[1:5, 3] = 1  # a hole-making ring through corner contacts
    da = dem_dataarray(m, T30, UTM)
    poly = wd.catchment_polygon(da)
    assert poly.is_valid
    assert poly.area == pytest.approx(m.sum() * 900)


@pytest.mark.parametrize("scale", [1.0, 10.0])
def test_bucket_fill_equals_heap_fill_on_level_grids(scale):
    # Whole metres (SRTM) and decimetres take the bucket queue; it must give exactly the
    # surface of the binary-heap Priority-Flood, and fill every pit.
    from landprofile.watershed import _hydro_fill

    rng = np.random.default_rng(7)
    z = np.round(rng.normal(100, 15, size=(120, 150)) * scale) / scale
    z[40:60, 40:70] = np.round(z.min() - 5)  # a big pit
    z = z.astype(np.float32)
    valid = np.ones(z.shape, bool)
    valid[:3, :3] = False
    valid[70:75, 100:110] = False
    heap = _hydro_fill.priority_flood(z, valid)
    filled, ok = _hydro_fill.priority_flood_levels(
        z, valid, scale, float(z[valid].min()), int((z[valid].max() - z[valid].min()) * scale) + 2
    )
    assert ok
    np.testing.assert_array_equal(filled[valid], heap[valid])
    np.testing.assert_array_equal(wd.fill_depressions(z, valid)[valid], heap[valid])
    assert (heap[valid] >= z[valid]).all()


def test_bucket_fill_snaps_float_noise_of_decimal_dems():
    # 0.1 m steps stored as float32 through float32 arithmetic: the same decimal can be
    # two neighbouring floats. They are snapped (<= 2 ulp) and filled exactly as the heap
    # fills the snapped DEM.
    from landprofile.watershed import _hydro_fill

    rng = np.random.default_rng(11)
    z = (
        np.round(rng.normal(300, 20, size=(80, 90)).astype(np.float32) * np.float32(10))
        / np.float32(10)
    ).astype(np.float32)
    z[::7, ::5] = np.nextafter(z[::7, ::5], np.float32(1e9))  # one ulp of noise
    valid = np.ones(z.shape, bool)
    zmin = float(z.min())
    filled, ok = _hydro_fill.priority_flood_levels(
        z, valid, 10.0, zmin, int((z.max() - zmin) * 10) + 2
    )
    assert ok
    lv = np.round((z.astype(np.float64) - zmin) * 10)
    snapped = (zmin + lv / 10).astype(np.float32)
    assert np.abs(snapped - z).max() <= 2 * np.spacing(np.abs(z).max())
    np.testing.assert_array_equal(filled, _hydro_fill.priority_flood(snapped, valid))


def test_bucket_fill_refuses_values_off_the_grid():
    from landprofile.watershed import _hydro_fill

    z = np.array([[1.0, 1.0004, 2.0], [3.0, 1.0, 2.0]], dtype=np.float32)
    _, ok = _hydro_fill.priority_flood_levels(z, np.ones(z.shape, bool), 1.0, 1.0, 4)
    assert not ok  # 1.0 and 1.0004 share level 0: the heap must be used
    heap = _hydro_fill.priority_flood(z, np.ones(z.shape, bool))
    np.testing.assert_array_equal(wd.fill_depressions(z, np.ones(z.shape, bool)), heap)
