"""Words and numbers in French, English and Spanish.

Strings are data (``landprofile/data/i18n/*.toml``); numbers and boundary definitions are
formatted for each language.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from landprofile.errors import InvalidParameterError

__all__ = ["LANGS", "describe_provenance", "fmt_number", "strings"]

LANGS = ("fr", "en", "es")


@cache
def strings(lang: str) -> dict[str, str]:
    """All card strings in ``lang`` (``fr``, ``en`` or ``es``)."""
    if lang not in LANGS:
        raise InvalidParameterError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    text = resources.files("landprofile").joinpath(f"data/i18n/{lang}.toml").read_text("utf-8")
    return tomllib.loads(text)


def fmt_number(value: float | int | None, lang: str, digits: int = 0) -> str:
    """Format a number for ``lang``: ``12 345,6`` (fr, es), ``12,345.6`` (en).

    French and Spanish group thousands with a narrow no-break space (U+202F), as their
    typographic conventions and the SI recommend, and use a decimal comma.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    s = strings(lang)
    text = f"{value:,.{digits}f}"
    sep = "\u202f" if s["thousands"] == " " else s["thousands"]
    return text.replace(",", "\x00").replace(".", s["decimal"]).replace("\x00", sep)


def describe_provenance(prov: Any, lang: str) -> str:
    """How the boundary was made, in words, in ``lang`` (the card's "Boundary definition")."""
    s = strings(lang)
    p = dict(prov.parameters)
    src = Path(str(prov.source)).name if prov.source else ""
    if prov.method == "admin":
        text = s["prov_admin"].format(
            units=", ".join(map(str, p.get("units", []))), field=p.get("field", ""), source=src
        )
    elif prov.method == "watershed" and p.get("kind") == "dem":
        out = p.get("outlet", ["?", "?"])
        text = s["prov_watershed_dem"].format(
            source=src,
            outlet=f"({fmt_number(out[0], lang, 4)}, {fmt_number(out[1], lang, 4)})",
            moved=fmt_number(p.get("snapped_moved_m", 0), lang),
            km2=fmt_number(p.get("upstream_km2", 0), lang, 1),
        )
    elif prov.method == "watershed":
        ids = p.get("basin_ids", [])
        text = s["prov_watershed_basins"].format(
            n=fmt_number(p.get("n_basins", len(ids)), lang),
            source=src,
            first=p.get("outlet_basin", ids[0] if ids else ""),
        )
    else:
        text = s["prov_custom"].format(source=src)
        if p.get("n_features", 1) > 1:
            text += s["prov_features"].format(n=fmt_number(p["n_features"], lang))
    if p.get("buffer_m"):
        text += s["prov_buffer"].format(m=fmt_number(p["buffer_m"], lang))
    if p.get("clip"):
        text += s["prov_clip"].format(clip=Path(str(p["clip"])).name)
    return text + "."
