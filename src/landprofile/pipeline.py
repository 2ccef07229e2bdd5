"""One-command runs from a landscape config (TOML): boundary → profile → zones → card.

The config is validated up front (errors name the key and the file); relative paths
resolve against the config's folder. :func:`run` writes ``profile.json``, ``zones.gpkg``,
``card.html`` and ``card.pdf`` into a fresh temporary folder beside the output folder and
swaps it into place only when everything succeeded, so a failed run never leaves a
half-written file or a half-overwritten folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landprofile._progress import Progress, Steps, nested
from landprofile.errors import (
    InvalidParameterError,
    SourceNotFoundError,
    UnreadableFileError,
)
from landprofile.landscape import Landscape

__all__ = ["Config", "RunOutputs", "build_boundary", "load_config", "run"]

_SECTIONS = {
    "name",
    "language",
    "output",
    "boundary",
    "rasters",
    "layers",
    "zoning",
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


def build_boundary(cfg: Config, progress: Progress | None = None) -> Landscape:
    """The landscape boundary the config asks for (``progress``: steps of a DEM's)."""
    import landprofile as lp

    b = cfg.section("boundary")
    method = b.pop("method")
    src = b.pop("source")
    name = cfg.name
    if method == "admin":
        return lp.from_admin(
            src,
            names=b.get("names"),
            codes=b.get("codes"),
            field=b.get("field"),
            name=name,
            layer=b.get("layer"),
        )
    if method == "custom":
        return lp.from_polygons(
            src,
            name=name,
            layer=b.get("layer"),
            buffer_m=b.get("buffer_m"),
            clip=b.get("clip"),
            crs=b.get("crs"),
        )
    if method == "basins":
        return lp.from_basins(
            src,
            outlet=b.get("outlet"),
            basin_ids=b.get("basin_ids"),
            upstream=b.get("upstream", True),
            max_upstream_km2=b.get("max_upstream_km2"),
            fields=b.get("fields"),
            name=name,
            layer=b.get("layer"),
            outlet_crs=b.get("outlet_crs", 4326),
        )
    kw = {"snap_m": b["snap_m"]} if "snap_m" in b else {}
    return lp.from_dem(
        src,
        b["outlet"],
        name=name,
        outlet_crs=b.get("outlet_crs", 4326),
        progress=progress,
        **kw,
    )


def build_zoning(cfg: Config, ls: Landscape, progress: Progress | None = None) -> Any:
    """The candidate zones of a config's [zoning], [rasters] and [layers] in ``ls``."""
    import landprofile as lp

    r, layers, z = cfg.section("rasters"), cfg.section("layers"), cfg.section("zoning")
    rules = z.get("rules")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lp.errors.GeometryRepairWarning)
        return lp.zoning.candidates(
            ls,
            rules=None if rules in (None, "default") else rules,
            land_cover=r.get("land_cover"),
            legend=r.get("legend"),
            dem=r.get("dem"),
            resolution_m=z.get("resolution_m"),
            site_id_field=z.get("site_id_field"),
            lang=cfg.language,
            **layers,  # [layers] keys are checked against _LAYERS, candidates' arguments
            progress=progress,
        )


@dataclass(frozen=True)
class RunOutputs:
    """Paths written by :func:`run`."""

    folder: Path
    profile_json: Path
    zones_gpkg: Path | None
    card_html: Path
    card_pdf: Path


def run(
    cfg: Config | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    progress: Progress | None = None,
) -> RunOutputs:
    """Run the whole pipeline for one landscape config and write its outputs atomically.

    ``progress`` is told each stage (``boundary``, ``profile``, ``zones``, ``change``,
    ``card``) and the steps of the long ones (``zones · regions``), as they start and end.
    """
    import landprofile as lp

    cfg = cfg if isinstance(cfg, Config) else load_config(cfg)
    stage = Steps(progress)
    out = Path(out_dir or cfg.data.get("output") or cfg.path.parent / "landprofile-out")
    # the run replaces the whole output folder: it must hold no input
    check_output(cfg, out, folder=True)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        from landprofile.errors import OutputError

        raise OutputError(f"cannot write the folder '{out}': {exc.strerror or exc}") from None
    try:
        stage.start("boundary")
        ls = build_boundary(cfg, nested(progress, "boundary · "))
        r = cfg.section("rasters")
        layers = cfg.section("layers")
        stage.start("profile")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", lp.errors.GeometryRepairWarning)
            prof = lp.profile(
                ls,
                land_cover=r.get("land_cover"),
                legend=r.get("legend"),
                population=r.get("population"),
                population_kind=r.get("population_kind"),
                dem=r.get("dem"),
                layers={
                    k: v for k, v in layers.items() if k in ("sites", "concessions", "protected")
                },
                lang=cfg.language,
            )
        prof.to_json(tmp / "profile.json", relative_to=cfg.path.parent)
        z = cfg.section("zoning")
        zoning = None
        zones_path = None
        if z.get("enabled", True) and (layers or r.get("land_cover")):
            stage.start("zones")
            zoning = build_zoning(cfg, ls, nested(progress, "zones · "))
            zones_path = tmp / "zones.gpkg"
            zoning.to_gpkg(zones_path)
        from landprofile.pipeline_change import build_change, write_change

        change, timeline, baseline = build_change(cfg, ls, layers)
        if change is not None or timeline is not None:
            stage.start("change")
            write_change(tmp / "change.json", change, timeline, cfg.path.parent)
        stage.start("card")
        c = cfg.section("card")
        crd = lp.card(
            prof,
            zoning=zoning,
            narrative=c.get("narrative"),
            scorecard=c.get("scorecard"),
            lang=cfg.language,
            basemap=c.get("basemap"),
            layers=layers,
            land_cover=r.get("land_cover"),
            legend=r.get("legend"),
            admin=c.get("admin"),
            scorecard_questions=c.get("scorecard_questions"),
            change=change,
            footprints=cfg.section("change").get("footprints"),
            date_field=cfg.section("change").get("date_field"),
            timeline=timeline,
            baseline=baseline,
            baseline_scorecard=cfg.section("change").get("baseline_scorecard"),
        )
        crd.save(tmp / "card.html")
        crd.to_pdf(tmp / "card.pdf")
        stage.end()
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunOutputs(
        folder=out,
        profile_json=out / "profile.json",
        zones_gpkg=(out / "zones.gpkg") if zones_path else None,
        card_html=out / "card.html",
        card_pdf=out / "card.pdf",
    )


def _swap_into_place(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new`` with renames only (the old folder is kept until then)."""
    os.chmod(new, 0o755)
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(new, out)
        except BaseException:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)
