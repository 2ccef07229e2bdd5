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

from landprofile.errors import DataSourceError
from landprofile.sources.catalogue import parse_name, raster_paths, vector_path
from landprofile.sources.fetch import GDAL_ENV, copy_into, fetch_file, where

__all__ = ["MARGIN_DEG", "fetch_config", "names_in"]

#: Margin (degrees, about 11 km) kept around the landscape in a mirror's raster tiles.
MARGIN_DEG = 0.1


def names_in(cfg: Any) -> list[str]:
    """The data names a config uses, in the order its sections list them."""
    found = []
    for section in ("boundary", "rasters", "layers", "change", "select"):
        for value in cfg.section(section).values():
            values = value.values() if isinstance(value, dict) else [value]
            for v in values:
                if parse_name(v) is not None and v not in found:
                    found.append(v)
    return found


def _clip_tile(src: str, box: tuple[float, float, float, float], dst: Path) -> bool:
    """Write the part of tile ``src`` inside ``box`` to ``dst`` as a COG; False if none."""
    import rasterio
    import rasterio.shutil
    from rasterio.io import MemoryFile
    from rasterio.windows import from_bounds

    from landprofile._atomic import atomic_path

    with rasterio.Env(**GDAL_ENV), rasterio.open(src) as ds:
        w, s, e, n = ds.bounds
        inter = (max(w, box[0]), max(s, box[1]), min(e, box[2]), min(n, box[3]))
        if inter[0] >= inter[2] or inter[1] >= inter[3]:
            return False
        win = from_bounds(*inter, transform=ds.transform).round_offsets().round_lengths()
        data = ds.read(window=win)
        profile = ds.profile.copy()
        profile.update(
            driver="GTiff",
            width=int(win.width),
            height=int(win.height),
            transform=ds.window_transform(win),
        )
        for k in ("blockxsize", "blockysize", "tiled"):
            profile.pop(k, None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with MemoryFile() as mem:
        with mem.open(**profile) as tmp_ds:
            tmp_ds.write(data)
        with mem.open() as tmp_ds, atomic_path(dst) as tmp:
            rasterio.shutil.copy(tmp_ds, tmp, driver="COG", compress="DEFLATE")
    return True


def fetch_config(cfg: Any, to: str | Path, *, margin_deg: float = MARGIN_DEG) -> list[Path]:
    """Write a mirror in ``to`` with what ``cfg`` needs; returns the files written."""
    from landprofile.pipeline import build_boundary, data_settings

    to = Path(to)
    written: list[Path] = []
    names = names_in(cfg)
    with data_settings(cfg):
        for name in names:
            source, spec = parse_name(name)  # type: ignore[misc]
            if source.kind == "vector":
                dst = to / source.mirror_dir / vector_path(source, spec)
                copy_into(fetch_file(source, spec), dst)
                written.append(dst)
        rasters = [n for n in names if parse_name(n)[0].kind != "vector"]  # type: ignore[index]
        if not rasters:
            return written
        w, s, e, n = build_boundary(cfg).bounds_lonlat
        box = (w - margin_deg, s - margin_deg, e + margin_deg, n + margin_deg)
        for name in rasters:
            source, spec = parse_name(name)  # type: ignore[misc]
            got = 0
            for path in raster_paths(source, spec, box):
                kind, loc = where(source, path)
                if kind == "file" and not Path(loc).exists():
                    continue
                dst = to / source.mirror_dir / path
                src = loc if kind == "file" else f"/vsicurl/{loc}"
                try:
                    if _clip_tile(src, box, dst):
                        written.append(dst)
                        got += 1
                except Exception as exc:  # a missing (ocean) tile is not an error here
                    if "404" in str(exc) or "not recognized" in str(exc):
                        continue
                    raise DataSourceError(f"{name}: {path}: {exc}") from None
            if not got:
                raise DataSourceError(f"{name}: no tile covers the landscape {box}")
    return written
