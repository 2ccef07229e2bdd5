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
        "fillOpacity": 0.15,
        "weight": 0.5,
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
    "context_countries": {"color": "#8c8c8c", "weight": 1, "fill": False, "dashArray": "6 4"},
    "context_rivers": {"color": "#9ecae1", "weight": 1.2},
    "context_towns": {
        "color": "#525252",
        "fillColor": "#bdbdbd",
        "fillOpacity": 1,
        "weight": 1,
        "radius": 3,
    },
}

#: Zone fill by rank: the best zones darkest (ColorBrewer RdPu).
RANK_COLORS = ["#7a0177", "#ae017e", "#dd3497", "#f768a1", "#fbb4b9"]

#: Layer keys drawn as points when their features are points.
POINT_LAYERS = ("sites", "settlements", "context_towns")
