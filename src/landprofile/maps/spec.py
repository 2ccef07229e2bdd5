"""A folium map as data, for the card's constant renderer.

The card's map is the notebook's folium map; but folium writes each map as a script
holding its data, and a script that holds data is different for every card, so the
card's Content-Security-Policy would have to allow whatever the page holds. Instead,
:func:`map_spec` walks the folium map once and writes down what it draws — layer groups,
features with their full style and popup text, clustered points, image overlays, tiles,
the fit bounds, the interface words, the feature counts — as plain data. The card puts
that data in a non-executable ``<script type="application/json">`` block, read by one
renderer script (``data/vendor/landprofile-map.js``) that is the same for every card of
a version: the policy lists that script's hash and Leaflet's, nothing else.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import folium
from folium.plugins import FastMarkerCluster

__all__ = ["map_spec"]


def _children(el: Any) -> list[Any]:
    return list(getattr(el, "_children", {}).values())


def _features(gj: folium.GeoJson) -> dict[str, Any]:
    """The GeoJSON with each feature's full style and plain popup text in its properties."""
    style = gj.style_function
    feats = []
    for f in gj.data.get("features", []):
        props = dict(f.get("properties") or {})
        s = style(f) if style is not None else {}
        feats.append(
            {
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {"s": s, "t": props.get("_text", "")},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _items(el: Any) -> list[dict[str, Any]]:
    """What an element draws (its own data and its descendants')."""
    out: list[dict[str, Any]] = []
    if isinstance(el, folium.GeoJson):
        radius = 4
        marker = getattr(el, "marker", None)
        if marker is not None:
            radius = marker.options.get("radius", radius)
        out.append(
            {
                "type": "geojson",
                "data": _features(el),
                "radius": radius,
                "interactive": bool(el.options.get("interactive", True)),
            }
        )
    elif isinstance(el, FastMarkerCluster):
        out.append({"type": "cluster", "rows": el.data, "style": getattr(el, "lp_style", {})})
    elif isinstance(el, folium.raster_layers.ImageOverlay):
        out.append(
            {
                "type": "image",
                "url": el.url,
                "bounds": el.bounds,
                "opacity": el.options.get("opacity", 1.0),
            }
        )
    for child in _children(el):
        if isinstance(child, folium.FeatureGroup) and child.control:
            continue  # a group of its own (listed at the top level)
        out.extend(_items(child))
    return out


def map_spec(m: folium.Map) -> dict[str, Any]:
    """Everything the card's renderer needs to draw ``m``, as JSON-ready data."""
    spec: dict[str, Any] = {
        "maxZoom": m.options.get("maxZoom", m.options.get("max_zoom", 19)),
        "bounds": None,
        "groups": [],
        "tiles": None,
        "texts": {},
        "scale": False,
        "stats": {},
        "layerControl": False,
    }

    def walk(el: Any) -> None:
        for child in _children(el):
            name = type(child).__name__
            if isinstance(child, folium.FeatureGroup):
                spec["groups"].append(
                    {
                        "name": unescape(child.layer_name),
                        "show": bool(child.show),
                        "control": bool(child.control),
                        "items": _items(child),
                    }
                )
                walk_groups(child)
            elif isinstance(child, folium.TileLayer):
                spec["tiles"] = {"url": child.tiles, "attr": child.options.get("attribution", "")}
            elif name == "FitBounds":
                spec["bounds"] = child.bounds
            elif name == "_EmbeddedTiles":
                spec["tiles"] = {
                    "embedded": child.tiles,
                    "minZoom": child.minzoom,
                    "maxZoom": child.maxzoom,
                }
            elif name == "Localise":
                spec["texts"] = dict(child.texts)
                spec["scale"] = bool(child.scale)
            elif name == "ReadyFlag":
                spec["stats"] = dict(child.stats)
            elif isinstance(child, folium.LayerControl):
                spec["layerControl"] = True

    def walk_groups(group: Any) -> None:
        # groups nested in groups that have their own entry in the layer control
        for child in _children(group):
            if isinstance(child, folium.FeatureGroup) and child.control:
                spec["groups"].append(
                    {
                        "name": unescape(child.layer_name),
                        "show": bool(child.show),
                        "control": True,
                        "items": _items(child),
                    }
                )

    walk(m)
    return spec
