"""``.explore()`` for landscapes, profiles and zoning results, and the card's map.

Follows geopandas' ``GeoDataFrame.explore``: ``m=`` adds to an existing
:class:`folium.Map`, ``tiles=`` is passed through (online tiles are fine in a notebook),
other keywords go to :class:`folium.Map`. Styles, legends and popups are those of the
card, whose map is :func:`card_map` made offline.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium

from landprofile.i18n import strings
from landprofile.maps import features
from landprofile.maps._explore_layers import (
    ROLES as ROLES,  # a documented path: landprofile.qgis.layers names it
)
from landprofile.maps._explore_layers import (
    MapLayers,
    add_context,
    add_footprints,
    add_landscape,
    add_layers,
    add_zoning,
)
from landprofile.maps._render import attach, ours
from landprofile.maps.layers import Localise, ReadyFlag, add_image
from landprofile.maps.styles import LAND_COVER_OPACITY

__all__ = ["MapLayers", "card_map", "explore_landscape", "explore_profile", "explore_zoning"]


def _new_map(bounds: tuple[float, float, float, float], m: Any, tiles: Any, **kwargs: Any):
    w, s, e, n = bounds
    if m is None:
        # the scale bar is added metric-only by Localise (folium's shows miles too)
        kwargs.setdefault("control_scale", False)
        m = folium.Map(tiles=tiles, **kwargs)
    # markercluster needs the map's maxZoom, which a map without tiles does not set
    m.options.setdefault("maxZoom", 19)
    m.fit_bounds([[s, w], [n, e]])
    return m


def _finish(m: Any, out: MapLayers, layer_control: bool, lang: str, scale: bool) -> None:
    # the user may add layers (gdf.explore(m=m)) and a control of their own after this:
    # the figure puts the control and these finishing scripts after every layer when it
    # renders (maps._render), not here
    control = None
    if layer_control:
        control = ours(folium.LayerControl(collapsed=True))
        control.add_to(m)
    s = strings(lang)
    texts = {k: s[f"map_{k}"] for k in ("zoom_in", "zoom_out", "layers", "close", "leaflet")}
    Localise(texts, scale=scale).add_to(m)
    ReadyFlag(out.stats, control).add_to(m)
    attach(m)


def card_map(
    profile: Any,
    *,
    zoning: Any = None,
    layers: dict[str, Any] | None = None,
    footprints: Any = None,
    date_field: str | None = None,
    land_cover: Any = None,
    legend: Any = None,
    lang: str = "fr",
    tiles: Any = None,
    m: Any = None,
    context: bool = True,
    layer_control: bool = True,
    alerts: Any = None,
    **kwargs: Any,
) -> tuple[Any, MapLayers]:
    """The profile's map: context, land cover, the user's layers, boundary, zones."""
    from landprofile.legend import load_legend
    from landprofile.raster import read_raster

    ls = profile.landscape if hasattr(profile, "landscape") else profile
    bounds = ls.bounds_lonlat
    tol_m = features.display_tolerance_m(bounds)
    own_scale = m is not None and not getattr(m, "control_scale", False)
    new = m is None
    m = _new_map(bounds, m, tiles, **kwargs)
    out = MapLayers()
    if context:
        add_context(m, bounds, lang, out)
    if land_cover is not None:
        lc = getattr(profile, "land_cover", None)
        leg = load_legend(
            legend or (lc.attrs.get("legend") if lc is not None else None) or "esa_worldcover_v200"
        )
        image, entries = features.land_cover_overlay(
            read_raster(land_cover, bounds=ls.bounds_lonlat),
            leg,
            ls.geometry_lonlat,
            strings(lang)["land_cover"],
        )
        add_image(m, image["url"], image["bounds"], strings(lang)["land_cover"])
        out.stats["land_cover"] = 1
        out.lc_image = image
        by_value = leg.by_value()
        out.lc_legend = [(color, by_value[v].name(lang)) for color, v in entries]
    add_layers(m, layers or {}, lang, out, tol_m)
    if footprints is not None:
        add_footprints(m, footprints, date_field, lang, out, tol_m)
    if alerts is not None:
        from landprofile.maps._alerts_layer import add_alerts

        add_alerts(m, alerts, lang, out, tol_m)
    add_landscape(m, ls, lang, out, tol_m)
    if zoning is not None:
        add_zoning(m, zoning, lang, out, tol_m)
    # a scale bar on maps made here, and on a caller's map that has none
    _finish(m, out, layer_control, lang, scale=new or own_scale)
    return m, out


def _offline(offline: bool | None, tiles: Any) -> tuple[bool, Any]:
    """Whether a notebook map is made offline, and its tiles (none then: no dead entry)."""
    from landprofile._options import options

    off = options.offline_maps if offline is None else bool(offline)
    if off and tiles == "OpenStreetMap":
        tiles = None
    return off, tiles


def _done(m: Any, off: bool) -> Any:
    if off:
        from landprofile.maps.offline import make_offline

        make_offline(m)
    return m


def explore_landscape(
    ls: Any,
    m: Any = None,
    *,
    tiles: Any = "OpenStreetMap",
    lang: str = "en",
    context: bool = True,
    offline: bool | None = None,
    **kwargs: Any,
) -> Any:
    """A :class:`folium.Map` of a landscape's boundary (see :meth:`Landscape.explore`)."""
    off, tiles = _offline(offline, tiles)
    return _done(card_map(ls, m=m, tiles=tiles, lang=lang, context=context, **kwargs)[0], off)


def explore_profile(
    profile: Any,
    m: Any = None,
    *,
    tiles: Any = "OpenStreetMap",
    lang: str = "en",
    layers: dict[str, Any] | None = None,
    land_cover: Any = None,
    legend: Any = None,
    context: bool = True,
    offline: bool | None = None,
    **kwargs: Any,
) -> Any:
    """A :class:`folium.Map` of a profile (see :meth:`Profile.explore`)."""
    off, tiles = _offline(offline, tiles)
    m = card_map(
        profile,
        m=m,
        tiles=tiles,
        lang=lang,
        layers=layers,
        land_cover=land_cover,
        legend=legend,
        context=context,
        **kwargs,
    )[0]
    return _done(m, off)


def explore_zoning(
    result: Any,
    landscape: Any = None,
    m: Any = None,
    *,
    tiles: Any = "OpenStreetMap",
    lang: str | None = None,
    layers: dict[str, Any] | None = None,
    context: bool = True,
    offline: bool | None = None,
    **kwargs: Any,
) -> Any:
    """A :class:`folium.Map` of candidate zones (see :meth:`ZoningResult.explore`)."""
    landscape = landscape if landscape is not None else result.landscape
    off, tiles = _offline(offline, tiles)
    m = card_map(
        landscape,
        zoning=result,
        m=m,
        tiles=tiles,
        lang=lang or result.lang,
        layers=layers,
        context=context,
        **kwargs,
    )[0]
    return _done(m, off)


def explore_change(
    result: Any,
    m: Any = None,
    *,
    tiles: Any = "OpenStreetMap",
    lang: str = "en",
    context: bool = True,
    offline: bool | None = None,
    **kwargs: Any,
) -> Any:
    """A :class:`folium.Map` of a land-cover change (see :meth:`ChangeResult.explore`)."""
    off, tiles = _offline(offline, tiles)
    ls = result.landscape
    m = card_map(ls, m=m, tiles=tiles, lang=lang, context=context, layer_control=False, **kwargs)[0]
    s = strings(lang)
    for key, visible in (("before", False), ("after", True)):
        image, _ = features.land_cover_overlay(
            result.sources[key], result.sources[f"{key}_legend"], ls.geometry_lonlat, key
        )
        group = folium.FeatureGroup(
            name=escape(f"{s['land_cover']} ({s['date_' + key]})"), show=visible
        )
        folium.raster_layers.ImageOverlay(
            image["url"], bounds=image["bounds"], opacity=LAND_COVER_OPACITY
        ).add_to(group)
        group.add_to(m)
    ours(folium.LayerControl(collapsed=True)).add_to(m)
    return _done(m, off)
