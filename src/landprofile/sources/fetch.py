"""Reading named sources: from a mirror or the official host, by window, into a cache.

Rasters (COG tiles) are read **by window** over HTTP range requests (GDAL ``/vsicurl/``,
bounded waits and retries): only the part around a landscape is transferred, and it is
kept in the cache as a small GeoTIFF keyed by the source, the tiles and the area, so
another process asking for the same area reads no byte from the network. The window is
on the tiles' own grid (snapped outward, joined by whole-cell offsets: see
:mod:`landprofile.sources._window`), so it holds exactly the cells of the tile. A cached
window records which tiles were present; when one that was missing appears in the
mirror, the window is read again. Vector sources are whole files, downloaded once and
verified before they are kept (:mod:`landprofile.sources._http`). Every cache write is
atomic (temporary file, rename): a killed or failed fetch leaves nothing half-written,
and a cache that cannot be written is a :class:`~landprofile.errors.CacheError` naming
the folder.

``LANDPROFILE_DATA_MIRROR`` (or ``lp.options.data_mirror``, or ``[data] mirror`` in a
config) replaces the official hosts: a folder or an http(s) URL holding
``{mirror}/{source}/{path as on the official host}``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from landprofile._atomic import atomic_path
from landprofile.errors import DataSourceError, OutputError
from landprofile.sources._http import (
    download,
    ensure_dir,
    gdal_env,
    local_write_error,
    usable_cached,
)
from landprofile.sources._store import (
    CACHE_VERSION,
    _advice,
    cache_dir,
    exists,
    gdal_path,
    mirror,
    where,
)
from landprofile.sources.catalogue import Source, host_path, raster_paths, vector_path

__all__ = [
    "cache_dir",
    "copy_into",
    "exists",
    "fetch_file",
    "gdal_env",
    "gdal_path",
    "mirror",
    "raster_window",
    "where",
    "whole_file",
]


def _key(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _cached(target: Path, located: list[tuple[str, str, str]], name: str) -> bool:
    """Whether the cached window ``target`` can be used as it is.

    Not when it does not open (then it is read again and replaced), nor when a tile that
    was missing when it was made is there now (a mirror completed later). Offline, a
    missing tile cannot be checked: the cached window is used.
    """
    import rasterio

    if not target.is_file():
        return False
    try:
        with rasterio.open(target) as ds:
            absent = [p for p in ds.tags().get("landprofile_absent", "").split(",") if p]
    except rasterio.errors.RasterioIOError:
        return False
    for p, kind, loc in located:
        if p in absent:
            try:
                if exists(kind, loc, name):
                    return False
            except DataSourceError:  # unreachable now: what was cached is what there is
                return True
    return True


def _write_window(target: Path, arr: Any, profile: dict[str, Any], tags: dict[str, str]) -> None:
    """Write a window to the cache atomically; a :class:`CacheError` if it cannot be."""
    import rasterio

    profile = dict(profile)
    for k in ("blockxsize", "blockysize", "tiled", "compress", "interleave"):
        profile.pop(k, None)
    tiled = arr.shape[1] >= 256 and arr.shape[2] >= 256
    profile.update(compress="deflate", tiled=tiled)
    if tiled:
        profile.update(blockxsize=256, blockysize=256)
    ensure_dir(target.parent, cache=True)
    try:
        with atomic_path(target) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(arr)
            dst.update_tags(**tags)
    except OutputError as exc:  # the temporary file could not be made
        raise local_write_error(target.parent, exc, cache=True) from None
    except (OSError, rasterio.errors.RasterioError) as exc:  # a full disk, mid-write
        raise local_write_error(target, exc, cache=True) from None


def raster_window(
    source: Source, spec: str, bounds: tuple[float, float, float, float], margin_deg: float
) -> Path:
    """The source's raster over ``bounds`` (+ margin) as a cached GeoTIFF; fetched once.

    The window holds the tiles' own cells: snapped outward to their grid, never shifted
    or resampled (reading it gives what reading the tile gives).

    Raises
    ------
    DataSourceError
        No tile covers the area, a tile is corrupt or unreachable, the tiles do not share
        a grid, or the landscape crosses the antimeridian.
    CacheError
        The window cannot be written to the cache.
    """
    import warnings

    import rasterio

    from landprofile.sources._window import lonlat_box, read_window

    name = f"{source.key}:{spec}" if spec else source.key
    box = lonlat_box(bounds, margin_deg, name)
    if source.key == "stac":
        from landprofile.sources.stac import stac_assets

        located = stac_assets(spec, box)
    else:
        located = [(p, *where(source, p)) for p in raster_paths(source, spec, box)]
    if source.kind == "raster-file":
        located = [whole_file(source, name, p, kind, loc) for p, kind, loc in located]
    paths = [p for p, _, _ in located]
    # the exact box, not a rounded one: rounding decides nothing about the cells now, but
    # two areas must not share an entry
    key = _key(CACHE_VERSION, source.key, spec, paths, tuple(round(v, 9) for v in box), mirror())
    target = cache_dir() / source.key / f"{key}.tif"
    if _cached(target, located, name):
        return target
    if source.key != "stac":  # a field mirror's clips: the one covering the box
        from landprofile.sources._fetch_manifest import resolve

        located = [(p, *resolve(source, p, kind, loc, box, name)) for p, kind, loc in located]
    opened = []
    labels = []
    missing = []
    env = gdal_env()
    if any(kind == "s3" for _, kind, _ in located):
        env["AWS_NO_SIGN_REQUEST"] = "YES"  # public buckets (Digital Earth Africa...)
    with rasterio.Env(**env):
        try:
            for p, kind, loc in located:
                if source.key == "stac":  # a refused unsigned asset is named as such
                    from landprofile.sources.stac import asset_exists

                    there = asset_exists(kind, loc, name)
                else:
                    there = exists(kind, loc, name)
                if not there:
                    missing.append(p)
                    continue
                try:
                    opened.append(rasterio.open(gdal_path(kind, loc)))
                    labels.append(p)
                except rasterio.errors.RasterioIOError as exc:
                    why = "a corrupt or partial file on the host or mirror"
                    if kind == "http":  # GDAL says "cannot read header" for a stall too
                        why = (
                            "the transfer stalled or failed (limits: LANDPROFILE_HTTP_IDLE_S, "
                            "LANDPROFILE_HTTP_LOW_SPEED_BPS/_S), or the file is corrupt"
                        )
                    raise DataSourceError(
                        f"{name}: the tile {p} could not be read ({exc}): {why}; {_advice()}"
                    ) from None
            if not opened:
                raise DataSourceError(
                    f"{name}: no tile covers {box} (looked for {', '.join(paths)}): the "
                    "area is outside the source (ocean, or beyond its coverage), or the "
                    f"mirror lacks it; {_advice()}"
                )
            try:
                arr, _, profile = read_window(opened, labels, box, name)
            except DataSourceError:
                raise
            except Exception as exc:  # GDAL read errors mid-way (truncated tile, timeout)
                raise DataSourceError(
                    f"{name}: reading the window failed ({exc}); {_advice()}"
                ) from None
        finally:
            for ds in opened:
                ds.close()
    tags = {
        "landprofile_source": name,
        "landprofile_tiles": ",".join(labels),
        "landprofile_absent": ",".join(missing),
    }
    _write_window(target, arr, profile, tags)
    if missing:
        from landprofile.errors import CoverageWarning, user_stacklevel

        warnings.warn(
            f"{name}: {len(missing)} of the {len(paths)} tiles around the landscape do not "
            f"exist ({', '.join(missing)}): that area has no data (ocean?)",
            CoverageWarning,
            stacklevel=user_stacklevel(),
        )
    return target


def whole_file(source: Source, name: str, path: str, kind: str, loc: str) -> tuple[str, str, str]:
    """A host without byte ranges: the whole file once, verified, then windowed locally.

    WorldPop's data.worldpop.org answers a range request with the whole file (HTTP 200,
    "Range downloading not supported by this server", as its users report since 2024):
    a window cannot be read over HTTP, so the country file (tens of MB) is downloaded
    once into the cache — resumed where the host allows, restarted where not — and every
    landscape of the country is then read from it.
    """
    if kind != "http":
        return path, kind, loc
    target = cache_dir() / source.mirror_dir / path
    if not usable_cached(target):  # absent, or damaged on the local disk: fetched again
        download(loc, target, name, _advice(), cache=True)
    return path, "file", str(target)


def fetch_file(source: Source, spec: str) -> Path:
    """A vector (or whole-file) source, from the mirror folder or downloaded once.

    A download is verified (length, not an HTML page, magic bytes, opens) before it is
    kept in the cache; see :func:`landprofile.sources._http.download`.

    Raises
    ------
    DataSourceError
        The mirror lacks the file, the host is unreachable or sends something else.
    CacheError
        The cache cannot be written.
    """
    path = vector_path(source, spec)
    name = f"{source.key}:{spec}"
    kind, loc = where(source, path)
    if kind == "http" and mirror() is None:  # the official host's own layout
        loc = f"{source.host}/{host_path(source, path)}"
    if kind == "file":
        if not Path(loc).exists():
            raise DataSourceError(f"{name}: the mirror has no {path} (looked at '{loc}')")
        _refuse_lfs(source, Path(loc), name)
        return Path(loc)
    target = cache_dir() / source.mirror_dir / path
    if usable_cached(target):
        return target
    if source.key == "geoboundaries" and mirror() is None:
        from landprofile.sources.geoboundaries import fetch_official

        api = str(source.extra.get("api", "")) or None
        fetch_official(spec, target, name, _advice(), api=api)
        return target
    _refuse_lfs(source, download(loc, target, name, _advice(), cache=True), name)
    if source.key == "geoboundaries":  # a mirror over HTTP keeps the API record beside it
        from landprofile.sources.geoboundaries import download_meta

        download_meta(loc, target)
    return target


def _refuse_lfs(source: Source, path: Path, name: str) -> None:
    if source.key == "geoboundaries":
        from landprofile.sources.geoboundaries import check_not_lfs

        try:
            check_not_lfs(path, name)
        except DataSourceError:
            if path.is_relative_to(cache_dir()):
                path.unlink(missing_ok=True)  # never kept as if it were the boundary
            raise


def copy_into(src: Path, dst: Path, name: str = "") -> None:
    """Copy a file into a mirror folder, atomically; an :class:`OutputError` if it cannot.

    The copy is verified (not an HTML page or an LFS pointer, its format's first bytes,
    it opens) before it is renamed into place: a bad file never lands in the mirror.
    """
    from landprofile.sources._http import check_file

    ensure_dir(dst.parent, cache=False)
    try:
        with atomic_path(dst) as tmp:
            shutil.copyfile(src, tmp)
            check_file(tmp, name or src.name, str(src), suffix=dst.suffix)
    except DataSourceError:
        raise
    except OutputError as exc:
        raise local_write_error(dst.parent, exc, cache=False) from None
    except OSError as exc:
        raise local_write_error(dst, exc, cache=False) from None
