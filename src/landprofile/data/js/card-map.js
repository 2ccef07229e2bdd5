/* landprofile: the card's map renderer.
 *
 * Draws the map described by the JSON block #lp-map-data (written by
 * landprofile.maps.spec from the card's folium map). This script holds no data: it is
 * the same for every card of a landprofile version, so the card's Content-Security-
 * Policy allows it, Leaflet and markercluster by hash, and nothing else can run. All
 * text (popups, layer names) is set as text, never parsed as HTML.
 */
(function () {
  "use strict";
  var spec = JSON.parse(document.getElementById("lp-map-data").textContent);
  var t = spec.texts || {};
  var map = L.map("lp-map", {maxZoom: spec.maxZoom || 19, zoomControl: true});
  if (spec.tiles && spec.tiles.url) {
    L.tileLayer(spec.tiles.url, {attribution: spec.tiles.attr || ""}).addTo(map);
  } else if (spec.tiles && spec.tiles.embedded) {
    var T = spec.tiles.embedded;
    var Grid = L.GridLayer.extend({
      createTile: function (c) {
        var img = document.createElement("img");
        var k = c.z + "/" + c.x + "/" + c.y;
        if (T[k]) { img.src = T[k]; }
        return img;
      }
    });
    new Grid({minZoom: spec.tiles.minZoom, maxNativeZoom: spec.tiles.maxZoom}).addTo(map);
  }
  var popupOptions = {minWidth: 220, maxWidth: 300, maxHeight: 240};
  function popup(layer, text) {
    if (!text) { return; }
    var el = document.createElement("div");
    el.className = "lp-pop";
    el.textContent = text;
    layer.bindPopup(el, popupOptions);
  }
  function geojson(it) {
    var interactive = it.interactive !== false;
    return L.geoJSON(it.data, {
      interactive: interactive,
      style: function (f) { return f.properties.s || {}; },
      pointToLayer: function (f, ll) {
        var o = Object.assign({radius: it.radius || 4, interactive: interactive}, f.properties.s || {});
        return L.circleMarker(ll, o);
      },
      onEachFeature: function (f, layer) { if (interactive) { popup(layer, f.properties.t); } }
    });
  }
  function cluster(it) {
    var group = L.markerClusterGroup({chunkedLoading: true});
    group.addLayers(it.rows.map(function (r) {
      var m = L.circleMarker([r[0], r[1]], it.style || {});
      popup(m, r[2]);
      return m;
    }));
    return group;
  }
  var overlays = [];
  spec.groups.forEach(function (g) {
    var fg = L.featureGroup();
    g.items.forEach(function (it) {
      if (it.type === "geojson") { geojson(it).addTo(fg); }
      else if (it.type === "cluster") { cluster(it).addTo(fg); }
      else if (it.type === "image") {
        L.imageOverlay(it.url, it.bounds, {opacity: it.opacity}).addTo(fg);
      }
    });
    if (g.show) { fg.addTo(map); }
    if (g.control) { overlays.push([g.name, fg]); }
  });
  if (spec.layerControl) {
    var entries = {};
    overlays.forEach(function (o) {
      var span = document.createElement("span");
      span.textContent = o[0];  // Leaflet reads layer names as HTML: give it escaped text
      entries[span.outerHTML] = o[1];
    });
    L.control.layers(null, entries, {collapsed: true}).addTo(map);
  }
  if (spec.scale) { L.control.scale({imperial: false}).addTo(map); }
  if (spec.bounds) { map.fitBounds(spec.bounds); }
  var c = map.getContainer();
  function label(sel, text) {
    if (!text) { return; }
    c.querySelectorAll(sel).forEach(function (e) {
      e.title = text;
      e.setAttribute("aria-label", text);
    });
  }
  label(".leaflet-control-zoom-in", t.zoom_in);
  label(".leaflet-control-zoom-out", t.zoom_out);
  label(".leaflet-control-layers-toggle", t.layers);
  if (map.attributionControl) {
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    label('.leaflet-control-attribution a[href="https://leafletjs.com"]', t.leaflet);
  }
  map.on("popupopen", function (e) {
    var b = e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (b && t.close) { b.title = t.close; b.setAttribute("aria-label", t.close); }
  });
  window.lpMap = map;
  window.lpStats = {layers: spec.stats || {}};
  window.lpReadyMs = performance.now();
  window.lpMapReady = true;
})();
