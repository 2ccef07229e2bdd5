"""The card's change section: key figures then → now, the footprint by date, transitions."""

from __future__ import annotations

from typing import Any

from landprofile.i18n import fmt_number
from landprofile.profilecard.sections import bars


def change(
    profile: Any, landcover: Any, timeline: Any, baseline: Any, lang: str, s: dict[str, str]
) -> dict[str, Any] | None:
    """The change section: key figures then → now, footprint by date, transitions.

    ``baseline`` is a saved earlier profile, ``timeline`` the footprint by date and
    ``landcover`` a :class:`~landprofile.monitoring.ChangeResult`.
    """
    if landcover is None and timeline is None and baseline is None:
        return None
    out: dict[str, Any] = {"then_now": None, "footprint": None, "landcover": None}
    if baseline is not None:
        out["then_date"] = str(baseline.created)[:10]
        out["now_date"] = str(profile.created)[:10]
        rows = [(s["area"], baseline.landscape.area_ha, profile.landscape.area_ha, 0, " ha")]
        if baseline.population and profile.population:
            rows.append(
                (
                    s["population"],
                    baseline.population["population"],
                    profile.population["population"],
                    0,
                    "",
                )
            )
        if baseline.natural_share is not None and profile.natural_share is not None:
            rows.append(
                (
                    s["natural_share"],
                    100 * baseline.natural_share,
                    100 * profile.natural_share,
                    1,
                    " %",
                )
            )
        out["then_now"] = [
            {
                "label": label,
                "then": fmt_number(a, lang, d) + unit,
                "now": fmt_number(b, lang, d) + unit,
            }
            for label, a, b, d, unit in rows
        ]
    if timeline is not None and len(timeline):
        top = float(timeline["area_ha"].max()) or 1.0
        out["footprint"] = {
            "chart": bars(
                [
                    (d.date().isoformat(), float(a), "#d7301f")
                    for d, a in zip(timeline["date"], timeline["area_ha"], strict=True)
                ],
                lang,
                max_value=top,
                percent=False,
            ),
            "rows": [
                {
                    "date": r.date.date().isoformat(),
                    "n": fmt_number(r.n_polygons, lang),
                    "area": f"{fmt_number(r.area_ha, lang, 1)}\u00a0ha",
                    "new": f"{fmt_number(r.new_ha, lang, 1)}\u00a0ha",
                    "cumulative": f"{fmt_number(r.cumulative_ha, lang, 1)}\u00a0ha",
                    "protected": f"{fmt_number(r.in_protected_ha, lang, 1)}\u00a0ha",
                    "concessions": f"{fmt_number(r.in_concessions_ha, lang, 1)}\u00a0ha",
                    "rivers": f"{fmt_number(r.near_rivers_ha, lang, 1)}\u00a0ha",
                }
                for r in timeline.itertuples()
            ],
        }
    if landcover is not None:
        nat = landcover.natural
        out["landcover"] = {
            "natural_before": f"{fmt_number(nat['before_ha'], lang)}\u00a0ha",
            "natural_after": f"{fmt_number(nat['after_ha'], lang)}\u00a0ha",
            "lost": f"{fmt_number(nat['lost_ha'], lang)}\u00a0ha",
            "gained": f"{fmt_number(nat['gained_ha'], lang)}\u00a0ha",
            "rows": [
                {
                    "from_": r.from_name,
                    "to": r.to_name,
                    "area": f"{fmt_number(r.area_ha, lang)}\u00a0ha",
                }
                for r in landcover.main_transitions(10).itertuples()
            ],
        }
    return out
