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

# the schema's names are also read here by docs/conf.py (the config reference) and tests
from landprofile._config_schema import (
    _BOUNDARY,
    _CARD,
    _CHANGE,
    _DATA,
    _LAYERS,
    _MONITORING,
    _PATH_KEYS,
    _RASTERS,
    _SECTIONS,
    _SELECT,
    _TYPES,
    _ZONING,
)
from landprofile.errors import (
    InvalidParameterError,
    SourceNotFoundError,
    UnreadableFileError,
)

__all__ = ["Config", "ConfigError", "check_output", "load_config"]


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
    text = _decode(path.read_bytes(), path)
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
        ("monitoring", _MONITORING),
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
    _check_credits(data.get("credits"), where)
    b = data.get("boundary")
    if not b:
        raise ConfigError(f"{where}: a [boundary] table is required")
    methods = ("admin", "custom", "basins", "dem", "watershed")
    if b.get("method") not in methods:
        raise ConfigError(
            f"{where}: [boundary] method {b.get('method')!r} is not one of {', '.join(methods)}"
        )
    if "source" not in b:
        raise ConfigError(f"{where}: [boundary] source is required (a file)")
    if b["method"] == "watershed":
        # what users call it: upstream basins or a DEM catchment, told by the inputs given
        b["method"] = _watershed_method(b, where)
    if b["method"] == "dem" and "outlet" not in b:
        raise ConfigError(
            f"{where}: [boundary] method 'dem' needs outlet = [x, y] (the catchment's outlet)"
        )
    if b["method"] == "basins" and "outlet" not in b and "basin_ids" not in b:
        raise ConfigError(
            f"{where}: [boundary] method 'basins' needs outlet = [x, y] or basin_ids = [...]"
        )
    _check_monitoring(data.get("monitoring"), where)
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


#: Byte-order marks a config may start with (Notepad's "UTF-8" and "Unicode" saves).
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with a byte-order mark"),
    (b"\xff\xfe\x00\x00", None, "UTF-32"),
    (b"\x00\x00\xfe\xff", None, "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
#: Suffixes of a DEM (a raster) and of basins (a vector) for ``method = "watershed"``.
_RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img", ".asc", ".nc", ".hgt", ".bil", ".dem"}
_VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".fgb", ".zip", ".parquet", ".kml"}


def _decode(raw: bytes, path: Path) -> str:
    """A config's text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    TOML is UTF-8, but Windows editors save "UTF-8" with a BOM and "Unicode" as UTF-16;
    both are what the user meant, so they are read. Windows-1252 (an older editor) is
    read with a warning, as before. What none of these can be is refused by name rather
    than left to tomllib's "Invalid statement (at line 1, column 1)".
    """
    for bom, codec, label in _BOMS:
        if not raw.startswith(bom):
            continue
        if codec is None:
            raise UnreadableFileError(
                f"config '{path}' is saved as {label}; a config is read as UTF-8 (with or "
                "without byte-order mark) or UTF-16 with byte-order mark: save it as UTF-8"
            )
        try:
            return raw.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(
                f"config '{path}' starts with a {label} byte-order mark but byte "
                f"{exc.start} is not {label}: save it as UTF-8"
            ) from None
    if b"\x00" in raw:
        # UTF-16/32 without a BOM (or a binary file): cp1252 would read it as garbage
        raise UnreadableFileError(
            f"config '{path}' holds NUL bytes: it is not text in UTF-8 (it may be UTF-16 "
            "without a byte-order mark, or not a config at all); a config is read as UTF-8 "
            "(with or without byte-order mark) or UTF-16 with byte-order mark: save it as UTF-8"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # saved as Latin-1 / Windows-1252 by an older editor: read it so, and say so
        import warnings

        from landprofile.errors import TextEncodingWarning, user_stacklevel

        warnings.warn(
            f"config '{path}' is not UTF-8 (TOML requires it): read as Windows-1252; "
            "save it as UTF-8",
            TextEncodingWarning,
            stacklevel=user_stacklevel(),
        )
        return raw.decode("cp1252", errors="replace")


def _watershed_method(b: dict[str, Any], where: str) -> str:
    """``"basins"`` or ``"dem"`` for ``method = "watershed"``, from the inputs given."""
    from landprofile.sources.catalogue import parse_name

    src = b["source"]
    named = parse_name(src) if isinstance(src, str) else None
    kind = None
    if named is not None:
        kind = "basins" if str(src).split(":", 1)[0].lower() == "hydrobasins" else None
    elif isinstance(src, str):
        suffix = Path(src).suffix.lower()
        kind = (
            "dem"
            if suffix in _RASTER_SUFFIXES
            else "basins"
            if suffix in _VECTOR_SUFFIXES
            else None
        )
    basin_keys = sorted({"basin_ids", "upstream", "max_upstream_km2", "fields"} & set(b))
    dem_keys = sorted({"snap_m"} & set(b))
    if basin_keys and dem_keys:
        raise ConfigError(
            f"{where}: [boundary] method 'watershed' with {basin_keys} (basins) and "
            f"{dem_keys} (a DEM): keep the keys of one; or say method = 'basins' / 'dem'"
        )
    hinted = "basins" if basin_keys else "dem" if dem_keys else None
    if kind is None:
        kind = hinted
    elif hinted is not None and hinted != kind:
        raise ConfigError(
            f"{where}: [boundary] method 'watershed': source {src!r} is "
            f"{'a DEM (a raster)' if kind == 'dem' else 'basins (a vector)'} but "
            f"{basin_keys or dem_keys} are keys of {hinted}"
        )
    if kind is None:
        raise ConfigError(
            f"{where}: [boundary] method 'watershed' needs as source either a DEM (a raster: "
            f"{', '.join(sorted(_RASTER_SUFFIXES))}) or HydroBASINS polygons (a vector: "
            f"{', '.join(sorted(_VECTOR_SUFFIXES))}, or hydrobasins:...); source {src!r} is "
            "neither (or say method = 'basins' / 'dem')"
        )
    return kind


def _check_monitoring(mon: Any, where: str) -> None:
    """[monitoring]: footprints are required; land_cover is a table of date = raster."""
    if not mon:
        return
    if "footprints" not in mon:
        raise ConfigError(
            f"{where}: [monitoring] needs footprints: one layer with a date field "
            '(footprints = "detections.geojson", date_field = "year") or a table of '
            'date = file (footprints = { "2020" = "a.gpkg", "2024" = "b.gpkg" })'
        )
    fp = mon["footprints"]
    if not (isinstance(fp, str) or (isinstance(fp, dict) and fp)):
        raise ConfigError(
            f"{where}: [monitoring] footprints = {fp!r} must be a file or a table of date = file"
        )
    lc = mon.get("land_cover")
    if lc is not None and not (
        isinstance(lc, dict) and lc and all(isinstance(v, str) for v in lc.values())
    ):
        raise ConfigError(
            f"{where}: [monitoring] land_cover = {lc!r} must be a table of date = raster "
            '(land_cover = { "2020" = "worldcover:2020", "2021" = "lc2021.tif" })'
        )


def _check_types(data: dict[str, Any], where: str) -> None:
    for (section, key), check in _TYPES.items():
        table = data if not section else data.get(section, {})
        if not isinstance(table, dict) or key not in table:
            continue
        accepted = check(table[key])
        if accepted:
            name = key if not section else f"[{section}] {key}"
            raise ConfigError(f"{where}: {name} = {table[key]!r} must be {accepted}")


def _check_credits(table: Any, where: str) -> None:
    """[credits]: role or file name -> a text or a table of credit keys (landprofile.credits)."""
    if table is None:
        return
    from landprofile.credits import check_credits

    try:
        check_credits(table, f"{where}: [credits]")
    except InvalidParameterError as exc:
        raise ConfigError(str(exc)) from None


def _resolve(data: dict[str, Any], base: Path, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "credits" and isinstance(value, dict) and where.endswith("'"):
            out[key] = value  # texts, never paths (credits.land_cover = "NASA LP DAAC")
        elif key == "footprints" and isinstance(value, dict):
            # a table of date = file (checked before any table: its values are paths)
            out[key] = {d: _path(v, base, f"{where}: footprints.{d}") for d, v in value.items()}
        elif key == "land_cover" and isinstance(value, dict):
            # [monitoring] land_cover: a table of date = raster (named source or file)
            out[key] = {d: _path(v, base, f"{where}: land_cover.{d}") for d, v in value.items()}
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
