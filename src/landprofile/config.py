"""The landscape config (TOML): read, validated up front, paths resolved.

Errors name the key and the file; relative paths resolve against the config's folder;
:func:`check_output` refuses an output that would overwrite an input.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landprofile.errors import (
    InvalidParameterError,
    SourceNotFoundError,
    UnreadableFileError,
)

__all__ = ["Config", "ConfigError", "check_output", "load_config"]

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


class ConfigError(InvalidParameterError):
    """A landscape config is invalid; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    """A validated landscape config (paths already resolved)."""

    path: Path
    data: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        """A table of the config (empty when absent)."""
        return dict(self.data.get(name, {}))

    @property
    def name(self) -> str:
        """The landscape's name."""
        return str(self.data["name"])

    @property
    def language(self) -> str:
        """The card's language."""
        return str(self.data.get("language", "fr"))


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a landscape config; resolve its relative paths."""
    path = Path(path)
    if not path.exists():
        raise SourceNotFoundError(f"config file not found: '{path}'")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # saved as Latin-1 / Windows-1252 by an older editor: read it so, and say so
        import warnings

        from landprofile.errors import TextEncodingWarning, user_stacklevel

        text = raw.decode("cp1252", errors="replace")
        warnings.warn(
            f"config '{path}' is not UTF-8 (TOML requires it): read as Windows-1252; "
            "save it as UTF-8",
            TextEncodingWarning,
            stacklevel=user_stacklevel(),
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFileError(f"config '{path}' is not valid TOML: {exc}") from None
    where = f"config '{path}'"
    unknown = set(data) - _SECTIONS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; accepted: {sorted(_SECTIONS)}"
        )
    if not str(data.get("name", "")).strip():
        raise ConfigError(f"{where}: 'name' is required (the landscape's name)")
    if data.get("language", "fr") not in ("fr", "en", "es"):
        raise ConfigError(f"{where}: language {data['language']!r} is not one of fr, en, es")
    for section, keys in (
        ("boundary", _BOUNDARY),
        ("rasters", _RASTERS),
        ("layers", _LAYERS),
        ("zoning", _ZONING),
        ("select", _SELECT),
        ("card", _CARD),
        ("change", _CHANGE),
        ("data", _DATA),
    ):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        bad = set(table) - keys
        if bad:
            raise ConfigError(
                f"{where}: [{section}] has unknown key(s) {sorted(bad)}; accepted: {sorted(keys)}"
            )
    _check_types(data, where)
    b = data.get("boundary")
    if not b:
        raise ConfigError(f"{where}: a [boundary] table is required")
    methods = ("admin", "custom", "basins", "dem")
    if b.get("method") not in methods:
        raise ConfigError(
            f"{where}: [boundary] method {b.get('method')!r} is not one of {', '.join(methods)}"
        )
    if "source" not in b:
        raise ConfigError(f"{where}: [boundary] source is required (a file)")
    sel = data.get("select", {})
    if "enabled" in sel and not isinstance(sel["enabled"], bool):
        raise ConfigError(f"{where}: [select] enabled = {sel['enabled']!r} must be true or false")
    if "zone_area_ha" in sel and not (
        isinstance(sel["zone_area_ha"], int | float)
        or (isinstance(sel["zone_area_ha"], list) and len(sel["zone_area_ha"]) == 2)
    ):
        raise ConfigError(
            f"{where}: [select] zone_area_ha = {sel['zone_area_ha']!r} must be [min, max] "
            "in ha (or one number, the maximum)"
        )
    if sel:
        # the same check locate() makes, now: a reversed zone_area_ha is refused before
        # the rules run, not after
        from landprofile.zoning.locate import check_options

        try:
            check_options(sel, where=f"{where}: [select]", allow_enabled=True)
        except InvalidParameterError as exc:
            raise ConfigError(str(exc)) from None
    base = path.parent
    resolved = _resolve(data, base, where)
    if isinstance(resolved.get("output"), str):
        # the output folder need not exist yet (unlike an input): resolved, not checked
        o = Path(resolved["output"]).expanduser()
        resolved["output"] = Path(os.path.abspath(o if o.is_absolute() else base / o))
    return Config(path=path, data=resolved)


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


def _check_types(data: dict[str, Any], where: str) -> None:
    for (section, key), check in _TYPES.items():
        table = data if not section else data.get(section, {})
        if not isinstance(table, dict) or key not in table:
            continue
        accepted = check(table[key])
        if accepted:
            name = key if not section else f"[{section}] {key}"
            raise ConfigError(f"{where}: {name} = {table[key]!r} must be {accepted}")


def _resolve(data: dict[str, Any], base: Path, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "footprints" and isinstance(value, dict):
            # a table of date = file (checked before any table: its values are paths)
            out[key] = {d: _path(v, base, f"{where}: footprints.{d}") for d, v in value.items()}
        elif isinstance(value, dict):
            out[key] = _resolve(value, base, f"{where} [{key}]")
        elif key in _PATH_KEYS and isinstance(value, str) and value != "default":
            out[key] = _path(value, base, f"{where}: {key}")
        elif key == "admin":
            values = value if isinstance(value, list) else [value]
            out[key] = [_path(v, base, f"{where}: admin") for v in values]
        elif key == "footprints" and isinstance(value, str):
            out[key] = _path(value, base, f"{where}: footprints")
        elif key.endswith("legend") and isinstance(value, str) and Path(value).suffix:
            # a legend file (CSV/JSON), not a built-in legend name: resolve like any path
            out[key] = _path(value, base, f"{where}: legend")
        elif key == "rules" and isinstance(value, str) and value != "default":
            out[key] = _path(value, base, f"{where}: rules")
        elif key == "mirror" and isinstance(value, str) and not value.startswith("http"):
            out[key] = _path(value, base, f"{where}: mirror")
        elif key == "basemap" and isinstance(value, str) and not value.startswith("http"):
            out[key] = _path(value, base, f"{where}: basemap")
        else:
            out[key] = value
    return out


def _path(value: str, base: Path, what: str) -> Any:
    from landprofile.sources.catalogue import check_spec, parse_name

    named = parse_name(value)
    if named is not None:
        try:
            check_spec(*named)  # a wrong spec is refused before any stage runs
        except InvalidParameterError as exc:
            raise ConfigError(f"{what}: {exc}") from None
        return value  # a named open source (worldcover:2021...), resolved when read
    p = Path(value).expanduser()
    p = p if p.is_absolute() else base / p
    if not p.exists():
        raise SourceNotFoundError(f"{what}: file not found: '{p}'")
    return p


def _inputs(value: Any) -> list[Path]:
    if isinstance(value, Path):
        return [value]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _inputs(v)]
    if isinstance(value, list | tuple):
        return [p for v in value for p in _inputs(v)]
    return []


def check_output(cfg: Config, out: Path, *, folder: bool = False) -> None:
    """Refuse an output that would overwrite an input (or, for a folder, hold one).

    Raises
    ------
    OutputError
        Naming the output and the input it would destroy.
    """
    from landprofile.errors import OutputError

    target = Path(out).resolve()
    inputs = _inputs({k: v for k, v in cfg.data.items() if k != "output"})  # not an input
    for p in [cfg.path, *inputs]:
        q = Path(p).resolve()
        if q == target or (folder and target in q.parents):
            raise OutputError(
                f"output '{out}' would overwrite the input '{p}' of {cfg.path.name}; "
                "choose another output path"
            )
