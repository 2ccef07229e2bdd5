"""A country at 30 m: zoning in tiles against landscape size, here and on a 2-worker cluster.

Usage::

    python benchmarks/bench_country.py [--sizes 1M,4M,24M,niger] [--modes one,tiles,cluster]
        [--memory-limit-gb 8]
    python benchmarks/bench_country.py --tables tile,landscape,open [--memory-limit-gb 8]

``--memory-limit-gb`` runs each case in a fresh cgroup-v1 memory group with that hard
limit, page cache included (``_cgroup.py``); ``--tables`` prints the peak memory against
tile size, against landscape size and, where all the land passes the rules, against the
largest region's box, as markdown rows (``_memlimit_tables.py``).

Landscapes from Ghana's 16 regions (``../shared/data/ghana/``, geoBoundaries): about
1 M ha (Western North), 4 M ha (Western, Western North, Central and Ahafo) and the
whole country (23.9 M ha), at 30 m with the default IGF rules, the 685 Earth Genome
mining detections of 2024 as sites and the Natural Earth rivers, and ``select={"n_zones":
20}``. Modes: ``one`` (one grid, where it fits), ``tiles`` (tiles of 4,096 cells a side in
this process), ``cluster`` (the same tiles on a ``LocalCluster`` of 2 single-threaded
worker processes).

Each run is a fresh Python process; its time is the wall time of the call
(``import landprofile`` and reading the files excluded, printed apart) and its peak
memory is the largest sum of the RSS of the process and all its children (the
cluster's workers) sampled every 0.2 s. Each run checks that every zone lies inside the
landscape (area outside the landscape widened by 5 cm, the projections' round
trip, ≤ 1 m²); where one grid and tiles both ran, their zones are
compared (same ids, same land to 1 m², same scores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cgroup import CgroupUnavailableError, memory_cgroup

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ghana"
SIZES = {
    "1M": ["Western North Region"],
    "4M": ["Western Region", "Western North Region", "Central Region", "Ahafo Region"],
    "24M": None,  # every region
}
TILE = 4096


def child(size: str, mode: str, out: Path) -> None:
    """One run, in this (fresh) process; writes its figures and zones to ``out``."""
    import warnings

    t0 = time.perf_counter()
    import geopandas as gpd
    import shapely

    import landprofile as lp

    if size == "niger":
        ls, sites, rivers = niger_box()
        regions = gpd.GeoDataFrame(geometry=[ls.geometry], crs=ls.crs)
        geom = ls.geometry
    else:
        regions = gpd.read_file(DATA / "gha_adm1_geoboundaries.geojson")
        names = SIZES[size]
        if names is not None:
            regions = regions[regions["shapeName"].isin(names)]
        geom = shapely.union_all(regions.geometry.to_numpy())
        ls = lp.Landscape(
            name=f"Ghana {size}",
            geometry=geom,
            crs=regions.crs,
            provenance=lp.Provenance(method="admin", source="geoBoundaries ADM1"),
        )
        sites = gpd.read_file(DATA / "asm_mining_ghana_2024_earthgenome.geojson")
        rivers = gpd.read_file(DATA / "rivers_ne10m_ghana.geojson")
    t_read = time.perf_counter() - t0
    kw = {}
    cluster = None
    if mode in ("tiles", "cluster"):
        kw["tile_cells"] = int(os.environ.get("BENCH_TILE", TILE))
    if mode == "cluster":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        kw["client"] = Client(cluster)
    steps: list[str] = []
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lp.zoning.candidates(
            ls,
            sites=sites,
            rivers=rivers,
            resolution_m=30,
            select={"n_zones": 20},
            progress=lambda s, sec: steps.append(s) if sec is None else None,
            **kw,
        )
    seconds = time.perf_counter() - t1
    if cluster is not None:
        kw["client"].close()
        cluster.close()
    g = res.grid
    zones = res.zones.to_crs(g.crs)
    land = lp.geodesy.project([geom], regions.crs, g.crs)[0]
    # zones come back from the output CRS: 5 cm for the projections' round trip
    outside = shapely.area(shapely.difference(zones.geometry.to_numpy(), land.buffer(0.05)))
    zones.to_parquet(out.with_suffix(".parquet"))
    out.write_text(
        json.dumps(
            {
                "size": size,
                "mode": mode,
                "landscape_ha": res.summary["landscape_ha"],
                "cells": g.width * g.height,
                "grid": [g.height, g.width],
                "seconds": seconds,
                "read_seconds": t_read,
                "timings": res.timings,
                "n_tiles": sum(1 for s in steps if s.startswith("tiles ")) - 1,
                "n_zones": len(res.zones),
                "zones_ha": float(res.zones["area_ha"].sum()),
                "suitable_ha": res.summary["suitable_ha"],
                "max_outside_m2": float(outside.max(initial=0.0)),
                "gap": res.selection["gap"],
                "n_candidates": res.selection["n_candidates"],
            }
        )
    )


#: Niger's area (about 1.19 M km² in the issue) as a square in UTM 32N around (9°E,
#: 17.5°N); sites and rivers from a seeded generator (no Niger data is in ../shared).
NIGER_KM2 = 1.19e6


def niger_box(seed: int = 38) -> tuple:
    """A Niger-sized square, 1,500 sites in 12 clusters and 6 rivers, all seeded."""
    import geopandas as gpd
    import numpy as np
    import shapely
    from shapely.geometry import LineString, Point

    import landprofile as lp

    side = NIGER_KM2**0.5 * 1000.0
    x0, y0 = 500_000.0 - side / 2, 1_935_000.0 - side / 2
    rng = np.random.default_rng(seed)
    # ASM in clusters (as in Liptako-Gourma or the Aïr): 12 centres, 125 sites each
    centres = rng.uniform([x0, y0], [x0 + side, y0 + side], (12, 2))
    xy = np.concatenate([c + rng.normal(0, 8_000, (125, 2)) for c in centres])
    xy = np.clip(xy, [x0, y0], [x0 + side, y0 + side])
    sites = gpd.GeoDataFrame(
        {"site_id": [f"N{i:05d}" for i in range(len(xy))]},
        geometry=[
            Point(x, y).buffer(r)
            for (x, y), r in zip(xy, rng.uniform(20, 150, len(xy)), strict=True)
        ],
        crs=32632,
    )
    lines = []
    for _ in range(6):
        xs = np.linspace(x0, x0 + side, 40)
        ys = y0 + side * rng.uniform(0.1, 0.9) + np.cumsum(rng.normal(0, 6_000, 40))
        lines.append(LineString(np.c_[xs, ys]))
    rivers = gpd.GeoDataFrame(geometry=lines, crs=32632)
    ls = lp.Landscape(
        name="Niger-sized box",
        geometry=shapely.box(x0, y0, x0 + side, y0 + side),
        crs=32632,
        provenance=lp.Provenance(method="custom", source="bench_country.niger_box"),
    )
    return ls, sites, rivers


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += q.memory_info().rss
    return total


def _tree_anon(pid: int) -> int:
    """Anonymous resident memory of the tree (RSS less file-backed and shared pages)."""
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            m = q.memory_info()
            total += m.rss - m.shared
    return total


def measure(size: str, mode: str, folder: Path, limit_gb: float | None = None) -> dict:
    """Run one case in a fresh process, sampling the RSS of its process tree.

    With ``limit_gb`` the process runs inside a fresh memory cgroup with that hard limit
    (memory and memory + swap, ``_cgroup.py``): the record gains the group's peak (page
    cache included), its failure counts, whether the OOM killer fired, and the peaks of
    the group's anonymous memory and page cache sampled from ``memory.stat``. The
    temporary folder's peak use is sampled from its free space.
    """
    out = folder / f"{size}-{mode}.json"
    cmd = [sys.executable, __file__, "--child", size, mode, str(out)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    with contextlib.ExitStack() as stack:
        cg = None
        if limit_gb is not None:
            cg = stack.enter_context(memory_cgroup(int(limit_gb * 2**30)))
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, preexec_fn=cg.enter if cg else None)
        peak = {"tree": 0, "anon": 0, "cg_rss": 0, "cg_cache": 0, "disk": 0}
        done = threading.Event()
        # the grids' files are unlinked at once, so only the free space shows them (other
        # jobs on the machine write there too: an upper bound)
        free0 = shutil.disk_usage(tempfile.gettempdir()).free

        def sample() -> None:
            while not done.is_set():
                used = free0 - shutil.disk_usage(tempfile.gettempdir()).free
                peak["disk"] = max(peak["disk"], used)
                peak["tree"] = max(peak["tree"], _tree_rss(proc.pid))
                peak["anon"] = max(peak["anon"], _tree_anon(proc.pid))
                if cg is not None:
                    with contextlib.suppress(OSError):
                        st = cg.stat()
                        peak["cg_rss"] = max(peak["cg_rss"], st.get("total_rss", 0))
                        peak["cg_cache"] = max(peak["cg_cache"], st.get("total_cache", 0))
                done.wait(0.2)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        done.set()
        th.join()
        limits = {}
        if cg is not None:
            limits = cg.figures(rc)
            limits["cg_rss_peak_mb"] = peak["cg_rss"] / 2**20
            limits["cg_cache_peak_mb"] = peak["cg_cache"] / 2**20
    if rc != 0:
        return {"size": size, "mode": mode, "failed": rc, "wall": wall, **limits}
    rec = json.loads(out.read_text())
    rec["peak_tree_mb"] = peak["tree"] / 2**20
    rec["peak_anon_mb"] = peak["anon"] / 2**20
    rec["peak_tmp_disk_gb"] = peak["disk"] / 2**30
    rec["wall"] = wall
    rec.update(limits)
    return rec


def same_zones(folder: Path, size: str, a: str, b: str) -> str:
    """Whether two runs gave the same zones (ids, land to 1 m², scores)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    pa, pb = folder / f"{size}-{a}.parquet", folder / f"{size}-{b}.parquet"
    if not (pa.exists() and pb.exists()):
        return "n/a"
    za, zb = gpd.read_parquet(pa), gpd.read_parquet(pb)
    if list(za["zone_id"]) != list(zb["zone_id"]):
        return "different ids"
    diff = shapely.area(
        shapely.symmetric_difference(za.geometry.to_numpy(), zb.geometry.to_numpy())
    )
    ok = diff.max(initial=0) <= 1.0 and np.array_equal(za["score"], zb["score"])
    return "same" if ok else f"different (max {diff.max():.3g} m²)"


def commit() -> str:
    """The source's commit (short hash, ``+dirty`` with uncommitted changes in src/).

    When ``landprofile`` is imported from elsewhere (``PYTHONPATH`` set to an archived
    tree, to time an older commit beside this one), the label is that tree's folder
    name (``/tmp/x/784b843/src`` -> ``784b843``), not this checkout's commit.
    """
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.find_spec("landprofile")
    if spec is not None and spec.origin is not None:
        src = Path(spec.origin).resolve().parents[1]
        if src != root / "src":
            return src.parent.name

    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=root, capture_output=True, text=True, check=False)
        return r.stdout.strip()

    h = git("rev-parse", "--short", "HEAD") or "unknown"
    return h + ("+dirty" if git("status", "--porcelain", "--", "src") else "")


def _row(r: dict) -> str:
    cg = ""
    if "max_usage_bytes" in r:
        cg = (
            f" | {r['max_usage_bytes'] / 2**20:,.0f} | {r['cg_rss_peak_mb']:,.0f} "
            f"| {r['failcnt']:,} | {'yes' if r['oom_killed'] else 'no'}"
        )
    if "failed" in r:
        return (
            f"| {r['size']} | {r['mode']} | failed ({r['failed']}) after {r['wall']:,.0f} s{cg} |"
        )
    return (
        f"| {r['size']} | {r['mode']} | {r['landscape_ha']:,.0f} | {r['cells'] / 1e6:,.1f} M "
        f"| {max(r['n_tiles'], 0)} | {r['seconds']:,.1f} | {r['peak_tree_mb']:,.0f} "
        f"| {r['peak_anon_mb']:,.0f} | {r['peak_tmp_disk_gb']:,.1f} | {r['n_zones']} "
        f"| {r['gap']:.3g} "
        f"| {r['max_outside_m2']:.2g}{cg} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1M,4M,24M")
    ap.add_argument("--modes", default="one,tiles,cluster")
    ap.add_argument(
        "--memory-limit-gb",
        type=float,
        default=None,
        help="run each case inside a fresh cgroup-v1 memory group with this hard limit "
        "in GiB (memory and memory + swap, page cache included; needs root)",
    )
    ap.add_argument(
        "--tables",
        default=None,
        help="instead of the country runs, print the peak-memory tables (tile, "
        "landscape, open; comma-separated) as markdown rows (_memlimit_tables.py)",
    )
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return
    if args.memory_limit_gb is not None:
        try:  # refuse before any run, not after the first one
            with memory_cgroup(int(args.memory_limit_gb * 2**30)):
                pass
        except (CgroupUnavailableError, ValueError) as exc:
            sys.exit(f"bench_country: {exc}")
    with open("/proc/loadavg", encoding="ascii") as fh:
        load = " ".join(fh.read().split()[:3])
    print(f"commit {commit()}, load average before: {load}", flush=True)
    if args.tables:
        import _memlimit_tables

        _memlimit_tables.main(args.tables.split(","), commit(), args.memory_limit_gb)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-country-"))
    rows = []
    for size in args.sizes.split(","):
        for mode in args.modes.split(","):
            if mode == "one" and size in ("24M", "niger"):
                continue  # does not fit: 431 M cells x 80 bytes
            rec = measure(size, mode, folder, args.memory_limit_gb)
            rows.append(rec)
            print(json.dumps(rec), flush=True)
        print(
            f"{size}: tiles vs one grid: {same_zones(folder, size, 'one', 'tiles')}; "
            f"cluster vs tiles: {same_zones(folder, size, 'tiles', 'cluster')}",
            flush=True,
        )
    print()
    head = (
        "| landscape | mode | ha | cells | tiles | time (s) | peak tree RSS (MB) | peak anon (MB) "
        "| temp disk (GB) | zones | gap | outside (m²) |"
    )
    rule = "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if args.memory_limit_gb is not None:
        head += (
            f" cgroup peak incl. page cache (MB, limit {args.memory_limit_gb:g} GiB) "
            "| cgroup anon peak (MB) | failcnt | OOM kill |"
        )
        rule += "---:|---:|---:|---|"
    print(f"commit {commit()}, load average before: {load}")
    print(head)
    print(rule)
    for r in rows:
        print(_row(r))


if __name__ == "__main__":
    main()
