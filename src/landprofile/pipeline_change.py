"""The config's [change] section: a second date for a profile (see ``pipeline.run``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landprofile.config import Config, ConfigError
from landprofile.landscape import Landscape

__all__ = ["build_change", "write_change"]


def build_change(cfg: Config, ls: Landscape, layers: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The [change] section's land-cover change, footprint timeline and baseline profile."""
    import landprofile as lp

    ch = cfg.section("change")
    if not ch:
        return None, None, None
    r = cfg.section("rasters")
    change = None
    before = ch.get("before") or r.get("land_cover")
    if ch.get("after") is not None:
        if before is None:
            raise ConfigError(
                f"{cfg.path}: [change] after needs a before raster ([change] before or "
                "[rasters] land_cover)"
            )
        legend = ch.get("legend") or r.get("legend")
        change = lp.change(
            ls,
            before,
            ch["after"],
            legend=legend,
            before_legend=ch.get("before_legend"),
            after_legend=ch.get("after_legend"),
            lang=cfg.language,
            credits=_change_credits(cfg),
        )
    timeline = None
    if ch.get("footprints") is not None:
        timeline = lp.footprint_timeline(
            ls,
            ch["footprints"],
            date_field=ch.get("date_field"),
            protected=layers.get("protected"),
            concessions=layers.get("concessions"),
            rivers=layers.get("rivers"),
            river_buffer_m=ch.get("river_buffer_m"),
        )
        from landprofile._credit_lists import footprint_credits

        # each date's credit travels with the timeline (change.json, however written)
        cited = footprint_credits(ch["footprints"], cfg.section("credits"))
        timeline.attrs["footprint_credits"] = [(d, c.to_dict()) for d, c in cited]
    baseline = lp.Profile.from_json(ch["baseline"]) if ch.get("baseline") else None
    return change, timeline, baseline


def _change_credits(cfg: Config) -> dict[str, Any]:
    """The config's [credits], with the first date's under its [rasters] land_cover role."""
    credits = dict(cfg.section("credits"))
    if "change_before" not in credits and "land_cover" in credits:
        before = cfg.section("change").get("before")
        if before is None or before == cfg.section("rasters").get("land_cover"):
            credits["change_before"] = credits["land_cover"]  # the same raster
    return credits


def write_change(
    path: Path,
    change: Any,
    timeline: Any,
    base: Path | None = None,
    *,
    footprints: Any = None,
    credits: Any = None,
) -> None:
    """change.json: the transitions and the footprint by date, written atomically.

    Both dates' credits are in ``landcover.sources``; the footprints' in
    ``footprint.sources``, one per date (a file per date) or one for the layer, each
    date's record naming its source.
    """
    import json

    from landprofile._atomic import atomic_path
    from landprofile._credit_lists import footprint_credits
    from landprofile._paths import portable
    from landprofile.credits import Credit

    doc: dict[str, Any] = {"landcover": None, "footprint": None}
    if change is not None:
        doc["landcover"] = portable(change.to_dict(), base)
    if timeline is not None:
        tl = timeline.assign(date=timeline["date"].dt.strftime("%Y-%m-%d"))
        cited = (
            footprint_credits(footprints, credits)
            if footprints is not None
            else [(d, Credit.from_dict(c)) for d, c in timeline.attrs.get("footprint_credits", [])]
        )
        dates = json.loads(tl.to_json(orient="records"))
        per_date = {_day(d): c for d, c in cited if d}
        one = next((c for d, c in cited if not d), None)
        for rec in dates:
            c = per_date.get(rec["date"], one)
            if c is not None:
                rec["source"] = c.name
        doc["footprint"] = {
            "river_buffer_m": timeline.attrs.get("river_buffer_m"),
            "dates": dates,
            "sources": [{"date": _day(d) if d else None} | c.to_dict() for d, c in cited],
        }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), "utf-8")


def _day(text: str) -> str:
    """A footprint table's date key as the timeline writes it (YYYY-MM-DD)."""
    import pandas as pd

    try:
        return pd.Timestamp(str(text)).strftime("%Y-%m-%d")
    except ValueError:
        return str(text)
