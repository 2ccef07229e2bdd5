"""A batch's checkpoint: each finished chunk's rows on disk, so a run can resume."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd


class _Checkpoint:
    """Finished chunks on disk, each written atomically, keyed by content."""

    def __init__(self, folder: Any, chunks: list[gpd.GeoDataFrame], args: tuple) -> None:
        import hashlib
        import os
        from pathlib import Path

        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from landprofile.errors import OutputError

            raise OutputError(
                f"cannot write the folder '{self.folder}': {exc.strerror or exc} (choose an "
                "output in a folder you can write to)"
            ) from None
        stamp = []
        for a in args:
            if isinstance(a, str | os.PathLike) and os.path.exists(a):
                st = os.stat(a)
                stamp.append(f"{os.fspath(a)}:{st.st_size}:{st.st_mtime_ns}")
            else:
                stamp.append(repr(a))
        base = hashlib.sha256("|".join(stamp).encode()).hexdigest()
        self.keys = []
        for c in chunks:
            h = hashlib.sha256(base.encode())
            h.update(repr(list(c.index)).encode())
            for g in c.geometry.to_wkb():
                h.update(g)
            self.keys.append(h.hexdigest()[:20])

    def _path(self, i: int) -> Any:
        return self.folder / f"chunk-{i:05d}-{self.keys[i]}.pkl"

    def load(self, i: int) -> pd.DataFrame | None:
        p = self._path(i)
        return pd.read_pickle(p) if p.exists() else None

    def save(self, i: int, df: pd.DataFrame) -> None:
        from landprofile._atomic import atomic_path

        with atomic_path(self._path(i)) as tmp:
            df.to_pickle(tmp)
