"""locate against the spacing asked: one row per conflicting pair (before issue 30) and
the conflict graph written as cliques, side by side in one process.

Usage::

    python benchmarks/bench_locate_spacing.py [--cases demo,1e6] [--spacing-km 2,5,10,20,60]
                                              [--repeat 2] [--no-old]

For each case, ``zoning.candidates`` runs once (not timed here), then a warm-up
``locate``; then ``locate`` with 10 zones of 50-1,000 ha that far apart: the new way in
``--repeat`` rounds over every spacing (each spacing's figure is the median of its
calls, so every spacing meets the shared machine's load alike), then for each spacing
one more new call and the old call right after it (``old/new`` is that pair's ratio).
The old way is the pairwise reference (:mod:`landprofile.zoning._pairwise_reference`,
one KD-tree query per pair) and one MILP row per pair, swapped into ``locate`` for the
call. Prints the time of each call, the
optimum (objective, gap), how many pairs conflict, the rows the model holds and the
candidates pruned, and checks that both ways reach the same optimum.

Cases: ``demo`` (the sample landscape, 904,325 ha at 60 m, its [select]) and ``1e6``
(the 1,000,000 ha / 30 m landscape of ``bench_zoning.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import statistics
import sys
import time
import warnings
from pathlib import Path

import landprofile as lp
from landprofile.zoning import _pairwise_reference

locate_mod = importlib.import_module("landprofile.zoning.locate")
diag_mod = importlib.import_module("landprofile.zoning.locate_diagnostics")


class _OneRowPerPair:
    """Stands in for ConflictGraph in locate: the solver gets the pairs, as before."""

    @staticmethod
    def from_pairs(n, pairs):
        return pairs


@contextlib.contextmanager
def old_way():
    saved = (locate_mod.conflict_pairs, locate_mod.ConflictGraph, diag_mod.conflict_pairs)
    locate_mod.conflict_pairs = _pairwise_reference.conflict_pairs
    locate_mod.ConflictGraph = _OneRowPerPair
    diag_mod.conflict_pairs = _pairwise_reference.conflict_pairs
    try:
        yield
    finally:
        locate_mod.conflict_pairs, locate_mod.ConflictGraph, diag_mod.conflict_pairs = saved


def demo_case():
    from landprofile.config import load_config
    from landprofile.demo import sample_data_dir
    from landprofile.pipeline import build_boundary, build_zoning, select_options

    cfg = load_config(sample_data_dir() / "demo.toml")
    res = build_zoning(cfg, build_boundary(cfg), select=False)
    return res, select_options(cfg)


def million_case():
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_zoning import layers

    ls, sites, conc, pa, rivers, settlements = layers()
    res = lp.zoning.candidates(
        ls,
        sites=sites,
        concessions=conc,
        protected=pa,
        rivers=rivers,
        settlements=settlements,
        roads=rivers.iloc[:1000],
        resolution_m=30,
    )
    return res, {"n_zones": 10, "zone_area_ha": (50, 1_000), "min_spacing_m": 2_000}


def run(res, kw):
    t0 = time.perf_counter()
    out = lp.zoning.locate(res, **kw)
    return time.perf_counter() - t0, out.selection


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="demo,1e6")
    ap.add_argument("--spacing-km", default="2,5,10,20,60")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of new-way calls (median)")
    ap.add_argument("--no-old", action="store_true", help="skip the old way (slow at 60 km)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # fewer zones fit far apart: said, not timed here
    spacings = [float(s) * 1000 for s in args.spacing_km.split(",")]
    builders = {"demo": demo_case, "1e6": million_case}
    for name in args.cases.split(","):
        t0 = time.perf_counter()
        res, sel = builders[name]()
        print(f"== {name}: candidates {time.perf_counter() - t0:.1f} s (not part of the figures)")
        run(res, sel)  # warm: numba's kernels loaded, caches filled
        base = None
        print(
            f"{'spacing':>8} {'new s':>7} {'old s':>7} {'old/new':>7} {'vs 2km':>6} "
            f"{'pairs':>7} {'rows':>5} {'pruned':>6} {'zones':>5} {'objective':>10} "
            f"{'gap':>4} {'solver new/old s':>16}  same optimum"
        )
        # the new way in rounds over every spacing, so that each spacing meets the
        # machine's load alike (its median below); then each spacing's old call right
        # after one more new call, for the paired ratio
        news: dict[float, list] = {sp: [] for sp in spacings}
        for _ in range(max(args.repeat, 1)):
            for sp in spacings:
                news[sp].append(run(res, {**sel, "min_spacing_m": sp}))
        for sp in spacings:
            kw = {**sel, "min_spacing_m": sp}
            t_pair, s_new = run(res, kw)
            news[sp].append((t_pair, s_new))
            t_new = statistics.median(t for t, _ in news[sp])
            if base is None:
                base = t_new
            if args.no_old:
                t_old, s_old = float("nan"), None
            else:
                with old_way():
                    t_old, s_old = run(res, kw)
            same = (
                "-"
                if s_old is None
                else abs(s_new["objective"] - s_old["objective"]) <= 1e-9 * s_old["objective"]
                and s_new["gap"] == s_old["gap"] == 0.0
            )
            solver_old = "-" if s_old is None else f"{s_old['solver_seconds']:.2f}"
            print(
                f"{sp / 1000:>6g}km {t_new:>7.2f} {t_old:>7.2f} {t_old / t_pair:>6.1f}x "
                f"{t_new / base:>5.2f}x {s_new['n_conflicting_pairs']:>7} "
                f"{s_new['n_conflict_rows']:>5} {s_new['n_candidates_pruned']:>6} "
                f"{s_new['n_chosen']:>5} {s_new['objective']:>10.6f} {s_new['gap']:>4.2g} "
                f"{s_new['solver_seconds']:>8.2f}/{solver_old:<7}  {same}",
                flush=True,
            )


if __name__ == "__main__":
    main()
