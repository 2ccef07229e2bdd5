"""A mirror for the field: just what a landscape config needs, clipped, on a disk.

``landprofile data fetch CONFIG --to DIR`` writes ``DIR/{source}/{path as on the
official host}`` for every named source the config uses: vector files whole, raster
tiles clipped to the landscape plus a margin (still valid Cloud-Optimized GeoTIFFs, under
the official tile names). Set ``LANDPROFILE_DATA_MIRROR=DIR`` (or ``[data] mirror``) on a
machine without internet and the same config runs from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landprofile.errors import DataSourceError, OutputError
from landprofile.sources._http import check_file, ensure_dir, gdal_env, local_write_error
from landprofile.sources._store import exists, gdal_path, where
from landprofile.sources.catalogue import parse_name, raster_paths, vector_path
from landprofile.sources.fetch import copy_into, fetch_file, whole_file

__all__ = ["MARGIN_DEG", "fetch_config", "names_in"]

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


def fetch_config(cfg: Any, to: str | Path, *, margin_deg: float = MARGIN_DEG) -> list[Path]:
    """Write a mirror in ``to`` with what ``cfg`` needs; returns the files written.

    Every file is verified after it is written (it opens; a tile reads back as written).
    A tile that does not exist on the host (404, or absent from the source mirror: the
    ocean) is skipped; a tile that exists but cannot be read or written is an error,
    and so is a raster name no tile of which covers the landscape.

    Raises
    ------
    DataSourceError
        A source cannot be read, or nothing of a raster covers the landscape.
    OutputError
        ``to`` cannot be written (read-only, full, a file).
    """
    from landprofile.pipeline import build_boundary, data_settings
    from landprofile.sources._window import lonlat_box

    to = Path(to)
    ensure_dir(to, cache=False)
    written: list[Path] = []
    names = names_in(cfg)
    with data_settings(cfg):
        for name in names:
            source, spec = parse_name(name)  # type: ignore[misc]
            if source.kind == "vector":
                dst = to / source.mirror_dir / vector_path(source, spec)
                src = fetch_file(source, spec)
                copy_into(src, dst, name)
                written.append(dst)
                if source.key == "geoboundaries":  # its licence, for the citation
                    from landprofile.sources.geoboundaries import copy_meta

                    written += copy_meta(src, dst, name)
        rasters = [n for n in names if parse_name(n)[0].kind != "vector"]  # type: ignore[index]
        if not rasters:
            return written
        box = lonlat_box(build_boundary(cfg).bounds_lonlat, margin_deg, "the landscape")
        stac_names = [n for n in rasters if n.startswith("stac:")]
        if stac_names:
            from landprofile.sources.stac_mirror import write_stac

            def clip(src: str, dst: Path, name: str, env: dict[str, str]) -> bool:
                try:
                    return _clip_tile(src, box, dst, name, env)
                except (DataSourceError, OutputError):
                    raise
                except Exception as exc:  # the asset exists but does not read: corrupt
                    raise DataSourceError(
                        f"{name}: the asset {src} could not be read ({exc}); nothing of it "
                        "was written"
                    ) from None

            written += write_stac(stac_names, box, to, clip)
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
                dst = to / source.mirror_dir / path
                src = gdal_path(kind, loc)
                try:
                    if _clip_tile(src, box, dst, name):
                        written.append(dst)
                        got += 1
                except (DataSourceError, OutputError):
                    raise
                except Exception as exc:  # the tile exists but does not read: corrupt
                    raise DataSourceError(
                        f"{name}: the tile {path} exists but could not be read ({exc}); "
                        "nothing of it was written"
                    ) from None
            if not got:
                raise DataSourceError(f"{name}: no tile covers the landscape {box}")
            if absent:
                # said, not fatal: a coast's ocean tiles do not exist on the host either,
                # but a source mirror that lacks a land tile must not pass unnoticed
                import warnings

                from landprofile.errors import CoverageWarning, user_stacklevel

                warnings.warn(
                    f"{name}: {len(absent)} tile(s) around the landscape do not exist where "
                    f"it was read from ({', '.join(absent)}); the mirror has none for that "
                    "area (ocean?)",
                    CoverageWarning,
                    stacklevel=user_stacklevel(),
                )
    return written
