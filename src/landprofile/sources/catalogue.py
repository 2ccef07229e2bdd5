"""The named open sources: where each lives, which files cover an area, its licence.

A name is ``{source}:{spec}`` — ``worldcover:2021``, ``copdem30``,
``geoboundaries:GHA/ADM2``, ``hydrobasins:af/lev10``, ``worldpop:GHA/2020``,
``worldpop-r2025a:GHA/2025``, ``naturalearth:admin0``, ``earthgenome-amw:{file}``,
``earthgenome:{file}``, ``stac:{catalogue url}#{collection}``. Each source knows its
official host and, for tiled rasters, the tiles that cover a longitude/latitude box; a
mirror holds ``{mirror}/{source}/{path as on the official host}``.

A product that its provider publishes as a different series is its own name, never a
spec of another: WorldPop's constrained 2015-2030 estimates (release R2025A, its own
DOI, an alpha release that may change) are ``worldpop-r2025a:``, not
``worldpop:GHA/2025``, so a year never silently switches series; Earth Genome's current
outputs on Source Cooperative are ``earthgenome-amw:``, while ``earthgenome:`` keeps
reading the files archived in the GitHub repository's ``data/outputs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from landprofile.errors import InvalidParameterError
from landprofile.sources import _credits, copernicus, worldcover

__all__ = [
    "SOURCES",
    "Source",
    "check_spec",
    "citation_for",
    "legend_for",
    "parse_name",
    "vector_layer",
]


@dataclass(frozen=True)
class Source:
    """One open source: host, layout, licence and citation.

    Examples
    --------
    >>> from landprofile.sources import SOURCES
    >>> src = SOURCES["copdem30"]
    >>> src.key, src.kind, src.example
    ('copdem30', 'raster', 'copdem30')
    """

    key: str
    kind: str  # "raster" (tiled, read by window) or "vector" (a whole file)
    host: str  # the official host's base URL
    mirror_dir: str  # the folder a mirror holds it in
    licence: str
    citation: str
    example: str
    legend: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


SOURCES: dict[str, Source] = {
    "worldcover": Source(
        "worldcover",
        "raster",
        worldcover.HOST,
        worldcover.MIRROR_DIR,
        worldcover.LICENCE,
        worldcover.CITATION,
        "worldcover:2021",
        legend="esa_worldcover_v200",
    ),
    "copdem30": Source(
        "copdem30",
        "raster",
        copernicus.HOST,
        copernicus.MIRROR_DIR,
        copernicus.LICENCE,
        copernicus.CITATION,
        "copdem30",
    ),
    "geoboundaries": Source(
        "geoboundaries",
        "vector",
        "https://github.com/wmgeolab/geoBoundaries/raw/main",
        "geoboundaries",
        _credits.GEOBOUNDARIES_LICENCE,
        _credits.GEOBOUNDARIES_CITATION,
        "geoboundaries:GHA/ADM2",
        extra={"api": "https://www.geoboundaries.org/api/current/gbOpen"},
    ),
    "hydrobasins": Source(
        "hydrobasins",
        "vector",
        "https://data.hydrosheds.org/file/HydroBASINS/standard",
        "hydrosheds",
        "HydroSHEDS licence (free, with attribution: the notice and citation below)",
        _credits.HYDRO_CITATION,
        "hydrobasins:af/lev10",
    ),
    "worldpop": Source(
        "worldpop",
        "raster-file",
        "https://data.worldpop.org",
        "worldpop",
        "CC BY 4.0",
        # the 100 m unconstrained individual-country counts (ppp) of 2000-2020 are
        # WP00645; WP00671 is the 1 km aggregate (WorldPop's API metadata, "doi" field)
        _credits.WORLDPOP_CITATION,
        "worldpop:GHA/2020",
    ),
    # a product of its own (constrained, 2015-2030, R2025A): never a year of the above
    "worldpop-r2025a": Source(
        "worldpop-r2025a",
        "raster-file",
        "https://data.worldpop.org",
        "worldpop",
        "CC BY 4.0",
        _credits.R2025A_CITATION,
        "worldpop-r2025a:GHA/2025",
    ),
    "naturalearth": Source(
        "naturalearth",
        "vector",
        # Natural Earth asks scripts and CI to download from its S3 bucket, not the
        # website or naciscdn.org (its maintainer, natural-earth-vector issues 581 and
        # 895); the bucket writes "10m_cultural/" where the website writes
        # "10m/cultural/": a mirror keeps the website's layout (see host_path)
        "https://naturalearth.s3.amazonaws.com",
        "naturalearth",
        "Public domain",
        _credits.NATURAL_EARTH_CITATION,
        "naturalearth:admin0",
    ),
    "earthgenome": Source(
        "earthgenome",
        "vector",
        "https://github.com/earthrise-media/mining-detector/raw/main/data/outputs",
        "earthgenome",
        "CC BY 4.0 (data), MIT (code)",
        _credits.EARTHGENOME_CITATION,
        "earthgenome:{file under data/outputs}",
    ),
    # the current outputs (July 2026 rebuild): no longer in the repository, on Source
    # Cooperative (the README's "Results"; data/outputs/MANIFEST.yaml's https_root)
    "earthgenome-amw": Source(
        "earthgenome-amw",
        "vector",
        "https://data.source.coop/earthgenome/amazon-mining-watch",
        "earthgenome-amw",
        "CC BY 4.0",
        _credits.AMW_CITATION,
        "earthgenome-amw:{file under source.coop/earthgenome/amazon-mining-watch}",
    ),
    "stac": Source(
        "stac",
        "stac",
        "",
        "",
        "the collection's license (read from the collection)",
        "the collection's sci:citation, DOI and providers (read from the collection)",
        "stac:{api or catalog.json url}#{collection}[/{asset}]",
    ),
}

#: Natural Earth layers by short name (1:10m).
NATURAL_EARTH = {
    "admin0": "10m/cultural/ne_10m_admin_0_countries.zip",
    "admin1": "10m/cultural/ne_10m_admin_1_states_provinces.zip",
    "rivers": "10m/physical/ne_10m_rivers_lake_centerlines.zip",
    "lakes": "10m/physical/ne_10m_lakes.zip",
    "places": "10m/cultural/ne_10m_populated_places.zip",
}
#: The sources read as one whole file per name (vectors, and rasters without ranges).
_FILES = (
    "geoboundaries",
    "hydrobasins",
    "naturalearth",
    "earthgenome",
    "earthgenome-amw",
    "worldpop",
    "worldpop-r2025a",
)
#: HydroBASINS regions.
HYDRO_REGIONS = ("af", "ar", "as", "au", "eu", "gr", "na", "sa", "si")

# the longest key first: "worldpop-r2025a" is not "worldpop" with a spec
_NAME = re.compile(
    r"^(" + "|".join(sorted(map(re.escape, SOURCES), key=len, reverse=True)) + r")(?::(.*))?$"
)


def parse_name(text: Any) -> tuple[Source, str] | None:
    """``(source, spec)`` when ``text`` is a data name, else ``None`` (a path, a URL...).

    Examples
    --------
    >>> from landprofile.sources import parse_name
    >>> source, spec = parse_name("geoboundaries:GHA/ADM2")
    >>> source.key, spec
    ('geoboundaries', 'GHA/ADM2')
    >>> parse_name("districts.gpkg") is None
    True
    """
    if not isinstance(text, str):
        return None
    m = _NAME.match(text.strip())
    if not m:
        return None
    return SOURCES[m.group(1)], (m.group(2) or "").strip()


#: The readers of the tiled raster sources, by key: each knows its names, its tiles,
#: its legend and its citation (one small module per source).
TILED = {"worldcover": worldcover, "copdem30": copernicus}


def check_spec(source: Source, spec: str) -> None:
    """Refuse a name whose spec its source does not know, before anything is read.

    Raises
    ------
    InvalidParameterError
        Naming the name and what the source accepts.

    Examples
    --------
    >>> from landprofile.errors import InvalidParameterError
    >>> from landprofile.sources import check_spec, parse_name
    >>> check_spec(*parse_name("worldcover:2021"))  # known: nothing to say
    >>> try:
    ...     check_spec(*parse_name("worldcover:2019"))
    ... except InvalidParameterError as err:
    ...     print(err)
    worldcover:2019: give the year, worldcover:2020 (v100) or worldcover:2021 (v200)
    """
    if source.key in TILED:
        TILED[source.key].check(spec)
    elif source.key in _FILES:
        vector_path(source, spec)
    elif source.key == "stac" and "#" not in spec:
        raise InvalidParameterError(
            f"stac:{spec}: expected stac:{{api or catalog.json url}}#{{collection}}[/{{asset}}]"
        )


def legend_for(name: Any) -> str | None:
    """The built-in legend of a named land-cover source (its version's), else ``None``.

    Examples
    --------
    >>> from landprofile.sources.catalogue import legend_for
    >>> legend_for("worldcover:2020"), legend_for("worldcover:2021"), legend_for("lc.tif")
    ('esa_worldcover_v100', 'esa_worldcover_v200', None)
    """
    parsed = parse_name(name)
    if parsed is None or parsed[0].key not in TILED:
        return None
    return TILED[parsed[0].key].legend(parsed[1])


def citation_for(name: Any) -> dict[str, str] | None:
    """The credit of the version a data name reads, in its provider's words, else ``None``.

    Keys: ``name``, ``licence``, ``citation`` (without the DOI), ``doi`` (once) and, where
    they apply, ``version``, ``notice`` (the attribution or derived-product notice the
    licence requires), ``url``, ``series`` and ``year`` (where each text comes from is
    in ``landprofile/sources/_credits.py``). A ``stac:`` name's credit is read from its
    collection (the mirror's copy, a cached copy, or the catalogue).

    Examples
    --------
    >>> from landprofile.sources.catalogue import citation_for
    >>> cite = citation_for("worldcover:2021")
    >>> cite["licence"], cite["doi"], cite["version"]
    ('CC BY 4.0', '10.5281/zenodo.7254221', 'v200')
    >>> citation_for("copdem30")["notice"][:39]
    'produced using Copernicus WorldDEM-30 ©'
    """
    parsed = parse_name(name)
    if parsed is None:
        return None
    source, spec = parsed
    out = {"name": f"{source.key}:{spec}" if spec else source.key, "licence": source.licence}
    if source.key in TILED:
        try:
            TILED[source.key].check(spec)
        except InvalidParameterError:
            return out | {"citation": source.citation}
        return out | TILED[source.key].citation(spec)
    if source.key == "stac":
        from landprofile.sources.stac_credits import stac_credit

        return out | stac_credit(spec)
    return out | _credits.credit(source, spec)


def vector_path(source: Source, spec: str) -> str:
    """The host path of a vector source's file."""
    if source.key == "geoboundaries":
        from landprofile.sources.geoboundaries import mirror_path

        return mirror_path(spec)
    if source.key == "hydrobasins":
        # the documented download is one archive per region holding all 12 levels
        # (HydroBASINS technical documentation v1c, "hybas_{region}_lev01-12_v1c.zip");
        # the level asked is a shapefile inside it, read through /vsizip/
        region, _ = _hydro(spec)
        return f"hybas_{region}_lev01-12_v1c.zip"
    if source.key == "earthgenome-amw":
        # object keys under the product root, as the README and MANIFEST.yaml name them
        if not spec or ".." in spec or spec.startswith("/") or spec.endswith("/"):
            raise InvalidParameterError(
                "earthgenome-amw:{file}: give a file under source.coop/earthgenome/"
                "amazon-mining-watch, e.g. earthgenome-amw:cumulative_detections/"
                "Amazon_ACA_..._cumulative2018-2025.geojson (a folder is not a file)"
            )
        return spec
    if source.key == "naturalearth":
        if spec not in NATURAL_EARTH:
            raise InvalidParameterError(f"naturalearth:{spec}: one of {', '.join(NATURAL_EARTH)}")
        return NATURAL_EARTH[spec]
    if source.key == "earthgenome":
        # the published files vary by model and region: the user names one, as in the
        # repository (e.g. 44px_v2.9/mining_amazon_all_unified_....geojson)
        if not spec or ".." in spec or spec.startswith("/"):
            raise InvalidParameterError(
                "earthgenome:{file}: give a file under the repository's data/outputs, e.g. "
                "earthgenome:44px_v2.9/mining_amazon_all_unified_thresh_0.8_....geojson "
                "(archived outputs; the current ones are earthgenome-amw:{file})"
            )
        return spec
    if source.key == "worldpop":
        # the Global_2000_2020 series ends in 2020: a later year is not on the host
        m = re.fullmatch(r"([A-Za-z]{3})/(20[01]\d|2020)", spec)
        if not m:
            raise InvalidParameterError(
                f"worldpop:{spec}: expected ISO3/YEAR with YEAR 2000-2020 (the "
                "Global_2000_2020 100 m series), e.g. worldpop:GHA/2020; 2015-2030 is "
                "another product, worldpop-r2025a:ISO3/YEAR"
            )
        iso, year = m.group(1).upper(), m.group(2)
        return f"GIS/Population/Global_2000_2020/{year}/{iso}/{iso.lower()}_ppp_{year}.tif"
    if source.key == "worldpop-r2025a":
        m = re.fullmatch(r"([A-Za-z]{3})/(201[5-9]|202\d|2030)", spec)
        if not m:
            raise InvalidParameterError(
                f"worldpop-r2025a:{spec}: expected ISO3/YEAR with YEAR 2015-2030 (WorldPop "
                "R2025A, constrained, 100 m), e.g. worldpop-r2025a:GHA/2025"
            )
        iso, year = m.group(1).upper(), m.group(2)
        return (
            f"GIS/Population/Global_2015_2030/R2025A/{year}/{iso}/v1/100m/constrained/"
            f"{iso.lower()}_pop_{year}_CN_100m_R2025A_v1.tif"
        )
    raise InvalidParameterError(f"{source.key} is not a file source")


def _hydro(spec: str) -> tuple[str, str]:
    m = re.fullmatch(r"([a-z]{2})/lev(\d{2})", spec)
    if not m or m.group(1) not in HYDRO_REGIONS or not 1 <= int(m.group(2)) <= 12:
        raise InvalidParameterError(
            f"hydrobasins:{spec}: expected region/levNN, region one of "
            f"{', '.join(HYDRO_REGIONS)}, level 01-12 (e.g. hydrobasins:af/lev10)"
        )
    return m.group(1), m.group(2)


def vector_layer(source: Source, spec: str) -> str | None:
    """The layer to read inside a source's file, when the file holds several."""
    if source.key == "hydrobasins":
        region, level = _hydro(spec)
        return f"hybas_{region}_lev{level}_v1c"
    return None


def raster_paths(source: Source, spec: str, bounds: tuple[float, float, float, float]) -> list[str]:
    """The host paths of the tiles of a tiled raster source covering ``bounds``."""
    if source.key in TILED:
        return TILED[source.key].paths(spec, bounds)
    if source.kind == "raster-file":
        return [vector_path(source, spec)]  # one country file, read by window
    raise InvalidParameterError(f"{source.key} is not a raster source")


def host_path(source: Source, path: str) -> str:
    """The path of a file on the source's official host, from its path in a mirror.

    The same but for Natural Earth, whose S3 bucket joins scale and theme with ``_``
    (``10m_cultural/...``) where the website and mirrors write ``10m/cultural/...``.
    """
    if source.key == "naturalearth":
        return re.sub(r"^(\d+m)/(cultural|physical|raster)/", r"\1_\2/", path)
    return path
