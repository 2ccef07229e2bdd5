"""Exact unions and clips of many polygons, done only where the polygons meet.

``shapely.union_all`` of the 5,000 buffered rivers of the 1e6 ha benchmark took 2.7 s,
the union of the four rules' areas 2.9 s more, for an answer in which most pieces
overlap nothing. Polygons that do not intersect are disjoint: their union is just the
collection of them. So the polygons are grouped into the connected components of the
"intersects" graph (a spatial index query), and ``union_all`` runs on each group of more
than one; the result is a multipolygon of disjoint parts, the same set as
``union_all``'s (the same vertices within rounding, to 1e-6 m on the benchmark; tested
against ``union_all``). A clip to the landscape likewise keeps the parts inside it as
they are and cuts only those that cross its boundary.

Anything else — lines or points (unbuffered rules), invalid polygons, a result that is
not polygonal — goes through ``union_all`` / ``intersection`` of the whole, as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = ["clip_union", "union_grouped"]

_POLYGONAL = (3, 6)  # Polygon, MultiPolygon


def _assemble(parts: list[Any]) -> Any:
    """Disjoint polygonal parts as one geometry: Polygon() / Polygon / MultiPolygon."""
    flat = shapely.get_parts(np.asarray(parts, dtype=object)) if parts else np.array([])
    flat = flat[~shapely.is_empty(flat)] if len(flat) else flat
    if not len(flat):
        return shapely.Polygon()
    # shells clockwise, holes counter-clockwise, as GEOS's overlay writes them (union_all of
    # two or more polygons, intersection): the parts kept as they were (buffers are
    # counter-clockwise) come out as the overlay would have written them
    flat = shapely.orient_polygons(flat, exterior_cw=True)
    if len(flat) == 1:
        return flat[0]
    return shapely.multipolygons(flat)


def _polygonal(geoms: np.ndarray) -> bool:
    return bool(np.isin(shapely.get_type_id(geoms), _POLYGONAL).all())


def union_grouped(geoms: Any) -> Any:
    """The union of ``geoms``: ``union_all`` run only within groups that intersect."""
    arr = np.asarray(geoms, dtype=object).ravel()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if not len(arr):
        return shapely.Polygon()
    # not shapely.is_valid: it wraps GEOS in warnings.catch_warnings, which on this worker
    # thread would swap the process's warning filters under the main thread's feet
    if (
        len(arr) == 1  # union_all hands a single polygon back as it is
        or not _polygonal(arr)
        or (shapely.is_valid_reason(arr) != "Valid Geometry").any()
    ):
        return shapely.union_all(arr)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(arr)
    i, j = shapely.STRtree(arr).query(arr, predicate="intersects")
    pair = i < j
    graph = coo_matrix((np.ones(int(pair.sum()), dtype=bool), (i[pair], j[pair])), shape=(n, n))
    k, group = connected_components(graph, directed=False)
    out = _union_groups(arr, group, k)
    if not _polygonal(out):
        return shapely.union_all(arr)
    return _assemble(list(out))


def _union_groups(arr: np.ndarray, group: np.ndarray, k: int) -> np.ndarray:
    """The union of each group (``group[i]``: the group of ``arr[i]``, ``0..k-1``).

    Groups of one are their member. The others are unioned a few calls at a time: one
    ``union_all(table, axis=1)`` per size class (up to 2, 4, 8… members, padded with
    ``None``), not one call per group — the loop stays in C, with the GIL released,
    while the main thread computes the scores (``edt`` holds the GIL).
    """
    order = np.argsort(group, kind="stable")
    sizes = np.bincount(group, minlength=k)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(len(arr)) - starts[group[order]]
    out = np.empty(k, dtype=object)
    one = sizes == 1
    single = one[group]
    out[group[single]] = arr[single]
    width = 2
    while True:
        cls = np.flatnonzero((sizes > width // 2) & (sizes <= width) & ~one)
        if len(cls):
            row = np.full(k, -1, dtype=np.int64)
            row[cls] = np.arange(len(cls))
            table = np.full((len(cls), width), None, dtype=object)
            member = row[group[order]] >= 0
            table[row[group[order]][member], rank[member]] = arr[order][member]
            out[cls] = shapely.union_all(table, axis=1)
        if width >= sizes.max(initial=0):
            break
        width *= 2
    return out


def clip_union(geom: Any, boundary: Any) -> Any:
    """``shapely.intersection(geom, boundary)``, cutting only the parts that cross it.

    ``geom``'s parts must be disjoint (a union): the parts strictly inside ``boundary``
    are kept as they are, the others intersected with it in one call.
    """
    if shapely.is_empty(geom) or shapely.get_type_id(geom) not in _POLYGONAL:
        return shapely.intersection(geom, boundary)
    parts = shapely.get_parts(geom)
    inside = shapely.contains_properly(boundary, parts)
    crossing = ~inside & shapely.intersects(boundary, parts)
    if not crossing.any():
        return _assemble(list(parts[inside]))
    cut = shapely.intersection(shapely.multipolygons(parts[crossing]), boundary)
    if not shapely.is_empty(cut) and shapely.get_type_id(cut) not in _POLYGONAL:
        return shapely.intersection(geom, boundary)
    return _assemble([*parts[inside], cut])
