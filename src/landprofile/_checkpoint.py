"""Checkpoint files that are keyed by content and safe to load.

A checkpoint lets an interrupted run (zoning's tiles, a batch's chunks) resume; it must
never hand back an answer computed from other inputs, nor run anything it reads:

- **Keys from content.** A raster is stamped by the bytes of every file GDAL reads for
  it (a VRT's sources, an ``.aux.xml``, overviews), streamed in blocks, with its
  transform, CRS, size, dtype and nodata; an in-memory raster by its values and the
  same metadata. Size and modification time are not a stamp: ``cp -p``, ``rsync -t``
  and ``tar x`` keep both while changing the content. A raster whose bytes cannot be
  read here (a URL) cannot be proved unchanged: its key is fresh each run, so its
  tiles are recomputed (and the caller says so).
- **Plain arrays, a checked header.** A file is an ``.npz`` (a zip of ``.npy``) read
  with ``allow_pickle=False``; its ``header`` member is JSON naming the format, its
  version, the key, the index and every array's dtype and shape, all checked (and every
  array read, so the zip's CRCs are checked) before the file is used. Anything else —
  a pickle planted under a predictable name, a truncated or damaged file, another
  run's file renamed — is named in a :class:`~landprofile.errors.CheckpointWarning`,
  left where it is (it is not provably ours) and its part recomputed into the next free
  name (``…-1.npz``).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BLOCK",
    "ForeignFileError",
    "SlotFiles",
    "file_digest",
    "raster_stamp",
    "read_npz",
    "write_npz",
]

#: Bytes read at a time while hashing a file (memory stays flat for any file size).
BLOCK = 1 << 20


class ForeignFileError(Exception):
    """A checkpoint file that is not a valid one of ours (the reason is the message)."""


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in blocks of :data:`BLOCK`."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            h.update(block)
    return h.hexdigest()


def _files_of(path: str) -> list[str]:
    """Every file GDAL reads for the raster ``path`` (a VRT's sources included)."""
    import rasterio

    try:
        with rasterio.open(path) as ds:
            files = list(ds.files or [])
    except Exception:  # not a raster GDAL opens: its own bytes are the stamp
        files = []
    return files or [os.fspath(path)]


def _path_stamp(path: Any) -> tuple[str, str | None]:
    h = hashlib.sha256()
    for f in _files_of(os.fspath(path)):
        if not os.path.isfile(f):
            return f"unproved:{uuid.uuid4().hex}", f"'{f}' is not a local file"
        h.update(os.path.basename(f).encode() + b"\0" + file_digest(f).encode())
    return h.hexdigest(), None


def _values_stamp(arr: Any) -> str:
    h = hashlib.sha256()
    values = np.asarray(arr)
    h.update(repr((values.dtype.str, values.shape)).encode())
    h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def _dataarray_meta(arr: Any) -> str:
    import rioxarray  # registers the .rio accessor

    del rioxarray
    crs = arr.rio.crs
    return repr(
        (
            crs.to_wkt() if crs is not None else None,
            tuple(arr.rio.transform(recalc=False)),
            arr.rio.nodata,
            str(arr.dtype),
            tuple(arr.shape),
        )
    )


def raster_stamp(src: Any) -> tuple[str, str | None]:
    """A stamp of a raster's content and georeferencing, and why it is unproved (or None).

    Parameters
    ----------
    src
        A :class:`~landprofile.raster.Raster`, a path, an ``xarray.DataArray``, a
        rasterio dataset, or ``None``.

    Returns
    -------
    tuple
        ``(stamp, None)`` when the content was read; ``(fresh random stamp, reason)``
        when it cannot be (a file that is not local): then nothing keyed by it is reused.
    """
    if src is None:
        return "-", None
    from landprofile.raster import Raster

    if isinstance(src, Raster):
        meta = repr(
            (
                src.crs.to_wkt(),
                tuple(src.transform),
                src.width,
                src.height,
                src.count,
                src.dtype,
                src.nodata,
            )
        )
        if src._array is not None:
            return meta + _values_stamp(src._array.values), None
        if src.path is not None:
            stamp, why = _path_stamp(src.path)
            return meta + stamp, why
        return f"unproved:{uuid.uuid4().hex}", f"{src.label} has neither a file nor values"
    if isinstance(src, str | os.PathLike):
        return _path_stamp(src)
    if hasattr(src, "rio") and hasattr(src, "values"):
        return _dataarray_meta(src) + _values_stamp(src.values), None
    name = getattr(src, "name", None)  # a rasterio dataset
    if isinstance(name, str):
        return _path_stamp(name)
    return f"unproved:{uuid.uuid4().hex}", f"{type(src).__name__} cannot be stamped"


def write_npz(path: Path, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` and a JSON ``header`` (with each array's dtype and shape) atomically."""
    from landprofile._atomic import atomic_path

    head = dict(header)
    head["arrays"] = {k: [a.dtype.str, list(a.shape)] for k, a in arrays.items()}
    members = {k: np.ascontiguousarray(a) for k, a in arrays.items()}
    members["header"] = np.frombuffer(json.dumps(head, sort_keys=True).encode(), dtype=np.uint8)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **members)


def read_npz(path: Path, expect: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a file :func:`write_npz` wrote, checking its header against ``expect``.

    Every entry of ``expect`` must equal the header's; every array the header lists must
    be there with its dtype and shape (and no other). Raises :class:`ForeignFileError` with
    the reason otherwise; never unpickles.
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            if "header" not in names:
                raise ForeignFileError("it has no landprofile header")
            head = json.loads(z["header"].tobytes().decode())
            if not isinstance(head, dict):
                raise ForeignFileError("its header is not a JSON object")
            for k, v in expect.items():
                if head.get(k) != v:
                    raise ForeignFileError(f"its header says {k}={head.get(k)!r}, expected {v!r}")
            listed = head.get("arrays")
            if not isinstance(listed, dict) or set(listed) != names - {"header"}:
                raise ForeignFileError("its arrays are not the ones its header lists")
            arrays = {}
            for k, (dtype, shape) in listed.items():
                a = z[k]  # reading checks the member's CRC
                if a.dtype.str != dtype or list(a.shape) != list(shape):
                    raise ForeignFileError(
                        f"array {k!r} is {a.dtype.str} {list(a.shape)}, its header says "
                        f"{dtype} {list(shape)}"
                    )
                arrays[k] = a
    except ForeignFileError:
        raise
    except ValueError as exc:
        # allow_pickle=False refuses a pickle (and an object array) here, unread
        raise ForeignFileError(f"not a plain-array file ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ForeignFileError(f"damaged or not an .npz ({type(exc).__name__}: {exc})") from None
    return head, arrays


class SlotFiles:
    """Where part ``i`` of a checkpoint lives: the first name holding a valid file of ours.

    A name holding something else (damaged, foreign, planted) is warned about once and
    skipped, never read again, never overwritten; a new part goes to the first free
    name after it.
    """

    def __init__(self, folder: Path, stem: Any, what: str, ext: str = ".npz") -> None:
        # stem(i): the name of part i without its extension
        self.folder, self.stem, self.what, self.ext = folder, stem, what, ext
        self.good: dict[int, Path] = {}
        self._bad: set[Path] = set()

    def names(self, i: int) -> Any:
        """The candidate names of part ``i``, in order."""
        yield self.folder / f"{self.stem(i)}{self.ext}"
        n = 1
        while True:
            yield self.folder / f"{self.stem(i)}-{n}{self.ext}"
            n += 1

    def find(self, i: int, check: Any) -> Path | None:
        """The path of a valid part ``i`` (``check(path)`` raises ForeignFileError), else None."""
        if i in self.good:
            return self.good[i]
        for p in self.names(i):
            if not os.path.lexists(p):
                return None
            if p in self._bad:
                continue
            try:
                if not p.is_file() or p.is_symlink():
                    raise ForeignFileError("it is not a plain file")
                check(p)
            except ForeignFileError as exc:
                self._bad.add(p)
                self.warn(p, str(exc))
                continue
            self.good[i] = p
            return p
        return None  # pragma: no cover  (the generator is endless)

    def free(self, i: int) -> Path:
        """The first name of part ``i`` that nothing occupies."""
        for p in self.names(i):
            if not os.path.lexists(p):
                return p
        raise AssertionError("unreachable")  # pragma: no cover

    def warn(self, path: Path, why: str) -> None:
        from landprofile.errors import CheckpointWarning, user_stacklevel

        warnings.warn(
            f"checkpoint file '{path}' is not a valid {self.what} of this run: {why}; it "
            "was not used (never unpickled, left in place) and its part is computed again "
            "(delete the file if it is not yours)",
            CheckpointWarning,
            stacklevel=user_stacklevel(),
        )
