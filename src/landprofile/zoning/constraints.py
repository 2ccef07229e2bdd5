"""Exclusion rules: which land no zone may take, as exact vectors and as grid cells.

Vector rules (concessions, protected areas, rivers, water, settlements, sites) keep
their geometry: each feature buffered by the rule's ``buffer_m`` in the equal-area grid
CRS. Buffers are drawn *outside* the true buffer: the polygon's edges are tangent to
circles of radius ``buffer_m / cos(pi / (4 * QUAD_SEGS))``, so every point within
``buffer_m`` of a feature is inside it (the polygon gives up at most 0.03 % of
``buffer_m`` — 0.3 m for a 1 km buffer —, and at least 1 cm). Zones are cut by these
polygons exactly; unbuffered rules are cut again in the output CRS against the user's
own geometry (:mod:`landprofile.zoning.output`).

Raster rules (land cover groups, slope) exclude whole analysis cells; zones are made of
cells, so they never share a cell with them.

Every rule also marks the grid cells whose centre it covers, as one bit of a bit set,
for scoring.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landprofile.zoning.grid import AnalysisGrid, burn
from landprofile.zoning.rules import RulesError, RuleSet

__all__ = [
    "QUAD_SEGS",
    "Constraints",
    "buffer_out",
    "build_constraints",
    "excluding",
    "mark_cells",
    "rule_cells",
]

#: Segments per quarter circle of a buffer.
QUAD_SEGS = 32


def buffer_out(geoms: Any, dist_m: float) -> np.ndarray:
    """Buffer polygons that contain the true ``dist_m`` buffer of each geometry.

    The margin is at least 1 cm, ten times the round-trip error of the projections
    (see :mod:`landprofile.zoning.output`).
    """
    arr = np.asarray(geoms, dtype=object)
    if dist_m <= 0:
        return arr
    grow = max(dist_m / math.cos(math.pi / (4 * QUAD_SEGS)), dist_m + 0.01)
    return shapely.buffer(arr, grow, quad_segs=QUAD_SEGS)


def excluding(gdf: gpd.GeoDataFrame, rule: dict[str, Any]) -> np.ndarray:
    """Which concessions exclude: not of a type or status open to ASM, no holder agreement."""
    keep = np.ones(len(gdf), dtype=bool)
    for key, default_field in (("open_types", "type"), ("open_statuses", "status")):
        fld = rule.get(f"{default_field}_field", default_field)
        values = {str(v).casefold() for v in rule.get(key, [])}
        if values and fld in gdf.columns:
            keep &= ~gdf[fld].astype("string").str.casefold().isin(values).fillna(False).to_numpy()
    agree = rule.get("agreement_field")
    if agree and agree in gdf.columns:
        keep &= ~pd.Series(gdf[agree]).fillna(False).astype(bool).to_numpy()
    return keep


@dataclass(frozen=True)
class Constraints:
    """The exclusion rules in use, their geometry and their cells."""

    #: Rules used, in rule order; rule ``names[i]`` is bit ``i`` of ``bits``.
    names: list[str]
    #: Per cell, the bit set of rules whose area covers the cell centre.
    bits: np.ndarray = field(repr=False)
    #: Vector rules: the layer's rows that exclude (positions) and their buffered shapes.
    rows: dict[str, np.ndarray] = field(repr=False)
    shapes: dict[str, np.ndarray] = field(repr=False)
    #: Rules that could not be applied (no layer given).
    skipped: list[str]

    @property
    def excluded(self) -> np.ndarray:
        """Cells excluded by any rule."""
        return self.bits != 0

    def mask(self, name: str) -> np.ndarray:
        """Cells excluded by one rule."""
        return (self.bits >> np.uint32(self.names.index(name)) & np.uint32(1)).astype(bool)

    #: Unions already computed (the dataclass is frozen; the cache is not a field value).
    _unions: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def rule_union(self, name: str) -> Any:
        """The exact union of one vector rule's buffered features (grid CRS), cached."""
        if name not in self._unions:
            from landprofile.zoning._cells_union import union_grouped

            shapes = self.shapes.get(name)
            self._unions[name] = (
                union_grouped(shapes) if shapes is not None and len(shapes) else shapely.Polygon()
            )
        return self._unions[name]


def build_constraints(
    rs: RuleSet,
    layers: dict[str, gpd.GeoDataFrame | None],
    grid: AnalysisGrid,
    lc_groups: np.ndarray | None,
    slope: np.ndarray | None,
    *,
    cells: bool = True,
) -> Constraints:
    """Apply every exclusion rule of ``rs`` to the layers on ``grid``.

    With ``cells=False`` only the rules and their exact geometry are made, no cell is
    marked (``bits`` is empty): the tiled run marks cells tile by tile. ``lc_groups``
    and ``slope`` then only say whether there is a land cover or a DEM.
    """
    names: list[str] = []
    bits = np.zeros((grid.height, grid.width) if cells else (0, 0), dtype=np.uint32)
    rows: dict[str, np.ndarray] = {}
    shapes: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for name, rule in rs.exclude.items():
        lay = rule["layer"]
        present = (
            lc_groups is not None
            if lay == "land_cover"
            else slope is not None
            if lay == "dem"
            else layers.get(lay) is not None
        )
        if not present:
            skipped.append(f"exclude.{name} (no {lay} layer)")
            continue
        if lay not in ("land_cover", "dem"):
            gdf = layers[lay]
            keep = excluding(gdf, rule) if lay == "concessions" else np.ones(len(gdf), bool)
            rows[name] = np.flatnonzero(keep)
            shapes[name] = buffer_out(
                gdf.geometry.to_numpy()[keep], float(rule.get("buffer_m", 0.0))
            )
        if len(names) >= 32:
            raise RulesError("at most 32 exclusion rules are supported")
        names.append(name)
    cons = Constraints(names=names, bits=bits, rows=rows, shapes=shapes, skipped=skipped)
    if cells:
        mark_cells(cons, rs, grid, lc_groups, slope)
    return cons


def mark_cells(
    cons: Constraints,
    rs: RuleSet,
    grid: AnalysisGrid,
    lc_groups: np.ndarray | None,
    slope: np.ndarray | None,
) -> Constraints:
    """The same rules with their cells marked (``build_constraints(..., cells=False)``'s).

    The result shares ``cons``'s cache of unions: the exact geometry can be built from
    ``cons`` on another thread while the cells are burnt.
    """
    if cons.bits.shape != (grid.height, grid.width):
        cons = dataclasses.replace(cons, bits=np.zeros((grid.height, grid.width), dtype=np.uint32))
    bits = cons.bits
    for i, name in enumerate(cons.names):
        m = rule_cells(rs.exclude[name], cons.shapes.get(name), grid, lc_groups, slope)
        # one pass, no shifted copy of the grid
        np.bitwise_or(bits, np.uint32(1 << i), out=bits, where=m)
        del m
    return cons


def rule_cells(
    rule: dict[str, Any],
    shapes: np.ndarray | None,
    grid: AnalysisGrid,
    lc_groups: np.ndarray | None,
    slope: np.ndarray | None,
) -> np.ndarray:
    """The cells of ``grid`` one exclusion rule covers (``shapes``: its buffered features)."""
    lay = rule["layer"]
    if lay == "land_cover":
        return np.isin(lc_groups, list(rule.get("groups", [])))
    if lay == "dem":
        return np.nan_to_num(slope, nan=0.0) > float(rule.get("max_slope_deg", 90))
    return burn(shapes, grid)
