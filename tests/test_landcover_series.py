"""Land cover over N dates (issue 39 item 2): ``lp.land_cover_series``.

Oracles: hand-computed shares and transitions on a tiny equal-area grid (each cell's
area checked with pyproj.Geod), and ``lp.profile``'s land-cover shares on ESA's own
WorldCover tile of São Tomé.
"""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest
from affine import Affine
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box

import landprofile as lp
from _sources_helpers import isolated as isolated
from _sources_helpers import land
from landprofile.errors import DataWarning, InvalidParameterError
from landprofile.testing import write_geotiff

#: EASE-Grid 2.0 global: cylindrical equal-area, so a 100 m cell is 1 ha everywhere.
EA = "EPSG:6933"
X0, Y0, CELL = 100_000.0, 600_000.0, 100.0

D2019 = np.full((4, 4), 10, np.uint8)  # all tree cover
D2020 = np.array(
    [[10, 10, 40, 40], [10, 10, 40, 40], [10, 10, 10, 40], [90, 10, 10, 40]], np.uint8
)  # cropland in the east, a wetland cell
D2021 = np.array(
    [[50, 10, 50, 40], [10, 60, 50, 40], [10, 10, 10, 10], [90, 10, 10, 40]], np.uint8
)  # built-up on cropland and forest, bare on forest, cropland back to forest
#: The landscape covers columns 0-2 whole and half of column 3 (x to 350 m).
WEIGHT_HA = np.array([1.0, 1.0, 1.0, 0.5])[None, :].repeat(4, axis=0)


def _tif(path, data):
    return write_geotiff(path, data, Affine(CELL, 0, X0, 0, -CELL, Y0 + 4 * CELL), EA, nodata=0)


def _expected_shares(data):
    out = {}
    for v in np.unique(data):
        out[int(v)] = float(WEIGHT_HA[data == v].sum())
    return out


def _expected_pairs(a, b):
    out: dict[tuple[int, int], float] = {}
    for va, vb, w in zip(a.ravel(), b.ravel(), WEIGHT_HA.ravel(), strict=True):
        out[(int(va), int(vb))] = out.get((int(va), int(vb)), 0.0) + float(w)
    return out


@pytest.fixture
def three_dates(tmp_path):
    files = {
        "2021": _tif(tmp_path / "lc2021.tif", D2021),
        "2019": _tif(tmp_path / "lc2019.tif", D2019),
        "2020": _tif(tmp_path / "lc2020.tif", D2020),
    }
    ls = land(box(X0, Y0, X0 + 3.5 * CELL, Y0 + 4 * CELL), crs=EA, name="grid")
    return ls, files


def test_a_cell_of_the_grid_is_one_hectare_by_geod():
    """The oracle's premise: on this equal-area grid a 100 m cell is 1 ha on the ellipsoid."""
    to_ll = Transformer.from_crs(EA, "EPSG:4326", always_xy=True)
    side = np.linspace(0.0, CELL, 50)
    ring_x = X0 + np.concatenate([side, np.full(50, CELL), side[::-1], np.zeros(50)])
    ring_y = Y0 + np.concatenate([np.zeros(50), side, np.full(50, CELL), side[::-1]])
    lon, lat = to_ll.transform(ring_x, ring_y)
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)
    assert abs(abs(area) - 1e4) / 1e4 < 1e-6


def test_three_dates_shares_and_transitions_by_hand(three_dates):
    ls, files = three_dates
    series = lp.land_cover_series(ls, files, legend="esa_worldcover_v200")
    assert series.dates == ("2019", "2020", "2021")  # years put in order
    data = {"2019": D2019, "2020": D2020, "2021": D2021}
    for date, arr in data.items():
        want = _expected_shares(arr)
        got = series.shares[series.shares["date"] == date]
        assert dict(zip(got["value"], got["area_ha"], strict=True)) == pytest.approx(want, rel=1e-6)
        total = sum(want.values())  # 14 ha
        pct = dict(zip(got["value"], got["share_pct"], strict=True))
        assert pct == pytest.approx({k: 100 * v / total for k, v in want.items()}, rel=1e-6)
        grp = series.by_group[series.by_group["date"] == date]
        assert grp["share_pct"].sum() == pytest.approx(100.0, rel=1e-9)
    t = series.transitions
    for kind, a, b in [
        ("consecutive", "2019", "2020"),
        ("consecutive", "2020", "2021"),
        ("first_last", "2019", "2021"),
    ]:
        rows = t[(t["pair"] == kind) & (t["from_date"] == a) & (t["to_date"] == b)]
        got = {
            (int(r.from_value), int(r.to_value)): r.area_ha
            for r in rows.itertuples()
            if r.kind == "class"
        }
        assert got == pytest.approx(_expected_pairs(data[a], data[b]), rel=1e-6)
    nat = series.natural.set_index(["from_date", "to_date"])
    # natural by WorldCover's groups: tree cover 10, bare/sparse 60, wetland 90
    natural = [np.isin(d, [10, 60, 90]) for d in (D2019, D2020, D2021)]
    lost_1920 = WEIGHT_HA[natural[0] & ~natural[1]].sum()
    gained_2021 = WEIGHT_HA[~natural[1] & natural[2]].sum()
    lost_2021 = WEIGHT_HA[natural[1] & ~natural[2]].sum()
    assert nat.loc[("2019", "2020"), "lost_ha"] == pytest.approx(lost_1920, rel=1e-6)
    assert nat.loc[("2020", "2021"), "gained_ha"] == pytest.approx(gained_2021, rel=1e-6)
    assert nat.loc[("2020", "2021"), "lost_ha"] == pytest.approx(lost_2021, rel=1e-6)
    assert series.version_warnings == ()
    # each date's source by its file name only; the JSON holds no absolute path
    assert [s["source"] for s in series.sources] == ["lc2019.tif", "lc2020.tif", "lc2021.tif"]
    text = series.to_json()
    assert str(files["2019"].parent) not in text
    back = json.loads(text)
    assert back["dates"] == ["2019", "2020", "2021"]
    assert len(back["transitions"]) == len(t)
    wide = series.share_table()
    assert list(wide.columns) == ["2019", "2020", "2021"]


def test_a_pair_is_change_itself(three_dates):
    """Each pair's transitions are lp.change's (no second kernel)."""
    ls, files = three_dates
    series = lp.land_cover_series(ls, files, legend="esa_worldcover_v200")
    ch = lp.change(ls, files["2020"], files["2021"], legend="esa_worldcover_v200")
    mine = series.changes[("2020", "2021")].transitions
    assert mine.equals(ch.transitions)


def test_a_per_date_legend_and_differing_products_are_warned(three_dates):
    ls, files = three_dates
    with pytest.warns(DataWarning, match="different legends"):
        series = lp.land_cover_series(
            ls,
            {
                "2019": files["2019"],
                "2020": (files["2020"], "esa_worldcover_v100"),
                "2021": files["2021"],
            },
            legend={"2019": "esa_worldcover_v200"},
        )
    pairs = {(w["from_date"], w["to_date"]) for w in series.version_warnings}
    assert pairs == {("2019", "2020"), ("2020", "2021")}
    assert [s["legend"] for s in series.sources] == [
        "esa_worldcover_v200",
        "esa_worldcover_v100",
        "esa_worldcover_v200",
    ]


@pytest.mark.parametrize(
    ("rasters", "legend", "text"),
    [
        ("only.tif", None, "mapping of dates"),
        ({"2020": "a.tif"}, None, "at least two"),
        (["a.tif", "a.tif"], None, "more than once"),
        ({"2020": "a.tif", "2021": "b.tif"}, {"2019": "esa_worldcover_v200"}, "not in the series"),
        ({"2020": ("a.tif", "x", "y"), "2021": "b.tif"}, None, "(raster, legend) pair"),
    ],
)
def test_bad_series_are_named_before_any_read(rasters, legend, text):
    with pytest.raises(InvalidParameterError, match=text.replace("(", r"\(").replace(")", r"\)")):
        lp.land_cover_series(land(), rasters, legend=legend)


@pytest.mark.shared_data
def test_real_worldcover_tile_shares_equal_the_profile(shared_data, tmp_path, monkeypatch):
    """ESA's N00E006 tile (v100, 2020) by name, the same cells under the 2021 (v200) name
    (shared data holds no 2021 tile: a stand-in, so its transitions are all unchanged), and
    the tile as a file: each date's shares equal lp.profile's for that raster."""
    src = shared_data / "worldcover" / "ESA_WorldCover_10m_2020_v100_N00E006_Map.tif"
    root = tmp_path / "m"
    for year, version in ((2020, "v100"), (2021, "v200")):
        name = f"ESA_WorldCover_10m_{year}_{version}_N00E006_Map.tif"
        dst = root / f"esa-worldcover/{version}/{year}/map" / name
        dst.parent.mkdir(parents=True)
        shutil.copyfile(src, dst)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    ls = land(
        Polygon(
            [(6.61234567, 0.30123457), (6.7387654, 0.31234), (6.7299, 0.39876543), (6.6201, 0.3911)]
        ),
        name="sao tome",
    )
    rasters = {"2020": "worldcover:2020", "2021": "worldcover:2021", "2022": src}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        series = lp.land_cover_series(ls, rasters, legend={"2022": "esa_worldcover_v100"})
    version = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("worldcover:2020 and worldcover:2021" in m and "v100 and v200" in m for m in version)
    notes = {(w["from_date"], w["to_date"]): w["message"] for w in series.version_warnings}
    assert "v100 and v200" in notes[("2020", "2021")]
    assert "worldcover:2020" in notes[("2020", "2021")]
    assert ("2020", "2022") not in notes  # both v100: nothing to warn
    assert ("2021", "2022") in notes  # v200 against v100 legends
    for date, given, legend in (
        ("2020", "worldcover:2020", None),
        ("2021", "worldcover:2021", None),
        ("2022", src, "esa_worldcover_v100"),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            prof = lp.profile(ls, land_cover=given, legend=legend).land_cover
        want = prof[prof["kind"] == "class"]
        got = series.shares[series.shares["date"] == date]
        assert got["value"].tolist() == want["value"].tolist()
        np.testing.assert_allclose(got["area_ha"], want["area_ha"], rtol=1e-12)
        np.testing.assert_allclose(got["share_pct"], 100 * want["share"], rtol=1e-12)
        assert got["share_pct"].sum() == pytest.approx(100.0, rel=1e-12)
    # the same cells under two names: every transition keeps its class
    t = series.transitions
    step = t[(t["pair"] == "consecutive") & (t["from_date"] == "2020") & (t["kind"] == "class")]
    assert (step["from_value"] == step["to_value"]).all()
    by_src = {s["date"]: s for s in series.sources}
    assert by_src["2020"]["doi"] == "10.5281/zenodo.5571936"
    assert by_src["2021"]["doi"] == "10.5281/zenodo.7254221"
    assert by_src["2022"]["source"] == src.name
    text = series.to_json()
    assert str(tmp_path) not in text
    assert str(shared_data) not in text


def test_each_date_is_credited(three_dates):
    """A file's sidecar, the call's credits by date, and 'credit not given' otherwise."""
    ls, files = three_dates
    side = files["2019"].with_name(files["2019"].name + ".credit.toml")
    side.write_text('credit = "Forestry Commission survey"\nlicence = "CC BY 4.0"\n')
    series = lp.land_cover_series(
        ls, files, legend="esa_worldcover_v200", credits={"2020": "District team, 2020"}
    )
    by = {s["date"]: s for s in series.sources}
    assert by["2019"]["credit"] == "Forestry Commission survey"
    assert by["2019"]["licence"] == "CC BY 4.0"
    assert by["2019"]["origin"] == "sidecar"
    assert by["2020"]["credit"] == "District team, 2020"
    assert by["2021"]["given"] is False
    assert by["2021"]["credit_text"] == "credit not given"
    creds = series.credit_list()
    assert [c.name for c in creds] == ["lc2019.tif", "lc2020.tif", "lc2021.tif"]
    assert creds[0].given
    assert not creds[2].given
    assert json.loads(series.to_json())["sources"][1]["credit"] == "District team, 2020"
