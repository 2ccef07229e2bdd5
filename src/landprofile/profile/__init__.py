"""Profile stage: zonal statistics and overlaps of a landscape, gathered in a Profile.

Names load on first use (PEP 562): ``lp.land_cover`` needs neither the Profile class nor
the overlaps, and a first call in a fresh process should not pay for their imports.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__all__ = ["Profile", "elevation", "land_cover", "overlap", "population", "profile"]

_EXPORTS = {
    "Profile": "landprofile.profile.profile",
    "profile": "landprofile.profile.profile",
    "overlap": "landprofile.profile.overlap",
    "elevation": "landprofile.profile.continuous",
    "population": "landprofile.profile.continuous",
    "land_cover": "landprofile.profile.stats",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'landprofile.profile' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    if name not in ("profile", "overlap"):  # those two are properties of the module
        globals()[name] = value
    return value


class _Namespace(types.ModuleType):
    """The package: ``.profile`` and ``.overlap`` are the functions, not their modules.

    Importing the sub-modules ``profile`` and ``overlap`` makes Python bind their names
    here to the modules, whenever that happens; these properties keep the functions there
    (the modules stay importable by their dotted names).
    """

    @property
    def profile(self) -> Any:
        return importlib.import_module("landprofile.profile.profile").profile

    @profile.setter
    def profile(self, value: Any) -> None:
        pass  # the import system recording the sub-module: sys.modules holds it

    @property
    def overlap(self) -> Any:
        return importlib.import_module("landprofile.profile.overlap").overlap

    @overlap.setter
    def overlap(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Namespace


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from landprofile.profile.continuous import elevation, population
    from landprofile.profile.overlap import overlap
    from landprofile.profile.profile import Profile, profile
    from landprofile.profile.stats import land_cover
