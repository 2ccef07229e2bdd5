"""ESA WorldCover 10 m as its host serves it: 3-degree COG tiles, one product per year.

How the host really is (ESA's WorldCover download script and the product user manuals of
v100 and v200; the bucket ``esa-worldcover`` on AWS Open Data):

- ``https://esa-worldcover.s3.eu-central-1.amazonaws.com/{version}/{year}/map/
  ESA_WorldCover_10m_{year}_{version}_{N|S}{lat:02}{E|W}{lon:03}_Map.tif``: Cloud-Optimized
  GeoTIFFs of 3x3 degrees named by their south-west corner, served with byte ranges (S3).
- 2020 is version v100 and 2021 version v200: the two differ by algorithm as well as by
  year (v200 is not v100 with a year of change), each has its own legend, DOI and the
  attribution ESA asks for.
- Tiles exist only over land: a tile of open ocean is absent (HTTP 404), not empty.

Names: ``worldcover:2020`` and ``worldcover:2021``.
"""

from __future__ import annotations

from landprofile.errors import InvalidParameterError
from landprofile.sources._tiles import degree_tiles, lat_label, lon_label

__all__ = ["HOST", "LICENCE", "YEARS", "check", "citation", "legend", "paths"]

HOST = "https://esa-worldcover.s3.eu-central-1.amazonaws.com"
MIRROR_DIR = "esa-worldcover"
LICENCE = "CC BY 4.0"
CITATION = (
    "Zanaga, D. et al., ESA WorldCover 10 m 2020 v100 (2021) and 2021 v200 (2022): the "
    "year's own citation is given by worldcover:2020 and worldcover:2021"
)
#: Tile size, degrees.
TILE_DEG = 3

#: By year: product version, legend, DOI, the dataset citation (without its DOI, which
#: is apart) and the attribution ESA asks of a published map. Both as ESA-WorldCover's
#: own repository (github.com/ESA-WorldCover/esa-worldcover-datasets, "How to cite")
#: writes them: the attribution is "© ESA WorldCover project [year] / Contains modified
#: Copernicus Sentinel data ([year]) processed by ESA WorldCover consortium".
YEARS = {
    "2020": (
        "v100",
        "esa_worldcover_v100",
        "10.5281/zenodo.5571936",
        "Zanaga, D., Van De Kerchove, R., De Keersmaecker, W., Souverijns, N., Brockmann, "
        "C., Quast, R., Wevers, J., Grosu, A., Paccini, A., Vergnaud, S., Cartus, O., "
        "Santoro, M., Fritz, S., Georgieva, I., Lesiv, M., Carter, S., Herold, M., Li, "
        "Linlin, Tsendbazar, N.E., Ramoino, F., Arino, O., 2021. ESA WorldCover 10 m 2020 "
        "v100.",
        "© ESA WorldCover project 2020 / Contains modified Copernicus Sentinel data (2020) "
        "processed by ESA WorldCover consortium",
    ),
    "2021": (
        "v200",
        "esa_worldcover_v200",
        "10.5281/zenodo.7254221",
        "Zanaga, D., Van De Kerchove, R., Daems, D., De Keersmaecker, W., Brockmann, C., "
        "Kirches, G., Wevers, J., Cartus, O., Santoro, M., Fritz, S., Lesiv, M., Herold, "
        "M., Tsendbazar, N.E., Xu, P., Ramoino, F., Arino, O., 2022. ESA WorldCover 10 m "
        "2021 v200.",
        "© ESA WorldCover project 2021 / Contains modified Copernicus Sentinel data (2021) "
        "processed by ESA WorldCover consortium",
    ),
}


def check(spec: str) -> None:
    """Refuse a spec that is not a published year.

    Raises
    ------
    InvalidParameterError
        Naming the name and the years accepted.
    """
    if spec not in YEARS:
        raise InvalidParameterError(
            f"worldcover:{spec}: give the year, worldcover:2020 (v100) or worldcover:2021 (v200)"
        )


def paths(spec: str, bounds: tuple[float, float, float, float]) -> list[str]:
    """The host paths of the tiles touching a longitude/latitude box."""
    check(spec)
    version = YEARS[spec][0]
    return [
        f"{version}/{spec}/map/ESA_WorldCover_10m_{spec}_{version}_"
        f"{lat_label(la)}{lon_label(lo)}_Map.tif"
        for la, lo in degree_tiles(bounds, TILE_DEG)
    ]


def legend(spec: str) -> str | None:
    """The built-in legend of the year's version (``None`` for an unknown year)."""
    return YEARS[spec][1] if spec in YEARS else None


def citation(spec: str) -> dict[str, str]:
    """The year's credit: dataset citation, DOI, version and ESA's attribution notice."""
    version, _, doi, cited, attribution = YEARS[spec]
    return {
        "citation": cited,
        "doi": doi,
        "version": version,
        "notice": attribution,
        "url": "https://esa-worldcover.org",
    }
