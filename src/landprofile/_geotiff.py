"""Plain GeoTIFFs read without GDAL, for the first raster call of a process.

Importing rasterio (GDAL and its Python layer) costs 0.1-0.2 s in a fresh process, more
than summarising a small raster takes. A plain GeoTIFF - one band of 8-64 bit numbers in
tiles or strips, uncompressed or deflated, placed by a pixel scale and a tie point, its
CRS an EPSG code on WGS 84 or GDAL's own record of a longitude/latitude CRS on another
ellipsoid - is simple enough to read here with zlib and numpy. :func:`open_geotiff`
returns ``None`` for anything else (other compressions or predictors, several bands,
rotated or point-registered grids, projections it cannot name exactly, a ``.aux.xml``
beside the file that could change what GDAL reads): such files go through GDAL as before.
An ``.aux.xml`` holding only band statistics or histograms (what QGIS and ``gdalinfo
-stats`` write beside a raster they open) changes no cell, grid or CRS, so it is no
reason to leave the fast path.

What it returns is what GDAL returns: the same cell values (decoding is lossless), the
same grid and the same CRS (``tests/test_first_call_paths.py`` compares both on real and
written files).
"""

from __future__ import annotations

import os
import re
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: TIFF field types -> (struct code, size in bytes); rationals are not needed here.
_TYPES = {1: "B", 2: "s", 3: "H", 4: "I", 6: "b", 7: "B", 8: "h", 9: "i", 11: "f", 12: "d"}
_TYPES.update({13: "I", 16: "Q", 17: "q", 18: "Q"})
_DTYPES = {(1, 8): "u1", (1, 16): "u2", (1, 32): "u4", (1, 64): "u8", (2, 8): "i1"}
_DTYPES.update({(2, 16): "i2", (2, 32): "i4", (2, 64): "i8", (3, 32): "f4", (3, 64): "f8"})
_DEFLATE = (8, 32946)
#: GeoKeys this reader understands; any other one sends the file to GDAL.
_KNOWN_KEYS = {1024, 1025, 1026, 2048, 2049, 2050, 2054, 2056, 2057, 2058, 2059, 2061, 3072}
_KNOWN_KEYS |= {3073, 3076}
_USER = 32767
_GDAL_CITATION = re.compile(
    r"^GCS Name = ([^|]*)\|Datum = (Unknown based on [^|]* ellipsoid)\|"
    r"Ellipsoid = ([^|]*)\|Primem = Greenwich\|*$"
)
#: Decoded blocks kept per file (GDAL's block cache plays this part on its path).
CACHE_BYTES = 256 * 2**20


@dataclass(eq=False)
class GeoTiff:
    """The grid of a plain GeoTIFF and a reader of its windows (thread-safe)."""

    path: str
    width: int
    height: int
    dtype: np.dtype
    nodata: float | None
    transform: tuple[float, float, float, float, float, float]
    wkt: str
    block: tuple[int, int]  # (rows, cols) of a tile or strip
    offsets: np.ndarray
    counts: np.ndarray
    deflate: bool
    predictor: int
    tiled: bool
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _cached: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # sent to other processes (dask workers) without its lock and decoded blocks
        state = self.__dict__.copy()
        state.update(_cache=OrderedDict(), _cached=0, _lock=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def read(self, col_off: int, row_off: int, width: int, height: int) -> np.ndarray:
        """The cells of a window inside the grid, as GDAL's ``RasterIO`` gives them."""
        bh, bw = self.block
        out = np.empty((height, width), dtype=self.dtype.newbyteorder("="))
        per_row = -(-self.width // bw)
        with open(self.path, "rb") as fh:
            for br in range(row_off // bh, (row_off + height - 1) // bh + 1):
                for bc in range(col_off // bw, (col_off + width - 1) // bw + 1):
                    blk = self._block(fh, br * per_row + bc, br)
                    r0, c0 = br * bh, bc * bw
                    ra, rb = max(row_off, r0), min(row_off + height, r0 + blk.shape[0])
                    ca, cb = max(col_off, c0), min(col_off + width, c0 + bw)
                    out[ra - row_off : rb - row_off, ca - col_off : cb - col_off] = blk[
                        ra - r0 : rb - r0, ca - c0 : cb - c0
                    ]
        return out

    def _block(self, fh: Any, i: int, block_row: int) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(i)
            if hit is not None:
                self._cache.move_to_end(i)
                return hit
        blk = self._decode(fh, i, block_row)
        with self._lock:
            self._cache[i] = blk
            self._cached += blk.nbytes
            while self._cached > CACHE_BYTES and len(self._cache) > 1:
                self._cached -= self._cache.popitem(last=False)[1].nbytes
        return blk

    def _decode(self, fh: Any, i: int, block_row: int) -> np.ndarray:
        bh, bw = self.block
        rows = bh if self.tiled else min(bh, self.height - block_row * bh)
        off, n = int(self.offsets[i]), int(self.counts[i])
        native = self.dtype.newbyteorder("=")
        if off == 0 or n == 0:  # a sparse block: GDAL fills it with nodata, else 0
            return np.full((rows, bw), self.nodata or 0, dtype=native)
        raw = os.pread(fh.fileno(), n, off)
        try:
            if self.deflate:
                raw = zlib.decompress(raw)
            arr = np.frombuffer(raw, dtype=self.dtype, count=rows * bw).reshape(rows, bw)
        except (zlib.error, ValueError) as exc:
            from landprofile.errors import UnreadableFileError

            raise UnreadableFileError(
                f"{self.path}: block {i} cannot be decoded (a truncated or corrupt file?): {exc}"
            ) from None
        arr = arr.astype(native, copy=False)
        if self.predictor == 2:  # horizontal differencing, modulo the integer width
            arr = np.cumsum(arr, axis=1, dtype=native)
        return arr


def open_geotiff(path: str) -> GeoTiff | None:
    """The GeoTIFF at ``path`` if this module reads it exactly as GDAL does, else ``None``."""
    if str(path).startswith("/vsi") or not _aux_is_harmless(f"{path}.aux.xml"):
        return None
    try:
        with open(path, "rb") as fh:
            tags = _first_ifd(fh)
            return None if tags is None else _geotiff(str(path), tags)
    except (OSError, struct.error, ValueError, KeyError, IndexError):
        return None


#: What a statistics-only PAM sidecar may hold: band statistics and histograms.
_AUX_STATS_KEY = re.compile(r"STATISTICS_[A-Z_]+")


def _aux_is_harmless(aux: str) -> bool:
    """Whether the PAM sidecar ``aux`` is absent or holds only band statistics/histograms.

    Anything else in it (a CRS, a geotransform, nodata, an offset/scale, a colour table,
    metadata of another domain, XML this cannot parse) could change what GDAL reads, so
    the file is then left to GDAL.
    """
    if not os.path.exists(aux):
        return True
    try:
        if os.path.getsize(aux) > 1 << 20:
            return False
        with open(aux, "rb") as fh:
            text = fh.read()
    except OSError:
        return False
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:  # no entity expansion, ever
        return False
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return False
    if root.tag != "PAMDataset" or root.attrib:
        return False
    for band in root:
        if band.tag != "PAMRasterBand" or set(band.attrib) - {"band"}:
            return False
        for item in band:
            if item.tag == "Histograms":
                continue
            if item.tag != "Metadata" or item.attrib.get("domain", "") != "":
                return False
            for mdi in item:
                if mdi.tag != "MDI" or not _AUX_STATS_KEY.fullmatch(mdi.attrib.get("key", "")):
                    return False
    return True


def _first_ifd(fh: Any) -> dict[int, Any] | None:
    head = fh.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None:
        return None
    magic = struct.unpack(order + "H", head[2:4])[0]
    if magic == 42:
        ifd, count_fmt, entry_fmt, inline = struct.unpack(order + "I", head[4:8])[0], "H", "HHI", 4
    elif magic == 43:
        ifd, count_fmt, entry_fmt, inline = struct.unpack(order + "Q", head[8:16])[0], "Q", "HHQ", 8
    else:
        return None
    fh.seek(ifd)
    size = struct.calcsize(order + count_fmt)
    (n,) = struct.unpack(order + count_fmt, fh.read(size))
    esize = struct.calcsize(order + entry_fmt) + inline
    block = fh.read(n * esize)
    tags: dict[int, Any] = {"order": order}  # type: ignore[dict-item]
    for k in range(n):
        e = block[k * esize : (k + 1) * esize]
        tag, typ, count = struct.unpack(order + entry_fmt, e[: esize - inline])
        code = _TYPES.get(typ)
        if code is None:
            continue
        nbytes = count * struct.calcsize(code)
        if nbytes <= inline:
            data = e[esize - inline : esize - inline + nbytes]
        else:
            (where,) = struct.unpack(order + ("I" if inline == 4 else "Q"), e[esize - inline :])
            fh.seek(where)
            data = fh.read(nbytes)
        if code == "s":
            tags[tag] = data.rstrip(b"\0").decode("latin-1")
        else:
            tags[tag] = np.frombuffer(data, dtype=np.dtype(order + code), count=count)
    return tags


def _one(tags: dict[int, Any], tag: int, default: int | None = None) -> int | None:
    v = tags.get(tag)
    return default if v is None else int(v[0])


def _geotiff(path: str, tags: dict[int, Any]) -> GeoTiff | None:
    order = tags["order"]
    if _one(tags, 254, 0) != 0 or _one(tags, 277, 1) != 1 or 338 in tags:
        return None
    compression, predictor = _one(tags, 259, 1), _one(tags, 317, 1)
    fmt, bits = _one(tags, 339, 1), _one(tags, 258, 1)
    dtype = _DTYPES.get((fmt, bits))
    if dtype is None or compression not in (1, *_DEFLATE) or predictor not in (1, 2):
        return None
    if predictor == 2 and fmt == 3:
        return None
    if _one(tags, 262, 1) not in (0, 1, 3):
        return None
    width, height = _one(tags, 256), _one(tags, 257)
    if 322 in tags:
        block = (_one(tags, 323), _one(tags, 322))
        offsets, counts, tiled = tags[324], tags[325], True
    else:
        block = (min(_one(tags, 278, height), height), width)
        offsets, counts, tiled = tags[273], tags[279], False
    per_row = -(-width // block[1])
    if len(offsets) != per_row * -(-height // block[0]) or len(counts) != len(offsets):
        return None
    transform = _transform(tags)
    wkt = _crs_wkt(tags)
    if transform is None or wkt is None:
        return None
    nodata = tags.get(42113)
    return GeoTiff(
        path=path,
        width=width,
        height=height,
        dtype=np.dtype(order + dtype),
        nodata=float(nodata.strip()) if nodata else None,
        transform=transform,
        wkt=wkt,
        block=block,
        offsets=offsets.astype(np.int64),
        counts=counts.astype(np.int64),
        deflate=compression in _DEFLATE,
        predictor=predictor,
        tiled=tiled,
    )


def _transform(tags: dict[int, Any]) -> tuple[float, ...] | None:
    scale, tie = tags.get(33550), tags.get(33922)
    if 34264 in tags or scale is None or tie is None or len(tie) != 6 or len(scale) < 2:
        return None  # a full matrix or ground control points: left to GDAL
    i, j, _, x, y, _ = (float(v) for v in tie)
    sx, sy = float(scale[0]), float(scale[1])
    if sx <= 0 or sy <= 0:
        return None
    return (sx, 0.0, x - i * sx, 0.0, -sy, y + j * sy)


def _geokeys(tags: dict[int, Any]) -> dict[int, Any] | None:
    d = tags.get(34735)
    if d is None or len(d) < 4:
        return None
    doubles, ascii_ = tags.get(34736), tags.get(34737, "")
    keys: dict[int, Any] = {}
    for k in range(int(d[3])):
        key, where, count, value = (int(v) for v in d[4 + 4 * k : 8 + 4 * k])
        if where == 0:
            keys[key] = value
        elif where == 34736 and doubles is not None:
            keys[key] = [float(v) for v in doubles[value : value + count]]
        elif where == 34737:
            keys[key] = ascii_[value : value + count].rstrip("|\0")
        else:
            return None
    return keys


def _crs_wkt(tags: dict[int, Any]) -> str | None:
    keys = _geokeys(tags)
    if keys is None or set(keys) - _KNOWN_KEYS or keys.get(1025, 1) != 1:
        return None
    model = keys.get(1024)
    if model == 1:  # projected: an EPSG code on WGS 84, metres
        code = keys.get(3072)
        if code in (None, _USER) or keys.get(3076, 9001) != 9001 or set(keys) & _GEOG_DETAIL:
            return None
        return _epsg_wkt(code, projected=True)
    if model != 2 or 3072 in keys or keys.get(2054, 9102) != 9102:
        return None
    code = keys.get(2048)
    if code == 4326:
        a, rf = keys.get(2057, [6378137.0])[0], keys.get(2059, [298.257223563])[0]
        if a != 6378137.0 or rf != 298.257223563 or {2050, 2056, 2058} & set(keys):
            return None
        return _epsg_wkt(code, projected=False)
    return _user_lonlat_wkt(keys) if code == _USER else None


_GEOG_DETAIL = {2050, 2056, 2057, 2058, 2059, 2061}


def _epsg_wkt(code: int, *, projected: bool) -> str | None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_epsg(code)
        if crs.is_projected != projected or crs.geodetic_crs.name != "WGS 84":
            return None
        return crs.to_wkt("WKT1_GDAL")
    except CRSError:
        return None


def _user_lonlat_wkt(keys: dict[int, Any]) -> str | None:
    """GDAL's WKT for the longitude/latitude CRS it recorded itself (datum unknown)."""
    m = _GDAL_CITATION.match(str(keys.get(2049, "")))
    if m is None or keys.get(2050) != _USER or keys.get(2056) != _USER or 2058 in keys:
        return None
    if keys.get(2061, [0.0])[0] != 0.0 or 2057 not in keys or 2059 not in keys:
        return None
    name, datum, ellps = m.groups()
    a, rf = keys[2057][0], keys[2059][0]
    return (
        f'GEOGCS["{name}",DATUM["{datum}",SPHEROID["{ellps}",{a!r},{rf!r}]],'
        'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
        'AXIS["Latitude",NORTH],AXIS["Longitude",EAST]]'
    )
