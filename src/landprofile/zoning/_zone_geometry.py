"""The zones step's geometry kernels: cells to polygons, the exact cut, sites in zones.

Split from :mod:`landprofile.zoning.zones` along the data flow; each kernel returns
the same geometry or number as the plain shapely call it replaces, and avoids repeated
work (profiled on the 1,000,000 ha / 30 m benchmark, see ``benchmarks/RESULTS.md``):

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
import rasterio.features
import shapely
from affine import Affine

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


def polygons(labels: np.ndarray, n: int, grid: AnalysisGrid) -> np.ndarray:
    """Each zone's cells as polygons, each polygonised in its own bounding window.

    A country's grid is mostly outside zones: polygonising it whole took 10 s for
    Ghana at 30 m, the zones' windows a fraction of that; the polygons are the same.
    """
    from scipy import ndimage

    out = np.empty(n, dtype=object)
    for z, sl in enumerate(ndimage.find_objects(labels, max_label=n), start=1):
        if sl is None:
            out[z - 1] = shapely.union_all([])
            continue
        win = labels[sl] == z
        t = grid.transform @ Affine.translation(sl[1].start, sl[0].start)
        rings: list = []
        per_poly: list[int] = []
        for g, _ in rasterio.features.shapes(
            win.view(np.uint8), mask=win, transform=t, connectivity=4
        ):
            rings.extend(g["coordinates"])
            per_poly.append(len(g["coordinates"]))
        # one array call for every ring instead of one shapely object per ring and part
        sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
        xy = np.array([p for r in rings for p in r], dtype=float).reshape(-1, 2)
        lr = shapely.linearrings(xy, indices=np.repeat(np.arange(len(rings)), sizes))
        ps = shapely.polygons(lr, indices=np.repeat(np.arange(len(per_poly)), per_poly))
        # 4-connected parts of one zone meet at most at corners: a valid MultiPolygon
        # as they are, no union needed
        out[z - 1] = ps[0] if len(ps) == 1 else shapely.multipolygons(ps)
    return out


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
    zones: np.ndarray, sites: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per zone, the sites it meets and the area (ha) of the union of site polygons in it.

    A site inside a zone is its own piece (no intersection to compute); the pieces of a
    zone are merged only when two of them overlap, else their areas add up.
    """
    n = np.zeros(len(zones), dtype=int)
    ha = np.zeros(len(zones))
    if sites is None or not len(sites) or not len(zones):
        return n, ha
    sg = sites.geometry.to_numpy()
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
