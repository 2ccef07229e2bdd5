"""One-command runs from a landscape config (TOML): boundary → profile → zones → card.

The config is read and checked by :mod:`landprofile.config`. :func:`run` writes
``profile.json``, ``zones.gpkg``, ``card.html`` and ``card.pdf`` into a staging folder
inside the output folder and renames them into place only when everything succeeded, so
a failed run leaves the folder as it was. The output folder must be new, empty, or hold a
previous landprofile output (its manifest, see :mod:`landprofile._outdir`): files
landprofile did not write are never replaced or deleted.
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landprofile import _outdir
from landprofile._progress import Progress, Steps, nested
from landprofile.config import Config, ConfigError, check_output, load_config
from landprofile.landscape import Landscape

# Config, ConfigError, check_output and load_config live in landprofile.config; they are
# re-exported here, where the CLI and earlier code import them from.
__all__ = [
    "Config",
    "ConfigError",
    "RunOutputs",
    "build_boundary",
    "build_profile",
    "build_zoning",
    "check_output",
    "load_config",
    "run",
    "select_options",
    "use_data_settings",
]


def build_boundary(cfg: Config, progress: Progress | None = None) -> Landscape:
    """The landscape boundary the config asks for (``progress``: steps of a DEM's).

    The config's ``[data] mirror`` holds while it is built.
    """
    with data_settings(cfg):
        return _build_boundary(cfg, progress)


def _build_boundary(cfg: Config, progress: Progress | None) -> Landscape:
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


def select_options(cfg: Config, **overrides: Any) -> dict[str, Any] | None:
    """The config's [select] as :func:`landprofile.zoning.locate` arguments (``None``: off).

    A short list is located unless ``[select] enabled = false``; ``overrides`` (the CLI's
    options, ``None`` for not given) win over the config. Checked whole (config and
    overrides together) before anything runs: a :class:`ConfigError` names the value.
    """
    from landprofile.errors import InvalidParameterError
    from landprofile.zoning.locate import check_options

    sel = cfg.section("select")
    sel.update({k: v for k, v in overrides.items() if v is not None})
    try:
        check_options(sel, where=f"config '{cfg.path}' [select]", allow_enabled=True)
    except InvalidParameterError as exc:
        # a ConfigError, like every other problem of the config file
        raise ConfigError(str(exc)) from None
    if not sel.pop("enabled", True):
        return None
    if isinstance(sel.get("zone_area_ha"), list):
        sel["zone_area_ha"] = tuple(sel["zone_area_ha"])
    return sel


def build_zoning(
    cfg: Config,
    ls: Landscape,
    progress: Progress | None = None,
    select: dict[str, Any] | bool | None = True,
    cluster: dict[str, Any] | None = None,
) -> Any:
    """The candidate zones of a config's [zoning], [rasters] and [layers] in ``ls``.

    ``select``: ``True`` for the config's [select] (a short list unless disabled),
    ``False``/``None`` for every suitable piece, or :func:`locate` arguments.
    ``cluster``: where the tiles run (``{"client": ...}``, passed to ``candidates``).
    """
    import landprofile as lp

    r, layers, z = cfg.section("rasters"), cfg.section("layers"), cfg.section("zoning")
    if select is True:
        select = select_options(cfg)
    elif select is False:
        select = None
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
            select=select,
            progress=progress,
            **(cluster or {}),
        )


@dataclass(frozen=True)
class RunOutputs:
    """Paths written by :func:`run`."""

    folder: Path
    profile_json: Path
    zones_gpkg: Path | None
    card_html: Path
    card_pdf: Path
    #: The [monitoring] section's files (alerts.csv, alerts.gpkg, monitoring.json).
    monitoring: tuple[Path, ...] = ()


def build_profile(cfg: Config, ls: Landscape, progress: Progress | None = None) -> Any:
    """The profile of ``ls`` from a config's [rasters] and [layers] (its mirror holds)."""
    import landprofile as lp

    r, layers = cfg.section("rasters"), cfg.section("layers")
    with data_settings(cfg):
        return _profile(lp, ls, r, layers, cfg, progress)


def _profile(lp: Any, ls: Landscape, r: Any, layers: Any, cfg: Config, progress: Any) -> Any:
    return lp.profile(
        ls,
        land_cover=r.get("land_cover"),
        legend=r.get("legend"),
        population=r.get("population"),
        population_kind=r.get("population_kind"),
        dem=r.get("dem"),
        layers={k: v for k, v in layers.items() if k in ("sites", "concessions", "protected")},
        lang=cfg.language,
        progress=progress,
        credits=cfg.section("credits"),
    )


def use_data_settings(cfg: Config) -> None:
    """Put the config's ``[data] mirror`` in effect (``lp.options.data_mirror``)."""
    from landprofile._options import options

    mirror = cfg.section("data").get("mirror")
    if mirror is not None:
        options.data_mirror = str(mirror)


class data_settings:  # noqa: N801  (a context manager used like a function)
    """The config's ``[data] mirror`` in effect for a block (``lp.options.data_mirror``)."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg

    def __enter__(self) -> None:
        from landprofile._options import options

        self.old = options.data_mirror
        use_data_settings(self.cfg)

    def __exit__(self, *exc: object) -> None:
        from landprofile._options import options

        options.data_mirror = self.old


def run(
    cfg: Config | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    progress: Progress | None = None,
    cluster: dict[str, Any] | None = None,
) -> RunOutputs:
    """Run the whole pipeline for one landscape config and write its outputs atomically.

    ``progress`` is told each stage (``boundary``, ``profile``, ``zones``, ``change``,
    ``card``) and the steps of the long ones (``zones · regions``), as they start and end.
    ``cluster``: where the zoning's tiles run (``{"client": ...}``, see
    :func:`landprofile.zoning.candidates`).
    """
    cfg = cfg if isinstance(cfg, Config) else load_config(cfg)
    stage = Steps(progress)
    # resolved, so that "." and the current folder have a name; a config's output is
    # already absolute (resolved against the config's folder by load_config)
    out = Path(out_dir or cfg.data.get("output") or cfg.path.parent / "landprofile-out")
    out = out.expanduser().resolve()
    from landprofile._owned import check_name

    check_name(out, "output folder")  # a non-UTF-8 name fails now, not after the work
    # the run writes into the output folder: it must hold no input
    check_output(cfg, out, folder=True)
    from landprofile.profilecard.inputs import check_card_files

    # before any work: a missing photo or a bad narrative is named now, not after zoning
    c = cfg.section("card")
    check_card_files(
        c.get("narrative"),
        c.get("scorecard"),
        c.get("scorecard_questions"),
        cfg.section("change").get("baseline_scorecard"),
    )
    from landprofile.profilecard.workshop import from_config as workshop_from_config

    workshop_from_config(c, warn=False)  # a workshop's invalid score rows named now
    # before any work: refuse a folder holding anything landprofile did not write
    previous = _outdir.prepare(out)
    created = _outdir.make_folder(out)
    try:
        # one run at a time in a folder, refused now rather than after a whole run
        _outdir.lock(out)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        previous = _outdir.prepare(out)  # again, now that no other run can change it
        tmp = _outdir.stage(out)
    except BaseException:
        _outdir.unlock(out)
        _remove_empty(created)
        raise
    try:
        with data_settings(cfg):
            return _run(cfg, out, tmp, stage, progress, previous, cluster)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _outdir.unlock(out)
        _remove_empty(created)  # a failed run leaves no folder it made
        raise
    finally:
        _outdir.unlock(out)


def input_sources(cfg: Config, prof: Any = None) -> list[dict[str, Any]]:
    """Every input of a config by role, each with its credit (see :mod:`landprofile.credits`).

    The profile's own records first (they carry the legend and the cell size), then the
    config's vector layers, the card's admin layers and basemap, the [change] dates and
    footprints. A named source carries its citation, licence and DOI; a local file the
    config's [credits] or its sidecar; anything else says "credit not given".
    """
    from landprofile._credit_lists import card_credits
    from landprofile.credits import credit_for, lookup, record

    credits = cfg.section("credits")
    out: list[dict[str, Any]] = [dict(s) for s in (prof.sources if prof is not None else ())]
    seen = {str(s.get("source")) for s in out}

    def add(role: str, value: Any, key: str | None = None) -> None:
        label = value[0] if isinstance(value, tuple | list) else value
        if label is None or str(label) in seen:
            return
        seen.add(str(label))
        c = credit_for(key or role, label, lookup(credits, key or role, label))
        out.append(record(c, role=role, source=str(label)))

    if prof is None:  # no profile (zones, qgis project): the config's boundary and rasters
        b, r = cfg.section("boundary"), cfg.section("rasters")
        add("boundary", b.get("source"))
        add("boundary_clip", b.get("clip"))
        for role in ("land_cover", "population", "dem"):
            add(role, r.get(role))
    for role, value in cfg.section("layers").items():
        add(f"layer:{role}", value, role)
    card, ch = cfg.section("card"), cfg.section("change")
    admin = card.get("admin") or []
    for value in admin if isinstance(admin, list) else [admin]:
        add("admin", value)
    for when in ("before", "after"):
        if ch.get(when) is not None:
            add(f"change_{when}", ch[when])
    fps = ch.get("footprints")
    for value in fps.values() if isinstance(fps, dict) else [fps] if fps is not None else []:
        add("footprints", value)
    for c in card_credits(basemap=card.get("basemap"), credits=credits):
        if c.name not in seen:
            out.append(record(c))
    return out


def _remove_empty(created: list[Path]) -> None:
    """Remove the folders a failed run created (deepest first), if they are empty."""
    for p in created:
        try:
            p.rmdir()
        except OSError:
            break  # not empty (someone wrote there) or gone: leave it and its parents


def _run(
    cfg: Config,
    out: Path,
    tmp: Path,
    stage: Steps,
    progress: Progress | None,
    previous: list[str],
    cluster: dict[str, Any] | None = None,
) -> RunOutputs:
    import landprofile as lp

    stage.start("boundary")
    ls = build_boundary(cfg, nested(progress, "boundary · "))
    r, layers = cfg.section("rasters"), cfg.section("layers")
    stage.start("profile")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lp.errors.GeometryRepairWarning)
        prof = build_profile(cfg, ls, nested(progress, "profile · "))
    prof.to_json(tmp / "profile.json", relative_to=cfg.path.parent)
    z = cfg.section("zoning")
    zoning = None
    zones_path = None
    if z.get("enabled", True) and (layers or r.get("land_cover")):
        stage.start("zones")
        zoning = build_zoning(cfg, ls, nested(progress, "zones · "), cluster=cluster)
        zones_path = tmp / "zones.gpkg"
        from landprofile.qgis.gpkg import map_inputs

        # the card's map in the file, styled for QGIS, with a project (landprofile.qgis)
        zoning.to_gpkg(zones_path, sources=input_sources(cfg, prof), **map_inputs(cfg))
    from landprofile.pipeline_change import build_change, write_change

    change, timeline, baseline = build_change(cfg, ls, layers)
    if change is not None or timeline is not None:
        stage.start("change")
        write_change(
            tmp / "change.json",
            change,
            timeline,
            cfg.path.parent,
            footprints=cfg.section("change").get("footprints"),
            credits=cfg.section("credits"),
        )
    from landprofile.pipeline_monitoring import build_monitoring, write_monitoring

    mon = cfg.section("monitoring")
    report = None
    mon_files: list[Path] = []
    if mon:
        stage.start("monitoring")
        report = build_monitoring(cfg, ls, layers)
        mon_files = write_monitoring(tmp, report, zones_path, cfg.language)
    stage.start("card")
    c = cfg.section("card")
    from landprofile.profilecard.workshop import from_config as workshop_from_config

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
        footprints=cfg.section("change").get("footprints") or mon.get("footprints"),
        date_field=cfg.section("change").get("date_field") or mon.get("date_field"),
        timeline=timeline,
        baseline=baseline,
        baseline_scorecard=cfg.section("change").get("baseline_scorecard"),
        monitoring=report,
        credits=cfg.section("credits"),
        workshop=workshop_from_config(c),
    )
    crd.save(tmp / "card.html")
    crd.to_pdf(tmp / "card.pdf")
    stage.end()
    _outdir.commit(tmp, out, previous)
    return RunOutputs(
        folder=out,
        profile_json=out / "profile.json",
        zones_gpkg=(out / "zones.gpkg") if zones_path else None,
        card_html=out / "card.html",
        card_pdf=out / "card.pdf",
        monitoring=tuple(out / p.name for p in mon_files),
    )
