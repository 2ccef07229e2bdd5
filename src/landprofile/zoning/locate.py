"""Locate the best few zones: candidate regions grown on the score grid, chosen exactly.

:func:`candidates` answers "which land passes the rules?"; :func:`locate` answers the
planner's next question, "where are the few zones we should look at first?". It works
on the land that passed the rules, in three steps:

1. grow candidate regions from seeds where much high-scoring land lies together
   (:mod:`landprofile.zoning.grow`), each to the target zone size, with a shape;
2. choose among them (:mod:`landprofile.zoning.select`): the number of zones or the
   total area asked, no two sharing land or closer than ``min_spacing_m`` (or farther
   than ``max_spacing_m``), locked-in zones kept — exactly, by a MILP on HiGHS, with
   the optimality gap reported; or greedily for very large candidate sets;
3. turn the chosen regions into zones exactly as :func:`candidates` does (exclusions
   cut out to the square metre, measured, ranked, explained), and the rest of the
   suitable land into one *other suitable land* layer.

Like ArcGIS Spatial Analyst's *Locate Regions* (region growing, shape/utility
trade-off, evaluation by mean, sum or edge, spacing, existing regions) and
prioritizr/Marxan (exact selection on a MILP solver, locked-in units), but each
choice is explained in ASM terms, and the whole candidate set is returned so the
choice can be checked.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine

from landprofile.errors import InvalidParameterError, SelectionWarning, user_stacklevel
from landprofile.zoning.explain import why, why_short
from landprofile.zoning.grid import burn, read_layer
from landprofile.zoning.grow import SHAPES, Regions, conflict_pairs, grow, seed_cells
from landprofile.zoning.output import final_cut
from landprofile.zoning.output import to_crs as _to_crs
from landprofile.zoning.regions import Partition
from landprofile.zoning.result import ZoningResult
from landprofile.zoning.select import solve
from landprofile.zoning.zones import zone_table

__all__ = ["DEFAULT_N_ZONES", "EVALUATIONS", "METHODS", "locate"]

#: Zones located when neither a number nor a total area is asked.
DEFAULT_N_ZONES = 10
EVALUATIONS = ("mean", "sum", "edge")
METHODS = ("exact", "greedy")


def locate(
    result: ZoningResult,
    *,
    n_zones: int | None = None,
    total_area_ha: float | None = None,
    zone_area_ha: tuple[float, float] | None = None,
    shape: str = "compact",
    shape_weight: float = 0.5,
    min_spacing_m: float = 0.0,
    max_spacing_m: float | None = None,
    evaluation: str = "mean",
    lock_in: Any = None,
    method: str = "exact",
    max_candidates: int = 1000,
    time_limit_s: float = 30.0,
) -> ZoningResult:
    """Select the best few zones among the land that passed the rules.

    Parameters
    ----------
    result
        A result of :func:`landprofile.zoning.candidates` (it keeps the score grid).
    n_zones
        How many zones to propose (locked-in zones count). When neither ``n_zones`` nor
        ``total_area_ha`` is given, ``DEFAULT_N_ZONES`` (10).
    total_area_ha
        The total area the zones may take (locked-in zones count).
    zone_area_ha
        ``(min, max)`` size of one zone (ha); the rule set's ``[zones] min_area_ha`` and
        ``max_area_ha`` when ``None``. Candidates are grown to ``total_area_ha /
        n_zones`` when both are given, to ``total_area_ha / ceil(total_area_ha / max)``
        when only the total is, else to ``max``; a region of suitable land smaller than
        that (but at least ``min``) is a candidate as it is.
    shape
        ``compact`` (distance from the growing region's centre of mass), ``circle``
        (from the seed), ``square`` or ``ellipse`` (2:1, along the suitable land).
    shape_weight
        Shape/utility trade-off in [0, 1]: 0 grows by score alone, 1 by shape alone.
    min_spacing_m, max_spacing_m
        No two zones closer than ``min_spacing_m`` (edge to edge); none farther from
        another than ``max_spacing_m``. Measured between analysis cells; the exact
        zones only lose land to exclusions, so they keep at least that spacing.
    evaluation
        What a candidate is worth: ``mean`` score, ``sum`` of score x hectares, or
        ``edge`` (mean score of its boundary cells).
    lock_in
        Existing zones or permits (any vector layer :func:`landprofile.read_vector`
        reads, any CRS) that stay selected, as given (clipped to the landscape only);
        candidates that overlap them or break the spacing with them are dropped.
    method
        ``exact`` (MILP on HiGHS, optimal among the candidates unless the time limit
        stops it: see ``selection["gap"]``) or ``greedy`` (best value first).
    max_candidates
        Seeds (hence candidate regions) at most.
    time_limit_s
        HiGHS's time limit.

    Returns
    -------
    ZoningResult
        ``zones``: the selected zones, ranked and explained; ``other_suitable``: the rest
        of the land that passed the rules (one row); ``selection``: ``method``,
        ``objective``, ``bound``, ``gap``, ``seconds``, ``status``, ``candidates`` (a
        GeoDataFrame of every candidate region with ``area_ha``, ``utility`` and
        ``selected``) and what was asked.

    Warns
    -----
    SelectionWarning
        When fewer zones or less area than asked can be placed, saying why.
    """
    t0 = time.perf_counter()
    ctx = getattr(result, "context", None)
    if ctx is None:
        raise InvalidParameterError(
            "locate() needs a result of landprofile.zoning.candidates() made in this "
            "session (it keeps the score grid); a result read back from a file has none"
        )
    p = _params(
        result,
        n_zones,
        total_area_ha,
        zone_area_ha,
        shape,
        shape_weight,
        min_spacing_m,
        max_spacing_m,
        evaluation,
        method,
        max_candidates,
    )
    grid, rs = result.grid, result.rules
    cell_ha = grid.cell_ha
    score = ctx.suit.score
    ok = ctx.suitable
    locked = _locked(lock_in, grid, ctx)
    if p["n_zones"] is None and len(locked.geoms):
        # a total area only: the locked-in zones take their share, the rest is split
        # into zones of one size as before
        left = max(p["total_ha"] - float(locked.area_ha.sum()), 0.0)
        k = math.ceil(left / p["max_ha"] - 1e-9)
        p["n_max"] = len(locked.geoms) + k
        if k:
            p["target_ha"] = min(max(left / k, p["min_ha"]), p["max_ha"])
    target_cells = max(1, math.floor(p["target_ha"] / cell_ha + 1e-9))
    min_cells = max(1, math.ceil(p["min_ha"] / cell_ha - 1e-9))
    if locked.cells_mask is not None:
        ok = ok & ~locked.cells_mask
    seeds = seed_cells(score, ok, math.sqrt(target_cells / math.pi), min_cells, max_candidates)
    regs = grow(score, ok, seeds, target_cells, min_cells, shape, shape_weight)
    values = _values(regs, evaluation, cell_ha, target_cells)
    areas = regs.n_cells * cell_ha
    n_c = len(regs)
    allr = _concat(regs, locked.regions)
    pairs, _ = conflict_pairs(allr, grid.width, grid.res, min_spacing_m, max_spacing_m)
    n_locked = len(locked.geoms)
    # candidates in conflict with a locked-in zone are out; the rest is the problem
    with_locked = pairs[(pairs >= n_c).any(axis=1)]
    out_c = np.zeros(n_c, dtype=bool)
    out_c[with_locked[with_locked < n_c]] = True
    free = np.flatnonzero(~out_c)
    remap = np.full(n_c, -1)
    remap[free] = np.arange(len(free))
    inner = pairs[(pairs < n_c).all(axis=1)]
    inner = inner[~out_c[inner].any(axis=1)]
    n_left = None if p["n_max"] is None else p["n_max"] - n_locked
    area_left = None if p["total_ha"] is None else p["total_ha"] - float(locked.area_ha.sum())
    sol = solve(
        values[free],
        areas[free],
        remap[inner],
        n_max=n_left,
        area_max=area_left,
        method=method,
        time_limit_s=time_limit_s,
    )
    chosen = free[sol.selected]
    _warn_unmet(p, chosen, areas, locked, n_c, int(out_c.sum()))
    zones, facts, table, zones_grid = _zones(result, ctx, regs, chosen, locked, p["min_ha"])
    other = _other_suitable(ctx, zones_grid, zones.geometry.to_numpy(), result.crs)
    cands = _candidates_gdf(regs, values, areas, chosen, grid, result.crs)
    lang = result.lang
    zones["why"] = [why(f, rs, lang) for f in facts]
    zones["why_short"] = [why_short(f, rs, lang) for f in facts]
    sel_ha = float(zones["area_ha"].sum()) if len(zones) else 0.0
    selection = {
        "method": method,
        "status": sol.status,
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "seconds": time.perf_counter() - t0,
        "solver_seconds": sol.seconds,
        "evaluation": evaluation,
        "shape": shape,
        "shape_weight": float(shape_weight),
        "n_zones_requested": p["n_zones"],
        "total_area_requested_ha": p["total_ha"],
        "zone_area_ha": (p["min_ha"], p["max_ha"]),
        "target_zone_ha": p["target_ha"],
        "min_spacing_m": float(min_spacing_m),
        "max_spacing_m": None if max_spacing_m is None else float(max_spacing_m),
        "n_candidates": n_c,
        "n_candidates_in_conflict_with_locked": int(out_c.sum()),
        "n_conflicting_pairs": len(inner),
        "n_locked": n_locked,
        "candidates": cands,
    }
    summary = dict(result.summary)
    landscape_ha = summary.get("landscape_ha") or 0.0
    summary.update(
        n_zones=len(zones),
        candidate_ha=sel_ha,
        candidate_share=sel_ha / landscape_ha if landscape_ha else 0.0,
        other_suitable_ha=float(other["area_ha"].sum()) if len(other) else 0.0,
        n_zones_flagged_too_large=0,
        n_zones_dropped_after_clipping=table.dropped_after_clipping,
        ha_dropped_after_clipping=table.dropped_after_clipping_ha,
        selection={k: v for k, v in selection.items() if k != "candidates"},
    )
    return dataclasses.replace(
        result,
        zones=zones,
        facts=tuple(facts),
        summary=summary,
        other_suitable=other,
        selection=selection,
    )


def _params(
    result,
    n_zones,
    total_area_ha,
    zone_area_ha,
    shape,
    shape_weight,
    min_spacing_m,
    max_spacing_m,
    evaluation,
    method,
    max_candidates,
) -> dict[str, Any]:
    rs = result.rules

    def bad(msg: str) -> InvalidParameterError:
        return InvalidParameterError(f"locate: {msg}")

    def number(name: str, v: Any, *, lo: float = 0.0, strict: bool = False) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise bad(f"{name}={v!r} must be a number")
        v = float(v)
        if not math.isfinite(v) or v < lo or (strict and v <= lo):
            raise bad(f"{name}={v!r} must be a finite number {'>' if strict else '>='} {lo:g}")
        return v

    if shape not in SHAPES:
        raise bad(f"shape={shape!r} is not one of {', '.join(SHAPES)}")
    if evaluation not in EVALUATIONS:
        raise bad(f"evaluation={evaluation!r} is not one of {', '.join(EVALUATIONS)}")
    if method not in METHODS:
        raise bad(f"method={method!r} is not one of {', '.join(METHODS)}")
    w = number("shape_weight", shape_weight)
    if w > 1:
        raise bad(f"shape_weight={shape_weight!r} must be in [0, 1]")
    number("min_spacing_m", min_spacing_m)
    if max_spacing_m is not None:
        mx = number("max_spacing_m", max_spacing_m, strict=True)
        if mx < float(min_spacing_m):
            raise bad(f"max_spacing_m={max_spacing_m!r} is below min_spacing_m={min_spacing_m!r}")
    if (
        isinstance(max_candidates, bool)
        or not isinstance(max_candidates, int)
        or max_candidates < 1
    ):
        raise bad(f"max_candidates={max_candidates!r} must be a whole number >= 1")
    if n_zones is not None and (
        isinstance(n_zones, bool) or not isinstance(n_zones, int | np.integer) or n_zones < 1
    ):
        raise bad(f"n_zones={n_zones!r} must be a whole number >= 1")
    total = None if total_area_ha is None else number("total_area_ha", total_area_ha, strict=True)
    if zone_area_ha is None:
        lo = rs.zones("min_area_ha", 25.0)
        hi = rs.zones("max_area_ha", 0.0) or math.inf
    else:
        if isinstance(zone_area_ha, int | float) and not isinstance(zone_area_ha, bool):
            zone_area_ha = (rs.zones("min_area_ha", 25.0), zone_area_ha)
        try:
            lo, hi = zone_area_ha
        except (TypeError, ValueError):
            raise bad(f"zone_area_ha={zone_area_ha!r} must be (min, max) in ha") from None
        lo = number("zone_area_ha min", lo)
        hi = number("zone_area_ha max", hi, strict=True)
        if hi < lo:
            raise bad(f"zone_area_ha={zone_area_ha!r}: max is below min")
    if not math.isfinite(hi):
        hi = float(result.summary.get("landscape_ha") or 1e12)
    n = n_zones
    if n is None and total is None:
        n = DEFAULT_N_ZONES
    if n is not None and total is not None:
        target = total / n
        if not lo <= target <= hi:
            warnings.warn(
                f"total_area_ha / n_zones = {target:,.1f} ha is outside zone_area_ha "
                f"({lo:g}, {hi:g}); zones are grown to {min(max(target, lo), hi):,.1f} ha",
                SelectionWarning,
                stacklevel=user_stacklevel(),
            )
    elif total is not None:
        # as many zones as the total needs at the largest size, all of one size
        target = total / math.ceil(total / hi)
    else:
        target = hi
    target = min(max(target, lo), hi)
    n_max = n if n is not None else math.ceil(total / target - 1e-9)
    return {
        "n_zones": None if n is None else int(n),
        "n_max": int(n_max),
        "total_ha": total,
        "min_ha": lo,
        "max_ha": hi,
        "target_ha": target,
    }


def _values(regs: Regions, evaluation: str, cell_ha: float, target_cells: int) -> np.ndarray:
    """What each candidate is worth.

    ``mean`` and ``edge`` are scaled by the share of the target size a candidate fills:
    a 30 ha patch scoring 0.9 is not worth a 1,000 ha zone scoring 0.9 when 1,000 ha
    zones were asked for (its missing land counts as scoring 0).
    """
    if evaluation == "sum":
        return regs.mean * regs.n_cells * cell_ha
    fill = np.minimum(regs.n_cells / max(target_cells, 1), 1.0)
    if evaluation == "edge":
        return regs.edge * fill
    return regs.mean * fill


@dataclasses.dataclass(frozen=True)
class _Locked:
    geoms: np.ndarray  # grid CRS, clipped to the landscape
    area_ha: np.ndarray
    regions: Regions | None
    cells_mask: np.ndarray | None
    labels: list[str]


def _locked(lock_in: Any, grid: Any, ctx: Any) -> _Locked:
    empty = _Locked(np.zeros(0, dtype=object), np.zeros(0), None, None, [])
    if lock_in is None:
        return empty
    gdf, _ = read_layer(lock_in, "lock_in", grid, 0.0)
    if gdf is None or not len(gdf):
        return empty
    geoms = shapely.intersection(gdf.geometry.to_numpy(), grid.boundary)
    keep = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    geoms = geoms[keep]
    from landprofile.zoning.identity import feature_labels

    labels = [str(x) for x in np.asarray(feature_labels(gdf, "zone"))[keep]]
    cells, offs, n, means = [], [0], [], []
    mask = np.zeros((grid.height, grid.width), dtype=bool)
    score = ctx.suit.score
    for g in geoms:
        m = burn([g], grid)
        if not m.any():
            # smaller than a cell: the cell its centre falls in
            c = shapely.centroid(g)
            col, row = ~grid.transform * (c.x, c.y)
            m[min(int(row), grid.height - 1), min(int(col), grid.width - 1)] = True
        flat = np.flatnonzero(m)
        mask |= m
        cells.append(flat)
        offs.append(offs[-1] + len(flat))
        n.append(len(flat))
        means.append(float(score.ravel()[flat].mean()))
    regions = Regions(
        cells=np.concatenate(cells),
        offsets=np.array(offs, dtype=np.int64),
        n_cells=np.array(n, dtype=np.int64),
        mean=np.array(means),
        edge=np.array(means),
        compactness=np.zeros(len(n)),
        seeds=np.zeros((len(n), 2), dtype=np.int64),
    )
    return _Locked(geoms, shapely.area(geoms) / 1e4, regions, mask, labels)


def _concat(a: Regions, b: Regions | None) -> Regions:
    if b is None:
        return a
    return Regions(
        cells=np.concatenate([a.cells, b.cells]),
        offsets=np.concatenate([a.offsets, a.offsets[-1] + b.offsets[1:]]),
        n_cells=np.concatenate([a.n_cells, b.n_cells]),
        mean=np.concatenate([a.mean, b.mean]),
        edge=np.concatenate([a.edge, b.edge]),
        compactness=np.concatenate([a.compactness, b.compactness]),
        seeds=np.concatenate([a.seeds, b.seeds]),
    )


def _warn_unmet(
    p: dict, chosen: np.ndarray, areas: np.ndarray, locked: _Locked, n_c: int, n_out: int
) -> None:
    n_sel = len(chosen) + len(locked.geoms)
    why_ = (
        f"{n_c} candidate regions of up to {p['target_ha']:,.0f} ha were grown on the land "
        f"that passed the rules"
        + (f", {n_out} of them conflict with locked-in zones" if n_out else "")
        + "; no two zones may share land or break the spacing"
    )
    if p["n_zones"] is not None and n_sel < p["n_zones"]:
        warnings.warn(
            f"only {n_sel} of the {p['n_zones']} zones asked could be placed: {why_}. "
            "Lower min_spacing_m or zone_area_ha, or relax the rules",
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )
    if p["total_ha"] is not None:
        got = float(areas[chosen].sum() + locked.area_ha.sum())
        if got < 0.9 * p["total_ha"]:
            warnings.warn(
                f"only {got:,.0f} ha of the {p['total_ha']:,.0f} ha asked could be placed: {why_}",
                SelectionWarning,
                stacklevel=user_stacklevel(),
            )


def _zones(result, ctx, regs: Regions, chosen: np.ndarray, locked: _Locked, min_ha: float):
    grid, rs = result.grid, result.rules
    k, m = len(chosen), len(locked.geoms)
    labels = np.zeros((grid.height, grid.width), dtype=np.int32)
    flat = labels.ravel()
    for z, j in enumerate(chosen.tolist(), start=1):
        flat[regs.of(j)] = z
    fixed = {}
    if m:
        for q in range(m):
            cells = locked.regions.of(q)
            # a locked zone's own cells (a candidate never shares them)
            flat[cells] = k + q + 1
            fixed[k + q] = locked.geoms[q]
    n = k + m
    part = Partition(
        labels=labels,
        region=np.arange(1, n + 1, dtype=np.int64),
        region_cells=np.zeros(n + 1, dtype=np.int64),
        region_parts=np.ones(n + 1, dtype=np.int64),
        merged_cells=np.zeros(n, dtype=np.int64),
        dropped_cells=np.zeros(n, dtype=np.int64),
    )
    table = zone_table(
        part,
        grid,
        ctx.suit,
        ctx.cons,
        ctx.layers,
        rs,
        ctx.parts,
        True,
        fixed=fixed,
        min_area_ha=min_ha,
    )
    zones = table.zones
    # region_id R0001.. is the position in chosen + locked
    pos = np.array([int(r[1:]) - 1 for r in zones["region_id"]], dtype=np.int64)
    is_locked = pos >= k
    cand = [f"C{int(chosen[q]) + 1:04d}" if q < k else f"L{q - k + 1:03d}" for q in pos.tolist()]
    zones = zones.drop(columns=["region_id", "part", "too_large"])
    zones.insert(2, "candidate_id", cand)
    zones.insert(3, "locked", is_locked)
    zones.insert(
        4,
        "locked_feature",
        [locked.labels[q - k] if q >= k else "" for q in pos.tolist()],
    )
    facts = []
    for f, lk, q in zip(table.facts, is_locked.tolist(), pos.tolist(), strict=True):
        f = dict(f)
        f["locked"] = locked.labels[q - k] if lk else None
        f["split"] = None
        facts.append(f)
    out_crs = result.crs
    zones_grid = zones.geometry.to_numpy()
    zones = _to_crs(zones, out_crs)
    geoms = zones.geometry.to_numpy().copy()
    free = ~is_locked
    if free.any():
        geoms[free] = final_cut(geoms[free], result.landscape, ctx.originals, ctx.cons, rs, out_crs)
    if is_locked.any():
        from landprofile.geodesy import project

        boundary = project([result.landscape.geometry], result.landscape.crs, out_crs)[0]
        geoms[is_locked] = shapely.intersection(geoms[is_locked], boundary)
    zones = zones.set_geometry(geoms)
    return zones, facts, table, zones_grid


def _other_suitable(
    ctx: Any, zones_grid: np.ndarray, zones_out: np.ndarray, crs: Any
) -> gpd.GeoDataFrame:
    """The land that passed the rules and is in no selected zone: one row per piece.

    The pieces are :func:`candidates`' own exact zones (exclusions already cut out, the
    user's CRS), less the selected and locked-in zones where they meet them — in the
    grid CRS for true areas and in the user's CRS for the geometry — so the layer meets
    the zones edge to edge at no cost of recomputing it. Not ranked: ``part`` numbers
    the pieces.
    """
    grid_p = np.asarray(ctx.suitable_geoms_grid, dtype=object)
    out_p = np.asarray(ctx.suitable_geoms, dtype=object)
    if not len(grid_p):
        return gpd.GeoDataFrame({"kind": [], "part": [], "area_ha": []}, geometry=[], crs=crs)
    grid_p, out_p = grid_p.copy(), out_p.copy()
    # the zones include the locked-in ones
    for pieces, taken in ((grid_p, zones_grid), (out_p, zones_out)):
        if not len(taken):
            continue
        pi, tj = shapely.STRtree(taken).query(pieces, predicate="intersects")
        for i in np.unique(pi):
            hits = taken[tj[pi == i]]
            pieces[i] = shapely.difference(
                pieces[i], hits[0] if len(hits) == 1 else shapely.union_all(hits)
            )
    area = shapely.area(grid_p) / 1e4
    keep = area > 1e-4
    out_p = np.array([_polygonal(g) for g in out_p[keep]], dtype=object)
    return gpd.GeoDataFrame(
        {
            "kind": "other_suitable",
            "part": np.arange(1, int(keep.sum()) + 1),
            "area_ha": area[keep],
        },
        geometry=out_p,
        crs=crs,
    )


def _polygonal(geom: Any) -> Any:
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if geom.geom_type in ("Polygon", "MultiPolygon") and len(polys) == len(shapely.get_parts(geom)):
        return geom
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _polygon(rings: list) -> Any:
    """A polygon from GeoJSON rings, built by shapely's array constructors."""
    shell = shapely.linearrings(np.asarray(rings[0], dtype=float))
    if len(rings) == 1:
        return shapely.polygons(shell)
    holes = np.empty(len(rings) - 1, dtype=object)
    holes[:] = [shapely.linearrings(np.asarray(h, dtype=float)) for h in rings[1:]]
    return shapely.polygons(shell, holes=holes)


def _candidates_gdf(
    regs: Regions, values: np.ndarray, areas: np.ndarray, chosen: np.ndarray, grid: Any, crs: Any
) -> gpd.GeoDataFrame:
    """Every candidate region as cell polygons (grid CRS, then the user's)."""
    geoms = np.empty(len(regs), dtype=object)
    w = grid.width
    for i in range(len(regs)):
        r, c = np.divmod(regs.of(i), w)
        r0, c0 = int(r.min()), int(c.min())
        m = np.zeros((int(r.max()) - r0 + 1, int(c.max()) - c0 + 1), dtype=np.uint8)
        m[r - r0, c - c0] = 1
        t = grid.transform @ Affine.translation(c0, r0)
        polys = [
            _polygon(g["coordinates"])
            for g, _ in rasterio.features.shapes(m, mask=m > 0, transform=t, connectivity=4)
        ]
        geoms[i] = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    sel = np.zeros(len(regs), dtype=bool)
    sel[chosen] = True
    gdf = gpd.GeoDataFrame(
        {
            "candidate_id": [f"C{i + 1:04d}" for i in range(len(regs))],
            "area_ha": areas,
            "utility": values,
            "mean_score": regs.mean,
            "edge_score": regs.edge,
            "compactness": regs.compactness,
            "selected": sel,
        },
        geometry=geoms,
        crs=grid.crs,
    )
    return _to_crs(gdf, crs)
