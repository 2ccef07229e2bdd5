"""Explanations in the reader's language: each zone's "why" and each rule's name.

Zones carry *facts* (numbers, names, which rules they border); the words come from the
i18n catalogues (``landprofile/data/i18n/{fr,en,es}.toml``, keys ``z_*`` and
``rule_*``), so one result reads in French, English or Spanish.
"""

from __future__ import annotations

from typing import Any

from landprofile.i18n import fmt_number, strings
from landprofile.zoning.rules import RuleSet

__all__ = ["conflict_label", "fact_columns", "rule_label", "top_factors", "why", "why_short"]


def rule_label(name: str, rs: RuleSet, lang: str) -> str:
    """A rule's name for readers: the catalogue's, else the rule's description, else its key."""
    s = strings(lang)
    key = f"rule_{name}"
    if key in s:
        return s[key]
    rule = rs.exclude.get(name) or rs.favour.get(name) or {}
    return str(rule.get("description") or name)


def conflict_label(kind: str, lang: str) -> str:
    """A conflict kind (``concession``, ``river_buffer``…) in words."""
    return strings(lang).get(f"conflict_{kind}", kind)


#: A zone closer than this (m) to an exclusion's land "borders" it (in the short why).
BORDER_M = 50.0


def top_factors(facts: dict[str, Any], n: int = 2) -> list[str]:
    """The ``n`` factors that add most to a zone's score (weight x factor score)."""
    weights = facts["weights"]
    contrib = sorted(
        ((weights.get(k, 0.0) * v, k) for k, v in facts["factors"].items()),
        key=lambda t: (-t[0], t[1]),
    )
    return [k for c, k in contrib[:n] if c > 0]


def fact_columns(facts: list[dict[str, Any]], rs: RuleSet, lang: str) -> dict[str, list]:
    """The short explanation's parts as table columns (one value per zone).

    ``top_factors`` (rule keys, strongest first), ``nearest_exclusion`` (the rule's name
    in ``lang``), ``nearest_exclusion_m`` (from the zone to that rule's land: 0 when it
    borders it), ``overlaps`` (the exclusions it shares more than 1 m² with).
    """
    near = [f.get("nearest_rule") for f in facts]
    return {
        "top_factors": [", ".join(top_factors(f)) for f in facts],
        "nearest_exclusion": [rule_label(n[0], rs, lang) if n else "" for n in near],
        "nearest_exclusion_m": [float(n[1]) if n else float("nan") for n in near],
        "overlaps": [", ".join(rule_label(r, rs, lang) for r in f["violations"]) for f in facts],
    }


def why_short(facts: dict[str, Any], rs: RuleSet, lang: str) -> str:
    """A zone's explanation in a glance.

    Its score and two strongest factors, the sites inside, the nearest exclusion and
    its distance (or the exclusions it overlaps).
    """
    s = strings(lang)
    best = [s.get("z_fshort_" + k, k) for k in top_factors(facts)]
    head = s["z_score"].format(score=fmt_number(facts["score"], lang, 2))
    if best:
        head += f" ({', '.join(best)})"
    parts = [head]
    if facts.get("locked"):
        parts.append(s["z_short_locked"].format(label=facts["locked"]))
    if facts["n_sites"]:
        parts.append(s["z_short_sites"].format(n=fmt_number(facts["n_sites"], lang)))
    if facts["violations"]:
        parts.append(
            s["z_short_overlap"].format(
                rules=", ".join(rule_label(r, rs, lang) for r in facts["violations"])
            )
        )
    elif facts.get("nearest_rule"):
        rule, gap = facts["nearest_rule"]
        if gap < BORDER_M:
            parts.append(s["z_short_borders"].format(rule=rule_label(rule, rs, lang)))
        else:
            parts.append(
                s["z_short_nearest"].format(
                    rule=rule_label(rule, rs, lang), km=fmt_number(gap / 1000, lang, 1)
                )
            )
    return s["z_short_sep"].join(parts)


def why(facts: dict[str, Any], rs: RuleSet, lang: str) -> str:
    """One zone's explanation, in ``lang``."""
    s = strings(lang)

    def num(v: float, d: int = 0) -> str:
        return fmt_number(v, lang, d)

    best = [
        f"{s.get('z_factor_' + k, k)} {num(facts['factors'][k], 2)}" for k in top_factors(facts)
    ]
    head = s["z_score"].format(score=num(facts["score"], 2))
    if best:
        head += s["z_strongest"].format(factors=", ".join(best))
    parts = [head]
    if facts.get("locked"):
        parts.append(s["z_locked"].format(label=facts["locked"]))
    if facts["n_sites"]:
        parts.append(s["z_sites_inside"].format(n=num(facts["n_sites"])))
    if facts["nearest"]:
        items = [
            s["z_nearest_item"].format(
                layer=s.get(f"z_layer_{lay}", lay), label=label, km=num(d / 1000, 1)
            )
            for lay, d, label in facts["nearest"]
        ]
        parts.append(s["z_nearest"].format(items=", ".join(items)))
    bad = list(facts["violations"])
    if bad:
        parts.append(
            s["z_overlaps"].format(
                rules=", ".join(rule_label(r, rs, lang) for r in bad) or "?",
                m2=num(facts["overlap_m2"], 1),
            )
        )
    else:
        parts.append(s["z_clear"])
        if facts["borders"]:
            parts.append(
                s["z_borders"].format(
                    rules=", ".join(rule_label(r, rs, lang) for r in facts["borders"])
                )
            )
    if facts["open_concessions"]:
        parts.append(s["z_open_concessions"].format(labels=", ".join(facts["open_concessions"])))
    if facts["split"] is not None:
        n, region_ha, max_ha = facts["split"]
        parts.append(
            s["z_split"].format(
                part=facts["part"], n=num(n), region_ha=num(region_ha), max_ha=num(max_ha)
            )
        )
    if facts["merged_ha"] > 0:
        parts.append(s["z_merged"].format(ha=num(facts["merged_ha"], 1)))
    if facts["fragments_dropped_ha"] > 0:
        parts.append(s["z_fragments_dropped"].format(ha=num(facts["fragments_dropped_ha"], 1)))
    n_sliv, ha_sliv = facts["slivers"]
    if n_sliv:
        parts.append(s["z_slivers"].format(n=num(n_sliv), ha=num(ha_sliv, 2)))
    if facts["too_large"]:
        parts.append(s["z_too_large"].format(max_ha=num(facts["split_max_ha"])))
    return s["z_sep"].join(parts) + "."
