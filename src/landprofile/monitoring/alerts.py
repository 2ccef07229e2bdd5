"""Alerts of new mining: where the footprint grew since the previous date, piece by piece.

Signature::

    lp.alerts(landscape, footprints, protected=None, concessions=None, rivers=None,
              river_buffer_m=None, date_field=None, *, protected_field=None,
              concession_field=None, min_area_ha=0.01) -> geopandas.GeoDataFrame

and, for the outputs, :func:`alerts_table` (``alerts.csv``: no geometry),
:func:`write_alerts_csv` and :func:`alerts_layer` (the GeoPackage's ``alerts`` layer).

For each date after the first, the new part of its footprint (the union of that date's
polygons clipped to the landscape, less the union of ALL earlier dates) is split into
its pieces (the polygons of that multipolygon). Everything is measured by the steps
:func:`~landprofile.footprint_timeline` walks (same equal-area projection,
same unions, same river buffer), so that the alerts of a date sum to the timeline's
``new_ha``, ``new_in_protected_ha``, ``new_in_concessions_ha`` and ``new_near_rivers_ha``.

The first date is the baseline: it has no alerts, since nothing before it says what is
new (its footprint is the timeline's first row).

``landprofile.monitoring.alerts`` is the function (the package re-exports it); import this
module's helpers by name: ``from landprofile.monitoring.alerts import write_alerts_csv``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landprofile.crs import WGS84
from landprofile.errors import (
    DataWarning,
    EmptySelectionError,
    InvalidParameterError,
    user_stacklevel,
)
from landprofile.geodesy import project
from landprofile.monitoring._alert_layers import _Layer
from landprofile.monitoring.footprint import _frame, _river_buffer, _steps

__all__ = [
    "ALERT_COLUMNS",
    "DEFAULT_MIN_AREA_HA",
    "alerts",
    "alerts_layer",
    "alerts_table",
    "write_alerts_csv",
]

#: The alerts' columns (a GeoDataFrame adds ``geometry``).
ALERT_COLUMNS = (
    "alert_id",
    "date",
    "since",
    "area_ha",
    "protected",
    "protected_ha",
    "concession",
    "concession_ha",
    "river_ha",
    "lon",
    "lat",
)
#: Smallest piece listed: one 10 m Sentinel-2 pixel, the imagery of the usual detectors.
#: A smaller piece is not a new pit but two dates outlining the same one a little apart
#: (the Ashanti detections of 2020 leave 146 such pieces of under 1 m2 against 2017).
DEFAULT_MIN_AREA_HA = 0.01


def _pieces(new: Any) -> np.ndarray:
    """The polygons of a new part (an overlay may leave lines or points: no area)."""
    parts = shapely.get_parts(shapely.get_parts(new))  # a collection may hold multipolygons
    return parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]


def _id_prefixes(dates: list[pd.Timestamp]) -> dict[pd.Timestamp, str]:
    years = [d.year for d in dates]
    if len(set(years)) == len(years):
        return {d: f"{d.year}" for d in dates}
    return {d: d.strftime("%Y%m%d") for d in dates}


def _empty(crs: Any) -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in ALERT_COLUMNS})
    for c in ("date", "since"):
        df[c] = pd.Series(dtype="datetime64[ns]")
    for c in ("area_ha", "protected_ha", "concession_ha", "river_ha", "lon", "lat"):
        df[c] = pd.Series(dtype=float)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def alerts(
    landscape: Any,
    footprints: Any,
    protected: Any = None,
    concessions: Any = None,
    rivers: Any = None,
    river_buffer_m: float | None = None,
    date_field: str | None = None,
    *,
    protected_field: str | None = None,
    concession_field: str | None = None,
    min_area_ha: float = DEFAULT_MIN_AREA_HA,
) -> gpd.GeoDataFrame:
    """Where new mining appeared since the previous date: one row per new piece.

    Parameters
    ----------
    landscape
        A :class:`~landprofile.Landscape`.
    footprints
        One vector layer with a date field, or a mapping ``{date: layer}``, as
        :func:`~landprofile.footprint_timeline` takes them.
    protected, concessions
        Optional polygon layers: each alert names the ones it overlaps.
    rivers
        Optional river lines (or polygons), buffered by ``river_buffer_m``.
    river_buffer_m
        The river buffer in metres (100 m by default, the timeline's).
    date_field
        The footprints' date field (detected when ``None``, as the timeline does).
    protected_field
        The field naming a protected area; else the first of ``name``, ``nom``,
        ``nombre``, ``orig_name``, ``name_en``, ``shapename``, ``wdpaid``, ``id`` ...
    concession_field
        The field naming a concession; else its holder (``holder``, ``titulaire``,
        ``titular``, ``owner``, ``company``, ``operator``) followed by its licence in
        parentheses (``licence``, ``license``, ``permit``, ``code``, ``name`` ...).
        A feature with no name is ``#<its 1-based row>``.
    min_area_ha
        Pieces smaller than this are not listed (default 0.01 ha: one 10 m pixel, the
        outline of the same pit drawn a little apart at two dates); their count and
        areas per date are in ``attrs["unlisted"]``. ``0`` lists every piece.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``alert_id`` (``"2020-0001"``: the date's year, or ``YYYYMMDD`` when two
        dates share a year, then the piece's rank west to east among those listed;
        the same for the same footprints and ``min_area_ha``, whatever other layers
        are given), ``date``, ``since`` (the previous date), ``area_ha``
        (true area), ``protected`` (names of the protected areas it overlaps, joined by
        ``"; "``; ``None`` when none), ``protected_ha`` (the part inside them),
        ``concession`` and ``concession_ha`` (likewise), ``river_ha`` (the part inside
        the river buffer), ``lon`` and ``lat`` (its centroid, EPSG:4326); the ``_ha`` of a
        layer not given are NaN. Sorted inside-protected-areas first, then by area
        (largest first), then by ``alert_id``. Geometry in the landscape's CRS: the
        alerts are pieces of the landscape, drawn with it on the card and in the
        GeoPackage, and the footprints of different dates may come in different CRSs.
        ``attrs``: ``baseline`` (the first date), ``dates``, ``min_area_ha``,
        ``river_buffer_m``, ``area_crs`` (WKT of the equal-area CRS of the areas),
        ``unlisted`` (per date: ``n``, ``area_ha``, ``protected_ha``, ``concession_ha``,
        ``river_ha`` of the pieces below ``min_area_ha``).

    Raises
    ------
    EmptySelectionError
        The footprints hold no polygon at all.
    MissingFieldError, InvalidParameterError
        No date field, a date that does not read, a bad parameter.

    Warns
    -----
    DataWarning
        One date only (no alerts: it is the baseline), or a date with no footprint
        polygon in the landscape.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import landprofile as lp
    >>> from shapely.geometry import box
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> pits = gpd.GeoDataFrame(  # 1 ha by 2020; 2 ha more beside it and 1 ha apart by 2021
    ...     {"year": [2020, 2021, 2021]},
    ...     geometry=[box(600_000, 600_000, 600_100, 600_100),
    ...               box(600_000, 600_000, 600_300, 600_100),
    ...               box(600_500, 600_500, 600_600, 600_600)],
    ...     crs=SQUARE_CRS)
    >>> found = lp.alerts(square_landscape(), pits)
    >>> found[["alert_id", "area_ha"]].round(2).values.tolist()
    [['2021-0001', 2.0], ['2021-0002', 1.0]]
    """
    try:
        min_area = float(min_area_ha)
    except (TypeError, ValueError):
        min_area = math.nan
    if not min_area >= 0:  # also refuses NaN
        raise InvalidParameterError(
            f"min_area_ha={min_area_ha!r} must be a number >= 0 (hectares); 0 lists every piece"
        )
    crs, land = _frame(landscape)
    buf = _river_buffer(river_buffer_m)
    given = {"protected": protected, "concession": concessions, "river": rivers}
    kw: dict[str, dict[str, Any]] = {
        "protected": {"what": "protected", "field": protected_field, "param": "protected_field"},
        "concession": {
            "what": "concessions",
            "field": concession_field,
            "param": "concession_field",
        },
        "river": {"what": "rivers", "buffer_m": buf, "named": False},
    }
    layers = {
        k: None if src is None else _Layer(src, crs, land, **kw[k]) for k, src in given.items()
    }
    steps = list(_steps(footprints, date_field, crs, land))
    if not steps:
        raise EmptySelectionError(
            "footprints hold no polygon: alerts need footprints at two dates or more "
            "(a layer with a date field, or a mapping {date: layer})"
        )
    for date, n, _, _, _ in steps:
        if n == 0:
            warnings.warn(
                f"footprints of {date.date().isoformat()}: no polygon in the landscape "
                f"{getattr(landscape, 'name', '')!r}; the next date's alerts are measured "
                "against all earlier dates, so a pit missed at this date is not new again",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
    if len(steps) == 1:
        warnings.warn(
            f"footprints have one date only ({steps[0][0].date().isoformat()}): it is the "
            "baseline, so there are no alerts; give two dates or more",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    dates = [s[0] for s in steps]
    prefix = _id_prefixes(dates)
    frames = []
    unlisted: dict[str, dict[str, float]] = {}
    for (date, _, _, new, _), since in zip(steps[1:], dates[:-1], strict=True):
        pieces = _pieces(new)
        area = shapely.area(pieces) / 1e4
        inside = {
            k: (np.full(len(pieces), np.nan) if lay is None else lay.inside_ha(pieces))
            for k, lay in layers.items()
        }
        small = area < min_area
        unlisted[date.date().isoformat()] = {
            "n": int(small.sum()),
            "area_ha": float(area[small].sum()),
            **{f"{k}_ha": float(v[small].sum()) for k, v in inside.items()},
        }
        keep = ~small
        pieces, area = pieces[keep], area[keep]
        inside = {k: v[keep] for k, v in inside.items()}
        cent = shapely.centroid(pieces)
        cx, cy = shapely.get_x(cent), shapely.get_y(cent)
        # ids by position, west to east then south to north (to the millimetre), so that
        # they do not move when a protected or concession layer is added
        order = np.lexsort((-area, np.round(cy, 3), np.round(cx, 3)))
        pieces, area, cent = pieces[order], area[order], cent[order]
        inside = {k: v[order] for k, v in inside.items()}
        ll = project(cent, crs, WGS84)
        width = max(4, len(str(len(pieces))))
        frames.append(
            pd.DataFrame(
                {
                    "alert_id": [f"{prefix[date]}-{i + 1:0{width}d}" for i in range(len(pieces))],
                    "date": date,
                    "since": since,
                    "area_ha": area,
                    "protected": layers["protected"].named(pieces)
                    if layers["protected"] is not None
                    else [None] * len(pieces),
                    "protected_ha": inside["protected"],
                    "concession": layers["concession"].named(pieces)
                    if layers["concession"] is not None
                    else [None] * len(pieces),
                    "concession_ha": inside["concession"],
                    "river_ha": inside["river"],
                    "lon": shapely.get_x(ll),
                    "lat": shapely.get_y(ll),
                    "geometry": project(pieces, crs, landscape.crs),
                }
            )
        )
    if frames and sum(len(f) for f in frames):
        df = pd.concat([f for f in frames if len(f)], ignore_index=True)
        out = gpd.GeoDataFrame(df, geometry="geometry", crs=landscape.crs)
        for c in ("protected", "concession"):
            # None where no feature is overlapped (concat makes an all-None column NaN)
            out[c] = out[c].astype(object).where(out[c].notna(), None)
        inside_pa = out["protected_ha"].fillna(0) > 0
        out = (
            out.assign(_in=inside_pa)
            .sort_values(["_in", "area_ha", "alert_id"], ascending=[False, False, True])
            .drop(columns="_in")
            .reset_index(drop=True)
        )
    else:
        out = _empty(landscape.crs)
    out.attrs.update(
        {
            "baseline": dates[0].date().isoformat(),
            "dates": [d.date().isoformat() for d in dates],
            "min_area_ha": min_area,
            "river_buffer_m": buf if rivers is not None else None,
            "area_crs": crs.to_wkt(),
            "unlisted": unlisted,
        }
    )
    return out


def alerts_table(found: gpd.GeoDataFrame) -> pd.DataFrame:
    """The alerts as ``alerts.csv`` holds them: no geometry, dates as ISO text.

    Columns :data:`ALERT_COLUMNS` in that order (others the caller added follow), names
    joined by ``"; "``, empty cells where there is no name or the layer was not given.
    """
    cols = [c for c in ALERT_COLUMNS if c in found.columns]
    cols += [c for c in found.columns if c not in cols and c != found.geometry.name]
    df = pd.DataFrame(found[cols]).copy()
    for c in ("date", "since"):
        if c in df.columns:
            df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m-%d")
    return df


def alerts_layer(found: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The alerts as the GeoPackage's ``alerts`` layer: the table's fields and geometry."""
    table = alerts_table(found)
    return gpd.GeoDataFrame(table, geometry=found.geometry.to_numpy(), crs=found.crs)


def write_alerts_csv(found: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``alerts.csv`` (UTF-8, atomically: no half-written file) and return its path."""
    from landprofile._atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        alerts_table(found).to_csv(tmp, index=False, encoding="utf-8")
    return path
