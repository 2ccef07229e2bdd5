"""The zones step's geometry kernels: cells to polygons, the exact cut, sites in zones.

Split from :mod:`landprofile.zoning.zones` along the data flow; each kernel returns
the same geometry or number as the plain shapely call it replaces, and avoids repeated
work (profiled on the 1,000,000 ha / 30 m benchmark, see ``benchmarks/RESULTS.md``):

- each zone's outline is traced on its cells' corners in arrays
  (:mod:`landprofile.zoning._zone_trace`): no GDAL polygoniser, no Python list per vertex;
- the exclusion parts each zone meets are clipped to the zone's box before their union,
  so the union and the difference handle the land near the zone, not whole rule unions;
- the sites' land in a zone is the sites themselves where they lie inside it, and a
  union only where sites overlap each other.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import shapely

from landprofile.zoning._zone_trace import trace
from landprofile.zoning._zones_clip import near_part
from landprofile.zoning.grid import AnalysisGrid

__all__: list[str] = []


def _in_two(fn: Callable[..., np.ndarray], *arrays: np.ndarray) -> np.ndarray:
    """``fn(*arrays)`` element-wise, on two threads (shapely's set operations release the GIL).

    The overlays are the zones step's largest cost, one independent call per zone: two
    threads took it from 1.1 to 0.7 s on the 1M ha benchmark. Alternate elements go to
    each thread so that big and small zones are shared evenly.
    """
    if len(arrays[0]) < 16:
        return fn(*arrays)
    with ThreadPoolExecutor(2) as pool:
        halves = list(pool.map(lambda k: fn(*(a[k::2] for a in arrays)), (0, 1)))
    out = np.empty(len(arrays[0]), dtype=object)
    out[0::2], out[1::2] = halves
    return out


def geometries(layer: gpd.GeoDataFrame | np.ndarray | None) -> np.ndarray | None:
    """A layer's geometries as an array (a GeoDataFrame's column, or the array given).

    The zones' measures run on worker threads, which must not touch pandas (its calls can
    enter ``warnings.catch_warnings`` blocks, which race with the main thread's): the
    caller takes the arrays out on the main thread and passes them.
    """
    if layer is None or isinstance(layer, np.ndarray):
        return layer
    return layer.geometry.to_numpy()


def polygons(labels: np.ndarray, n: int, grid: AnalysisGrid) -> np.ndarray:
    """Each zone's cells as polygons: its outline traced on the cells' corners.

    The same point sets as rasterio's ``shapes`` of each zone's window (4-connected
    parts, as a MultiPolygon of parts that meet at most at corners), traced in arrays
    by :func:`landprofile.zoning._zone_trace.trace` (0.5 -> 0.25 s on the 1M ha
    benchmark). A zone without cells is an empty geometry.
    """
    return trace(labels, n, grid.transform)


def clip(geoms: np.ndarray, grid: AnalysisGrid, parts: np.ndarray) -> np.ndarray:
    """Zones ∩ landscape − the union of the exclusion parts each zone meets.

    Only the part of an exclusion inside a zone's box can change the zone: each part is
    clipped to the box before the union (a rule's part can span many zones).
    """
    inside = shapely.contains_properly(grid.boundary, geoms)
    out = geoms.copy()
    todo = ~inside
    if todo.any():
        out[todo] = _in_two(shapely.intersection, geoms[todo], np.full(todo.sum(), grid.boundary))
    if not len(parts):
        return out
    zi, pj = shapely.STRtree(parts).query(out, predicate="intersects")
    if not len(zi):
        return out
    order = np.argsort(zi, kind="stable")
    zi, pj = zi[order], pj[order]
    b = shapely.bounds(out)
    # a little wider than the zone so the clip's new edges never touch the zone
    pad = 1.0 + 1e-6 * np.abs(b).max(axis=1)
    b = b + np.column_stack([-pad, -pad, pad, pad])
    pieces = np.array(
        [shapely.clip_by_rect(parts[p], *b[z]) for z, p in zip(zi, pj, strict=True)],
        dtype=object,
    )
    local = np.full(len(geoms), None, dtype=object)
    starts = np.flatnonzero(np.r_[True, zi[1:] != zi[:-1]])
    ends = np.r_[starts[1:], len(zi)]
    with ThreadPoolExecutor(2) as pool:
        local[zi[starts]] = list(
            pool.map(
                lambda se: (
                    pieces[se[0]]
                    if se[1] - se[0] == 1
                    else shapely.union_all(pieces[se[0] : se[1]])
                ),
                zip(starts.tolist(), ends.tolist(), strict=True),
            )
        )
    has = np.array([g is not None for g in local])
    out[has] = _in_two(shapely.difference, out[has], local[has])
    return out


def sites_inside(
    zones: np.ndarray, sites: gpd.GeoDataFrame | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per zone, the sites it meets and the area (ha) of the union of site polygons in it.

    A site inside a zone is its own piece (no intersection to compute); the pieces of a
    zone are merged only when two of them overlap, else their areas add up.
    """
    n = np.zeros(len(zones), dtype=int)
    ha = np.zeros(len(zones))
    sg = geometries(sites)
    if sg is None or not len(sg) or not len(zones):
        return n, ha
    tree = shapely.STRtree(sg)
    zi, sj = tree.query(zones, predicate="intersects")
    n = np.bincount(zi, minlength=len(zones))
    poly = shapely.get_dimensions(sg[sj]) == 2
    zi, sj = zi[poly], sj[poly]
    if not len(zi):
        return n, ha
    whole = np.zeros(len(zi), dtype=bool)
    zw, sw = tree.query(zones, predicate="contains_properly")
    if len(zw):
        key = zi.astype(np.int64) * len(sg) + sj
        whole = np.isin(key, zw.astype(np.int64) * len(sg) + sw)
    pieces = sg[sj].copy()
    if (~whole).any():
        cut = sg[sj[~whole]]
        # the part of the zone near each site: the same piece, a fraction of the overlay
        pieces[~whole] = shapely.intersection(cut, near_part(zones[zi[~whole]], cut))
    # sites overlapping another site: only their zones need a union
    a, b = tree.query(sg[np.unique(sj)], predicate="intersects")
    u = np.unique(sj)
    touching = np.zeros(len(sg), dtype=bool)
    touching[u[a[u[a] != b]]] = True
    area = shapely.area(pieces)
    order = np.argsort(zi, kind="stable")
    zi, sj, pieces, area = zi[order], sj[order], pieces[order], area[order]
    starts = np.flatnonzero(np.r_[True, zi[1:] != zi[:-1]])
    for s0, e in zip(starts, np.r_[starts[1:], len(zi)], strict=True):
        both = touching[sj[s0:e]]
        if e - s0 > 1 and both.any():
            # a site overlapping no other site adds its own area: only the others
            # need a union (the 1M ha benchmark: sites_inside 0.62 -> 0.27 s)
            alone = area[s0:e][~both].sum()
            ha[zi[s0]] = (alone + shapely.union_all(pieces[s0:e][both]).area) / 1e4
        else:
            ha[zi[s0]] = area[s0:e].sum() / 1e4
    return n, ha
