"""Upstream basins on a continent-sized HydroBASINS-like layer: index once, query many.

Usage::

    python benchmarks/bench_basins.py --n 150000

Builds a synthetic layer of ``n`` square basins (GeoPackage) whose topology is a random
river tree, then times: reading the layer (the floor), building the upstream index,
and 100 upstream queries; and compares the upstream walk with a naive walk that scans
the whole NEXT_DOWN column once per step (what a Python loop over a table does), on
the same queries. The answers are checked against each other.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

WORK = Path("/tmp/landprofile-bench")


def make_layer(n: int) -> Path:
    path = WORK / f"basins_{n}.gpkg"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    side = int(np.ceil(np.sqrt(n)))
    ids = np.arange(1, n + 1, dtype=np.int64) * 10
    # a random tree: each basin drains to a random basin with a smaller index
    # (nearer the trunk); 1 % are outlets (NEXT_DOWN = 0)
    parent = np.floor(rng.random(n) * np.arange(n)).astype(np.int64)
    nd = ids[parent]
    nd[rng.random(n) < 0.01] = 0
    nd[0] = 0
    r, c = np.divmod(np.arange(n), side)
    step = 0.01
    geoms = shapely.box(c * step, -r * step - step, c * step + step, -r * step)
    gdf = gpd.GeoDataFrame(
        {"HYBAS_ID": ids, "NEXT_DOWN": nd, "SUB_AREA": 1.2}, geometry=geoms, crs=4326
    )
    gdf.to_file(path, layer="basins", driver="GPKG")
    return path


def naive_upstream(ids: np.ndarray, nd: np.ndarray, outlet: int) -> set:
    found = {outlet}
    frontier = [outlet]
    while frontier:
        nxt = []
        for b in frontier:
            nxt.extend(ids[nd == b].tolist())  # a scan of the whole column per basin
        found.update(nxt)
        frontier = nxt
    return found


def main() -> None:
    from landprofile.watershed import basin_index

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150_000)
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args()
    path = make_layer(args.n)
    t0 = time.perf_counter()
    gdf = gpd.read_file(path, engine="pyogrio")
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    idx = basin_index(gdf)
    t_index = time.perf_counter() - t0
    rng = np.random.default_rng(5)
    outlets = rng.choice(idx.ids[: args.n // 50], size=args.queries, replace=False)
    t0 = time.perf_counter()
    sizes = []
    answers = []
    for o in outlets:
        rows, _ = idx.upstream(idx.row_of([o]))
        sizes.append(len(rows))
        answers.append(set(idx.ids[rows].tolist()))
    t_query = time.perf_counter() - t0
    nd = gdf["NEXT_DOWN"].to_numpy()
    n_naive = min(10, args.queries)
    t0 = time.perf_counter()
    for o in outlets[:n_naive]:
        idx.upstream(idx.row_of([o]))
    t_ours10 = time.perf_counter() - t0
    t0 = time.perf_counter()
    for o, ans in zip(outlets[:n_naive], answers[:n_naive], strict=True):
        assert naive_upstream(idx.ids, nd, int(o)) == ans
    t_naive = time.perf_counter() - t0
    import landprofile as lp

    mid = int(np.argsort(sizes)[len(sizes) * 9 // 10])
    t0 = time.perf_counter()
    ls = lp.from_basins(idx, basin_ids=[outlets[mid]])
    t_dissolve = time.perf_counter() - t0
    print(
        f"basins: {args.n:,}; queries: {args.queries} (upstream sizes "
        f"{min(sizes):,}-{max(sizes):,}, median {int(np.median(sizes)):,})"
    )
    print(f"read layer (floor):        {t_read:8.3f} s")
    print(f"build upstream index:      {t_index:8.3f} s  ({t_index / t_read:.2f}x the read)")
    print(
        f"{args.queries} upstream queries:     {t_query:8.3f} s  "
        f"({t_query / args.queries * 1e3:.2f} ms each)"
    )
    print(
        f"first {n_naive} queries: index {t_ours10:.4f} s, naive column scans "
        f"{t_naive:.3f} s ({t_naive / t_ours10:.0f}x slower; same answers)"
    )
    print(
        f"from_basins on the index, {ls.provenance.parameters['n_basins']:,} basins "
        f"dissolved: {t_dissolve:.3f} s ({ls.area_km2:,.0f} km2)"
    )


if __name__ == "__main__":
    main()
