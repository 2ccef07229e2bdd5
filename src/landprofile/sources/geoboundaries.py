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

__all__ = ["API", "api_record", "check_not_lfs", "download_url", "mirror_path", "parse"]

API = "https://www.geoboundaries.org/api/current/gbOpen"
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
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as r:
            body = r.read(2_000_000)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise DataSourceError(
                f"{name}: geoBoundaries has no ADM{lev} for {iso} (HTTP 404 from {url})"
            ) from None
        raise DataSourceError(f"{name}: the geoBoundaries API answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataSourceError(f"{name}: cannot reach {url} ({reason})") from None
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
