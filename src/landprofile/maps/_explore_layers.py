"""The layers of the card's map, each drawn onto a folium map with its legend rows.

Context, the user's layers by role, the mining footprint by date, the boundary and the
zoning; each ``add_*`` records what it drew in a :class:`MapLayers`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from html import escape
from typing import Any

import folium
import geopandas as gpd

from landprofile.i18n import strings
from landprofile.maps.context import context_layers
from landprofile.maps.layers import add_vector
from landprofile.maps.styles import STYLES, exclusion_styles, score_color, zone_legend

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
    excl = res.exclusions
    # each rule its own symbol, the same as in QGIS (maps.styles.exclusion_styles)
    by_rule = exclusion_styles(excl["rule"]) if "rule" in excl.columns else {}
    # the rows add_vector draws (it leaves out empty geometries), for the styles to match
    drawn = excl[~excl.geometry.isna() & ~excl.geometry.is_empty]
    out.stats["exclusions"] = add_vector(
        m,
        drawn,
        "exclusions",
        s["exclusions"],
        tol_m=tol_m,
        fields=["label", "area_ha"],
        field_labels=labels,
        lang=lang,
        visible=False,
        feature_styles=[by_rule[str(r)] for r in drawn["rule"]] if by_rule else None,
    )
    if by_rule:
        names = excl["label"] if "label" in excl.columns else excl["rule"]
        for rule, name in dict(
            zip(excl["rule"].astype(str), names.astype(str), strict=True)
        ).items():
            out.legend.append((str(by_rule[rule]["fillColor"]), f"{s['exclusions']} · {name}"))
    else:
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
