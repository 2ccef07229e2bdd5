"""Locked-in zones on the analysis grid: read, cleaned of overlaps, their cells found.

The first step of :func:`landprofile.zoning.locate` when ``lock_in`` is given: existing
zones or permits stay selected as given. Their cells are burnt on the window of the grid
under each permit (no grid of the landscape's size) and kept as flat indices: they take
part in the conflicts and the scores, and no candidate may grow over them.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import shapely
from affine import Affine

from landprofile.errors import GeometryTypeError, SelectionWarning, user_stacklevel
from landprofile.zoning.grow import Regions

__all__ = ["LOCK_IN_TYPES", "Locked", "read_locked"]


@dataclasses.dataclass(frozen=True)
class Locked:
    """Locked-in zones on the analysis grid."""

    geoms: np.ndarray  # grid CRS, clipped to the landscape
    area_ha: np.ndarray
    regions: Regions | None
    #: Every locked-in cell, as sorted unique flat indices (no grid of the landscape's size).
    cells: np.ndarray | None
    labels: list[str]


#: Geometry types a locked-in permit may have: a permit is an area.
LOCK_IN_TYPES = ("Polygon", "MultiPolygon")


def read_locked(lock_in: Any, grid: Any, ctx: Any) -> Locked:
    """The locked-in layer on the grid: clipped geometry, areas, cells, labels.

    Every feature must be a polygon (a permit is an area: a point or a line has none to
    keep, and silently buffering it would invent one). Permits outside the landscape
    are left out with a warning naming them; where permits overlap, the shared land
    stays with the first and is cut from the later ones (with a warning), so that no
    hectare is counted twice in ``total_area_ha`` nor drawn in two zones.

    Raises
    ------
    GeometryTypeError
        When any feature is not a Polygon or MultiPolygon (the message counts them by
        type and names the first).

    Warns
    -----
    SelectionWarning
        For permits outside the landscape, and for overlapping permits.
    """
    empty = Locked(np.zeros(0, dtype=object), np.zeros(0), None, None, [])
    if lock_in is None:
        return empty
    from landprofile.geodesy import project
    from landprofile.vector import read_vector
    from landprofile.zoning.identity import feature_labels

    with warnings.catch_warnings():
        # repairs are read_vector's to report in its load report; the permits' own
        # problems are said below
        warnings.simplefilter("ignore")
        gdf = read_vector(lock_in)
    if not len(gdf):
        return empty
    all_labels = [str(x) for x in feature_labels(gdf, "zone")]
    types = np.asarray(gdf.geometry.geom_type, dtype=object)
    wrong = ~np.isin(types, LOCK_IN_TYPES)
    if wrong.any():
        kinds = dict(zip(*np.unique(types[wrong].astype(str), return_counts=True), strict=True))
        first = [all_labels[i] for i in np.flatnonzero(wrong)[:3]]
        raise GeometryTypeError(
            f"lock_in: {int(wrong.sum())} of {len(gdf)} permits are not areas ("
            + ", ".join(f"{v} {k}" for k, v in kinds.items())
            + f"; first: {', '.join(first)}); a locked-in permit must be "
            + " or ".join(LOCK_IN_TYPES)
            + ": give the permits' boundaries, or buffer points and lines to their true "
            "extent first"
        )
    geoms = project(gdf.geometry.to_numpy(), gdf.crs, grid.crs)
    geoms = shapely.intersection(geoms, grid.boundary)
    inside = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    if not inside.all():
        out = [all_labels[i] for i in np.flatnonzero(~inside)]
        warnings.warn(
            f"lock_in: {len(out)} of {len(gdf)} permits lie outside the landscape and are "
            f"not kept: {', '.join(out[:10])}" + (" ..." if len(out) > 10 else ""),
            SelectionWarning,
            stacklevel=user_stacklevel(),
        )
    idx = np.flatnonzero(inside)
    geoms = geoms[idx]
    labels = [all_labels[i] for i in idx]
    geoms, labels = _without_overlaps(geoms, labels)
    if not len(geoms):
        return empty
    from landprofile.zoning._locate_cells import cells_of

    cells, offs, n, means = [], [0], [], []
    grid_cells = cells_of(ctx)
    for g in geoms:
        flat, mean = _burn_one(g, grid, grid_cells)
        cells.append(flat)
        offs.append(offs[-1] + len(flat))
        n.append(len(flat))
        means.append(mean)
    regions = Regions(
        cells=np.concatenate(cells),
        offsets=np.array(offs, dtype=np.int64),
        n_cells=np.array(n, dtype=np.int64),
        mean=np.array(means),
        edge=np.array(means),
        compactness=np.zeros(len(n)),
        seeds=np.zeros((len(n), 2), dtype=np.int64),
    )
    every = np.unique(np.concatenate(cells))
    return Locked(geoms, shapely.area(geoms) / 1e4, regions, every, labels)


def _burn_one(g: Any, grid: Any, cells: Any) -> tuple[np.ndarray, float]:
    """A permit's cells (flat indices, ascending) and their mean score, in its box's window.

    The cells whose centre lies in the permit, burnt on the window of the grid under its
    bounds (a cell more on each side): the same cells as on the whole grid, as a tile
    burns them. A permit smaller than a cell gets the cell its centre falls in.
    """
    from landprofile.zoning._cells_shapes import rasterize_fast

    h, w = grid.height, grid.width
    inverse = ~grid.transform
    x0, y0, x1, y1 = shapely.bounds(g)
    corners = [inverse @ xy for xy in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))]
    cs, rs = [p[0] for p in corners], [p[1] for p in corners]
    r0, r1 = max(0, int(np.floor(min(rs))) - 1), min(h, int(np.ceil(max(rs))) + 1)
    c0, c1 = max(0, int(np.floor(min(cs))) - 1), min(w, int(np.ceil(max(cs))) + 1)
    m = np.zeros((max(r1 - r0, 0), max(c1 - c0, 0)), dtype=np.uint8)
    if m.size:
        rasterize_fast([g], m, grid.transform @ Affine.translation(c0, r0))
    rr, cc = np.nonzero(m)
    if not len(rr):
        # smaller than a cell: the cell its centre falls in
        c = shapely.point_on_surface(g)
        col, row = inverse @ (c.x, c.y)
        r0, c0 = min(int(row), h - 1), min(int(col), w - 1)
        score, _ = cells.window(r0, r0 + 1, c0, c0 + 1)
        return np.array([r0 * w + c0], dtype=np.int64), float(score[0, 0])
    score, _ = cells.window(r0, r1, c0, c1)
    # raster order, as np.flatnonzero on the whole grid: the same float32 mean
    return (rr + r0) * w + (cc + c0), float(score[rr, cc].mean())


def _without_overlaps(geoms: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """The permits with land shared with an earlier one cut out of the later one."""
    # under a square metre is the noise of two surveys of one boundary, not an overlap
    tol_m2 = 1.0
    tree = shapely.STRtree(geoms)
    li, ri = tree.query(geoms, predicate="intersects")
    later = li > ri
    if not later.any():
        return geoms, labels
    geoms = geoms.copy()
    said: list[str] = []
    for i in np.unique(li[later]).tolist():
        earlier = geoms[ri[later & (li == i)]]
        shared = shapely.intersection(geoms[i], shapely.union_all(earlier))
        ha = float(shapely.area(shared)) / 1e4
        if ha * 1e4 <= tol_m2:
            continue
        geoms[i] = shapely.difference(geoms[i], shapely.union_all(earlier))
        said.append(f"{labels[i]} ({ha:,.2f} ha)")
    if not said:
        return geoms, labels
    keep = shapely.area(geoms) > tol_m2
    gone = [labels[i] for i in np.flatnonzero(~keep)]
    warnings.warn(
        f"lock_in: {len(said)} permits overlap earlier ones; the shared land is counted "
        f"once, in the earlier permit, and cut from: {', '.join(said)}"
        + (
            f"; {', '.join(gone)} lie wholly within earlier permits and are not kept"
            if gone
            else ""
        ),
        SelectionWarning,
        stacklevel=user_stacklevel(),
    )
    return geoms[keep], [lab for lab, k in zip(labels, keep.tolist(), strict=True) if k]
