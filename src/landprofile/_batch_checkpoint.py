"""A batch's checkpoint: each finished chunk's rows on disk, so a run can resume.

A chunk is a Parquet file (plain columns, no pickle) whose schema metadata holds a JSON
header (format, version, key, chunk index, row count), all checked before the rows are
used. The key stamps every input by its content (:mod:`landprofile._checkpoint`): a
raster by its bytes (a VRT's sources included) and georeferencing, a GeoDataFrame by its
geometries and columns, the chunk by its ids and geometries. A file that fails the check
(planted, damaged, another run's) is named in a warning, left in place, and its chunk is
computed again into the next free name.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

#: Bumped when what a chunk file holds changes.
CHUNK_FORMAT = 2
_KIND = "landprofile batch chunk"
_META = b"landprofile"


def _stamp(a: Any) -> str:
    """A stamp of one argument of the batch, by content where it has one."""
    from landprofile._checkpoint import file_digest, raster_stamp
    from landprofile.raster import Raster

    if a is None or isinstance(a, bool | int | float):
        return repr(a)
    if isinstance(a, Raster) or (hasattr(a, "rio") and hasattr(a, "values")):
        return raster_stamp(a)[0]
    if isinstance(a, str | os.PathLike):
        if os.path.isfile(a):
            stamp, why = raster_stamp(a)
            return stamp if why is None else f"{os.fspath(a)}:{file_digest(a)}"
        if os.path.isdir(a):  # a shapefile folder, a legend folder: every file in it
            h = hashlib.sha256()
            for f in sorted(Path(a).rglob("*")):
                if f.is_file():
                    h.update(f"{f.relative_to(a)}:{file_digest(f)}".encode())
            return h.hexdigest()
        return repr(a)
    if isinstance(a, gpd.GeoDataFrame):
        return _frame_stamp(a)
    return repr(a)


def _frame_stamp(gdf: gpd.GeoDataFrame) -> str:
    h = hashlib.sha256(repr(list(gdf.index)).encode())
    for g in gdf.geometry.to_wkb():
        h.update(g)
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    h.update(repr(cols).encode())
    if cols:
        attrs = pd.DataFrame({c: gdf[c].astype(str).to_numpy() for c in cols})
        h.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
    return h.hexdigest()


class _Checkpoint:
    """Finished chunks on disk, each written atomically, keyed by content."""

    def __init__(self, folder: Any, chunks: list[gpd.GeoDataFrame], args: tuple) -> None:
        from landprofile._checkpoint import SlotFiles

        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from landprofile.errors import OutputError

            raise OutputError(
                f"cannot write the folder '{self.folder}': {exc.strerror or exc} (choose an "
                "output in a folder you can write to)"
            ) from None
        base = hashlib.sha256(
            "|".join([f"v{CHUNK_FORMAT}", *(_stamp(a) for a in args)]).encode()
        ).hexdigest()
        self.keys = [
            hashlib.sha256((base + _frame_stamp(c)).encode()).hexdigest()[:20] for c in chunks
        ]
        self.rows = [len(c) for c in chunks]
        self._slots = SlotFiles(
            self.folder, lambda i: f"chunk-{i:05d}-{self.keys[i]}", "batch chunk", ".parquet"
        )

    def _expect(self, i: int) -> dict[str, Any]:
        return {"kind": _KIND, "version": CHUNK_FORMAT, "key": self.keys[i], "index": i}

    def _read(self, i: int, path: Path) -> pd.DataFrame:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from landprofile._checkpoint import ForeignFileError

        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise ForeignFileError(
                f"damaged or not Parquet ({type(exc).__name__}: {exc})"
            ) from None
        raw = (table.schema.metadata or {}).get(_META)
        try:
            head = json.loads(raw) if raw is not None else None
        except (ValueError, UnicodeDecodeError):
            head = None
        if not isinstance(head, dict):
            raise ForeignFileError("it has no landprofile header")
        for k, v in self._expect(i).items():
            if head.get(k) != v:
                raise ForeignFileError(f"its header says {k}={head.get(k)!r}, expected {v!r}")
        if table.num_rows != self.rows[i] or head.get("rows") != self.rows[i]:
            raise ForeignFileError(f"it holds {table.num_rows} rows, the chunk has {self.rows[i]}")
        try:
            return table.to_pandas()
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise ForeignFileError(f"its columns cannot be read ({exc})") from None

    def _path(self, i: int) -> Path:
        # the file of chunk i, where it is or where it would go (for tests and messages)
        found = self._slots.good.get(i)
        return found if found is not None else self._slots.free(i)

    def load(self, i: int) -> pd.DataFrame | None:
        """Chunk ``i``'s rows if a checked file holds them, else ``None`` (compute it)."""
        got: list[pd.DataFrame] = []

        def check(path: Path) -> None:
            got.append(self._read(i, path))

        path = self._slots.find(i, check)
        if path is None:
            return None
        return got[-1] if got else self._read(i, path)

    def save(self, i: int, df: pd.DataFrame) -> None:
        """Write chunk ``i`` atomically, its header in the schema's metadata."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from landprofile._atomic import atomic_path

        table = pa.Table.from_pandas(df, preserve_index=False)
        head = self._expect(i) | {"rows": len(df)}
        meta = dict(table.schema.metadata or {})
        meta[_META] = json.dumps(head, sort_keys=True).encode()
        table = table.replace_schema_metadata(meta)
        path = self._slots.free(i)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        self._slots.good[i] = path
