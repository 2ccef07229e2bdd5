"""Words and numbers in French, English and Spanish.

Strings are data (``landprofile/data/i18n/*.toml``); numbers and boundary definitions are
formatted for each language.
"""

from __future__ import annotations

import math
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from landprofile.errors import InvalidParameterError

__all__ = ["LANGS", "describe_provenance", "fmt_number", "percent", "strings", "typography"]

LANGS = ("fr", "en", "es")


#: A number (or a ``{placeholder}`` for one) and its unit never part at a line end.
_UNIT = re.compile(r"(?<=[\d}]) (?=(?:ha|km²|km|m²|m|°)(?![\w])|%)")
#: French: a narrow no-break space before ``: ; ! ? %`` and ``»``, after ``«``.
_FR_BEFORE = re.compile(r"(?<=\S) ?([;!?»])|(?<=\w) ?(:)(?=\s|$)| (%)")
_FR_AFTER = re.compile(r"« ?")


def typography(text: str, lang: str) -> str:
    """Apply ``lang``'s typographic rules to interface text (never to user data).

    In every language a number and its unit (ha, km, km², m, m², %, °) are joined by a
    no-break space. In French (Imprimerie nationale, as the issue asks: narrow no-break
    spaces) ``:``, ``;``, ``!``, ``?``, ``%`` and ``»`` take a narrow no-break space
    (U+202F) before them and ``«`` one after it.
    """
    if lang == "fr":
        text = _FR_BEFORE.sub(lambda m: "\u202f" + (m.group(1) or m.group(2) or m.group(3)), text)
        text = _FR_AFTER.sub("«\u202f", text)
    return _UNIT.sub("\u00a0", text)


@cache
def strings(lang: str) -> dict[str, str]:
    """All card strings in ``lang`` (``fr``, ``en`` or ``es``), typography applied."""
    if lang not in LANGS:
        raise InvalidParameterError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    text = resources.files("landprofile").joinpath(f"data/i18n/{lang}.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return {k: typography(v, lang) if isinstance(v, str) else v for k, v in raw.items()}


def percent(value: float | None, lang: str, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``98,6 %`` (fr, es), ``98.6 %`` (en), unbreakable."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return fmt_number(100 * value, lang, digits) + ("\u202f%" if lang == "fr" else "\u00a0%")


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
