"""The card's scorecard section for a workshop: medians, spread, count, disagreement."""

from __future__ import annotations

from typing import Any

from landprofile.i18n import fmt_number
from landprofile.profilecard.workshop import WorkshopScores


def _score(v: Any, lang: str) -> str | None:
    """A median of half points may fall on a quarter: shown with the digits it needs."""
    if v is None or v != v:  # NaN: nobody scored it
        return None
    return fmt_number(float(v), lang, 1 if float(v) * 2 == int(float(v) * 2) else 2)


def workshop_section(
    ws: WorkshopScores, lang: str, extra: Any, s: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The scorecard's goals (bars and averages of the medians) and the workshop's notes.

    Each question row gains ``ws``: the medians (``then`` / ``now``), ``iqr`` (``q1–q3``),
    ``range`` (``min–max``), ``n`` and the ``disagree`` marks of the now and then scores.
    """
    from landprofile.profilecard import sections

    then = ws.medians("then")
    goals = sections.scorecard(ws.medians("now"), lang, extra, then=then or None)
    for g in goals:
        g["workshop"] = True
        for row in g["rows"]:
            now, before = ws.stats(row["id"], "now"), ws.stats(row["id"], "then")
            row["score"] = _score(now["median"], lang)
            row["then"] = _score(before["median"], lang)
            row["ws"] = {
                "n": now["n"],
                "n_then": before["n"],
                "iqr": f"{_score(now['q1'], lang)}–{_score(now['q3'], lang)}" if now["n"] else None,
                "iqr_points": _score(now["iqr"], lang) if now["n"] else None,
                "range": f"{_score(now['min'], lang)}–{_score(now['max'], lang)}"
                if now["n"]
                else None,
                "disagree": bool(now["disagree"]),
                "disagree_then": bool(before["disagree"]),
            }
    iqr = _score(ws.disagree_iqr, lang) or "0"
    bad = [str(x["row"]) for x in ws.invalid]
    info = {
        "summary": s["ws_summary"].format(n=len(ws.participants), file=ws.source),
        "disagree_note": s["ws_disagree_note"].format(iqr=iqr),
        "invalid_note": s["ws_invalid_note"].format(n=len(bad), rows=", ".join(bad)) if bad else "",
    }
    return goals, info
