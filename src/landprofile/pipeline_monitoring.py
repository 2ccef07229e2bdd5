"""The config's [monitoring] section: footprints by date, alerts, land cover by date.

:func:`build_monitoring` makes the :class:`~landprofile.monitoring.report.MonitoringReport`
of a config (protected areas, concessions and rivers are its [layers]);
:func:`write_monitoring` writes, into a run's staging folder, ``alerts.csv``, the
``alerts`` layer (into ``zones.gpkg`` when the run zoned, else ``alerts.gpkg``) and
``monitoring.json`` (timeline, its parts, land-cover shares, no path). :func:`monitor`
is the ``landprofile monitor`` command: boundary, monitoring and card, into an output
folder with the same guarantees as a run (see :mod:`landprofile._outdir`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landprofile.config import Config, ConfigError, load_config
from landprofile.landscape import Landscape

__all__ = ["MonitorOutputs", "build_monitoring", "monitor", "write_monitoring"]


def build_monitoring(cfg: Config, ls: Landscape, layers: dict[str, Any] | None = None) -> Any:
    """The [monitoring] section's report, or ``None`` when the config has none."""
    from landprofile.monitoring.report import monitoring_report

    mon = cfg.section("monitoring")
    if not mon:
        return None
    if mon.get("footprints") is None:
        raise ConfigError(
            f"{cfg.path}: [monitoring] needs footprints (one layer with a date field, or a "
            "table of date = file)"
        )
    lay = cfg.section("layers") if layers is None else layers
    lc = mon.get("land_cover")
    if lc is not None and not isinstance(lc, dict):
        raise ConfigError(
            f"{cfg.path}: [monitoring] land_cover must be a table of date = raster "
            '(land_cover = {"2020" = "worldcover:2020", "2021" = "lc2021.tif"}); got '
            f"{lc!r}"
        )
    return monitoring_report(
        ls,
        mon["footprints"],
        date_field=mon.get("date_field"),
        protected=lay.get("protected"),
        concessions=lay.get("concessions"),
        rivers=lay.get("rivers"),
        river_buffer_m=mon.get("river_buffer_m"),
        land_cover=lc,
        legend=mon.get("legend") or cfg.section("rasters").get("legend"),
        lang=cfg.language,
        alerts=mon.get("alerts", True),
    )


def _records(df: Any) -> list[dict[str, Any]]:
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    return json.loads(out.to_json(orient="records"))


def write_monitoring(folder: Path, report: Any, zones_gpkg: Path | None, lang: str) -> list[Path]:
    """Write the report's files into ``folder`` (a staging folder); returns their paths."""
    from landprofile._atomic import atomic_path
    from landprofile.monitoring.alerts import alerts_layer, write_alerts_csv

    written = []
    doc = {
        "river_buffer_m": report.river_buffer_m,
        "timeline": _records(report.timeline),
        "parts": _records(report.parts),
        "land_cover_shares": _records(report.shares) if report.shares is not None else None,
        "n_alerts": None if report.alerts is None else len(report.alerts),
    }
    path = folder / "monitoring.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
    written.append(path)
    if report.alerts is not None:
        written.append(write_alerts_csv(report.alerts, folder / "alerts.csv"))
        gdf = alerts_layer(report.alerts)
        from landprofile.i18n import strings

        title = strings(lang)["alerts"]  # the layer's name in QGIS, in both files
        if zones_gpkg is not None and zones_gpkg.exists():
            from landprofile.qgis.gpkg import append_layer

            append_layer(zones_gpkg, "alerts", gdf, lang, title)
        else:
            from landprofile._vector_out import write_vector

            written.append(write_vector(gdf, folder / "alerts.gpkg", layer="alerts", lang=lang))
    return written


@dataclass(frozen=True)
class MonitorOutputs:
    """Paths written by :func:`monitor`."""

    folder: Path
    files: tuple[Path, ...]


def monitor(
    cfg: Config | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    progress: Any = None,
    card: bool = True,
) -> MonitorOutputs:
    """The monitoring of a config's landscape, written atomically into ``out_dir``.

    Writes ``monitoring.json``, ``alerts.csv`` and ``alerts.gpkg`` and, with ``card``,
    ``card.html`` and ``card.pdf`` (profile, monitoring section, alerts on the map; no
    zoning). The output folder follows a run's rules: new, empty, or a previous
    landprofile output; a failure leaves it as it was.
    """
    import shutil

    from landprofile import _outdir
    from landprofile._owned import check_name
    from landprofile._progress import Steps, nested
    from landprofile.config import check_output
    from landprofile.pipeline import build_boundary, build_profile, data_settings

    cfg = cfg if isinstance(cfg, Config) else load_config(cfg)
    if not cfg.section("monitoring"):
        raise ConfigError(f"{cfg.path}: no [monitoring] section (footprints by date)")
    out = Path(out_dir or cfg.data.get("output") or cfg.path.parent / "landprofile-out")
    out = out.expanduser().resolve()
    check_name(out, "output folder")
    check_output(cfg, out, folder=True)
    previous = _outdir.prepare(out)
    created = _outdir.make_folder(out)
    _outdir.lock(out)
    stage = Steps(progress)
    try:
        previous = _outdir.prepare(out)
        tmp = _outdir.stage(out)
        try:
            with data_settings(cfg):
                stage.start("boundary")
                ls = build_boundary(cfg, nested(progress, "boundary · "))
                stage.start("monitoring")
                report = build_monitoring(cfg, ls)
                files = write_monitoring(tmp, report, None, cfg.language)
                if card:
                    stage.start("card")
                    files += _card(cfg, ls, report, tmp, build_profile)
                stage.end()
            _outdir.commit(tmp, out, previous)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except BaseException:
        _outdir.unlock(out)
        for p in created:
            try:
                p.rmdir()
            except OSError:
                break
        raise
    finally:
        _outdir.unlock(out)
    return MonitorOutputs(folder=out, files=tuple(out / p.name for p in files))


def _card(cfg: Config, ls: Landscape, report: Any, tmp: Path, build_profile: Any) -> list[Path]:
    import warnings

    import landprofile as lp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lp.errors.GeometryRepairWarning)
        prof = build_profile(cfg, ls)
    c, r, mon = cfg.section("card"), cfg.section("rasters"), cfg.section("monitoring")
    crd = lp.card(
        prof,
        narrative=c.get("narrative"),
        lang=cfg.language,
        basemap=c.get("basemap"),
        layers=cfg.section("layers"),
        land_cover=r.get("land_cover"),
        legend=r.get("legend"),
        admin=c.get("admin"),
        footprints=mon.get("footprints"),
        date_field=mon.get("date_field"),
        timeline=report.timeline,
        monitoring=report,
        credits=cfg.section("credits"),
    )
    return [crd.save(tmp / "card.html"), crd.to_pdf(tmp / "card.pdf")]
