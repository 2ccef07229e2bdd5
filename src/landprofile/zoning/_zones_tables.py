"""The zones step's tables and their way back to the user's CRS (from ``candidates``).

Split from :mod:`landprofile.zoning.candidates` along the data flow: after the zones
and the conflicts are measured in the grid CRS, the exclusions table is made, the
explanations are written into the zones and conflicts tables, and everything goes back
to the output CRS with the final exact cut (:func:`landprofile.zoning.output.final_cut`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landprofile.landscape import Landscape
from landprofile.zoning.constraints import Constraints
from landprofile.zoning.explain import conflict_label, fact_columns, rule_label, why, why_short
from landprofile.zoning.output import final_cut, to_crs
from landprofile.zoning.rules import RuleSet

__all__: list[str] = []


def exclusions_table(
    per_rule: dict[str, Any], rs: RuleSet, lang: str, crs: Any
) -> gpd.GeoDataFrame:
    """One row per exclusion rule: its label, layer, buffer, area (ha) and land."""
    return gpd.GeoDataFrame(
        {
            "rule": list(per_rule),
            "label": [rule_label(n, rs, lang) for n in per_rule],
            "layer": [rs.exclude[n]["layer"] for n in per_rule],
            "buffer_m": [float(rs.exclude[n].get("buffer_m", 0.0)) for n in per_rule],
            "area_ha": [shapely.area(g) / 1e4 for g in per_rule.values()],
        },
        geometry=list(per_rule.values()),
        crs=crs,
    )


def explain(
    zones: gpd.GeoDataFrame,
    facts: list[dict[str, Any]],
    conflicts: gpd.GeoDataFrame,
    rs: RuleSet,
    lang: str,
) -> None:
    """Write each zone's explanation and each conflict's labels into the tables (in place)."""
    zones["why"] = [why(f, rs, lang) for f in facts]
    zones["why_short"] = [why_short(f, rs, lang) for f in facts]
    for col, values in fact_columns(facts, rs, lang).items():
        zones[col] = values
    if len(conflicts):
        conflicts["rule_label"] = [rule_label(r, rs, lang) for r in conflicts["rule"]]
        conflicts["conflict_label"] = [conflict_label(k, lang) for k in conflicts["conflict"]]


def n_sites_in_conflict(conflicts: gpd.GeoDataFrame, id_field: str) -> int:
    """How many different sites the conflicts table names."""
    if not len(conflicts):
        return 0
    col = id_field if id_field in conflicts.columns else f"site_{id_field}"
    return int(conflicts[col].nunique())


def reproject(
    zones: gpd.GeoDataFrame,
    exclusions: gpd.GeoDataFrame,
    conflicts: gpd.GeoDataFrame,
    landscape: Landscape,
    originals: dict[str, Any],
    cons: Constraints,
    rs: RuleSet,
    crs: Any,
) -> tuple[gpd.GeoDataFrame, np.ndarray, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Zones (cut again exactly in ``crs``), their grid-CRS polygons, exclusions, conflicts.

    The conflicts come from :func:`~landprofile.zoning.conflicts.conflicts_table` in
    ``crs`` already (the user's own site geometry): nothing is projected for them then.
    """
    zones_grid = zones.geometry.to_numpy()
    zones = to_crs(zones, crs)
    zones = zones.set_geometry(
        final_cut(zones.geometry.to_numpy(), landscape, originals, cons, rs, crs)
    )
    return zones, zones_grid, to_crs(exclusions, crs), to_crs(conflicts, crs)
