"""Open data by name: global layers for any landscape, read by window, cached, mirrored.

Names work wherever a path does — ``lp.profile(ls, land_cover="worldcover:2021")``,
``lp.change(ls, "worldcover:2020", "worldcover:2021")``,
``lp.from_admin("geoboundaries:GHA/ADM2", names=[...])``,
``lp.from_basins("hydrobasins:af/lev10", ...)``, a config's paths and the CLI. Rasters
are read by window around the landscape (HTTP range requests) and cached; vector files
are downloaded once. Set ``LANDPROFILE_DATA_MIRROR`` (a folder or URL holding
``{mirror}/{source}/{path as on the official host}``) to work from a copy — on a field
office's disk, made by ``landprofile data fetch CONFIG --to DIR``. The network is reached
only when a name is used and nothing is cached or mirrored.

(The package's data files — legends, catalogues, templates — live apart, in
``landprofile/data/``: this package is code only.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landprofile.sources.catalogue import SOURCES, Source, check_spec, parse_name

__all__ = [
    "SOURCES",
    "Source",
    "cache_dir",
    "is_name",
    "list_sources",
    "lonlat_bounds",
    "parse_name",
    "raster",
    "vector",
    "vector_layer",
]

#: Margin (degrees) read around a landscape, so that edge cells are whole.
MARGIN_DEG = 0.02


def is_name(obj: Any) -> bool:
    """Whether ``obj`` is a data name (``worldcover:2021``...), not a path.

    Examples
    --------
    >>> from landprofile.sources import is_name
    >>> is_name("worldcover:2021"), is_name("copdem30"), is_name("data/land_cover.tif")
    (True, True, False)
    """
    return parse_name(obj) is not None


def raster(
    name: str, bounds: tuple[float, float, float, float], margin_deg: float = MARGIN_DEG
) -> Path:
    """The named raster over a longitude/latitude box, as a local (cached) GeoTIFF.

    Examples
    --------
    The name read from a local mirror folder (no network): a stand-in WorldCover tile,
    at 0.01° instead of 10 m, placed where the mirror keeps the real one.

    >>> import os, tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import landprofile as lp
    >>> from rasterio.transform import from_origin
    >>> from landprofile.sources import SOURCES, raster
    >>> from landprofile.testing import write_geotiff
    >>> folder = Path(tempfile.mkdtemp())
    >>> tile = (folder / "mirror" / SOURCES["worldcover"].mirror_dir
    ...         / "v200/2021/map/ESA_WorldCover_10m_2021_v200_N03W003_Map.tif")
    >>> tile.parent.mkdir(parents=True)
    >>> _ = write_geotiff(tile, np.full((300, 300), 10, dtype="uint8"),
    ...                   from_origin(-3, 6, 0.01, 0.01), "EPSG:4326", nodata=0)
    >>> os.environ["LANDPROFILE_CACHE"] = str(folder / "cache")
    >>> lp.options.data_mirror = str(folder / "mirror")
    >>> window = lp.read_raster(raster("worldcover:2021", (-2.0, 5.3, -1.9, 5.4)))
    >>> window.shape  # 0.1° and a 0.02° margin on each side, in 0.01° cells
    (14, 14)
    >>> lp.options.data_mirror = None
    >>> del os.environ["LANDPROFILE_CACHE"]
    """
    from landprofile.errors import UnsupportedFormatError
    from landprofile.sources.fetch import raster_window

    parsed = parse_name(name)
    if parsed is None:
        raise UnsupportedFormatError(
            f"{name!r} is not a data name; see landprofile.sources.SOURCES"
        )
    source, spec = parsed
    check_spec(source, spec)
    if source.kind not in ("raster", "raster-file", "stac"):
        raise UnsupportedFormatError(f"{name!r} is a vector source, not a raster")
    return raster_window(source, spec, bounds, margin_deg)


def vector(name: str) -> Path:
    """The named vector layer as a local file (from the mirror, or downloaded once).

    Examples
    --------
    The name read from a local mirror folder (no network):

    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.sources import SOURCES, vector
    >>> mirror = Path(tempfile.mkdtemp())
    >>> folder = mirror / SOURCES["earthgenome"].mirror_dir
    >>> folder.mkdir()
    >>> _ = (folder / "sites.geojson").write_text(
    ...     '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
    ...     ' "geometry": {"type": "Point", "coordinates": [-1.99, 5.3]}}]}')
    >>> lp.options.data_mirror = str(mirror)
    >>> path = vector("earthgenome:sites.geojson")
    >>> path.relative_to(mirror).as_posix(), len(lp.read_vector(path))
    ('earthgenome/sites.geojson', 1)
    >>> lp.options.data_mirror = None
    """
    from landprofile.errors import UnsupportedFormatError
    from landprofile.sources.fetch import fetch_file

    parsed = parse_name(name)
    if parsed is None:
        raise UnsupportedFormatError(
            f"{name!r} is not a data name; see landprofile.sources.SOURCES"
        )
    source, spec = parsed
    check_spec(source, spec)
    if source.kind != "vector":
        raise UnsupportedFormatError(f"{name!r} is a raster source, not a vector layer")
    return fetch_file(source, spec)


def vector_layer(name: str) -> str | None:
    """The layer of a named vector source inside its file (``None``: the only one).

    Examples
    --------
    >>> from landprofile.sources import vector_layer
    >>> vector_layer("hydrobasins:af/lev10")  # one level inside the region's archive
    'hybas_af_lev10_v1c'
    >>> vector_layer("naturalearth:admin0") is None
    True
    """
    from landprofile.sources.catalogue import vector_layer as _layer

    parsed = parse_name(name)
    return None if parsed is None else _layer(*parsed)


def lonlat_bounds(zones: Any) -> tuple[float, float, float, float]:
    """The longitude/latitude box of landscapes (``Zone`` objects with geometry and CRS).

    Examples
    --------
    >>> import importlib
    >>> from landprofile.sources import lonlat_bounds
    >>> from landprofile.testing import square_landscape
    >>> zones = importlib.import_module("landprofile.profile._zones").as_zones(square_landscape())
    >>> [round(v, 2) for v in lonlat_bounds(zones)]  # the UTM square, in lon/lat
    [-2.1, 5.43, -2.09, 5.44]
    """
    from pyproj import Transformer

    boxes = []
    for z in zones:
        w, s, e, n = z.geometry.bounds
        t = Transformer.from_crs(z.crs, 4326, always_xy=True)
        boxes.append(t.transform_bounds(w, s, e, n, densify_pts=21))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def cache_dir() -> Path:
    """Where fetched data is kept (``LANDPROFILE_CACHE``, else the user cache folder).

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from landprofile.sources import cache_dir
    >>> folder = tempfile.mkdtemp()
    >>> os.environ["LANDPROFILE_CACHE"] = folder
    >>> cache_dir() == Path(folder)
    True
    >>> del os.environ["LANDPROFILE_CACHE"]
    """
    from landprofile.sources._store import cache_dir as _cache_dir

    return _cache_dir()


def list_sources() -> list[dict[str, Any]]:
    """Every source: its name form, kind, licence, citation and what is cached of it.

    Examples
    --------
    >>> from landprofile.sources import list_sources
    >>> first = list_sources()[0]  # read from the catalogue and the cache: no network
    >>> first["example"], first["kind"], first["licence"]
    ('worldcover:2021', 'raster', 'CC BY 4.0')
    """
    base = cache_dir()
    out = []
    for s in SOURCES.values():
        files = [
            p
            for d in {base / s.key, base / (s.mirror_dir or s.key)}
            if d.exists()
            for p in d.rglob("*")
            if p.is_file()
        ]
        out.append(
            {
                "source": s.key,
                "example": s.example,
                "kind": s.kind,
                "licence": s.licence,
                "citation": s.citation,
                "host": s.host,
                "cached_files": len(files),
                "cached_mb": sum(p.stat().st_size for p in files) / 1e6,
            }
        )
    return out
