"""Where named data lives: the cache folder, the mirror (a folder or a URL), the host.

The bottom of :mod:`landprofile.sources` (it imports only :mod:`~landprofile.sources._http`):
every reader asks here where a file of its source is, whether a tile exists there, and
what to tell the user when it does not.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from landprofile.errors import DataSourceError
from landprofile.sources._http import CONNECT_TIMEOUT_S, RETRIES, limits

__all__ = [
    "CACHE_VERSION",
    "cache_dir",
    "catalogue_dir",
    "exists",
    "gdal_path",
    "mirror",
    "mirrored_catalogue",
    "where",
]

#: Version of the window cache's layout: entries written before windows were grid-true
#: (version 1, shifted by the rounded box corner) are never read again.
CACHE_VERSION = 2


def mirror() -> str | None:
    """The mirror in use (a folder or a URL), or ``None`` for the official hosts."""
    from landprofile._options import options

    m = options.data_mirror or os.environ.get("LANDPROFILE_DATA_MIRROR", "").strip()
    return m or None


def cache_dir() -> Path:
    """``LANDPROFILE_CACHE``, else the user's cache folder (platformdirs)."""
    env = os.environ.get("LANDPROFILE_CACHE", "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("landprofile"))


def _mirror_folder(m: str) -> Path:
    """The mirror folder, checked: a missing disk is not "the ocean"."""
    from landprofile._options import options

    how = (
        "lp.options.data_mirror / [data] mirror"
        if options.data_mirror
        else ("LANDPROFILE_DATA_MIRROR")
    )
    if m.startswith("file://"):
        m = m.removeprefix("file://")
    elif "://" in m:
        raise DataSourceError(
            f"the data mirror {m!r} ({how}) uses a scheme landprofile does not read: give a "
            "folder or an http(s):// URL"
        )
    folder = Path(m).expanduser()
    if not folder.exists():
        raise DataSourceError(
            f"the data mirror folder '{folder}' ({how}) does not exist: is its disk "
            "unmounted, or the path mistyped? Mount it, or correct the setting"
        )
    if not folder.is_dir():
        raise DataSourceError(
            f"the data mirror '{folder}' ({how}) is a file, not a folder: give the folder "
            "that `landprofile data fetch --to` wrote"
        )
    return folder


def where(source: Any, path: str) -> tuple[str, str]:
    """``("file", path)`` or ``("http", url)``: where a file of ``source`` is read from.

    ``source`` is a catalogue :class:`~landprofile.sources.catalogue.Source`.

    Raises
    ------
    DataSourceError
        The mirror folder is missing (an unmounted disk), a file, or of a scheme that is
        neither a folder nor http(s).
    """
    m = mirror()
    if m and not m.startswith(("http://", "https://")):
        return "file", str(_mirror_folder(m) / source.mirror_dir / path)
    base = f"{m.rstrip('/')}/{source.mirror_dir}" if m else source.host
    return "http", f"{base}/{path}"


def _advice() -> str:
    from landprofile._options import options

    m = mirror()
    if m:  # a mirror is set already: telling the user to set one would mislead
        how = (
            "lp.options.data_mirror / [data] mirror"
            if options.data_mirror
            else ("LANDPROFILE_DATA_MIRROR")
        )
        if m.startswith(("http://", "https://")):
            return (
                f"the data mirror in use ({m}, from {how}) cannot serve it: check that the "
                "server is up and holds it, or unset the mirror to read the official hosts"
            )
        return (
            f"the data mirror in use ({m}, from {how}) lacks it: refresh the mirror with "
            f"`landprofile data fetch CONFIG --to {m}` where there is internet, or unset "
            "the mirror to read the official hosts"
        )
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
                if "text/html" in (r.headers.get("Content-Type") or "").lower():
                    raise DataSourceError(
                        f"{what}: {url} sent a web page, not a tile (a login, quota or "
                        f"error page served as a success); {_advice()}"
                    )
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
        except DataSourceError:
            raise
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = exc
        time.sleep(0.2 * (attempt + 1))
    reason = getattr(last, "reason", None) or last
    raise DataSourceError(f"{what}: cannot reach {url} ({reason}); {_advice()}")


def exists(kind: str, loc: str, what: str) -> bool:
    """Whether a tile is there: a file in the mirror folder, or a URL that is not 404.

    An ``s3`` location (a STAC asset as ``/vsis3/``) is not probed: GDAL opening it says.
    """
    if kind == "s3":
        return True
    return Path(loc).is_file() if kind == "file" else _probe(loc, what)


def gdal_path(kind: str, loc: str) -> str:
    """The path GDAL opens for a location: a file or ``/vsis3/`` as is, a URL by ``/vsicurl/``."""
    return f"/vsicurl/{loc}" if kind == "http" else loc


def catalogue_dir(url: str) -> str:
    """The folder of a catalogue's copy inside a mirror: ``stac/{host-path}-{hash}``.

    Readable (the host and path, slugged) and unique (a hash of the whole URL).
    """
    u = urlparse(url)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{u.netloc}{u.path}").strip("-")[:60] or "catalogue"
    return f"stac/{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def mirrored_catalogue(url: str, name: str) -> str | None:
    """The mirror's copy of catalogue ``url`` (its ``catalog.json``), or ``None``.

    Raises
    ------
    DataSourceError
        The mirror is set but cannot be read (a missing folder, an unreachable server).
    """
    m = mirror()
    if not m:
        return None
    rel = f"{catalogue_dir(url)}/catalog.json"
    if not m.startswith(("http://", "https://")):
        path = _mirror_folder(m) / rel
        return str(path) if path.is_file() else None
    href = f"{m.rstrip('/')}/{rel}"
    try:
        with urllib.request.urlopen(href, timeout=limits().idle_s):
            return href
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise DataSourceError(
            f"{name}: the data mirror answered HTTP {exc.code} for {href}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataSourceError(
            f"{name}: the data mirror {m} cannot be reached ({reason}): check that the "
            "server is up, or unset the mirror"
        ) from None
