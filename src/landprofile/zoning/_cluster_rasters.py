"""A tiled run's rasters on a cluster that shares no disk with the client.

The workers of a real cluster run on other machines: a path the client opened (the
user's file, a data name's cache, anything under the client's temporary folder) does
not exist there. :func:`split` decides, per raster, how it reaches the tiles:

- a raster the user gave as an ``http(s)://`` URL is read **by the workers**, by range
  requests (:func:`landprofile.raster.read_raster`, with bounded HTTP waits): only the
  URL travels, and each worker fetches the blocks its tile needs, so the client sends
  nothing per tile;
- every other raster (a local file, a data name's cached mosaic, a VRT, a DataArray in
  memory, a ``/vsis3/`` path whose credentials may be the client's alone) is read **by
  the client**, one window per tile (:func:`tile_windows`), and sent with that tile.

The window is what :func:`landprofile.zoning.grid.warp` reads for the tile: the union
of its blocks' source windows (each two source pixels wider than its block, clipped),
computed by the same code on the same numbers. It travels as a :class:`WindowedRaster`:
the whole raster's georeferencing with only those pixels, so ``warp`` on the worker
computes the very windows it would compute on the file and reads the same bytes — the
cells are bit-equal to one grid.

A failure to read a raster (the client's file, the workers' URL) is a
:class:`TileRasterError` naming the raster and the tile, raised on the client.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine

from landprofile.errors import TileRasterError
from landprofile.raster import Raster, is_url, read_raster

__all__ = [
    "RASTERS",
    "SentWithTile",
    "TileRasterError",
    "WindowedRaster",
    "compute_remote_tile",
    "split",
    "tile_windows",
]

#: The rasters a tile reads, as :class:`~landprofile.zoning.tiles.Shared` names them.
RASTERS = ("land_cover", "dem", "geology")


def where(tile: Any) -> str:
    """A tile as a message names it: its index and its core's rows and columns."""
    r0, r1, c0, c1 = tile.core
    return f"tile {tile.index} (rows {r0}-{r1}, columns {c0}-{c1} of the analysis grid)"


@dataclass(frozen=True)
class SentWithTile:
    """What a worker's shared inputs hold for a raster sent with each tile instead."""

    name: str
    label: str


@dataclass(frozen=True)
class WindowedRaster(Raster):
    """A raster's georeferencing with the pixels of one window only (rows, then columns).

    Reads inside ``held`` are served from ``data``; a read beyond it would be a window
    ``warp`` did not announce, and is refused rather than filled.
    """

    held: tuple[int, int, int, int] = (0, 0, 0, 0)
    data: np.ndarray = dataclasses.field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def read(self, window: Any = None, *, band: int = 1) -> np.ndarray:
        """Band 1 over ``window`` (clipped to the raster), from the pixels held."""
        if band != 1:
            raise TileRasterError(f"{self.label}: only band 1 travels with a tile")
        if window is None:
            r0, r1, c0, c1 = 0, self.height, 0, self.width
        else:
            (r0, r1), (c0, c1) = window.toranges()
            r0, r1 = max(int(r0), 0), min(int(r1), self.height)
            c0, c1 = max(int(c0), 0), min(int(c1), self.width)
        h0, h1, w0, w1 = self.held
        if r1 <= r0 or c1 <= c0:
            return np.zeros((max(r1 - r0, 0), max(c1 - c0, 0)), dtype=self.dtype)
        if r0 < h0 or r1 > h1 or c0 < w0 or c1 > w1:
            raise TileRasterError(
                f"{self.label}: rows {r0}-{r1}, columns {c0}-{c1} were asked of the window "
                f"sent with the tile (rows {h0}-{h1}, columns {w0}-{w1})"
            )
        return self.data[r0 - h0 : r1 - h0, c0 - w0 : c1 - w0].copy()


@dataclass(frozen=True)
class _NamedReads(Raster):
    """A raster a worker reads by URL: a failed read names the raster and the tile."""

    role: str = ""
    tile_text: str = ""

    def read(self, window: Any = None, *, band: int = 1) -> np.ndarray:
        try:
            return super().read(window, band=band)
        except Exception as exc:  # any failure of the read: named, not a worker traceback
            why = str(exc)
        # raised outside the handler: the error carries no chained cause (rasterio's
        # errors do not survive the trip back to the client)
        raise TileRasterError(
            f"the {self.role} raster '{self.label}' could not be read for "
            f"{self.tile_text} on a worker: {why}"
        )


def split(shared: Any) -> tuple[Any, dict[str, Raster]]:
    """The shared inputs the workers get, and the rasters the client sends by window.

    A URL raster stays in the shared inputs (the workers read it); any other is
    replaced by a :class:`SentWithTile` and returned, opened on the client, to be read
    tile by tile by :func:`tile_windows`.
    """
    sent: dict[str, Raster] = {}
    changes: dict[str, Any] = {}
    for name in RASTERS:
        src = getattr(shared, name)
        if src is None or is_url(src):
            continue
        raster = read_raster(src)
        sent[name] = raster
        changes[name] = SentWithTile(name, raster.label)
    return (dataclasses.replace(shared, **changes) if changes else shared), sent


def _tile_grid(tile: Any, shared: Any) -> Any:
    """The tile window's grid as ``compute_tile`` makes it (the same transform's bits)."""
    from pyproj import CRS

    from landprofile.zoning.grid import AnalysisGrid

    wr0, wr1, wc0, wc1 = tile.window
    transform = shared.transform @ Affine.translation(wc0, wr0)
    empty = np.zeros((0, 0), dtype=bool)
    return AnalysisGrid(
        CRS.from_wkt(shared.crs_wkt),
        transform,
        wc1 - wc0,
        wr1 - wr0,
        shared.res,
        empty,
        origin=(wr0, wc0),
    )


def source_window(raster: Raster, grid: Any) -> tuple[int, int, int, int] | None:
    """Rows and columns of ``raster`` that ``warp`` reads for ``grid`` (``None``: none).

    The union of the source windows of the fixed warp blocks that ``grid`` overlaps,
    walked as :func:`landprofile.zoning.grid.warp` walks them.
    """
    from landprofile.zoning.grid import warp_blocks

    box = [None, None, None, None]
    for _, _, _, w in warp_blocks(raster, grid):
        r0, c0 = int(w.row_off), int(w.col_off)
        r1, c1 = r0 + int(w.height), c0 + int(w.width)
        box = [
            r0 if box[0] is None else min(box[0], r0),
            r1 if box[1] is None else max(box[1], r1),
            c0 if box[2] is None else min(box[2], c0),
            c1 if box[3] is None else max(box[3], c1),
        ]
    return None if box[0] is None else (box[0], box[1], box[2], box[3])


def tile_windows(tile: Any, shared: Any, sent: dict[str, Raster]) -> dict[str, Raster]:
    """The windows of ``sent``'s rasters that ``tile`` reads, read here (on the client)."""
    import rasterio.windows

    if not sent:
        return {}
    grid = _tile_grid(tile, shared)
    out: dict[str, Raster] = {}
    for name, raster in sent.items():
        box = source_window(raster, grid)
        r0, r1, c0, c1 = box if box is not None else (0, 0, 0, 0)
        try:
            data = (
                raster.read(rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0))
                if box is not None
                else np.zeros((0, 0), dtype=raster.dtype)
            )
        except Exception as exc:  # the client's own read: named, with the tile
            raise TileRasterError(
                f"the {name} raster '{raster.label}' could not be read for {where(tile)} "
                f"(the client reads it and sends the window): {exc}"
            ) from None
        meta = {f.name: getattr(raster, f.name) for f in dataclasses.fields(Raster)}
        meta.update(path=None, _array=None, _tiff=None)
        out[name] = WindowedRaster(**meta, held=(r0, r1, c0, c1), data=np.ascontiguousarray(data))
    return out


def compute_remote_tile(
    tile: Any, shared: Any, windows: dict[str, Raster] | None = None
) -> dict[str, Any]:
    """``compute_tile`` on a worker: URL rasters opened here, windows sent with the tile.

    Every raster is handed to ``compute_tile`` as an opened
    :class:`~landprofile.raster.Raster` (land cover and DEM as the tile's ``windows``,
    geology in its shared inputs), so no raster is ever opened by a path on a worker.
    """
    from landprofile.zoning.tiles import compute_tile

    rasters: dict[str, Raster] = dict(windows or {})
    text = where(tile)
    for name in RASTERS:
        src = getattr(shared, name)
        if name in rasters or src is None:
            continue
        if isinstance(src, SentWithTile):
            raise TileRasterError(
                f"the {name} raster '{src.label}' was to be sent with {text}, and was not"
            )
        why = None
        try:
            opened = read_raster(src)
        except Exception as exc:  # named, and raised outside the handler (see above)
            why = str(exc)
        if why is not None:
            raise TileRasterError(
                f"the {name} raster '{src}' could not be opened for {text} on a worker: {why}"
            )
        meta = {f.name: getattr(opened, f.name) for f in dataclasses.fields(Raster)}
        rasters[name] = _NamedReads(**meta, role=name, tile_text=text)
    if "geology" in rasters:
        shared = dataclasses.replace(shared, geology=rasters.pop("geology"))
    return compute_tile(tile, shared, rasters)
