"""How a tiled run's rasters reach the tile that reads them.

:func:`travel` is what the client puts in :class:`~landprofile.zoning.tiles.Shared`: a
path (or URL) when the raster has one, else the raster whole; in this process a tile
opens that again. On a cluster the shared inputs are rewritten before they leave
(:func:`landprofile.zoning._cluster_rasters.split`): a URL stays, for the workers to
read, and any other raster is replaced by the window of it each tile reads, sent with
the tile. :func:`read_travelled` is what a tile opens: its own window (an opened
:class:`~landprofile.raster.Raster`) when one was sent, else the shared source.
"""

from __future__ import annotations

from typing import Any

__all__ = ["read_travelled", "travel"]


def travel(src: Any) -> Any:
    """A raster's path (or URL) when it has one, else the raster whole (a DataArray).

    What a tile in this process reopens; on a cluster only a URL reaches the workers
    (:mod:`landprofile.zoning._cluster_rasters`).
    """
    if src is None:
        return None
    return src.path if getattr(src, "path", None) else src


def read_travelled(name: str, src: Any, windows: dict[str, Any] | None = None) -> Any:
    """The raster a tile reads for ``name``: its own window when one was sent, else ``src``."""
    from landprofile.raster import read_raster

    if windows and windows.get(name) is not None:
        return read_raster(windows[name])
    return read_raster(src)
