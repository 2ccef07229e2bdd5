"""locate's conflicts as a graph written in cliques: the same choice as one row per pair.

Oracles: shapely distances and overlaps between unions of cell squares (for which pairs
conflict), brute force over every subset (for the optimum), the pairwise reference that
locate used before (:mod:`landprofile.zoning._pairwise_reference`) and the pairwise MILP
(``solve`` given an array of pairs), on random instances and on the demo's candidates.
"""

from __future__ import annotations

import importlib
import itertools
import warnings

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landprofile.errors import SelectionWarning
from landprofile.zoning._pairwise_reference import conflict_pairs as reference_pairs
from landprofile.zoning.conflict_cliques import (
    ConflictGraph,
    conflict_pairs,
    squared_thresholds,
)
from landprofile.zoning.grow import Regions
from landprofile.zoning.select import solve

locate_mod = importlib.import_module("landprofile.zoning.locate")


# ---- which pairs conflict -------------------------------------------------------------


def _regions(parts: list[np.ndarray]) -> Regions:
    n = len(parts)
    off = np.zeros(n + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(p) for p in parts])
    return Regions(
        cells=np.concatenate(parts).astype(np.int64),
        offsets=off,
        n_cells=np.diff(off),
        mean=np.ones(n),
        edge=np.ones(n),
        compactness=np.ones(n),
        seeds=np.zeros((n, 2), dtype=np.int64),
    )


@st.composite
def region_sets(draw):
    h, w = draw(st.integers(4, 24)), draw(st.integers(4, 24))
    k = draw(st.integers(2, 7))
    parts = []
    for _ in range(k):
        if draw(st.booleans()):
            # a blob: a rectangle with some cells taken out (holes, notches)
            r0, c0 = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
            r1, c1 = draw(st.integers(r0, h - 1)), draw(st.integers(c0, w - 1))
            rr, cc = np.mgrid[r0 : r1 + 1, c0 : c1 + 1]
            flat = (rr * w + cc).ravel()
            drop = draw(st.lists(st.integers(0, len(flat) - 1), max_size=len(flat) // 2))
            keep = np.setdiff1d(np.arange(len(flat)), drop)
            flat = flat[keep] if len(keep) else flat[:1]
        else:  # scattered cells, in growth order (not sorted)
            flat = np.array(
                draw(st.lists(st.integers(0, h * w - 1), min_size=1, max_size=12, unique=True))
            )
        parts.append(flat)
    res = draw(st.sampled_from([1.0, 30.0, 60.0, 92.6]))
    lo = draw(st.one_of(st.just(0.0), st.floats(0.01, 20.0))) * res
    hi = draw(st.one_of(st.none(), st.floats(0.0, 30.0)))
    hi = None if hi is None else lo + hi * res
    return parts, w, res, lo, hi


def _squares(flat: np.ndarray, w: int, res: float):
    r, c = np.divmod(flat, w)
    return shapely.union_all(shapely.box(c * res, -(r + 1) * res, (c + 1) * res, -r * res))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region_sets())
def test_conflicting_pairs_are_those_shapely_and_the_pairwise_reference_find(case):
    parts, w, res, lo, hi = case
    regs = _regions(parts)
    got = conflict_pairs(regs, w, res, lo, hi)
    assert np.array_equal(got, reference_pairs(regs, w, res, lo, hi))
    found = {tuple(p) for p in got.tolist()}
    geoms = [_squares(p, w, res) for p in parts]
    for i, j in itertools.combinations(range(len(parts)), 2):
        d = shapely.distance(geoms[i], geoms[j])
        shared = shapely.intersection(geoms[i], geoms[j]).area > 0
        # a distance within rounding of a spacing could go either way
        if not shared and (
            abs(d - lo) < 1e-6 * res or (hi is not None and abs(d - hi) < 1e-6 * res)
        ):
            continue
        want = shared or (lo > 0 and d < lo) or (hi is not None and d > hi)
        assert ((i, j) in found) == want, (i, j, d, shared, lo, hi)


@pytest.mark.parametrize("lo", [0.0, 45.0, 300.0, 1_250.0])
def test_many_regions_through_the_spatial_index_match_the_reference(lo):
    # more than 64 regions and no maximum: candidate pairs come from the KD-tree
    rng = np.random.default_rng(3)
    w = 150
    parts = []
    for _ in range(90):
        r0, c0 = rng.integers(0, w - 12, 2)
        rr, cc = np.mgrid[r0 : r0 + rng.integers(1, 12), c0 : c0 + rng.integers(1, 12)]
        flat = (rr * w + cc).ravel()
        parts.append(
            rng.permutation(flat[rng.uniform(size=len(flat)) < 0.8] if len(flat) > 4 else flat)
        )
    parts = [p if len(p) else np.array([0]) for p in parts]
    regs = _regions(parts)
    got = conflict_pairs(regs, w, 10.0, lo, None)
    assert np.array_equal(got, reference_pairs(regs, w, 10.0, lo, None))
    assert len(got) > 20


def test_squared_thresholds_match_the_spacing_in_metres():
    for res, lo, hi in [(60.0, 2000.0, None), (30.0, 60_000.0, 90_000.0), (10.0, 50.0, 50.0)]:
        s_lo, s_hi = squared_thresholds(res, lo, hi)
        assert np.sqrt(s_lo) * res < lo <= np.sqrt(s_lo + 1) * res
        if hi is not None:
            assert np.sqrt(s_hi) * res <= hi < np.sqrt(s_hi + 1) * res
    assert squared_thresholds(60.0, 0.0, None) == (-1, -1)
    # 3000 m at 60 m: 50 cells exactly, not closer than the minimum (strict)
    assert squared_thresholds(60.0, 3000.0, None)[0] == 2499


# ---- the clique cover ----------------------------------------------------------------


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 24))
    p = draw(st.floats(0.0, 1.0))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    adj = np.triu(rng.uniform(size=(n, n)) < p, 1)
    return ConflictGraph.from_pairs(n, np.argwhere(adj))


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_cliques_cover_every_conflict_and_forbid_nothing_else(g):
    adj = g.adjacency
    off, mem = g.cliques()
    covered = np.zeros_like(adj)
    for k in range(len(off) - 1):
        c = mem[off[k] : off[k + 1]]
        assert len(c) >= 2
        assert len(set(c.tolist())) == len(c)
        # a clique: every two members conflict (no non-conflicting pair is forbidden)
        sub = adj[np.ix_(c, c)]
        assert sub.sum() == len(c) * (len(c) - 1)
        # maximal: no other candidate conflicts with all of them
        assert not (adj[c].all(axis=0) & ~np.isin(np.arange(len(adj)), c)).any()
        covered[np.ix_(c, c)] = True
    np.fill_diagonal(covered, False)
    # every conflicting pair is caught by some clique
    assert np.array_equal(covered, adj)


# ---- the optimum: brute force, pruning, greedy ----------------------------------------


def _brute_force(values, areas, adj, n_max, area_max):
    n = len(values)
    best = 0.0
    for k in range(0, n + 1 if n_max is None else min(n, n_max) + 1):
        for s in itertools.combinations(range(n), k):
            if area_max is not None and areas[list(s)].sum() > area_max + 1e-9:
                continue
            if any(adj[a, b] for a, b in itertools.combinations(s, 2)):
                continue
            best = max(best, float(values[list(s)].sum()))
    return best


@st.composite
def problems(draw):
    g = draw(graphs().filter(lambda g: len(g) <= 11))
    n = len(g)
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    # repeated values and areas: ties are where pruning could go wrong
    values = (
        rng.choice([0.2, 0.5, 0.5, 0.8, 1.0], n) if draw(st.booleans()) else rng.uniform(0, 1, n)
    )
    areas = rng.choice([1.0, 2.0, 3.0], n)
    n_max = draw(st.one_of(st.none(), st.integers(1, 5)))
    area_max = draw(st.one_of(st.none(), st.floats(1.0, 8.0)))
    if n_max is None and area_max is None:
        n_max = 3
    return values, areas, g, n_max, area_max


@settings(max_examples=120, deadline=None)
@given(problems())
def test_cliques_and_pruning_keep_the_optimum_of_brute_force(case):
    values, areas, g, n_max, area_max = case
    want = _brute_force(values, areas, g.adjacency, n_max, area_max)
    sol = solve(values, areas, g, n_max=n_max, area_max=area_max)
    assert sol.objective == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert sol.gap == 0.0
    chosen = sol.selected
    assert not g.adjacency[np.ix_(chosen, chosen)].any()
    # pruning alone keeps the optimum
    keep = np.flatnonzero(~g.dominated(values, areas, area_max is not None))
    sub = g.subgraph(keep).adjacency
    assert _brute_force(values[keep], areas[keep], sub, n_max, area_max) == pytest.approx(
        want, rel=1e-9, abs=1e-9
    )
    # greedy: the same choice as with one row per pair, and a bound no lower
    pairs = g.pairs()
    gg = solve(values, areas, g, n_max=n_max, area_max=area_max, method="greedy")
    gp = solve(values, areas, pairs, n_max=n_max, area_max=area_max, method="greedy")
    assert gg.selected.tolist() == gp.selected.tolist()
    assert gg.objective <= want + 1e-9 <= gg.bound + 1e-6
    # the cliques' relaxation is at least as tight as the pairs'
    assert gg.bound <= gp.bound + 1e-6


def test_a_dominated_candidate_is_pruned_only_when_provably_unneeded():
    # 0 and 1 conflict; 1 also conflicts with 2: 0 (worth more, no larger) dominates 1
    g = ConflictGraph.from_pairs(3, np.array([[0, 1], [1, 2]]))
    values, areas = np.array([1.0, 0.9, 0.5]), np.array([1.0, 1.0, 1.0])
    assert g.dominated(values, areas, True).tolist() == [False, True, False]
    # larger than the one it would be swapped for: kept when a total area is asked
    assert g.dominated(values, np.array([2.0, 1.0, 1.0]), True).tolist() == [False] * 3
    assert g.dominated(values, np.array([2.0, 1.0, 1.0]), False).tolist() == [False, True, False]
    # 0 conflicting with something 1 does not: no swap is safe
    g2 = ConflictGraph.from_pairs(4, np.array([[0, 1], [1, 2], [0, 3]]))
    assert not g2.dominated(np.array([1.0, 0.9, 0.5, 0.1]), np.ones(4), True)[1]
    # twins of equal worth: one stays
    g3 = ConflictGraph.from_pairs(2, np.array([[0, 1]]))
    assert g3.dominated(np.array([1.0, 1.0]), np.ones(2), True).tolist() == [False, True]


# ---- the demo's candidates, at several spacings ---------------------------------------


@pytest.fixture(scope="module")
def demo():
    from landprofile.config import load_config
    from landprofile.demo import sample_data_dir
    from landprofile.pipeline import build_boundary, build_zoning, select_options

    cfg = load_config(sample_data_dir() / "demo.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = build_zoning(cfg, build_boundary(cfg), select=False)
    return res, select_options(cfg)


def _spy(monkeypatch):
    """Record what locate gives the conflict search and the solver."""
    seen: dict = {}
    find, choose = locate_mod.conflict_pairs, locate_mod.solve

    def find_spy(*args):
        out = find(*args)
        seen["find"] = (args, out)
        return out

    def solve_spy(values, areas, conflicts, **kw):
        out = choose(values, areas, conflicts, **kw)
        seen["solve"] = (values, areas, conflicts, kw, out)
        return out

    monkeypatch.setattr(locate_mod, "conflict_pairs", find_spy)
    monkeypatch.setattr(locate_mod, "solve", solve_spy)
    return seen


@pytest.mark.parametrize(
    ("min_m", "max_m"),
    [(2_000, None), (5_000, None), (20_000, None), (60_000, None), (2_000, 60_000)],
)
def test_demo_same_optimum_as_one_row_per_pair(demo, monkeypatch, min_m, max_m):
    res, sel = demo
    seen = _spy(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelectionWarning)  # fewer zones fit far apart
        out = locate_mod.locate(res, **{**sel, "min_spacing_m": min_m, "max_spacing_m": max_m})
    values, areas, graph, kw, sol = seen["solve"]
    assert isinstance(graph, ConflictGraph)
    pairs = graph.pairs()
    assert out.selection["n_conflicting_pairs"] == len(pairs)
    assert out.selection["n_conflict_rows"] < len(pairs) or len(pairs) < 50
    if min_m <= 5_000 and max_m is None:
        # the pairs themselves, against the reference (slow beyond: one query per pair)
        args, found = seen["find"]
        assert np.array_equal(found, reference_pairs(*args))
    ref = solve(values, areas, pairs, **kw)  # today's MILP, one row per pair
    assert ref.gap == 0.0
    assert sol.gap == 0.0
    assert sol.objective == pytest.approx(ref.objective, rel=1e-12)
    assert out.selection["objective"] == pytest.approx(ref.objective, rel=1e-12)
    assert out.selection["gap"] == 0.0
    assert out.selection["proved"]
    # the spacing holds between the chosen candidates' cell polygons (shapely)
    cands = out.selection["candidates"].to_crs(res.grid.crs)
    chosen = cands[cands["selected"]].geometry.to_numpy()
    assert len(chosen) == len(out.zones)
    for a, b in itertools.combinations(chosen, 2):
        d = shapely.distance(a, b)
        assert d >= min_m - 1e-3
        if max_m is not None:
            assert d <= max_m + 1e-3


def test_demo_locked_in_zone_keeps_its_spacing(demo, monkeypatch):
    import geopandas as gpd

    res, sel = demo
    first = locate_mod.locate(res, **{**sel, "min_spacing_m": 5_000})
    cands = first.selection["candidates"]
    # lock in a good candidate that was not chosen: it shapes the rest of the choice
    spare = cands[~cands["selected"]].sort_values("utility", ascending=False).iloc[[0]]
    lock = gpd.GeoDataFrame({"permit": ["P-1"]}, geometry=spare.geometry.values, crs=cands.crs)
    seen = _spy(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelectionWarning)
        out = locate_mod.locate(res, **{**sel, "min_spacing_m": 5_000}, lock_in=lock)
    values, areas, graph, kw, sol = seen["solve"]
    ref = solve(values, areas, graph.pairs(), **kw)
    assert sol.objective == pytest.approx(ref.objective, rel=1e-12)
    assert sol.gap == 0.0
    z = out.zones.to_crs(res.grid.crs)
    assert z["locked"].sum() == 1
    permit = lock.to_crs(res.grid.crs).geometry.iloc[0]
    c = out.selection["candidates"].to_crs(res.grid.crs)
    for g in c[c["selected"]].geometry:
        assert shapely.distance(g, permit) >= 5_000 - 1e-3
