"""The dates of a land-cover series as given: labels, order, legends, checked first.

See :func:`landprofile.monitoring.landcover_series.land_cover_series`: a mapping of
dates to rasters (or ``(raster, legend)`` pairs) or a list of names/files becomes one
``(label, raster, legend)`` per date, in order, before any raster is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from landprofile.errors import InvalidParameterError

#: Years and ISO dates: a series of them is put in order (they sort as text).
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _label(key: Any, src: Any) -> str:
    """A date's label: the mapping's key, else the data name or the file's name only."""
    if key is not None:
        return str(key)
    if isinstance(src, (str, Path)):
        from landprofile.sources.catalogue import parse_name

        return str(src) if parse_name(src) is not None else Path(src).name
    return str(getattr(src, "label", None) or getattr(src, "name", None) or type(src).__name__)


def _shown(src: Any) -> str:
    """The source as the user gave it, a file by its name only (outputs hold no path)."""
    from landprofile.sources.catalogue import parse_name

    if isinstance(src, (str, Path)):
        return str(src) if parse_name(src) is not None else Path(src).name
    label = str(getattr(src, "label", "") or type(src).__name__)
    return Path(label).name if ("/" in label or "\\" in label) else label


def _entries(rasters: Any, legend: Any) -> list[tuple[str, Any, Any]]:
    """(label, raster, legend or None) per date, ordered, checked for duplicates."""
    if isinstance(rasters, (str, Path)) or not hasattr(rasters, "__iter__"):
        raise InvalidParameterError(
            f"land_cover_series: rasters must be a mapping of dates to rasters or a list of "
            f"raster names/files, got {type(rasters).__name__} {rasters!r}"
        )
    items = list(rasters.items()) if isinstance(rasters, Mapping) else [(None, r) for r in rasters]
    out: list[tuple[str, Any, Any]] = []
    for key, value in items:
        src, leg = value, None
        if isinstance(value, tuple):
            if len(value) != 2:
                raise InvalidParameterError(
                    f"land_cover_series: date {key!r} gives {value!r}; give a raster or a "
                    "(raster, legend) pair"
                )
            src, leg = value
        label = _label(key, src)
        if isinstance(legend, Mapping):
            leg = leg or legend.get(label) or legend.get(key)
        elif leg is None:
            leg = legend
        out.append((label, src, leg))
    labels = [e[0] for e in out]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise InvalidParameterError(
            f"land_cover_series: dates {dup} appear more than once; give each date once"
        )
    if len(out) < 2:
        raise InvalidParameterError(
            f"land_cover_series: {len(out)} date(s) given ({labels}); a series needs at least "
            "two rasters (for one date use landprofile.land_cover)"
        )
    if isinstance(legend, Mapping):
        unknown = sorted(set(map(str, legend)) - set(labels))
        if unknown:
            raise InvalidParameterError(
                f"land_cover_series: legend= names dates {unknown} that are not in the "
                f"series; the dates are {labels}"
            )
    if all(_DATE.match(lab) for lab in labels):
        out.sort(key=lambda e: e[0])  # ISO dates and years sort as text
    return out
