"""The landscape profile card: one self-contained HTML file, and a printable static card."""

from __future__ import annotations

import base64
import sqlite3
import warnings
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landprofile._atomic import atomic_path
from landprofile.boundary.admin import detect_admin_fields
from landprofile.errors import InvalidParameterError, SourceNotFoundError
from landprofile.geodesy import densify_to_lonlat, geodesic_area_perimeter_m
from landprofile.i18n import describe_provenance, fmt_number, strings
from landprofile.legend import GROUPS, load_legend
from landprofile.profile.profile import Profile
from landprofile.profilecard import mapdata
from landprofile.profilecard.inputs import (
    NARRATIVE_FIELDS,
    Photo,
    load_narrative,
    load_scorecard,
    questions,
)
from landprofile.raster import read_raster
from landprofile.vector import read_vector

__all__ = ["Card", "card"]

_STYLES = {
    "boundary": {"color": "#111111", "weight": 3, "fill": False},
    "sites": {
        "color": "#b35806",
        "fillColor": "#f1a340",
        "fillOpacity": 0.8,
        "weight": 1,
        "radius": 5,
    },
    "concessions": {"color": "#7b3294", "fillColor": "#c2a5cf", "fillOpacity": 0.25, "weight": 1},
    "protected": {"color": "#1b7837", "fillColor": "#5aae61", "fillOpacity": 0.25, "weight": 1},
    "rivers": {"color": "#2166ac", "weight": 2},
    "water": {"color": "#2166ac", "fillColor": "#67a9cf", "fillOpacity": 0.5, "weight": 1},
    "roads": {"color": "#636363", "weight": 1.5},
    "settlements": {
        "color": "#000000",
        "fillColor": "#ffffff",
        "fillOpacity": 1,
        "weight": 1,
        "radius": 4,
    },
    "exclusions": {"color": "#d7191c", "fillColor": "#d7191c", "fillOpacity": 0.15, "weight": 0.5},
}
_RANK_COLORS = ["#006837", "#1a9850", "#66bd63", "#a6d96a", "#d9ef8b"]


class Card:
    """A rendered landscape profile card.

    ``save(path)`` writes the self-contained HTML, ``to_pdf`` / ``to_png`` a static card,
    and in Jupyter the card shows itself inline.
    """

    def __init__(self, html: str, static: dict[str, Any]) -> None:
        self.html = html
        self._static = static

    def save(self, path: str | Path) -> Path:
        """Write the HTML card atomically; returns the path."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(self.html, encoding="utf-8")
        return path

    def to_png(self, path: str | Path, *, dpi: int = 150) -> Path:
        """Write a static PNG card (matplotlib) atomically."""
        return self._static_save(path, "png", dpi)

    def to_pdf(self, path: str | Path) -> Path:
        """Write a printable one-page PDF card (matplotlib, A4) atomically."""
        return self._static_save(path, "pdf", 150)

    def _static_save(self, path: str | Path, fmt: str, dpi: int) -> Path:
        from landprofile.profilecard.static import render_static

        path = Path(path)
        with atomic_path(path) as tmp:
            render_static(self._static, tmp, fmt=fmt, dpi=dpi)
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the card's page (scripts, styles) apart from the notebook's.
        return (
            f'<iframe srcdoc="{escape(self.html, quote=True)}" '
            'style="width:100%;height:900px;border:1px solid #ccc"></iframe>'
        )


# ----------------------------------------------------------------------------- assets


def _assets() -> tuple[str, str]:
    """Leaflet 1.9.3 and markercluster 1.1.0 CSS and JS, to inline in the card.

    They come from folium-offline, which bundles the exact files folium 0.20 links to, so
    nothing is fetched when the card is viewed.
    """
    import offlinefolium.elements as fo

    res = fo._res
    css = [
        res["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"],
        res["https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css"],
        res[
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
            "MarkerCluster.Default.css"
        ],
    ]
    js = [
        res["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"],
        res[
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
            "leaflet.markercluster.js"
        ],
    ]
    return "\n".join(css), "\n".join(js).replace("</script", "<\\/script")


_CARD_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;
color:#222;background:#fafafa}
header{background:#1b4332;color:#fff;padding:14px 24px}header h1{margin:0;font-size:1.5em}
main{max-width:1100px;margin:0 auto;padding:16px}
#lp-map{height:560px;border:1px solid #999;background:#eef2ee}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:14px 0;padding:10px 16px}
h2{font-size:1.15em;color:#1b4332;border-bottom:1px solid #e2e2e2;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:.92em}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f6f4}td.num{text-align:right;white-space:nowrap}
.todo{color:#a50026;font-style:italic;border:1px dashed #a50026;padding:4px 8px;
display:inline-block}
.swatch{display:inline-block;width:12px;height:12px;border:1px solid #555;margin-right:6px;
vertical-align:middle}
.lp-pop{white-space:pre-line;max-width:320px;font-size:.9em}
.photos{display:flex;flex-wrap:wrap;gap:12px}.photos figure{margin:0;max-width:320px}
.photos img{max-width:320px;max-height:240px;border:1px solid #ccc}
.narr{white-space:pre-line}
footer{font-size:.8em;color:#555;margin:16px 0}
.legend{font-size:.85em;columns:2}
@media print{#lp-map{height:420px}header{background:#fff;color:#000}}
"""

_CARD_JS = r"""
(function(){
  var D = JSON.parse(document.getElementById('lp-data').textContent);
  // markercluster needs a maxZoom, which no tile layer sets on an offline map
  var map = L.map('lp-map', {zoomSnap: 0.25, maxZoom: 19, minZoom: 2});
  var stats = {layers: {}};
  function pop(layer, text){
    if(!text){return;}
    var el = document.createElement('div'); el.className = 'lp-pop';
    el.textContent = text;  // text, never HTML: attribute values cannot inject markup
    layer.bindPopup(el);
  }
  if (D.basemap && D.basemap.tiles){
    var T = D.basemap.tiles;
    var Grid = L.GridLayer.extend({createTile: function(c){
      var img = document.createElement('img'); var k = c.z + '/' + c.x + '/' + c.y;
      if (T[k]) { img.src = T[k]; } return img; }});
    new Grid({minZoom: D.basemap.minzoom, maxNativeZoom: D.basemap.maxzoom}).addTo(map);
  } else if (D.basemap && D.basemap.url){
    L.tileLayer(D.basemap.url, {attribution: D.basemap.attribution || ''}).addTo(map);
  }
  var overlays = {};
  if (D.image){
    var im = L.imageOverlay(D.image.url, D.image.bounds, {opacity: 0.75});
    im.addTo(map); overlays[D.image.label] = im; stats.layers[D.image.key] = 1;
  }
  D.layers.forEach(function(Ly){
    var grp;
    if (Ly.cluster){
      grp = L.markerClusterGroup({chunkedLoading: true});
      var ms = Ly.points.map(function(p){
        var m = L.circleMarker([p[1], p[0]], Ly.style); pop(m, p[2]); return m; });
      grp.addLayers(ms);
    } else {
      grp = L.geoJSON(Ly.data, {
        style: function(f){ return f.properties.s ? Object.assign({}, Ly.style, f.properties.s)
                                                 : Ly.style; },
        pointToLayer: function(f, ll){ return L.circleMarker(ll, Ly.style); },
        onEachFeature: function(f, l){ pop(l, f.properties.p); }
      });
    }
    if (Ly.visible){ grp.addTo(map); }
    overlays[Ly.label] = grp; stats.layers[Ly.key] = Ly.count;
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  map.fitBounds(D.bounds);
  window.lpStats = stats;
  window.lpReadyMs = performance.now();
  window.lpMapReady = true;
})();
"""


# ----------------------------------------------------------------------------- helpers


def _t(s: dict[str, str], key: str) -> str:
    return escape(s.get(key, key))


def _todo(s: dict[str, str]) -> str:
    return f'<span class="todo">{_t(s, "to_complete")}</span>'


def _row(label: str, value_html: str) -> str:
    return f"<tr><th>{label}</th><td>{value_html}</td></tr>"


def _bars_svg(
    items: list[tuple[str, float, str]], lang: str, *, max_value: float = 1.0, percent: bool = True
) -> str:
    """A horizontal bar chart as inline SVG (labels escaped, no script)."""
    h = 22 * len(items) + 10
    rows = []
    for i, (label, value, color) in enumerate(items):
        w = 0 if not max_value else 300 * max(0.0, value) / max_value
        y = 5 + 22 * i
        txt = (fmt_number(100 * value, lang, 1) + " %") if percent else fmt_number(value, lang, 1)
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label)}</text>'
            f'<rect x="260" y="{y + 2}" width="{w:.1f}" height="16" fill="{escape(color)}"'
            f' stroke="#555" stroke-width="0.5"/>'
            f'<text x="{265 + w:.1f}" y="{y + 14}" font-size="12">{escape(txt)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{h}" role="img">'
        + "".join(rows)
        + "</svg>"
    )


def _admin_lines(admin: Any, ls_geom_lonlat: Any, lang: str) -> list[tuple[str, str]]:
    out = []
    layers = admin if isinstance(admin, list | tuple) else [admin]
    area_total = geodesic_area_perimeter_m(ls_geom_lonlat)[0]
    for layer in layers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = mapdata.to_lonlat(read_vector(layer))
        names, _ = detect_admin_fields([c for c in gdf.columns if c != gdf.geometry.name])
        field = names[0] if names else None
        hits = gdf[gdf.intersects(ls_geom_lonlat)]
        parts = []
        for _, r in hits.iterrows():
            inter = shapely.intersection(r.geometry, ls_geom_lonlat)
            share = geodesic_area_perimeter_m(densify_to_lonlat(inter, gdf.crs))[0] / area_total
            label = str(r[field]) if field else str(r.name)
            parts.append((share, label))
        # units that only touch the landscape along a border are not "intersected"
        parts = sorted((p for p in parts if p[0] >= 5e-4), reverse=True)
        text = ", ".join(f"{label} ({fmt_number(100 * sh, lang, 1)} %)" for sh, label in parts)
        out.append((str(gdf.attrs.get("landprofile_source", "")), text))
    return out


def _mbtiles(
    path: Path, bounds: tuple[float, float, float, float], max_tiles: int = 3000
) -> dict[str, Any]:
    """Tiles of a local MBTiles file covering the landscape, as data URIs."""
    import mercantile  # optional; only for MBTiles basemaps

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        fmt = meta.get("format", "png")
        zmin = int(meta.get("minzoom", 0))
        zmax = int(meta.get("maxzoom", 14))
        tiles: dict[str, str] = {}
        for z in range(zmin, zmax + 1):
            want = list(mercantile.tiles(*bounds, zooms=[z]))
            if len(tiles) + len(want) > max_tiles:
                zmax = z - 1
                break
            for t in want:
                row = con.execute(
                    "SELECT tile_data FROM tiles WHERE zoom_level=? AND "
                    "tile_column=? AND tile_row=?",
                    (z, t.x, (1 << z) - 1 - t.y),
                ).fetchone()
                if row:
                    tiles[f"{z}/{t.x}/{t.y}"] = f"data:image/{fmt};base64," + base64.b64encode(
                        row[0]
                    ).decode("ascii")
    finally:
        con.close()
    return {
        "tiles": tiles,
        "minzoom": zmin,
        "maxzoom": max(zmin, zmax),
        "attribution": meta.get("attribution", ""),
    }


# ----------------------------------------------------------------------------- card()


def card(
    profile: Profile,
    *,
    zoning: Any = None,
    narrative: Any = None,
    scorecard: Any = None,
    lang: str = "fr",
    basemap: Any = None,
    layers: dict[str, Any] | None = None,
    land_cover: Any = None,
    legend: Any = None,
    admin: Any = None,
    scorecard_questions: Any = None,
) -> Card:
    """Build the landscape profile card.

    Parameters
    ----------
    profile
        The :class:`~landprofile.Profile` (size, boundary, land cover, population, ...).
    zoning
        A :class:`~landprofile.zoning.ZoningResult`: adds the ASM section and the zones,
        exclusions and conflicts to the map.
    narrative
        The team's narrative fields and photos (YAML or TOML file, or a mapping).
    scorecard
        Scores of the Landscape Performance Scorecard (YAML / TOML / mapping).
    lang
        ``"fr"``, ``"en"`` or ``"es"``.
    basemap
        ``None`` (a plain background: works offline); a tile URL template (the card then
        loads tiles from that server); or a local ``.mbtiles`` file (tiles embedded).
    layers
        Map layers by role: ``sites``, ``concessions``, ``protected``, ``rivers``,
        ``water``, ``roads``, ``settlements``.
    land_cover, legend
        Land cover raster shown as an image overlay (and its legend).
    admin
        Admin layer(s) for the Location field (units the landscape intersects).
    """
    from landprofile import __version__

    s = strings(lang)
    if zoning is not None:
        # explanations, rule and conflict names in the card's language
        zoning = zoning.in_language(lang)
    ls = profile.landscape
    geom_ll = ls.geometry_lonlat
    tol_m = mapdata.display_tolerance_m(ls.bounds_lonlat)
    fields, photos = load_narrative(narrative)
    scores = (
        load_scorecard(scorecard, extra_questions=scorecard_questions)
        if scorecard is not None
        else {}
    )
    name = ls.name
    title = f"{s['title']} : {name}" if lang == "fr" else f"{s['title']}: {name}"

    # ---- map data
    map_layers: list[dict[str, Any]] = []
    bgdf = gpd.GeoDataFrame({"name": [name]}, geometry=[geom_ll], crs="EPSG:4326")
    map_layers.append(_layer(bgdf, "boundary", s, tol_m, ["name"]))
    legend_rows: list[tuple[str, str]] = []
    for role in ("protected", "concessions", "water", "rivers", "roads", "settlements", "sites"):
        src = (layers or {}).get(role)
        if src is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = read_vector(src)
        map_layers.append(_layer(gdf, role, s, tol_m, None))
        legend_rows.append((_STYLES[role].get("fillColor", _STYLES[role]["color"]), s[role]))
    if zoning is not None:
        ex = zoning.exclusions[["label", "area_ha", "geometry"]]
        map_layers.append(_layer(ex, "exclusions", s, tol_m, ["label", "area_ha"], visible=False))
        legend_rows.append((_STYLES["exclusions"]["fillColor"], s["exclusions"]))
        zones = zoning.zones
        zl = _layer(
            zones[["zone_id", "rank", "area_ha", "score", "why", "geometry"]],
            "zones",
            s,
            tol_m,
            ["zone_id", "rank", "area_ha", "score", "why"],
        )
        if not zl["cluster"]:
            for f, rank in zip(zl["data"]["features"], zones["rank"], strict=True):
                c = _RANK_COLORS[min(int(rank) - 1, len(_RANK_COLORS) - 1)]
                f["properties"]["s"] = {"color": c, "fillColor": c}
        zl["style"] = {
            "color": "#006837",
            "fillColor": "#1a9850",
            "fillOpacity": 0.55,
            "weight": 1.5,
        }
        map_layers.append(zl)
        legend_rows.append(("#1a9850", s["zones"]))
    image = None
    lc_legend: list[tuple[str, str]] = []
    if land_cover is not None:
        leg = load_legend(
            legend
            or (profile.land_cover.attrs.get("legend") if profile.land_cover is not None else None)
            or "esa_worldcover_v200"
        )
        image, entries = mapdata.land_cover_overlay(
            read_raster(land_cover), leg, geom_ll, s["land_cover"]
        )
        image["label"] = escape(s["land_cover"])
        image["key"] = "land_cover"
        by_value = leg.by_value()
        lc_legend = [(color, by_value[v].name(lang)) for color, v in entries]
    w, so, e, n = ls.bounds_lonlat
    bm = None
    if basemap is not None:
        b = str(basemap)
        if b.startswith(("http://", "https://")):
            bm = {"url": b}
        elif b.lower().endswith(".mbtiles"):
            if not Path(b).exists():
                raise SourceNotFoundError(f"basemap file not found: '{b}'")
            bm = _mbtiles(Path(b), (w, so, e, n))
        else:
            raise InvalidParameterError(
                f"basemap {basemap!r}: give a tile URL (https://.../{{z}}/{{x}}/{{y}}.png) or a "
                "local .mbtiles file (PMTiles: convert to MBTiles first, e.g. with pmtiles)"
            )
    data = {"layers": map_layers, "image": image, "bounds": [[so, w], [n, e]], "basemap": bm}

    # ---- fields
    html_fields = _fields_html(profile, s, lang, admin)
    eco = _ecosystems_html(profile, s, lang)
    narr = "".join(
        f"<tr><th>{_t(s, k)}</th><td>"
        + (f'<div class="narr">{escape(fields[k])}</div>' if fields.get(k) else _todo(s))
        + "</td></tr>"
        for k in NARRATIVE_FIELDS
    )
    photos_html = _photos_html(photos, s)
    asm = _asm_html(zoning, s, lang)
    score_html = (
        _scorecard_html(scores, s, lang, scorecard_questions) if scorecard is not None else ""
    )
    sources = _sources_html(profile, s, narrative_sources=_narr_sources(narrative))
    legend_html = "".join(
        f'<div><span class="swatch" style="background:{escape(c)}"></span>{escape(t)}</div>'
        for c, t in legend_rows + lc_legend
    )
    css_assets, js_assets = _assets()
    csp_img = "data:" + (" https:" if bm and "url" in bm else "")
    # Nothing may load from the network (unless a tile server was named): the card is
    # offline by construction, and injected markup could not fetch anything either.
    csp = (
        f"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        f"img-src {csp_img}; font-src data:"
    )
    now = datetime.now(UTC).strftime("%Y-%m-%d")
    footer = (
        escape(s["generated"].format(version=__version__, date=now))
        + " · "
        + escape(s["simplified"].format(tol=fmt_number(tol_m, lang)))
    )
    html = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{escape(title)}</title>
<style>{css_assets}</style>
<style>{_CARD_CSS}</style>
</head>
<body>
<header><h1>{escape(title)}</h1></header>
<main>
<section id="map-section"><h2>{_t(s, "map")}</h2><div id="lp-map"></div>
<div class="legend"><b>{_t(s, "legend")}</b>{legend_html}</div></section>
<section id="profile"><table>{html_fields}</table></section>
<section id="ecosystems"><h2>{_t(s, "ecosystems")}</h2>{eco}</section>
<section id="narrative"><table>{narr}</table></section>
<section id="photos"><h2>{_t(s, "photos")}</h2>{photos_html}</section>
<section id="asm"><h2>{_t(s, "asm")}</h2>{asm}</section>
{score_html}
<section id="sources"><h2>{_t(s, "sources")}</h2>{sources}</section>
<footer>{footer}</footer>
</main>
<script>{js_assets}</script>
<script type="application/json" id="lp-data">{mapdata.safe_json(data)}</script>
<script>{_CARD_JS}</script>
</body>
</html>
"""
    static = {
        "title": title,
        "profile": profile,
        "zoning": zoning,
        "lang": lang,
        "fields": fields,
        "strings": s,
        "layers": layers or {},
        "scores": scores,
    }
    return Card(html, static)


def _layer(
    gdf: gpd.GeoDataFrame,
    key: str,
    s: dict[str, str],
    tol_m: float,
    fields: list[str] | None,
    visible: bool = True,
) -> dict[str, Any]:
    payload = mapdata.layer_payload(
        gdf,
        name=s.get(key, key),
        style=_STYLES.get(key, {}),
        tol_m=tol_m,
        fields=fields,
        visible=visible,
    )
    payload["key"] = key
    # Leaflet's layer control inserts names as HTML: give it escaped text
    payload["label"] = escape(s.get(key, key))
    return payload


def _fields_html(profile: Profile, s: dict[str, str], lang: str, admin: Any) -> str:
    ls = profile.landscape
    lon, lat = ls.centroid_lonlat
    w, so, e, n = ls.bounds_lonlat
    loc = [
        f"{_t(s, 'centroid')}: {fmt_number(lat, lang, 4)}°, {fmt_number(lon, lang, 4)}°",
        f"{_t(s, 'bbox')}: " + ", ".join(fmt_number(v, lang, 4) + "°" for v in (w, so, e, n)),
    ]
    if admin is not None:
        for label, text in _admin_lines(admin, ls.geometry_lonlat, lang):
            loc.insert(0, f"{_t(s, 'admin_units')} ({escape(Path(label).name)}): {escape(text)}")
    size = (
        f"{fmt_number(ls.area_ha, lang)} ha · {fmt_number(ls.area_km2, lang, 1)} km² · "
        f"{_t(s, 'perimeter')} {fmt_number(ls.perimeter_km, lang, 1)} km<br>"
        f"{_t(s, 'scale_' + ls.scale)}"
    )
    method = _t(s, "method_" + ls.provenance.method)
    bdef = f"<b>{method}</b> — {escape(describe_provenance(ls.provenance, lang))}"
    if ls.provenance.notes:
        bdef += "<br><small>" + "<br>".join(escape(x) for x in ls.provenance.notes) + "</small>"
    if profile.population is not None:
        p = profile.population
        src = next((x for x in profile.sources if x.get("role") == "population"), {})
        pop = (
            f"{fmt_number(p['population'], lang)} {_t(s, 'persons')} · "
            f"{fmt_number(p['density_per_km2'], lang, 1)} {_t(s, 'per_km2')}"
            f"<br><small>{escape(Path(str(src.get('source', ''))).name)}"
            + (f" · {escape(str(src['year']))}" if src.get("year") else "")
            + "</small>"
        )
    else:
        pop = f"<i>{_t(s, 'no_population')}</i>"
    return "".join(
        [
            _row(_t(s, "location"), "<br>".join(loc)),
            _row(_t(s, "size"), size),
            _row(_t(s, "boundary_definition"), bdef),
            _row(_t(s, "population"), pop),
        ]
    )


def _ecosystems_html(profile: Profile, s: dict[str, str], lang: str) -> str:
    if profile.land_cover is None:
        return f"<p><i>{_t(s, 'no_land_cover')}</i></p>"
    groups = profile.groups()
    items = [
        (GROUPS[g].name(lang), float(sh), GROUPS[g].color)
        for g, sh in zip(groups["group"], groups["share"], strict=True)
    ]
    chart = _bars_svg(items, lang)
    lc = profile.land_cover
    cls = lc[lc["kind"] == "class"].sort_values("area_ha", ascending=False)
    from landprofile.legend import load_legend as _ll

    try:
        leg = _ll(lc.attrs.get("legend") or "esa_worldcover_v200").by_value()
    except Exception:  # a user legend no longer on disk: keep the stored names
        leg = {}
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{escape(str(r.color))}"></span>'
        f"{escape(leg[int(r.value)].name(lang) if int(r.value) in leg else str(r.name))}</td>"
        f"<td>{escape(GROUPS[r.group].name(lang))}</td>"
        f'<td class="num">{fmt_number(r.area_ha, lang)} ha</td>'
        f'<td class="num">{fmt_number(100 * r.share, lang, 1)} %</td></tr>'
        for r in cls.itertuples()
    )
    other = lc[lc["kind"] != "class"]
    rows += "".join(
        f"<tr><td><i>{escape(str(r.name))}</i></td><td></td>"
        f'<td class="num">{fmt_number(r.area_ha, lang)} ha</td><td></td></tr>'
        for r in other.itertuples()
    )
    nat = profile.natural_share or 0.0
    return (
        f"<p><b>{_t(s, 'natural_share')}: {fmt_number(100 * nat, lang, 1)} %</b></p>"
        + chart
        + f"<table><tr><th>{_t(s, 'class')}</th><th>{_t(s, 'group')}</th>"
        f"<th>{_t(s, 'area')}</th><th>{_t(s, 'share')}</th></tr>{rows}</table>"
    )


def _photos_html(photos: list[Photo], s: dict[str, str]) -> str:
    if not photos:
        return f"<p>{_todo(s)}</p>"
    figs = "".join(
        f'<figure><img alt="{escape(p.caption or p.name)}" '
        f'src="data:{p.mime};base64,{p.data_b64}"><figcaption>{escape(p.caption)}'
        f"<br><small>{escape(p.name)}</small></figcaption></figure>"
        for p in photos
    )
    return f'<div class="photos">{figs}</div>'


def _asm_html(zoning: Any, s: dict[str, str], lang: str) -> str:
    if zoning is None:
        return f"<p><i>{_t(s, 'no_zoning')}</i></p>"
    sm = zoning.summary
    head = (
        "<table>"
        + _row(_t(s, "n_zones"), fmt_number(sm["n_zones"], lang))
        + _row(
            _t(s, "candidate_area"),
            f"{fmt_number(sm['candidate_ha'], lang)} ha "
            f"({fmt_number(100 * sm['candidate_share'], lang, 1)} %)",
        )
        + _row(_t(s, "excluded_area"), f"{fmt_number(sm['excluded_ha'], lang)} ha")
        + _row(_t(s, "sites"), fmt_number(sm["n_sites"], lang))
        + _row(_t(s, "n_sites_conflict"), fmt_number(sm["n_sites_in_conflict"], lang))
        + _row(_t(s, "rule"), escape(sm["rules"]))
        + "</table>"
    )
    z = zoning.zones.head(20)
    rows = "".join(
        f"<tr><td>{escape(str(r.zone_id))}</td><td class='num'>{int(r.rank)}</td>"
        f"<td class='num'>{fmt_number(r.area_ha, lang)} ha</td>"
        f"<td class='num'>{fmt_number(r.score, lang, 2)}</td><td>{escape(str(r.why))}</td></tr>"
        for r in z.itertuples()
    )
    zones = (
        f"<h3>{_t(s, 'zones')}</h3><table><tr><th>{_t(s, 'zone')}</th>"
        f"<th>{_t(s, 'rank')}</th><th>{_t(s, 'area')}</th><th>{_t(s, 'score')}</th>"
        f"<th>{_t(s, 'why')}</th></tr>{rows}</table>"
    )
    c = zoning.conflicts
    id_col = sm.get("site_id_field", "site_id")
    id_col = id_col if id_col in c.columns else f"site_{id_col}"
    crow = "".join(
        f"<tr><td>{escape(str(site))}</td><td>{escape(str(kind))}</td>"
        f"<td>{escape(str(rule))}</td><td class='num'>{fmt_number(ha, lang, 2)} ha</td></tr>"
        for site, kind, rule, ha in zip(
            c[id_col].head(50) if len(c) else [],
            c["conflict_label"].head(50) if len(c) else [],
            c["rule_label"].head(50) if len(c) else [],
            c["overlap_ha"].head(50) if len(c) else [],
            strict=True,
        )
    )
    conflicts = (
        f"<h3>{_t(s, 'conflicts')} ({fmt_number(len(c), lang)})</h3><table><tr>"
        f"<th>{_t(s, 'site')}</th><th>{_t(s, 'conflict')}</th><th>{_t(s, 'rule')}</th>"
        f"<th>{_t(s, 'overlap')}</th></tr>{crow}</table>"
    )
    return head + zones + conflicts + f"<p><small>{_t(s, 'zoning_note')}</small></p>"


def _scorecard_html(scores: dict[str, float], s: dict[str, str], lang: str, extra: Any) -> str:
    parts = [f'<section id="scorecard"><h2>{_t(s, "scorecard")}</h2>']
    for goal in questions(extra):
        gname = goal["name"].get(lang) or goal["name"]["en"]
        stmt = goal.get("statement", {})
        parts.append(
            f"<h3>{escape(gname)}</h3><p><i>{escape(stmt.get(lang) or stmt.get('en', ''))}</i></p>"
        )
        items, rows = [], []
        for q in goal["questions"]:
            sc = scores.get(q["id"])
            text = q.get(lang) or q["en"]
            rows.append(
                f"<tr><td>{escape(q['id'])}</td><td>{escape(text)}</td><td class='num'>"
                + (fmt_number(sc, lang, 1) if sc is not None else f"<i>{_t(s, 'not_scored')}</i>")
                + "</td></tr>"
            )
            items.append((q["id"], sc or 0.0, "#2b8cbe"))
        scored = [scores[q["id"]] for q in goal["questions"] if q["id"] in scores]
        avg = fmt_number(float(np.mean(scored)), lang, 2) if scored else "–"
        parts.append(_bars_svg(items, lang, max_value=5.0, percent=False))
        parts.append(
            f"<table><tr><th>{_t(s, 'question')}</th><th></th><th>{_t(s, 'score')}"
            f"</th></tr>{''.join(rows)}<tr><th></th><th>{_t(s, 'average')}</th>"
            f"<td class='num'>{avg}</td></tr></table>"
        )
    parts.append("</section>")
    return "".join(parts)


def _narr_sources(narrative: Any) -> list[dict[str, Any]]:
    if narrative is None:
        return []
    from landprofile.profilecard.inputs import _read_mapping

    data, _ = _read_mapping(narrative, "narrative")
    return list(data.get("sources") or [])


def _sources_html(profile: Profile, s: dict[str, str], narrative_sources: list[dict]) -> str:
    rows = []
    for src in list(profile.sources) + narrative_sources:
        rows.append(
            f"<tr><td>{escape(str(src.get('role', '')))}</td>"
            f"<td>{escape(str(src.get('name') or Path(str(src.get('source', ''))).name))}"
            f"</td><td>{escape(str(src.get('date', '') or src.get('year', '')))}</td>"
            f"<td>{escape(str(src.get('attribution', '')))}</td></tr>"
        )
    rows.append(
        f"<tr><td>{_t(s, 'boundary')}</td><td>{escape(profile.landscape.provenance.source)}"
        f"</td><td>{escape(profile.landscape.provenance.created)}</td><td></td></tr>"
    )
    return (
        f"<table><tr><th>{_t(s, 'role')}</th><th>{_t(s, 'dataset')}</th>"
        f"<th>{_t(s, 'created')}</th><th>{_t(s, 'attribution')}</th></tr>"
        + "".join(rows)
        + "</table>"
    )
