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
    try:
        data = tomllib.loads(path.read_text("utf-8"))
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
    ):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        bad = set(table) - keys
        if bad:
            raise ConfigError(
                f"{where}: [{section}] has unknown key(s) {sorted(bad)}; accepted: {sorted(keys)}"
            )
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
    base = path.parent
    resolved = _resolve(data, base, where)
    return Config(path=path, data=resolved)


def _resolve(data: dict[str, Any], base: Path, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out[key] = _resolve(value, base, f"{where} [{key}]")
        elif key in _PATH_KEYS and isinstance(value, str) and value != "default":
            out[key] = _path(value, base, f"{where}: {key}")
        elif key == "admin":
            values = value if isinstance(value, list) else [value]
            out[key] = [_path(v, base, f"{where}: admin") for v in values]
        elif key == "footprints" and isinstance(value, str):
            out[key] = _path(value, base, f"{where}: footprints")
        elif key == "footprints" and isinstance(value, dict):
            out[key] = {d: _path(v, base, f"{where}: footprints.{d}") for d, v in value.items()}
        elif key.endswith("legend") and isinstance(value, str) and Path(value).suffix:
            # a legend file (CSV/JSON), not a built-in legend name: resolve like any path
            out[key] = _path(value, base, f"{where}: legend")
        elif key == "rules" and isinstance(value, str) and value != "default":
            out[key] = _path(value, base, f"{where}: rules")
        elif key == "basemap" and isinstance(value, str) and not value.startswith("http"):
            out[key] = _path(value, base, f"{where}: basemap")
        else:
            out[key] = value
    return out


def _path(value: str, base: Path, what: str) -> Path:
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
    for p in [cfg.path, *_inputs(cfg.data)]:
        q = Path(p).resolve()
        if q == target or (folder and target in q.parents):
            raise OutputError(
                f"output '{out}' would overwrite the input '{p}' of {cfg.path.name}; "
                "choose another output path"
            )
