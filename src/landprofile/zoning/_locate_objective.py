"""What :func:`~landprofile.zoning.locate.locate` optimises: the limits and the worth.

The sizes and counts asked are the problem's limits (the rule set's zone sizes fill what
was not asked); each candidate's worth is its objective.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from landprofile.errors import InvalidParameterError, SelectionWarning, user_stacklevel
from landprofile.zoning.grow import Regions
from landprofile.zoning.locate_options import DEFAULT_N_ZONES


def _params(result: Any, opts: dict[str, Any]) -> dict[str, Any]:
    """The sizes and counts asked, the rule set's zone sizes filling what was not."""
    rs = result.rules
    landscape_ha = float(result.summary.get("landscape_ha") or 1e12)
    total = opts["total_area_ha"]
    if opts["zone_area_ha"] is None:
        lo = rs.zones("min_area_ha", 25.0)
        hi = rs.zones("max_area_ha", 0.0) or math.inf
    else:
        lo, hi = opts["zone_area_ha"]
        if lo is None:
            lo = rs.zones("min_area_ha", 25.0)
            if hi < lo:
                raise InvalidParameterError(
                    f"locate: zone_area_ha={hi!r} (the maximum) is below the rule set's "
                    f"min_area_ha {lo:g} ha; give (min, max)"
                )
    if lo > landscape_ha:
        raise InvalidParameterError(
            f"locate: the smallest zone asked ({lo:,.6g} ha) is larger than the landscape "
            f"({landscape_ha:,.6g} ha)"
        )
    # no zone can be larger than the landscape (the rule set's maximum may be)
    hi = min(hi, landscape_ha)
    n = opts["n_zones"]
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
        "n_given": opts["n_zones"] is not None,
        "n_max": int(n_max),
        "total_ha": total,
        "min_ha": lo,
        "max_ha": hi,
        "target_ha": target,
        "min_spacing_m": opts["min_spacing_m"],
        "max_spacing_m": opts["max_spacing_m"],
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
