"""Where finished zoning tiles are kept: a checkpoint folder, or a temporary one.

A tile is an ``.npz`` of plain arrays with a checked JSON header
(:mod:`landprofile._checkpoint`), named by the tile's index and a key of every input its
cells depend on — the rasters by their content, not their names or times — so a resumed
run reuses only tiles computed from the same inputs, and a file it did not write (a
planted pickle, a damaged tile) is named, never executed, and recomputed.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from landprofile._checkpoint import ForeignFileError, SlotFiles, raster_stamp, read_npz, write_npz
from landprofile.errors import CheckpointError, CheckpointWarning, OutputError, user_stacklevel
from landprofile.zoning.tiles import Shared, Tile

__all__ = ["TILE_FORMAT", "TileStore", "inputs_key"]

#: Bumped when what a tile holds changes, so old checkpoints are not read.
TILE_FORMAT = 3
_KIND = "landprofile zoning tile"


class TileStore:
    """Finished tiles on disk, one ``.npz`` each, keyed by the inputs.

    Parameters
    ----------
    folder
        The checkpoint folder (kept, never emptied), or ``None``: a temporary folder
        removed with the store.
    key
        :func:`inputs_key` of the run (only its tiles are read).
    """

    def __init__(self, folder: Any, key: str) -> None:
        self.key = key
        if folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="landprofile-tiles-"))
            # a temporary store goes with the result that reads it
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)
        else:
            self.folder = Path(folder)
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(
                    f"cannot write the checkpoint folder '{self.folder}': "
                    f"{exc.strerror or exc} (choose a folder you can write to)"
                ) from None
        self._slots = SlotFiles(self.folder, lambda i: f"zoning-tile-{i:05d}-{key}", "zoning tile")

    def _expect(self, tile: Tile) -> dict[str, Any]:
        return {"kind": _KIND, "version": TILE_FORMAT, "key": self.key, "index": tile.index}

    def _check(self, tile: Tile) -> Any:
        def check(path: Path) -> None:
            head, arrays = read_npz(path, self._expect(tile))
            r0, r1, c0, c1 = tile.core
            core = [r1 - r0, c1 - c0]
            for name in ("score", *(f"factor:{k}" for k in head.get("factors", []))):
                # a grid constant over the tile is kept as its one value (shape (1,))
                if name not in arrays or list(arrays[name].shape) not in (core, [1]):
                    raise ForeignFileError(f"its {name!r} is not the tile's {core} cells")
            if arrays["suitable"].dtype != bool or list(arrays["suitable"].shape) != core:
                raise ForeignFileError("its 'suitable' mask is not the tile's cells")

        return check

    def path(self, tile: Tile) -> Path:
        """The file of one tile (where it is, or where it would be written)."""
        found = self._slots.good.get(tile.index)
        return found if found is not None else self._slots.free(tile.index)

    def has(self, tile: Tile) -> bool:
        """Whether the tile is finished: a file of ours, its header and arrays checked."""
        return self._slots.find(tile.index, self._check(tile)) is not None

    def load(self, tile: Tile) -> dict[str, Any]:
        """A finished tile's arrays."""
        path = self._slots.good.get(tile.index)
        if path is None:
            path = self._slots.find(tile.index, self._check(tile))
        if path is None:
            raise CheckpointError(f"zoning tile {tile.index} is not in '{self.folder}'")
        try:
            head, arrays = read_npz(path, self._expect(tile))
        except ForeignFileError as exc:
            raise CheckpointError(
                f"checkpoint file '{path}' changed while the run used it: {exc}; run again "
                "(the tile is then computed again)"
            ) from None
        shape = arrays["suitable"].shape
        return {
            "index": tile.index,
            "score": _whole(arrays["score"], shape),
            "suitable": arrays["suitable"],
            "factors": {k: _whole(arrays[f"factor:{k}"], shape) for k in head["factors"]},
            "weights": {k: float(w) for k, w in head["weights"]},
            "skipped": list(head["skipped"]),
            "raster_geoms": {k: arrays[f"geom:{k}"].tobytes() for k in head["raster_geoms"]},
        }

    def save(self, tile: Tile, result: dict[str, Any]) -> None:
        """Write one tile atomically (to the first name nothing occupies)."""
        r0, r1, c0, c1 = tile.core
        core = (r1 - r0, c1 - c0)
        arrays = {"score": _packed(result["score"], core), "suitable": result["suitable"]}
        for k, f in result["factors"].items():
            arrays[f"factor:{k}"] = _packed(f, core)
        for k, g in result["raster_geoms"].items():
            arrays[f"geom:{k}"] = np.frombuffer(g, dtype=np.uint8)
        header = self._expect(tile) | {
            "factors": list(result["factors"]),
            "weights": [[k, float(w)] for k, w in result["weights"].items()],
            "skipped": list(result["skipped"]),
            "raster_geoms": list(result["raster_geoms"]),
        }
        path = self._slots.free(tile.index)
        write_npz(path, header, arrays)
        self._slots.good[tile.index] = path


def _packed(a: np.ndarray, core: tuple[int, int]) -> np.ndarray:
    """A grid whose cells all hold the same bits as that one value (shape (1,)), else itself.

    Most of a country is far from every feature: a factor is its default or 0 over
    whole tiles, and a file of one value instead of 64 MB keeps a national run's store
    to the tiles that vary.
    """
    if a.size == 0 or a.shape != core:
        return a  # not the tile's cells: kept as it is, for the reader to refuse
    bits = a.view(f"u{a.dtype.itemsize}") if a.dtype.kind == "f" else a
    first = bits.flat[0]
    return a.reshape(-1)[:1].copy() if bool((bits == first).all()) else a


def _whole(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The tile's grid from :func:`_packed`'s form."""
    return np.full(shape, a[0], dtype=a.dtype) if a.ndim == 1 else a


def inputs_key(
    shared: Shared, height: int, width: int, tile_cells: int, halo: int, *, checkpoint: Any = None
) -> str:
    """A key of everything a tile's cells depend on (layers, rules, grid, tiling, rasters).

    Rasters count by their content (:func:`landprofile._checkpoint.raster_stamp`); one
    whose content cannot be read here (a URL) gets a fresh key, so nothing is reused,
    and a :class:`~landprofile.errors.CheckpointWarning` says so when ``checkpoint`` is
    given.
    """
    import pandas as pd
    import shapely

    from landprofile import __version__

    h = hashlib.sha256()
    for part in (
        f"v{TILE_FORMAT} landprofile {__version__}",
        shared.crs_wkt,
        repr((shared.res, tuple(shared.transform), height, width, tile_cells, halo)),
        shared.rules.to_json(),
        repr(sorted(shared.known)),
        repr(shared.names),
        repr(sorted(shared.lut.items())),
        repr(shared.min_score),
    ):
        h.update(part.encode())
    h.update(shapely.to_wkb(shared.boundary))
    for name in sorted(shared.layers):
        gdf = shared.layers[name]
        h.update(name.encode())
        if gdf is None:
            continue
        for g in gdf.geometry.to_wkb():
            h.update(g)
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        if cols:
            # plain columns (the layer's attrs hold arrays pandas cannot compare)
            attrs = pd.DataFrame({c: gdf[c].astype(str).to_numpy() for c in cols})
            h.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
    for label, src in (
        ("land_cover", shared.land_cover),
        ("dem", shared.dem),
        ("geology", shared.geology),
    ):
        stamp, why = raster_stamp(src)
        h.update(f"{label}:{stamp}".encode())
        if why is not None and checkpoint is not None:
            warnings.warn(
                f"checkpoint '{checkpoint}': the {label} raster cannot be proved unchanged "
                f"between runs ({why}), so no tile of an earlier run is reused",
                CheckpointWarning,
                stacklevel=user_stacklevel(),
            )
    return h.hexdigest()[:20]
