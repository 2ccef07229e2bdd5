"""The card's monitoring section: footprint by date, land-cover shares by date, alerts.

Python lays out the charts (rectangles in a fixed SVG viewBox, so they scale with the
page and print as vectors) and formats every number; ``monitoring.html.j2`` draws them.
Each chart's numbers are also in the table beside it, from the same values: the rect's
``data-ha`` / ``data-share`` attributes and the table's cells say the same thing.
"""

from __future__ import annotations

from typing import Any

from landprofile.i18n import fmt_number
from landprofile.i18n import percent as pct

__all__ = ["PART_COLORS", "monitoring"]

#: The footprint's parts, bottom of the stack first (see monitoring.footprint_parts),
#: in the hues of the card's map layers: protected green, concessions purple, rivers blue.
PART_COLORS = {
    "protected_ha": "#1b7837",
    "concessions_ha": "#7b3294",
    "river_ha": "#2166ac",
    "elsewhere_ha": "#d7301f",
}
_PART_LABEL = {
    "protected_ha": "in_protected",
    "concessions_ha": "in_concessions",
    "river_ha": "near_rivers",
    "elsewhere_ha": "mon_elsewhere",
}
#: The SVG's layout, in viewBox units: label column, bar area, row height.
_LABEL_W, _BAR_W, _ROW_H, _BAR_H = 80.0, 350.0, 30.0, 20.0
#: How many alerts the card lists (all of them are in alerts.csv and the GeoPackage).
MAX_ALERT_ROWS = 20


def _ha(v: float, lang: str) -> str:
    return f"{fmt_number(v, lang, 1)}\u00a0ha"


def _footprint_chart(parts: Any, lang: str, s: dict[str, str]) -> dict[str, Any]:
    top = float(parts["area_ha"].max()) if len(parts) else 0.0
    scale = _BAR_W / top if top > 0 else 0.0
    rows = []
    for i, r in enumerate(parts.itertuples()):
        x = _LABEL_W
        y = i * _ROW_H + 4
        rects = []
        for col, color in PART_COLORS.items():
            v = float(getattr(r, col))
            w = v * scale
            rects.append(
                {
                    "part": col,
                    "x": round(x, 2),
                    "y": y,
                    "w": round(w, 2),
                    "h": _BAR_H,
                    "color": color,
                    "ha": f"{v:.1f}",
                    "share": None,
                    "title": f"{s[_PART_LABEL[col]]}: {_ha(v, lang)}",
                }
            )
            x += w
        rows.append(
            {
                "label": r.date.date().isoformat(),
                "y": y + _BAR_H / 2,
                "rects": rects,
                "total_x": round(x + 4, 2),
                "total": _ha(float(r.area_ha), lang),
                "total_ha": f"{float(r.area_ha):.1f}",
            }
        )
    return {
        "width": _LABEL_W + _BAR_W + 100,
        "height": max(1, len(rows)) * _ROW_H + 8,
        "label_x": _LABEL_W - 6,
        "rows": rows,
        "legend": [(PART_COLORS[c], s[_PART_LABEL[c]]) for c in PART_COLORS],
    }


def _shares_chart(shares: Any, lang: str) -> dict[str, Any]:
    """100 % stacked bars of the land-cover classes, one per date, and their table."""
    dates = sorted(shares["date"].unique())
    classes = (
        shares.groupby(["value", "name", "color"], sort=False)["share"]
        .max()
        .reset_index()
        .sort_values("share", ascending=False)
    )
    rows, table = [], []
    for i, d in enumerate(dates):
        sub = shares[shares["date"] == d].set_index("value")
        x, y = _LABEL_W, i * _ROW_H + 4
        rects = []
        for c in classes.itertuples():
            v = float(sub["share"].get(c.value, 0.0))
            w = v * _BAR_W
            if w > 0:
                rects.append(
                    {
                        "x": round(x, 2),
                        "y": y,
                        "w": round(w, 2),
                        "h": _BAR_H,
                        "color": c.color,
                        "share": f"{v:.4f}",
                        "part": None,
                        "ha": None,
                        "title": f"{c.name}: {pct(v, lang)}",
                    }
                )
            x += w
        rows.append({"label": str(d)[:10], "y": y + _BAR_H / 2, "rects": rects, "total": None})
    for c in classes.itertuples():
        cells = []
        for d in dates:
            sub = shares[(shares["date"] == d) & (shares["value"] == c.value)]
            cells.append(pct(float(sub["share"].iloc[0]), lang) if len(sub) else "–")
        table.append({"color": c.color, "name": c.name, "cells": cells})
    return {
        "width": _LABEL_W + _BAR_W + 10,
        "height": max(1, len(rows)) * _ROW_H + 8,
        "label_x": _LABEL_W - 6,
        "rows": rows,
        "dates": [str(d)[:10] for d in dates],
        "table": table,
    }


def _names(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if v)
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _ha_or_dash(v: Any, lang: str) -> str:
    """A layer not given leaves NaN: said as a dash, not as 0 ha."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "–"
    return "–" if f != f else _ha(f, lang)


def _alerts(alerts: Any, lang: str) -> dict[str, Any]:
    def col(name: str, *alts: str) -> str | None:
        return next((c for c in (name, *alts) if c in alerts.columns), None)

    prot_name = col("protected", "protected_areas", "protected_names")
    conc_name = col("concession", "concessions", "holders", "concession_holders")
    rows = []
    for r in alerts.head(MAX_ALERT_ROWS).to_dict("records"):
        rows.append(
            {
                "id": str(r["alert_id"]),
                "date": str(r["date"])[:10],
                "since": str(r.get("since") or "")[:10] if _names(r.get("since")) else "",
                "area": _ha(float(r["area_ha"]), lang),
                "area_ha": f"{float(r['area_ha']):.2f}",
                "protected": _names(r.get(prot_name)) if prot_name else "",
                "protected_ha": _ha_or_dash(r.get("protected_ha"), lang),
                "concession": _names(r.get(conc_name)) if conc_name else "",
                "concession_ha": _ha_or_dash(r.get("concession_ha"), lang),
                "river_ha": _ha_or_dash(r.get("river_ha"), lang),
                "lonlat": f"{float(r['lon']):.5f}, {float(r['lat']):.5f}"
                if "lon" in r and "lat" in r
                else "",
            }
        )
    by_date = []
    for d, g in alerts.groupby(alerts["date"].astype(str).str[:10], sort=True):
        by_date.append(
            {
                "date": d,
                "n": fmt_number(len(g), lang),
                "area": _ha(float(g["area_ha"].sum()), lang),
                "protected": _ha(float(g.get("protected_ha", g["area_ha"] * 0).sum()), lang),
            }
        )
    return {
        "n": len(alerts),
        "n_text": fmt_number(len(alerts), lang),
        "rows": rows,
        "more": max(0, len(alerts) - MAX_ALERT_ROWS),
        "by_date": by_date,
    }


def monitoring(report: Any, lang: str, s: dict[str, str]) -> dict[str, Any] | None:
    """The monitoring section's data, or ``None`` when there is no monitoring report.

    ``report`` is a :class:`~landprofile.monitoring.report.MonitoringReport`.
    """
    if report is None:
        return None
    out: dict[str, Any] = {"footprint": None, "shares": None, "alerts": None}
    parts = report.parts
    if parts is not None and len(parts):
        tl = report.timeline.set_index("date")
        out["footprint"] = {
            "chart": _footprint_chart(parts, lang, s),
            "rows": [
                {
                    "date": r.date.date().isoformat(),
                    "cells": [
                        {"part": c, "text": _ha(float(getattr(r, c)), lang)} for c in PART_COLORS
                    ],
                    "area": _ha(float(r.area_ha), lang),
                    "new": _ha(float(tl.loc[r.date, "new_ha"]), lang),
                    "cumulative": _ha(float(tl.loc[r.date, "cumulative_ha"]), lang),
                }
                for r in parts.itertuples()
            ],
            "heads": [s[_PART_LABEL[c]] for c in PART_COLORS],
            "river_buffer": fmt_number(report.river_buffer_m, lang)
            if report.river_buffer_m is not None
            else None,
        }
    if report.shares is not None and len(report.shares):
        out["shares"] = _shares_chart(report.shares, lang)
    if report.alerts is not None:
        out["alerts"] = _alerts(report.alerts, lang)
    return out
