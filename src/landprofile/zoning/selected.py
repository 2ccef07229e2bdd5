"""The chosen regions as exact zones, the rest as other suitable land, the candidates drawn.

The last step of :func:`landprofile.zoning.locate`, after the choice:

- **locked-in zones** (existing zones or permits, read by :mod:`._locate_locked`): their
  cells take part in the conflicts and the scores, their geometry stays as given;
- the chosen regions' cells become zones through the same exact path as every zone of
  :func:`~landprofile.zoning.candidates` (:func:`~landprofile.zoning.zones.zone_table`:
  polygonised, exclusions cut out, measured, ranked, explained; then the final cut in
  the user's CRS);
- the **other suitable land** is the candidates' own exact pieces less those zones;
- every candidate region is drawn as polygons for ``selection["candidates"]``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine

from landprofile.zoning._locate_locked import LOCK_IN_TYPES, Locked, read_locked
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

    One piece per zone in its cells' box (:class:`~landprofile.zoning.regions.Piece`):
    nothing the size of the landscape.
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
