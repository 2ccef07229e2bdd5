"""Running a statistic over zones and strips, and the warnings all raster stages share.

:func:`run_zones` spends the threads where the work is: over the strips of a single
landscape, over the landscapes of many. Land cover (:mod:`.stats`), population and
elevation (:mod:`.continuous`) run on it.
"""

from __future__ import annotations

import os
import warnings
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from landprofile import _coverage as cov
from landprofile.errors import CoverageWarning, InvalidParameterError, user_stacklevel
from landprofile.profile._zones import Zone
from landprofile.raster import Raster, read_raster

#: Rasters up to this many cells are summarised on one thread unless threads= says
#: otherwise: a whole one is read and counted in milliseconds, less than a thread's set-up.
SERIAL_CELLS = 1_000_000

T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")


def default_threads() -> int:
    """Worker threads for zonal statistics: ``LANDPROFILE_THREADS`` or the CPU count (max 8)."""
    env = os.environ.get("LANDPROFILE_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise InvalidParameterError(
                f"LANDPROFILE_THREADS={env!r} is not a whole number of threads"
            ) from None
    return max(1, min(os.cpu_count() or 1, 8))


def run_zones(
    raster: Raster,
    zones: list[Zone],
    per_zone: Callable[[cov.StripReader, Zone, StripMap], R],
    threads: int | None,
) -> list[R]:
    """Run ``per_zone`` for every zone, in parallel over zones, or over the strips of one.

    ``per_zone(reader, zone, smap)`` gets a :class:`StripMap`, a map over strips that is
    parallel when there is a single zone and serial otherwise, so that the threads are
    spent where the work is. Results come back in zone order, identical to a serial run
    (each strip's partial result is reduced in strip order).
    """
    n = threads or default_threads()
    if threads is None and raster.width * raster.height <= SERIAL_CELLS:
        n = 1  # a small raster: threads (a handle and a transformer each) cost more
    with cov.StripReader(raster) as reader:
        if not reader.thread_safe:
            n = 1
        if n == 1:
            return [per_zone(reader, z, StripMap()) for z in zones]
        with ThreadPoolExecutor(max_workers=n) as pool:
            if len(zones) == 1:
                return [per_zone(reader, zones[0], StripMap(pool, ahead=n + 1))]
            return list(pool.map(lambda z: per_zone(reader, z, StripMap()), zones))


class StripMap:
    """A map over the strips of one landscape: serial, or on a thread pool.

    ``smap(fn, items)`` is ``[fn(i) for i in items]`` (on the pool: ``pool.map``).
    ``smap.pipeline(read, count, items)`` is ``[count(i, read(i)) for i in items]`` with
    the reads on the pool, up to ``ahead`` strips ahead, and the counts on the calling
    thread in strip order: for counts that hold the GIL (numpy's ``bincount``), so that
    one thread counts without pause while the others decompress (GDAL releases the GIL),
    instead of threads that each read and count taking the GIL from one another.
    """

    def __init__(self, pool: ThreadPoolExecutor | None = None, ahead: int = 0) -> None:
        self._pool = pool
        self._ahead = max(ahead, 1)

    def __call__(self, fn: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
        """``fn`` over ``items``, as a list in their order."""
        if self._pool is None:
            return [fn(i) for i in items]
        return list(self._pool.map(fn, items))

    def pipeline(
        self, read: Callable[[Any], V], count: Callable[[Any, V], T], items: Iterable[Any]
    ) -> list[T]:
        """``[count(i, read(i)) for i in items]``, the reads ahead on the pool."""
        todo = list(items)
        if self._pool is None or len(todo) < 2:
            return [count(i, read(i)) for i in todo]
        pending: deque[tuple[Any, Future[V]]] = deque()
        nxt = 0
        out: list[T] = []
        try:
            while nxt < len(todo) or pending:
                while nxt < len(todo) and len(pending) < self._ahead:
                    pending.append((todo[nxt], self._pool.submit(read, todo[nxt])))
                    nxt += 1
                item, fut = pending.popleft()
                out.append(count(item, fut.result()))
        finally:
            for _, fut in pending:  # after an error: no read is left to run for nothing
                fut.cancel()
        return out


#: Below this area (m²) a landscape is a sliver no cell can say anything of: a zero
#: coverage then means nothing, and it gets no warning.
SLIVER_M2 = 1.0


def read_for(src: Any, zones: list[Zone]) -> Raster:
    """``read_raster`` with the zones' longitude/latitude box (read for a data name)."""
    from landprofile.sources.catalogue import parse_name

    if parse_name(src) is None:
        return read_raster(src)
    from landprofile.sources import lonlat_bounds

    return read_raster(src, bounds=lonlat_bounds(zones))


def warn_outside(zone: Zone, rast: Raster) -> None:
    """Warn that ``zone`` lies wholly outside ``rast`` (its table is all "outside")."""
    if zone.area_m2 < SLIVER_M2:
        return
    w, s, e, n = rast.bounds
    warnings.warn(
        f"landscape {zone.id!r} lies entirely outside the raster {rast.label} (bounds "
        f"{w:.4g}, {s:.4g}, {e:.4g}, {n:.4g} in {rast.crs.to_string()}): its table holds "
        "only the area outside; check the raster's extent and CRS",
        CoverageWarning,
        stacklevel=user_stacklevel(),
    )


#: Share of a landscape that may lie outside a raster before it is said (edge cells).
PARTIAL_LIMIT = 0.01


def warn_partial(zone: Zone, rast: Raster, covered_m2: float, consequence: str) -> None:
    """Warn that ``rast`` covers only part of ``zone`` (more than 1 % lies outside)."""
    if zone.area_m2 < SLIVER_M2 or covered_m2 >= (1 - PARTIAL_LIMIT) * zone.area_m2:
        return
    share = 100 * covered_m2 / zone.area_m2
    warnings.warn(
        f"landscape {zone.id!r}: the raster {rast.label} covers only {share:.3g} % of it: "
        f"{consequence} (the rest is reported as outside); use a raster (or VRT mosaic) "
        "that covers the whole landscape",
        CoverageWarning,
        stacklevel=user_stacklevel(),
    )


def warn_negative(zone: Zone, rast: Raster, n_cells: int, minimum: float) -> None:
    """Warn that negative values of a population raster were taken as nodata."""
    warnings.warn(
        f"landscape {zone.id!r}: the population raster {rast.label} holds {n_cells:,} "
        f"negative cell(s) around it (minimum {minimum:g}); people cannot be negative, so "
        "they are taken as nodata (counted in nodata_ha); set the raster's nodata value",
        CoverageWarning,
        stacklevel=user_stacklevel(),
    )


def warn_no_data(zone: Zone, rast: Raster, consequence: str) -> None:
    """Warn that ``rast`` holds no usable value inside the landscape (``consequence``)."""
    if zone.area_m2 < SLIVER_M2:
        return
    warnings.warn(
        f"landscape {zone.id!r}: the raster {rast.label} holds only nodata (or values its "
        f"legend does not know) inside it: {consequence}; check the raster's nodata "
        "value and that it covers this area",
        CoverageWarning,
        stacklevel=user_stacklevel(),
    )
