"""Is this file what its name says? Checks of a download, and of a file already cached.

A download is checked by its **content**, never by the name of the temporary file it is
streamed into (``.ne_10m_admin_0_countries.zip.lp123-ab12cd.part`` is no ``.zip`` to
GDAL): the format comes from the target's name, and the file is opened as that format —
a zip through ``/vsizip/{…}`` (GDAL's brace syntax takes any file name), its members'
CRC-32 checked; a GeoTIFF by rasterio, every block read when the download's length was
not proved; a vector file by pyogrio, which recognises GeoJSON and GeoPackage by their
bytes.

A file already in the cache is checked more lightly on each use (first bytes, opens, a
zip's central directory): a damaged entry is named as such, with its path — never
blamed on the host — and fetched again.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

from landprofile.errors import DataSourceError

__all__ = ["MAGIC", "cache_damage", "check_file", "looks_html"]

#: What each kind of file starts with.
MAGIC: dict[str, tuple[bytes, ...]] = {
    ".zip": (b"PK\x03\x04",),
    ".tif": (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"),
    ".gpkg": (b"SQLite format 3\x00",),
    ".geojson": (b"{",),
    ".json": (b"{", b"["),
}
MAGIC[".tiff"] = MAGIC[".tif"]

_VECTOR = (".zip", ".gpkg", ".geojson", ".json", ".shp", ".fgb")


def looks_html(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a web page."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml", b"<body"))


def _what_is_wrong(path: Path, suffix: str, *, deep: bool) -> str | None:
    """Why ``path`` is not a usable ``suffix`` file (``None``: it is), for messages.

    ``deep`` reads the whole file (a zip's CRCs, a GeoTIFF's every block).
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        return "an empty file"
    if looks_html(head):
        return "a web page, not the data (a login, quota or error page served as a success)"
    if head.startswith(b"version https://git-lfs.github.com/spec/"):
        return (
            f"a Git LFS pointer ({len(head)} bytes), not the file: the repository or "
            "mirror serves LFS files without their content (a clone made without git-lfs; "
            "`git lfs pull` in it)"
        )
    magic = MAGIC.get(suffix)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n") if suffix in (".geojson", ".json") else head
    if magic and not stripped.startswith(magic):
        return f"not a {suffix} file (it starts with {head[:16]!r})"
    try:
        if suffix == ".zip":
            with zipfile.ZipFile(path) as zf:  # reads the central directory at the end
                if deep and (bad := zf.testzip()) is not None:
                    return f"a damaged zip (the CRC of its member {bad!r} does not match)"
            _layers(f"/vsizip/{{{path}}}")
        elif suffix in (".tif", ".tiff"):
            _raster(path, deep=deep)
        elif suffix in _VECTOR:
            _layers(str(path))
    except Exception as exc:  # any reader failure means the same: not a usable file
        return f"a file that does not open ({exc})"
    return None


def _layers(path: str) -> None:
    import pyogrio

    with warnings.catch_warnings():
        # "non conformant file extension" of a GeoPackage under a temporary name
        warnings.simplefilter("ignore", RuntimeWarning)
        if not len(pyogrio.list_layers(path)):
            raise ValueError("no layer")


def _raster(path: Path, *, deep: bool) -> None:
    import rasterio

    with rasterio.open(path) as ds:
        if deep:  # a cut whose length nobody stated: every block must decode
            for _, window in ds.block_windows(1):
                ds.read(window=window)


def check_file(
    path: Path, name: str, url: str, *, suffix: str | None = None, deep: bool = False
) -> None:
    """Refuse a downloaded file that is not what its name says; a named error if so.

    Parameters
    ----------
    path
        The file as downloaded (its name may be a temporary one: it is not used).
    name, url
        The data name and where it came from, for the message.
    suffix
        The format (``.zip``, ``.tif``...); default: the URL's.
    deep
        Read the whole file (a zip's CRCs, every block of a GeoTIFF): for a download
        whose length no header proved.

    Raises
    ------
    DataSourceError
        Naming the source, the URL and what was found instead.
    """
    suffix = (suffix or Path(url.split("?", 1)[0]).suffix).lower()
    why = _what_is_wrong(path, suffix, deep=deep)
    if why is not None:
        raise DataSourceError(f"{name}: {url} sent {why}; it was not kept")


def cache_damage(path: Path) -> str | None:
    """Why the cached file ``path`` cannot be used (``None``: it can).

    Light enough for every use: its first bytes, that it opens, a zip's directory.
    """
    try:
        return _what_is_wrong(path, path.suffix.lower(), deep=False)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"


def damaged_entry_error(path: Path, name: str, why: str, fetch_error: Exception) -> DataSourceError:
    """The error for a damaged cache entry that could not be fetched again."""
    return DataSourceError(
        f"{name}: the cached copy '{path}' is damaged ({why}) — a fault of the local copy "
        f"(a disk error, a copy cut short), not of the host — and fetching it again "
        f"failed: {fetch_error}"
    )
