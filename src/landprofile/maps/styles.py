"""Layer styles shared by the notebook maps, the card's map and the static card."""

from __future__ import annotations

STYLES: dict[str, dict[str, object]] = {
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
    "exclusions": {
        "color": "#d7191c",
        "fillColor": "#d7191c",
        "fillOpacity": 0.2,
        "weight": 1.5,
        "dashArray": "4 3",
    },
    # zones: magenta to pink, a hue no land cover legend uses (greens, yellows, browns,
    # blues), with a dark outline, so that they stand apart from the land cover image
    "zones": {
        "color": "#49006a",
        "fillColor": "#ae017e",
        "fillOpacity": 0.6,
        "weight": 2.5,
    },
    # the land that passed the rules outside the selected zones: the zones' hue, pale,
    # no outline: its pieces are the rule-pass tiling, which must not read as zones
    "other_suitable": {"color": "#c51b8a", "weight": 0, "fillColor": "#fcc5c0", "fillOpacity": 0.5},
    "context_countries": {"color": "#8c8c8c", "weight": 1, "fill": False, "dashArray": "6 4"},
    "context_rivers": {"color": "#9ecae1", "weight": 1.2},
    "context_towns": {
        "color": "#525252",
        "fillColor": "#bdbdbd",
        "fillOpacity": 1,
        "weight": 1,
        "radius": 3,
    },
    # not on the card's map, in the GeoPackage (QGIS): the sites' land that a rule
    # excludes, in the sites' fill with the exclusions' outline...
    "conflicts": {"color": "#d7191c", "fillColor": "#f1a340", "fillOpacity": 0.8, "weight": 1.5},
    # ... and every candidate region the zones were chosen among, an outline only
    "candidate_regions": {"color": "#c51b8a", "weight": 1, "fill": False, "dashArray": "2 2"},
    # new mining since the previous date (lp.alerts): yellow with a black outline, a hue
    # apart from the footprints' oranges and reds it lies on
    "alerts": {"color": "#000000", "fillColor": "#ffff33", "fillOpacity": 0.75, "weight": 1.5},
}

#: Each exclusion rule's own symbol, over the common exclusions style: the rules of the
#: default rule set (``default_igf.toml``) by name, in the hue of the layer they come
#: from, each with its own dash, so that two rules can be told apart on the card and in
#: QGIS even where hues are close (rivers, water). Rules of other names take
#: :data:`EXCLUSION_PALETTE` in the order they first appear (:func:`exclusion_styles`).
EXCLUSION_RULE_STYLES: dict[str, dict[str, object]] = {
    "concessions": {"color": "#7b3294", "fillColor": "#7b3294", "dashArray": "6 3"},
    "protected": {"color": "#1b7837", "fillColor": "#1b7837", "dashArray": "2 2"},
    "rivers": {"color": "#2166ac", "fillColor": "#2166ac", "dashArray": "8 2 2 2"},
    "water": {"color": "#4393c3", "fillColor": "#92c5de", "dashArray": "1 3"},
    "settlements": {"color": "#252525", "fillColor": "#525252", "dashArray": "4 3"},
    "land_cover": {"color": "#8c510a", "fillColor": "#bf812d", "dashArray": "10 4"},
    "slope": {"color": "#e66101", "fillColor": "#fdb863", "dashArray": "3 1"},
}
#: Symbols for rules of other names, in order (then again, with the next dash).
EXCLUSION_PALETTE: tuple[str, ...] = (
    "#d7191c",
    "#e7298a",
    "#66a61e",
    "#a6761d",
    "#1b9e77",
    "#7570b3",
    "#666666",
)
_EXTRA_DASHES = ("4 3", "8 3", "2 3", "6 2 2 2")


def exclusion_styles(rules: object) -> dict[str, dict[str, object]]:
    """Each rule's full Leaflet style (the ``exclusions`` style with the rule's own).

    ``rules`` are the exclusions' ``rule`` values in the layer's order; the card's map
    and the QGIS style both call this on the same table, so a rule has the same symbol
    on both, and no two rules of one table share a symbol.
    """
    base = STYLES["exclusions"]
    out: dict[str, dict[str, object]] = {}
    extra = 0
    for rule in dict.fromkeys(str(r) for r in rules):  # type: ignore[attr-defined]
        own = EXCLUSION_RULE_STYLES.get(rule)
        if own is None:
            n = len(EXCLUSION_PALETTE)
            color = EXCLUSION_PALETTE[extra % n]
            dash = _EXTRA_DASHES[(extra // n) % len(_EXTRA_DASHES)]
            own = {"color": color, "fillColor": color, "dashArray": dash}
            extra += 1
        out[rule] = {**base, **own}
    return out


#: The land cover image's opacity over the basemap (card, notebooks, QGIS).
LAND_COVER_OPACITY = 0.75

#: Labels drawn on a layer (in QGIS; the card shows the same field in the popup):
#: the field, the text colour, its size in points, and a halo of ``halo_px`` around it.
LABELS: dict[str, dict[str, object]] = {
    "zones": {
        "field": "zone_id",
        "color": "#49006a",
        "size_pt": 9,
        "halo": "#ffffff",
        "halo_px": 2,
    },
}

#: Zone fill by rank: the best zones darkest (ColorBrewer RdPu).
RANK_COLORS = ["#7a0177", "#ae017e", "#dd3497", "#f768a1", "#fbb4b9"]
#: Zone fill by score class, lowest to highest (ColorBrewer RdPu, 5 classes): the
#: classes split [min_score, 1] evenly, so a colour means the same score on every card.
SCORE_COLORS = ["#fbb4b9", "#f768a1", "#dd3497", "#ae017e", "#7a0177"]


def score_classes(min_score: float, n: int = len(SCORE_COLORS)) -> list[tuple[float, float]]:
    """The score bins the zone colours stand for: ``n`` equal steps of [min_score, 1]."""
    lo = max(0.0, min(float(min_score), 1.0))
    step = (1.0 - lo) / n
    return [(lo + i * step, lo + (i + 1) * step) for i in range(n)]


def zone_legend(min_score: float, lang: str) -> list[tuple[str, float, float, str]]:
    """The zones' legend: ``(colour, low, high, text)`` per score class, lowest first.

    One text for the card's map and the QGIS styles: "Zones · Score 0.40–0.52".
    """
    from landprofile.i18n import fmt_number, strings

    s = strings(lang)
    return [
        (
            color,
            lo,
            hi,
            f"{s['zones']} · {s['score']} {fmt_number(lo, lang, 2)}–{fmt_number(hi, lang, 2)}",
        )
        for color, (lo, hi) in zip(SCORE_COLORS, score_classes(min_score), strict=True)
    ]


def score_color(score: float, min_score: float) -> str:
    """The fill of a zone of ``score`` (scores under ``min_score`` take the lightest)."""
    for color, (_, hi) in zip(SCORE_COLORS, score_classes(min_score), strict=True):
        if score < hi:
            return color
    return SCORE_COLORS[-1]


#: Layer keys drawn as points when their features are points.
POINT_LAYERS = ("sites", "settlements", "context_towns")
