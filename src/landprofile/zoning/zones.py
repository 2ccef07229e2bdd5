"""Zones as exact vector geometry: cells to polygons, every exclusion cut out exactly.

Scores live on the grid; the polygons a planner receives do not. Each zone's cells are
polygonised, clipped to the landscape boundary, and the union of every vector
exclusion (buffered features, see :mod:`landprofile.zoning.constraints`) near it is
subtracted exactly. Raster exclusions (land cover, slope) are whole cells, which zones
never share. Parts smaller than ``min_area_ha`` left by the clipping are dropped and
counted in the zone's explanation; a zone left under ``min_area_ha`` is dropped.

Then, on the final polygons: area (the grid CRS is equal-area), sites inside, the
distance to the nearest feature of each layer (shapely, in the grid's local
projection), and the overlap with each exclusion, which decides whether the zone may
say it is clear of every rule (:mod:`landprofile.zoning._zones_measure`, on two
threads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landprofile.zoning._zone_geometry import clip
from landprofile.zoning._zones_measure import OVERLAP_TOLERANCE_M2, measure
from landprofile.zoning.constraints import Constraints
from landprofile.zoning.grid import AnalysisGrid
from landprofile.zoning.identity import feature_labels
from landprofile.zoning.region_zones import piece_polygons, piece_sums, pieces_of_labels
from landprofile.zoning.regions import Partition
from landprofile.zoning.rules import RuleSet
from landprofile.zoning.suitability import Suitability

__all__ = ["DIST_COLUMNS", "ZoneTable", "zone_table"]

#: Distance columns: (column, layer).
DIST_COLUMNS = (
    ("dist_concession_m", "concessions"),
    ("dist_protected_m", "protected"),
    ("dist_river_m", "rivers"),
    ("dist_water_m", "water"),
    ("dist_settlement_m", "settlements"),
    ("dist_road_m", "roads"),
)


@dataclass(frozen=True)
class ZoneTable:
    """Zones in the grid CRS (ranked) and the facts their explanations are made of."""

    zones: gpd.GeoDataFrame
    facts: list[dict[str, Any]]
    dropped_after_clipping: int
    dropped_after_clipping_ha: float


def _touch_m(buffer_m: float) -> float:
    # a zone cut by a buffer lies at buffer_m from the feature, up to the buffer
    # polygon's outward margin (0.03 %, see constraints.buffer_out) and 1 m of rounding
    return float(buffer_m) * 1.001 + 1.0


def _drop_slivers(geom: Any, min_m2: float) -> tuple[Any, int, float]:
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    keep = [p for p in polys if p.area >= min_m2]
    gone = [p for p in polys if p.area < min_m2]
    kept = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
    return kept, len(gone), sum(p.area for p in gone) / 1e4


def zone_table(
    part: Partition,
    grid: AnalysisGrid,
    suit: Suitability,
    cons: Constraints,
    layers: dict[str, gpd.GeoDataFrame | None],
    rs: RuleSet,
    exclusion_parts: np.ndarray,
    split: bool,
    *,
    fixed: dict[int, Any] | None = None,
    min_area_ha: float | None = None,
) -> ZoneTable:
    """Polygonise, clip exactly, measure, rank and gather facts for every zone.

    ``fixed`` maps a zone (0-based label - 1) to a geometry (grid CRS) kept as given,
    only clipped to the landscape — a locked-in existing zone or permit: its cells give
    its scores, but exclusions are not cut out of it (its explanation says what it
    overlaps). ``min_area_ha`` overrides the rule set's minimum zone size.
    """
    fixed = fixed or {}
    n = int(part.region.size)
    factors = list(suit.factors)
    cols = [
        "zone_id",
        "rank",
        "region_id",
        "part",
        "area_ha",
        "score",
        *[f"f_{k}" for k in factors],
        "n_sites",
        "sites_ha",
        *[c for c, _ in DIST_COLUMNS],
        "capacity_operations",
        "too_large",
    ]
    if n == 0:
        empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=grid.crs)
        return ZoneTable(empty, [], 0, 0.0)
    # region by region in their boxes (a zones grid is cut into one piece per zone):
    # no mask or copy the size of the landscape
    pieces = part.pieces if part.pieces is not None else pieces_of_labels(part.labels, n)
    counts, ssum, fsums = piece_sums(pieces, n, suit)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = ssum / counts
        fmeans = {k: v / counts for k, v in fsums.items()}
    geoms = piece_polygons(pieces, n, grid)
    del pieces
    clipped = clip(geoms, grid, exclusion_parts)
    for i, g in fixed.items():
        clipped[i] = shapely.intersection(g, grid.boundary)
    min_ha = rs.zones("min_area_ha", 25.0) if min_area_ha is None else min_area_ha
    min_m2 = min_ha * 1e4
    sliv_n = np.zeros(n, dtype=int)
    sliv_ha = np.zeros(n)
    final = np.empty(n, dtype=object)
    for i, g in enumerate(clipped):
        if i in fixed:
            final[i] = g
            continue
        final[i], sliv_n[i], sliv_ha[i] = _drop_slivers(g, min_m2)
    area_m2 = shapely.area(final)
    keep = area_m2 >= max(min_m2, 1e-9)
    for i in fixed:
        keep[i] = area_m2[i] > 0
    lost = ~keep
    dropped_n, dropped_ha = int(lost.sum()), float(shapely.area(clipped[lost]).sum() / 1e4)
    idx = np.flatnonzero(keep)
    final = final[idx]
    gdf = gpd.GeoDataFrame(
        {
            "_i": idx,
            "region_id": [f"R{int(r):04d}" for r in part.region[idx]],
            "area_ha": area_m2[idx] / 1e4,
            "score": score[idx],
            **{f"f_{k}": v[idx] for k, v in fmeans.items()},
        },
        geometry=final,
        crs=grid.crs,
    )
    m = measure(final, layers, cons, rs, tuple(lay for _, lay in DIST_COLUMNS))
    gdf["n_sites"], gdf["sites_ha"] = m.n_sites, m.sites_ha
    for col, lay in DIST_COLUMNS:
        gdf[col] = m.nearest_of[lay][0]
    nearest_of, rule_dist, rule_overlap = m.nearest_of, m.rule_dist, m.rule_overlap
    overlap = np.zeros(len(gdf))
    for ov in rule_overlap.values():
        overlap += ov
    ha_op = rs.zones("ha_per_operation", 0.0)
    gdf["capacity_operations"] = np.floor(gdf["area_ha"] / ha_op).astype(int) if ha_op else 0
    max_ha = rs.zones("max_area_ha", math.inf)
    gdf["too_large"] = (gdf["area_ha"] > max_ha) if not split else False
    # rank: score, then area, then position on the grid (deterministic)
    order = np.lexsort((gdf["_i"].to_numpy(), -gdf["area_ha"].to_numpy(), -gdf["score"].to_numpy()))
    gdf = gdf.iloc[order].reset_index(drop=True)
    gdf["rank"] = np.arange(1, len(gdf) + 1)
    gdf["zone_id"] = [f"Z{r:03d}" for r in gdf["rank"]]
    # parts of one region numbered by rank
    gdf["part"] = gdf.groupby("region_id").cumcount() + 1
    totals = gdf.groupby("region_id")["part"].transform("max")
    gdf["part"] = [f"{p}/{t}" for p, t in zip(gdf["part"], totals, strict=True)]
    labels = {
        # the explanation names the layer already ("road #9", not "road roads #9")
        lay: feature_labels(layers[lay], "") if layers.get(lay) is not None else None
        for _, lay in DIST_COLUMNS
    }
    open_conc = m.open_concessions
    facts = []
    cell_ha = grid.cell_ha
    # the columns as arrays once: a pandas lookup per zone and field cost more than the rest
    score_of, n_sites_of = gdf["score"].to_numpy(), gdf["n_sites"].to_numpy()
    too_large_of, part_of = gdf["too_large"].to_numpy(), gdf["part"].tolist()
    for pos, i in enumerate(order):
        zi = int(idx[i])
        f = {
            "score": float(score_of[pos]),
            "factors": {k: float(fmeans[k][zi]) for k in factors},
            "weights": suit.normalised_weights,
            "n_sites": int(n_sites_of[pos]),
            "nearest": [
                (lay, float(nearest_of[lay][0][i]), str(labels[lay][nearest_of[lay][1][i]]))
                for _, lay in DIST_COLUMNS
                if labels[lay] is not None and nearest_of[lay][1][i] >= 0
            ],
            "overlap_m2": float(overlap[i]),
            "violations": [
                name for name, ov in rule_overlap.items() if ov[i] > OVERLAP_TOLERANCE_M2
            ],
            "nearest_rule": _nearest_rule(rule_dist, rs, i),
            "borders": [
                name
                for name, d in rule_dist.items()
                if np.isfinite(d[i]) and d[i] <= _touch_m(rs.exclude[name].get("buffer_m", 0.0))
            ],
            "open_concessions": open_conc[i],
            "split": (
                int(part_of[pos].split("/")[1]),
                float(part.region_cells[part.region[zi]] * cell_ha),
                max_ha,
            )
            if part.region_parts[part.region[zi]] > 1
            else None,
            "merged_ha": float(part.merged_cells[zi] * cell_ha),
            "fragments_dropped_ha": float(part.dropped_cells[zi] * cell_ha),
            "slivers": (int(sliv_n[zi]), float(sliv_ha[zi])),
            "too_large": bool(too_large_of[pos]),
            "part": str(part_of[pos]),
            "split_max_ha": max_ha,
        }
        facts.append(f)
    gdf = gdf[[*cols, "geometry"]]
    shapely.destroy_prepared(final)  # the zones leave as plain geometries
    return ZoneTable(gdf, facts, dropped_n, dropped_ha)


def _nearest_rule(rule_dist: dict[str, np.ndarray], rs: RuleSet, i: int) -> tuple | None:
    """The exclusion rule whose land is nearest to zone ``i``: (rule, distance m)."""
    best = None
    for name, d in rule_dist.items():
        if not np.isfinite(d[i]):
            continue
        gap = max(0.0, float(d[i]) - float(rs.exclude[name].get("buffer_m", 0.0)))
        if best is None or gap < best[1]:
            best = (name, gap)
    return best
