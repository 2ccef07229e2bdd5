"""``.explore()`` for landscapes, profiles and zoning results, and the card's map.

Follows geopandas' ``GeoDataFrame.explore``: ``m=`` adds to an existing
:class:`folium.Map`, ``tiles=`` is passed through (online tiles are fine in a notebook),
other keywords go to :class:`folium.Map`. Styles, legends and popups are those of the
card, whose map is :func:`card_map` made offline.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from html import escape
from typing import Any

import folium
import geopandas as gpd

from landprofile.i18n import strings
from landprofile.maps import features
from landprofile.maps.context import context_layers
from landprofile.maps.layers import Localise, ReadyFlag, add_image, add_vector
from landprofile.maps.styles import LAND_COVER_OPACITY, STYLES, score_color, zone_legend

__all__ = ["MapLayers", "card_map", "explore_landscape", "explore_profile", "explore_zoning"]

#: Vector layer roles drawn on maps, bottom to top.
ROLES = ("protected", "concessions", "water", "rivers", "roads", "settlements", "sites")


@dataclass
class MapLayers:
    """What was drawn: feature counts per layer key, and legend rows (colour, text)."""

    stats: dict[str, int] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)
    lc_legend: list[tuple[str, str]] = field(default_factory=list)
    #: Names of the layers made up for illustration (a ``synthetic`` flag or file name).
    synthetic: list[str] = field(default_factory=list)
    #: The land cover image overlay (``url``: a PNG data URI, ``bounds``), if drawn.
    lc_image: dict[str, Any] | None = None


def _labels(lang: str) -> dict[str, str]:
    s = strings(lang)
    return {k[len("field_") :]: v for k, v in s.items() if k.startswith("field_")}


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


def add_context(m: Any, bounds: tuple[float, float, float, float], lang: str, out: MapLayers):
    """Country borders, major rivers and towns around the landscape (offline data)."""
    s = strings(lang)
    ctx = context_layers(bounds, lang)
    group = folium.FeatureGroup(name=escape(s["context"]), show=True)
    for key, style_key, fields in (
        ("countries", "context_countries", ["name"]),
        ("rivers", "context_rivers", ["name"]),
        ("towns", "context_towns", ["name"]),
    ):
        gdf = ctx[key]
        if not len(gdf):
            continue
        n = add_vector(
            group,
            gdf,
            style_key,
            key,
            tol_m=0,
            fields=fields,
            field_labels=_labels(lang),
            lang=lang,
            cluster_above=10**9,
            control=False,
        )
        out.stats[f"context_{key}"] = n
    group.add_to(m)
    out.legend.append((str(STYLES["context_countries"]["color"]), s["context"]))


def add_landscape(m: Any, ls: Any, lang: str, out: MapLayers, tol_m: float) -> None:
    """The boundary, with its name, size and how it was made in the popup."""
    from landprofile.i18n import describe_provenance, fmt_number

    s = strings(lang)
    gdf = gpd.GeoDataFrame(
        {
            "name": [ls.name],
            "area_ha": [fmt_number(ls.area_ha, lang) + " ha"],
            "definition": [describe_provenance(ls.provenance, lang)],
        },
        geometry=[ls.geometry_lonlat],
        crs="EPSG:4326",
    )
    out.stats["boundary"] = add_vector(
        m,
        gdf,
        "boundary",
        s["boundary"],
        tol_m=tol_m,
        fields=["name", "area_ha", "definition"],
        field_labels=_labels(lang),
        lang=lang,
    )
    out.legend.append((str(STYLES["boundary"]["color"]), s["boundary"]))


def add_layers(m: Any, layers: dict[str, Any], lang: str, out: MapLayers, tol_m: float) -> None:
    """The user's layers (sites, concessions, protected areas, rivers...), by role."""
    from landprofile.vector import read_vector

    s = strings(lang)
    layers = layers or {}
    # drawn in ROLES order; layers not drawn (geology) are still labelled when synthetic
    for role in [*ROLES, *(r for r in layers if r not in ROLES)]:
        src = layers.get(role)
        if src is None:
            continue
        label = src[0] if isinstance(src, tuple) else src
        if role not in ROLES and _synthetic(label, None):
            out.synthetic.append(s.get(role, role))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = read_vector(label)
        if role in ROLES:
            out.stats[role] = add_vector(m, gdf, role, s[role], tol_m=tol_m, lang=lang)
            st = STYLES[role]
            out.legend.append((str(st.get("fillColor", st["color"])), s[role]))
        if _synthetic(label, gdf):
            out.synthetic.append(s.get(role, role))


def _synthetic(label: Any, gdf: gpd.GeoDataFrame | None) -> bool:
    from pathlib import Path

    if isinstance(label, str | Path) and "synthetic" in Path(str(label)).name.lower():
        return True
    if gdf is None:
        return False
    col = next((c for c in gdf.columns if str(c).lower() == "synthetic"), None)
    return col is not None and gdf[col].astype(str).str.lower().isin(["true", "1", "yes"]).any()


def add_zoning(m: Any, result: Any, lang: str, out: MapLayers, tol_m: float) -> None:
    """Exclusions (hidden at first) and the candidate zones coloured by rank."""
    s = strings(lang)
    labels = _labels(lang)
    res = result.in_language(lang)
    out.stats["exclusions"] = add_vector(
        m,
        res.exclusions,
        "exclusions",
        s["exclusions"],
        tol_m=tol_m,
        fields=["label", "area_ha"],
        field_labels=labels,
        lang=lang,
        visible=False,
    )
    out.legend.append((str(STYLES["exclusions"]["fillColor"]), s["exclusions"]))
    min_score = float(res.summary.get("min_score", 0.4))
    other = res.other_suitable
    if other is not None and len(other) and not other.geometry.is_empty.all():
        out.stats["other_suitable"] = add_vector(
            m,
            other,
            "other_suitable",
            s["other_suitable"],
            tol_m=tol_m,
            interactive=False,
        )
        out.legend.append((str(STYLES["other_suitable"]["fillColor"]), s["other_suitable"]))
    colors = [{"fillColor": score_color(float(v), min_score)} for v in res.zones["score"]]
    fields = ["zone_id", "rank", "area_ha", "score"]
    fields.append("why_short" if "why_short" in res.zones.columns else "why")
    out.stats["zones"] = add_vector(
        m,
        res.zones,
        "zones",
        s["zones"],
        tol_m=tol_m,
        fields=fields,
        field_labels=labels,
        lang=lang,
        feature_styles=colors,
    )
    # one legend entry per score class, highest first
    for color, _, _, text in reversed(zone_legend(min_score, lang)):
        out.legend.append((color, text))


#: Footprint colours, oldest (light) to newest (dark).
FOOTPRINT_COLORS = ["#fdd49e", "#fc8d59", "#d7301f", "#7f0000"]


def add_footprints(
    m: Any, footprints: Any, date_field: str | None, lang: str, out: MapLayers, tol_m: float
) -> None:
    """The mining footprint, one layer per date (the latest shown)."""
    from landprofile.monitoring.footprint import footprints_by_date

    s = strings(lang)
    dates = footprints_by_date(footprints, date_field)
    n = len(dates)
    for i, (date, gdf) in enumerate(dates.items()):
        color = FOOTPRINT_COLORS[min(len(FOOTPRINT_COLORS) - 1, i + len(FOOTPRINT_COLORS) - n)]
        label = f"{s['footprint']} {date.date().isoformat()}"
        key = f"footprint_{date.date().isoformat()}"
        out.stats[key] = add_vector(
            m,
            gdf,
            key,
            label,
            tol_m=tol_m,
            fields=[],
            lang=lang,
            visible=i == n - 1,
            style={"color": color, "fillColor": color, "fillOpacity": 0.7, "weight": 1},
            interactive=False,
        )
        out.legend.append((color, label))


def _finish(m: Any, out: MapLayers, layer_control: bool, lang: str, scale: bool) -> None:
    control = None
    if layer_control:
        control = folium.LayerControl(collapsed=True)
        control.add_to(m)
    s = strings(lang)
    texts = {k: s[f"map_{k}"] for k in ("zoom_in", "zoom_out", "layers", "close", "leaflet")}
    Localise(texts, scale=scale).add_to(m)
    ReadyFlag(out.stats, control).add_to(m)


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
    folium.LayerControl(collapsed=True).add_to(m)
    return _done(m, off)
