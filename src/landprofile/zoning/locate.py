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
from typing import TYPE_CHECKING, Any

import numpy as np

from landprofile.errors import InvalidParameterError, SelectionWarning, user_stacklevel
from landprofile.zoning.explain import fact_columns, why, why_short
from landprofile.zoning.grow import SHAPES, Regions, conflict_pairs, grow, seed_cells
from landprofile.zoning.select import solve
from landprofile.zoning.selected import (
    Locked,
    candidate_polygons,
    concat,
    other_suitable,
    read_locked,
    zones_of,
)

if TYPE_CHECKING:  # the result module does not import this one: no import circle
    from landprofile.zoning.result import ZoningResult

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
    locked = read_locked(lock_in, grid, ctx)
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
    allr = concat(regs, locked.regions)
    pairs = conflict_pairs(allr, grid.width, grid.res, min_spacing_m, max_spacing_m)
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
    zones, facts, table, zones_grid = zones_of(result, ctx, regs, chosen, locked, p["min_ha"])
    other = other_suitable(ctx, zones_grid, zones.geometry.to_numpy(), result.crs)
    cands = candidate_polygons(regs, values, areas, chosen, grid, result.crs)
    lang = result.lang
    zones["why"] = [why(f, rs, lang) for f in facts]
    zones["why_short"] = [why_short(f, rs, lang) for f in facts]
    for col, values in fact_columns(facts, rs, lang).items():
        zones[col] = values
    # the geometry stays the last column, as in every layer written
    zones = zones[[c for c in zones.columns if c != "geometry"] + ["geometry"]]
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


def _warn_unmet(
    p: dict, chosen: np.ndarray, areas: np.ndarray, locked: Locked, n_c: int, n_out: int
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
