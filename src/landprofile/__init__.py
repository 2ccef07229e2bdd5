"""landprofile: landscape profiling and ASM zoning.

Load → boundary → profile → zoning → card. This namespace re-exports the public API of
each stage; see the README for a tour.
"""

from importlib.metadata import PackageNotFoundError, version

from landprofile import errors, zoning
from landprofile.boundary import from_admin, from_polygons
from landprofile.crs import norm_crs
from landprofile.landscape import Landscape, Provenance
from landprofile.legend import Legend, load_legend
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

try:
    __version__ = version("landprofile")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "Card",
    "Landscape",
    "Legend",
    "Profile",
    "Provenance",
    "Raster",
    "__version__",
    "card",
    "elevation",
    "errors",
    "from_admin",
    "from_basins",
    "from_dem",
    "from_polygons",
    "land_cover",
    "load_legend",
    "norm_crs",
    "overlap",
    "population",
    "profile",
    "read_raster",
    "read_vector",
    "zoning",
]
