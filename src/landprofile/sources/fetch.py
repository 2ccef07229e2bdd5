"""Reading named sources: from a mirror or the official host, by window, into a cache.

Rasters (COG tiles) are read **by window** over HTTP range requests (GDAL ``/vsicurl/``,
bounded timeouts and retries): only the part around a landscape is transferred, and it
is kept in the cache as a small GeoTIFF keyed by the source, the tiles and the area, so
another process asking for the same area reads no byte from the network. Vector sources
are whole files, downloaded once. Every cache write is atomic (temporary file, rename):
a killed or failed fetch leaves nothing half-written.

``LANDPROFILE_DATA_MIRROR`` (or ``lp.options.data_mirror``, or ``[data] mirror`` in a
config) replaces the official hosts: a folder or an http(s) URL holding
``{mirror}/{source}/{path as on the official host}``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from landprofile._atomic import atomic_path
from landprofile.errors import DataSourceError
from landprofile.sources.catalogue import Source, raster_paths, vector_path

__all__ = ["cache_dir", "fetch_file", "mirror", "raster_window", "where"]

#: Bounded waits: a field office with no internet gets its answer in seconds.
TIMEOUT_S = 20
CONNECT_TIMEOUT_S = 8
RETRIES = 2
GDAL_ENV = {
    "GDAL_HTTP_TIMEOUT": str(TIMEOUT_S),
    "GDAL_HTTP_CONNECTTIMEOUT": str(CONNECT_TIMEOUT_S),
    "GDAL_HTTP_MAX_RETRY": str(RETRIES),
    "GDAL_HTTP_RETRY_DELAY": "1",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff",
    "VSI_CACHE": "TRUE",
}


def mirror() -> str | None:
    """The mirror in use (a folder or a URL), or ``None`` for the official hosts."""
    from landprofile._options import options

    m = options.data_mirror or os.environ.get("LANDPROFILE_DATA_MIRROR", "").strip()
    return m or None


def cache_dir() -> Path:
    """``LANDPROFILE_CACHE``, else the user's cache folder (platformdirs)."""
    env = os.environ.get("LANDPROFILE_CACHE", "").strip()
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("landprofile"))


def where(source: Source, path: str) -> tuple[str, str]:
    """``("file", path)`` or ``("http", url)``: where a source's file is read from."""
    m = mirror()
    if m and not m.startswith(("http://", "https://")):
        return "file", str(Path(m).expanduser() / source.mirror_dir / path)
    base = f"{m.rstrip('/')}/{source.mirror_dir}" if m else source.host
    return "http", f"{base}/{path}"


def _advice() -> str:
    return (
        "set LANDPROFILE_DATA_MIRROR to a mirror (a folder or URL), or run "
        "`landprofile data fetch CONFIG --to DIR` where there is internet and use DIR as "
        "the mirror"
    )


def _probe(url: str, what: str) -> bool:
    """Whether ``url`` exists (False: 404) and serves byte ranges; a named error if not."""
    req = urllib.request.Request(url, headers={"Range": "bytes=0-15"})
    last: Exception | None = None
    for attempt in range(RETRIES + 1):
        try:
            with urllib.request.urlopen(req, timeout=CONNECT_TIMEOUT_S) as r:
                if r.status != 206:
                    raise DataSourceError(
                        f"{what}: {url} does not serve byte ranges (HTTP {r.status} to a "
                        "range request): a window cannot be read without downloading the "
                        f"whole tile; {_advice()}"
                    )
                return True
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            last = exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = exc
        time.sleep(0.2 * (attempt + 1))
    reason = getattr(last, "reason", None) or last
    raise DataSourceError(f"{what}: cannot reach {url} ({reason}); {_advice()}")


def _key(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def raster_window(
    source: Source, spec: str, bounds: tuple[float, float, float, float], margin_deg: float
) -> Path:
    """The source's raster over ``bounds`` (+ margin) as a cached GeoTIFF; fetched once."""
    import rasterio
    from rasterio.merge import merge

    w, s, e, n = bounds
    box = (
        round(w - margin_deg, 4),
        round(s - margin_deg, 4),
        round(e + margin_deg, 4),
        round(n + margin_deg, 4),
    )
    name = f"{source.key}:{spec}" if spec else source.key
    if source.key == "stac":
        from landprofile.sources.stac import stac_assets

        located = stac_assets(spec, box)
    else:
        located = [(p, *where(source, p)) for p in raster_paths(source, spec, box)]
    paths = [p for p, _, _ in located]
    target = cache_dir() / source.key / f"{_key(source.key, spec, paths, box, mirror())}.tif"
    if target.exists():
        return target
    opened = []
    missing = []
    with rasterio.Env(**GDAL_ENV):
        try:
            for p, kind, loc in located:
                if kind == "file":
                    if not Path(loc).exists():
                        missing.append(p)
                        continue
                    src = loc
                else:
                    if not _probe(loc, name):
                        missing.append(p)
                        continue
                    src = f"/vsicurl/{loc}"
                try:
                    opened.append(rasterio.open(src))
                except rasterio.errors.RasterioIOError as exc:
                    raise DataSourceError(
                        f"{name}: the tile {p} could not be read ({exc}): a corrupt or "
                        f"partial file on the host or mirror; {_advice()}"
                    ) from None
            if not opened:
                raise DataSourceError(
                    f"{name}: no tile covers {box} (looked for {', '.join(paths)}): the "
                    "area is outside the source (ocean, or beyond its coverage), or the "
                    f"mirror lacks it; {_advice()}"
                )
            try:
                arr, transform = merge(opened, bounds=box, nodata=opened[0].nodata)
            except Exception as exc:  # GDAL read errors mid-way (truncated tile, timeout)
                raise DataSourceError(
                    f"{name}: reading the window failed ({exc}); {_advice()}"
                ) from None
            profile = opened[0].profile.copy()
        finally:
            for ds in opened:
                ds.close()
    profile.update(
        driver="GTiff",
        height=arr.shape[1],
        width=arr.shape[2],
        count=arr.shape[0],
        transform=transform,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(arr)
        dst.update_tags(landprofile_source=name, landprofile_tiles=",".join(paths))
    if missing:
        import warnings

        from landprofile.errors import CoverageWarning, user_stacklevel

        warnings.warn(
            f"{name}: {len(missing)} of the {len(paths)} tiles around the landscape do not "
            f"exist ({', '.join(missing)}): that area has no data (ocean?)",
            CoverageWarning,
            stacklevel=user_stacklevel(),
        )
    return target


def fetch_file(source: Source, spec: str) -> Path:
    """A vector (or whole-file) source, from the mirror folder or downloaded once."""
    path = vector_path(source, spec)
    name = f"{source.key}:{spec}"
    kind, loc = where(source, path)
    if kind == "file":
        if not Path(loc).exists():
            raise DataSourceError(f"{name}: the mirror has no {path} (looked at '{loc}')")
        return Path(loc)
    target = cache_dir() / source.mirror_dir / path
    if target.exists():
        return target
    last: Exception | None = None
    for attempt in range(RETRIES + 1):
        try:
            with urllib.request.urlopen(loc, timeout=TIMEOUT_S) as r, atomic_path(target) as tmp:
                total = int(r.headers.get("Content-Length") or 0)
                with open(tmp, "wb") as fh:
                    _copy(r, fh, total, name)
            return target
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise DataSourceError(f"{name}: {loc} does not exist (HTTP 404)") from None
            last = exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = exc
        time.sleep(0.5 * (attempt + 1))
    reason = getattr(last, "reason", None) or last
    raise DataSourceError(f"{name}: cannot reach {loc} ({reason}); {_advice()}")


def _copy(r: Any, fh: Any, total: int, name: str) -> None:
    """Copy a download, showing progress on a terminal for long ones."""
    import sys

    done = 0
    shown = time.monotonic()
    while chunk := r.read(1 << 20):
        fh.write(chunk)
        done += len(chunk)
        if sys.stderr.isatty() and time.monotonic() - shown > 1:
            pct = f" {100 * done / total:.0f} %" if total else ""
            print(f"\r  {name}: {done / 1e6:,.1f} MB{pct}", end="", file=sys.stderr)
            shown = time.monotonic()
    if sys.stderr.isatty() and done > 1e6:
        print(file=sys.stderr)


def copy_into(src: Path, dst: Path) -> None:
    """Copy a file into a mirror folder, atomically."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
