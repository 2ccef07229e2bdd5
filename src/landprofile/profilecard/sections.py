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
                "workshop": False,  # a workshop's goals say True (_sections_workshop)
            }
        )
    return out


def _average(scores: dict[str, float], qs: list[dict], lang: str) -> str:
    got = [scores[q["id"]] for q in qs if q["id"] in scores]
    return fmt_number(float(np.mean(got)), lang, 2) if got else "–"


def sources(
    profile: Any,
    layers: dict[str, Any],
    narrative_sources: list[dict],
    s: dict[str, str],
    *,
    admin: Any = None,
    credits: Any = None,
    extra: Any = (),
) -> list[dict[str, str]]:
    """One row per input the card used or draws (role, name, date, credit), in its language.

    Every input is listed, credited or not (see :mod:`landprofile.credits`): the
    profile's records (boundary, rasters, overlap layers), the card's map layers, its
    admin layers, ``extra`` credits (the change's dates, footprints, a basemap) and the
    shipped context layer. The team's narrative ``sources`` name the dataset, its date
    and attribution of an input of the same role; they do not list it twice.
    """
    from landprofile._credit_lists import CONTEXT
    from landprofile.credits import credit_for, credit_rows, lookup

    found = list(credit_rows(profile.sources))
    for role, src in (layers or {}).items():
        if src is not None:
            found.append(credit_for(role, src, lookup(credits, role, src)))
    for a in (admin if isinstance(admin, list | tuple) else [admin]) if admin else []:
        found.append(credit_for("admin", a, lookup(credits, "admin", a)))
    found += list(extra) + list(CONTEXT)
    # one row per role and input; a layer the profile already credits is not listed again
    byrole: dict[str, list[Any]] = {}
    for c in credit_rows(found):
        byrole.setdefault(c.role, []).append(c)
    team = {str(x.get("role", "")).removeprefix("layer:"): x for x in narrative_sources}
    lang = s.get("lang", "en")
    out = []
    for role, cs in byrole.items():
        # one row per role: several inputs of a role (two admin layers) share it
        rows = [
            _source_row(c, team.get(role, {}) if i == 0 else {}, profile, s, lang)
            for i, c in enumerate(cs)
        ]
        row = rows[0]
        for key in ("name", "date", "attribution", "note"):
            row[key] = "; ".join(dict.fromkeys(r[key] for r in rows if r[key]))
        out.append(row)
    # a role the team names that no input has (their own record of a dataset): kept
    for role, t in team.items():
        if role not in byrole:
            row = {"role": s.get(role, role), "name": t.get("name", ""), "date": t.get("date", "")}
            out.append(row | {"attribution": t.get("attribution", ""), "note": ""})
    return out


def _source_row(c: Any, team: dict, profile: Any, s: dict[str, str], lang: str) -> dict[str, str]:
    """A sources row: the team's name beside the file's, its date, the credit."""
    name = c.name
    if team.get("name") and team["name"] != name:
        name = f"{team['name']} ({name})" if name else team["name"]
    date = team.get("date") or c.version
    if c.role == "boundary" and not date:
        date = profile.landscape.provenance.created[:10]
    own = c.text(s["credit_not_given"], s["credit_synthetic"])
    if c.origin == "shipped":
        own = s["context_credit"]  # the shipped context layer's credits, in the card's words
    said = team.get("attribution", "")
    # the team's words first; the credit beside them unless it adds nothing
    text = said if said and (not c.given or own in said) else f"{said} · {own}" if said else own
    note = ""
    rec = next(
        (r for r in profile.sources if str(r.get("role", "")).removeprefix("layer:") == c.role),
        {},
    )
    if rec.get("coarse"):
        km = fmt_number(float(rec.get("cell_m", 0)) / 1000, lang, 1)
        note = s["coarse_note"].replace("{km}", km)
    return {
        "role": s.get(c.role, c.role),
        "name": name,
        "date": date,
        "attribution": text,
        "note": note,
    }
