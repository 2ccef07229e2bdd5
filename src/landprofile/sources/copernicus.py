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
LICENCE = "Copernicus DEM licence (free, with attribution)"
CITATION = (
    "Copernicus DEM GLO-30, (c) DLR e.V. 2010-2014 and (c) Airbus Defence and Space "
    "GmbH 2014-2018 provided under COPERNICUS by the European Union and ESA; all rights "
    "reserved"
)
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
    return {"citation": CITATION}
