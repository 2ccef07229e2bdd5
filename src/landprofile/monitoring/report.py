"""A landscape's monitoring report: what the card, the GeoPackage and alerts.csv show.

:func:`monitoring_report` gathers, for one landscape and its footprints by date, the
footprint timeline (:func:`~landprofile.footprint_timeline`), the same
footprint cut into parts that do not overlap for the stacked chart
(:func:`~landprofile.monitoring.footprint_parts.footprint_parts`), the alerts of new
mining (``lp.alerts``) and the land-cover shares by date (one raster: its classes'
shares; two or more: :func:`~landprofile.land_cover_series`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["MonitoringReport", "monitoring_report"]


@dataclass
class MonitoringReport:
    """The monitoring of a landscape over dates (see :func:`monitoring_report`).

    Attributes
    ----------
    timeline
        The footprint by date (:func:`~landprofile.footprint_timeline`).
    parts
        Each date's footprint in parts that do not overlap: ``protected_ha``,
        ``concessions_ha``, ``river_ha``, ``elsewhere_ha``, ``area_ha``.
    alerts
        The new polygons per date (``lp.alerts``), a GeoDataFrame, or ``None``.
    shares
        Land-cover shares by date: ``date``, ``value``, ``name``, ``color``,
        ``area_ha``, ``share`` (0-1), or ``None``.
    river_buffer_m
        The river buffer used (``None`` without rivers).
    series
        The :class:`~landprofile.monitoring.LandCoverSeries` when two
        or more land-cover dates were given.
    """

    timeline: pd.DataFrame
    parts: pd.DataFrame
    alerts: Any = None
    shares: pd.DataFrame | None = None
    river_buffer_m: float | None = None
    series: Any = None


def _shares_one(landscape: Any, date: str, raster: Any, legend: Any, lang: str) -> pd.DataFrame:
    import landprofile as lp

    prof = lp.profile(landscape, land_cover=raster, legend=legend, lang=lang)
    lc = prof.land_cover
    lc = lc[lc["kind"] == "class"]
    return pd.DataFrame(
        {
            "date": str(date),
            "value": lc["value"].astype(int).to_numpy(),
            "name": lc["name"].astype(str).to_numpy(),
            "color": lc["color"].astype(str).to_numpy(),
            "area_ha": lc["area_ha"].to_numpy(),
            "share": lc["share"].to_numpy(),
        }
    )


def _shares(landscape: Any, land_cover: Any, legend: Any, lang: str) -> tuple[Any, Any]:
    if land_cover is None:
        return None, None
    items = dict(land_cover) if isinstance(land_cover, Mapping) else None
    if items is None:
        raise TypeError("land_cover must be a mapping {date: raster}")
    if len(items) == 1:
        ((date, raster),) = items.items()
        lg = legend.get(date) if isinstance(legend, Mapping) else legend
        return _shares_one(landscape, date, raster, lg, lang), None
    from landprofile.monitoring.landcover_series import land_cover_series

    series = land_cover_series(landscape, items, legend=legend, lang=lang)
    sh = series.shares
    shares = pd.DataFrame(
        {
            "date": sh["date"].astype(str),
            "value": sh["value"].astype(int),
            "name": sh["name"].astype(str),
            "color": sh["color"].astype(str),
            "area_ha": sh["area_ha"],
            "share": sh["share_pct"] / 100.0,
        }
    )
    return shares, series


def monitoring_report(
    landscape: Any,
    footprints: Any,
    *,
    date_field: str | None = None,
    protected: Any = None,
    concessions: Any = None,
    rivers: Any = None,
    river_buffer_m: float | None = None,
    land_cover: Mapping[str, Any] | None = None,
    legend: Any = None,
    lang: str = "en",
    alerts: bool = True,
) -> MonitoringReport:
    """The monitoring of ``landscape``: footprint by date, its parts, alerts, land cover.

    Parameters
    ----------
    landscape
        A :class:`~landprofile.Landscape`.
    footprints, date_field, protected, concessions, rivers, river_buffer_m
        As :func:`~landprofile.footprint_timeline` takes them.
    land_cover
        Land-cover rasters by date (``{"2019": "lc2019.tif"}``); one date gives its
        shares, two or more the series.
    legend
        Their legend (one, or a mapping of date to legend).
    lang
        Language of class names.
    alerts
        Whether to list the alerts of new mining.
    """
    from landprofile.monitoring.footprint import footprint_timeline
    from landprofile.monitoring.footprint_parts import footprint_parts

    kw = {
        "date_field": date_field,
        "protected": protected,
        "concessions": concessions,
        "rivers": rivers,
        "river_buffer_m": river_buffer_m,
    }
    timeline = footprint_timeline(landscape, footprints, **kw)
    parts = footprint_parts(landscape, footprints, **kw)
    found = None
    if alerts:
        from landprofile.monitoring.alerts import alerts as find_alerts

        kw.pop("date_field")
        found = find_alerts(landscape, footprints, date_field=date_field, **kw)
    shares, series = _shares(landscape, land_cover, legend, lang)
    return MonitoringReport(
        timeline=timeline,
        parts=parts,
        alerts=found,
        shares=shares,
        river_buffer_m=timeline.attrs.get("river_buffer_m"),
        series=series,
    )
