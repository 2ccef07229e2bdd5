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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from landprofile import _coverage as cov
from landprofile.errors import InvalidParameterError, UnsupportedFormatError
from landprofile.legend import Legend, load_legend
from landprofile.monitoring._landcover_pairs import _pairs, _res_m
from landprofile.monitoring._landcover_tables import _summaries, _transitions
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
    #: Each date's credit (``before``, ``after``: :class:`landprofile.credits.Credit`).
    credits: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def explore(self, m: Any = None, **kwargs: Any) -> Any:
        """A :class:`folium.Map`: the landscape with both dates' land cover (before hidden).

        ``tiles=``, ``lang=`` and ``context=`` as in :meth:`landprofile.Profile.explore`.
        """
        from landprofile.maps.explore import explore_change

        return explore_change(self, m, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (tables as records); ``sources``: both dates' credits."""
        from landprofile._credit_lists import change_credits

        return {
            "before": self.before,
            "after": self.after,
            # each date's citation, licence and DOI (worldcover 2020 and 2021 differ)
            "sources": [c.to_dict() for c in change_credits(self)],
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
    credits: Any = None,
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
    credits
        Each date's credit by ``"change_before"`` / ``"change_after"`` or file name (see
        :mod:`landprofile.credits`); a named source's citation, a sidecar, else "credit
        not given".

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
    from landprofile.credits import check_credits, credit_for, lookup

    check_credits(credits, "credits=")
    cited = {
        w: credit_for(f"change_{w}", x, lookup(credits, f"change_{w}", x))
        for w, x in (("before", before), ("after", after))
    }
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
        credits=cited,
    )


def _int_nodata(r: Raster) -> bool:
    return r.nodata is not None and float(r.nodata).is_integer()


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
