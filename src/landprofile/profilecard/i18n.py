"""Card strings as data (``landprofile/data/i18n/*.toml``) and numbers for each language."""

from __future__ import annotations

import math
import tomllib
from functools import cache
from importlib import resources

from landprofile.errors import InvalidParameterError

__all__ = ["LANGS", "fmt_number", "strings"]

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
