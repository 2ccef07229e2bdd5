"""The part of a large geometry near a small one, for an intersection that only needs that.

A zone is ~1,200 vertices, a site or a concession a few dozen; an overlay of the two
costs the zone's size. Clipped first to the small geometry's box widened by 1 m
(``clip_by_rect``, one pass over the vertices, no overlay), the zone keeps every
vertex and edge inside the box unchanged and gains edges only on the box, which the
small geometry does not reach: the intersection is the same polygon (on the 1M ha
benchmark, within 5e-9 m²) from a fraction of the work (sites 0.25 -> 0.09 s,
concessions 0.34 -> 0.11 s).

``clip_by_rect`` may return an invalid polygon (a hole touching its shell becomes a
self-touching ring); there the geometry is used whole.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__: list[str] = []

#: How much wider than the small geometry's box the clip is (m): its edges never touch it.
CLIP_PAD_M = 1.0


def near_part(large: np.ndarray, small: np.ndarray) -> np.ndarray:
    """``large[i]`` clipped to the box of ``small[i]`` widened by :data:`CLIP_PAD_M`.

    ``shapely.intersection(small, near_part(large, small))`` is
    ``shapely.intersection(small, large)``; where the clip is not a valid geometry,
    ``large[i]`` is returned as it is.
    """
    out = np.empty(len(large), dtype=object)
    if not len(large):
        return out
    b = shapely.bounds(small)
    b[:, :2] -= CLIP_PAD_M
    b[:, 2:] += CLIP_PAD_M
    out[:] = [shapely.clip_by_rect(g, *r) for g, r in zip(large, b.tolist(), strict=True)]
    # not shapely.is_valid: it wraps GEOS in a warnings.catch_warnings block, and this
    # runs on worker threads, where such blocks race with the main thread's
    bad = shapely.is_valid_reason(out) != "Valid Geometry"
    out[bad] = large[bad]
    return out
