"""Factor rules: a suitability score in [0, 1] for every cell, as a weighted mean.

Factors are geology (class or score polygons, or a score raster), closeness to existing
ASM sites (linear decay), access (a band around roads and settlements, exact Euclidean
distance transform in metres) and land cover sensitivity (score by ecosystem group).
Scores are a screening surface; zone boundaries never follow them where an exclusion
applies (see :mod:`landprofile.zoning.zones`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.warp import Resampling

from landprofile.errors import MissingFieldError
from landprofile.raster import read_raster
from landprofile.zoning._cells_shapes import rasterize_fast
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
    masks: dict[str, np.ndarray | None] = {}
    dists: dict[tuple[str, ...], np.ndarray | None] = {}

    def mask(lay: str) -> np.ndarray | None:
        """The cells a layer's features touch (all-zero for a known layer with none here)."""
        if lay not in masks:
            gdf = layers.get(lay)
            if gdf is None or (gdf.empty and lay not in known):
                masks[lay] = None
            elif gdf.empty:
                masks[lay] = np.zeros((grid.height, grid.width), dtype=bool)
            else:
                masks[lay] = burn(gdf.geometry, grid, all_touched=True)
        return masks[lay]

    def dist(lays: tuple[str, ...]) -> np.ndarray | None:
        """Distance (m) to the nearest cell any of ``lays`` touches; ``None``: no layer.

        One transform of the layers' union, not one per layer and their minimum: the
        distance to a union is the least of the distances (the same float32 values as
        ``np.minimum`` of the separate transforms; tested).
        """
        if lays not in dists:
            ms = [m for m in (mask(x) for x in lays) if m is not None]
            if not ms:
                dists[lays] = None
            else:
                union = ms[0]
                if len(ms) > 1:
                    union = union.copy()
                    for m in ms[1:]:
                        union |= m
                dists[lays] = distance_m(union, grid.res)
        return dists[lays]

    factors: dict[str, np.ndarray] = {}
    weights: dict[str, float] = {}
    skipped: list[str] = []
    for name, rule in rs.favour.items():
        lay = (rule.get("layers") or [rule.get("layer")])[0]
        f = _factor(rule, lay, grid, layers, geology, lc_groups, dist)
        if f is None:
            skipped.append(f"favour.{name} (no {lay} layer)")
            continue
        factors[name] = f.astype(np.float32, copy=False)
        weights[name] = float(rule.get("weight", 0.0))
    # the masks and distances are not needed past the factors: free them before the score
    masks.clear()
    dists.clear()
    total = sum(weights.values())
    score = np.zeros((grid.height, grid.width), dtype=np.float32)
    if total > 0:
        # score += f * w term by term in factor order (the same float32 sums), a band of
        # rows at a time: each band stays in cache across the terms
        ws = [(f, np.float32(weights[name] / total)) for name, f in factors.items()]
        tmp = np.empty((_band_rows(grid.width), grid.width), dtype=np.float32)
        for sl in _bands(score.shape):
            t = tmp[: sl.stop - sl.start]
            for f, w in ws:
                np.multiply(f[sl], w, out=t)
                score[sl] += t
        del tmp, ws
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
        d = dist(("sites",))
        if d is None:
            return None
        decay = np.float32(-(float(rule.get("decay_m", 5000.0)) or 1.0))
        out = np.empty_like(d)
        for sl in _bands(d.shape):
            o = out[sl]
            np.divide(d[sl], decay, out=o)
            o += 1.0
            np.clip(o, 0.0, 1.0, out=o)
        return out
    # access band: roads / settlements
    d = dist(tuple(rule.get("layers") or [lay]))
    if d is None:
        return None
    lo, hi = float(rule.get("min_m", 0.0)), float(rule.get("max_m", 5000.0))
    decay = float(rule.get("decay_m", 10000.0)) or 1.0
    # 1 inside [lo, hi], rising linearly from 0 at d = 0 to 1 at lo, falling linearly to
    # 0 at hi + decay; in float32 (18 M cells for 1e6 ha at 30 m), a band of rows at a
    # time so that the four passes run in cache
    out = np.empty(d.shape, dtype=np.float32)
    for sl in _bands(d.shape):
        o, db = out[sl], d[sl]
        np.subtract(db, hi, dtype=np.float32, out=o)
        o /= -decay
        o += 1.0
        np.clip(o, 0.0, 1.0, out=o)
        if lo > 0:
            np.divide(db, lo, out=o, where=db < lo)
    return out


#: Cells in a band of rows of the per-cell arithmetic: 4 bytes each, a few arrays of
#: it fit in a core's L2 cache.
BAND_CELLS = 1 << 16


def _band_rows(width: int) -> int:
    return max(1, BAND_CELLS // max(width, 1))


def _bands(shape: tuple[int, ...]) -> list[slice]:
    """Slices along the first axis of at most :data:`BAND_CELLS` cells (at least one row).

    Any shape: a 1-D array (distances alone, as the docs' figure of the factors) is cut
    into runs of cells.
    """
    step = _band_rows(math.prod(shape[1:]))
    return [slice(r, min(r + step, shape[0])) for r in range(0, shape[0], step)]


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
    order = order[np.isfinite(vals[order])]
    # the coordinates reach GDAL as lists (see landprofile.zoning._cells_shapes)
    rasterize_fast(
        gdf.geometry.to_numpy()[order],
        out,
        grid.transform,
        values=np.clip(vals[order], 0, 1).astype(float),
    )
    return out
