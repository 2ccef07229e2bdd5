"""landprofile: landscape profiling and ASM zoning.

Load → boundary → profile → zoning → card. This namespace re-exports the public API of
each stage; see the README for a tour.

Every name is imported on first use (PEP 562): ``import landprofile`` and
``landprofile --help`` load neither geopandas nor numba, and a stage's dependencies load
only when that stage is used.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any


def _version() -> str:
    # on first use: reading the installed metadata costs a few ms a first call need not pay
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("landprofile")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"


#: Public name -> module that defines it.
_EXPORTS = {
    "Card": "landprofile.profilecard",
    "card": "landprofile.profilecard",
    "Landscape": "landprofile.landscape",
    "Provenance": "landprofile.landscape",
    "Legend": "landprofile.legend",
    "load_legend": "landprofile.legend",
    "Profile": "landprofile.profile",
    "profile": "landprofile.profile",
    "elevation": "landprofile.profile",
    "land_cover": "landprofile.profile",
    "overlap": "landprofile.profile",
    "population": "landprofile.profile",
    "Raster": "landprofile.raster",
    "read_raster": "landprofile.raster",
    "read_vector": "landprofile.vector",
    "norm_crs": "landprofile.crs",
    "from_admin": "landprofile.boundary",
    "from_polygons": "landprofile.boundary",
    "from_basins": "landprofile.watershed",
    "from_dem": "landprofile.watershed",
    "alerts": "landprofile.monitoring",
    "change": "landprofile.monitoring",
    "footprint_timeline": "landprofile.monitoring",
    "land_cover_series": "landprofile.monitoring",
    "options": "landprofile._options",
}
#: Sub-packages reachable as attributes (``lp.zoning``, ``lp.errors``...).
_SUBMODULES = {
    "errors",
    "zoning",
    "maps",
    "monitoring",
    "i18n",
    "boundary",
    "watershed",
    "batch",
    "pipeline",
}

__all__ = [
    "Card",
    "Landscape",
    "Legend",
    "Profile",
    "Provenance",
    "Raster",
    "__version__",
    "alerts",
    "card",
    "change",
    "elevation",
    "errors",
    "footprint_timeline",
    "from_admin",
    "from_basins",
    "from_dem",
    "from_polygons",
    "land_cover",
    "land_cover_series",
    "load_legend",
    "norm_crs",
    "options",
    "overlap",
    "population",
    "profile",
    "read_raster",
    "read_vector",
    "zoning",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"landprofile.{name}")
    else:
        raise AttributeError(f"module 'landprofile' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


class _Namespace(types.ModuleType):
    """The package module: ``landprofile.profile`` is the function, not the sub-package.

    Importing the sub-package ``landprofile.profile`` makes Python set the package's
    ``profile`` attribute to it; this property keeps the public function there (the
    sub-package stays importable by its dotted name).
    """

    @property
    def profile(self) -> Any:
        from landprofile.profile import profile

        return profile

    @profile.setter
    def profile(self, value: Any) -> None:
        pass  # the import system recording the sub-package: sys.modules holds it


sys.modules[__name__].__class__ = _Namespace


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES, "__version__"})


if TYPE_CHECKING:  # static type checkers and IDEs see the real names
    from landprofile import errors, zoning
    from landprofile.boundary import from_admin, from_polygons
    from landprofile.crs import norm_crs
    from landprofile.landscape import Landscape, Provenance
    from landprofile.legend import Legend, load_legend
    from landprofile.monitoring import alerts, change, footprint_timeline, land_cover_series
    from landprofile.profile import (
        Profile,
        elevation,
        land_cover,
        overlap,
        population,
        profile,
    )
    from landprofile.profilecard import Card, card
    from landprofile.raster import Raster, read_raster
    from landprofile.vector import read_vector
    from landprofile.watershed import from_basins, from_dem
