"""One lazy raster form for every raster input.

:func:`read_raster` turns a path (GeoTIFF, COG, VRT mosaic, anything GDAL opens), an open
rasterio dataset or an xarray DataArray into a :class:`Raster`: the grid's metadata plus a
way to read any window on demand. Nothing but metadata is read when it is made, so a
10⁹-cell mosaic costs nothing until a window of it is asked for.

A plain GeoTIFF is opened and read by :mod:`landprofile._geotiff` (zlib and numpy) as
long as its windows are small: rasterio, whose import costs more than such a read, loads
only for other files and large windows, so a first small call does not pay for it.

An ``http://`` or ``https://`` URL (a COG on a web server or a bucket's public address)
is read by GDAL's ``/vsicurl/`` with range requests — the header once, then only the
blocks a window needs — under the same bounded waits as downloads
(:func:`landprofile.sources._http_limits.gdal_env`: connect, idle and low-speed limits,
two retries), so a host that stops answering is given up instead of hanging a run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine
from pyproj import CRS

if TYPE_CHECKING:
    import rasterio.windows
    import xarray as xr

from landprofile._geotiff import GeoTiff, open_geotiff
from landprofile.crs import norm_crs
from landprofile.errors import (
    InvalidParameterError,
    MissingCRSError,
    SourceNotFoundError,
    UnreadableFileError,
    UnsupportedFormatError,
)

__all__ = ["Raster", "is_url", "read_raster"]


@dataclass(frozen=True)
class Raster:
    """A raster grid and a lazy reader of its windows.

    Attributes
    ----------
    crs
        The grid's CRS.
    transform
        Affine transform from (col, row) to CRS coordinates of the cell corner.
    width, height, count
        Grid size and number of bands.
    dtype
        NumPy dtype name of band values.
    nodata
        Nodata value, or ``None``.
    block_shape
        ``(rows, cols)`` of the storage blocks (tiles or strips) of band 1.
    label
        Where the raster came from (a path, ``"rasterio dataset"``, ``"DataArray"``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover
    >>> r = lp.read_raster(halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif"))
    >>> r.shape, r.res, r.crs.to_epsg()
    ((10, 10), (100.0, 100.0), 32630)
    >>> r.read()[0].tolist()  # west half tree cover (10), east half cropland (40)
    [10, 10, 10, 10, 10, 40, 40, 40, 40, 40]
    """

    crs: CRS
    transform: Affine
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None
    block_shape: tuple[int, int]
    label: str
    path: str | None = None
    _array: xr.DataArray | None = field(default=None, repr=False, compare=False)
    _tiff: GeoTiff | None = field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the grid."""
        return (self.height, self.width)

    @property
    def res(self) -> tuple[float, float]:
        """Cell size ``(x, y)`` in CRS units, both positive."""
        return (abs(self.transform.a), abs(self.transform.e))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the grid in its CRS."""
        # rasterio.transform.array_bounds, without importing rasterio
        a, b, c, d, e, f = tuple(self.transform)[:6]
        if b == d == 0:
            return (c, f + e * self.height, c + a * self.width, f)
        w, h = self.width, self.height
        corners = [self.transform * xy for xy in ((0, 0), (0, h), (w, h), (w, 0))]
        xs, ys = zip(*corners, strict=True)
        return (min(xs), min(ys), max(xs), max(ys))

    def _fast_window(self, window: Any) -> tuple[int, int, int, int] | None:
        """``(col_off, row_off, width, height)`` if :mod:`._geotiff` reads this window."""
        if self._tiff is None:
            return None
        c0, c1 = _clip(window, self.width)
        r0, r1 = _clip(window, self.height, rows=True)
        cells = (c1 - c0) * (r1 - r0)
        if cells <= 0 or cells > SMALL_READ_CELLS:
            return None
        return c0, r0, c1 - c0, r1 - r0

    def read(self, window: rasterio.windows.Window | None = None, *, band: int = 1) -> np.ndarray:
        """Read one band over ``window`` (the whole grid when ``None``).

        Parameters
        ----------
        window
            A rasterio window; it is clipped to the grid.
        band
            1-based band number.
        """
        if not 1 <= band <= self.count:
            raise InvalidParameterError(
                f"{self.label}: band {band} does not exist; bands are 1..{self.count}"
            )
        fast = self._fast_window(window)
        if fast is not None:
            return self._tiff.read(*fast)  # type: ignore[union-attr]
        import rasterio
        import rasterio.windows

        full = rasterio.windows.Window(0, 0, self.width, self.height)
        if window is not None and not isinstance(window, rasterio.windows.Window):
            window = rasterio.windows.Window(*tuple(window))  # landprofile._coverage.Window
        window = full if window is None else window.intersection(full)
        if self._array is not None:
            (r0, r1), (c0, c1) = window.toranges()
            arr = self._array
            data = arr.isel(band=band - 1) if "band" in arr.dims else arr
            ydim, xdim = data.dims[-2], data.dims[-1]
            return np.asarray(data.isel({ydim: slice(r0, r1), xdim: slice(c0, c1)}).values)
        assert self.path is not None
        try:
            with _remote_env(self.path), rasterio.open(self.path) as ds:
                return ds.read(band, window=window)
        except rasterio.errors.RasterioError as exc:
            raise UnreadableFileError(
                f"{self.label}: reading window {window} failed: {exc}"
            ) from None


def read_raster(
    src: Any, *, crs: Any = None, bounds: tuple[float, float, float, float] | None = None
) -> Raster:
    """Open a raster lazily: only its metadata is read.

    Parameters
    ----------
    src
        A path (any GDAL raster: GeoTIFF, COG, VRT mosaic, ...), an ``http(s)://`` URL
        of one (read by range requests), an open rasterio dataset,
        or an xarray DataArray with ``.rio`` spatial metadata (2-D, or 3-D with a
        ``band`` dimension). Inputs are never modified.
    crs
        CRS for a DataArray that carries none; never overrides a declared CRS.
    bounds
        For a data name (``"worldcover:2021"``, ``"copdem30"``: see
        :mod:`landprofile.sources`), the longitude/latitude box to read; the stages pass
        their landscape's.

    Raises
    ------
    SourceNotFoundError, UnreadableFileError, MissingCRSError, UnsupportedFormatError

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover
    >>> tif = halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif")
    >>> r = lp.read_raster(tif)  # metadata only: no cell is read yet
    >>> r.bounds
    (600000.0, 600000.0, 601000.0, 601000.0)
    >>> r.nodata, r.dtype
    (0.0, 'uint8')
    """
    if isinstance(src, Raster):  # already read (e.g. with crs= for a file lacking one)
        return src
    if is_url(src):  # before data names: "https://..." is not a name
        return _from_path(src.strip(), label=src.strip(), crs=crs)
    # A DataArray exists only if xarray is imported: no need to import it (0.15 s) here.
    xr = sys.modules.get("xarray")
    if xr is not None and isinstance(src, xr.DataArray):
        return _from_dataarray(src, crs)
    # The same for an open dataset. Another thread may be importing rasterio: its module
    # is then in sys.modules without rasterio.io yet, and src cannot be one of its datasets.
    rio_io = getattr(sys.modules.get("rasterio"), "io", None)
    if rio_io is not None and isinstance(src, rio_io.DatasetReaderBase):
        return _from_path(src.name, label=f"rasterio dataset '{src.name}'", crs=crs)
    from landprofile.sources.catalogue import parse_name

    if parse_name(src) is not None:
        from landprofile.sources import raster

        if bounds is None:
            from landprofile.errors import DataSourceError

            raise DataSourceError(
                f"{src!r} is a data name: it needs the area to read; pass it to a stage "
                "that has a landscape (lp.profile, lp.land_cover...) or give bounds="
            )
        path = raster(src, bounds)
        return _from_path(str(path), label=str(src), crs=crs)
    if isinstance(src, str | os.PathLike):
        path = Path(src)
        if not path.exists() and not str(src).startswith("/vsi"):
            raise SourceNotFoundError(f"raster file not found: '{path}'")
        if not str(src).startswith("/vsi"):
            from landprofile._input_files import check_input_file

            check_input_file(path, "raster")  # a FIFO or device would block GDAL forever
        return _from_path(str(path), label=str(path), crs=crs)
    raise UnsupportedFormatError(
        f"cannot read a raster from {type(src).__name__!r}; accepted are a path (GeoTIFF, "
        "COG, VRT, ...), an http(s):// URL, an open rasterio dataset, an xarray DataArray "
        "or a Raster"
    )


#: Windows of up to this many cells are decoded by :mod:`landprofile._geotiff` (zlib, about
#: a third of GDAL's speed); larger ones by GDAL, whose import then pays for itself.
SMALL_READ_CELLS = 1 << 22


def _clip(window: Any, size: int, *, rows: bool = False) -> tuple[int, int]:
    """A window's (start, stop) along one axis, clipped to the grid (whole grid: None)."""
    if window is None:
        return 0, size
    off, n = (window.row_off, window.height) if rows else (window.col_off, window.width)
    if off != int(off) or n != int(n):
        return 0, 0  # fractional windows: rasterio's rounding applies
    return max(int(off), 0), min(int(off) + int(n), size)


def is_url(src: Any) -> bool:
    """Whether ``src`` is an ``http(s)://`` URL (read by range requests, not as a file)."""
    return isinstance(src, str) and src.strip().lower().startswith(("http://", "https://"))


def _remote_env(path: str) -> Any:
    """GDAL's bounded HTTP settings around a URL's open or read; nothing for a file."""
    import contextlib

    if not is_url(path):
        return contextlib.nullcontext()
    import rasterio

    from landprofile.sources._http_limits import gdal_env

    env = gdal_env()
    # the user's URL names the file: no extension filter (a signed URL ends in a query)
    env.pop("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", None)
    return rasterio.Env(**env)


def _from_path(path: str, *, label: str, crs: Any) -> Raster:
    tiff = None if is_url(path) else open_geotiff(path)
    if tiff is not None:
        return Raster(
            crs=norm_crs(tiff.wkt, what=label),
            transform=Affine(*tiff.transform),
            width=tiff.width,
            height=tiff.height,
            count=1,
            dtype=tiff.dtype.name,
            nodata=tiff.nodata,
            block_shape=tiff.block,
            label=label,
            path=path,
            _tiff=tiff,
        )
    import rasterio
    import rasterio.errors

    try:
        with _remote_env(path), rasterio.open(path) as ds:
            ds_crs = ds.crs
            meta = {
                "transform": ds.transform,
                "width": ds.width,
                "height": ds.height,
                "count": ds.count,
                "dtype": ds.dtypes[0],
                "nodata": ds.nodata,
                "block_shape": tuple(ds.block_shapes[0]),
            }
    except rasterio.errors.RasterioIOError as exc:
        how = (
            " over HTTP range requests (is the URL right and its host up?)" if is_url(path) else ""
        )
        raise UnreadableFileError(
            f"'{label}' could not be opened as a raster{how} (GeoTIFF, COG, VRT or any GDAL "
            f"raster format): {exc}"
        ) from None
    if ds_crs is None:
        if crs is None:
            raise MissingCRSError(
                f"raster '{label}' has no coordinate reference system; fix the file "
                "(gdal_edit.py -a_srs EPSG:xxxx) or read it with "
                "landprofile.read_raster(..., crs=...) and pass the result"
            )
        use_crs = norm_crs(crs, what=label)
    else:
        use_crs = norm_crs(ds_crs.to_wkt(), what=label)
    if meta["transform"] == Affine.identity():
        raise MissingCRSError(f"raster '{label}' has no georeferencing (identity transform)")
    return Raster(crs=use_crs, label=label, path=path, **meta)


def _from_dataarray(arr: xr.DataArray, crs: Any) -> Raster:
    import rioxarray  # registers the .rio accessor

    del rioxarray
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.dims[0] != "band"):
        raise UnsupportedFormatError(
            f"DataArray with dims {arr.dims}: expected (y, x) or (band, y, x)"
        )
    da_crs = arr.rio.crs
    if da_crs is None and crs is None:
        name = arr.name or "DataArray"
        raise MissingCRSError(
            f"DataArray '{name}' has no CRS; set it with da.rio.write_crs(...) or pass crs=..."
        )
    use_crs = norm_crs(da_crs.to_wkt() if da_crs is not None else crs, what="DataArray")
    height, width = arr.shape[-2], arr.shape[-1]
    chunks = arr.chunks
    block = (int(chunks[-2][0]), int(chunks[-1][0])) if chunks else (height, width)
    return Raster(
        crs=use_crs,
        transform=arr.rio.transform(recalc=False),
        width=width,
        height=height,
        count=arr.shape[0] if arr.ndim == 3 else 1,
        dtype=str(arr.dtype),
        nodata=arr.rio.nodata,
        block_shape=block,
        label=f"DataArray '{arr.name}'" if arr.name else "DataArray",
        _array=arr,
    )
