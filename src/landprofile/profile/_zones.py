"""Normalise "one landscape or many" inputs of the profile functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landprofile.errors import (
    GeometryTypeError,
    InvalidParameterError,
    MissingCRSError,
)
from landprofile.landscape import Landscape, Provenance, quiet_scale


@dataclass(frozen=True)
class Zone:
    """One landscape as the statistics see it."""

    id: str
    geometry: BaseGeometry
    crs: CRS
    area_m2: float
    lonlat: BaseGeometry | None = None  # the geometry densified to lon/lat, if known


def as_zones(landscapes: Any, *, id_field: str | None = None) -> list[Zone]:
    """Accept a Landscape, a list of them, or a GeoDataFrame of polygons (one zone per row).

    Rows of a GeoDataFrame are named by ``id_field``, else a ``name`` column, else the index.
    """
    if isinstance(landscapes, Landscape):
        return [_zone(landscapes)]
    if isinstance(landscapes, gpd.GeoDataFrame):
        if landscapes.crs is None:
            raise MissingCRSError("landscapes GeoDataFrame has no CRS; set one with set_crs()")
        if id_field is not None and id_field not in landscapes.columns:
            raise InvalidParameterError(
                f"id_field {id_field!r} not in the GeoDataFrame; columns: "
                + ", ".join(map(str, landscapes.columns))
            )
        col = id_field or ("name" if "name" in landscapes.columns else None)
        ids = landscapes[col].astype(str).tolist() if col else [str(i) for i in landscapes.index]
        out = []
        prov = Provenance(method="custom", source="GeoDataFrame")
        with quiet_scale():
            for zid, geom in zip(ids, landscapes.geometry, strict=True):
                if geom is None or geom.is_empty:
                    raise GeometryTypeError(f"landscape {zid!r} has an empty geometry")
                ls = Landscape(name=zid, geometry=geom, crs=landscapes.crs, provenance=prov)
                out.append(_zone(ls))
        return out
    if isinstance(landscapes, Iterable) and not isinstance(landscapes, str | bytes):
        items = list(landscapes)
        if items and all(isinstance(i, Landscape) for i in items):
            return [_zone(i) for i in items]
    raise InvalidParameterError(
        f"landscapes must be a Landscape, a list of Landscapes or a GeoDataFrame of polygons, "
        f"got {type(landscapes).__name__}"
    )


def _zone(ls: Landscape) -> Zone:
    # the area is measured on the lon/lat form: reusing it spares densifying again
    area, lonlat = ls.area_m2, ls.geometry_lonlat
    return Zone(id=ls.name, geometry=ls.geometry, crs=ls.crs, area_m2=area, lonlat=lonlat)
