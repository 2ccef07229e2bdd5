"""Land cover over N dates: shares per date and transitions between them.

:func:`land_cover_series` takes a series of land-cover rasters (named, e.g.
``worldcover:2020``, or files), each with its legend, and returns a
:class:`LandCoverSeries`:

``dates``
    The date labels, in order (ISO dates or years are sorted; other labels keep the
    order given).
``shares``
    One row per date and class: ``date``, ``value``, ``name``, ``group``,
    ``group_name``, ``natural``, ``color``, ``area_ha``, ``share_pct`` (the class's
    share of that date's valid classified area, 0-100). Measured exactly as
    :func:`landprofile.profile` measures land cover (:func:`landprofile.land_cover`
    on each raster on its own grid: exact coverage times true cell area), so a date's
    shares equal the profile's for that raster.
``by_group``
    The same per ecosystem group: ``date``, ``group``, ``group_name``, ``natural``,
    ``area_ha``, ``share_pct``.
``transitions``
    One row per (from class, to class) of each pair of dates compared: ``pair``
    (``"consecutive"`` for each date and the next, ``"first_last"`` for the first
    date and the last; with two dates both name the same comparison, so filter on
    ``pair`` before summing), ``from_date``, ``to_date``, then the columns of
    ``ChangeResult.transitions`` (``kind``,
    ``from_value``, ``from_name``, ``to_value``, ``to_name``, ``from_group``,
    ``to_group``, ``area_ha``). Each pair is :func:`landprofile.change` itself.
``natural``
    One row per pair compared: ``pair``, ``from_date``, ``to_date``, ``before_ha``,
    ``after_ha``, ``lost_ha``, ``gained_ha`` of natural and semi-natural habitat.
``version_warnings``
    One dict per pair whose products differ (``from_date``, ``to_date``,
    ``message``): ESA WorldCover v100 (2020) against v200 (2021 on), or two
    different legends; the same text is also issued as a
    :class:`~landprofile.errors.DataWarning`.
``sources``
    One dict per date: ``date``, ``source`` (the name as given, or the file's name
    only), ``legend`` (its key), the credit's fields (``credit``, ``licence``,
    ``citation``, ``doi``, ``version``, ``synthetic``, ``given``, ``origin``,
    ``notice``: a named source's from the catalogue, a file's from its sidecar or
    ``credits=``) and ``credit_text`` (the line a card prints; "credit not given"
    when none). :meth:`LandCoverSeries.credit_list` gives them as
    :class:`landprofile.credits.Credit` objects.
``changes``
    The :class:`~landprofile.monitoring.ChangeResult` of each pair, keyed by
    ``(from_date, to_date)`` (not serialised).

:meth:`LandCoverSeries.to_dict` / :meth:`LandCoverSeries.to_json` hold all but
``changes``, with no absolute path.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from landprofile.errors import DataWarning, InvalidParameterError, user_stacklevel
from landprofile.monitoring._landcover_series_inputs import _entries, _shown

__all__ = ["LandCoverSeries", "land_cover_series"]

_SHARE_COLS = [
    "date",
    "value",
    "name",
    "group",
    "group_name",
    "natural",
    "color",
    "area_ha",
    "share_pct",
]
_GROUP_COLS = ["date", "group", "group_name", "natural", "area_ha", "share_pct"]
_NATURAL_COLS = [
    "pair",
    "from_date",
    "to_date",
    "before_ha",
    "after_ha",
    "lost_ha",
    "gained_ha",
]


@dataclass(frozen=True)
class LandCoverSeries:
    """Land cover of one landscape over N dates (see the module's notes for the fields).

    Examples
    --------
    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> folder = Path(tempfile.mkdtemp())
    >>> series = lp.land_cover_series(
    ...     square_landscape(),
    ...     {
    ...         "2019": halves_land_cover(folder / "a.tif", east=10),  # all tree cover
    ...         "2020": halves_land_cover(folder / "b.tif"),  # east half cropland
    ...         "2021": halves_land_cover(folder / "c.tif", east=50),  # east half built-up
    ...     },
    ...     legend="esa_worldcover_v200",
    ... )
    >>> series.dates
    ('2019', '2020', '2021')
    >>> series.shares[["date", "name", "share_pct"]].round(1)
       date        name  share_pct
    0  2019  Tree cover      100.0
    1  2020  Tree cover       50.0
    2  2020    Cropland       50.0
    3  2021  Tree cover       50.0
    4  2021    Built-up       50.0
    >>> series.natural[["pair", "from_date", "to_date", "lost_ha"]].round()
              pair from_date to_date  lost_ha
    0  consecutive      2019    2020     50.0
    1  consecutive      2020    2021      0.0
    2   first_last      2019    2021     50.0
    """

    dates: tuple[str, ...]
    shares: pd.DataFrame
    by_group: pd.DataFrame
    transitions: pd.DataFrame
    natural: pd.DataFrame
    version_warnings: tuple[dict[str, str], ...]
    sources: tuple[dict[str, Any], ...]
    changes: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)
    landscape: Any = field(default=None, repr=False, compare=False)

    def share_table(self, by: str = "class") -> pd.DataFrame:
        """Shares (%) wide: one row per class (or ``by="group"``), one column per date."""
        if by not in ("class", "group"):
            raise InvalidParameterError(f"by={by!r}: give 'class' or 'group'")
        df, key = (self.shares, "name") if by == "class" else (self.by_group, "group")
        wide = df.pivot_table(index=key, columns="date", values="share_pct", aggfunc="sum")
        return wide.reindex(columns=list(self.dates)).fillna(0.0)

    def credit_list(self) -> list[Any]:
        """Each date's credit as a ``landprofile.credits.Credit`` (role ``land_cover``)."""
        from landprofile.credits import Credit

        return [
            Credit.from_dict({**s, "role": "land_cover", "name": s["source"]}) for s in self.sources
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (tables as records; no absolute path)."""
        return {
            "dates": list(self.dates),
            "shares": _records(self.shares),
            "by_group": _records(self.by_group),
            "transitions": _records(self.transitions),
            "natural": _records(self.natural),
            "version_warnings": [dict(w) for w in self.version_warnings],
            "sources": [dict(s) for s in self.sources],
        }

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """The :meth:`to_dict` form as JSON text; written atomically when ``path`` is given."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=_plain)
        if path is not None:
            from landprofile._atomic import atomic_path

            with atomic_path(path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        return text


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):
        return v.item()
    return str(v)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.astype(object).where(df.notna(), None)
    return [
        {k: _plain(v) if hasattr(v, "item") else v for k, v in r.items()}
        for r in out.to_dict(orient="records")
    ]


def land_cover_series(
    landscape: Any,
    rasters: Any,
    *,
    legend: Any = None,
    lang: str = "en",
    threads: int | None = None,
    credits: Any = None,
) -> LandCoverSeries:
    """Land-cover shares per date and transitions between dates in a landscape.

    Parameters
    ----------
    landscape
        A :class:`~landprofile.Landscape`.
    rasters
        A mapping of date (or label) to raster — a data name (``worldcover:2021``), a
        file, a :class:`~landprofile.Raster`, or a ``(raster, legend)`` pair — or a list
        of names/files (each labelled by its name, a file by its file name). At least
        two. Dates that are all years or ISO dates are put in order.
    legend
        One legend for every date, or a mapping of date to legend. A date without one
        takes its named source's own version's legend (``worldcover:2020`` is v100), else
        ESA WorldCover v200.
    lang
        Language of class and group names (``en``, ``fr``, ``es``).
    threads
        Worker threads; results do not depend on it.
    credits
        Who made each date's raster, by date, by role (``land_cover``) or by file name
        (a text or a mapping with ``credit``, ``licence``, ``citation``, ``doi``); named
        sources are credited from the catalogue and files by their sidecar
        (:mod:`landprofile.credits`).

    Returns
    -------
    LandCoverSeries

    Raises
    ------
    InvalidParameterError
        Fewer than two dates, a date given twice, a legend for a date not in the series.
    UnsupportedFormatError
        A raster holds non-integer values.
    RasterMismatchError
        A raster does not cover the landscape.
    """
    from landprofile import _coverage as cov
    from landprofile.legend import load_legend
    from landprofile.monitoring.landcover import (
        RasterMismatchError,
        _check,
        _warn_versions,
        change,
    )
    from landprofile.profile._zones import as_zones
    from landprofile.profile.stats import land_cover
    from landprofile.raster import Raster, read_raster
    from landprofile.sources.catalogue import legend_for, parse_name

    if lang not in ("en", "fr", "es"):
        raise InvalidParameterError(f"lang {lang!r} is not one of en, fr, es")
    entries = _entries(rasters, legend)
    zone = as_zones(landscape)[0]
    # every raster and legend read and checked before the long work
    read: list[tuple[str, Any, Raster, Any]] = []
    for label, src, leg in entries:
        box = landscape.bounds_lonlat if parse_name(src) is not None else None
        r = src if isinstance(src, Raster) else read_raster(src, bounds=box)
        _check(r, f"date {label!r}:")
        lg = load_legend(leg or legend_for(src) or "esa_worldcover_v200")
        fps = cov.footprints(cov.geometry_in_raster_crs(zone.geometry, zone.crs, r), r)
        if all(fp.empty for fp in fps):
            raise RasterMismatchError(
                f"the raster of date {label!r} ({_shown(src)}) does not cover the landscape "
                f"{zone.id!r}; give a raster over the landscape"
            )
        read.append((label, src, r, lg))

    shares, groups = [], []
    for label, _src, r, lg in read:
        t = land_cover(landscape, r, legend=lg, lang=lang, threads=threads)
        cls = t[t["kind"] == "class"]
        shares.append(cls.assign(date=label, share_pct=100 * cls["share"])[_SHARE_COLS])
        g = cls.groupby(["group", "group_name", "natural"], as_index=False, sort=False)[
            ["area_ha", "share"]
        ].sum()
        groups.append(g.assign(date=label, share_pct=100 * g["share"])[_GROUP_COLS])

    n = len(read)
    pairs = [("consecutive", i, i + 1) for i in range(n - 1)] + [("first_last", 0, n - 1)]
    changes: dict[tuple[str, str], Any] = {}
    notes: list[dict[str, str]] = []
    trans, nat = [], []
    for kind, i, j in pairs:
        (la, sa, ra, ga), (lb, sb, rb, gb) = read[i], read[j]
        if (la, lb) not in changes:
            notes.extend(_version_note(la, lb, sa, sb, ga, gb, _warn_versions))
            changes[(la, lb)] = change(
                landscape, ra, rb, before_legend=ga, after_legend=gb, lang=lang, threads=threads
            )
        ch = changes[(la, lb)]
        trans.append(ch.transitions.assign(pair=kind, from_date=la, to_date=lb))
        nat.append({"pair": kind, "from_date": la, "to_date": lb, **ch.natural})
    tcols = ["pair", "from_date", "to_date", *changes[(read[0][0], read[1][0])].transitions.columns]
    return LandCoverSeries(
        dates=tuple(e[0] for e in read),
        shares=pd.concat(shares, ignore_index=True),
        by_group=pd.concat(groups, ignore_index=True),
        transitions=pd.concat(trans, ignore_index=True)[tcols],
        natural=pd.DataFrame(nat, columns=_NATURAL_COLS),
        version_warnings=tuple(notes),
        sources=tuple(_source(label, src, lg, credits) for label, src, _r, lg in read),
        changes=changes,
        landscape=landscape,
    )


def _version_note(
    la: str, lb: str, sa: Any, sb: Any, ga: Any, gb: Any, warn_versions: Any
) -> list[dict[str, str]]:
    """The products' difference between two dates, warned once and recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_versions(_shown(sa), _shown(sb))
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    if not msgs and ga.key != gb.key:
        msgs = [
            f"dates {la} and {lb} use different legends ({ga.key} and {gb.key}): classes "
            "compare through their ecosystem groups, and part of the change may be a change "
            "of product, not on the ground; read the transitions as indicative"
        ]
    for m in msgs:
        warnings.warn(m, DataWarning, stacklevel=user_stacklevel())
    return [{"from_date": la, "to_date": lb, "message": m} for m in msgs]


def _source(label: str, src: Any, lg: Any, credits: Any) -> dict[str, Any]:
    """A date's source: its name (file name only), legend, and credit.

    The credit is :func:`landprofile.credits.credit_for`'s: a named source's citation,
    licence and DOI from the catalogue, a file's sidecar, or the caller's ``credits``
    (by date, by role ``land_cover`` or by file name); else "credit not given".
    """
    from landprofile.credits import credit_for, lookup

    given = None
    if isinstance(credits, Mapping):
        given = credits.get(label) if label in credits else lookup(credits, "land_cover", src)
    elif credits is not None:
        raise InvalidParameterError(
            f"land_cover_series: credits must map dates (or 'land_cover', or file names) to "
            f"credits, got {type(credits).__name__}"
        )
    c = credit_for("land_cover", src, given)
    rec: dict[str, Any] = {"date": label, "source": _shown(src), "legend": lg.key}
    rec |= {k: v for k, v in c.to_dict().items() if k not in ("role", "name")}
    rec["credit_text"] = c.text()
    return rec
