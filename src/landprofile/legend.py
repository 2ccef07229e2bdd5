"""Land cover legends as data: class values, names in three languages, ecosystem groups.

Built-in legends live in ``landprofile/data/legends/*.csv`` (ESA WorldCover v100 and v200,
ESA CCI-LC, Copernicus CGLS-LC100, MODIS IGBP); a user legend is a CSV, JSON or TOML file
with at least ``value``, ``name`` and ``color`` (or ``colour``) per class, and optionally
``group`` (one of :data:`GROUPS`) and ``name_fr`` / ``name_es``.
Each class maps to an ecosystem group used on the card, and each group to natural /
semi-natural versus productive / built, so that the card can state the natural habitat share.
Whether a class is natural comes from its group only (a ``natural`` column in a user
legend is not read): one class cannot count as natural while its group does not.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from landprofile.errors import (
    InvalidParameterError,
    MissingFieldError,
    SourceNotFoundError,
    UnreadableFileError,
    UnsupportedFormatError,
)

__all__ = [
    "BUILTIN_LEGENDS",
    "GROUPS",
    "LANGUAGES",
    "Group",
    "Legend",
    "LegendClass",
    "load_legend",
]

LANGUAGES = ("en", "fr", "es")

#: Built-in legends: name → (file, nodata values, description).
BUILTIN_LEGENDS: dict[str, tuple[str, tuple[int, ...], str]] = {
    "esa_worldcover_v100": ("esa_worldcover_v100.csv", (0,), "ESA WorldCover 10 m 2020 v100"),
    "esa_worldcover_v200": ("esa_worldcover_v200.csv", (0,), "ESA WorldCover 10 m 2021 v200"),
    "esa_cci_lc": ("esa_cci_lc.csv", (0,), "ESA CCI Land Cover (LCCS)"),
    "cgls_lc100": ("cgls_lc100.csv", (0, 255), "Copernicus CGLS-LC100 discrete"),
    "modis_igbp": ("modis_igbp.csv", (255,), "MODIS land cover type 1 (IGBP)"),
}
_ALIASES = {
    "worldcover": "esa_worldcover_v200",
    "esa_worldcover": "esa_worldcover_v200",
    "cci": "esa_cci_lc",
    "cci_lc": "esa_cci_lc",
    "igbp": "modis_igbp",
    "mcd12c1": "modis_igbp",
    "mcd12q1": "modis_igbp",
    "cgls": "cgls_lc100",
}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
#: The built-in legends (package data; read as files: importlib.resources costs imports).
_LEGEND_DIR = Path(__file__).parent / "data" / "legends"


@dataclass(frozen=True)
class Group:
    """An ecosystem group (forest, cropland, ...) with its names and natural flag."""

    key: str
    natural: bool
    color: str
    names: tuple[tuple[str, str], ...]

    def name(self, lang: str = "en") -> str:
        """The group's name in ``lang`` (``en``, ``fr`` or ``es``)."""
        return dict(self.names).get(lang) or dict(self.names)["en"]


@dataclass(frozen=True)
class LegendClass:
    """One land cover class."""

    value: int
    color: str
    group: str
    names: tuple[tuple[str, str], ...]

    def name(self, lang: str = "en") -> str:
        """The class name in ``lang``, falling back to English."""
        return dict(self.names).get(lang) or dict(self.names)["en"]

    @property
    def natural(self) -> bool:
        """Whether the class counts as natural / semi-natural habitat (from its group)."""
        return GROUPS[self.group].natural


@dataclass(frozen=True)
class Legend:
    """A land cover legend: classes by value, nodata values, and where it came from.

    Examples
    --------
    >>> import landprofile as lp
    >>> legend = lp.load_legend("esa_worldcover_v200")
    >>> legend.key, len(legend.classes)
    ('esa_worldcover_v200', 11)
    >>> tree = legend.by_value()[10]
    >>> tree.name(), tree.name("fr"), tree.group, tree.natural
    ('Tree cover', 'Couvert arboré', 'forest', True)
    """

    key: str
    title: str
    classes: tuple[LegendClass, ...]
    nodata: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        seen: set[int] = set()
        for c in self.classes:
            if c.value in seen:
                raise InvalidParameterError(f"legend {self.key!r}: value {c.value} appears twice")
            seen.add(c.value)

    def by_value(self) -> dict[int, LegendClass]:
        """Classes keyed by raster value."""
        return {c.value: c for c in self.classes}


def _read_groups() -> dict[str, Group]:
    text = (_LEGEND_DIR / "groups.csv").read_text("utf-8")
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        out[row["group"]] = Group(
            key=row["group"],
            natural=row["natural"] == "true",
            color=row["color"],
            names=tuple((lang, row[f"name_{lang}"]) for lang in LANGUAGES),
        )
    return out


#: Ecosystem groups, keyed by group name.
GROUPS: dict[str, Group] = _read_groups()


def _rows_to_legend(
    rows: list[dict[str, Any]], key: str, title: str, nodata: tuple[int, ...], label: str
) -> Legend:
    classes = []
    for i, row in enumerate(rows):
        low = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        if "colour" in low and "color" not in low:
            low["color"] = low["colour"]
        if "name" in low and "name_en" not in low:
            low["name_en"] = low["name"]
        missing = [k for k in ("value", "name_en", "color") if low.get(k) in (None, "")]
        if missing:
            raise MissingFieldError(
                f"legend {label}: class {i + 1} lacks {', '.join(missing)}; each class needs "
                f"value, name and color (present: {', '.join(low) or 'nothing'})"
            )
        try:
            value = int(str(low["value"]).strip())
        except ValueError:
            raise InvalidParameterError(
                f"legend {label}: class {i + 1} value {low['value']!r} is not an integer"
            ) from None
        color = str(low["color"]).strip()
        if not _HEX.match(color):
            raise InvalidParameterError(
                f"legend {label}: class {value} colour {color!r} is not #rrggbb"
            )
        group = str(low.get("group") or "other").strip()
        if group not in GROUPS:
            raise InvalidParameterError(
                f"legend {label}: class {value} group {group!r} is unknown; accepted: "
                + ", ".join(GROUPS)
            )
        names = tuple(
            (lang, str(low.get(f"name_{lang}") or low["name_en"]).strip()) for lang in LANGUAGES
        )
        classes.append(LegendClass(value=value, color=color, group=group, names=names))
    if not classes:
        raise InvalidParameterError(f"legend {label} has no classes")
    return Legend(key=key, title=title, classes=tuple(classes), nodata=nodata)


@cache
def _builtin(key: str) -> Legend:
    fname, nodata, title = BUILTIN_LEGENDS[key]
    text = (_LEGEND_DIR / fname).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    return _rows_to_legend(rows, key, title, nodata, key)


def load_legend(spec: Any, *, nodata: tuple[int, ...] | None = None) -> Legend:
    """Return a :class:`~landprofile.legend.Legend` from a built-in name, a file, or a Legend.

    Parameters
    ----------
    spec
        A :class:`~landprofile.legend.Legend`; a built-in name (``"esa_worldcover_v100"``,
        ``"esa_worldcover_v200"`` or ``"worldcover"``, ``"esa_cci_lc"``, ``"cgls_lc100"``,
        ``"modis_igbp"``); or the path of a CSV, JSON (a list of objects, or
        ``{"classes": [...]}``) or TOML (``[[classes]]``) file.
    nodata
        Values to treat as nodata (besides the raster's own nodata); the built-in
        legend's documented nodata values when ``None``.

    Examples
    --------
    >>> import landprofile as lp
    >>> legend = lp.load_legend("esa_worldcover_v200")
    >>> [(c.value, c.name()) for c in legend.classes[:3]]
    [(10, 'Tree cover'), (20, 'Shrubland'), (30, 'Grassland')]
    >>> legend.by_value()[40].natural  # cropland is not natural habitat
    False
    """
    if isinstance(spec, Legend):
        return spec
    if isinstance(spec, str) and not Path(spec).suffix:
        key = spec.strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key not in BUILTIN_LEGENDS:
            raise InvalidParameterError(
                f"unknown legend {spec!r}; built-in legends: {', '.join(BUILTIN_LEGENDS)} "
                "(or give a CSV / JSON / TOML file)"
            )
        legend = _builtin(key)
        if nodata is not None:
            legend = Legend(legend.key, legend.title, legend.classes, tuple(nodata))
        return legend
    path = Path(spec)
    if not path.exists():
        raise SourceNotFoundError(f"legend file not found: '{path}'")
    text = path.read_text("utf-8")
    suffix = path.suffix.lower()
    import tomllib  # only TOML legends need it

    try:
        if suffix == ".csv":
            rows = list(
                csv.DictReader(
                    io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))
                )
            )
        elif suffix == ".json":
            data = json.loads(text)
            rows = data.get("classes", []) if isinstance(data, dict) else data
        elif suffix == ".toml":
            rows = tomllib.loads(text).get("classes", [])
        else:
            raise UnsupportedFormatError(
                f"legend '{path}': format '{suffix}' not supported; use .csv, .json or .toml"
            )
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
        raise UnreadableFileError(f"legend '{path}' could not be parsed: {exc}") from None
    return _rows_to_legend(list(rows), path.stem, path.stem, tuple(nodata or ()), f"'{path}'")
