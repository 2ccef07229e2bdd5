"""The :class:`Landscape` value every boundary method returns.

A landscape is one polygon or multipolygon in an explicit CRS, a name, and a record of
how its boundary was made (the card's "Définition des limites"). Its size is measured
on the WGS 84 ellipsoid, whatever CRS the geometry is in.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

import geopandas as gpd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landprofile.crs import norm_crs
from landprofile.errors import (
    EmptySelectionError,
    GeometryTypeError,
    InvalidGeometryError,
    InvalidParameterError,
    ScaleWarning,
)
from landprofile.geodesy import densify_to_lonlat, geodesic_area_perimeter_m, unwrap_antimeridian

__all__ = [
    "SCALE_MAX_HA",
    "SCALE_MIN_HA",
    "BoundaryMethod",
    "Landscape",
    "Provenance",
    "Scale",
]

#: Lower end of the landscape-scale guidance (seed 000: "10 000 ha à 1 000 000 ha").
SCALE_MIN_HA = 10_000.0
#: Upper end of the landscape-scale guidance.
SCALE_MAX_HA = 1_000_000.0

BoundaryMethod = Literal["custom", "admin", "watershed"]
Scale = Literal["below", "within", "above"]
_METHODS = ("custom", "admin", "watershed")


#: Whether a Landscape built in this context says it is outside the landscape scale.
#: A context variable, not a ``warnings.catch_warnings`` block: that block swaps the
#: process-wide filter list and, before Python 3.14, two threads inside one restore it
#: out of order (a batch on threads lost and leaked warnings that way). Each thread has
#: its own context, so this switch is safe on any number of threads.
_WARN_SCALE: ContextVar[bool] = ContextVar("landprofile_warn_scale", default=True)


@contextlib.contextmanager
def quiet_scale() -> Iterator[None]:
    """Within this block (in this thread only), landscapes outside the scale do not warn.

    For callers that report the scale themselves (a batch's table, a saved profile read
    back).
    """
    token = _WARN_SCALE.set(False)
    try:
        yield
    finally:
        _WARN_SCALE.reset(token)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Provenance:
    """How a landscape boundary was made.

    Attributes
    ----------
    method
        ``"custom"``, ``"admin"`` or ``"watershed"``.
    source
        The input the boundary came from (a path, ``"GeoDataFrame"``, ...).
    layer
        Layer of the source, if any.
    parameters
        The selection or parameters used (names, codes, buffer, outlet, thresholds...).
        Values are JSON-serialisable.
    created
        ISO 8601 UTC time the boundary was made.
    notes
        What was repaired, dropped or filled on the way.

    Examples
    --------
    >>> from landprofile import Provenance
    >>> from landprofile.testing import square_landscape
    >>> prov = square_landscape().provenance
    >>> prov.method
    'custom'
    >>> Provenance.from_dict(prov.to_dict()) == prov  # what a profile JSON stores
    True
    """

    method: BoundaryMethod
    source: str
    layer: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=_now)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.method not in _METHODS:
            raise InvalidParameterError(
                f"provenance method {self.method!r} is not one of {', '.join(_METHODS)}"
            )

    def describe(self, lang: str = "en") -> str:
        """How the boundary was made, in one sentence, in ``lang`` (``en``, ``fr``, ``es``)."""
        from landprofile.i18n import describe_provenance

        return describe_provenance(self, lang)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary."""
        return {
            "method": self.method,
            "source": self.source,
            "layer": self.layer,
            "parameters": json.loads(json.dumps(dict(self.parameters), default=str)),
            "created": self.created,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Inverse of :meth:`to_dict`."""
        return cls(
            method=data["method"],
            source=data["source"],
            layer=data.get("layer"),
            parameters=dict(data.get("parameters") or {}),
            created=data.get("created") or _now(),
            notes=tuple(data.get("notes") or ()),
        )


@dataclass(frozen=True)
class Landscape:
    """A named landscape boundary with its CRS, provenance and true size.

    Parameters
    ----------
    name
        The landscape's name (shown on the card).
    geometry
        One Polygon or MultiPolygon in ``crs``; holes and parts are kept. Z coordinates
        (a KML or GPS export's heights) are dropped: the boundary is its 2-D footprint.
    crs
        Its CRS (anything :func:`landprofile.crs.norm_crs` accepts; stored as pyproj CRS).
    provenance
        How the boundary was made.

    Notes
    -----
    ``area_ha``, ``area_km2`` and ``perimeter_km`` are geodesic on the WGS 84 ellipsoid.
    Edges are densified in the geometry's own CRS before the transformation to
    longitude/latitude (1 km in projected CRSs, 0.01° in geographic ones), so a shape
    drawn in a projection keeps its true area to better than 0.01 %.

    Examples
    --------
    >>> from landprofile.testing import square_landscape
    >>> ls = square_landscape()  # a 1 km square in UTM zone 30N
    >>> ls.name, ls.crs.to_epsg(), ls.provenance.method
    ('Square', 32630, 'custom')
    >>> round(ls.area_ha, 1), round(ls.perimeter_km, 2)  # geodesic, on the ellipsoid
    (100.1, 4.0)
    >>> [round(v, 3) for v in ls.centroid_lonlat]
    [...]
    """

    name: str
    geometry: BaseGeometry
    crs: CRS
    provenance: Provenance

    def __post_init__(self) -> None:
        object.__setattr__(self, "crs", norm_crs(self.crs, what=f"landscape {self.name!r}"))
        geom = self.geometry
        if not isinstance(geom, BaseGeometry):
            raise GeometryTypeError(
                f"landscape {self.name!r}: geometry must be a shapely Polygon or "
                f"MultiPolygon, got {type(geom).__name__}"
            )
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise GeometryTypeError(
                f"landscape {self.name!r}: geometry must be a Polygon or MultiPolygon, "
                f"got {geom.geom_type}"
            )
        if geom.is_empty:
            raise EmptySelectionError(f"landscape {self.name!r}: geometry is empty")
        if shapely.has_z(geom):
            geom = shapely.force_2d(geom)
            object.__setattr__(self, "geometry", geom)
        if not geom.is_valid:
            raise InvalidGeometryError(
                f"landscape {self.name!r}: geometry is invalid "
                f"({shapely.is_valid_reason(geom)}); repair it with shapely.make_valid "
                "or load it through landprofile.read_vector"
            )
        if self.scale != "within" and _WARN_SCALE.get():
            warnings.warn(
                f"landscape {self.name!r} covers {self.area_ha:,.0f} ha, {self.scale} the "
                f"{SCALE_MIN_HA:,.0f}-{SCALE_MAX_HA:,.0f} ha usually meant by landscape "
                "scale; kept as given",
                ScaleWarning,
                stacklevel=3,
            )

    @cached_property
    def geometry_lonlat(self) -> BaseGeometry:
        """The geometry densified and transformed to EPSG:4326 (x = longitude).

        Across the antimeridian it comes in the RFC 7946 form (parts cut at ±180).
        """
        try:
            return densify_to_lonlat(self.geometry, self.crs)
        except InvalidGeometryError as exc:
            raise InvalidGeometryError(f"landscape {self.name!r}: {exc}") from None

    @cached_property
    def _geometry_continuous(self) -> BaseGeometry:
        # lon/lat in one piece (longitudes may pass 180): for centre and bounds
        return unwrap_antimeridian(self.geometry_lonlat)

    @cached_property
    def _area_perimeter_m(self) -> tuple[float, float]:
        return geodesic_area_perimeter_m(self.geometry_lonlat)

    @property
    def area_m2(self) -> float:
        """Geodesic area in square metres."""
        return self._area_perimeter_m[0]

    @property
    def area_ha(self) -> float:
        """Geodesic area in hectares."""
        return self.area_m2 / 1e4

    @property
    def area_km2(self) -> float:
        """Geodesic area in square kilometres."""
        return self.area_m2 / 1e6

    @property
    def perimeter_km(self) -> float:
        """Geodesic perimeter in kilometres (outer and inner rings of every part)."""
        return self._area_perimeter_m[1] / 1e3

    @property
    def scale(self) -> Scale:
        """Where the area falls against the 10,000-1,000,000 ha landscape-scale guidance."""
        area = self.area_ha
        if area < SCALE_MIN_HA:
            return "below"
        if area > SCALE_MAX_HA:
            return "above"
        return "within"

    @property
    def centroid_lonlat(self) -> tuple[float, float]:
        """``(lon, lat)`` of a point representative of the landscape's centre.

        The centroid of the lon/lat geometry when it lies inside, otherwise a point
        guaranteed inside (a crescent's centroid can fall outside).
        """
        geom = self._geometry_continuous
        c = geom.centroid
        if not geom.contains(c):
            c = geom.representative_point()
        return (((c.x + 180.0) % 360.0) - 180.0 if abs(c.x) > 180 else c.x, c.y)

    @property
    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` in degrees.

        For a landscape across the antimeridian, ``east`` passes 180 (179 to 181, not
        -180 to 180), as web maps expect.
        """
        return tuple(float(v) for v in self._geometry_continuous.bounds)  # type: ignore[return-value]

    def to_gdf(self, crs: Any = None) -> gpd.GeoDataFrame:
        """A one-row GeoDataFrame with the name, sizes, scale and boundary method.

        Parameters
        ----------
        crs
            Output CRS; the landscape's own CRS when ``None``.
        """
        gdf = gpd.GeoDataFrame(
            {
                "name": [self.name],
                "area_ha": [self.area_ha],
                "area_km2": [self.area_km2],
                "perimeter_km": [self.perimeter_km],
                "scale": [self.scale],
                "method": [self.provenance.method],
                "boundary_definition": [self.provenance.describe()],
            },
            geometry=[self.geometry],
            crs=self.crs,
        )
        return gdf if crs is None else gdf.to_crs(norm_crs(crs, what="to_gdf(crs=...)"))

    def summary(self) -> str:
        """A few lines of plain text: name, size, scale and boundary definition."""
        lon, lat = self.centroid_lonlat
        return "\n".join(
            [
                f"Landscape: {self.name}",
                f"  Size: {self.area_ha:,.0f} ha ({self.area_km2:,.1f} km²), "
                f"perimeter {self.perimeter_km:,.1f} km",
                f"  Scale: {self.scale} the {SCALE_MIN_HA:,.0f}-{SCALE_MAX_HA:,.0f} ha "
                "landscape guidance",
                f"  Centre: {lat:.4f}°, {lon:.4f}° (lat, lon)",
                f"  Boundary definition: {self.provenance.describe()}",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (geometry as WKT in its own CRS, CRS as WKT2)."""
        return {
            "name": self.name,
            "geometry_wkt": self.geometry.wkt,
            "crs": self.crs.to_wkt(),
            "provenance": self.provenance.to_dict(),
            "area_ha": self.area_ha,
            "area_km2": self.area_km2,
            "perimeter_km": self.perimeter_km,
            "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Landscape:
        """Inverse of :meth:`to_dict` (sizes are recomputed, not trusted)."""
        with quiet_scale():
            return cls(
                name=data["name"],
                geometry=shapely.from_wkt(data["geometry_wkt"]),
                crs=data["crs"],
                provenance=Provenance.from_dict(data["provenance"]),
            )

    def explore(self, m: Any = None, **kwargs: Any) -> Any:
        """An interactive :class:`folium.Map` of the boundary, like geopandas' ``explore``.

        ``m`` adds to an existing map; ``tiles=`` (default ``"OpenStreetMap"``), ``lang=``
        (``en``, ``fr``, ``es``) and ``context=`` (the offline borders/towns/rivers layer)
        are passed on; ``offline=True`` (default: ``lp.options.offline_maps``) inlines the
        vendored Leaflet and draws no tiles, for a notebook without internet; other
        keywords go to :class:`folium.Map`.
        """
        from landprofile.maps import explore_landscape

        return explore_landscape(self, m, **kwargs)

    def _repr_html_(self) -> str:
        from landprofile._repr import render

        return render(
            "landscape",
            name=self.name,
            area_ha=f"{self.area_ha:,.0f}",
            area_km2=f"{self.area_km2:,.1f}",
            perimeter_km=f"{self.perimeter_km:,.1f}",
            scale=self.scale,
            definition=self.provenance.describe(),
        )
