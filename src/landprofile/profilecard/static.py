"""The printable static card (PNG / PDF) drawn with matplotlib."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt

from landprofile.i18n import fmt_number
from landprofile.legend import GROUPS
from landprofile.maps import features as mapdata
from landprofile.profilecard.inputs import NARRATIVE_FIELDS
from landprofile.vector import read_vector


def render_static(ctx: dict[str, Any], path: Path, *, fmt: str, dpi: int) -> None:
    """Draw the static card (A4 portrait): map, key figures, narrative, ASM summary."""
    s = ctx["strings"]
    lang = ctx["lang"]
    profile = ctx["profile"]
    ls = profile.landscape
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.suptitle(ctx["title"], fontsize=13, fontweight="bold", x=0.05, ha="left")
    ax = fig.add_axes((0.05, 0.47, 0.55, 0.46))
    bound = mapdata.to_lonlat(ls.to_gdf())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for role, color in (
            ("protected", "#5aae61"),
            ("concessions", "#c2a5cf"),
            ("rivers", "#2166ac"),
            ("sites", "#f1a340"),
        ):
            src = ctx["layers"].get(role)
            if src is not None:
                g = mapdata.to_lonlat(read_vector(src)).clip(bound.total_bounds)
                if len(g):
                    g.plot(ax=ax, color=color, linewidth=0.6, markersize=3, alpha=0.8)
        if ctx["zoning"] is not None and len(ctx["zoning"].zones):
            mapdata.to_lonlat(ctx["zoning"].zones).plot(ax=ax, color="#ae017e", alpha=0.7)
    bound.boundary.plot(ax=ax, color="black", linewidth=1.5)
    ax.set_aspect(
        1 / max(0.2, abs(__import__("math").cos(__import__("math").radians(ls.centroid_lonlat[1]))))
    )
    ax.tick_params(labelsize=6)
    ax.set_title(s["map"], fontsize=9, loc="left")
    lines = [
        f"{s['size']}: {fmt_number(ls.area_ha, lang)} ha ({fmt_number(ls.area_km2, lang, 1)} km²)",
        f"{s['perimeter']}: {fmt_number(ls.perimeter_km, lang, 1)} km",
        s["scale_" + ls.scale],
        "",
        f"{s['boundary_definition']}:",
        *textwrap.wrap(ls.provenance.describe(), 42),
        "",
    ]
    if profile.population is not None:
        lines.append(f"{s['population']}: {fmt_number(profile.population['population'], lang)}")
    if profile.land_cover is not None:
        lines.append(f"{s['natural_share']}: {fmt_number(100 * profile.natural_share, lang, 1)} %")
        for r in profile.groups().head(6).itertuples():
            lines.append(f"  {GROUPS[r.group].name(lang)}: {fmt_number(100 * r.share, lang, 1)} %")
    fig.text(0.63, 0.92, "\n".join(lines), fontsize=7.5, va="top", family="sans-serif")
    y = 0.44
    for key in NARRATIVE_FIELDS:
        value = ctx["fields"].get(key) or f"[{s['to_complete']}]"
        body = "\n".join(textwrap.wrap(value.replace("\n", " "), 120)[:3])
        fig.text(0.05, y, s[key], fontsize=8, fontweight="bold", va="top")
        fig.text(
            0.05,
            y - 0.016,
            body,
            fontsize=7,
            va="top",
            color="#a50026" if not ctx["fields"].get(key) else "#222",
        )
        y -= 0.062
    z = ctx["zoning"]
    if z is not None:
        sm = z.summary
        fig.text(0.05, y, s["asm"], fontsize=8, fontweight="bold", va="top")
        txt = (
            f"{s['n_zones']}: {sm['n_zones']} · {s['candidate_area']}: "
            f"{fmt_number(sm['candidate_ha'], lang)} ha · {s['n_sites_conflict']}: "
            f"{sm['n_sites_in_conflict']}"
        )
        fig.text(0.05, y - 0.016, txt, fontsize=7, va="top")
        for i, r in enumerate(z.zones.head(5).itertuples()):
            fig.text(
                0.05,
                y - 0.032 - 0.014 * i,
                textwrap.shorten(f"{r.zone_id} ({fmt_number(r.area_ha, lang)} ha): {r.why}", 150),
                fontsize=6.5,
                va="top",
            )
    fig.savefig(path, format=fmt, dpi=dpi)
    plt.close(fig)
