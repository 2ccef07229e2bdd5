"""Factor rules: a suitability score in [0, 1] for every cell, as a weighted mean.

Factors are geology (class or score polygons, or a score raster), closeness to existing
ASM sites (linear decay), access (a band around roads and settlements, exact Euclidean
distance transform in metres) and land cover sensitivity (score by ecosystem group).
Scores are a screening surface; zone boundaries never follow them where an exclusion
applies (see :mod:`landprofile.zoning.zones`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
from rasterio.warp import Resampling

from landprofile.errors import MissingFieldError
from landprofile.raster import read_raster
from landprofile.zoning.grid import AnalysisGrid, burn, distance_m, is_raster, warp
from landprofile.zoning.rules import RuleSet

__all__ = ["Suitability", "suitability"]


@dataclass(frozen=True)
class Suitability:
    """Per-cell factor scores, their weights and the combined score."""

    factors: dict[str, np.ndarray] = field(repr=False)
    weights: dict[str, float]
    score: np.ndarray = field(repr=False)
    skipped: list[str]

    @property
    def normalised_weights(self) -> dict[str, float]:
        """Weights scaled to sum to 1 (empty when no factor applies)."""
        total = sum(self.weights.values())
        return {k: w / total for k, w in self.weights.items()} if total else {}


def suitability(
    rs: RuleSet,
    layers: dict[str, gpd.GeoDataFrame | None],
    grid: AnalysisGrid,
    geology: Any,
    lc_groups: np.ndarray | None,
    known: frozenset[str] = frozenset(),
) -> Suitability:
    """Score every cell of ``grid`` with the factor rules of ``rs``.

    ``known`` names layers that hold features somewhere in the landscape: on a tile of
    the grid (:mod:`landprofile.zoning.tiles`) such a layer may have none nearby, and
    its factor is then that of land far from every feature, not a factor without data.
    """
    dists: dict[str, np.ndarray | None] = {}

    def dist(lay: str) -> np.ndarray | None:
        if lay not in dists:
            gdf = layers.get(lay)
            if gdf is None or (gdf.empty and lay not in known):
                dists[lay] = None
            elif gdf.empty:
                dists[lay] = np.full((grid.height, grid.width), np.inf, dtype=np.float32)
            else:
                dists[lay] = distance_m(burn(gdf.geometry, grid, all_touched=True), grid.res)
        return dists[lay]

    factors: dict[str, np.ndarray] = {}
    weights: dict[str, float] = {}
    skipped: list[str] = []
    for name, rule in rs.favour.items():
        lay = (rule.get("layers") or [rule.get("layer")])[0]
        f = _factor(rule, lay, grid, layers, geology, lc_groups, dist)
        if f is None:
            skipped.append(f"favour.{name} (no {lay} layer)")
            continue
        factors[name] = f.astype(np.float32)
        weights[name] = float(rule.get("weight", 0.0))
    total = sum(weights.values())
    score = np.zeros((grid.height, grid.width), dtype=np.float32)
    if total > 0:
        for name, f in factors.items():
            score += f * np.float32(weights[name] / total)
    else:
        score[:] = 1.0
    return Suitability(factors=factors, weights=weights, score=score, skipped=skipped)


def _factor(
    rule: dict[str, Any],
    lay: str,
    grid: AnalysisGrid,
    layers: dict,
    geology: Any,
    lc_groups: np.ndarray | None,
    dist: Any,
) -> np.ndarray | None:
    if lay == "geology":
        return None if geology is None else _geology(rule, grid, layers, geology)
    if lay == "land_cover":
        if lc_groups is None:
            return None
        out = np.full(lc_groups.shape, float(rule.get("default", 0.5)), dtype=np.float32)
        for g, v in rule.get("group_scores", {}).items():
            out[lc_groups == g] = float(v)
        return out
    if lay == "sites":
        d = dist("sites")
        if d is None:
            return None
        decay = float(rule.get("decay_m", 5000.0)) or 1.0
        out = d / np.float32(-decay)
        out += 1.0
        return np.clip(out, 0.0, 1.0, out=out)
    # access band: roads / settlements
    ds = [x for x in (dist(lay2) for lay2 in (rule.get("layers") or [lay])) if x is not None]
    if not ds:
        return None
    d = ds[0] if len(ds) == 1 else np.minimum.reduce(ds)
    lo, hi = float(rule.get("min_m", 0.0)), float(rule.get("max_m", 5000.0))
    decay = float(rule.get("decay_m", 10000.0)) or 1.0
    # 1 inside [lo, hi], rising linearly from 0 at d = 0 to 1 at lo, falling linearly to
    # 0 at hi + decay; computed in place on float32 (18 M cells for 1e6 ha at 30 m)
    out = np.subtract(d, hi, dtype=np.float32)
    out /= -decay
    out += 1.0
    np.clip(out, 0.0, 1.0, out=out)
    if lo > 0:
        near = d < lo
        out[near] = d[near] / lo
    return out


def _geology(rule: dict[str, Any], grid: AnalysisGrid, layers: dict, geology: Any) -> np.ndarray:
    default = float(rule.get("default", 0.0))
    if is_raster(geology):
        g = warp(read_raster(geology), grid, Resampling.bilinear, "float32", np.nan)
        return np.clip(np.nan_to_num(g, nan=default), 0, 1)
    gdf = layers["geology"]
    out = np.full((grid.height, grid.width), default, dtype=np.float32)
    sf, cf = rule.get("score_field", "score"), rule.get("class_field", "class")
    if sf in gdf.columns:
        vals = pd.to_numeric(gdf[sf], errors="coerce").to_numpy(dtype=float)
    elif cf in gdf.columns:
        table = {str(k).casefold(): float(v) for k, v in rule.get("class_scores", {}).items()}
        vals = np.array([table.get(str(v).casefold(), np.nan) for v in gdf[cf]])
    else:
        raise MissingFieldError(
            f"geology layer has neither {sf!r} nor {cf!r}; fields present: "
            + ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
        )
    # one pass, burnt in ascending order so that higher scores win where polygons overlap
    order = np.argsort(np.nan_to_num(vals, nan=-1.0), kind="stable")
    geoms = gdf.geometry.to_numpy()
    shapes = [(geoms[i], float(np.clip(vals[i], 0, 1))) for i in order if np.isfinite(vals[i])]
    if not shapes:
        return out
    return rasterio.features.rasterize(
        shapes,
        out_shape=out.shape,
        transform=grid.transform,
        fill=default,
        dtype="float32",
    )
