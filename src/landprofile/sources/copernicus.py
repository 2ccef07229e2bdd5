"""Copernicus DEM GLO-30 as its host serves it: 1-degree COG tiles on AWS Open Data.

How the host really is (the ``copernicus-dem-30m`` bucket's readme on AWS Open Data):

- ``https://copernicus-dem-30m.s3.amazonaws.com/Copernicus_DSM_COG_10_{N|S}{lat:02}_00_
  {E|W}{lon:03}_00_DEM/Copernicus_DSM_COG_10_..._DEM.tif``: one folder and one
  Cloud-Optimized GeoTIFF per 1x1 degree tile, named by its south-west corner, served
  with byte ranges (S3). Ocean has no tile.
- A tile is 3,600 rows (1") everywhere, but its columns narrow with latitude, as the
  readme's table gives them (the original tiles' shared east column removed): 3,600
  (1") to |lat| 50°, 2,400 (1.5") 50–60°, 1,800 (2") 60–70°, 1,200 (3") 70–80°, 720 (5")
  80–85°, 360 (10") 85–90°. The cells are centred on those spacings from the degree, so
  each tile's west edge lies half its own cell west of the degree. A landscape across a
  band line is read on the one grid both bands' cells nest in
  (:mod:`landprofile.sources._window`), each cell one of the tiles' own values.
- Some land tiles are *withheld* from GLO-30 Public (the readme: "a small subset of
  tiles covering specific countries are not yet released to the public"): the
  Copernicus programme's list of them (:data:`WITHHELD`) tells them from ocean, which
  the host leaves without a tile too.
- The licence is the Copernicus DEM licence: free use with the attribution below, which
  ends "all rights reserved" (the wording the licence requires).

Name: ``copdem30`` (no spec). The DEM has no legend.
"""

from __future__ import annotations

from landprofile.errors import InvalidParameterError
from landprofile.sources._tiles import degree_tiles, lat_label, lon_label

__all__ = ["HOST", "LICENCE", "WITHHELD", "check", "citation", "legend", "paths", "tile_id"]

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

# The tiles withheld from GLO-30 Public, with the countries the provider lists each
# under. The provider's list is the Copernicus programme's spreadsheet
# "Non-released-tiles_GLO-30_PUBLIC_Dec.xlsx" (December 2020), linked from its DEM
# collection page under "Licensing and citation guidelines" (as Digital Earth Africa's
# and ASF's documentation cite it). The spreadsheet itself could not be read here: the
# ids are its table (country, GeoCell ID) as quoted in dem-stitcher issue 34 (2022),
# and each was checked absent from a copy of the bucket's tile list (mapterhorn's
# glo30 file_list, 22,453 tiles) whose neighbours are all present. Copernicus released
# these tiles in its own Data Space in December 2023 (dem-stitcher issue 104), but the
# AWS bucket still lacked them in August 2025 (mapterhorn pull request 21); a tile
# here that a local mirror folder holds is read from it (see :func:`paths`).
_ARM = "Armenia"
_AZE = "Azerbaijan"
#: Withheld tile id (``N40E045``) -> the countries it is listed under.
WITHHELD: dict[str, tuple[str, ...]] = {
    "N38E045": (_AZE,),
    "N38E046": (_ARM, _AZE),
    "N38E048": (_AZE,),
    "N38E049": (_AZE,),
    "N39E044": (_ARM, _AZE),
    "N39E045": (_ARM, _AZE),
    "N39E046": (_ARM, _AZE),
    "N39E047": (_AZE,),
    "N39E048": (_AZE,),
    "N39E049": (_AZE,),
    "N40E043": (_ARM,),
    "N40E044": (_ARM, _AZE),
    "N40E045": (_ARM, _AZE),
    "N40E046": (_AZE,),
    "N40E047": (_AZE,),
    "N40E048": (_AZE,),
    "N40E049": (_AZE,),
    "N40E050": (_AZE,),
    "N41E043": (_ARM,),
    "N41E044": (_ARM, _AZE),
    "N41E045": (_ARM, _AZE),
    "N41E046": (_AZE,),
    "N41E047": (_AZE,),
    "N41E048": (_AZE,),
    "N41E049": (_AZE,),
}


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


def tile_id(lat: int, lon: int) -> str:
    """``N40E045``: a tile's id as the provider lists it (its south-west corner)."""
    return f"{lat_label(lat)}{lon_label(lon)}"


def paths(spec: str, bounds: tuple[float, float, float, float]) -> list[str]:
    """The host paths of the tiles touching a longitude/latitude box.

    A tile withheld from the public release (:data:`WITHHELD`) is not looked for on a
    host, which has none: it is named as withheld (a
    :class:`~landprofile.errors.WithheldTileWarning`, not "ocean?") — unless the data
    mirror is a folder that holds it (the user's own copy), which is then read.

    Raises
    ------
    DataSourceError
        Every tile around the box is withheld: there is nothing to read.
    """
    check(spec)
    out: list[str] = []
    withheld: list[str] = []
    for la, lo in degree_tiles(bounds, TILE_DEG):
        stem = f"Copernicus_DSM_COG_10_{lat_label(la)}_00_{lon_label(lo)}_00_DEM"
        path = f"{stem}/{stem}.tif"
        tid = tile_id(la, lo)
        if tid in WITHHELD and not _mirrored(path):
            withheld.append(tid)
            continue
        out.append(path)
    if withheld:
        _name_withheld(withheld, len(out) + len(withheld), bounds, none_left=not out)
    return out


def _mirrored(path: str) -> bool:
    """Whether the data mirror is a folder holding ``path`` (a host is not asked)."""
    from pathlib import Path

    from landprofile.sources._store import where
    from landprofile.sources.catalogue import SOURCES

    kind, loc = where(SOURCES["copdem30"], path)
    return kind == "file" and Path(loc).is_file()


def _name_withheld(
    ids: list[str], total: int, bounds: tuple[float, float, float, float], none_left: bool
) -> None:
    """Warn (or, when no other tile is left, raise) naming the withheld tiles."""
    import warnings

    from landprofile.errors import DataSourceError, WithheldTileWarning, user_stacklevel

    listed = ", ".join(f"{t} ({', '.join(WITHHELD[t])})" for t in ids)
    what = (
        f"withheld from the public GLO-30 release by the Copernicus programme (its list of "
        f"non-released tiles, December 2020): {listed}. They are land, not ocean; the AWS "
        "host has no tile for them"
    )
    use = (
        f"a data mirror folder holding them under {MIRROR_DIR}/<tile>/<tile>.tif "
        "(LANDPROFILE_DATA_MIRROR) is read instead"
    )
    if none_left:
        raise DataSourceError(
            f"copdem30: every tile around {tuple(round(v, 6) for v in bounds)} is {what}. "
            f"There is no elevation to read; {use}"
        )
    warnings.warn(
        f"copdem30: {len(ids)} of the {total} tiles around the landscape are {what}, so "
        f"that part of the area has no elevation (nodata); {use}",
        WithheldTileWarning,
        stacklevel=user_stacklevel(),
    )


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
