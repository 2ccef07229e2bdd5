"""What each named file source's provider asks to be credited with, in its own words.

:func:`landprofile.sources.catalogue.citation_for` gives, per name, a dict of ``name``,
``licence``, ``citation``, ``doi`` and, where they apply, ``version``, ``notice`` (the
attribution or derived-product notice a licence requires beside the citation), ``url``,
``series`` and ``year``. ``citation`` holds the provider's suggested text *without* its
DOI, which is in ``doi`` alone: an output printing both shows the DOI once.

Where each text comes from (read on the providers' pages in December 2026; where the
provider's own page could not be read, this says so, as for checksums in ``_checksum``):

- HydroBASINS: the citation is the one HydroSHEDS gives as "scientific credit for the
  HydroBASINS layers"; the notice is the HydroSHEDS licence agreement's attribution
  template, ``[insert Licensee Derivative Product name]`` filled with "this landprofile
  output". The licence page of hydrosheds.org itself could not be read here: the
  template's wording is as its licensees reproduce it (identical in each copy found).
- WorldPop 2000-2020: the citation of hub.worldpop.org's dataset pages (authors, year
  2018, the Gates Foundation funder line OPP1134076); DOI 10.5258/SOTON/WP00645 (the 100 m
  country counts; WP00671 is the 1 km aggregate).
- WorldPop R2025A: the "Suggested Citation" of hub.worldpop.org's listing 135
  (Constrained 2015-2030, 100 m, R2025A v1), which calls the release an alpha product.
  The host path is as data.worldpop.org serves it to the scripts of its users
  (``GIS/Population/Global_2015_2030/R2025A/{year}/{ISO}/v1/100m/constrained/
  {iso}_pop_{year}_CN_100m_R2025A_v1.tif``); WorldPop's own folder listing could not be
  read here.
- geoBoundaries: Runfola et al. (2020), PLoS ONE 15(4): e0231866, the paper the project
  asks to cite; the boundary's own licence and source from its API record (gbOpen holds
  CC BY 4.0, ODbL 1.0, CC BY-SA and national licences: never assumed CC BY).
- Earth Genome: the mining-detector README ("Bulk outputs are not stored in this git
  repository ... Public copies live on Source Cooperative", July 2026) and its
  ``data/outputs/MANIFEST.yaml`` (licence CC-BY-4.0, the in-repository v0.X ensemble
  ``status: archived``); "In publication, please cite Earth Genome, with reference to
  this repository."
- Natural Earth: the credit its terms of use suggest (public domain, no credit required).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["credit"]

HYDRO_CITATION = (
    "Lehner, B., Grill G. (2013): Global river hydrography and network routing: baseline "
    "data and new approaches to study the world's large river systems. Hydrological "
    "Processes, 27(15): 2171–2186."
)
HYDRO_DOI = "10.1002/hyp.9740"
HYDRO_NOTICE = (
    "This product incorporates data from the HydroSHEDS database which is © World Wildlife "
    "Fund, Inc. (2006-2013) and has been used herein under license. WWF has not evaluated "
    "the data as altered and incorporated within this landprofile output, and therefore "
    "gives no warranty regarding its accuracy, completeness, currency or suitability for "
    "any particular purpose. Portions of the HydroSHEDS database incorporate data which "
    "are the intellectual property rights of © USGS (2006-2008), NASA (2000-2005), ESRI "
    "(1992-1998), CIAT (2004-2006), UNEP-WCMC (1993), WWF (2004), Commonwealth of "
    "Australia (2007), and Her Royal Majesty and the British Crown and are used under "
    "license. The HydroSHEDS database and more information are available at "
    "https://www.hydrosheds.org."
)

WORLDPOP_CITATION = (
    "WorldPop (www.worldpop.org - School of Geography and Environmental Science, "
    "University of Southampton; Department of Geography and Geosciences, University of "
    "Louisville; Departement de Geographie, Universite de Namur) and Center for "
    "International Earth Science Information Network (CIESIN), Columbia University "
    "(2018). Global High Resolution Population Denominators Project - Funded by The Bill "
    "and Melinda Gates Foundation (OPP1134076)."
)
WORLDPOP_DOI = "10.5258/SOTON/WP00645"
# WorldPop prints "Sorichetta A.." (the initial's stop and the list's): one is kept
R2025A_CITATION = (
    "Bondarenko M., Priyatikanto R., Tejedor-Garavito N., Zhang W., McKeen T., Cunningham "
    "A., Woods T., Hilton J., Cihan D., Nosatiuk B., Brinkhoff T., Tatem A., Sorichetta A. "
    "Constrained estimates of 2015-2030 total number of people per grid square at a "
    "resolution of 3 arc (approximately 100m at the equator) R2025A version v1. Global "
    "Demographic Data Project - Funded by The Bill and Melinda Gates Foundation "
    "(INV-045237). WorldPop - School of Geography and Environmental Science, University "
    "of Southampton."
)
R2025A_DOI = "10.5258/SOTON/WP00839"

GEOBOUNDARIES_CITATION = (
    "Runfola, D. et al. (2020) geoBoundaries: A global database of political "
    "administrative boundaries. PLoS ONE 15(4): e0231866."
)
GEOBOUNDARIES_DOI = "10.1371/journal.pone.0231866"
#: When the boundary's API record is not at hand: the collection's licence, and that a
#: boundary may carry another (the record's ``boundaryLicense`` says which).
GEOBOUNDARIES_LICENCE = (
    "CC BY 4.0 for the gbOpen collection; a boundary may carry its own licence (often "
    "ODbL 1.0, also CC BY-SA 4.0 or a national open licence): see its boundaryLicense"
)

EARTHGENOME_CITATION = (
    "Earth Genome, mining-detector: automated detection of artisanal gold mining in "
    "Sentinel-2 imagery (github.com/earthrise-media/mining-detector)"
)
AMW_CITATION = (
    "Earth Genome, Amazon Mining Watch mining detections, with reference to "
    "github.com/earthrise-media/mining-detector; published on Source Cooperative "
    "(source.coop/earthgenome/amazon-mining-watch)"
)

NATURAL_EARTH_CITATION = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com."
)


def _worldpop(key: str, spec: str) -> dict[str, str]:
    year = spec.partition("/")[2]
    if key == "worldpop-r2025a":
        return {
            "citation": R2025A_CITATION,
            "doi": R2025A_DOI,
            "version": f"R2025A v1 (alpha release), constrained, 100 m, {year}",
            "series": "Global_2015_2030 R2025A",
            "year": year,
            "url": "https://hub.worldpop.org/geodata/listing?id=135",
        }
    return {
        "citation": WORLDPOP_CITATION,
        "doi": WORLDPOP_DOI,
        "version": f"Global_2000_2020, unconstrained, 100 m, {year}",
        "series": "Global_2000_2020",
        "year": year,
        "url": "https://www.worldpop.org",
    }


def _commit(url: Any) -> str | None:
    m = re.search(r"/raw/([0-9a-f]{7,40})/", str(url or ""))
    return m.group(1) if m else None


def _geoboundaries(source: Any, spec: str) -> dict[str, str]:
    from landprofile.sources.geoboundaries import meta_for

    meta = meta_for(source, spec)
    out = {
        "licence": GEOBOUNDARIES_LICENCE,
        "citation": GEOBOUNDARIES_CITATION,
        "doi": GEOBOUNDARIES_DOI,
        "url": "https://www.geoboundaries.org",
    }
    if meta.get("boundaryLicense"):  # the boundary's own licence, from the API
        out["licence"] = str(meta["boundaryLicense"])
    if meta.get("boundarySource"):
        out["citation"] = f"{GEOBOUNDARIES_CITATION} Boundary source: {meta['boundarySource']}"
    parts = ["gbOpen"]
    if meta.get("buildDate"):
        parts.append(f"build {meta['buildDate']}")
    commit = _commit(meta.get("url") or meta.get("gjDownloadURL"))
    if commit:
        parts.append(f"commit {commit[:12]}")
    if meta.get("boundaryYearRepresented"):
        parts.append(f"boundaries of {meta['boundaryYearRepresented']}")
    out["version"] = (
        ", ".join(parts)
        if len(parts) > 1
        else "gbOpen (release not recorded: read without the API record)"
    )
    return out


def _earthgenome(key: str, spec: str) -> dict[str, str]:
    if key == "earthgenome-amw":
        status = "archived (superseded)" if spec.startswith("archived/") else "current"
        return {
            "licence": "CC BY 4.0",
            "citation": AMW_CITATION,
            "version": f"{status} product, {spec}",
            "url": "https://source.coop/earthgenome/amazon-mining-watch",
        }
    return {
        "licence": "CC BY 4.0 (data), MIT (code)",
        "citation": EARTHGENOME_CITATION,
        "version": (
            f"archived in-repository output data/outputs/{spec}; the current outputs are "
            "on Source Cooperative (earthgenome-amw:)"
        ),
        "url": "https://github.com/earthrise-media/mining-detector",
    }


def credit(source: Any, spec: str) -> dict[str, str]:
    """The credit of a file source's name (a catalogue :class:`Source` and its spec).

    Examples
    --------
    >>> from landprofile.sources.catalogue import SOURCES
    >>> from landprofile.sources._credits import credit
    >>> c = credit(SOURCES["worldpop-r2025a"], "GHA/2025")
    >>> c["doi"], c["series"], c["year"]
    ('10.5258/SOTON/WP00839', 'Global_2015_2030 R2025A', '2025')
    """
    key = source.key
    if key in ("worldpop", "worldpop-r2025a"):
        return _worldpop(key, spec)
    if key == "geoboundaries":
        return _geoboundaries(source, spec)
    if key == "hydrobasins":
        return {
            "citation": HYDRO_CITATION,
            "doi": HYDRO_DOI,
            "notice": HYDRO_NOTICE,
            "version": "HydroBASINS v1c (standard)",
            "url": "https://www.hydrosheds.org/products/hydrobasins",
        }
    if key in ("earthgenome", "earthgenome-amw"):
        return _earthgenome(key, spec)
    if key == "naturalearth":
        return {"citation": NATURAL_EARTH_CITATION, "url": "https://www.naturalearthdata.com"}
    return {"citation": source.citation}
