"""Degree tiles named by their south-west corner, as ESA and Copernicus name theirs."""

from __future__ import annotations

import math

__all__ = ["degree_tiles", "lat_label", "lon_label"]


def lat_label(v: int, width: int = 2) -> str:
    """``N05`` / ``S03``: a tile's latitude as in its name."""
    return f"{'N' if v >= 0 else 'S'}{abs(v):0{width}d}"


def lon_label(v: int) -> str:
    """``E006`` / ``W003``: a tile's longitude as in its name."""
    return f"{'E' if v >= 0 else 'W'}{abs(v):03d}"


def degree_tiles(bounds: tuple[float, float, float, float], size: int) -> list[tuple[int, int]]:
    """South-west corners (lat, lon) of the ``size``-degree tiles a box touches."""
    w, s, e, n = bounds
    lats = range(math.floor(s / size) * size, math.ceil(n / size) * size, size)
    lons = range(math.floor(w / size) * size, math.ceil(e / size) * size, size)
    return [(la, lo) for la in lats for lo in lons]
