"""Zoning at scale: a 1,000,000 ha landscape at 30 m with 10,000 ASM sites, 1,000
concessions, 100 protected areas and 5,000 river segments.

Usage::

    python benchmarks/bench_zoning.py [--runs 2] [--no-locate]

Run in a fresh process: the first call is the *cold* figure (``import landprofile``
included, as a CLI user meets it), later calls in the same process are *warm*. Prints
the time per step of ``zoning.candidates``, the totals, the peak RSS after each call,
and the floor: rasterising every layer once onto the same grid (rasterio), the least any
raster-based method must do. After each call, ``zoning.locate`` on its result: the
default short list (10 zones), 10 zones 2 km apart of 50-1,000 ha, a total area, and
greedy (the first ``locate`` of the process is cold: numba's growth kernel loads);
``--no-locate`` times ``candidates`` alone (its ``zones`` step against the floor).

The last lines give the ``zones`` step of each call against the floor, in wall time and
in process CPU time (all threads; steadier than wall time when other jobs share the
cores): ``zones / floor``, the figure issue 38 item 4 sets at most 4.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import resource  # noqa: E402

import rasterio.features  # noqa: E402

import landprofile as lp  # noqa: E402
from landprofile.testing import zoning_scene  # noqa: E402

T_IMPORT = time.perf_counter() - T_START


def layers(seed: int = 1):
    """The 1,000,000 ha scene (``landprofile.testing.zoning_scene``'s defaults)."""
    scene = zoning_scene(seed)
    return tuple(
        scene[k]
        for k in ("landscape", "sites", "concessions", "protected", "rivers", "settlements")
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2, help="calls in this process (1st = cold)")
    ap.add_argument("--no-locate", action="store_true", help="time candidates alone")
    args = ap.parse_args()
    ls, sites, conc, pa, rivers, settlements = layers()
    print(f"import landprofile + geopandas: {T_IMPORT:.2f} s")
    res = None
    # the zones step's wall and process CPU time, from the steps' progress calls
    marks: dict[str, tuple[float, float]] = {}
    zones_step: list[tuple[float, float]] = []

    def progress(step: str, seconds: float | None) -> None:
        if seconds is None:
            marks[step] = (time.perf_counter(), time.process_time())

    for run in range(args.runs):
        marks.clear()
        t0 = time.perf_counter()
        res = lp.zoning.candidates(
            ls,
            sites=sites,
            concessions=conc,
            protected=pa,
            rivers=rivers,
            settlements=settlements,
            roads=rivers.iloc[:1000],
            resolution_m=30,
            progress=progress,
        )
        total = time.perf_counter() - t0
        (w0, c0), (w1, c1) = marks["zones"], marks["conflicts"]
        zones_step.append((w1 - w0, c1 - c0))
        label = "cold (import included)" if run == 0 else f"warm (call {run + 1})"
        shown = total + T_IMPORT if run == 0 else total
        print(f"--- {label}: {shown:.2f} s; peak RSS so far {peak_mb():,.0f} MB")
        for k, v in res.timings.items():
            print(f"  {k:20s} {v:7.2f} s")
        for kw in (
            ()
            if args.no_locate
            else (
                {},
                {"n_zones": 10, "zone_area_ha": (50, 1_000), "min_spacing_m": 2_000},
                {"total_area_ha": 20_000},
                {"n_zones": 10, "method": "greedy"},
            )
        ):
            t0 = time.perf_counter()
            out = lp.zoning.locate(res, **kw)
            sel = out.selection
            print(
                f"  locate {kw!s:70s} {time.perf_counter() - t0:6.2f} s: "
                f"{len(out.zones)} zones, {out.zones['area_ha'].sum():,.0f} ha, "
                f"{sel['n_candidates']} candidates, {sel['status']}, gap {sel['gap']:.2g}, "
                f"solver {sel['solver_seconds']:.2f} s; peak RSS {peak_mb():,.0f} MB"
            )
    g = res.grid
    print(
        f"grid {g.width} x {g.height} = {g.width * g.height / 1e6:.1f} M cells "
        f"({g.inside.sum() / 1e6:.1f} M inside the landscape)"
    )
    z = res.zones
    print(
        f"zones {res.summary['n_zones']}, candidate {res.summary['candidate_ha']:,.0f} ha, "
        f"largest zone {z['area_ha'].max():,.0f} ha, smallest {z['area_ha'].min():,.1f} ha, "
        f"sites in conflict {res.summary['n_sites_in_conflict']}, "
        f"conflict rows {len(res.conflicts)}"
    )
    # floor: rasterise every layer once on the same grid
    t0 = time.perf_counter()
    c0 = time.process_time()
    for gdf in (sites, conc, pa, rivers, settlements):
        geoms = gdf.to_crs(g.crs).geometry
        rasterio.features.rasterize(
            ((gg, 1) for gg in geoms),
            out_shape=(g.height, g.width),
            transform=g.transform,
            dtype="uint8",
        )
    floor = time.perf_counter() - t0
    floor_cpu = time.process_time() - c0
    print(f"floor (rasterise the 5 layers once): {floor:.2f} s")
    print(f"floor CPU: {floor_cpu:.2f} s")
    for run, (w, c) in enumerate(zones_step):
        label = "cold" if run == 0 else f"warm {run + 1}"
        print(
            f"zones step, call {run + 1} ({label}): {w:.2f} s wall, {c:.2f} s CPU; "
            f"zones / floor {w / floor:.1f}x wall, {c / floor_cpu:.1f}x CPU"
        )


if __name__ == "__main__":
    main()
