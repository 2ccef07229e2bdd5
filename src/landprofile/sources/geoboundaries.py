"""geoBoundaries as its host serves it: through the official API, pinned to a commit.

How the host really is (geoboundaries.org "API" page; the wmgeolab/geoBoundaries
repository's README):

- ``https://www.geoboundaries.org/api/current/gbOpen/{ISO3}/ADM{n}/`` answers a JSON
  record per boundary whose ``gjDownloadURL`` and ``simplifiedGeometryGeoJSON`` point at
  the GeoJSON files of one **commit** of the repository (``.../raw/{commit}/...``), not
  at the moving ``main`` branch, and whose ``boundaryLicense`` is the boundary's own
  licence (often ODbL or CC BY-SA, not the collection's CC BY 4.0).
- The repository stores the files with **Git LFS**: a clone or mirror made without LFS
  holds 133-byte pointer files ("version https://git-lfs.github.com/spec/v1 ..."), not
  boundaries. Those are refused by name.
- The simplified geometry is a tenth of the size (Ghana ADM2: about 3 MB against 27 MB)
  and is what a landscape profile at 1:250,000 needs; ``geoboundaries:GHA/ADM2/full``
  asks for the full one.

A mirror holds ``geoboundaries/releaseData/gbOpen/{ISO3}/ADM{n}/geoBoundaries-{ISO3}-
ADM{n}[_simplified].geojson`` with the API record beside it (``....meta.json``).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from landprofile.errors import DataSourceError, InvalidParameterError

__all__ = [
    "API",
    "META",
    "api_record",
    "check_not_lfs",
    "copy_meta",
    "download_meta",
    "download_url",
    "fetch_official",
    "meta_for",
    "mirror_path",
    "parse",
]

API = "https://www.geoboundaries.org/api/current/gbOpen"
#: The suffix of the API record kept beside a boundary file (cache and mirror).
META = ".meta.json"
#: What of the API record is kept: the boundary's identity, licence, source and date.
_KEPT = ("boundaryID", "boundaryLicense", "boundarySource", "boundaryYearRepresented", "buildDate")
#: The first bytes of a Git LFS pointer file (git-lfs specification v1).
LFS_MAGIC = b"version https://git-lfs.github.com/spec/"


def parse(spec: str) -> tuple[str, int, bool]:
    """``ISO3/ADMn[/full]`` → ``(ISO3, n, full)``."""
    m = re.fullmatch(r"([A-Za-z]{3})/ADM([0-5])(/full)?", spec)
    if not m:
        raise InvalidParameterError(
            f"geoboundaries:{spec}: expected ISO3/ADMn[/full], e.g. geoboundaries:GHA/ADM2 "
            "(simplified geometry) or geoboundaries:GHA/ADM2/full"
        )
    return m.group(1).upper(), int(m.group(2)), bool(m.group(3))


def mirror_path(spec: str) -> str:
    """The file's path as in the repository (and in a mirror)."""
    iso, lev, full = parse(spec)
    suffix = "" if full else "_simplified"
    return f"releaseData/gbOpen/{iso}/ADM{lev}/geoBoundaries-{iso}-ADM{lev}{suffix}.geojson"


def api_record(spec: str, *, base: str = API, timeout_s: float = 20.0) -> dict[str, Any]:
    """The API's record of a boundary (download URLs, licence, source, year)."""
    iso, lev, _ = parse(spec)
    url = f"{base.rstrip('/')}/{iso}/ADM{lev}/"
    name = f"geoboundaries:{spec}"
    body = _read_record(url, name, iso, lev, timeout_s)
    try:
        rec = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DataSourceError(
            f"{name}: the geoBoundaries API at {url} did not answer JSON (an error page?)"
        ) from None
    if isinstance(rec, list):  # the API answers a list for ALL, a record otherwise
        rec = rec[0] if rec else {}
    if not isinstance(rec, dict) or "gjDownloadURL" not in rec:
        raise DataSourceError(f"{name}: the geoBoundaries API record has no gjDownloadURL")
    return rec


#: tries of the API record when its body comes cut short (a dropped connection)
RECORD_TRIES = 3


def _read_record(url: str, name: str, iso: str, lev: int, timeout_s: float) -> bytes:
    """The API record's body, whole: a body shorter than its Content-Length is asked again.

    A record cut short is not JSON; without this it was reported as "did not answer JSON
    (an error page?)", blaming the host's content for a dropped connection.
    """
    import http.client

    for attempt in range(1, RECORD_TRIES + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as r:
                stated = r.headers.get("Content-Length")
                body = r.read(2_000_000)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise DataSourceError(
                    f"{name}: geoBoundaries has no ADM{lev} for {iso} (HTTP 404 from {url})"
                ) from None
            raise DataSourceError(
                f"{name}: the geoBoundaries API answered HTTP {exc.code}"
            ) from None
        except http.client.IncompleteRead as exc:
            body, stated = exc.partial, str(len(exc.partial) + (exc.expected or 1))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DataSourceError(f"{name}: cannot reach {url} ({reason})") from None
        if stated is None or not stated.isdigit() or len(body) >= int(stated):
            return body
        if attempt == RECORD_TRIES:
            raise DataSourceError(
                f"{name}: the geoBoundaries API record at {url} came cut short {RECORD_TRIES} "
                f"times ({len(body):,} of {int(stated):,} bytes); try again later"
            )
    raise AssertionError("unreachable")


def download_url(record: dict[str, Any], spec: str) -> str:
    """The commit-pinned URL of the file asked (simplified unless ``/full``)."""
    _, _, full = parse(spec)
    key = "gjDownloadURL" if full else "simplifiedGeometryGeoJSON"
    url = record.get(key) or record.get("gjDownloadURL")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise DataSourceError(f"geoboundaries:{spec}: the API record has no {key} URL")
    return url


def licence(record: dict[str, Any]) -> str:
    """The boundary's own licence, as the API states it."""
    return str(record.get("boundaryLicense") or "see the boundary's metadata")


def check_not_lfs(path: Path, name: str) -> None:
    """Refuse a Git LFS pointer where a boundary file should be."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(LFS_MAGIC))
    except OSError:
        return
    if head == LFS_MAGIC:
        raise DataSourceError(
            f"{name}: '{path}' is a Git LFS pointer ({path.stat().st_size} bytes), not the "
            "boundary file: the geoBoundaries mirror was cloned without git-lfs; run "
            "`git lfs pull` in it, or make the mirror with `landprofile data fetch`"
        )


# ------------------------------------------------------- the record beside the boundary


def _record_of(raw: bytes) -> dict[str, Any] | None:
    """A kept API record (a JSON object), else ``None``."""
    try:
        rec = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return rec if isinstance(rec, dict) else None


def _write_record(rec: dict[str, Any], dst: Path, *, cache: bool) -> None:
    from landprofile._atomic import atomic_path
    from landprofile.errors import OutputError
    from landprofile.sources._http import ensure_dir, local_write_error

    ensure_dir(dst.parent, cache=cache)
    try:
        with atomic_path(dst) as tmp:
            tmp.write_text(json.dumps(rec, indent=1), encoding="utf-8")
    except OutputError as exc:
        raise local_write_error(dst.parent, exc, cache=cache) from None
    except OSError as exc:
        raise local_write_error(dst, exc, cache=cache) from None


def fetch_official(
    spec: str, target: Path, name: str, advice: str, *, api: str | None = None
) -> Path:
    """Download a boundary through the official API, with its record kept beside it.

    The commit-pinned file (simplified unless ``/full``) goes to ``target``, verified and
    never an LFS pointer; the record's licence and source go to ``target`` + ``.meta.json``.
    """
    from landprofile.sources._http import download, limits

    rec = api_record(spec, base=api or API, timeout_s=limits().idle_s)
    url = download_url(rec, spec)
    download(url, target, name, advice, cache=True)
    try:
        check_not_lfs(target, name)
    except DataSourceError:
        target.unlink(missing_ok=True)  # never kept as if it were the boundary
        raise
    kept = {k: rec.get(k) for k in _KEPT}
    _write_record(kept | {"url": url}, target.with_name(target.name + META), cache=True)
    return target


def download_meta(url: str, target: Path) -> None:
    """The record beside a boundary on an HTTP mirror (``url`` + ``.meta.json``), if any.

    Optional: without it the boundary is cited with the collection's licence.
    """
    from landprofile.sources._http import limits

    try:
        with urllib.request.urlopen(f"{url}{META}", timeout=limits().idle_s) as r:
            rec = _record_of(r.read(1_000_000))
    except (urllib.error.URLError, TimeoutError, OSError):
        return
    if rec is not None:
        _write_record(rec, target.with_name(target.name + META), cache=True)


def copy_meta(src: Path, dst: Path, name: str) -> list[Path]:
    """Copy the record beside boundary ``src`` to beside ``dst``; the files written.

    The record carries the boundary's own licence and source, which a run from the
    mirror cites.

    Raises
    ------
    DataSourceError
        The record beside ``src`` is not a JSON object.
    OutputError
        The mirror cannot be written.
    """
    meta = src.with_name(src.name + META)
    if not meta.is_file():
        return []
    rec = _record_of(meta.read_bytes())
    if rec is None:
        raise DataSourceError(f"{name}: '{meta}' is not a geoBoundaries API record (JSON)")
    out = dst.with_name(dst.name + META)
    _write_record(rec, out, cache=False)
    return [out]


def meta_for(source: Any, spec: str) -> dict[str, Any]:
    """The record kept beside a boundary: in the cache, or beside it in a mirror folder.

    ``source`` is the catalogue's geoBoundaries :class:`~landprofile.sources.catalogue.Source`.
    """
    from landprofile.sources._store import cache_dir, where

    try:
        rel = mirror_path(spec)
        places = [cache_dir() / source.mirror_dir / rel]
        kind, loc = where(source, rel)
    except (InvalidParameterError, DataSourceError):
        return {}
    if kind == "file":  # a field mirror keeps it beside the boundary
        places.append(Path(loc))
    for path in places:
        try:
            rec = _record_of(path.with_name(path.name + META).read_bytes())
        except OSError:
            continue
        if rec is not None:
            return rec
    return {}
