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
    "monitoring",
    "data",
    "credits",
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
_CARD = {
    "narrative",
    "scorecard",
    "admin",
    "basemap",
    "scorecard_questions",
    # a workshop's scores (CSV: participant, indicator, then, now), landprofile.profilecard.workshop
    "workshop_scores",
    "workshop_disagree_iqr",
    "workshop_invalid",
}
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
#: [monitoring]: the monitoring section of the card, the GeoPackage's ``alerts`` layer and
#: ``alerts.csv``: mining ``footprints`` by date (one layer with a date field, or a table
#: of date = file), ``land_cover`` by date (a table of date = raster), their ``legend``,
#: the ``river_buffer_m``; protected areas, concessions and rivers are [layers]'.
_MONITORING = {"footprints", "date_field", "land_cover", "legend", "river_buffer_m", "alerts"}
_PATH_KEYS = {
    "source",
    "clip",
    "land_cover",
    "population",
    "dem",
    "narrative",
    "scorecard",
    "scorecard_questions",
    "workshop_scores",
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
    ("card", "workshop_disagree_iqr"): _num(0, hi=4),
    ("card", "workshop_invalid"): _one_of("error", "skip"),
    ("select", "time_limit_s"): _num(0, above=True),
    ("change", "river_buffer_m"): _num(0),
    ("change", "date_field"): _str,
    ("monitoring", "date_field"): _str,
    ("monitoring", "river_buffer_m"): _num(0),
    ("monitoring", "alerts"): _bool,
    ("data", "mirror"): _str,
}

#: What each key means, for the config reference (docs/conf.py writes it from here; a
#: test checks every key of the schema has an entry): (section, key) -> (type, default,
#: description). The accepted values come from ``_TYPES`` where a check exists.
_DOCS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("", "name"): ("text", "required", "The landscape's name, on the card and in every output."),
    ("", "language"): ("text", '"fr"', 'The card\'s language: "fr", "en" or "es".'),
    ("", "output"): ("path", "none (--out)", "Output folder of `run`; the CLI's --out wins."),
    ("", "credits"): (
        "table",
        "none (sidecar, catalogue, else 'credit not given')",
        "Who made each input and on what terms, by role or file name: "
        '`[credits.sites]` credit = "...", licence = "...", and optionally citation, doi, '
        'version, synthetic; or `credits.sites = "..."` (the credit only). Beats a sidecar '
        "`<file>.credit.toml` next to the file, and a named source's own citation.",
    ),
    ("boundary", "method"): (
        "text",
        "required",
        'How the boundary is made: "admin" (units by name or code), "custom" (your '
        'polygons), "basins" (upstream HydroBASINS), "dem" (a catchment on a DEM), or '
        '"watershed": basins when the source is a vector (or hydrobasins:...), a DEM '
        "when it is a raster.",
    ),
    ("boundary", "source"): ("path or named source", "required", "The boundary's input file."),
    ("boundary", "names"): ("text or list", "none", "admin: the units to keep, by name."),
    ("boundary", "codes"): ("text or list", "none", "admin: the units to keep, by code."),
    ("boundary", "field"): ("text", "detected", "admin: the field holding the units' names."),
    ("boundary", "layer"): ("text", "the only data layer", "The layer of a multi-layer file."),
    ("boundary", "buffer_m"): ("number (m)", "none", "custom: a buffer around the polygons."),
    ("boundary", "clip"): ("path", "none", "custom: a polygon file the boundary is clipped to."),
    ("boundary", "outlet"): (
        "[x, y]",
        "required for dem",
        "basins / dem: the outlet point, in outlet_crs.",
    ),
    ("boundary", "basin_ids"): ("list", "none", "basins: HYBAS_IDs instead of an outlet."),
    ("boundary", "upstream"): ("true/false", "true", "basins: add every basin upstream."),
    ("boundary", "max_upstream_km2"): (
        "number (km²)",
        "none",
        "basins: refuse an upstream area larger than this.",
    ),
    ("boundary", "snap_m"): (
        "number (m)",
        "from_dem's default",
        "dem: how far the outlet may move to the highest-flow cell.",
    ),
    ("boundary", "outlet_crs"): ("CRS", "4326", "basins / dem: the CRS of outlet."),
    ("boundary", "fields"): ("table", "HydroBASINS'", "basins: the names of the basin fields."),
    ("boundary", "crs"): ("CRS", "the file's", "custom: the CRS of a file that has none."),
    ("data", "mirror"): (
        "folder or URL",
        "none",
        "Where named open sources are read from instead of their hosts.",
    ),
    ("rasters", "land_cover"): ("path or named source", "none", "The land cover raster."),
    ("rasters", "legend"): (
        "legend name or CSV/JSON",
        "detected",
        "What the land cover's values mean (modis_igbp, esa_worldcover_v200, a file...).",
    ),
    ("rasters", "population"): ("path or named source", "none", "The population raster."),
    ("rasters", "population_kind"): (
        "text",
        "count",
        "Whether its cells hold persons (count) or persons per km².",
    ),
    ("rasters", "dem"): ("path", "none", "An elevation raster for the profile's elevation."),
    **{
        ("layers", k): ("path or named source", "none", f"The {k} layer (any vector format).")
        for k in ("sites", "concessions", "protected", "rivers", "water", "settlements")
    },
    ("layers", "roads"): ("path", "none", "The roads layer (zoning's access factor)."),
    ("layers", "geology"): ("path", "none", "The geology layer (zoning's geology factor)."),
    ("zoning", "rules"): (
        'path or "default"',
        '"default"',
        "The rule set (TOML); default: the IGF criteria (data/rules/default_igf.toml).",
    ),
    ("zoning", "resolution_m"): ("number (m)", "the rules' [grid]", "The zoning grid's cell."),
    ("zoning", "site_id_field"): ("text", "detected", "The field identifying each mining site."),
    ("zoning", "enabled"): ("true/false", "true", "false: no zoning (and no zones on the card)."),
    ("select", "enabled"): (
        "true/false",
        "true",
        "false: every suitable piece instead of a short list of zones.",
    ),
    ("select", "n_zones"): ("whole number", "none", "How many zones to locate."),
    ("select", "total_area_ha"): ("number (ha)", "none", "Or: how much area to locate."),
    ("select", "zone_area_ha"): (
        "[min, max] (ha)",
        "the rules' [zones]",
        "Each zone's area (one number: the maximum).",
    ),
    ("select", "shape"): ("text", '"compact"', "The zones' shape."),
    ("select", "shape_weight"): ("number 0-1", "0.5", "How much shape counts against score."),
    ("select", "min_spacing_m"): ("number (m)", "0", "The least distance between two zones."),
    ("select", "max_spacing_m"): ("number (m)", "none", "The most distance to the nearest zone."),
    ("select", "evaluation"): ("text", '"mean"', "How a zone's score is summed from its cells."),
    ("select", "lock_in"): ("path", "none", "Permits or zones that must be kept."),
    ("select", "method"): ("text", '"exact"', "exact (MILP, HiGHS) or greedy selection."),
    ("select", "max_candidates"): ("whole number", "1000", "Candidate regions considered."),
    ("select", "time_limit_s"): ("number (s)", "30", "The exact solver's time limit."),
    ("card", "narrative"): ("path", "none", "The team's narrative (YAML): fields and photos."),
    ("card", "scorecard"): ("path", "none", "The workshop's scorecard (TOML [scores])."),
    ("card", "admin"): ("path or list", "none", "Boundaries drawn on the location map."),
    ("card", "basemap"): (
        "path or URL",
        "none",
        "A basemap (MBTiles, or tiles the policy allows).",
    ),
    ("card", "scorecard_questions"): ("path", "built-in", "Another scorecard's questions."),
    ("card", "workshop_scores"): (
        "path",
        "none",
        "A workshop's scores (CSV: participant, indicator, then, now): median, spread, count.",
    ),
    ("card", "workshop_disagree_iqr"): (
        "number 0-4 (points)",
        "2",
        "Participants disagree on an indicator when their scores' IQR reaches this.",
    ),
    ("card", "workshop_invalid"): (
        '"error" or "skip"',
        '"error"',
        "Invalid score rows stop the run (named with their row), or are left out and warned.",
    ),
    ("change", "before"): ("path", "[rasters] land_cover", "The first date's land cover."),
    ("change", "after"): ("path", "none", "The second date's land cover."),
    ("change", "legend"): ("legend", "detected", "The legend of both dates."),
    ("change", "before_legend"): ("legend", "legend", "The first date's legend."),
    ("change", "after_legend"): ("legend", "legend", "The second date's legend."),
    ("change", "footprints"): (
        "path or table date = path",
        "none",
        "Mining footprints: one layer with a date field, or one file per date.",
    ),
    ("change", "date_field"): ("text", "detected", "The footprints' date field."),
    ("change", "river_buffer_m"): (
        "number (m)",
        "the rules'",
        "Footprint near rivers within this distance.",
    ),
    ("change", "baseline"): ("path", "none", "An earlier profile.json: then -> now."),
    ("change", "baseline_scorecard"): ("path", "none", "The earlier scorecard."),
    ("monitoring", "footprints"): (
        "path or table date = path",
        "required",
        "Mining footprints by date: one layer with a date field, or one file per date.",
    ),
    ("monitoring", "date_field"): ("text", "detected", "The footprints' date field."),
    ("monitoring", "land_cover"): (
        "table date = path or named source",
        "none",
        "Land cover by date: its shares per date on the card (two or more: the series).",
    ),
    ("monitoring", "legend"): ("legend", "detected", "The legend of those land covers."),
    ("monitoring", "river_buffer_m"): (
        "number (m)",
        "100",
        "Footprint and alerts near rivers ([layers] rivers) within this distance.",
    ),
    ("monitoring", "alerts"): (
        "true/false",
        "true",
        "The alerts of new mining (card table and map, GeoPackage layer, alerts.csv).",
    ),
}
