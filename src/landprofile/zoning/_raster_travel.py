"""How a tiled run's rasters reach the tile that reads them.

:func:`travel` is what the client sends in :class:`~landprofile.zoning.tiles.Shared`
(today: a path when the raster has one, else the raster whole); :func:`read_travelled`
is what a tile opens from it, or from the ``windows`` sent with the tile itself.
"""

from __future__ import annotations

from typing import Any

__all__ = ["read_travelled", "travel"]


def travel(src: Any) -> Any:
    """Rasters travel to workers as paths when they have one (a DataArray goes whole)."""
    if src is None:
        return None
    return src.path if getattr(src, "path", None) else src


def read_travelled(name: str, src: Any, windows: dict[str, Any] | None = None) -> Any:
    """The raster a tile reads for ``name``: its own window when one was sent, else ``src``."""
    from landprofile.raster import read_raster

    if windows and windows.get(name) is not None:
        return read_raster(windows[name])
    return read_raster(src)
