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

import itertools
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
    if not _polygonal(arr) or not shapely.is_valid(arr).all():
        return shapely.union_all(arr)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(arr)
    i, j = shapely.STRtree(arr).query(arr, predicate="intersects")
    pair = i < j
    graph = coo_matrix((np.ones(int(pair.sum()), dtype=bool), (i[pair], j[pair])), shape=(n, n))
    k, group = connected_components(graph, directed=False)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(k + 1)).tolist()
    out = []
    for a, b in itertools.pairwise(bounds):
        idx = order[a:b]
        out.append(arr[idx[0]] if len(idx) == 1 else shapely.union_all(arr[idx]))
    if not _polygonal(np.asarray(out, dtype=object)):
        return shapely.union_all(arr)
    return _assemble(out)


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
