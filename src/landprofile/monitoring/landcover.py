"""Land-cover transitions between two dates, exact and area-true.

Alignment (the two rasters may differ in grid, resolution, CRS and legend): the raster
with the **finer** cells is the reference grid; each of its cells takes the class of the
other raster's cell that contains the cell's centre (nearest neighbour, the only
resampling that never invents a class). Each reference cell then counts with its exact
coverage fraction inside the landscape times its true area on the WGS 84 ellipsoid, as in
:func:`landprofile.land_cover`. A transition is a (before value, after value) pair; the
classes are named and grouped by each date's own legend, so that, for example, a MODIS
IGBP baseline and an ESA WorldCover update compare through their ecosystem groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rasterio.windows import Window

from landprofile import _coverage as cov
from landprofile.crs import transformer
from landprofile.errors import InvalidParameterError, UnsupportedFormatError
from landprofile.legend import GROUPS, Legend, load_legend
from landprofile.profile._zones import as_zones
from landprofile.raster import Raster, read_raster

__all__ = ["ChangeResult", "change"]


class RasterMismatchError(InvalidParameterError):
    """The two dates' rasters cannot be compared over the landscape; the message says why."""


@dataclass(frozen=True)
class ChangeResult:
    """Land-cover change over one landscape between two dates.

    ``transitions`` has one row per (before, after) pair with its area; ``by_class`` and
    ``by_group`` give the area of each class / ecosystem group at each date and the net
    change; ``natural`` the natural and semi-natural habitat before, after, lost and
    gained (ha).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> folder = Path(tempfile.mkdtemp())
    >>> before = halves_land_cover(folder / "2020.tif", east=10)  # tree cover everywhere
    >>> after = halves_land_cover(folder / "2021.tif")  # the east half cleared for crops
    >>> ch = lp.change(square_landscape(), before, after, legend="esa_worldcover_v200")
    >>> {k: round(v) for k, v in ch.natural.items()}
    {'before_ha': 100, 'after_ha': 50, 'lost_ha': 50, 'gained_ha': 0}
    """

    transitions: pd.DataFrame
    by_class: pd.DataFrame
    by_group: pd.DataFrame
    natural: dict[str, float]
    before: str
    after: str
    reference: str
    landscape: Any = field(default=None, repr=False, compare=False)
    #: The rasters and legends as given (for maps).
    sources: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def explore(self, m: Any = None, **kwargs: Any) -> Any:
        """A :class:`folium.Map`: the landscape with both dates' land cover (before hidden).

        ``tiles=``, ``lang=`` and ``context=`` as in :meth:`landprofile.Profile.explore`.
        """
        from landprofile.maps.explore import explore_change

        return explore_change(self, m, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (tables as records)."""
        return {
            "before": self.before,
            "after": self.after,
            "reference": self.reference,
            "natural": dict(self.natural),
            "transitions": self.transitions.to_dict(orient="records"),
            "by_class": self.by_class.to_dict(orient="records"),
            "by_group": self.by_group.to_dict(orient="records"),
        }

    def main_transitions(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` largest transitions between different classes."""
        t = self.transitions
        changed = t[(t["kind"] == "class") & (t["from_value"] != t["to_value"])]
        return changed.nlargest(n, "area_ha").reset_index(drop=True)


def _res_m(r: Raster) -> float:
    """Approximate cell size (m) at the raster's centre, to pick the finer grid."""
    a, e = abs(r.transform.a), abs(r.transform.e)
    if r.crs.is_geographic:
        lat = r.transform.f + r.transform.e * r.height / 2
        return math.sqrt(a * 111_320 * math.cos(math.radians(lat)) * e * 110_574)
    unit = r.crs.axis_info[0].unit_conversion_factor if r.crs.axis_info else 1.0
    return math.sqrt(a * e) * unit


def _separable(ref: Raster, other: Raster) -> bool:
    """Same CRS, north-up grids: a cell's column maps to a column, its row to a row."""
    t, o = ref.transform, other.transform
    return other.crs == ref.crs and t.b == t.d == 0 and o.b == o.d == 0


def _other_values(
    reader: cov.StripReader, ref: Raster, other: Raster, win: Window, a: int, b: int, fill: int
) -> np.ndarray:
    """The other raster's class at the centre of each reference cell of rows a..b."""
    w = int(win.width)
    cols = np.arange(w) + win.col_off + 0.5
    rows = np.arange(a, b) + win.row_off + 0.5
    t, inv = ref.transform, ~other.transform
    if _separable(ref, other):
        oc = np.floor(inv.c + inv.a * (t.c + t.a * cols)).astype(np.int64)
        orow = np.floor(inv.f + inv.e * (t.f + t.e * rows)).astype(np.int64)
        okc = (oc >= 0) & (oc < other.width)
        okr = (orow >= 0) & (orow < other.height)
        out = np.full((b - a, w), fill, dtype=np.int64)
        if not okc.any() or not okr.any():
            return out
        c0, c1 = int(oc[okc].min()), int(oc[okc].max()) + 1
        r0, r1 = int(orow[okr].min()), int(orow[okr].max()) + 1
        block = reader.read(Window(c0, r0, c1 - c0, r1 - r0))
        if okc.all() and okr.all() and c1 - c0 == w and r1 - r0 == b - a:
            return block  # the same grid: the window itself
        sub = block[np.ix_(orow[okr] - r0, oc[okc] - c0)]
        out[np.ix_(okr, okc)] = sub
        return out
    cc, rr = np.meshgrid(cols, rows)
    x = t.c + t.a * cc + t.b * rr
    y = t.f + t.d * cc + t.e * rr
    x, y = transformer(ref.crs, other.crs).transform(x, y)
    oc = np.floor(inv.c + inv.a * x + inv.b * y).astype(np.int64)
    orow = np.floor(inv.f + inv.d * x + inv.e * y).astype(np.int64)
    ok = (oc >= 0) & (oc < other.width) & (orow >= 0) & (orow < other.height)
    out = np.full(oc.shape, fill, dtype=np.int64)
    if not ok.any():
        return out
    c0, c1 = int(oc[ok].min()), int(oc[ok].max()) + 1
    r0, r1 = int(orow[ok].min()), int(orow[ok].max()) + 1
    block = reader.read(Window(c0, r0, c1 - c0, r1 - r0))
    out[ok] = block[orow[ok] - r0, oc[ok] - c0]
    return out


def _pairs(ref: Raster, other: Raster, zone: Any, threads: int | None) -> dict[tuple, float]:
    """Area (m²) per (reference value, other value) inside the zone."""
    geom = cov.geometry_in_raster_crs(zone.geometry, zone.crs, ref)
    total: dict[tuple, float] = {}
    for fp in cov.footprints(geom, ref):  # two windows across the antimeridian
        if fp.empty:
            continue
        for k, v in _pairs_fp(ref, other, fp, threads).items():
            total[k] = total.get(k, 0.0) + v
    return total


def _pairs_fp(
    ref: Raster, other: Raster, fp: cov.Footprint, threads: int | None
) -> dict[tuple, float]:
    from concurrent.futures import ThreadPoolExecutor

    from landprofile.profile._engine import default_threads
    from landprofile.profile.stats import cell_weights

    areas = cov.cell_areas(ref, fp.window)
    fill = -1
    shift = 1 << 20  # other values in [-1, 2**20) fit beside the reference value

    # one GDAL environment (the reference reader's); the other reader only adds handles
    ro = cov.StripReader(other)
    with cov.StripReader(ref) as rr:
        small = all(np.dtype(r.dtype) == np.uint8 for r in (ref, other))

        def strip_small(ab: tuple[int, int]) -> dict[tuple, float]:
            # byte classes: the pair is one int32 code, counted by the coverage kernel
            # with exact coverage x true area, as land_cover counts one raster
            a, b = ab
            vals, acc = rr.strip(fp, a, b)
            o = _other_values(ro, ref, other, fp.window, a, b, fill)
            code = vals.astype(np.int32) * 257 + (o.astype(np.int32) + 1)
            hist = np.zeros(256 * 257, dtype=np.float64)
            cov.kernels_for(code.size).histogram_strip(
                acc, code, areas.row_area[a:], areas.fac, areas.use_fac, a, 0, hist
            )
            nz = np.flatnonzero(hist)
            return {(int(k // 257), int(k % 257) - 1): float(hist[k]) for k in nz}

        def strip(ab: tuple[int, int]) -> dict[tuple, float]:
            a, b = ab
            vals, acc = rr.strip(fp, a, b)
            w = cell_weights(acc, areas, a, vals.shape)
            o = _other_values(ro, ref, other, fp.window, a, b, fill)
            code = vals.astype(np.int64) * shift + (o + 1)
            keep = w > 0
            uniq, inv = np.unique(code[keep], return_inverse=True)
            sums = np.bincount(inv, weights=w[keep], minlength=len(uniq))
            return {
                (int(u // shift), int(u % shift) - 1): float(s)
                for u, s in zip(uniq.tolist(), sums.tolist(), strict=True)
            }

        bounds = cov.strip_bounds(ref, fp)
        n = threads or default_threads()
        threaded = n > 1 and rr.thread_safe and ro.thread_safe
        try:
            fn = strip_small if small else strip
            if threaded:
                with ThreadPoolExecutor(n) as pool:
                    parts = list(pool.map(fn, bounds))
            else:
                parts = [fn(ab) for ab in bounds]
        finally:
            ro.close()
    total: dict[tuple, float] = {}
    for part in parts:  # reduced in strip order: identical whatever the thread count
        for k, v in part.items():
            total[k] = total.get(k, 0.0) + v
    return total


def _check(r: Raster, label: str) -> None:
    if np.dtype(r.dtype).kind not in "iu":
        raise UnsupportedFormatError(
            f"{label} raster {r.label}: land cover must hold integer class values, got {r.dtype}"
        )


def change(
    landscape: Any,
    before: Any,
    after: Any,
    *,
    legend: Any = None,
    before_legend: Any = None,
    after_legend: Any = None,
    lang: str = "en",
    threads: int | None = None,
) -> ChangeResult:
    """Land-cover transitions in a landscape between two rasters.

    Parameters
    ----------
    landscape
        A :class:`~landprofile.Landscape`.
    before, after
        Land cover rasters of the two dates (paths, datasets, DataArrays); any grids,
        resolutions and CRSs (see the module's notes on alignment).
    legend, before_legend, after_legend
        Legends (built-in names, files or :class:`~landprofile.legend.Legend`): one for
        both, or one per date; ESA WorldCover v200 by default.
    lang
        Language of class and group names.
    threads
        Worker threads; results do not depend on it.

    Returns
    -------
    ChangeResult

    Raises
    ------
    RasterMismatchError
        A raster does not cover the landscape at all.
    UnsupportedFormatError
        A raster holds non-integer values.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> folder = Path(tempfile.mkdtemp())
    >>> before = halves_land_cover(folder / "2020.tif")  # tree cover | cropland
    >>> after = halves_land_cover(folder / "2021.tif", east=50)  # tree cover | built-up
    >>> ch = lp.change(square_landscape(), before, after, legend="esa_worldcover_v200")
    >>> ch.transitions[["from_name", "to_name"]]
        from_name   to_name
    0  Tree cover  Tree cover
    1    Cropland  Built-up
    >>> ch.by_group[["group", "net_ha"]].round(1)
          group  net_ha
    0    forest     0.0
    1  cropland   -50.0
    2  built_up    50.0
    >>> ch.natural["lost_ha"]
    0.0
    """
    box = landscape.bounds_lonlat  # read by window for a data name (worldcover:2020...)
    rb = before if isinstance(before, Raster) else read_raster(before, bounds=box)
    ra = after if isinstance(after, Raster) else read_raster(after, bounds=box)
    _check(rb, "before")
    _check(ra, "after")
    from landprofile.sources.catalogue import legend_for

    # a named WorldCover year is read with its own version's legend (2020 is v100)
    lb: Legend = load_legend(before_legend or legend or legend_for(before) or "esa_worldcover_v200")
    la: Legend = load_legend(after_legend or legend or legend_for(after) or "esa_worldcover_v200")
    _warn_versions(before, after)
    zone = as_zones(landscape)[0]
    for r, label in ((rb, "before"), (ra, "after")):
        fps = cov.footprints(cov.geometry_in_raster_crs(zone.geometry, zone.crs, r), r)
        if all(fp.empty for fp in fps):
            raise RasterMismatchError(
                f"the {label} raster {r.label} does not cover the landscape "
                f"{zone.id!r} (raster bounds {tuple(round(v, 4) for v in r.bounds)} in "
                f"{r.crs.to_string()}); give a raster over the landscape"
            )
    before_is_ref = _res_m(rb) <= _res_m(ra)
    ref, other = (rb, ra) if before_is_ref else (ra, rb)
    pairs = _pairs(ref, other, zone, threads)
    if not before_is_ref:
        pairs = {(b, a): v for (a, b), v in pairs.items()}
    nod_b = set(lb.nodata) | ({int(rb.nodata)} if _int_nodata(rb) else set())
    nod_a = set(la.nodata) | ({int(ra.nodata)} if _int_nodata(ra) else set())
    nod_a.add(-1)  # outside the other raster
    if not before_is_ref:
        nod_b.add(-1)
    transitions = _transitions(pairs, lb, la, nod_b, nod_a, lang)
    by_class, by_group, natural = _summaries(transitions)
    return ChangeResult(
        transitions=transitions,
        by_class=by_class,
        by_group=by_group,
        natural=natural,
        before=rb.label,
        after=ra.label,
        reference="before" if before_is_ref else "after",
        landscape=landscape,
        sources={"before": rb, "after": ra, "before_legend": lb, "after_legend": la},
    )


def _int_nodata(r: Raster) -> bool:
    return r.nodata is not None and float(r.nodata).is_integer()


def _describe(value: int, leg: Legend, nodata: set[int], lang: str) -> tuple[str, str, Any]:
    classes = leg.by_value()
    if value in nodata:
        return "nodata", "nodata", None
    if value in classes:
        c = classes[value]
        return "class", c.name(lang), c.group
    return "unknown", f"unknown value {value}", None


def _transitions(
    pairs: dict[tuple, float], lb: Legend, la: Legend, nod_b: set, nod_a: set, lang: str
) -> pd.DataFrame:
    rows = []
    for (vb, va), m2 in sorted(pairs.items()):
        kb, nb, gb = _describe(vb, lb, nod_b, lang)
        ka, na, ga = _describe(va, la, nod_a, lang)
        rows.append(
            {
                "kind": "class" if kb == ka == "class" else (kb if kb != "class" else ka),
                "from_value": vb,
                "from_name": nb,
                "to_value": va,
                "to_name": na,
                "from_group": gb,
                "to_group": ga,
                "area_ha": m2 / 1e4,
            }
        )
    cols = [
        "kind",
        "from_value",
        "from_name",
        "to_value",
        "to_name",
        "from_group",
        "to_group",
        "area_ha",
    ]
    return pd.DataFrame(rows, columns=cols)


def _summaries(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    valid = t[t["kind"] == "class"]
    before = valid.groupby(["from_value", "from_name"])["area_ha"].sum()
    after = valid.groupby(["to_value", "to_name"])["area_ha"].sum()
    before.index.names = after.index.names = ["value", "name"]
    by_class = pd.concat([before.rename("before_ha"), after.rename("after_ha")], axis=1)
    by_class = by_class.fillna(0.0).reset_index()
    by_class["net_ha"] = by_class["after_ha"] - by_class["before_ha"]
    with np.errstate(divide="ignore", invalid="ignore"):
        by_class["net_pct"] = np.where(
            by_class["before_ha"] > 0, 100 * by_class["net_ha"] / by_class["before_ha"], np.nan
        )
    gb = valid.groupby("from_group")["area_ha"].sum()
    ga = valid.groupby("to_group")["area_ha"].sum()
    groups = sorted(set(gb.index) | set(ga.index))
    by_group = pd.DataFrame(
        {
            "group": groups,
            "before_ha": [float(gb.get(g, 0.0)) for g in groups],
            "after_ha": [float(ga.get(g, 0.0)) for g in groups],
        }
    )
    by_group["natural"] = [GROUPS[g].natural for g in groups]
    by_group["net_ha"] = by_group["after_ha"] - by_group["before_ha"]
    with np.errstate(divide="ignore", invalid="ignore"):
        by_group["net_pct"] = np.where(
            by_group["before_ha"] > 0, 100 * by_group["net_ha"] / by_group["before_ha"], np.nan
        )
    nat_from = valid["from_group"].map(lambda g: GROUPS[g].natural)
    nat_to = valid["to_group"].map(lambda g: GROUPS[g].natural)
    natural = {
        "before_ha": float(valid.loc[nat_from, "area_ha"].sum()),
        "after_ha": float(valid.loc[nat_to, "area_ha"].sum()),
        "lost_ha": float(valid.loc[nat_from & ~nat_to, "area_ha"].sum()),
        "gained_ha": float(valid.loc[~nat_from & nat_to, "area_ha"].sum()),
    }
    return (
        by_class,
        by_group.sort_values("before_ha", ascending=False).reset_index(drop=True),
        natural,
    )


def _warn_versions(before: Any, after: Any) -> None:
    """ESA says v100 (2020) and v200 (2021) differ by algorithm: not all change is real."""
    import warnings

    from landprofile.errors import DataWarning, user_stacklevel
    from landprofile.sources.catalogue import legend_for

    lb, la = legend_for(before), legend_for(after)
    if lb and la and lb != la:
        warnings.warn(
            f"{before} and {after} are different versions of ESA WorldCover (v100 and v200, "
            "made with different algorithms): part of the change between them is a change "
            "of method, not on the ground (ESA's v200 product user manual); read the "
            "transitions as indicative",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
