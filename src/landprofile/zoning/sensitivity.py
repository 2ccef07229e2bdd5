"""How stable each candidate's rank is when the factor weights change."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from landprofile.errors import InvalidParameterError

__all__ = ["sensitivity"]


def sensitivity(
    result: Any,
    *,
    variation: float = 0.2,
    draws: int = 200,
    top_k: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """How stable each candidate's rank is when the factor weights change.

    Each weight is moved by ``±variation`` one at a time, then all weights are drawn at
    random within ``±variation`` (``draws`` times, seeded). Zones keep their cells; their
    scores are recomputed from their factor means with the new weights and re-ranked.

    Returns
    -------
    pandas.DataFrame
        ``zone_id``, ``rank`` (base), ``share_top_k`` (share of runs in which the zone is
        in the top ``top_k``), ``min_rank``, ``max_rank``, ``mean_rank``.

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
    >>> table = lp.zoning.sensitivity(res, variation=0.2, draws=50)
    >>> table[["zone_id", "rank", "min_rank", "max_rank"]]  # one factor: ranks cannot move
      zone_id  rank  min_rank  max_rank
    0    Z001     1         1         1
    1    Z002     2         2         2
    """
    if not 0 <= variation < 1:
        raise InvalidParameterError(f"variation={variation!r} must be in [0, 1)")
    z = result.zones
    names = list(result.factor_weights)
    if len(z) == 0 or not names:
        return pd.DataFrame(
            columns=["zone_id", "rank", "share_top_k", "min_rank", "max_rank", "mean_rank"]
        )
    base = np.array([result.factor_weights[k] for k in names])
    f = z[[f"f_{k}" for k in names]].to_numpy(dtype=float)
    runs = []
    for i in range(len(names)):
        for sign in (-1, 1):
            w = base.copy()
            w[i] *= 1 + sign * variation
            runs.append(w)
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        runs.append(base * rng.uniform(1 - variation, 1 + variation, len(base)))
    ranks = []
    for w in runs:
        s = f @ (w / w.sum()) if w.sum() > 0 else np.zeros(len(z))
        order = np.lexsort((z["zone_id"].to_numpy(), -z["area_ha"].to_numpy(), -s))
        r = np.empty(len(z), dtype=int)
        r[order] = np.arange(1, len(z) + 1)
        ranks.append(r)
    ranks = np.array(ranks)
    return pd.DataFrame(
        {
            "zone_id": z["zone_id"],
            "rank": z["rank"],
            "share_top_k": (ranks <= top_k).mean(axis=0),
            "min_rank": ranks.min(axis=0),
            "max_rank": ranks.max(axis=0),
            "mean_rank": ranks.mean(axis=0),
        }
    )
