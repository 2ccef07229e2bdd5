"""The mining footprint over time: area by date, new area, and where it grows.

Footprints come as one layer with a date field (Earth Genome's ``year`` holds ISO date
strings such as ``2017-01-01T00:00:00``; integers are years; dates are dates) or as a
mapping of dates to layers. For each date, the union of that date's polygons clipped
to the landscape is measured in a Lambert azimuthal equal-area projection centred on the
landscape (true ellipsoidal areas; edges densified to 1 km before projecting), against
the union of every earlier date (new area), and inside protected areas, concessions and
a river buffer.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landprofile.crs import local_laea
from landprofile.errors import GeometryRepairWarning, InvalidParameterError, MissingFieldError
from landprofile.geodesy import project
from landprofile.vector import read_vector

__all__ = ["DATE_FIELDS", "footprint_timeline", "footprints_by_date"]

#: Fields tried, in order, as a footprint layer's date.
DATE_FIELDS = ("date", "year", "period", "datetime", "time", "acq_date", "image_date")
#: River buffer (m) when rivers are given without one: the IGF default rule's placeholder.
DEFAULT_RIVER_BUFFER_M = 100.0


def _to_date(value: Any, where: str) -> pd.Timestamp:
    if isinstance(value, bool):
        raise InvalidParameterError(f"{where}: {value!r} is not a date")
    if isinstance(value, int | np.integer) or (
        isinstance(value, float | np.floating) and float(value).is_integer()
    ):
        year = int(value)
        if not 1900 <= year <= 2200:
            raise InvalidParameterError(f"{where}: {value!r} is not a year")
        return pd.Timestamp(year=year, month=1, day=1)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        return pd.Timestamp(year=int(value), month=1, day=1)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise InvalidParameterError(
            f"{where}: {value!r} is not a date; accepted: ISO dates (2017-01-01, "
            "2017-01-01T00:00:00), years (2017) or date objects"
        )
    return ts.tz_localize(None) if ts.tzinfo else ts


def _read(src: Any) -> gpd.GeoDataFrame:
    """A footprint layer: repairs of invalid polygons are said (GeometryRepairWarning)."""
    if isinstance(src, gpd.GeoDataFrame) and "landprofile_load_report" in src.attrs:
        # already through read_vector (a batch reads the layer once per chunk): its
        # repairs were said then. Returned as it is, with no catch_warnings block, which
        # swaps the process-wide filters and is unsafe on a batch's worker threads.
        return src
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", GeometryRepairWarning)
        return read_vector(src)


def _by_date(footprints: Any, date_field: str | None) -> dict[pd.Timestamp, gpd.GeoDataFrame]:
    if isinstance(footprints, Mapping):
        out: dict[pd.Timestamp, list[gpd.GeoDataFrame]] = {}
        for key, src in footprints.items():
            out.setdefault(_to_date(key, "footprints key"), []).append(_read(src))
        return {
            d: gpd.GeoDataFrame(pd.concat(v, ignore_index=True), crs=v[0].crs)
            if len(v) > 1
            else v[0]
            for d, v in out.items()
        }
    gdf = _read(footprints)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    if date_field is None:
        folded = {str(c).casefold(): c for c in cols}
        date_field = next((folded[f] for f in DATE_FIELDS if f in folded), None)
        if date_field is None:
            raise MissingFieldError(
                f"footprints {gdf.attrs.get('landprofile_source', '')}: no date field among "
                f"{', '.join(DATE_FIELDS)}; fields: {', '.join(map(str, cols)) or 'none'}; "
                "pass date_field=... or a mapping {date: layer}"
            )
    elif date_field not in cols:
        raise MissingFieldError(
            f"date_field {date_field!r} is not a field of the footprints; fields: "
            + ", ".join(map(str, cols))
        )
    dates = [_to_date(v, f"footprints field {date_field!r}") for v in gdf[date_field]]
    key = pd.Series(dates, index=gdf.index)
    return {d: gdf[key == d] for d in sorted(set(dates))}


def footprints_by_date(
    footprints: Any, date_field: str | None = None
) -> dict[pd.Timestamp, gpd.GeoDataFrame]:
    """The footprint polygons of each date, oldest first (see :func:`footprint_timeline`)."""
    return dict(sorted(_by_date(footprints, date_field).items()))


def _union(geoms: Any) -> Any:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    return shapely.union_all(geoms) if geoms else shapely.Polygon()


def _layer_union(src: Any, crs: Any, area: Any, buffer_m: float = 0.0) -> Any:
    if src is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = read_vector(src)
    geoms = project(gdf.geometry.to_numpy(), gdf.crs, crs)
    if buffer_m > 0:
        geoms = shapely.buffer(geoms, buffer_m, quad_segs=32)
    geoms = geoms[shapely.intersects(geoms, area)]
    return _union(geoms)


def footprint_timeline(
    landscape: Any,
    footprints: Any,
    *,
    date_field: str | None = None,
    protected: Any = None,
    concessions: Any = None,
    rivers: Any = None,
    river_buffer_m: float | None = None,
) -> pd.DataFrame:
    """The mining footprint by date: area, new area, cumulative area and where it is.

    Parameters
    ----------
    landscape
        A :class:`~landprofile.Landscape`.
    footprints
        One vector layer with a date field, or a mapping ``{date: layer}``.
    date_field
        The layer's date field; detected among ``date``, ``year``, ``period``,
        ``datetime``, ``time``, ``acq_date``, ``image_date`` when ``None``.
    protected, concessions, rivers
        Optional layers; rivers are buffered by ``river_buffer_m`` (100 m by default).

    Returns
    -------
    pandas.DataFrame
        One row per date, oldest first: ``date``, ``n_polygons`` (of that date touching
        the landscape), ``area_ha``, ``new_ha`` (not in any earlier date's footprint),
        ``cumulative_ha``, ``in_protected_ha``, ``in_concessions_ha``, ``near_rivers_ha``
        (NaN when the layer is not given). ``attrs`` record the river buffer and CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import landprofile as lp
    >>> from shapely.geometry import box
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> pits = gpd.GeoDataFrame(  # 1 ha mined by 2020, 2 ha more next to it by 2021
    ...     {"year": [2020, 2021]},
    ...     geometry=[box(600_000, 600_000, 600_100, 600_100),
    ...               box(600_100, 600_000, 600_300, 600_100)],
    ...     crs=SQUARE_CRS)
    >>> timeline = lp.footprint_timeline(square_landscape(), pits)
    >>> timeline[["new_ha", "cumulative_ha"]].round(1)
       new_ha  cumulative_ha
    0     1.0            1.0
    1     2.0            3.0
    """
    lon, lat = landscape.centroid_lonlat
    crs = local_laea(round(lon, 4), round(lat, 4))
    land = project([landscape.geometry], landscape.crs, crs)[0]
    shapely.prepare(land)
    buf = DEFAULT_RIVER_BUFFER_M if river_buffer_m is None else float(river_buffer_m)
    if buf < 0:
        raise InvalidParameterError(f"river_buffer_m={river_buffer_m!r} must be >= 0 (metres)")
    layers = {
        "in_protected_ha": _layer_union(protected, crs, land),
        "in_concessions_ha": _layer_union(concessions, crs, land),
        "near_rivers_ha": _layer_union(rivers, crs, land, buf) if rivers is not None else None,
    }
    rows = []
    earlier = shapely.Polygon()
    # oldest first whatever order (and type: years, ISO strings, dates) they came in
    for date, gdf in footprints_by_date(footprints, date_field).items():
        geoms = project(gdf.geometry.to_numpy(), gdf.crs, crs)
        hit = geoms[shapely.intersects(geoms, land)]
        fp = shapely.intersection(_union(hit), land)
        row = {
            "date": date,
            "n_polygons": len(hit),
            "area_ha": fp.area / 1e4,
            "new_ha": shapely.difference(fp, earlier).area / 1e4,
        }
        earlier = shapely.union(earlier, fp)
        row["cumulative_ha"] = earlier.area / 1e4
        for col, geom in layers.items():
            row[col] = np.nan if geom is None else shapely.intersection(fp, geom).area / 1e4
        rows.append(row)
    out = pd.DataFrame(
        rows,
        columns=[
            "date",
            "n_polygons",
            "area_ha",
            "new_ha",
            "cumulative_ha",
            "in_protected_ha",
            "in_concessions_ha",
            "near_rivers_ha",
        ],
    )
    out.attrs["river_buffer_m"] = buf if rivers is not None else None
    out.attrs["area_crs"] = crs.to_wkt()
    return out
