"""Which layers a styled GeoPackage holds, in what order, under which names.

The same lists as the card's map (:func:`landprofile.maps.explore.card_map`): the
context layer (:mod:`landprofile.maps.context`, one group), the land cover, the user's
layers in :data:`~landprofile.maps.explore.ROLES` order, the boundary, the exclusions
(hidden at first, as on the card), the other suitable land and the zones; each named
with the card's legend text in the card's language. The card draws them in that order,
the last on top; QGIS lists the top layer first, so the project's layer tree is that
order reversed. Two layers the card does not draw are kept, below the zones: the sites
in conflict and, hidden, the candidate regions.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from landprofile.i18n import strings

__all__ = ["MapLayer", "card_layers", "geometry_kind"]

#: The card's vector roles, bottom to top (as :data:`landprofile.maps.explore.ROLES`,
#: not imported from there: that module imports folium).
ROLES = ("protected", "concessions", "water", "rivers", "roads", "settlements", "sites")
#: The context layer's tables and their names' i18n keys.
CONTEXT = (
    ("countries", "qgis_context_countries"),
    ("rivers", "qgis_context_rivers"),
    ("towns", "qgis_context_towns"),
)


@dataclass
class MapLayer:
    """One layer of the GeoPackage: its table, the card's name for it, how it is drawn.

    ``data`` is a GeoDataFrame (vector) or, for the land cover, the clipped grid
    (see :mod:`landprofile.qgis.raster`); ``style`` the key of its card style.
    """

    table: str
    title: str
    style: str
    data: Any = field(repr=False)
    group: str | None = None
    visible: bool = True
    raster: bool = False
    #: The boundary's provenance (its definition, in the card's words).
    extra: Any = field(default=None, repr=False)


def geometry_kind(gdf: Any, default: str = "Polygon") -> str:
    """``Point``, ``Line`` or ``Polygon``: the layer's first non-empty geometry's kind."""
    types = [t for t in gdf.geom_type.dropna().unique() if t]
    for t in types:
        if "Point" in t:
            return "Point"
        if "Line" in t:
            return "Line"
        if "Polygon" in t:
            return "Polygon"
    return default


def _read(value: Any) -> Any:
    """A user's layer as given (path, ``(path, field)``, GeoDataFrame or GeoSeries)."""
    import geopandas as gpd

    from landprofile.vector import read_vector

    label = value[0] if isinstance(value, tuple | list) else value
    if isinstance(label, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=label.reset_index(drop=True))
    if isinstance(label, gpd.GeoDataFrame):
        return label
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_vector(label)


def card_layers(
    result: Any,
    lang: str,
    *,
    layers: dict[str, Any] | None = None,
    land_cover: Any = None,
    legend: Any = None,
) -> list[MapLayer]:
    """The layers of ``result``'s GeoPackage, in the card's drawing order (bottom first).

    Parameters
    ----------
    result
        A :class:`~landprofile.zoning.result.ZoningResult`, already in ``lang``.
    lang
        The card's language (layer names).
    layers
        The user's layers by role, as given to the card (``[layers]`` of a config):
        written with their attributes. Without them, the geometries the zoning read
        (``result.context.originals``).
    land_cover, legend
        The land cover raster and its legend, clipped to the landscape.
    """
    import geopandas as gpd

    s = strings(lang)
    ls = result.landscape
    out: list[MapLayer] = []
    if ls is not None:
        from landprofile.maps.context import context_layers

        ctx = context_layers(ls.bounds_lonlat, lang)
        for key, name in CONTEXT:
            out.append(
                MapLayer(f"context_{key}", s[name], f"context_{key}", ctx[key], group=s["context"])
            )
        if land_cover is not None:
            from landprofile.qgis.raster import clip_land_cover

            grid = clip_land_cover(land_cover, legend, ls, lang)
            if grid is not None:
                out.append(MapLayer("land_cover", s["land_cover"], "land_cover", grid, raster=True))
    given = dict(layers or {})
    originals = dict(result.context.originals) if result.context is not None else {}
    for role in ROLES:
        value = given.get(role, originals.get(role))
        if value is None:
            continue
        out.append(MapLayer(role, s[role], role, _read(value)))
    if ls is not None:
        boundary = ls.to_gdf()
        out.append(MapLayer("boundary", s["boundary"], "boundary", boundary, extra=ls.provenance))
    if result.selection is not None:
        out.append(
            MapLayer(
                "candidate_regions",
                s["qgis_candidate_regions"],
                "candidate_regions",
                result.selection["candidates"],
                visible=False,
            )
        )
    out.append(
        MapLayer("exclusions", s["exclusions"], "exclusions", result.exclusions, visible=False)
    )
    out.append(MapLayer("conflicts", s["conflicts"], "conflicts", result.conflicts))
    other = result.other_suitable
    if other is not None:
        out.append(MapLayer("other_suitable", s["other_suitable"], "other_suitable", other))
    zones = result.zones
    if not isinstance(zones, gpd.GeoDataFrame):  # pragma: no cover - a result always has one
        raise TypeError("result.zones is not a GeoDataFrame")
    out.append(MapLayer("zones", s["zones"], "zones", zones))
    return out
