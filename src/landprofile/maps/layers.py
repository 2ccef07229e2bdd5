"""folium layers: vectors with popups, clustered points, land cover, basemaps, the ready flag.

Every text a user gave (names, attribute values, layer labels) reaches the map escaped:
popups are built from escaped text (folium's popup templates insert HTML), layer names
are escaped for Leaflet's layer control, and data sits in scripts through ``tojson``,
which escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import folium
import geopandas as gpd
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster
from folium.template import Template

from landprofile.maps import features
from landprofile.maps.styles import LAND_COVER_OPACITY, STYLES

__all__ = ["Localise", "ReadyFlag", "add_image", "add_vector", "mbtiles_layer"]


#: Leaflet popup options: a readable width that fits a 360 px phone, and a height that
#: fits the map (longer text scrolls inside the popup).
POPUP_OPTIONS = {"min_width": 220, "max_width": 300, "max_height": 240}


def _popup_html(text: str) -> str:
    return "<div class='lp-pop'>" + escape(text).replace("\n", "<br>") + "</div>"


def add_vector(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    key: str,
    label: str,
    *,
    tol_m: float,
    fields: list[str] | None = None,
    field_labels: dict[str, str] | None = None,
    lang: str = "en",
    visible: bool = True,
    style: dict[str, Any] | None = None,
    feature_styles: list[dict[str, Any]] | None = None,
    interactive: bool = True,
    cluster_above: int = features.CLUSTER_ABOVE,
    control: bool = True,
) -> int:
    """Add one layer as a named :class:`folium.FeatureGroup`; returns its feature count.

    More than ``cluster_above`` features are drawn as clustered markers (one point per
    feature). ``feature_styles`` (one dict per row) override ``style`` per feature.
    """
    style = dict(style if style is not None else STYLES.get(key, {}))
    prepared = features.prepare(gdf, tol_m)
    geom = prepared.geometry.name
    cols = fields if fields is not None else [c for c in prepared.columns if c != geom][:8]
    labels = field_labels or {}
    texts = (
        [features.popup_lines(r, cols, labels, lang) for _, r in prepared[cols].iterrows()]
        if interactive and cols
        else [""] * len(prepared)
    )
    group = folium.FeatureGroup(name=escape(label), show=visible, control=control)
    if len(prepared) > cluster_above:
        latlon = features.cluster_points(prepared)
        rows = [[float(a), float(b), t] for (a, b), t in zip(latlon, texts, strict=True)]
        callback = (
            "function callback(row){var m = L.circleMarker([row[0], row[1]], "
            + json.dumps({k: v for k, v in style.items() if k != "fill" or v})
            + ");if(row[2]){var el=document.createElement('div');el.className='lp-pop';"
            "el.textContent=row[2];m.bindPopup(el, "
            + json.dumps({"minWidth": 220, "maxWidth": 300, "maxHeight": 240})
            + ");}return m;}"
        )
        cluster = FastMarkerCluster(rows, callback=callback, chunkedLoading=True)
        # the card's renderer draws the points with this style (see maps.spec)
        cluster.lp_style = {k: v for k, v in style.items() if k != "fill" or v}
        cluster.add_to(group)
    else:
        per = feature_styles or [{}] * len(prepared)
        feats = []
        for g, text, fs in zip(prepared.geometry, texts, per, strict=True):
            props: dict[str, Any] = {"_s": fs}
            if text:
                props["_popup"] = _popup_html(text)
                props["_text"] = text  # plain text: the card's renderer sets textContent
            feats.append({"type": "Feature", "properties": props, "geometry": g.__geo_interface__})
        collection = {"type": "FeatureCollection", "features": feats}
        radius = style.pop("radius", 4)
        folium.GeoJson(
            collection,
            style_function=lambda f, base=style: {**base, **f["properties"].get("_s", {})},
            marker=folium.CircleMarker(radius=radius, **_marker(style)),
            popup=folium.GeoJsonPopup(fields=["_popup"], labels=False, **POPUP_OPTIONS)
            if interactive and any(texts)
            else None,
            interactive=interactive,
            control=False,
        ).add_to(group)
    group.add_to(m)
    return len(prepared)


def _marker(style: dict[str, Any]) -> dict[str, Any]:
    keys = ("color", "fillColor", "fillOpacity", "weight")
    out = {k: style[k] for k in keys if k in style}
    if "fillColor" in out:
        out["fill_color"] = out.pop("fillColor")
        out["fill"] = True
    if "fillOpacity" in out:
        out["fill_opacity"] = out.pop("fillOpacity")
    return out


def add_image(m: folium.Map, url: str, bounds: list[list[float]], label: str) -> None:
    """A raster (a PNG data URI) as an image overlay in its own named group."""
    group = folium.FeatureGroup(name=escape(label), show=True)
    folium.raster_layers.ImageOverlay(url, bounds=bounds, opacity=LAND_COVER_OPACITY).add_to(group)
    group.add_to(m)


class _EmbeddedTiles(MacroElement):
    """A tile layer whose tiles (data URIs from a local MBTiles file) are in the page."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function(){
          var T = {{ this.tiles|tojson }};
          var Grid = L.GridLayer.extend({createTile: function(c){
            var img = document.createElement('img');
            var k = c.z + '/' + c.x + '/' + c.y;
            if (T[k]) { img.src = T[k]; }
            return img; }});
          return new Grid({minZoom: {{ this.minzoom }},
                           maxNativeZoom: {{ this.maxzoom }}}).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tiles: dict[str, str], minzoom: int, maxzoom: int) -> None:
        super().__init__()
        self._name = "EmbeddedTiles"
        self.tiles, self.minzoom, self.maxzoom = tiles, int(minzoom), int(maxzoom)


def mbtiles_layer(mb: dict[str, Any]) -> MacroElement:
    """The basemap of a local MBTiles file, tiles embedded (see ``profilecard``)."""
    return _EmbeddedTiles(mb["tiles"], mb["minzoom"], mb["maxzoom"])


class Localise(MacroElement):
    """Leaflet's own interface words in the map's language, and a metric scale bar.

    Leaflet ships English titles and aria-labels (zoom buttons, the layer control's
    toggle, a popup's close button, its attribution link); they are set from the i18n
    catalogue (``map_zoom_in``...). The scale bar is metric only.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map, t){
          {%- if this.scale %}
          L.control.scale({imperial: false}).addTo(map);
          {%- endif %}
          var c = map.getContainer();
          function label(sel, text){
            c.querySelectorAll(sel).forEach(function(e){
              e.title = text; e.setAttribute('aria-label', text);
            });
          }
          label('.leaflet-control-zoom-in', t.zoom_in);
          label('.leaflet-control-zoom-out', t.zoom_out);
          label('.leaflet-control-layers-toggle', t.layers);
          if (map.attributionControl) {
            map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
            label('.leaflet-control-attribution a[href="https://leafletjs.com"]', t.leaflet);
          }
          map.on('popupopen', function(e){
            var b = e.popup.getElement().querySelector('.leaflet-popup-close-button');
            if (b) { b.title = t.close; b.setAttribute('aria-label', t.close); }
          });
        })({{ this._parent.get_name() }}, {{ this.texts|tojson }});
        {% endmacro %}
        """
    )

    #: written after every layer and layer control (see maps._render)
    _lp_last = True

    def __init__(self, texts: dict[str, str], scale: bool = True) -> None:
        super().__init__()
        self._name = "Localise"
        self.texts, self.scale = texts, scale


class ReadyFlag(MacroElement):
    """Sets ``window.lpStats`` (feature count per layer) and ``window.lpMapReady``.

    Added last, its script runs after every layer has been built: tests and embedding
    pages can wait for it. The layer control stays folded on every width: open, it hid
    the east of the landscape and the zones' popups (it opens on a tap or hover).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(){
          window.lpStats = {layers: {{ this.stats|tojson }}};
          window.lpReadyMs = performance.now();
          window.lpMapReady = true;
        })();
        {% endmacro %}
        """
    )

    #: written last, after every layer, the layer control and Localise (maps._render)
    _lp_last = True

    def __init__(self, stats: dict[str, int], control: Any = None) -> None:
        super().__init__()
        self._name = "ReadyFlag"
        self.stats, self.control = stats, control
