"""What :func:`~landprofile.zoning.locate.locate` says when it gives less than asked.

Each warning or refusal names the numbers and the real cause: permits that use up the
budget, cells larger than the largest zone, regions dropped by the exact cut, and, when
fewer zones or less area than asked were placed, which limit bound (too little suitable
land, too few candidates, the spacing, the total area, the cut, the time limit).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from landprofile.errors import InvalidParameterError, SelectionWarning, user_stacklevel
from landprofile.zoning.conflict_cliques import conflict_pairs
from landprofile.zoning.grow import Regions
from landprofile.zoning.select import solve
from landprofile.zoning.selected import Locked

__all__ = [
    "Unmet",
    "check_locked_budgets",
    "spacing_binds",
    "warn_cell_size",
    "warn_dropped",
    "warn_unmet",
]


@dataclasses.dataclass(frozen=True)
class Unmet:
    """What was placed and what limited it, for the warning when less than asked was."""

    n_got: int
    got_ha: float
    n_locked: int
    locked_ha: float
    n_candidates: int
    n_out: int
    free_ha: float  # land that passed the rules outside the locked-in zones
    n_dropped: int
    #: ``(n, ha)`` greedy places when no spacing is asked, or ``None`` (no spacing, or
    #: it does not bind); a callable, so it is worked out only when something is unmet.
    spacing_binds: Callable[[], tuple[int, float] | None]
    unproved: str | None


def check_locked_budgets(p: dict[str, Any], locked: Locked) -> None:
    """Refuse permits that by themselves break the number or the area asked."""
    n_locked = len(locked.geoms)
    if not n_locked:
        return
    if p["n_zones"] is not None and n_locked > p["n_zones"]:
        raise InvalidParameterError(
            f"locate: lock_in holds {n_locked} permits inside the landscape, more than "
            f"n_zones={p['n_zones']}"
            + ("" if p["n_given"] else " (the default)")
            + f"; locked-in zones count among the zones: give n_zones >= {n_locked}"
        )
    locked_ha = float(locked.area_ha.sum())
    if p["total_ha"] is not None and locked_ha > p["total_ha"] * (1 + 1e-9):
        raise InvalidParameterError(
            f"locate: the {n_locked} locked-in permit(s) take {locked_ha:,.1f} ha inside "
            f"the landscape, more than total_area_ha={p['total_ha']:,.1f} ha (locked-in "
            f"zones count in the total): give total_area_ha >= {locked_ha:,.1f}"
        )


def warn_cell_size(p: dict[str, Any], cell_ha: float, res: float) -> None:
    """Warn when one analysis cell is larger than the largest zone asked."""
    if cell_ha > p["max_ha"] * (1 + 1e-9):
        warnings.warn(
            f"an analysis cell ({res:g} m, {cell_ha:.4g} ha) is larger than the largest "
            f"zone asked (zone_area_ha max {p['max_ha']:.4g} ha): zones are grown from "
            f"whole cells, so each is up to {cell_ha:.4g} ha; use resolution_m <= "
            f"{math.sqrt(p['max_ha'] * 1e4):.4g} m for zones that small",
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )


def warn_dropped(n_chosen: int, n_returned: int, table: Any, min_ha: float) -> None:
    """Warn when chosen regions fell under the smallest zone once cut exactly."""
    k = table.dropped_after_clipping
    if k:
        warnings.warn(
            f"{n_chosen} regions were chosen but {n_returned} zones are returned: {k} "
            f"fell under the minimum zone size ({min_ha:g} ha) once the exclusions were "
            f"cut out exactly ({table.dropped_after_clipping_ha:,.1f} ha dropped)",
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )


def spacing_binds(
    regs: Regions,
    free: np.ndarray,
    grid: Any,
    n_left: int | None,
    area_left: float | None,
    values: np.ndarray,
    areas: np.ndarray,
    n_chosen: int,
    sol: Any,
    opts: dict[str, Any],
) -> Callable[[], tuple[int, float] | None]:
    """How many zones greedy places with no spacing: whether the spacing binds."""

    def check() -> tuple[int, float] | None:
        if opts["min_spacing_m"] <= 0 and opts["max_spacing_m"] is None:
            return None
        # the same candidates with only the shared-land conflicts: if they give more,
        # the spacing is what binds (greedy: a lower estimate of what would fit)
        pairs = conflict_pairs(regs, grid.width, grid.res, 0.0, None)
        remap = np.full(len(regs), -1)
        remap[free] = np.arange(len(free))
        pairs = remap[pairs]
        pairs = pairs[(pairs >= 0).all(axis=1)]
        g = solve(
            values[free],
            areas[free],
            pairs,
            n_max=n_left,
            area_max=None if area_left is None else max(area_left, 0.0),
            method="greedy",
            time_limit_s=opts["time_limit_s"],
        )
        n_g, ha_g = len(g.selected), float(areas[free][g.selected].sum())
        got_ha = float(areas[free][sol.selected].sum())
        if n_g > n_chosen or ha_g > got_ha * 1.05:
            return n_g, ha_g
        return None

    return check


def warn_unmet(p: dict[str, Any], u: Unmet) -> None:
    """Warn when fewer zones or less area than asked were placed, naming what binds."""
    short_n = p["n_zones"] is not None and u.n_got < p["n_zones"]
    short_ha = p["total_ha"] is not None and u.got_ha < 0.9 * p["total_ha"]
    if not (short_n or short_ha):
        return
    n_left = p["n_max"] - u.n_locked
    need_ha = p["total_ha"] - u.locked_ha if p["total_ha"] is not None else n_left * p["min_ha"]
    n_free = u.n_candidates - u.n_out
    reasons = []
    if u.unproved:
        reasons.append(
            "the solver was stopped by time_limit_s before proving its choice "
            "(see the warning above)"
        )
    if u.free_ha < need_ha:
        reasons.append(
            f"only {u.free_ha:,.0f} ha of land passed the rules"
            + (" outside the locked-in zones" if u.n_locked else "")
            + f", less than the {need_ha:,.0f} ha needed"
        )
    if n_free < n_left:
        reasons.append(
            f"only {n_free} candidate regions of {p['min_ha']:g} to {p['target_ha']:,.0f} ha "
            "could be grown on the land that passed the rules"
            + (f" ({u.n_out} more conflict with locked-in zones)" if u.n_out else "")
        )
    spacing = u.spacing_binds()
    if spacing is not None:
        reasons.append(
            f"the spacing asked (min_spacing_m={p['min_spacing_m']:g}"
            + (f", max_spacing_m={p['max_spacing_m']:g}" if p["max_spacing_m"] is not None else "")
            + f") binds: without it {spacing[0]} zones ({spacing[1]:,.0f} ha) fit"
        )
    if u.n_dropped:
        reasons.append(
            f"{u.n_dropped} chosen regions fell under {p['min_ha']:g} ha once the exclusions "
            "were cut out exactly"
        )
    if short_n and p["total_ha"] is not None and u.got_ha + p["min_ha"] > p["total_ha"]:
        reasons.append(
            f"total_area_ha={p['total_ha']:,.0f} ha leaves no room for another zone of "
            f"{p['min_ha']:g} ha ({u.got_ha:,.0f} ha placed)"
        )
    if p["total_ha"] is not None and p["total_ha"] < p["min_ha"]:
        reasons.append(
            f"total_area_ha={p['total_ha']:,.4g} ha is below the smallest zone locate "
            f"places (min_ha={p['min_ha']:g} ha), so no zone fits in it; ask at least "
            f"{p['min_ha']:g} ha or lower min_ha"
        )
    if not reasons:
        reasons.append(
            f"the {n_free} candidate regions overlap one another: no more of them that "
            "share no land fit on the land that passed the rules"
        )
    why_ = "; ".join(reasons)
    if short_n:
        warnings.warn(
            f"only {u.n_got} of the {p['n_zones']} zones asked could be placed: {why_}",
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )
    if short_ha:
        warnings.warn(
            f"only {u.got_ha:,.0f} ha of the {p['total_ha']:,.0f} ha asked could be placed: {why_}",
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )
