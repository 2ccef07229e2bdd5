"""locate() claims optimality only when proved, and says what it dropped and why.

Issue 25, item 2. Oracles are independent of the code under test: a stub HiGHS whose
status is set here (time limit before any solution, relaxation cut short), scipy's
``linprog`` for the LP relaxation's bound, shapely for areas and overlaps, the cell
size from the resolution asked, and a monkeypatched rules run that must never start
when an option is bad.
"""

from __future__ import annotations

import importlib
import math
import re
import shutil
import time
import warnings

import geopandas as gpd
import highspy
import numpy as np
import pytest
import shapely
from pyproj import CRS
from scipy.optimize import linprog
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import (
    GeometryTypeError,
    InvalidParameterError,
    RulesWarning,
    ScaleWarning,
    SelectionWarning,
)
from landprofile.i18n import strings
from landprofile.profilecard.sections import asm
from landprofile.zoning import candidates, locate
from landprofile.zoning import select as select_mod
from landprofile.zoning.select import solve

UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0
SIZE = 4_000.0
RULES = """
name = "claims"
[zones]
min_area_ha = 5.0
max_area_ha = 200.0
min_score = 0.3
[favour.existing_sites]
layer = "sites"
weight = 1.0
decay_m = 1500.0
"""
SITES = [(800, 800), (3_200, 900), (2_000, 3_100), (600, 3_300)]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        warnings.simplefilter("ignore", RulesWarning)
        yield


def landscape() -> lp.Landscape:
    return lp.Landscape(
        name="claims",
        geometry=box(X0, Y0, X0 + SIZE, Y0 + SIZE),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )


def sites() -> gpd.GeoDataFrame:
    pts = [Point(X0 + x, Y0 + y) for x, y in SITES]
    return gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(len(pts))]}, geometry=pts, crs=UTM)


@pytest.fixture(scope="module")
def res():
    # module-scoped: made before the function-scoped _quiet applies
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        warnings.simplefilter("ignore", RulesWarning)
        return candidates(landscape(), rules=RULES, sites=sites(), resolution_m=100)


# ---- a stub HiGHS: the status, solution and bound a real run would report -------------


class _Info:
    def __init__(self, primal: int, dual_bound: float, objective: float) -> None:
        self.primal_solution_status = primal
        self.mip_dual_bound = dual_bound
        self.objective_function_value = objective


class _Sol:
    def __init__(self, x: list[float]) -> None:
        self.col_value = x


class _StubHighs:
    """What HiGHS answers when its time limit stops it (set by the test)."""

    def __init__(self, status, x=(), primal=0, dual_bound=math.inf, objective=0.0) -> None:
        self.status, self.x = status, list(x)
        self.info = _Info(primal, dual_bound, objective)

    def getModelStatus(self):  # noqa: N802 (HiGHS's own names)
        return self.status

    def getInfo(self):  # noqa: N802
        return self.info

    def getSolution(self):  # noqa: N802
        return _Sol(self.x)

    def modelStatusToString(self, status):  # noqa: N802
        return "Time limit reached"


TIME_LIMIT = highspy.HighsModelStatus.kTimeLimit


def test_time_limit_before_any_solution_claims_nothing(res, monkeypatch):
    # HiGHS stopped by its time limit before it had a selection or a bound
    monkeypatch.setattr(select_mod, "_run", lambda lp_, t: _StubHighs(TIME_LIMIT))
    with pytest.warns(SelectionWarning, match="not proved optimal") as rec:
        out = locate(res, n_zones=3, zone_area_ha=(20, 60), time_limit_s=0.5)
    sel = out.selection
    assert sel["gap"] is None
    assert sel["bound"] is None
    assert sel["proved"] is False
    assert "not solved" in sel["status"]
    assert len(out.zones) == 0
    # the warning says why, with the numbers
    msg = next(str(w.message) for w in rec if "not proved" in str(w.message))
    assert "before it found any selection" in msg
    assert "time_limit_s=0.5" in msg
    assert "gap unknown" in msg
    # what the CLI, the notebook and the card read
    assert out.summary["selection"]["gap"] is None
    assert out.summary["selection"]["bound"] is None
    assert "optimality not proved" in out._repr_html_()
    assert "gap None" not in out._repr_html_()
    for lang in ("en", "fr", "es"):
        line = asm(out, lang)["selection"]
        assert strings(lang)["sel_not_proved"] in line
        assert "%" not in line  # no gap stated at all


def test_time_limit_with_a_solution_states_the_proved_gap(res, monkeypatch):
    real_run = select_mod._run
    seen = {}

    def stopped(lp_, t):
        h = real_run(lp_, t)  # the true optimum of the same model ...
        x = list(h.getSolution().col_value)
        seen["n"] = len(x)
        # ... reported as a time-limited run whose proved bound is 25 % above it
        obj = float(np.dot(lp_.col_cost_, np.round(x)))
        seen["obj"], seen["bound"] = obj, obj / 0.75
        return _StubHighs(TIME_LIMIT, x, primal=2, dual_bound=obj / 0.75)

    monkeypatch.setattr(select_mod, "_run", stopped)
    with pytest.warns(SelectionWarning, match=r"at most 25\.00 % below the optimum"):
        out = locate(res, n_zones=3, zone_area_ha=(20, 60))
    sel = out.selection
    assert sel["objective"] == pytest.approx(seen["obj"])
    assert sel["bound"] == pytest.approx(seen["bound"])
    assert sel["gap"] == pytest.approx(0.25)
    assert "not proved optimal" in sel["status"]
    assert len(out.zones) == 3


def _lp_bound(values, areas, pairs, n_max, area_max):
    """The LP relaxation's optimum, by scipy (HiGHS is what is under test)."""
    n = len(values)
    rows, ub = [], []
    if n_max is not None:
        rows.append(np.ones(n))
        ub.append(n_max)
    if area_max is not None:
        rows.append(np.asarray(areas, dtype=float))
        ub.append(area_max)
    for i, j in pairs:
        r = np.zeros(n)
        r[[i, j]] = 1
        rows.append(r)
        ub.append(1)
    out = linprog(-np.asarray(values), A_ub=np.array(rows), b_ub=ub, bounds=[(0, 1)] * n)
    assert out.status == 0
    return -out.fun


def test_greedy_gap_only_from_a_finished_relaxation(monkeypatch):
    # a case where greedy is far from the optimum: the best candidate blocks two
    values = np.array([1.0, 0.8, 0.8])
    areas = np.array([1.0, 1.0, 1.0])
    pairs = np.array([[0, 1], [0, 2]])
    g = solve(values, areas, pairs, n_max=2, method="greedy")
    assert g.selected.tolist() == [0]
    want = _lp_bound(values, areas, pairs, 2, None)
    assert want == pytest.approx(1.6)
    assert g.bound == pytest.approx(want)
    assert g.gap == pytest.approx((want - 1.0) / want)
    assert g.unproved is None
    # the relaxation cut short by the time limit: its current value is no bound
    monkeypatch.setattr(
        select_mod, "_run", lambda lp_, t: _StubHighs(TIME_LIMIT, objective=1.0, primal=1)
    )
    g = solve(values, areas, pairs, n_max=2, method="greedy", time_limit_s=0.01)
    assert g.selected.tolist() == [0]
    assert g.gap is None
    assert g.bound is None
    assert "did not finish" in g.unproved
    assert "not proved" in g.status


def test_greedy_cut_short_through_locate_says_not_proved(res, monkeypatch):
    monkeypatch.setattr(select_mod, "_run", lambda lp_, t: _StubHighs(TIME_LIMIT, objective=9.0))
    with pytest.warns(SelectionWarning, match="LP relaxation that bounds greedy's gap"):
        out = locate(res, n_zones=3, zone_area_ha=(20, 60), method="greedy")
    assert out.selection["gap"] is None
    assert out.summary["selection"]["gap"] is None
    assert len(out.zones) == 3  # greedy's choice stands; only its gap is unknown
    assert strings("en")["sel_not_proved"] in asm(out, "en")["selection"]


def test_exact_optimal_still_says_gap_zero_and_warns_nothing(res):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SelectionWarning)
        out = locate(res, n_zones=2, zone_area_ha=(20, 60))
    assert out.selection["status"] == "optimal"
    assert out.selection["gap"] == 0.0
    assert out.selection["bound"] >= out.selection["objective"]
    assert "optimality gap 0" in asm(out, "en")["selection"]


# ---- every argument checked up front ----------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"time_limit_s": "x"}, r"time_limit_s='x' must be a number"),
        ({"time_limit_s": 0}, r"time_limit_s=0.0 must be a finite number > 0"),
        ({"time_limit_s": float("nan")}, "time_limit_s=nan must be a finite number > 0"),
        ({"time_limit_s": float("inf")}, "time_limit_s=inf must be a finite number"),
        ({"shape": ["compact"]}, r"shape=\['compact'\] is not one of compact"),
        ({"zone_area_ha": (0, 10)}, r"zone_area_ha min=0.0 must be a finite number > 0"),
        ({"zone_area_ha": (60, 20)}, "max 20 ha is below min 60 ha"),
        ({"zone_area_ha": (1, 2, 3)}, r"must be \(min, max\)"),
        # the true area of the 4 x 4 km UTM square (UTM's scale is 0.9997 here)
        (
            {"zone_area_ha": (1e9, 2e9)},
            r"max 2e\+09 ha is larger than the landscape \(1,600\.87 ha\)",
        ),
        ({"n_zones": 2.5}, "n_zones=2.5 must be a whole number"),
        ({"max_candidates": 0}, "max_candidates=0"),
    ],
)
def test_bad_options_are_named(res, kw, match):
    with pytest.raises(InvalidParameterError, match=match):
        locate(res, **kw)


def _no_rules_run(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the rules ran before the options were checked")

    # the module (the package's attribute of that name is the function)
    module = importlib.import_module("landprofile.zoning.candidates")
    monkeypatch.setattr(module, "load_rules", boom)


@pytest.mark.parametrize(
    ("select", "match"),
    [
        ({"n_zone": 5}, r"unknown option\(s\) \['n_zone'\]; accepted: n_zones, total_area_ha"),
        ({"enabled": "no"}, "enabled='no' must be True or False"),
        ({"zone_area_ha": (1e9, 2e9)}, "larger than the landscape"),
        ({"time_limit_s": 0}, "time_limit_s"),
        (["n_zones", 3], "must be a mapping"),
    ],
)
def test_candidates_select_is_checked_before_the_rules_run(monkeypatch, select, match):
    _no_rules_run(monkeypatch)
    t0 = time.perf_counter()
    with pytest.raises(InvalidParameterError, match=match):
        candidates(landscape(), rules=RULES, sites=sites(), resolution_m=100, select=select)
    assert time.perf_counter() - t0 < 2.0


def test_select_enabled_false_gives_every_suitable_piece(res):
    off = candidates(
        landscape(), rules=RULES, sites=sites(), resolution_m=100, select={"enabled": False}
    )
    assert off.selection is None
    assert len(off.zones) == len(res.zones)
    assert off.summary["candidate_ha"] == pytest.approx(res.summary["candidate_ha"])
    on = candidates(
        landscape(),
        rules=RULES,
        sites=sites(),
        resolution_m=100,
        select={"enabled": True, "n_zones": 2, "zone_area_ha": (20, 60)},
    )
    assert len(on.zones) == 2


def test_config_select_is_checked_when_read(tmp_path, sample_dir):
    from landprofile.config import ConfigError, load_config
    from landprofile.pipeline import select_options

    for f in sample_dir.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    text = (sample_dir / "demo.toml").read_text()
    assert "zone_area_ha = [50, 1000]" in text
    (tmp_path / "r.toml").write_text(text.replace("[50, 1000]", "[1000, 50]"))
    with pytest.raises(ConfigError, match=r"r\.toml.*\[select\].*max 50 ha is below min 1000"):
        load_config(tmp_path / "r.toml")
    (tmp_path / "t.toml").write_text(text.replace('shape = "compact"', 'shape = ["compact"]'))
    with pytest.raises(ConfigError, match=r"shape"):
        load_config(tmp_path / "t.toml")
    cfg = load_config(sample_dir / "demo.toml")
    # the CLI's overrides are checked with the config, before zoning
    with pytest.raises(ConfigError, match=r"\[select\]: time_limit_s=0.0 must be"):
        select_options(cfg, time_limit_s=0)
    assert select_options(cfg, time_limit_s=5)["time_limit_s"] == 5


# ---- what is dropped is said, with the numbers ------------------------------------------


def test_cells_larger_than_the_zones_asked_warn(res):
    cell_ha = 100 * 100 / 1e4  # resolution_m = 100
    with pytest.warns(SelectionWarning, match=r"analysis cell \(100 m, 1 ha\).*max 0\.5 ha"):
        out = locate(res, n_zones=3, zone_area_ha=(0.1, 0.5))
    assert len(out.zones) == 3
    assert (out.zones.to_crs(UTM).area / 1e4 > 0.5).all()
    assert out.zones["area_ha"].max() <= cell_ha + 1e-6


def _gdf(geoms, ids):
    return gpd.GeoDataFrame({"permit": ids}, geometry=geoms, crs=UTM)


PERMIT_A = box(X0 + 500, Y0 + 500, X0 + 1_000, Y0 + 1_000)  # 25 ha
PERMIT_B = box(X0 + 750, Y0 + 750, X0 + 1_250, Y0 + 1_250)  # 25 ha, 6.25 ha shared with A


@pytest.mark.parametrize(
    "odd",
    [
        Point(X0 + 2_000, Y0 + 2_000),
        LineString([(X0 + 2_000, Y0 + 2_000), (X0 + 2_500, Y0 + 2_000)]),
    ],
)
def test_point_or_line_permits_are_refused_by_name(res, odd):
    lock = _gdf([PERMIT_A, odd], ["PA-1", "PX-2"])
    with pytest.raises(
        GeometryTypeError,
        match=rf"1 of 2 permits are not areas \(1 {odd.geom_type}.*PX-2.*Polygon or MultiPolygon",
    ):
        locate(res, n_zones=3, zone_area_ha=(20, 60), lock_in=lock)


def test_permits_outside_the_landscape_warn_with_their_ids(res):
    far = box(X0 + 50_000, Y0, X0 + 50_500, Y0 + 500)
    lock = _gdf([PERMIT_A, far], ["PA-1", "FAR-9"])
    with pytest.warns(SelectionWarning, match=r"1 of 2 permits lie outside the landscape.*FAR-9"):
        out = locate(res, n_zones=3, zone_area_ha=(20, 60), lock_in=lock)
    assert out.zones["locked"].sum() == 1
    assert out.zones.loc[out.zones["locked"], "locked_feature"].tolist() == ["PA-1"]


def test_more_permits_than_zones_is_refused(res):
    c = box(X0 + 3_000, Y0 + 3_000, X0 + 3_500, Y0 + 3_500)
    lock = _gdf([PERMIT_A, box(X0 + 2_000, Y0 + 2_000, X0 + 2_500, Y0 + 2_500), c], ["A", "B", "C"])
    with pytest.raises(
        InvalidParameterError, match=r"lock_in holds 3 permits.*more than n_zones=2"
    ):
        locate(res, n_zones=2, zone_area_ha=(20, 60), lock_in=lock)


def test_permits_over_the_total_area_are_refused_not_infeasible(res):
    lock = _gdf([PERMIT_A], ["A"])
    with pytest.raises(
        InvalidParameterError, match=r"take 25\.0 ha .*more than total_area_ha=20\.0 ha"
    ):
        locate(res, total_area_ha=20, zone_area_ha=(5, 10), lock_in=lock)


def test_overlapping_permits_are_counted_once(res):
    lock = _gdf([PERMIT_A, PERMIT_B], ["A", "B"])
    shared_ha = PERMIT_A.intersection(PERMIT_B).area / 1e4
    assert shared_ha == pytest.approx(6.25)
    with pytest.warns(
        SelectionWarning, match=r"counted once, in the earlier permit.*B \(6\.25 ha\)"
    ):
        out = locate(res, total_area_ha=80, zone_area_ha=(10, 30), lock_in=lock)
    z = out.zones.to_crs(UTM)
    locked = z[z["locked"]]
    assert sorted(locked["locked_feature"]) == ["A", "B"]
    # the union's area, not the sum of the two (oracle: shapely on the permits as given)
    union_ha = shapely.union(PERMIT_A, PERMIT_B).area / 1e4
    assert locked["area_ha"].sum() == pytest.approx(union_ha, rel=1e-3)
    a, b = locked.geometry
    assert a.intersection(b).area < 1.0
    assert z["area_ha"].sum() <= 80 + 1e-6


def test_tiny_permit_uses_no_deprecated_affine_operator(res):
    tiny = box(X0 + 2_010, Y0 + 2_010, X0 + 2_030, Y0 + 2_030)  # 0.04 ha, under a cell
    with warnings.catch_warnings():
        warnings.simplefilter("error", PendingDeprecationWarning)
        warnings.simplefilter("error", DeprecationWarning)
        out = locate(res, n_zones=2, zone_area_ha=(20, 60), lock_in=_gdf([tiny], ["T"]))
    assert out.zones["locked"].sum() == 1


def test_unmet_number_names_the_spacing_when_it_binds(res):
    with pytest.warns(SelectionWarning, match=r"only \d of the 6 zones asked") as rec:
        out = locate(res, n_zones=6, zone_area_ha=(20, 60), min_spacing_m=2_500)
    msg = next(str(w.message) for w in rec if "zones asked" in str(w.message))
    assert "the spacing asked (min_spacing_m=2500) binds" in msg
    without = int(re.search(r"without it (\d+) zones", msg).group(1))
    assert len(out.zones) < without
    # oracle: the same request without the spacing does place that many
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelectionWarning)
        free = locate(res, n_zones=6, zone_area_ha=(20, 60))
    assert len(free.zones) >= without


def test_unmet_total_names_the_land_not_the_spacing(res):
    passed_ha = res.summary["suitable_ha"]
    asked = 3 * passed_ha
    with pytest.warns(SelectionWarning, match=r"only [\d,]+ ha of the [\d,]+ ha asked") as rec:
        locate(res, total_area_ha=asked, zone_area_ha=(20, 200))
    msg = next(str(w.message) for w in rec if "ha asked" in str(w.message))
    assert "of land passed the rules, less than the" in msg
    assert "spacing" not in msg


def test_regions_dropped_after_the_exact_cut_are_said(res):
    # discs of 60 m on every other corner of the analysis grid: no cell centre is in one
    # (centres are 70.7 m from corners), so every cell passes the rules, but each cell
    # loses a quarter disc to the exact cut
    t, grid = res.grid.transform, res.grid
    corners = [
        shapely.Point(*(t @ (c, r)))
        for r in range(0, grid.height + 1, 2)
        for c in range(0, grid.width + 1, 2)
    ]
    discs = gpd.GeoDataFrame(geometry=[p.buffer(60, quad_segs=64) for p in corners], crs=grid.crs)
    rules = RULES + '\n[exclude.protected]\nlayer = "protected"\nbuffer_m = 0.0\n'
    cut = candidates(landscape(), rules=rules, sites=sites(), protected=discs, resolution_m=100)
    assert cut.grid.transform == t  # the same grid: the discs sit on its corners
    with pytest.warns(SelectionWarning, match=r"3 regions were chosen but 0 zones are returned"):
        out = locate(cut, n_zones=3, zone_area_ha=(9, 10))
    # oracle: a 10-cell region keeps 10 x (1 - pi 60^2 / 4 / 100^2) ha < 9 ha
    kept_ha = 10 * (1 - math.pi * 60**2 / 4 / 100**2)
    assert kept_ha < 9
    assert out.selection["n_chosen"] == 3
    assert out.selection["n_dropped_after_cut"] == 3
    assert out.summary["ha_dropped_after_clipping"] == pytest.approx(3 * kept_ha, rel=1e-3)
    assert len(out.zones) == 0


def test_real_highs_stopped_before_a_solution_claims_no_gap():
    # a real HiGHS run (no stub): 3,000 candidates, 20,000 conflicts, a microsecond
    rng = np.random.default_rng(0)
    n = 3_000
    values, areas = rng.uniform(0.1, 1, n), rng.uniform(1, 5, n)
    pairs = rng.integers(0, n, (20_000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    s = solve(values, areas, pairs, n_max=200, time_limit_s=1e-6)
    assert (s.gap, s.bound, len(s.selected)) == (None, None, 0)
    assert s.status == "not solved: Time limit reached"
    assert "before it found any selection" in s.unproved
    g = solve(values, areas, pairs, n_max=200, time_limit_s=1e-6, method="greedy")
    assert (g.gap, g.bound) == (None, None)
    assert len(g.selected) == 200  # greedy's own choice does not need HiGHS
    # the same case given time: a gap from a finished relaxation, checked by scipy
    g = solve(values[:60], areas[:60], pairs[(pairs < 60).all(axis=1)], n_max=10, method="greedy")
    want = _lp_bound(values[:60], areas[:60], pairs[(pairs < 60).all(axis=1)], 10, None)
    assert g.bound == pytest.approx(want, rel=1e-6)
    assert g.gap == pytest.approx((want - g.objective) / want, rel=1e-6)


def test_the_config_s_select_keys_are_locate_s_options():
    from landprofile.config import _SELECT
    from landprofile.zoning.locate_options import OPTIONS

    assert {"enabled", *OPTIONS} == _SELECT
