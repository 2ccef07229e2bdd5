"""The card's sections as plain data: Python computes and formats, templates draw.

Every value here is text or numbers; the templates (``landprofile/data/templates/card``)
escape all of it (jinja2 autoescape).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from landprofile.boundary.admin import detect_admin_fields
from landprofile.geodesy import densify_to_lonlat, geodesic_area_perimeter_m
from landprofile.i18n import describe_provenance, fmt_number, strings
from landprofile.i18n import percent as pct
from landprofile.legend import GROUPS
from landprofile.profilecard._sections_asm import asm
from landprofile.profilecard.inputs import questions
from landprofile.vector import read_vector

__all__ = ["asm", "bars", "ecosystems", "location", "scorecard", "sources"]


def bars(
    items: list[tuple[str, float | None, str]],
    lang: str,
    *,
    max_value: float = 1.0,
    percent: bool = True,
    missing: str = "–",
) -> dict[str, Any]:
    """A horizontal bar chart: one bar per (label, value, colour).

    Bars are widths in % of the chart (HTML, so they scale with the page and print);
    a value of ``None`` draws no bar and says ``missing`` (an unrated item is not a 0).
    """
    out = []
    for label, value, color in items:
        if value is None:
            row = {"label": label, "width": 0.0, "color": color, "text": missing, "none": True}
            out.append(row)
            continue
        width = 0.0 if not max_value else 100 * max(0.0, value) / max_value
        text = pct(value, lang) if percent else fmt_number(value, lang, 1)
        width = min(width, 100.0)
        out.append({"label": label, "width": width, "color": color, "text": text, "none": False})
    return {"bars": out}


def _name(path: Any) -> str:
    """A source as the user sees it: the file name, never a path of this machine."""
    text = str(path)
    return Path(text.split(" (")[0]).name if ("/" in text or "\\" in text) else text


def location(profile: Any, lang: str, admin: Any, narrative_location: str) -> dict[str, Any]:
    """Where the landscape is: the team's words, the admin units it covers, centre, bounds."""
    ls = profile.landscape
    lon, lat = ls.centroid_lonlat
    w, so, e, n = ls.bounds_lonlat
    return {
        "text": narrative_location,
        "admin": _admin_lines(admin, ls.geometry_lonlat, lang) if admin is not None else [],
        "centroid": f"{fmt_number(lat, lang, 4)}°, {fmt_number(lon, lang, 4)}°",
        "bbox": ", ".join(fmt_number(v, lang, 4) + "°" for v in (w, so, e, n)),
    }


def _admin_lines(admin: Any, ls_geom_lonlat: Any, lang: str) -> list[tuple[str, str]]:
    from landprofile.maps.features import to_lonlat

    out = []
    layers = admin if isinstance(admin, list | tuple) else [admin]
    area_total = geodesic_area_perimeter_m(ls_geom_lonlat)[0]
    for layer in layers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = to_lonlat(read_vector(layer))
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        names, _ = detect_admin_fields(cols)
        # country layers in the card's language when they carry it (Natural Earth)
        field = {"fr": "NAME_FR", "es": "NAME_ES"}.get(lang)
        field = field if field in cols else (names[0] if names else None)
        parts = []
        for _, r in gdf[gdf.intersects(ls_geom_lonlat)].iterrows():
            inter = shapely.intersection(r.geometry, ls_geom_lonlat)
            share = geodesic_area_perimeter_m(densify_to_lonlat(inter, gdf.crs))[0] / area_total
            parts.append((share, str(r[field]) if field else str(r.name)))
        # units that only touch the landscape along a border are not "intersected"
        parts = sorted((p for p in parts if p[0] >= 5e-4), reverse=True)
        text = ", ".join(f"{label} ({pct(sh, lang)})" for sh, label in parts)
        out.append((_name(gdf.attrs.get("landprofile_source", "")), text))
    return out


def size(profile: Any, s: dict[str, str], lang: str) -> dict[str, str]:
    """Area, perimeter and the scale verdict."""
    ls = profile.landscape
    return {
        "area": f"{fmt_number(ls.area_ha, lang)}\u00a0ha",
        "km2": f"{fmt_number(ls.area_km2, lang, 1)}\u00a0km²",
        "perimeter": f"{fmt_number(ls.perimeter_km, lang, 1)}\u00a0km",
        "scale": s["scale_" + ls.scale],
    }


def boundary(profile: Any, s: dict[str, str], lang: str) -> dict[str, Any]:
    """How the boundary was made."""
    prov = profile.landscape.provenance
    return {
        "method": s["method_" + prov.method],
        "text": describe_provenance(prov, lang),
        "notes": list(prov.notes),
    }


def population(profile: Any, lang: str) -> dict[str, str] | None:
    """Approximate population and density, with its source."""
    if profile.population is None:
        return None
    p = profile.population
    src = next((x for x in profile.sources if x.get("role") == "population"), {})
    year = f" · {src['year']}" if src.get("year") else ""
    return {
        "count": fmt_number(p["population"], lang),
        "density": fmt_number(p["density_per_km2"], lang, 1),
        "source": _name(src.get("source", "")) + year,
    }


def ecosystems(profile: Any, lang: str) -> dict[str, Any] | None:
    """Ecosystem groups as bars, land cover classes as a table."""
    from landprofile.legend import load_legend

    if profile.land_cover is None:
        return None
    groups = profile.groups()
    chart = bars(
        [
            (GROUPS[g].name(lang), float(sh), GROUPS[g].color)
            for g, sh in zip(groups["group"], groups["share"], strict=True)
        ],
        lang,
    )
    lc = profile.land_cover
    try:
        leg = load_legend(lc.attrs.get("legend") or "esa_worldcover_v200").by_value()
    except Exception:  # a user legend no longer on disk: keep the stored names
        leg = {}
    rows = []
    for r in lc[lc["kind"] == "class"].sort_values("area_ha", ascending=False).itertuples():
        v = int(r.value)
        rows.append(
            {
                "color": str(r.color),
                "name": leg[v].name(lang) if v in leg else str(r.name),
                "group": GROUPS[r.group].name(lang),
                "area": f"{fmt_number(r.area_ha, lang)}\u00a0ha",
                "share": pct(r.share, lang),
            }
        )
    for r in lc[lc["kind"] != "class"].itertuples():
        rows.append(
            {
                "color": None,
                "name": str(r.name),
                "group": "",
                "area": f"{fmt_number(r.area_ha, lang)}\u00a0ha",
                "share": "",
            }
        )
    nat = profile.natural_share or 0.0
    return {"natural": pct(nat, lang), "chart": chart, "rows": rows}


def scorecard(
    scores: dict[str, float], lang: str, extra: Any, then: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """Each goal's questions, scores, bars and average (and the baseline's, ``then``)."""
    out = []
    for goal in questions(extra):
        rows, items = [], []
        for q in goal["questions"]:
            sc = scores.get(q["id"])
            before = (then or {}).get(q["id"])
            rows.append(
                {
                    "id": q["id"],
                    "text": q.get(lang) or q["en"],
                    "score": fmt_number(sc, lang, 1) if sc is not None else None,
                    "then": fmt_number(before, lang, 1) if before is not None else None,
                }
            )
            items.append((q["id"], sc, "#2b8cbe"))
        scored = [scores[q["id"]] for q in goal["questions"] if q["id"] in scores]
        stmt = goal.get("statement", {})
        out.append(
            {
                "name": goal["name"].get(lang) or goal["name"]["en"],
                "statement": stmt.get(lang) or stmt.get("en", ""),
                "chart": bars(
                    items, lang, max_value=5.0, percent=False, missing=strings(lang)["not_scored"]
                ),
                "rows": rows,
                "average": fmt_number(float(np.mean(scored)), lang, 2) if scored else "–",
                "then_average": _average(then, goal["questions"], lang) if then else None,
            }
        )
    return out


def _average(scores: dict[str, float], qs: list[dict], lang: str) -> str:
    got = [scores[q["id"]] for q in qs if q["id"] in scores]
    return fmt_number(float(np.mean(got)), lang, 2) if got else "–"


def sources(
    profile: Any, layers: dict[str, Any], narrative_sources: list[dict], s: dict[str, str]
) -> list[dict[str, str]]:
    """One row per input (role, file name, date, attribution), in the card's language.

    The profile's own records, the card's map layers and the team's narrative ``sources``
    are merged by role: the narrative adds the name, date and attribution of an input the
    profile used, it does not list it twice.
    """
    rows: dict[str, dict[str, str]] = {}

    def add(role: str, name: str, date: str = "", attribution: str = "") -> None:
        row = rows.setdefault(
            role, {"role": s.get(role, role), "name": "", "date": "", "attribution": ""}
        )
        for key, value in (("name", name), ("date", date), ("attribution", attribution)):
            if value and not row[key]:
                row[key] = value

    prov = profile.landscape.provenance
    add("boundary", _name(prov.source), prov.created[:10])
    for src in profile.sources:
        role = str(src.get("role", "")).removeprefix("layer:")
        add(role, _name(src.get("source", "")), str(src.get("year", "") or ""))
        if src.get("coarse") and role in rows:
            km = fmt_number(float(src.get("cell_m", 0)) / 1000, s.get("lang", "en"), 1)
            rows[role]["note"] = s["coarse_note"].replace("{km}", km)
    for role, src in (layers or {}).items():
        if src is not None and role != "geology":
            label = src[0] if isinstance(src, tuple) else src
            add(role, _name(label) if isinstance(label, str | Path) else s.get(role, role))
    for src in narrative_sources:
        role = str(src.get("role", "")).removeprefix("layer:")
        name = str(src.get("name", ""))
        if role in rows and name and rows[role]["name"] and name != rows[role]["name"]:
            # the team names the dataset: keep the file name beside it
            rows[role]["name"] = f"{name} ({rows[role]['name']})"
            name = ""
        add(role, name, str(src.get("date", "")), str(src.get("attribution", "")))
    # a named source's own citation (CC BY asks for it) where the team gave none
    for src in profile.sources:
        role = str(src.get("role", "")).removeprefix("layer:")
        if role in rows and src.get("citation") and not rows[role]["attribution"]:
            doi = f" doi:{src['doi']}" if src.get("doi") else ""
            rows[role]["attribution"] = f"{src['citation']} ({src.get('licence', '')}){doi}"
    # the card's context layer (borders, towns, rivers) is shipped data with its credits
    add("context", "Natural Earth 1:10m; GeoNames", "", s["context_credit"])
    return [r | {"note": r.get("note", "")} for r in rows.values()]
