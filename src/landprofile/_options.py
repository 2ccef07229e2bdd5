"""Package-wide defaults a user may set once (``lp.options``), light to import."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Options", "options"]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _env_float(name: str) -> float | None:
    text = os.environ.get(name, "").strip()
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _env_int(name: str) -> int | None:
    value = _env_float(name)
    return int(value) if value is not None and value >= 1 else None


@dataclass
class Options:
    """Defaults of the package; change them as attributes (``lp.options.offline_maps = True``).

    Attributes
    ----------
    offline_maps
        Every ``.explore()`` map inlines the vendored Leaflet (as the card does) and
        draws no tile layer, so it shows in a notebook without internet. Default: the
        ``LANDPROFILE_OFFLINE_MAPS`` environment variable (``1``, ``true``), else off.
    max_memory_gb
        The memory (GiB) a gridded stage (zoning, a DEM catchment) may plan to use before
        it refuses with :class:`~landprofile.errors.ResourceLimitError`; ``None``: 80 % of
        the memory available when the stage starts. Default: ``LANDPROFILE_MAX_MEMORY_GB``.
    zoning_tile_cells
        Zoning runs in tiles of this many cells a side (the same answer as one grid, in
        bounded memory; ``landprofile.zoning.tiles``); ``None``: tiles only when the
        whole analysis grid does not fit in ``max_memory_gb``. Default:
        ``LANDPROFILE_ZONING_TILE_CELLS``.
    data_mirror
        A mirror of the open sources (:mod:`landprofile.sources`): a folder or an http(s)
        URL. Default: ``LANDPROFILE_DATA_MIRROR``.

    Examples
    --------
    >>> import landprofile as lp
    >>> saved = lp.options.offline_maps
    >>> lp.options.offline_maps = True  # maps draw no tiles and inline Leaflet
    >>> lp.options.offline_maps
    True
    >>> lp.options.offline_maps = saved
    """

    offline_maps: bool = _env_flag("LANDPROFILE_OFFLINE_MAPS")
    data_mirror: str | None = None
    max_memory_gb: float | None = _env_float("LANDPROFILE_MAX_MEMORY_GB")
    zoning_tile_cells: int | None = _env_int("LANDPROFILE_ZONING_TILE_CELLS")


#: The package's options.
options = Options()
