"""The chosen regions as exact zones, the rest as other suitable land, the candidates drawn.

The last step of :func:`landprofile.zoning.locate`, after the choice:

- **locked-in zones** (existing zones or permits) are read onto the analysis grid: their
  cells take part in the conflicts and the scores, their geometry stays as given;
- the chosen regions' cells become zones through the same exact path as every zone of
  :func:`~landprofile.zoning.candidates` (:func:`~landprofile.zoning.zones.zone_table`:
  polygonised, exclusions cut out, measured, ranked, explained; then the final cut in
  the user's CRS);
- the **other suitable land** is the candidates' own exact pieces less those zones;
- every candidate region is drawn as polygons for ``selection["candidates"]``.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine

from landprofile.errors import GeometryTypeError, SelectionWarning, user_stacklevel
from landprofile.zoning.grow import Regions
from landprofile.zoning.output import final_cut
from landprofile.zoning.output import to_crs as _to_crs
from landprofile.zoning.regions import Partition
from landprofile.zoning.zones import zone_table

__all__ = [
    "LOCK_IN_TYPES",
    "Locked",
    "candidate_polygons",
    "concat",
    "other_suitable",
    "read_locked",
    "zones_of",
]


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


def concat(a: Regions, b: Regions | None) -> Regions:
    """Regions ``a`` then ``b`` as one set (``b`` may be ``None``)."""
    if b is None:
        return a
    return Regions(
        cells=np.concatenate([a.cells, b.cells]),
        offsets=np.concatenate([a.offsets, a.offsets[-1] + b.offsets[1:]]),
        n_cells=np.concatenate([a.n_cells, b.n_cells]),
        mean=np.concatenate([a.mean, b.mean]),
        edge=np.concatenate([a.edge, b.edge]),
        compactness=np.concatenate([a.compactness, b.compactness]),
        seeds=np.concatenate([a.seeds, b.seeds]),
    )


def zones_of(result, ctx, regs: Regions, chosen: np.ndarray, locked: Locked, min_ha: float):
    """The chosen regions and the locked-in zones as exact, ranked, explained zones.

    Returns the zones (the user's CRS), their facts, the zone table and the zones'
    geometry in the grid CRS (for the other suitable land's true areas).
    """
    grid, rs = result.grid, result.rules
    k, m = len(chosen), len(locked.geoms)
    zone_cells = [regs.of(j) for j in chosen.tolist()]
    fixed = {k + q: locked.geoms[q] for q in range(m)}
    if m:
        later = np.zeros(0, dtype=np.int64)
        own = []
        for q in range(m - 1, -1, -1):
            cells = locked.regions.of(q)
            # a locked zone's own cells (a candidate never shares them); a cell two
            # permits share is the later one's, as when they were written in turn
            own.append(cells[~np.isin(cells, later)] if len(later) else cells)
            later = np.union1d(later, cells)
        zone_cells += own[::-1]
    part = _partition(zone_cells, grid)
    table = zone_table(
        part,
        grid,
        ctx.suit,
        ctx.cons,
        ctx.layers,
        rs,
        ctx.parts,
        True,
        fixed=fixed,
        min_area_ha=min_ha,
    )
    zones = table.zones
    # region_id R0001.. is the position in chosen + locked
    pos = np.array([int(r[1:]) - 1 for r in zones["region_id"]], dtype=np.int64)
    is_locked = pos >= k
    cand = [f"C{int(chosen[q]) + 1:04d}" if q < k else f"L{q - k + 1:03d}" for q in pos.tolist()]
    zones = zones.drop(columns=["region_id", "part", "too_large"])
    zones.insert(2, "candidate_id", cand)
    zones.insert(3, "locked", is_locked)
    zones.insert(
        4,
        "locked_feature",
        [locked.labels[q - k] if q >= k else "" for q in pos.tolist()],
    )
    facts = []
    for f, lk, q in zip(table.facts, is_locked.tolist(), pos.tolist(), strict=True):
        f = dict(f)
        f["locked"] = locked.labels[q - k] if lk else None
        f["split"] = None
        facts.append(f)
    out_crs = result.crs
    zones_grid = zones.geometry.to_numpy()
    zones = _to_crs(zones, out_crs)
    geoms = zones.geometry.to_numpy().copy()
    free = ~is_locked
    if free.any():
        geoms[free] = final_cut(geoms[free], result.landscape, ctx.originals, ctx.cons, rs, out_crs)
    if is_locked.any():
        from landprofile.geodesy import project

        boundary = project([result.landscape.geometry], result.landscape.crs, out_crs)[0]
        geoms[is_locked] = shapely.intersection(geoms[is_locked], boundary)
    zones = zones.set_geometry(geoms)
    return zones, facts, table, zones_grid


def _partition(zone_cells: list[np.ndarray], grid: Any) -> Partition:
    """Zones ``1..n`` (their cells as flat indices) as a :class:`Partition`.

    One piece per zone in its cells' box (:class:`~landprofile.zoning.regions.Piece`),
    nothing the size of the landscape; where the partition takes no pieces (the regions
    module before them), the zones' labels grid as before.
    """
    n = len(zone_cells)
    common = {
        "region": np.arange(1, n + 1, dtype=np.int64),
        "region_cells": np.zeros(n + 1, dtype=np.int64),
        "region_parts": np.ones(n + 1, dtype=np.int64),
        "merged_cells": np.zeros(n, dtype=np.int64),
        "dropped_cells": np.zeros(n, dtype=np.int64),
    }
    w = grid.width
    if "pieces" not in {f.name for f in dataclasses.fields(Partition)}:
        labels = np.zeros((grid.height, grid.width), dtype=np.int32)
        flat = labels.ravel()
        for z, cells in enumerate(zone_cells, start=1):
            flat[cells] = z
        return Partition(labels=labels, **common)
    from landprofile.zoning.regions import Piece

    pieces = []
    for z, cells in enumerate(zone_cells, start=1):
        if not len(cells):
            continue
        r, c = np.divmod(np.asarray(cells, dtype=np.int64), w)
        r0, c0 = int(r.min()), int(c.min())
        box = (r0, int(r.max()) + 1, c0, int(c.max()) + 1)
        lab = np.zeros((box[1] - r0, box[3] - c0), dtype=np.uint8)
        lab[r - r0, c - c0] = 1
        pieces.append(Piece(z, box, lab, z, 1))
    return Partition(labels=None, pieces=tuple(pieces), **common)


def other_suitable(
    ctx: Any, zones_grid: np.ndarray, zones_out: np.ndarray, crs: Any
) -> gpd.GeoDataFrame:
    """The land that passed the rules and is in no selected zone: one row per piece.

    The pieces are :func:`candidates`' own exact zones (exclusions already cut out, the
    user's CRS), less the selected and locked-in zones where they meet them — in the
    grid CRS for true areas and in the user's CRS for the geometry — so the layer meets
    the zones edge to edge at no cost of recomputing it. Not ranked: ``part`` numbers
    the pieces.
    """
    grid_p = np.asarray(ctx.suitable_geoms_grid, dtype=object)
    out_p = np.asarray(ctx.suitable_geoms, dtype=object)
    if not len(grid_p):
        return gpd.GeoDataFrame({"kind": [], "part": [], "area_ha": []}, geometry=[], crs=crs)
    grid_p, out_p = grid_p.copy(), out_p.copy()
    # the zones include the locked-in ones
    for pieces, taken in ((grid_p, zones_grid), (out_p, zones_out)):
        if not len(taken):
            continue
        pi, tj = shapely.STRtree(taken).query(pieces, predicate="intersects")
        for i in np.unique(pi):
            hits = taken[tj[pi == i]]
            pieces[i] = shapely.difference(
                pieces[i], hits[0] if len(hits) == 1 else shapely.union_all(hits)
            )
    area = shapely.area(grid_p) / 1e4
    keep = area > 1e-4
    out_p = np.array([_polygonal(g) for g in out_p[keep]], dtype=object)
    return gpd.GeoDataFrame(
        {
            "kind": "other_suitable",
            "part": np.arange(1, int(keep.sum()) + 1),
            "area_ha": area[keep],
        },
        geometry=out_p,
        crs=crs,
    )


def _polygonal(geom: Any) -> Any:
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    if geom.geom_type in ("Polygon", "MultiPolygon") and len(polys) == len(shapely.get_parts(geom)):
        return geom
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _polygon(rings: list) -> Any:
    """A polygon from GeoJSON rings, built by shapely's array constructors."""
    shell = shapely.linearrings(np.asarray(rings[0], dtype=float))
    if len(rings) == 1:
        return shapely.polygons(shell)
    holes = np.empty(len(rings) - 1, dtype=object)
    holes[:] = [shapely.linearrings(np.asarray(h, dtype=float)) for h in rings[1:]]
    return shapely.polygons(shell, holes=holes)


def candidate_polygons(
    regs: Regions, values: np.ndarray, areas: np.ndarray, chosen: np.ndarray, grid: Any, crs: Any
) -> gpd.GeoDataFrame:
    """Every candidate region as cell polygons (grid CRS, then the user's)."""
    geoms = np.empty(len(regs), dtype=object)
    w = grid.width
    for i in range(len(regs)):
        r, c = np.divmod(regs.of(i), w)
        r0, c0 = int(r.min()), int(c.min())
        m = np.zeros((int(r.max()) - r0 + 1, int(c.max()) - c0 + 1), dtype=np.uint8)
        m[r - r0, c - c0] = 1
        t = grid.transform @ Affine.translation(c0, r0)
        polys = [
            _polygon(g["coordinates"])
            for g, _ in rasterio.features.shapes(m, mask=m > 0, transform=t, connectivity=4)
        ]
        geoms[i] = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    sel = np.zeros(len(regs), dtype=bool)
    sel[chosen] = True
    gdf = gpd.GeoDataFrame(
        {
            "candidate_id": [f"C{i + 1:04d}" for i in range(len(regs))],
            "area_ha": areas,
            "utility": values,
            "mean_score": regs.mean,
            "edge_score": regs.edge,
            "compactness": regs.compactness,
            "selected": sel,
        },
        geometry=geoms,
        crs=grid.crs,
    )
    return _to_crs(gdf, crs)
