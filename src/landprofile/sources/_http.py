"""Download primitives: bounded waits, verified files, local write errors named as such.

Every whole-file download goes through :func:`download`: it streams into a temporary file
beside the target and renames it into place only once the file is known good — as long as
the host said, resumed only where the host proved the range it sent
(:mod:`~landprofile.sources._http_resume`), checked end to end when no length was stated
(a ``HEAD``, else a second read), matching the checksum the host published
(:mod:`~landprofile.sources._checksum`), not an HTML page served with status 200, and
opening as the format it is, by its content (:mod:`~landprofile.sources._http_check`).
A cut, slow, refused or lying transfer never lands in the cache, so the cache cannot be
poisoned by one; a damaged file already in the cache is named as such and fetched again.

The waits are bounded by the ``LANDPROFILE_HTTP_*`` settings
(:mod:`~landprofile.sources._http_limits`).
"""

from __future__ import annotations

import errno
import os
import time
import urllib.error
from pathlib import Path

from landprofile.errors import CacheError, DataSourceError, LandprofileError, OutputError
from landprofile.sources._checksum import md5_of, published_md5
from landprofile.sources._http_check import cache_damage, check_file, damaged_entry_error
from landprofile.sources._http_limits import (
    CONNECT_TIMEOUT_S,
    RETRIES,
    Limits,
    gdal_env,
    limits,
)
from landprofile.sources._http_resume import (
    CutError,
    LocalWriteError,
    Part,
    Restart,
    head_length,
    reread,
    transfer,
)

__all__ = [
    "CONNECT_TIMEOUT_S",
    "RETRIES",
    "Limits",
    "cache_damage",
    "check_file",
    "download",
    "ensure_dir",
    "gdal_env",
    "limits",
    "local_write_error",
    "usable_cached",
]


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


def usable_cached(target: Path) -> bool:
    """Whether the cached file ``target`` is there and sound (else it is fetched again).

    A damaged entry (a disk fault, a copy cut short outside landprofile) is not used;
    :func:`download` then names it if the fresh copy cannot be had.
    """
    return target.is_file() and cache_damage(target) is None


class _MismatchError(Exception):
    """The file's MD5 is not the one the host published (retried from the first byte)."""


def _verify(url: str, part: Part, status: int, headers: object, lim: Limits, name: str) -> None:
    """Check a complete transfer end to end; an exception of the retry loop if it fails."""
    published = published_md5(headers, status)
    if published:
        got_md5 = md5_of(part.path)
        if got_md5 != published[0]:
            # a resumed part of an older version, or bytes damaged on the way
            part.reset()
            raise _MismatchError(
                f"its MD5 {got_md5} does not match {published[1]} that the host sent"
            )
        return
    if part.proved:  # the length the host stated, every byte in its place
        return
    # no length stated (or an encoded body): a cut looks like an end. A second opinion:
    # the length a HEAD states, else the same bytes from a second read
    size = part.path.stat().st_size
    encoded = bool((getattr(headers, "get", lambda k: None)("Content-Encoding") or "").strip())
    stated = None if encoded else head_length(url, lim)
    if stated is not None:
        if stated != size:
            part.reset()
            raise CutError(
                f"the transfer was cut short: {size:,} bytes, where the host's HEAD states "
                f"{stated:,} (the download itself stated no length)"
            )
        return
    try:
        reread(url, part, lim, name)
    except CutError:
        part.reset()
        raise


def download(url: str, target: Path, name: str, advice: str, *, cache: bool = True) -> Path:
    """Download ``url`` to ``target``, verified, atomically; ``target`` on success.

    Parameters
    ----------
    url
        An http(s) URL.
    target
        Where the file goes; nothing is ever written there but a verified file. A sound
        file already there is kept (no byte is asked for); a damaged one is replaced.
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
        sends something that is not the file. When a damaged cached copy was to be
        replaced, the message names it first.
    CacheError, OutputError
        The file cannot be written locally.
    """
    damaged = cache_damage(target) if target.is_file() else None
    if target.is_file() and damaged is None:
        return target
    try:
        return _download(url, target, name, advice, cache=cache)
    except LandprofileError as exc:
        if damaged is None:
            raise
        raise damaged_entry_error(target, name, damaged, exc) from None


def _download(url: str, target: Path, name: str, advice: str, *, cache: bool) -> Path:
    from landprofile._atomic import owner_tag, remove_stale

    lim = limits()
    ensure_dir(target.parent, cache=cache)
    remove_stale(target)  # a killed download's partial file (its process is gone)
    # one partial file across the attempts: a cut transfer resumes where it stopped when
    # the host proves the range it sends, else starts again
    part = Part(target.with_name(f".{target.name}.{owner_tag()}.part"))
    last = mismatch = ""
    mismatches = 0
    try:
        for attempt in range(RETRIES + 1):
            try:
                status, headers = transfer(url, part, lim, name)
                _verify(url, part, status, headers, lim, name)
                check_file(part.path, name, url, suffix=target.suffix, deep=True)
                try:
                    os.replace(part.path, target)
                except OSError as exc:
                    raise LocalWriteError(exc) from None
                return target
            except LandprofileError:  # named already (and an OSError too: not retried)
                raise
            except LocalWriteError as exc:
                raise local_write_error(target, exc.exc, cache=cache) from None
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise DataSourceError(f"{name}: {url} does not exist (HTTP 404)") from None
                if exc.code == 416:  # the partial file is not a prefix any more: restart
                    part.reset()
                last = f"HTTP {exc.code}"
                if exc.code < 500 and exc.code not in (416, 429):  # refused, not transient
                    break
            except Restart as exc:  # the range was not proved: from the first byte
                part.reset()
                last = f"a resumed transfer was refused: {exc}"
                continue  # a host's lie is not a network condition: no pause
            except _MismatchError as exc:
                last = mismatch = str(exc)
                mismatches += 1
                if mismatches == 2:  # twice from the first byte: the host's file is not it
                    break
            except CutError as exc:
                last = str(exc)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = str(getattr(exc, "reason", None) or exc)
            except OSError as exc:  # socket errors
                last = str(exc)
            except Exception as exc:  # http.client errors (IncompleteRead, BadStatusLine...)
                last = f"{type(exc).__name__}: {exc}"
                if not part.proved:
                    part.reset()
            time.sleep(0.5 * (attempt + 1))
    finally:
        part.path.unlink(missing_ok=True)  # on success it was renamed: nothing half-written
    if mismatch and mismatch == last:
        from landprofile.errors import ChecksumError

        raise ChecksumError(
            f"{name}: the file downloaded from {url} is not the one its host describes: "
            f"{mismatch} ({mismatches} downloads from the first byte); nothing was kept in "
            f"'{target.parent}'"
        )
    raise DataSourceError(f"{name}: cannot download {url} ({last}); {advice}")
