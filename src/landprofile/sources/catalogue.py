"""The named open sources: where each lives, which files cover an area, its licence.

A name is ``{source}:{spec}`` — ``worldcover:2021``, ``copdem30``,
``geoboundaries:GHA/ADM2``, ``hydrobasins:af/lev10``, ``worldpop:GHA/2020``,
``naturalearth:admin0``, ``stac:{catalogue url}#{collection}``. Each source knows its
official host and, for tiled rasters, the tiles that cover a longitude/latitude box; a
mirror holds ``{mirror}/{source}/{path as on the official host}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from landprofile.errors import InvalidParameterError
from landprofile.sources import copernicus, worldcover

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
        "CC BY 4.0 (gbOpen; some units CC BY-SA, see the file's metadata)",
        "Runfola et al. (2020) geoBoundaries: a global database of political administrative "
        "boundaries. PLoS ONE 15(4): e0231866",
        "geoboundaries:GHA/ADM2",
        extra={"api": "https://www.geoboundaries.org/api/current/gbOpen"},
    ),
    "hydrobasins": Source(
        "hydrobasins",
        "vector",
        "https://data.hydrosheds.org/file/HydroBASINS/standard",
        "hydrosheds",
        "HydroSHEDS licence (free, with attribution)",
        "Lehner & Grill (2013) Global river hydrography and network routing: baseline data "
        "and new approaches to study the world's large river systems. Hydrol. Process. 27",
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
        "WorldPop (www.worldpop.org), Global High Resolution Population Denominators "
        "Project, doi:10.5258/SOTON/WP00645",
        "worldpop:GHA/2020",
    ),
    "naturalearth": Source(
        "naturalearth",
        "vector",
        "https://naciscdn.org/naturalearth",
        "naturalearth",
        "Public domain",
        "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com",
        "naturalearth:admin0",
    ),
    "earthgenome": Source(
        "earthgenome",
        "vector",
        "https://github.com/earthrise-media/mining-detector/raw/main/data/outputs",
        "earthgenome",
        "CC BY 4.0 (data), MIT (code)",
        "Earth Genome, mining-detector: automated detection of artisanal gold mining in "
        "Sentinel-2 imagery (github.com/earthrise-media/mining-detector)",
        "earthgenome:{file under data/outputs}",
    ),
    "stac": Source(
        "stac",
        "stac",
        "",
        "",
        "the collection's own (see its STAC metadata)",
        "the collection's own (see its STAC metadata)",
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
#: HydroBASINS regions.
HYDRO_REGIONS = ("af", "ar", "as", "au", "eu", "gr", "na", "sa", "si")

_NAME = re.compile(r"^(" + "|".join(SOURCES) + r")(?::(.*))?$")


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
    elif source.key in ("geoboundaries", "hydrobasins", "naturalearth", "earthgenome", "worldpop"):
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
    """Citation, licence and DOI of the version a data name reads, else ``None``.

    Examples
    --------
    >>> from landprofile.sources.catalogue import citation_for
    >>> cite = citation_for("worldcover:2021")
    >>> cite["licence"], cite["doi"]
    ('CC BY 4.0', '10.5281/zenodo.7254221')
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
    if source.key == "worldpop":
        return out | {"citation": source.citation, "doi": "10.5258/SOTON/WP00645"}
    if source.key == "geoboundaries":
        from landprofile.sources.geoboundaries import meta_for

        meta = meta_for(source, spec)
        if meta.get("boundaryLicense"):  # the boundary's own licence, from the API
            who = f"; source: {meta['boundarySource']}" if meta.get("boundarySource") else ""
            out["licence"] = str(meta["boundaryLicense"])
            return out | {"citation": f"{source.citation}{who}"}
    return out | {"citation": source.citation}


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
                "earthgenome:44px_v2.9/mining_amazon_all_unified_thresh_0.8_....geojson"
            )
        return spec
    if source.key == "worldpop":
        # the Global_2000_2020 series ends in 2020: a later year is not on the host
        m = re.fullmatch(r"([A-Za-z]{3})/(20[01]\d|2020)", spec)
        if not m:
            raise InvalidParameterError(
                f"worldpop:{spec}: expected ISO3/YEAR with YEAR 2000-2020 (the "
                "Global_2000_2020 100 m series), e.g. worldpop:GHA/2020"
            )
        iso, year = m.group(1).upper(), m.group(2)
        return f"GIS/Population/Global_2000_2020/{year}/{iso}/{iso.lower()}_ppp_{year}.tif"
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
    if source.key == "worldpop":
        return [vector_path(source, spec)]  # one country file, read by window
    raise InvalidParameterError(f"{source.key} is not a raster source")
