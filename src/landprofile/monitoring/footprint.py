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

import math
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landprofile.crs import local_laea
from landprofile.errors import GeometryRepairWarning, InvalidParameterError, MissingFieldError
from landprofile.geodesy import project
from landprofile.vector import read_vector

__all__ = ["DATE_FIELDS", "TIMELINE_COLUMNS", "footprint_timeline", "footprints_by_date"]

#: Fields tried, in order, as a footprint layer's date.
DATE_FIELDS = ("date", "year", "period", "datetime", "time", "acq_date", "image_date")
#: The timeline's columns: the ``new_*`` ones measure the new area alone (what the
#: alerts of :func:`landprofile.alerts` sum to), the others the date's whole footprint.
TIMELINE_COLUMNS = (
    "date",
    "n_polygons",
    "area_ha",
    "new_ha",
    "cumulative_ha",
    "in_protected_ha",
    "in_concessions_ha",
    "near_rivers_ha",
    "new_in_protected_ha",
    "new_in_concessions_ha",
    "new_near_rivers_ha",
)
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


def _layer_geoms(
    src: Any, crs: Any, area: Any, buffer_m: float = 0.0
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """A layer's features that reach ``area``: the user's rows, and their shapes in ``crs``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = read_vector(src)
    geoms = project(gdf.geometry.to_numpy(), gdf.crs, crs)
    if buffer_m > 0:
        geoms = shapely.buffer(geoms, buffer_m, quad_segs=32)
    keep = shapely.intersects(geoms, area)
    return gdf[keep], geoms[keep]


def _layer_union(src: Any, crs: Any, area: Any, buffer_m: float = 0.0) -> Any:
    if src is None:
        return None
    return _union(_layer_geoms(src, crs, area, buffer_m)[1])


def _frame(landscape: Any) -> tuple[Any, Any]:
    """The equal-area CRS every footprint figure is measured in, and the landscape in it."""
    lon, lat = landscape.centroid_lonlat
    crs = local_laea(round(lon, 4), round(lat, 4))
    land = project([landscape.geometry], landscape.crs, crs)[0]
    shapely.prepare(land)
    return crs, land


def _river_buffer(river_buffer_m: float | None) -> float:
    try:
        buf = DEFAULT_RIVER_BUFFER_M if river_buffer_m is None else float(river_buffer_m)
    except (TypeError, ValueError):
        buf = math.nan
    if not buf >= 0:  # also refuses NaN
        raise InvalidParameterError(f"river_buffer_m={river_buffer_m!r} must be >= 0 (metres)")
    return buf


def _steps(
    footprints: Any, date_field: str | None, crs: Any, land: Any
) -> Iterator[tuple[pd.Timestamp, int, Any, Any, Any]]:
    """Each date oldest first: polygons touching ``land``, footprint, new part, union so far.

    The footprint is the union of the date's polygons clipped to ``land``; its new part
    is what no earlier date's footprint covers. The timeline and the alerts both walk
    these steps, so that their figures come from the very same geometries.
    """
    earlier = shapely.Polygon()
    for date, gdf in footprints_by_date(footprints, date_field).items():
        geoms = project(gdf.geometry.to_numpy(), gdf.crs, crs)
        hit = geoms[shapely.intersects(geoms, land)]
        fp = shapely.intersection(_union(hit), land)
        new = shapely.difference(fp, earlier)
        # the union of ALL earlier dates: a date that missed a pit (clouds, an empty
        # layer) does not make it new again at the next date
        earlier = shapely.union(earlier, fp)
        yield date, len(hit), fp, new, earlier


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
        (of the date's footprint), ``new_in_protected_ha``, ``new_in_concessions_ha``,
        ``new_near_rivers_ha`` (of its new area: what the date's :func:`landprofile.alerts`
        sum to); NaN when the layer is not given. ``attrs`` record the river buffer and
        CRS.

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
    crs, land = _frame(landscape)
    buf = _river_buffer(river_buffer_m)
    layers = {
        "in_protected_ha": _layer_union(protected, crs, land),
        "in_concessions_ha": _layer_union(concessions, crs, land),
        "near_rivers_ha": _layer_union(rivers, crs, land, buf) if rivers is not None else None,
    }
    rows = []
    # oldest first whatever order (and type: years, ISO strings, dates) they came in
    for date, n, fp, new, so_far in _steps(footprints, date_field, crs, land):
        row = {
            "date": date,
            "n_polygons": n,
            "area_ha": fp.area / 1e4,
            "new_ha": new.area / 1e4,
            "cumulative_ha": so_far.area / 1e4,
        }
        for col, geom in layers.items():
            if geom is None:
                row[col] = row[f"new_{col}"] = np.nan
                continue
            row[col] = shapely.intersection(fp, geom).area / 1e4
            # the new part's share: what the date's alerts (lp.alerts) sum to
            row[f"new_{col}"] = shapely.intersection(new, geom).area / 1e4
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
    out.attrs["river_buffer_m"] = buf if rivers is not None else None
    out.attrs["area_crs"] = crs.to_wkt()
    return out
