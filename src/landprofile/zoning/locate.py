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
from landprofile.zoning._locate_cells import WithoutLocked, cells_of
from landprofile.zoning._locate_objective import _params, _values
from landprofile.zoning._locate_seeds import seed_pass
from landprofile.zoning.conflict_cliques import ConflictGraph, conflict_pairs
from landprofile.zoning.explain import fact_columns, why, why_short
from landprofile.zoning.grow import grow
from landprofile.zoning.select import solve
from landprofile.zoning.selected import (
    candidate_polygons,
    concat,
    other_suitable,
    read_locked,
    zones_of,
)

if TYPE_CHECKING:  # the result module does not import this one: no import circle
    from landprofile.zoning.result import ZoningResult

from landprofile.zoning.locate_diagnostics import (
    Unmet,
    check_locked_budgets,
    spacing_binds,
    warn_cell_size,
    warn_dropped,
    warn_unmet,
)
from landprofile.zoning.locate_options import (
    DEFAULT_N_ZONES,
    EVALUATIONS,
    METHODS,
    OPTIONS,
    check_options,
)

__all__ = ["DEFAULT_N_ZONES", "EVALUATIONS", "METHODS", "OPTIONS", "check_options", "locate"]


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
        ``(min, max)`` size of one zone (ha), ``0 < min <= max``, the maximum no larger
        than the landscape (one number: the maximum); the rule set's ``[zones]
        min_area_ha`` and ``max_area_ha`` when ``None``. Candidates are grown to ``total_area_ha /
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
        reads, any CRS; Polygon or MultiPolygon only) that stay selected, as given
        (clipped to the landscape only; land two permits share is kept in the first);
        candidates that overlap them or break the spacing with them are dropped. They
        count in ``n_zones`` and ``total_area_ha``.
    method
        ``exact`` (MILP on HiGHS, optimal among the candidates unless the time limit
        stops it: see ``selection["gap"]``) or ``greedy`` (best value first, its gap
        bounded by the LP relaxation).
    max_candidates
        Seeds (hence candidate regions) at most.
    time_limit_s
        HiGHS's time limit (a finite number of seconds > 0).

    Returns
    -------
    ZoningResult
        ``zones``: the selected zones, ranked and explained; ``other_suitable``: the rest
        of the land that passed the rules (one row); ``selection``: ``method``,
        ``objective``, ``bound``, ``gap``, ``proved``, ``not_proved_why``,
        ``seconds``, ``status``, ``n_chosen``, ``n_dropped_after_cut``, the conflicts
        (``n_conflicting_pairs``, the clique rows ``n_conflict_rows`` that hold them,
        ``n_candidates_pruned``), ``candidates`` (every candidate region with
        ``area_ha``, ``utility`` and ``selected``) and what was asked. ``bound`` and
        ``gap`` are ``None`` when no bound was proved (the time limit stopped HiGHS
        before it had one, or stopped greedy's LP relaxation): no optimality is claimed.

    Raises
    ------
    InvalidParameterError
        For any argument of the wrong type or out of range (see
        ``landprofile.zoning.locate_options.check_options``),
        and for locked-in permits that alone exceed ``n_zones`` or ``total_area_ha``.
    GeometryTypeError
        When a locked-in permit is not a Polygon or MultiPolygon.

    Warns
    -----
    SelectionWarning
        When the selection is not proved optimal (why, with the objective, bound and
        gap); when chosen regions fall under the minimum size once the exclusions are
        cut out exactly; when an analysis cell is larger than the largest zone asked;
        for locked-in permits outside the landscape or overlapping one another; when
        fewer zones or less area than asked can be placed, naming what binds (the land
        that passed the rules, the candidates, the spacing, the total area, the solver).

    Examples
    --------
    >>> import geopandas as gpd
    >>> import landprofile as lp
    >>> from shapely.geometry import LineString, Point
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> river = gpd.GeoDataFrame(
    ...     geometry=[LineString([(601_000, 600_000), (601_000, 602_000)])], crs=SQUARE_CRS)
    >>> sites = gpd.GeoDataFrame(
    ...     {"site_id": ["S1", "S2"]},
    ...     geometry=[Point(600_300, 600_300), Point(601_700, 601_700)], crs=SQUARE_CRS)
    >>> res = lp.zoning.candidates(square_landscape(2000), sites=sites, rivers=river)
    >>> short = lp.zoning.locate(res, n_zones=2, zone_area_ha=(25, 100))
    >>> short.selection["status"], short.selection["proved"], short.selection["gap"]
    ('optimal', True, 0.0)
    >>> len(short.zones), bool((short.zones["area_ha"] <= 100).all())
    (2, True)
    >>> short.zones["n_sites"].tolist()  # each zone holds the site on its side
    [1, 1]
    >>> spaced = lp.zoning.locate(res, n_zones=2, zone_area_ha=(25, 100), min_spacing_m=500)
    >>> len(spaced.zones)  # the river buffer keeps the two sides only 200 m apart
    1
    """
    t0 = time.perf_counter()
    ctx = getattr(result, "context", None)
    if ctx is None:
        raise InvalidParameterError(
            "locate() needs a result of landprofile.zoning.candidates() made in this "
            "session (it keeps the score grid); a result read back from a file has none"
        )
    opts = check_options(
        {
            "n_zones": n_zones,
            "total_area_ha": total_area_ha,
            "zone_area_ha": zone_area_ha,
            "shape": shape,
            "shape_weight": shape_weight,
            "min_spacing_m": min_spacing_m,
            "max_spacing_m": max_spacing_m,
            "evaluation": evaluation,
            "lock_in": lock_in,
            "method": method,
            "max_candidates": max_candidates,
            "time_limit_s": time_limit_s,
        },
        landscape_ha=result.summary.get("landscape_ha"),
    )
    shape, evaluation, method = opts["shape"], opts["evaluation"], opts["method"]
    shape_weight, time_limit_s = opts["shape_weight"], opts["time_limit_s"]
    min_spacing_m, max_spacing_m = opts["min_spacing_m"], opts["max_spacing_m"]
    p = _params(result, opts)
    grid, rs = result.grid, result.rules
    cell_ha = grid.cell_ha
    # the cells by window, never a grid of the landscape's size (issue 38)
    locked = read_locked(lock_in, grid, ctx)
    n_locked = len(locked.geoms)
    check_locked_budgets(p, locked)
    if p["n_zones"] is None and n_locked:
        # a total area only: the locked-in zones take their share, the rest is split
        # into zones of one size as before
        left = max(p["total_ha"] - float(locked.area_ha.sum()), 0.0)
        k = math.ceil(left / p["max_ha"] - 1e-9)
        p["n_max"] = n_locked + k
        if k:
            p["target_ha"] = min(max(left / k, p["min_ha"]), p["max_ha"])
    target_cells = max(1, math.floor(p["target_ha"] / cell_ha + 1e-9))
    min_cells = max(1, math.ceil(p["min_ha"] / cell_ha - 1e-9))
    warn_cell_size(p, cell_ha, grid.res)
    # locked-in zones' cells are not allowed land for candidates
    cells = WithoutLocked(cells_of(ctx), locked.cells)
    found = seed_pass(cells, math.sqrt(target_cells / math.pi), min_cells, opts["max_candidates"])
    regs = grow(cells, found.seeds, target_cells, min_cells, shape, shape_weight)
    values = _values(regs, evaluation, cell_ha, target_cells)
    areas = regs.n_cells * cell_ha
    n_c = len(regs)
    allr = concat(regs, locked.regions)
    pairs = conflict_pairs(allr, grid.width, grid.res, min_spacing_m, max_spacing_m)
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
        ConflictGraph.from_pairs(len(free), remap[inner]),
        n_max=n_left,
        area_max=None if area_left is None else max(area_left, 0.0),
        method=method,
        time_limit_s=time_limit_s,
    )
    if sol.unproved:
        warnings.warn(
            f"the selection is not proved optimal: {sol.unproved} (objective "
            f"{sol.objective:.4g}, bound "
            + ("none" if sol.bound is None else f"{sol.bound:.4g}")
            + ", gap "
            + ("unknown" if sol.gap is None else f"{100 * sol.gap:.2f} %")
            + "). Raise time_limit_s, lower max_candidates, or use method='greedy'",
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )
    chosen = free[sol.selected]
    zones, facts, table, zones_grid = zones_of(result, ctx, regs, chosen, locked, p["min_ha"])
    warn_dropped(len(chosen) + n_locked, len(zones), table, p["min_ha"])
    warn_unmet(
        p,
        Unmet(
            n_got=len(zones),
            got_ha=float(zones["area_ha"].sum()) if len(zones) else 0.0,
            n_locked=n_locked,
            locked_ha=float(locked.area_ha.sum()),
            n_candidates=n_c,
            n_out=int(out_c.sum()),
            free_ha=found.n_allowed * cell_ha,
            n_dropped=table.dropped_after_clipping,
            spacing_binds=spacing_binds(
                regs, free, grid, n_left, area_left, values, areas, len(chosen), sol, opts
            ),
            unproved=sol.unproved,
        ),
    )
    other = other_suitable(ctx, zones_grid, zones.geometry.to_numpy(), result.crs)
    cands = candidate_polygons(regs, values, areas, chosen, grid, result.crs)
    lang = result.lang
    zones["why"] = [why(f, rs, lang) for f in facts]
    zones["why_short"] = [why_short(f, rs, lang) for f in facts]
    for col, col_values in fact_columns(facts, rs, lang).items():
        zones[col] = col_values
    # the geometry stays the last column, as in every layer written
    zones = zones[[c for c in zones.columns if c != "geometry"] + ["geometry"]]
    sel_ha = float(zones["area_ha"].sum()) if len(zones) else 0.0
    selection = {
        "method": method,
        "status": sol.status,
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "proved": sol.unproved is None,
        "not_proved_why": sol.unproved,
        "seconds": time.perf_counter() - t0,
        "solver_seconds": sol.seconds,
        "time_limit_s": time_limit_s,
        "evaluation": evaluation,
        "shape": shape,
        "shape_weight": shape_weight,
        "n_zones_requested": p["n_zones"],
        "total_area_requested_ha": p["total_ha"],
        "zone_area_ha": (p["min_ha"], p["max_ha"]),
        "target_zone_ha": p["target_ha"],
        "min_spacing_m": min_spacing_m,
        "max_spacing_m": max_spacing_m,
        "n_candidates": n_c,
        "n_candidates_in_conflict_with_locked": int(out_c.sum()),
        "n_conflicting_pairs": len(inner),
        "n_conflict_rows": sol.n_conflict_rows,  # cliques covering those pairs
        "n_candidates_pruned": sol.n_pruned,  # no optimal selection needs them
        "n_locked": n_locked,
        "n_chosen": len(chosen) + n_locked,
        "n_dropped_after_cut": table.dropped_after_clipping,
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
