"""What every GeoPackage we write shares: a fixed timestamp, GDAL options for a block.

Low in the package (it imports nothing of landprofile), so that the zoning result and the
QGIS layers both use it without importing each other.
"""

from __future__ import annotations

import os
import sqlite3

__all__ = ["GPKG_TIMESTAMP", "WALL_CLOCK_KEYS", "freeze_gpkg", "gdal_config", "without_wall_clock"]

#: Fixed timestamp GDAL writes into GeoPackages, so that the same zones give the same bytes.
GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"

#: Keys of a result's summary that are wall-clock durations of this run (locate's
#: ``seconds``, ``solver_seconds``): left out of the file, whose bytes must not depend
#: on how busy the machine was.
WALL_CLOCK_KEYS = frozenset({"seconds", "solver_seconds"})


def without_wall_clock(obj: object) -> object:
    """``obj`` (a summary: dicts, lists) without its wall-clock durations, at any depth."""
    if isinstance(obj, dict):
        return {k: without_wall_clock(v) for k, v in obj.items() if k not in WALL_CLOCK_KEYS}
    if isinstance(obj, list | tuple):
        return [without_wall_clock(v) for v in obj]
    return obj


class gdal_config:  # noqa: N801  (a context manager used like a function)
    """Set GDAL config options for the duration of a block."""

    def __init__(self, **options: str) -> None:
        self.options = options

    def __enter__(self) -> None:
        import pyogrio

        self.old = {k: pyogrio.get_gdal_config_option(k) for k in self.options}
        pyogrio.set_gdal_config_options(self.options)

    def __exit__(self, *exc: object) -> None:
        import pyogrio

        pyogrio.set_gdal_config_options(self.old)


def freeze_gpkg(path: os.PathLike[str]) -> None:
    """Reset the timestamps GDAL wrote and vacuum, so the bytes do not depend on history."""
    con = sqlite3.connect(os.fspath(path))
    try:
        con.execute("UPDATE gpkg_contents SET last_change = ?", (GPKG_TIMESTAMP,))
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
