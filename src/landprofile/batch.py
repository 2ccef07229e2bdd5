"""Profile many landscapes over large rasters, locally or on a dask.distributed cluster.

Serially, on local threads or processes, or on a dask.distributed cluster (dask is the
distributed engine; nothing home-made).

Each landscape's numbers do not depend on the others, and every task computes exactly
what the serial run computes, so the results are identical whatever the engine.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landprofile._batch_checkpoint import _Checkpoint
from landprofile._batch_chunk import _chunk_profile
from landprofile.errors import InvalidParameterError
from landprofile.vector import read_vector

__all__ = ["profile_many"]


def profile_many(
    landscapes: Any,
    *,
    land_cover: Any = None,
    legend: Any = None,
    population: Any = None,
    population_kind: str = "count",
    dem: Any = None,
    after: Any = None,
    after_legend: Any = None,
    footprints: Any = None,
    date_field: str | None = None,
    id_field: str | None = None,
    client: Any = None,
    workers: int | None = None,
    executor: str = "threads",
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Any = None,
) -> pd.DataFrame:
    """Profile thousands of landscapes (every basin of a level, every district of a country).

    Parameters
    ----------
    landscapes
        A GeoDataFrame of polygons or anything :func:`landprofile.read_vector` reads.
    land_cover, legend, population, population_kind, dem
        Rasters as for :func:`landprofile.profile` (paths are best: workers open them).
    after, after_legend
        A second date's land cover: adds ``natural_before_ha``, ``natural_after_ha``,
        ``natural_lost_ha``, ``natural_gained_ha`` (see :func:`landprofile.change`;
        ``land_cover`` is the first date).
    footprints, date_field
        Mining footprints by date: adds ``footprint_<date>_ha`` and
        ``footprint_new_<date>_ha`` (see :func:`landprofile.footprint_timeline`).
    id_field
        Column naming the landscapes (a ``name`` column, else the row number).
    client
        A ``dask.distributed.Client`` or a scheduler address (``"tcp://host:8786"``): run
        there. Otherwise run locally.
    workers
        Local workers (default: CPU count); 1 runs serially in this process.
    executor
        ``"threads"`` or ``"processes"`` for local runs.
    chunk_size
        Landscapes per task (default: about 4 tasks per worker).
    progress
        Called as ``progress(done, total)`` (landscapes) as chunks of them complete.
    checkpoint
        A folder keeping each finished chunk's rows: a run interrupted (Ctrl-C, a lost
        worker) and started again with the same inputs recomputes only the chunks not
        yet done. Chunks are keyed by their landscapes and the inputs, so a changed input
        is recomputed. Pass ``chunk_size`` too, so that chunks are the same across runs.

    Returns
    -------
    pandas.DataFrame
        One row per landscape, in input order: ``landscape``, ``area_ha`` (geodesic),
        ``natural_share``, ``share_<group>``, ``nodata_ha`` / ``unknown_ha`` /
        ``outside_ha``, ``population``, ``density_per_km2``, ``min_m``, ``max_m``, ``mean_m``
        (the columns of the rasters given).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import geopandas as gpd
    >>> from landprofile.batch import profile_many
    >>> from landprofile.testing import SQUARE_CRS, grid_partition, halves_land_cover
    >>> tif = halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif")  # tree | cropland
    >>> quarters = gpd.GeoDataFrame(  # the 1 km square in four 500 m squares
    ...     {"name": ["SW", "NW", "SE", "NE"]},
    ...     geometry=grid_partition(600_000, 600_000, 500, 2), crs=SQUARE_CRS)
    >>> table = profile_many(quarters, land_cover=tif, legend="esa_worldcover_v200",
    ...                      id_field="name")
    >>> table[["landscape", "share_forest", "share_cropland"]]
      landscape  share_forest  share_cropland
    0        SW           1.0             0.0
    1        NW           1.0             0.0
    2        SE           0.0             1.0
    3        NE           0.0             1.0
    >>> table["area_ha"].round(1).tolist()
    [25.0, 25.0, 25.0, 25.0]
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _profile_many(
            landscapes,
            land_cover=land_cover,
            legend=legend,
            population=population,
            population_kind=population_kind,
            dem=dem,
            after=after,
            after_legend=after_legend,
            footprints=footprints,
            date_field=date_field,
            id_field=id_field,
            client=client,
            workers=workers,
            executor=executor,
            chunk_size=chunk_size,
            progress=progress,
            checkpoint=checkpoint,
        )
    _summarise(caught, out)
    return out


def _summarise(caught: list, out: pd.DataFrame) -> None:
    """Say each kind of warning once for the batch, with how many landscapes it hit."""
    import warnings
    from collections import defaultdict

    from landprofile.errors import ScaleWarning
    from landprofile.landscape import SCALE_MAX_HA, SCALE_MIN_HA

    n = len(out)
    if n and "area_ha" in out:
        area = out["area_ha"].astype(float)
        below, above = int((area < SCALE_MIN_HA).sum()), int((area > SCALE_MAX_HA).sum())
        if below or above:
            warnings.warn(
                f"{below} of {n} landscapes are below and {above} above the "
                f"{SCALE_MIN_HA:,.0f}-{SCALE_MAX_HA:,.0f} ha usually meant by landscape "
                f"scale (smallest {area.min():,.0f} ha, largest {area.max():,.0f} ha); "
                "kept as given",
                ScaleWarning,
                stacklevel=3,
            )
    by_kind: dict[type, list[str]] = defaultdict(list)
    for w in caught:
        if not issubclass(w.category, ScaleWarning):
            by_kind[w.category].append(str(w.message))
    for category, messages in by_kind.items():
        unique = list(dict.fromkeys(messages))
        if len(unique) == 1:
            warnings.warn(unique[0], category, stacklevel=3)
            continue
        warnings.warn(
            f"{len(unique)} warnings of this kind in a batch of {n} landscapes; the first: "
            f"{unique[0]}",
            category,
            stacklevel=3,
        )


def _profile_many(
    landscapes: Any,
    *,
    land_cover: Any,
    legend: Any,
    population: Any,
    population_kind: str,
    dem: Any,
    after: Any,
    after_legend: Any,
    footprints: Any,
    date_field: str | None,
    id_field: str | None,
    client: Any,
    workers: int | None,
    executor: str,
    chunk_size: int | None,
    progress: Callable[[int, int], None] | None,
    checkpoint: Any = None,
) -> pd.DataFrame:
    import os

    gdf = landscapes if isinstance(landscapes, gpd.GeoDataFrame) else read_vector(landscapes)
    gdf = gdf.reset_index(drop=True)
    if id_field is None:
        id_field = "name" if "name" in gdf.columns else "_row"
    if id_field == "_row":
        gdf = gdf.assign(_row=[str(i) for i in range(len(gdf))])
    elif id_field not in gdf.columns:
        raise InvalidParameterError(
            f"id_field {id_field!r} not in the landscapes; columns: "
            + ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
        )
    if gdf[id_field].astype(str).duplicated().any():
        dup = gdf[id_field][gdf[id_field].astype(str).duplicated()].iloc[0]
        raise InvalidParameterError(
            f"landscape ids in {id_field!r} must be unique; {dup!r} appears twice"
        )
    if executor not in ("threads", "processes"):
        raise InvalidParameterError(f"executor {executor!r} is not 'threads' or 'processes'")
    n_workers = workers or os.cpu_count() or 1
    if client is not None and chunk_size is None:
        with contextlib.suppress(Exception):  # an address: cluster size unknown yet
            n_workers = (
                max(1, len(client.scheduler_info()["workers"]))
                if not isinstance(client, str)
                else n_workers
            )
    size = chunk_size or max(1, math.ceil(len(gdf) / (4 * n_workers)))
    chunks = [gdf.iloc[i : i + size] for i in range(0, len(gdf), size)]
    if after is not None and land_cover is None:
        raise InvalidParameterError("after= needs land_cover= (the first date) as well")
    args = (
        id_field,
        _path(land_cover),
        legend,
        _path(population),
        population_kind,
        _path(dem),
        _path(after),
        after_legend,
        footprints,
        date_field,
    )
    cp = _Checkpoint(checkpoint, chunks, args) if checkpoint is not None else None
    parts: list[pd.DataFrame | None] = [cp.load(i) if cp else None for i in range(len(chunks))]
    todo = [i for i, p in enumerate(parts) if p is None]
    done_count = sum(len(chunks[i]) for i, p in enumerate(parts) if p is not None)
    if progress and done_count:
        progress(done_count, len(gdf))

    def finished(i: int, df: pd.DataFrame) -> None:
        nonlocal done_count
        parts[i] = df
        if cp:
            cp.save(i, df)  # an interrupted batch resumes from here
        done_count += len(chunks[i])
        if progress:
            progress(done_count, len(gdf))

    if client is not None and todo:
        from landprofile.zoning.tiles_run import open_client

        cl, own = open_client(client)  # the helper zoning's tiles use too
        from distributed import as_completed

        try:
            futures = [cl.submit(_chunk_profile, chunks[i], *args, pure=False) for i in todo]
            index = {f.key: i for i, f in zip(todo, futures, strict=True)}
            for f in as_completed(futures):
                finished(index[f.key], f.result())
        finally:
            if own:
                cl.close()
    elif n_workers == 1 or len(todo) <= 1:
        for i in todo:
            finished(i, _chunk_profile(chunks[i], *args))
    else:
        pool_cls = ThreadPoolExecutor if executor == "threads" else ProcessPoolExecutor
        with pool_cls(max_workers=n_workers) as pool:
            futs = {i: pool.submit(_chunk_profile, chunks[i], *args) for i in todo}
            for i, f in futs.items():
                finished(i, f.result())
    results = [p for p in parts if p is not None]
    out = pd.concat(results, ignore_index=True) if results else pd.DataFrame()
    share_cols = sorted(c for c in out.columns if c.startswith("share_"))
    out[share_cols] = out[share_cols].fillna(0.0)
    front = [c for c in ("landscape", "area_ha", "natural_share") if c in out.columns]
    rest = [c for c in out.columns if c not in front and c not in share_cols]
    return out[front + share_cols + rest].replace({np.nan: None}).infer_objects()


def _path(src: Any) -> Any:
    """Rasters travel to workers as paths (a DataArray would be pickled whole)."""
    from landprofile.raster import Raster

    if isinstance(src, Raster) and src.path is not None:
        return src.path
    return src
