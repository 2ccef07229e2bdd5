"""The constraint layers of :func:`~landprofile.monitoring.alerts.alerts`, named.

Each layer (protected areas, concessions, the river buffer) in the alerts' equal-area
frame: its union, measured exactly as the timeline measures it, and its features, named
as the user wrote them (a protected area's name, a concession's holder and licence), so
that an alert lists the features it overlaps, most overlapped first.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landprofile.errors import MissingFieldError
from landprofile.monitoring.footprint import _layer_geoms, _union

__all__ = ["HOLDER_FIELDS", "LICENCE_FIELDS", "NAME_SEP", "PROTECTED_NAME_FIELDS"]

#: Fields tried, in order, to name a protected area (WDPA, OSM, national exports).
PROTECTED_NAME_FIELDS = (
    "name",
    "nom",
    "nombre",
    "orig_name",
    "name_en",
    "shapename",
    "wdpaid",
    "wdpa_pid",
    "id",
    "fid",
    "code",
)
#: Fields tried, in order, to name a concession's holder.
HOLDER_FIELDS = ("holder", "titulaire", "titular", "owner", "company", "operator")
#: Fields tried, in order, for a concession's licence (shown after the holder).
LICENCE_FIELDS = (
    "licence",
    "license",
    "licence_no",
    "license_no",
    "permit",
    "permit_no",
    "code",
    "name",
    "nom",
    "nombre",
    "id",
    "fid",
)
#: Joins several names in one cell (names may hold commas: "Holder, Ltd").
NAME_SEP = "; "


def _find(columns: list[Any], wanted: tuple[str, ...]) -> Any:
    folded = {str(c).casefold(): c for c in columns}
    return next((folded[w] for w in wanted if w in folded), None)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or str(v) == ""


def _labels(gdf: gpd.GeoDataFrame, field: str | None, what: str, param: str) -> list[str]:
    """A name per feature, as the user wrote it; ``#<row>`` (1-based) when it has none."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    pos = np.asarray(gdf.attrs.get("landprofile_positions", np.arange(len(gdf))))
    if field is not None:
        if field not in cols:
            raise MissingFieldError(
                f"{param} {field!r} is not a field of the {what} layer; fields: "
                + (", ".join(map(str, cols)) or "none")
            )
        first, second = field, None
    elif what == "concessions":
        first = _find(cols, HOLDER_FIELDS)
        second = _find([c for c in cols if c != first], LICENCE_FIELDS)
        if first is None:
            first, second = second, None
    else:
        first, second = _find(cols, PROTECTED_NAME_FIELDS), None
    out = []
    for i, (_, row) in enumerate(gdf.iterrows()):
        a = None if first is None else row[first]
        b = None if second is None else row[second]
        if _missing(a):
            a, b = b, None
        if _missing(a):
            out.append(f"#{int(pos[i]) + 1}")
        else:
            out.append(f"{a} ({b})" if not _missing(b) else str(a))
    return out


class _Layer:
    """A constraint layer in the equal-area frame: its union and its named features."""

    def __init__(
        self,
        src: Any,
        crs: Any,
        land: Any,
        *,
        what: str,
        field: str | None = None,
        param: str = "",
        buffer_m: float = 0.0,
        named: bool = True,
    ) -> None:
        gdf, geoms = _layer_geoms(src, crs, land, buffer_m)
        # the union the timeline measures (footprint._layer_union), to the last digit
        self.union = _union(geoms)
        shapely.prepare(self.union)
        self.names = _labels(gdf, field, what, param) if named else []
        self.geoms = geoms
        self.tree = shapely.STRtree(geoms)

    def inside_ha(self, pieces: np.ndarray) -> np.ndarray:
        if self.union.is_empty:
            return np.zeros(len(pieces))
        return shapely.area(shapely.intersection(pieces, self.union)) / 1e4

    def named(self, pieces: np.ndarray) -> list[str | None]:
        """The features each piece overlaps (by a positive area), most overlapped first."""
        out: list[list[tuple[float, int]]] = [[] for _ in pieces]
        if len(self.geoms) and len(pieces):
            ip, ig = self.tree.query(pieces, predicate="intersects")
            ha = shapely.area(shapely.intersection(pieces[ip], self.geoms[ig]))
            for p, g, a in zip(ip, ig, ha, strict=True):
                if a > 0:
                    out[p].append((-a, int(g)))
        names = []
        for hits in out:
            seen: list[str] = []
            for _, g in sorted(hits):
                if self.names[g] not in seen:
                    seen.append(self.names[g])
            names.append(NAME_SEP.join(seen) if seen else None)
        return names
