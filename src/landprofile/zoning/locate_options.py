"""The arguments of :func:`~landprofile.zoning.locate.locate`, checked before any work.

One check for every way they arrive — ``locate(...)``, ``candidates(select=...)``, a
config's ``[select]`` and the CLI's options — so that a wrong type, a non-finite number,
a reversed range or a zone larger than the landscape is named before the rules run
(they are the slow part), never as a ``MemoryError`` deep inside region growing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from landprofile.errors import InvalidParameterError
from landprofile.zoning.grow import SHAPES

__all__ = ["DEFAULT_N_ZONES", "EVALUATIONS", "METHODS", "OPTIONS", "check_options"]

#: Zones located when neither a number nor a total area is asked.
DEFAULT_N_ZONES = 10
EVALUATIONS = ("mean", "sum", "edge")
METHODS = ("exact", "greedy")


#: The keyword arguments of :func:`locate` (``select=`` of :func:`candidates` and a
#: config's ``[select]`` also take ``enabled``).
OPTIONS = (
    "n_zones",
    "total_area_ha",
    "zone_area_ha",
    "shape",
    "shape_weight",
    "min_spacing_m",
    "max_spacing_m",
    "evaluation",
    "lock_in",
    "method",
    "max_candidates",
    "time_limit_s",
)
DEFAULTS: dict[str, Any] = {
    "n_zones": None,
    "total_area_ha": None,
    "zone_area_ha": None,
    "shape": "compact",
    "shape_weight": 0.5,
    "min_spacing_m": 0.0,
    "max_spacing_m": None,
    "evaluation": "mean",
    "lock_in": None,
    "method": "exact",
    "max_candidates": 1000,
    "time_limit_s": 30.0,
}


#: The largest spacing accepted (m): half the Earth's circumference.
MAX_SPACING_M = 20_000_000.0


def check_options(
    options: Mapping[str, Any],
    *,
    where: str = "locate",
    landscape_ha: float | None = None,
    allow_enabled: bool = False,
) -> dict[str, Any]:
    """Check :func:`locate`'s arguments before any work is done; return them normalised.

    The one check used by :func:`locate`, ``candidates(select=...)``, a config's
    ``[select]`` and :func:`landprofile.pipeline.select_options`, so that a bad value
    is refused by name before the (slow) rules run, never as a raw error after it.

    Parameters
    ----------
    options
        Keyword arguments of :func:`locate` (absent ones take its defaults).
    where
        What the message names (``locate``, ``select``, a config file's ``[select]``).
    landscape_ha
        The landscape's area when known: a zone must fit in it.
    allow_enabled
        Accept ``enabled`` (true or false), as ``select=`` and ``[select]`` do.

    Returns
    -------
    dict
        Every option of :data:`OPTIONS` (floats as floats, ``zone_area_ha`` as a
        ``(min, max)`` tuple or ``None``, with its ``min`` ``None`` when only the
        maximum was given), plus ``enabled`` when ``allow_enabled``.

    Raises
    ------
    InvalidParameterError
        Naming the option, the value and what is accepted (unknown options listed with
        the accepted ones).
    """

    def bad(msg: str) -> InvalidParameterError:
        return InvalidParameterError(f"{where}: {msg}")

    if not isinstance(options, Mapping):
        raise bad(f"{options!r} must be a mapping of locate() arguments")
    accepted = (*OPTIONS, "enabled") if allow_enabled else OPTIONS
    unknown = [str(k) for k in options if k not in accepted]
    if unknown:
        raise bad(f"unknown option(s) {sorted(unknown)}; accepted: {', '.join(accepted)}")
    o = {**DEFAULTS, **options}

    def number(name: str, *, lo: float = 0.0, strict: bool = False, v: Any = None) -> float:
        v = o[name] if v is None else v
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise bad(f"{name}={v!r} must be a number")
        v = float(v)
        if not math.isfinite(v) or v < lo or (strict and v <= lo):
            raise bad(f"{name}={v!r} must be a finite number {'>' if strict else '>='} {lo:g}")
        return v

    def whole(name: str) -> int:
        v = o[name]
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise bad(f"{name}={v!r} must be a whole number >= 1")
        return int(v)

    def one_of(name: str, allowed: Any) -> str:
        v = o[name]
        if not isinstance(v, str) or v not in allowed:
            raise bad(f"{name}={v!r} is not one of {', '.join(allowed)} (one name, a text)")
        return v

    out: dict[str, Any] = {"lock_in": o["lock_in"]}
    if allow_enabled:
        if not isinstance(o.get("enabled", True), bool):
            raise bad(f"enabled={o['enabled']!r} must be True or False")
        out["enabled"] = o.get("enabled", True)
    out["shape"] = one_of("shape", tuple(SHAPES))
    out["evaluation"] = one_of("evaluation", EVALUATIONS)
    out["method"] = one_of("method", METHODS)
    out["shape_weight"] = number("shape_weight")
    if out["shape_weight"] > 1:
        raise bad(f"shape_weight={o['shape_weight']!r} must be in [0, 1]")
    out["min_spacing_m"] = number("min_spacing_m")
    # no two points on Earth are farther apart than half its circumference (~20,000 km);
    # a larger spacing only overflows the distance arithmetic later
    for key in ("min_spacing_m", "max_spacing_m"):
        if o[key] is not None and number(key) > MAX_SPACING_M:
            raise bad(
                f"{key}={o[key]!r} must be in [0, {MAX_SPACING_M:,.0f}] metres (half the "
                "Earth's circumference: no two zones can be farther apart)"
            )
    out["max_spacing_m"] = None
    if o["max_spacing_m"] is not None:
        out["max_spacing_m"] = number("max_spacing_m", strict=True)
        if out["max_spacing_m"] < out["min_spacing_m"]:
            raise bad(
                f"max_spacing_m={o['max_spacing_m']!r} is below "
                f"min_spacing_m={o['min_spacing_m']!r}"
            )
    out["max_candidates"] = whole("max_candidates")
    out["n_zones"] = None if o["n_zones"] is None else whole("n_zones")
    out["total_area_ha"] = (
        None if o["total_area_ha"] is None else number("total_area_ha", strict=True)
    )
    # a time limit of 0 or NaN would stop HiGHS before it starts: nothing proved
    out["time_limit_s"] = number("time_limit_s", strict=True)
    z = o["zone_area_ha"]
    if z is None:
        out["zone_area_ha"] = None
    else:
        if isinstance(z, int | float | np.integer | np.floating) and not isinstance(z, bool):
            lo, hi = None, number("zone_area_ha", strict=True, v=z)
        elif isinstance(z, tuple | list) and len(z) == 2:
            lo = number("zone_area_ha min", strict=True, v=z[0])
            hi = number("zone_area_ha max", strict=True, v=z[1])
            if hi < lo:
                raise bad(f"zone_area_ha={z!r}: max {hi:g} ha is below min {lo:g} ha")
        else:
            raise bad(f"zone_area_ha={z!r} must be (min, max) in ha, 0 < min <= max")
        if landscape_ha and hi > landscape_ha * (1 + 1e-9):
            # the zone could never be grown, and the seeding grid would be as large
            # as the zone asked: refuse it rather than run out of memory
            raise bad(
                f"zone_area_ha max {hi:,.6g} ha is larger than the landscape "
                f"({landscape_ha:,.6g} ha): no zone can be that large"
            )
        out["zone_area_ha"] = (lo, hi)
    return out
