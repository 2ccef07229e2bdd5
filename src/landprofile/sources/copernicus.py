"""Copernicus DEM GLO-30 as its host serves it: 1-degree COG tiles on AWS Open Data.

How the host really is (the ``copernicus-dem-30m`` bucket's readme on AWS Open Data):

- ``https://copernicus-dem-30m.s3.amazonaws.com/Copernicus_DSM_COG_10_{N|S}{lat:02}_00_
  {E|W}{lon:03}_00_DEM/Copernicus_DSM_COG_10_..._DEM.tif``: one folder and one
  Cloud-Optimized GeoTIFF per 1x1 degree tile, named by its south-west corner, served
  with byte ranges (S3). Tiles exist over land only.
- The licence is the Copernicus DEM licence: free use with the attribution below, which
  ends "all rights reserved" (the wording the licence requires).

Name: ``copdem30`` (no spec). The DEM has no legend.
"""

from __future__ import annotations

from landprofile.errors import InvalidParameterError
from landprofile.sources._tiles import degree_tiles, lat_label, lon_label

__all__ = ["HOST", "LICENCE", "check", "citation", "legend", "paths"]

HOST = "https://copernicus-dem-30m.s3.amazonaws.com"
MIRROR_DIR = "copernicus-dem-30m"
LICENCE = "Licence for the use of the Copernicus WorldDEM-30 (free, with the notices below)"
# The licence's two required texts: the copyright note on the DEM as distributed, and
# "produced using ..." on anything adapted or derived from it (every landprofile output
# is). The licence PDF (License-COPDEM-30.pdf) was not readable here: the wording is as
# its users quote it, identical in each copy found (with "©", not "(c)").
CITATION = (
    "Copernicus DEM GLO-30: © DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH "
    "2014-2018 provided under COPERNICUS by the European Union and ESA; all rights reserved"
)
NOTICE = (
    "produced using Copernicus WorldDEM-30 © DLR e.V. 2010-2014 and © Airbus Defence and "
    "Space GmbH 2014-2018 provided under COPERNICUS by the European Union and ESA; all "
    "rights reserved"
)
#: The DEM's DOI (ESA's dataset page, as cited by its users).
DOI = "10.5270/ESA-c5d3d65"
#: Tile size, degrees.
TILE_DEG = 1


def check(spec: str) -> None:
    """Refuse any spec: GLO-30 has one version.

    Raises
    ------
    InvalidParameterError
        Naming the name and the form accepted.
    """
    if spec:
        raise InvalidParameterError(
            f"copdem30:{spec}: Copernicus GLO-30 takes no spec; write copdem30"
        )


def paths(spec: str, bounds: tuple[float, float, float, float]) -> list[str]:
    """The host paths of the tiles touching a longitude/latitude box."""
    check(spec)
    out = []
    for la, lo in degree_tiles(bounds, TILE_DEG):
        stem = f"Copernicus_DSM_COG_10_{lat_label(la)}_00_{lon_label(lo)}_00_DEM"
        out.append(f"{stem}/{stem}.tif")
    return out


def legend(spec: str) -> str | None:
    """``None``: elevations have no legend."""
    return None


def citation(spec: str) -> dict[str, str]:
    """The attribution the Copernicus DEM licence requires."""
    return {
        "citation": CITATION,
        "notice": NOTICE,
        "doi": DOI,
        "version": "GLO-30 Public",
        "url": "https://copernicus-dem-30m.s3.amazonaws.com/readme.html",
    }
