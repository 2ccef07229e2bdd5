"""Existing ASM sites in conflict with the exclusion rules: one row per (site, rule).

A site is in conflict with a vector rule when its distance to one of the rule's
features is at most the rule's ``buffer_m`` (exact: shapely distances in the grid's
local projection, no buffer polygon involved). Each row carries the site's own id and
every attribute the user gave it, the conflicting feature(s) by name (licence / holder
for concessions, name for protected areas…), the overlap with the buffered rule area
(ha, polygon sites) and the distance to the nearest conflicting feature (m, 0 inside).
Protected areas tell a site *in* the area from one only in its buffer. Raster rules
(land cover, slope) do not give conflicts.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landprofile.geodesy import project
from landprofile.zoning._zones_clip import near_part
from landprofile.zoning.constraints import Constraints
from landprofile.zoning.identity import feature_labels, site_ids
from landprofile.zoning.output import OUTPUT_SEGMENT_M
from landprofile.zoning.rules import RuleSet

__all__ = ["ADDED_COLUMNS", "conflicts_table"]

#: Columns added to the site's own attributes.
ADDED_COLUMNS = ("rule", "conflict", "feature", "n_features", "overlap_ha", "dist_m")

_KIND = {
    "concessions": "concession",
    "protected": "protected_area",
    "rivers": "river_buffer",
    "water": "water_buffer",
    "settlements": "settlement_buffer",
}
#: Features named in one conflict row, at most.
MAX_NAMED = 5


def conflicts_table(
    layers: dict[str, gpd.GeoDataFrame | None],
    rs: RuleSet,
    cons: Constraints,
    boundary: Any,
    id_field: str | None,
    *,
    original: gpd.GeoSeries | None = None,
    crs: Any = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Conflicts of the landscape's sites, and how sites were identified.

    Rows are in the grid CRS, or, given the sites as the user gave them (``original``,
    row for row with ``layers["sites"]``) and ``crs``, in ``crs`` with each row's
    geometry the user's own site (projected once per site, and not at all when the
    user's CRS is ``crs``) instead of its round trip through the grid CRS.
    """
    sites = layers.get("sites")
    if sites is None or sites.empty:
        empty = gpd.GeoDataFrame(
            {c: [] for c in ("site_id", *ADDED_COLUMNS)}, geometry=[], crs=None
        )
        return empty, {"site_id_field": id_field or "site_id", "site_ids_generated": False}
    ids, id_col, generated = site_ids(sites, id_field)
    in_ls = shapely.intersects(sites.geometry.to_numpy(), boundary)
    attrs = sites.drop(columns=sites.geometry.name)
    rename = {c: f"site_{c}" for c in attrs.columns if c in ADDED_COLUMNS}
    attrs = attrs.rename(columns=rename)
    if generated or id_col not in attrs.columns:
        attrs.insert(0, id_col if id_col not in attrs.columns else f"site_{id_col}", ids)
    attrs = attrs.reset_index(drop=True)
    geoms = sites.geometry.to_numpy()
    which = np.flatnonzero(in_ls)
    pieces: list[pd.DataFrame] = []
    for order, (name, rows) in enumerate(cons.rows.items()):
        lay = rs.exclude[name]["layer"]
        kind = _KIND.get(lay)
        if kind is None or not len(rows) or not len(which):
            continue
        feats = layers[lay]
        raw = feats.geometry.to_numpy()[rows]
        labels = feature_labels(feats, lay)[rows]
        buf = float(rs.exclude[name].get("buffer_m", 0.0))
        tree = shapely.STRtree(raw)
        if buf > 0:
            si, fj = tree.query(geoms[which], predicate="dwithin", distance=buf)
        else:
            si, fj = tree.query(geoms[which], predicate="intersects")
        if not len(si):
            continue
        d = shapely.distance(geoms[which][si], raw[fj])
        order_ = np.lexsort((fj, d, si))
        si, fj, d = si[order_], fj[order_], d[order_]
        starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
        ends = np.r_[starts[1:], len(si)]
        overlap = _overlaps(geoms[which][si], cons.shapes[name][fj], starts, ends)
        recs = []
        for g, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            fs = fj[a:b]
            k = kind
            if lay == "protected":
                k = "protected_area" if d[a] == 0 else "protected_area_buffer"
            named = [str(labels[f]) for f in fs[:MAX_NAMED]]
            if len(fs) > MAX_NAMED:
                named.append(f"+{len(fs) - MAX_NAMED}")
            recs.append(
                {
                    "_site": int(which[si[a]]),
                    "_order": order,
                    "rule": name,
                    "conflict": k,
                    "feature": "; ".join(named),
                    "n_features": len(fs),
                    "overlap_ha": overlap[g],
                    "dist_m": float(d[a]),
                }
            )
        pieces.append(pd.DataFrame(recs))
    info = {"site_id_field": id_col, "site_ids_generated": generated}
    if not pieces:
        cols = [*attrs.columns, *ADDED_COLUMNS]
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=sites.crs), info
    rows_df = pd.concat(pieces, ignore_index=True).sort_values(["_site", "_order"], kind="stable")
    site_pos = rows_df["_site"].to_numpy()
    out = pd.concat(
        [
            attrs.iloc[site_pos].reset_index(drop=True),
            rows_df.drop(columns=["_site", "_order"]).reset_index(drop=True),
        ],
        axis=1,
    )
    if original is None or crs is None:
        return gpd.GeoDataFrame(out, geometry=geoms[site_pos], crs=sites.crs), info
    # a site in conflict with several rules is one geometry, projected once
    uniq, back = np.unique(site_pos, return_inverse=True)
    mine = project(original.to_numpy()[uniq], original.crs, crs, OUTPUT_SEGMENT_M)
    return gpd.GeoDataFrame(out, geometry=mine[back], crs=crs), info


def _overlaps(
    sites: np.ndarray, areas: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Per group of (site, area) pairs, the area (ha) of the site inside the areas' union.

    A site inside one of its areas (the areas' prepared test) is wholly in the union:
    its own area, no intersection computed (most sites near a protected area are in
    it). The others are intersected with the part of the area near them, in one pass;
    only sites that meet several areas and lie in none need a (small) union of pieces.
    """
    out = np.zeros(len(starts))
    poly = shapely.get_dimensions(sites) == 2
    if not poly.any():
        return out
    inside = np.zeros(len(sites), dtype=bool)
    shapely.prepare(areas[poly])
    inside[poly] = shapely.contains_properly(areas[poly], sites[poly])
    cut = np.flatnonzero(poly & ~inside)
    pieces = np.full(len(sites), None, dtype=object)
    pieces[cut] = shapely.intersection(sites[cut], near_part(areas[cut], sites[cut]))
    group_inside = np.logical_or.reduceat(inside, starts) if len(starts) else inside[:0]
    for g, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        if not poly[a]:
            continue
        if group_inside[g]:
            out[g] = sites[a].area / 1e4
        elif b - a == 1:
            out[g] = pieces[a].area / 1e4
        else:
            out[g] = shapely.union_all(pieces[a:b]).area / 1e4
    return out
