"""Alerts of new mining (lp.alerts) against an independent overlay: shapely in longitude /
latitude (the data's own coordinates, edges straight there) measured with pyproj.Geod, on
Earth Genome's real detections of 2017, 2020 and 2024 over the Amansie / Offin part of
Ashanti; and on hand-made squares whose answers are known by construction."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import (
    DataWarning,
    EmptySelectionError,
    GeometryRepairWarning,
    InvalidParameterError,
    MissingFieldError,
    ScaleWarning,
)
from landprofile.monitoring.alerts import (
    ALERT_COLUMNS,
    alerts_layer,
    alerts_table,
    write_alerts_csv,
)

GEOD = Geod(ellps="WGS84")
ASHANTI = "asm_mining_ghana_ashanti_2017_2020_earthgenome.geojson"
NATIONAL_2024 = "asm_mining_ghana_2024_earthgenome.geojson"
#: Amansie West / Central and the Offin valley (lon/lat), as the monitoring demo's window.
WINDOW = (-2.05, 5.95, -1.55, 6.45)
UTM = 32630


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def geod_ha(geom) -> float:
    """True area of a lon/lat geometry: edges densified to ~11 m, then the ellipsoid."""
    if geom.is_empty:
        return 0.0
    dense = shapely.segmentize(geom, 1e-4)
    return abs(GEOD.geometry_area_perimeter(dense)[0]) / 1e4


def polygons(geom) -> list:
    parts = shapely.get_parts(shapely.get_parts(geom))
    return [p for p in parts if p.geom_type == "Polygon" and p.area > 0]


def valid(geoms) -> list:
    # the oracle repairs the three self-intersecting rings of the real files its own way
    out = []
    for g in geoms:
        g = g if g.is_valid else shapely.make_valid(g)
        out.extend(polygons(g))
    return out


@pytest.fixture
def ashanti(shared_data):
    ghana = shared_data / "ghana"
    regions = gpd.read_file(ghana / "gha_adm1_geoboundaries.geojson")
    region = regions[regions.shapeName == "Ashanti Region"].union_all()
    land = region.intersection(box(*WINDOW))
    ls = lp.Landscape(
        name="Amansie / Offin",
        geometry=land,
        crs=4326,
        provenance=lp.Provenance(method="custom", source="geoBoundaries Ashanti x window"),
    )
    old = gpd.read_file(ghana / ASHANTI)
    new = gpd.read_file(ghana / NATIONAL_2024)
    fps = {
        "2017": old[old.year.dt.year == 2017],
        "2020-01-01": old[old.year.dt.year == 2020],
        2024: new,  # the national layer has no date field: a mapping gives it one
    }
    # synthetic constraints over the mined Offin valley: two reserves that overlap (so a
    # piece may be in both, and the union must not count the overlap twice), three
    # concessions with holders and licences, one made-up river
    protected = gpd.GeoDataFrame(
        {"NAME": ["Synthetic Offin Reserve", "Synthetic Block B"], "WDPAID": [9001, 9002]},
        geometry=[Point(-1.86, 6.18).buffer(0.06, quad_segs=16), box(-1.90, 6.10, -1.80, 6.16)],
        crs=4326,
    )
    concessions = gpd.GeoDataFrame(
        {
            "licence": ["ML-A01", "ML-A02", "ML-A04"],
            "holder": ["Synthetic Holder A", "Synthetic Holder B", "Synthetic Holder A"],
        },
        geometry=[
            box(-1.98, 6.02, -1.90, 6.10),
            box(-1.80, 6.22, -1.68, 6.32),
            box(-1.90, 6.08, -1.84, 6.14),
        ],
        crs=4326,
    ).to_crs(UTM)  # another CRS than the footprints': the overlay must not care
    rivers = gpd.GeoDataFrame(
        geometry=[LineString([(-2.02, 6.44), (-1.93, 6.29), (-1.84, 6.14), (-1.70, 5.96)])],
        crs=4326,
    )
    return ls, land, fps, protected, concessions, rivers


def oracle(land, fps, protected, concessions):
    """Per date after the first: the new part's pieces, overlaid in lon/lat."""
    pz = shapely.union_all(protected.geometry.to_numpy())
    # the concessions' edges are straight in UTM: densified there before going to lon/lat
    dense = concessions.set_geometry(shapely.segmentize(concessions.geometry.to_numpy(), 10))
    cz = shapely.union_all(dense.to_crs(4326).geometry.to_numpy())
    earlier = shapely.Polygon()
    out = {}
    for i, key in enumerate(sorted(fps, key=lambda k: str(k)[:4])):
        fp = shapely.union_all(valid(fps[key].geometry)).intersection(land)
        new = fp.difference(earlier)
        earlier = earlier.union(fp)
        if i:
            out[int(str(key)[:4])] = {
                "new": new,
                "pieces": polygons(new),
                "new_ha": geod_ha(new),
                "protected_ha": geod_ha(new.intersection(pz)),
                "concession_ha": geod_ha(new.intersection(cz)),
            }
    return out


@pytest.mark.shared_data
def test_alerts_match_an_independent_overlay_on_real_detections(ashanti):
    ls, land, fps, protected, concessions, rivers = ashanti
    kw = {"protected": protected, "concessions": concessions, "rivers": rivers}
    # three of the real 2024 polygons have self-intersecting rings: repaired, and said
    with pytest.warns(GeometryRepairWarning, match="repaired 3 invalid geometries"):
        every = lp.alerts(ls, fps, **kw, min_area_ha=0)
    with pytest.warns(GeometryRepairWarning):
        found = lp.alerts(ls, fps, **kw)  # the default: pieces under one 10 m pixel unlisted
    want = oracle(land, fps, protected, concessions)
    assert sorted(want) == [2020, 2024]
    # the first date is the baseline: no alerts of 2017
    assert set(every.date.dt.year) == {2020, 2024}
    assert every.attrs["baseline"] == "2017-01-01"
    for year, w in want.items():
        got = every[every.date.dt.year == year]
        assert (got.since.dt.year == {2020: 2017, 2024: 2020}[year]).all()
        assert got.area_ha.sum() == pytest.approx(w["new_ha"], rel=1e-6)
        assert got.protected_ha.sum() == pytest.approx(w["protected_ha"], rel=1e-6)
        assert got.concession_ha.sum() == pytest.approx(w["concession_ha"], rel=1e-6)
        assert w["protected_ha"] > 100  # both really tested
        assert w["concession_ha"] > 100
        # piece by piece (those of 0.05 ha or more: smaller ones are numerical dust that
        # two overlays cut differently): the same pieces, the same areas. Per piece the
        # two differ by how an edge is drawn: straight in lon/lat here, a chord of it in
        # the library's equal-area plane (edges densified to 1 km, geodesy.project): the
        # chord of a 1 km edge along a parallel at 6 deg N sags ~2 mm, so a piece's area
        # may differ by up to ~2/3 * 2 mm * its perimeter; over all pieces it cancels
        big = [p for p in w["pieces"] if geod_ha(p) >= 0.05]
        mine = found[(found.date.dt.year == year) & (found.area_ha >= 0.05)]
        assert len(mine) == len(big)
        tree = shapely.STRtree(big)
        for r in mine.itertuples():
            near = tree.query(r.geometry)
            piece = big[max(near, key=lambda i: r.geometry.intersection(big[i]).area)]
            area_m2, perimeter_m = GEOD.geometry_area_perimeter(shapely.segmentize(piece, 1e-4))
            assert r.area_ha * 1e4 == pytest.approx(
                abs(area_m2), rel=1e-6, abs=2e-3 * perimeter_m
            ), r.alert_id
            overlap = {
                n: geod_ha(piece.intersection(g)) if piece.intersects(g) else None
                for n, g in zip(protected.NAME, protected.geometry, strict=True)
            }
            named = set((r.protected or "").split("; ")) - {""}
            assert {n for n, a in overlap.items() if a is not None and a > 1e-4} <= named
            assert named <= {n for n, a in overlap.items() if a is not None}
            if r.protected_ha > 1e-4:
                assert named
            # the centroid is the piece's (to 1 m: the planes differ, not the piece)
            c = piece.centroid
            assert GEOD.inv(r.lon, r.lat, c.x, c.y)[2] < 1.0
    # names as the user gave them, the holder then the licence
    assert {"Synthetic Offin Reserve", "Synthetic Block B"} <= set(
        "; ".join(found.protected.dropna()).split("; ")
    )
    assert "Synthetic Offin Reserve; Synthetic Block B" in set(found.protected) or (
        "Synthetic Block B; Synthetic Offin Reserve" in set(found.protected)
    )
    assert "Synthetic Holder A (ML-A04)" in "; ".join(found.concession.dropna())

    # the timeline measures the very same geometry: its new figures are the alerts' sums
    with pytest.warns(GeometryRepairWarning):
        tl = lp.footprint_timeline(ls, fps, **kw)
    for row in tl.iloc[1:].itertuples():
        got = every[every.date == row.date]
        assert got.area_ha.sum() == pytest.approx(row.new_ha, rel=1e-9)
        assert got.protected_ha.sum() == pytest.approx(row.new_in_protected_ha, rel=1e-9)
        assert got.concession_ha.sum() == pytest.approx(row.new_in_concessions_ha, rel=1e-9)
        assert got.river_ha.sum() == pytest.approx(row.new_near_rivers_ha, rel=1e-9)
        assert row.new_near_rivers_ha > 10
        # with the default, what is not listed is accounted for in attrs
        part = found[found.date == row.date]
        rest = found.attrs["unlisted"][row.date.date().isoformat()]
        assert part.area_ha.min() >= 0.01
        assert rest["area_ha"] < 0.01 * max(rest["n"], 1)
        assert part.area_ha.sum() + rest["area_ha"] == pytest.approx(row.new_ha, rel=1e-9)
        assert part.protected_ha.sum() + rest["protected_ha"] == pytest.approx(
            row.new_in_protected_ha, rel=1e-9
        )
    # the real 2020 outlines leave dust against 2017's: not listed by default
    assert found.attrs["unlisted"]["2020-01-01"]["n"] > 50
    assert len(every) - len(found) == sum(v["n"] for v in found.attrs["unlisted"].values())

    # sorted: inside protected areas first, then by area
    inside = (found.protected_ha > 0).to_numpy()
    assert inside[: inside.sum()].all()
    assert inside.sum() > 5
    for part in (found[inside], found[~inside]):
        assert (np.diff(part.area_ha.to_numpy()) <= 0).all()
    # ids: unique, the date's year then a rank, in the landscape's CRS
    assert found.alert_id.is_unique
    assert found.alert_id.str.fullmatch(r"(2020|2024)-\d{4}").all()
    assert found.crs.to_epsg() == 4326
    # stable whatever layers are given
    with pytest.warns(GeometryRepairWarning):
        bare = lp.alerts(ls, fps)
    ids = found.set_index("alert_id").area_ha
    assert bare.set_index("alert_id").area_ha.reindex(ids.index).to_numpy() == pytest.approx(
        ids.to_numpy(), rel=1e-12
    )
    assert bare.protected.isna().all()
    assert bare.protected_ha.isna().all()


# ------------------------------------------------------------------ hand-made squares


def square():
    """A 10 km UTM square landscape, and a helper that makes a box of metres within it."""
    x0, y0 = 600_000, 650_000
    ls = lp.Landscape(
        name="square",
        geometry=box(x0, y0, x0 + 10_000, y0 + 10_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )

    def b(x, y, w, h):
        return box(x0 + x, y0 + y, x0 + x + w, y0 + y + h)

    return ls, b


def geod_utm_ha(geom) -> float:
    return geod_ha(gpd.GeoSeries([shapely.segmentize(geom, 10)], crs=UTM).to_crs(4326)[0])


def test_pieces_names_and_parts_known_by_construction(tmp_path):
    ls, b = square()
    pits = gpd.GeoDataFrame(
        {"year": [2019, 2021, 2021, 2021, 2023]},
        geometry=[
            b(1000, 1000, 200, 200),  # 4 ha baseline
            b(1000, 1000, 400, 200),  # grows east: 4 ha new
            b(5000, 5000, 100, 100),  # 1 ha, apart
            b(9900, 100, 300, 100),  # 3 ha drawn, 1 ha inside the landscape
            b(1000, 1000, 400, 200),  # 2023: nothing new
        ],
        crs=UTM,
    )
    reserve = gpd.GeoDataFrame(
        {"nom": ["Réserve A", None]},
        geometry=[b(1300, 900, 200, 400), b(5050, 4000, 500, 2000)],
        crs=UTM,
    )
    conc = gpd.GeoDataFrame(
        {"titulaire": ["Coopérative X"], "permit": ["PE-7"]},
        geometry=[b(4000, 4000, 3000, 3000)],
        crs=UTM,
    )
    river = gpd.GeoDataFrame(geometry=[LineString([ls.geometry.bounds[:2], (600_000, 660_000)])])
    river = river.set_crs(UTM)
    found = lp.alerts(ls, pits, protected=reserve, concessions=conc, rivers=river)
    assert list(found.columns) == [*ALERT_COLUMNS, "geometry"]
    # ids west to east; rows inside protected areas first, then by area
    assert list(found.alert_id) == ["2021-0001", "2021-0002", "2021-0003"]
    # the east growth: 2 ha of it inside Réserve A; the 1 ha pit half inside the unnamed one
    a, d, c = (found.set_index("alert_id").loc[k] for k in ("2021-0001", "2021-0002", "2021-0003"))
    assert a.area_ha == pytest.approx(geod_utm_ha(b(1200, 1000, 200, 200)), rel=1e-6)
    assert a.protected == "Réserve A"
    assert a.protected_ha == pytest.approx(geod_utm_ha(b(1300, 1000, 100, 200)), rel=1e-6)
    assert d.protected == "#2"  # no name: its 1-based row in the user's layer
    assert d.area_ha == pytest.approx(geod_utm_ha(b(5000, 5000, 100, 100)), rel=1e-6)
    # the reserve's 2 km edge is cut in 1 km chords in the equal-area plane (a UTM line is
    # not straight there): ~1 mm of sag along the pit's 100 m, 0.1 m2 (to 0.2 m2 here)
    assert d.protected_ha == pytest.approx(geod_utm_ha(b(5050, 5000, 50, 100)), rel=1e-6, abs=2e-5)
    assert d.concession == "Coopérative X (PE-7)"
    assert d.concession_ha == pytest.approx(d.area_ha, rel=1e-9)
    # cut by the landscape's east edge (1 km chords there too: to 0.2 m2 along 100 m)
    assert c.area_ha == pytest.approx(geod_utm_ha(b(9900, 100, 100, 100)), rel=1e-6, abs=2e-5)
    assert c.protected is None
    assert c.protected_ha == 0
    assert c.concession is None
    assert found.river_ha.sum() == 0  # the river runs along the west edge, far from them
    # 2023 added nothing: no alerts, and the timeline agrees
    assert set(found.date.dt.year) == {2021}
    tl = lp.footprint_timeline(ls, pits, protected=reserve, concessions=conc, rivers=river)
    assert tl.new_ha.iloc[2] == 0
    assert tl.new_ha.iloc[1] == pytest.approx(found.area_ha.sum(), rel=1e-12)
    # lon/lat: the centroid, checked against pyproj's own transform of the UTM centroid
    cx, cy = gpd.GeoSeries([b(5000, 5000, 100, 100).centroid], crs=UTM).to_crs(4326)[0].coords[0]
    assert (d.lon, d.lat) == pytest.approx((cx, cy), abs=1e-7)
    # a river next to a pit: its buffer's share, the default 100 m
    near = gpd.GeoDataFrame(geometry=[LineString([(605_150, 650_000), (605_150, 660_000)])])
    near = near.set_crs(UTM)
    f2 = lp.alerts(ls, pits, rivers=near).set_index("alert_id")
    # the buffer reaches 100 m west of x=5150: half the pit (5000-5100), and 75 m a
    # quarter; to 1e-3, since UTM metres are not true metres here (scale ~0.9997)
    assert f2.loc["2021-0002"].river_ha == pytest.approx(d.area_ha / 2, rel=1e-3)
    assert f2.river_ha.drop("2021-0002").sum() == 0
    f3 = lp.alerts(ls, pits, rivers=near, river_buffer_m=75)
    pit3 = f3.set_index("alert_id").loc["2021-0002"]
    assert pit3.river_ha == pytest.approx(d.area_ha / 4, rel=2e-3)
    assert f3.attrs["river_buffer_m"] == 75


def test_an_empty_date_between_does_not_make_old_pits_new():
    ls, b = square()
    fps = {
        2019: gpd.GeoDataFrame(geometry=[b(100, 100, 100, 100)], crs=UTM),
        2020: gpd.GeoDataFrame(geometry=[], crs=UTM),  # clouds: nothing detected
        2021: gpd.GeoDataFrame(geometry=[b(100, 100, 100, 100), b(500, 500, 100, 100)], crs=UTM),
    }
    with pytest.warns(DataWarning, match="2020-01-01: no polygon in the landscape"):
        found = lp.alerts(ls, fps)
    assert list(found.alert_id) == ["2021-0001"]
    assert found.since.iloc[0] == pd.Timestamp("2020-01-01")
    assert found.area_ha.iloc[0] == pytest.approx(geod_utm_ha(b(500, 500, 100, 100)), rel=1e-6)


def test_ids_take_the_full_date_when_two_dates_share_a_year():
    ls, b = square()
    pits = gpd.GeoDataFrame(
        {"date": ["2020-01-15", "2020-07-01", "2021-03-01"]},
        geometry=[b(0, 0, 100, 100), b(200, 0, 100, 100), b(400, 0, 100, 100)],
        crs=UTM,
    )
    found = lp.alerts(ls, pits)
    assert sorted(found.alert_id) == ["20200701-0001", "20210301-0001"]


def test_bad_inputs_are_named():
    ls, b = square()
    pits = gpd.GeoDataFrame(
        {"when": [2019, 2021]}, geometry=[b(0, 0, 100, 100), b(200, 0, 100, 100)], crs=UTM
    )
    with pytest.raises(MissingFieldError, match="no date field among date, year"):
        lp.alerts(ls, pits)
    with pytest.raises(MissingFieldError, match="date_field 'year' is not a field"):
        lp.alerts(ls, pits, date_field="year")
    with pytest.raises(InvalidParameterError, match="'soon' is not a date"):
        lp.alerts(ls, pits.assign(when=["soon", "2021"]), date_field="when")
    with pytest.warns(DataWarning, match=r"one date only \(2019-01-01\).*baseline"):
        one = lp.alerts(ls, pits[pits.when == 2019], date_field="when")
    assert len(one) == 0
    assert list(one.columns) == [*ALERT_COLUMNS, "geometry"]
    assert one.crs == pits.crs
    with pytest.raises(EmptySelectionError, match="footprints hold no polygon"):
        lp.alerts(ls, pits.iloc[:0], date_field="when")
    with pytest.raises(EmptySelectionError, match="footprints hold no polygon"):
        lp.alerts(ls, {})
    reserve = gpd.GeoDataFrame({"nom": ["R"]}, geometry=[b(0, 0, 50, 50)], crs=UTM)
    with pytest.raises(MissingFieldError, match=r"protected_field 'name' is not a field.*nom"):
        lp.alerts(ls, pits, date_field="when", protected=reserve, protected_field="name")
    with pytest.raises(MissingFieldError, match="concession_field 'x' is not a field"):
        lp.alerts(ls, pits, date_field="when", concessions=reserve, concession_field="x")
    for bad in (-1, math.nan, "lots"):
        with pytest.raises(InvalidParameterError, match=r"min_area_ha=.* must be a number >= 0"):
            lp.alerts(ls, pits, date_field="when", min_area_ha=bad)
    for bad in (-5, math.nan, "wide"):
        with pytest.raises(InvalidParameterError, match=r"river_buffer_m=.* must be >= 0"):
            lp.alerts(ls, pits, date_field="when", rivers=reserve, river_buffer_m=bad)
    # inputs are never modified
    assert list(pits.columns) == ["when", "geometry"]
    assert len(pits) == 2


def test_alerts_csv_and_layer(tmp_path):
    ls, b = square()
    pits = gpd.GeoDataFrame(
        {"year": [2019, 2021, 2021]},
        geometry=[b(0, 0, 100, 100), b(0, 0, 300, 100), b(5000, 5000, 100, 100)],
        crs=UTM,
    )
    reserve = gpd.GeoDataFrame(
        {"name": ["Réserve, nord", "Sud"]},
        geometry=[b(150, 0, 500, 500), b(250, 0, 500, 500)],
        crs=UTM,
    )
    found = lp.alerts(ls, pits, protected=reserve)
    path = write_alerts_csv(found, tmp_path / "alerts.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert list(back.columns) == list(ALERT_COLUMNS)
    assert list(back.alert_id) == list(found.alert_id)
    assert list(back.date) == ["2021-01-01"] * 2
    assert list(back.since) == ["2019-01-01"] * 2
    assert back.protected.iloc[0] == "Réserve, nord; Sud"  # most overlapped first
    assert back.protected.iloc[1] == ""
    assert back.area_ha.to_numpy() == pytest.approx(found.area_ha.to_numpy(), rel=1e-12)
    assert str(tmp_path) not in path.read_text("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["alerts.csv"]  # no temp file left
    layer = alerts_layer(found)
    assert layer.crs == found.crs
    assert "geometry" in layer.columns
    layer.to_file(tmp_path / "a.gpkg", layer="alerts", engine="pyogrio")
    read = gpd.read_file(tmp_path / "a.gpkg", layer="alerts")
    assert list(read.alert_id) == list(found.alert_id)
    assert read.geometry.area.to_numpy() == pytest.approx(found.geometry.area.to_numpy())
    assert alerts_table(found).date.tolist() == ["2021-01-01"] * 2
