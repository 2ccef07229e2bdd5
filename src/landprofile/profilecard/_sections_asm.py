"""The card's ASM section: what passed the zoning rules, the located zones, conflicts."""

from __future__ import annotations

from typing import Any

from landprofile.i18n import fmt_number, strings
from landprofile.i18n import percent as pct

#: Conflict rows shown on the card (all are in zones.gpkg).
MAX_CONFLICT_ROWS = 50
#: Zones listed on the card.
MAX_ZONE_ROWS = 20


def asm(zoning: Any, lang: str) -> dict[str, Any] | None:
    """The ASM section: what passed the rules, the located zones, the rules, conflicts."""
    if zoning is None:
        return None
    from landprofile.zoning.explain import rule_label

    s = strings(lang)
    sm = zoning.summary
    c = zoning.conflicts
    id_col = sm.get("site_id_field", "site_id")
    id_col = id_col if id_col in c.columns else f"site_{id_col}"
    head = c.head(MAX_CONFLICT_ROWS)
    z = zoning.zones
    sel = sm.get("selection")
    shown = z if sel else z.head(MAX_ZONE_ROWS)
    short = "why_short" if "why_short" in z.columns else "why"
    suitable_ha = sm.get("suitable_ha", sm["candidate_ha"])
    rs = zoning.rules
    missing = set(sm.get("factors_without_data", []))
    weights = sm.get("factor_weights", {})
    return {
        "n_zones": fmt_number(sm["n_zones"], lang),
        "candidate": f"{fmt_number(sm['candidate_ha'], lang)}\u00a0ha "
        f"({pct(sm['candidate_share'], lang)})",
        "passed": s["passed_detail"].format(
            ha=fmt_number(suitable_ha, lang),
            share=fmt_number(100 * sm.get("suitable_share", sm["candidate_share"]), lang, 1),
            allowed=fmt_number(100 * sm.get("suitable_share_of_allowed", 0.0), lang, 1),
        ),
        "weak": not sm.get("rules_discriminate", True),
        "no_data": [s.get(f"z_factor_{k}", k) for k in sm.get("factors_without_data", [])],
        "selection": (
            s["selection_line"].format(
                n=fmt_number(sm["n_zones"], lang),
                c=fmt_number(sel["n_candidates"], lang),
                method=s[f"method_{sel['method']}"],
                gap=fmt_number(100 * sel["gap"], lang, 2),
            )
            if sel.get("gap") is not None
            # no proved bound (time limit, relaxation cut short): no gap is claimed
            else s["selection_line_not_proved"].format(
                n=fmt_number(sm["n_zones"], lang),
                c=fmt_number(sel["n_candidates"], lang),
                method=s[f"method_{sel['method']}"],
                not_proved=s["sel_not_proved"],
            )
        )
        if sel
        else None,
        "other": f"{fmt_number(sm.get('other_suitable_ha', 0.0), lang)}\u00a0ha" if sel else None,
        "shown": s["zones_shown"].format(
            shown=fmt_number(len(shown), lang), total=fmt_number(len(z), lang)
        )
        if len(shown) < len(z)
        else None,
        "excluded": f"{fmt_number(sm['excluded_ha'], lang)}\u00a0ha",
        "n_sites": fmt_number(sm["n_sites"], lang),
        "n_conflict": fmt_number(sm["n_sites_in_conflict"], lang),
        "rules": zoning.rules.display_name(lang),
        "min_score": s["min_score_line"].format(
            score=fmt_number(sm.get("min_score", 0.4), lang, 2),
            lo=fmt_number((sel or {}).get("zone_area_ha", (sm.get("min_area_ha", 0),))[0], lang),
            hi=fmt_number((sel or {}).get("zone_area_ha", (0, sm.get("max_area_ha", 0)))[1], lang),
        ),
        "exclusion_rules": [
            {
                "label": r.label,
                "buffer": f"{fmt_number(r.buffer_m, lang)}\u00a0m" if r.buffer_m else "–",
                "area": f"{fmt_number(r.area_ha, lang)}\u00a0ha",
            }
            for r in zoning.exclusions.itertuples()
        ],
        "factor_rules": [
            {
                "label": s.get(f"z_factor_{k}", rule_label(k, rs, lang)),
                "weight": "–" if k in missing else pct(weights.get(k, 0.0), lang, 0),
                "no_data": k in missing,
            }
            for k in rs.favour
        ],
        "zones": [
            {
                "id": r.zone_id,
                "rank": int(r.rank),
                "area": f"{fmt_number(r.area_ha, lang)}\u00a0ha",
                "score": fmt_number(r.score, lang, 2),
                "sites": fmt_number(r.n_sites, lang),
                "short": getattr(r, short),
                "why": r.why,
            }
            for r in shown.itertuples()
        ],
        "n_rows": fmt_number(len(c), lang),
        "conflicts": [
            {
                "site": str(site),
                "kind": kind,
                "rule": rule,
                "feature": feature,
                "overlap": f"{fmt_number(ha, lang, 2)}\u00a0ha",
            }
            for site, kind, rule, feature, ha in zip(
                head[id_col] if len(c) else [],
                head["conflict_label"] if len(c) else [],
                head["rule_label"] if len(c) else [],
                head["feature"] if len(c) else [],
                head["overlap_ha"] if len(c) else [],
                strict=True,
            )
        ],
    }
