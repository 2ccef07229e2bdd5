"""The landscape config's schema: the keys of each table, which are paths, the values' types.

:mod:`landprofile.config` checks a config against it; ``docs/conf.py`` writes the config
reference from it. Plain sets and small checks: reading a config imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

_SECTIONS = {
    "name",
    "language",
    "output",
    "boundary",
    "rasters",
    "layers",
    "zoning",
    "select",
    "card",
    "change",
    "data",
}
_BOUNDARY = {
    "method",
    "source",
    "names",
    "codes",
    "field",
    "layer",
    "buffer_m",
    "clip",
    "outlet",
    "basin_ids",
    "upstream",
    "max_upstream_km2",
    "snap_m",
    "outlet_crs",
    "fields",
    "crs",
}
#: [data]: where named open sources come from (see landprofile.sources).
_DATA = {"mirror"}
_RASTERS = {"land_cover", "legend", "population", "population_kind", "dem"}
_LAYERS = {
    "sites",
    "concessions",
    "protected",
    "rivers",
    "water",
    "settlements",
    "roads",
    "geology",
}
_ZONING = {"rules", "resolution_m", "site_id_field", "enabled"}
#: [select]: the keyword arguments of landprofile.zoning.locate (a short list of zones;
#: on by default in run / zones / demo), ``enabled = false`` for every suitable piece.
#: Written out rather than imported from zoning.locate_options (numpy, scipy): reading a
#: config stays light; tests/test_locate_claims.py keeps the two equal.
_SELECT = {
    "enabled",
    "n_zones",
    "total_area_ha",
    "zone_area_ha",
    "shape",
    "shape_weight",
    "min_spacing_m",
    "max_spacing_m",
    "evaluation",
    "lock_in",
    "method",
    "max_candidates",
    "time_limit_s",
}
_CARD = {"narrative", "scorecard", "admin", "basemap", "scorecard_questions"}
#: [change]: a second date. ``before`` / ``after`` land cover rasters (``before`` defaults
#: to [rasters] land_cover), their legends, mining ``footprints`` (one layer with a date
#: field, or a table of date = file), and a ``baseline`` profile.json for then -> now.
_CHANGE = {
    "before",
    "after",
    "legend",
    "before_legend",
    "after_legend",
    "footprints",
    "date_field",
    "river_buffer_m",
    "baseline",
    "baseline_scorecard",
}
_PATH_KEYS = {
    "source",
    "clip",
    "land_cover",
    "population",
    "dem",
    "narrative",
    "scorecard",
    "scorecard_questions",
    "before",
    "after",
    "baseline",
    "baseline_scorecard",
    "lock_in",
    *_LAYERS,
}


def _is_num(v: Any) -> bool:
    import math

    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _num(lo: float | None = None, *, above: bool = False, hi: float | None = None) -> Any:
    def check(v: Any) -> str | None:
        ok = _is_num(v)
        if ok and lo is not None:
            ok = v > lo if above else v >= lo
        if ok and hi is not None:
            ok = v <= hi
        if ok:
            return None
        rng = ""
        if lo is not None:
            rng = f" {'>' if above else '>='} {lo:g}"
        if hi is not None:
            rng += f" and <= {hi:g}"
        return f"a finite number{rng}"

    return check


def _int(lo: int) -> Any:
    def check(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and v >= lo
        return None if ok else f"a whole number >= {lo}"

    return check


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false (no quotes)"


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "a text in quotes"


def _one_of(*values: str) -> Any:
    def check(v: Any) -> str | None:
        return None if v in values else "one of " + ", ".join(repr(x) for x in values)

    return check


def _strs(v: Any) -> str | None:
    ok = isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
    return None if ok else "a text or a list of texts"


def _pair(v: Any) -> str | None:
    ok = isinstance(v, list) and len(v) == 2 and all(_is_num(x) for x in v)
    return None if ok else "[x, y]: two numbers"


#: Types and ranges of the config's values (section, key): a check returning what is
#: accepted when the value is not.
_TYPES: dict[tuple[str, str], Any] = {
    ("", "name"): _str,
    ("", "language"): _str,
    ("", "output"): _str,
    ("boundary", "names"): _strs,
    ("boundary", "field"): _str,
    ("boundary", "buffer_m"): _num(0),
    ("boundary", "outlet"): _pair,
    ("boundary", "upstream"): _bool,
    ("boundary", "max_upstream_km2"): _num(0, above=True),
    ("boundary", "snap_m"): _num(0),
    ("rasters", "population_kind"): _one_of("count", "density_per_km2"),
    ("zoning", "enabled"): _bool,
    ("zoning", "resolution_m"): _num(0, above=True),
    ("zoning", "site_id_field"): _str,
    ("select", "enabled"): _bool,
    ("select", "n_zones"): _int(1),
    ("select", "total_area_ha"): _num(0, above=True),
    ("select", "shape"): _one_of("compact", "circle", "square", "ellipse"),
    ("select", "shape_weight"): _num(0, hi=1),
    ("select", "min_spacing_m"): _num(0),
    ("select", "max_spacing_m"): _num(0, above=True),
    ("select", "evaluation"): _one_of("mean", "sum", "edge"),
    ("select", "method"): _one_of("exact", "greedy"),
    ("select", "max_candidates"): _int(1),
    ("select", "time_limit_s"): _num(0, above=True),
    ("change", "river_buffer_m"): _num(0),
    ("change", "date_field"): _str,
    ("data", "mirror"): _str,
}
