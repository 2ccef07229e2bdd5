"""A mirror for the field: just what a landscape config needs, clipped, on a disk.

``landprofile data fetch CONFIG --to DIR`` writes ``DIR/{source}/{path as on the
official host}`` for every named source the config uses: vector files whole, raster
tiles clipped to the landscape plus a margin (still valid Cloud-Optimized GeoTIFFs, under
the official tile names). Set ``LANDPROFILE_DATA_MIRROR=DIR`` (or ``[data] mirror``) on a
machine without internet and the same config runs from it.

The folder accumulates: fetching several landscapes into it adds what each needs, and a
file ``data fetch`` did not write (the user's own full tile, a file changed since) is
never replaced nor clipped; it is read where it covers the landscape. What was written
is listed in ``DIR/.landprofile-fetch.json``; the layout of several clips of one tile is
described in :mod:`landprofile.sources._fetch_manifest`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landprofile.errors import DataSourceError, DataWarning, OutputError
from landprofile.sources._fetch_manifest import Manifest, covers, grid_meta
from landprofile.sources._http import check_file, ensure_dir, gdal_env, local_write_error
from landprofile.sources._store import exists, gdal_path, where
from landprofile.sources.catalogue import parse_name, raster_paths, vector_path
from landprofile.sources.fetch import copy_into, fetch_file, whole_file

__all__ = ["MARGIN_DEG", "Fetched", "fetch_config", "names_in"]

#: Margin (degrees, about 11 km) kept around the landscape in a mirror's raster tiles.
MARGIN_DEG = 0.1


def names_in(cfg: Any) -> list[str]:
    """The data names a config uses, in the order its sections list them."""
    found = []
    # the card's admin layers too: a field office needs every name the run reads
    for section in ("boundary", "rasters", "layers", "change", "select", "card"):
        for value in cfg.section(section).values():
            if isinstance(value, dict):
                values = list(value.values())
            elif isinstance(value, list | tuple):
                values = list(value)
            else:
                values = [value]
            for v in values:
                if parse_name(v) is not None and v not in found:
                    found.append(v)
    return found


def _clip_tile(
    src: str,
    box: tuple[float, float, float, float],
    dst: Path,
    name: str,
    env: dict[str, str] | None = None,
) -> bool:
    """Write the part of tile ``src`` inside ``box`` to ``dst`` as a COG; False if none.

    The part is snapped outward to the tile's grid (whole cells, the tile's own origin),
    so the clipped tile is a piece of the original grid and windows read from the mirror
    hold the same cells as windows read from the host.
    """
    import rasterio
    import rasterio.shutil
    from rasterio.io import MemoryFile
    from rasterio.windows import Window

    from landprofile._atomic import atomic_path
    from landprofile.sources._window import grid_transform, pixel_span

    with rasterio.Env(**(gdal_env() | (env or {}))), rasterio.open(src) as ds:
        crs_box = box
        if ds.crs is not None and ds.crs.to_epsg() != 4326:
            from rasterio.warp import transform_bounds

            crs_box = transform_bounds("EPSG:4326", ds.crs, *box, densify_pts=21)
        c0, r0, c1, r1 = pixel_span(ds.transform, crs_box)
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, ds.width), min(r1, ds.height)
        if c1 <= c0 or r1 <= r0:
            return False
        data = ds.read(window=Window(c0, r0, c1 - c0, r1 - r0))
        profile = ds.profile.copy()
        profile.update(
            driver="GTiff",
            width=c1 - c0,
            height=r1 - r0,
            transform=grid_transform(ds.transform, c0, r0),
        )
        for k in ("blockxsize", "blockysize", "tiled"):
            profile.pop(k, None)
    ensure_dir(dst.parent, cache=False)
    try:
        with MemoryFile() as mem:
            with mem.open(**profile) as tmp_ds:
                tmp_ds.write(data)
            with mem.open() as tmp_ds, atomic_path(dst) as tmp:
                rasterio.shutil.copy(tmp_ds, tmp, driver="COG", compress="DEFLATE")
                _verify_tile(tmp, data, name, dst)
    except OutputError as exc:  # the temporary file could not be made
        raise local_write_error(dst.parent, exc, cache=False) from None
    except (OSError, rasterio.errors.RasterioError) as exc:
        if isinstance(exc, DataSourceError):
            raise
        raise local_write_error(dst, exc, cache=False) from None
    return True


def _verify_tile(path: Path, data: Any, name: str, dst: Path) -> None:
    """Check a written tile reads back with the cells it was given; a named error if not."""
    import numpy as np
    import rasterio

    check_file(path, name, str(dst), suffix=".tif")
    with rasterio.open(path) as ds:
        back = ds.read()
    if back.shape != data.shape or not np.array_equal(back, data):
        raise OutputError(
            f"{name}: the tile written to '{dst}' does not read back as written (a failing "
            "disk?); it was not kept: choose another folder"
        )


class Fetched(list):  # a list, as fetch_config returned before
    """The files ``data fetch`` wrote (the list itself), and those it found and kept.

    Attributes
    ----------
    kept
        Files already in the mirror that cover what was asked (the user's own, or an
        earlier fetch's): read, never replaced.
    manifest
        ``DIR/.landprofile-fetch.json``, listing every file data fetch wrote there.
    """

    kept: list[Path]
    manifest: Path


_EVERYWHERE = (-float("inf"), -float("inf"), float("inf"), float("inf"))


def _local_meta(path: Path, tile_bounds: Any = _EVERYWHERE) -> dict[str, Any] | None:
    """The grid of a raster already in the mirror (``None``: it does not open as one)."""
    import rasterio

    try:
        with rasterio.open(path) as ds:
            meta = grid_meta(ds, tile_bounds)
    except rasterio.errors.RasterioError:
        return None
    if meta["res"][0] <= 0 or meta["res"][1] >= 0:
        return None  # not north-up: not read by window
    return meta


def _tile_grid(src: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The grid of the source tile ``src`` (its header only)."""
    import rasterio

    with rasterio.Env(**(gdal_env() | (env or {}))), rasterio.open(src) as ds:
        return grid_meta(ds)


def _same_grid(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two grids are one: same CRS and cell size, origins whole cells apart."""
    import math

    if a["crs"] != b["crs"] or not all(
        math.isclose(x, y, rel_tol=1e-9) for x, y in zip(a["res"], b["res"], strict=True)
    ):
        return False
    dc = (a["bounds"][0] - b["bounds"][0]) / b["res"][0]
    dr = (a["bounds"][3] - b["bounds"][3]) / b["res"][1]
    return abs(dc - round(dc)) < 1e-6 and abs(dr - round(dr)) < 1e-6


def _beside(dst: Path, box: tuple[float, float, float, float], man: Manifest) -> Path:
    """A free name beside ``dst`` for another landscape's clip of the same tile."""
    import hashlib

    key = hashlib.sha256(repr(tuple(round(v, 9) for v in box)).encode()).hexdigest()[:10]
    for n in range(100):
        cand = dst.with_name(f"{dst.stem}.lp-{key}{f'-{n}' if n else ''}{dst.suffix}")
        if not (cand.exists() or cand.is_symlink()) or man.ours(cand):
            return cand
    raise OutputError(f"no free name beside '{dst}' for another clip: clean the folder")


def _same_bytes(a: Path, b: Path) -> bool:
    import filecmp

    return b.is_file() and not b.is_symlink() and filecmp.cmp(a, b, shallow=False)


def _fetch_vector(
    name: str, to: Path, man: Manifest, written: list[Path], kept: list[Path]
) -> None:
    """A vector source copied whole into the mirror, unless a file is there already."""
    import warnings

    from landprofile.errors import user_stacklevel

    source, spec = parse_name(name)  # type: ignore[misc]
    dst = to / source.mirror_dir / vector_path(source, spec)
    src = fetch_file(source, spec)
    if dst.exists() or dst.is_symlink():
        if _same_bytes(src, dst):
            kept.append(dst)
            return
        if not man.ours(dst):
            kept.append(dst)
            warnings.warn(
                f"{name}: '{dst}' is not what data fetch wrote there (the manifest does "
                "not list it, or it changed since) and differs from the source's file: it "
                "is kept as it is and runs from this mirror read it; move it away and "
                "fetch again for the source's copy",
                DataWarning,
                stacklevel=user_stacklevel(),
            )
            return
    copy_into(src, dst, name)
    man.record(dst)
    written.append(dst)
    if source.key == "geoboundaries":  # its licence, for the citation
        from landprofile.sources.geoboundaries import copy_meta

        for meta in copy_meta(src, dst, name):
            man.record(meta)
            written.append(meta)


def _fetch_tile(
    name: str,
    path: str,
    src: str,
    box: tuple[float, float, float, float],
    to: Path,
    man: Manifest,
) -> tuple[Path | None, bool]:
    """One tile for the landscape: ``(file, written)``; ``(None, False)``: none of it.

    A file already there that holds the box is kept (checked first without the host,
    then against the source tile's extent); else the part is clipped under the official
    name when that is free, beside it otherwise.
    """
    source, _ = parse_name(name)  # type: ignore[misc]
    dst = to / source.mirror_dir / path
    tile = man.rel(dst)
    have = [dst] if dst.is_file() else []
    have += [to / k for k in man.clips(tile) if k != tile and (to / k).is_file()]
    local = {p: _local_meta(p) for p in have}
    for p, meta in local.items():  # the whole box held: not even the host is asked
        if meta is not None and covers(meta, box):
            return p, False
    grid = _reading_tile(name, path, _tile_grid, src)
    for p, meta in local.items():  # every cell the tile has inside the box
        held = meta is not None and _same_grid(meta, grid)
        if held and covers(meta | {"tile_bounds": grid["bounds"]}, box):  # type: ignore[operator]
            return p, False
    target = dst if not (dst.exists() or dst.is_symlink()) else _beside(dst, box, man)
    if not _reading_tile(name, path, _clip_tile, src, box, target, name):
        return None, False
    import rasterio

    with rasterio.open(target) as ds:
        man.record(target, tile=tile, **grid_meta(ds, grid["bounds"]))
    return target, True


def _reading_tile(name: str, what: str, read: Any, *args: Any) -> Any:
    """``read(*args)`` on a host's tile; a tile that exists but does not read is corrupt."""
    try:
        return read(*args)
    except (DataSourceError, OutputError):
        raise
    except Exception as exc:  # the tile exists but does not read: corrupt
        raise DataSourceError(
            f"{name}: the tile {what} exists but could not be read ({exc}); nothing of it "
            "was written"
        ) from None


def fetch_config(cfg: Any, to: str | Path, *, margin_deg: float = MARGIN_DEG) -> Fetched:
    """Add to the mirror ``to`` what ``cfg`` needs; returns the files written (and kept).

    Every file is verified after it is written (it opens; a tile reads back as written)
    and listed with its SHA-256 in ``to/.landprofile-fetch.json``. A file already in
    ``to`` is never replaced unless data fetch wrote it and it is unchanged; one that
    covers the landscape (the user's own full tile, an earlier landscape's clip) is kept
    and read. A tile that does not exist on the host (404, or absent from the source
    mirror: the ocean) is skipped; a tile that exists but cannot be read or written is
    an error, and so is a raster name no tile of which covers the landscape.

    Raises
    ------
    DataSourceError
        A source cannot be read, or nothing of a raster covers the landscape.
    OutputError
        ``to`` cannot be written (read-only, full, a file), or holds a manifest that is
        not data fetch's (or a link).
    """
    import warnings

    from landprofile.errors import CoverageWarning, user_stacklevel
    from landprofile.pipeline import build_boundary, data_settings
    from landprofile.sources._window import lonlat_box

    to = Path(to)
    if to.exists() and not to.is_dir():
        raise OutputError(
            f"'{to}' is a file, not a folder: give data fetch --to a folder (new, or "
            "a mirror it wrote before)"
        )
    man = Manifest(to)  # a foreign manifest is refused before any work
    ensure_dir(to, cache=False)
    written = Fetched()
    written.kept, written.manifest = [], man.path
    names = names_in(cfg)
    with data_settings(cfg):
        for name in names:
            if parse_name(name)[0].kind == "vector":  # type: ignore[index]
                _fetch_vector(name, to, man, written, written.kept)
        rasters = [n for n in names if parse_name(n)[0].kind != "vector"]  # type: ignore[index]
        if not rasters:
            return written
        box = lonlat_box(build_boundary(cfg).bounds_lonlat, margin_deg, "the landscape")
        stac_names = [n for n in rasters if n.startswith("stac:")]
        if stac_names:
            from landprofile.sources.stac_mirror import write_stac

            write_stac(stac_names, box, to, man, written)
        for name in rasters:
            source, spec = parse_name(name)  # type: ignore[misc]
            if source.key == "stac":
                continue
            got = 0
            absent = []
            for path in raster_paths(source, spec, box):
                kind, loc = where(source, path)
                if source.kind == "raster-file":  # a host without ranges: the whole file
                    _, kind, loc = whole_file(source, name, path, kind, loc)
                if not exists(kind, loc, name):
                    absent.append(path)  # not on the host: the ocean, or beyond the source
                    continue
                file, wrote = _fetch_tile(name, path, gdal_path(kind, loc), box, to, man)
                if file is not None:
                    (written if wrote else written.kept).append(file)
                    got += 1
            if not got:
                raise DataSourceError(f"{name}: no tile covers the landscape {box}")
            if absent:
                # said, not fatal: a coast's ocean tiles do not exist on the host either,
                # but a source mirror that lacks a land tile must not pass unnoticed
                warnings.warn(
                    f"{name}: {len(absent)} tile(s) around the landscape do not exist where "
                    f"it was read from ({', '.join(absent)}); the mirror has none for that "
                    "area (ocean?)",
                    CoverageWarning,
                    stacklevel=user_stacklevel(),
                )
    return written
