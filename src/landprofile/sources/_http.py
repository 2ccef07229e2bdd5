"""Download primitives: bounded waits, verified files, local write errors named as such.

Every whole-file download goes through :func:`download`: it streams into a temporary file
beside the target and renames it into place only once the file is known good — as long as
the server said (``Content-Length``), not an HTML page served with status 200 (a login,
quota or error page), starting with the bytes its format starts with, and opening with
the reader that will read it (pyogrio or rasterio). A cut, slow or refused transfer never
lands in the cache, so the cache cannot be poisoned by one.

Waits are bounded three ways, each configurable by environment variable:

``LANDPROFILE_HTTP_IDLE_S`` (30)
    No byte at all for this long (connecting included) aborts the transfer.
``LANDPROFILE_HTTP_LOW_SPEED_BPS`` (1024) and ``LANDPROFILE_HTTP_LOW_SPEED_S`` (30)
    Fewer than ``BPS`` bytes a second on average over ``S`` seconds aborts it: a trickle
    that never quite stops is a stall too.
``LANDPROFILE_HTTP_TOTAL_S`` (21600, six hours)
    The whole transfer; large enough for a HydroBASINS region on a slow line, because
    the low-speed limit, not this, is what catches a dead connection.

The same limits are given to GDAL (``GDAL_HTTP_LOW_SPEED_*``) for windowed reads.
"""

from __future__ import annotations

import errno
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landprofile.errors import CacheError, DataSourceError, LandprofileError, OutputError
from landprofile.sources._checksum import md5_of, published_md5

__all__ = [
    "CONNECT_TIMEOUT_S",
    "RETRIES",
    "Limits",
    "check_file",
    "download",
    "ensure_dir",
    "gdal_env",
    "limits",
    "local_write_error",
]

CONNECT_TIMEOUT_S = 8
RETRIES = 2
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """How long a download may wait (seconds) and how slow it may go (bytes/s)."""

    idle_s: float = 30.0
    low_speed_bps: float = 1024.0
    low_speed_s: float = 30.0
    total_s: float = 6 * 3600.0


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        from landprofile.errors import InvalidParameterError

        raise InvalidParameterError(f"{name}={raw!r}: expected a number") from None
    if value <= 0:
        from landprofile.errors import InvalidParameterError

        raise InvalidParameterError(f"{name}={raw!r}: expected a number above 0")
    return value


def limits() -> Limits:
    """The limits in effect (read from the environment at each call, so tests can set them)."""
    d = Limits()
    return Limits(
        idle_s=_env_float("LANDPROFILE_HTTP_IDLE_S", d.idle_s),
        low_speed_bps=_env_float("LANDPROFILE_HTTP_LOW_SPEED_BPS", d.low_speed_bps),
        low_speed_s=_env_float("LANDPROFILE_HTTP_LOW_SPEED_S", d.low_speed_s),
        total_s=_env_float("LANDPROFILE_HTTP_TOTAL_S", d.total_s),
    )


def gdal_env() -> dict[str, str]:
    """GDAL's HTTP settings for windowed reads, with the same limits as :func:`download`."""
    lim = limits()
    return {
        # GDAL_HTTP_TIMEOUT is curl's cap on a whole request: a 1024-px block from a slow
        # host (4 MB of float32 at 64 KB/s is a minute) must not be cut while it moves,
        # so it is the total limit; what cuts a stall is curl's low-speed pair, whose
        # time is the idle limit when that is shorter (a host sending nothing at all is
        # below any speed, and is given up within LANDPROFILE_HTTP_IDLE_S)
        "GDAL_HTTP_TIMEOUT": str(max(1, round(lim.total_s))),
        "GDAL_HTTP_CONNECTTIMEOUT": str(max(1, round(min(CONNECT_TIMEOUT_S, lim.idle_s)))),
        "GDAL_HTTP_LOW_SPEED_LIMIT": str(max(1, round(lim.low_speed_bps))),
        "GDAL_HTTP_LOW_SPEED_TIME": str(max(1, round(min(lim.idle_s, lim.low_speed_s)))),
        "GDAL_HTTP_MAX_RETRY": str(RETRIES),
        "GDAL_HTTP_RETRY_DELAY": "1",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff",
        "VSI_CACHE": "TRUE",
    }


def local_write_error(path: Path, exc: BaseException, *, cache: bool) -> LandprofileError:
    """A named error for a failed local write at ``path`` (never "cannot reach").

    ``cache=True`` gives a :class:`CacheError` that points at ``LANDPROFILE_CACHE``;
    otherwise an :class:`OutputError` (a mirror folder the user chose).
    """
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    where = "set LANDPROFILE_CACHE to another folder" if cache else "choose another folder"
    # an error already named by _atomic (OutputError) or GDAL's carries no errno: its text
    if code == errno.ENOSPC or "no space" in text or "disk space" in text:
        why = f"the disk is full: free some space there, or {where}"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or (
        code is None and ("permission denied" in text or "read-only" in text)
    ):
        why = f"the folder is not writable: {where}, one you can write to"
    elif code in (errno.ENOTDIR, errno.EEXIST) or "not a directory" in text:
        why = f"a part of that path is a file, not a folder: {where}"
    else:
        reason = getattr(exc, "strerror", None) or str(exc)
        why = f"{reason}; {where}"
    cls = CacheError if cache else OutputError
    what = "the cache" if cache else "the mirror"
    return cls(f"{what} cannot be written at '{path}': {why}")


def ensure_dir(folder: Path, *, cache: bool) -> None:
    """Create ``folder`` (and parents), or raise a named error saying which part is wrong."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # name the part of the path that is a regular file: "LANDPROFILE_CACHE is a file"
        for part in (folder, *folder.parents):
            if part.exists() and not part.is_dir():
                label = "LANDPROFILE_CACHE" if cache else "the folder"
                cls = CacheError if cache else OutputError
                fix = "set LANDPROFILE_CACHE to a folder" if cache else "choose a folder"
                raise cls(
                    f"{label} '{part}' is a regular file, not a folder, so '{folder}' cannot "
                    f"be made: {fix} (or move the file away)"
                ) from None
        raise local_write_error(folder, exc, cache=cache) from None


# ------------------------------------------------------------------------ verification

#: What each kind of file starts with.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".zip": (b"PK\x03\x04",),
    ".tif": (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"),
    ".gpkg": (b"SQLite format 3\x00",),
    ".geojson": (b"{",),
    ".json": (b"{", b"["),
}
_MAGIC[".tiff"] = _MAGIC[".tif"]


def _looks_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml", b"<body"))


def check_file(path: Path, name: str, url: str, *, suffix: str | None = None) -> None:
    """Refuse a downloaded file that is not what its name says; a named error if so.

    Checks that it is not an HTML page, that it starts with its format's magic bytes and
    that it opens (rasterio for GeoTIFFs, pyogrio for vector files).

    Raises
    ------
    DataSourceError
        Naming the source, the URL and what was found instead.
    """
    suffix = (suffix or Path(url.split("?", 1)[0]).suffix).lower()
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        raise DataSourceError(f"{name}: {url} sent an empty file; it was not kept")
    if _looks_html(head):
        raise DataSourceError(
            f"{name}: {url} sent a web page, not the data (a login, quota or error page "
            "served as a success); it was not kept. Check the URL or the mirror"
        )
    if head.startswith(b"version https://git-lfs.github.com/spec/"):
        raise DataSourceError(
            f"{name}: {url} is a Git LFS pointer ({len(head)} bytes), not the file: the "
            "repository or mirror serves LFS files without their content (a clone made "
            "without git-lfs; `git lfs pull` in it); it was not kept"
        )
    magic = _MAGIC.get(suffix)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n") if suffix in (".geojson", ".json") else head
    if magic and not stripped.startswith(magic):
        raise DataSourceError(
            f"{name}: {url} does not hold a {suffix} file (it starts with {head[:16]!r}); "
            "it was not kept"
        )
    try:
        if suffix in (".tif", ".tiff"):
            import rasterio

            with rasterio.open(path):
                pass
        elif suffix in (".zip", ".gpkg", ".geojson", ".json", ".shp", ".fgb"):
            import pyogrio

            if not len(pyogrio.list_layers(path)):
                raise ValueError("no layer")
    except Exception as exc:  # any reader failure means the same: not a usable file
        raise DataSourceError(
            f"{name}: {url} sent a file that does not open ({exc}); it was not kept"
        ) from None


# --------------------------------------------------------------------------- transfer


class _CutError(Exception):
    """The transfer stopped early or stalled (a network condition: retried)."""


def _write_chunk(fh: Any, chunk: bytes) -> None:
    """One write to the temporary file (a function, so a full disk can be simulated)."""
    fh.write(chunk)


def _stream(r: Any, fh: Any, lim: Limits, total: int, name: str) -> int:
    """Copy a response to ``fh`` within ``lim``; the number of bytes copied."""
    import sys

    start = time.monotonic()
    marks: list[tuple[float, int]] = [(start, 0)]  # (time, bytes so far) to measure speed
    done = 0
    shown = start
    while True:
        try:
            chunk = r.read1(_CHUNK) if hasattr(r, "read1") else r.read(_CHUNK)
        except TimeoutError:
            raise _CutError(f"no byte for {lim.idle_s:g} s (LANDPROFILE_HTTP_IDLE_S)") from None
        if not chunk:
            return done
        try:
            _write_chunk(fh, chunk)
        except OSError as exc:
            raise _LocalWriteError(exc) from None
        done += len(chunk)
        now = time.monotonic()
        if now - start > lim.total_s:
            raise _CutError(f"longer than {lim.total_s:g} s in all (LANDPROFILE_HTTP_TOTAL_S)")
        marks.append((now, done))
        while len(marks) > 2 and now - marks[1][0] >= lim.low_speed_s:
            marks.pop(0)
        t0, b0 = marks[0]
        if now - t0 >= lim.low_speed_s and (done - b0) / (now - t0) < lim.low_speed_bps:
            raise _CutError(
                f"slower than {lim.low_speed_bps:g} bytes/s for {lim.low_speed_s:g} s "
                "(LANDPROFILE_HTTP_LOW_SPEED_BPS, LANDPROFILE_HTTP_LOW_SPEED_S)"
            )
        if sys.stderr.isatty() and now - shown > 1:
            pct = f" {100 * done / total:.0f} %" if total else ""
            print(f"\r  {name}: {done / 1e6:,.1f} MB{pct}", end="", file=sys.stderr)
            shown = now


class _MismatchError(Exception):
    """The file's MD5 is not the one the host published (retried from the first byte)."""


class _LocalWriteError(Exception):
    """Writing the temporary file failed (local: never retried, never "cannot reach")."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(str(exc))
        self.exc = exc


def download(url: str, target: Path, name: str, advice: str, *, cache: bool = True) -> Path:
    """Download ``url`` to ``target``, verified, atomically; ``target`` on success.

    Parameters
    ----------
    url
        An http(s) URL.
    target
        Where the file goes; nothing is ever written there but a verified file.
    name
        The data name, for messages.
    advice
        What to do when the host cannot be reached (appended to that message).
    cache
        Whether ``target`` is in the cache (a write failure is a :class:`CacheError`) or
        in a folder the user chose (:class:`OutputError`).

    Raises
    ------
    DataSourceError
        The host is unreachable, says 404, cuts or stalls the transfer (after retries), or
        sends something that is not the file.
    CacheError, OutputError
        The file cannot be written locally.
    """
    import os

    from landprofile._atomic import owner_tag, remove_stale

    lim = limits()
    ensure_dir(target.parent, cache=cache)
    remove_stale(target)  # a killed download's partial file (its process is gone)
    # one partial file across the attempts: a cut transfer resumes where it stopped when
    # the host serves byte ranges (HTTP 206 to "Range: bytes=N-"), else starts again
    part = target.with_name(f".{target.name}.{owner_tag()}.part")
    last = mismatch = ""
    mismatches = 0
    try:
        for attempt in range(RETRIES + 1):
            try:
                have = part.stat().st_size if part.exists() else 0
                req = urllib.request.Request(url)
                if have:
                    req.add_header("Range", f"bytes={have}-")
                # the socket timeout is the idle limit: it bounds the connection and each read
                with urllib.request.urlopen(req, timeout=lim.idle_s) as r:
                    ctype = (r.headers.get("Content-Type") or "").lower()
                    if "text/html" in ctype:
                        raise DataSourceError(
                            f"{name}: {url} sent a web page (Content-Type {ctype}), not the "
                            "data (a login, quota or error page served as a success); "
                            "nothing was kept. Check the URL or the mirror"
                        )
                    resumed = have and r.status == 206
                    size = int(r.headers.get("Content-Length") or 0)
                    total = (have + size if size else 0) if resumed else size
                    try:
                        with open(part, "ab" if resumed else "wb") as fh:
                            got = (have if resumed else 0) + _stream(r, fh, lim, total, name)
                    except OSError as exc:
                        raise _LocalWriteError(exc) from None
                    if total and got != total:
                        raise _CutError(f"the transfer was cut short: {got} of {total} bytes")
                    published = published_md5(r.headers, r.status)
                got_md5 = md5_of(part) if published else ""
                if published and got_md5 != published[0]:
                    # a resumed part of an older version, or bytes damaged on the way:
                    # start again from the first byte
                    part.unlink(missing_ok=True)
                    raise _MismatchError(
                        f"its MD5 {got_md5} does not match {published[1]} that the host sent"
                    )
                check_file(part, name, url, suffix=target.suffix)
                try:
                    os.replace(part, target)
                except OSError as exc:
                    raise _LocalWriteError(exc) from None
                return target
            except LandprofileError:  # named already (and an OSError too: not retried)
                raise
            except _LocalWriteError as exc:
                raise local_write_error(target, exc.exc, cache=cache) from None
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise DataSourceError(f"{name}: {url} does not exist (HTTP 404)") from None
                if exc.code == 416:  # the partial file is not a prefix any more: restart
                    part.unlink(missing_ok=True)
                last = f"HTTP {exc.code}"
                if exc.code < 500 and exc.code not in (416, 429):  # refused, not transient
                    break
            except _MismatchError as exc:
                last = mismatch = str(exc)
                mismatches += 1
                if mismatches == 2:  # twice from the first byte: the host's file is not it
                    break
            except _CutError as exc:
                last = str(exc)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = str(getattr(exc, "reason", None) or exc)
            except OSError as exc:  # socket errors
                last = str(exc)
            except Exception as exc:  # http.client errors (IncompleteRead, BadStatusLine...)
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5 * (attempt + 1))
    finally:
        part.unlink(missing_ok=True)  # on success it was renamed: nothing half-written stays
    if mismatch and mismatch == last:
        from landprofile.errors import ChecksumError

        raise ChecksumError(
            f"{name}: the file downloaded from {url} is not the one its host describes: "
            f"{mismatch} ({mismatches} downloads from the first byte); nothing was kept in "
            f"'{target.parent}'"
        )
    raise DataSourceError(f"{name}: cannot download {url} ({last}); {advice}")
