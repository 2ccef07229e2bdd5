"""Running the tiles: here or on a dask cluster, with progress, Ctrl-C and a checkpoint.

Tiles are independent (:func:`~landprofile.zoning.tiles.compute_tile`): they run one
after the other in this process, or on the workers of a ``dask.distributed`` cluster
(a ``Client`` or a scheduler address, as :func:`landprofile.batch.profile_many` takes).
The inputs every tile needs (layers, rules, boundary) travel to the workers once
(scattered); a worker holds one tile at a time per thread, so its memory is bounded by
the tile size.

The workers share no disk with the client: no raster reaches a worker as a path of
the client's (:mod:`landprofile.zoning._cluster_rasters`).

- A raster the user gave as an ``http(s)://`` URL (a COG on a web server) is read by
  the workers themselves, by range requests with bounded waits: the URL is all that
  travels, each worker fetches the blocks of its own tile, and the client reads
  nothing but the header.
- Any other raster — a local file, a data name's mosaic in the client's cache, a
  DataArray, a ``/vsis3/`` path whose credentials may be the client's only — is read
  by the client, one window per tile (the blocks' source windows ``warp`` reads, two
  source pixels wider, so the cells are bit-equal to one grid), and scattered with that
  tile. Tiles are submitted as earlier ones finish, at most
  :data:`IN_FLIGHT_PER_THREAD` per worker thread, so the windows in flight (on the
  client while sent, on the workers until their tile is done) stay about twice the
  workers' threads whatever the country's size.

So nothing the client wrote (its temporary folder, the store, the cache of named
sources) is needed on a worker. A raster that cannot be read — the client's file, a URL
a worker cannot reach — stops the run with a
:class:`~landprofile.errors.TileRasterError` (an
:class:`~landprofile.errors.UnreadableFileError`) naming the raster and the tile.

The finished tiles come back to the client one by one (``as_completed``): each is
written to the store and released on the cluster before the next is taken, so neither
the client nor the scheduler gathers the grid. The stitching then runs from the store,
one tile at a time — regions joined across the seams from the tiles' edge lines
(:func:`landprofile.zoning.region_seams.regions_from_tiles`), scores and masks read by
window (:class:`landprofile.zoning.cells.TiledCells`) — never from a grid held in
memory. Only the client needs the store.

Each finished tile goes to a store (:mod:`landprofile.zoning.tiles_store`): the
``checkpoint`` folder when given (plain-array files with a checked header, named by a
key of every input's content, written atomically, never deleted: a national run that is
interrupted resumes from the tiles it finished, a checkpoint made from other inputs is
not read, and a file it did not write is never executed), else a temporary folder that
lives as long as the result (the factor grids are read back from it, tile by tile, when
zones are measured).

Progress is reported as steps ``tiles 12/40 · ~3 min left``; Ctrl-C (or any error)
cancels the cluster's futures before it propagates, and nothing but finished tiles has
been written.
"""

from __future__ import annotations

import os
import time
from typing import Any

from landprofile.errors import InvalidParameterError
from landprofile.zoning.tiles import Shared, Tile, compute_tile
from landprofile.zoning.tiles_store import TileStore, inputs_key

__all__ = ["TileStore", "inputs_key", "open_client", "run_tiles", "scheduler_address"]


def scheduler_address(address: Any) -> dict[str, str]:
    """``Client`` keywords for a scheduler address, parsed before anything connects.

    Accepted: ``tcp://host:port`` (port 1-65535) or the path of an existing scheduler
    file (``dask scheduler --scheduler-file``). Anything else is a
    :class:`~landprofile.errors.SettingError` naming the value and what is accepted.
    """
    from urllib.parse import urlsplit

    from landprofile.errors import SettingError

    text = os.fspath(address).strip()
    accepted = "expected tcp://host:port (port 1-65535) or the path of a scheduler file"
    if "://" not in text:
        if text and os.path.isfile(text):
            return {"scheduler_file": text}
        raise SettingError(f"scheduler {text!r} is not accepted: {accepted}")
    parts = urlsplit(text)
    if parts.scheme != "tcp":
        raise SettingError(
            f"scheduler {text!r} is not accepted: the scheme {parts.scheme + '://'!r} is not "
            f"supported (tls:// needs certificates this option cannot take); {accepted}"
        )
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or not 1 <= port <= 65535 or parts.path.strip("/"):
        raise SettingError(f"scheduler {text!r} is not accepted: {accepted}")
    return {"address": f"tcp://{parts.netloc}"}


def open_client(client: Any) -> tuple[Any, bool]:
    """A ``dask.distributed.Client`` from a client or an address, and whether it is ours."""
    try:
        from distributed import Client
    except ImportError:
        raise InvalidParameterError(
            "client= needs dask.distributed: pip install 'landprofile[dask]'"
        ) from None
    if isinstance(client, str | os.PathLike):
        kw = scheduler_address(client)
        where = os.fspath(client)
        opened = _connect(Client, kw, where)
        _require_workers(opened, where, close=True)
        return opened, True
    if not hasattr(client, "submit"):
        raise InvalidParameterError(
            f"client={client!r} is neither a dask.distributed.Client nor a scheduler address"
        )
    _require_workers(client, "the client given", close=False)
    return client, False


#: seconds to connect to a scheduler, handshake included, and to wait for its first worker
CONNECT_S = 30.0
WORKERS_S = 30.0


def _connect(client_cls: Any, kw: dict[str, str], where: str) -> Any:
    """``Client(**kw)`` within :data:`CONNECT_S`, the handshake included.

    distributed's own timeout covers the TCP connect, not a peer that accepts and then
    never answers the handshake (an ordinary HTTP server on that port waits for a
    request forever): the client is made on a helper thread and given up after the
    deadline.
    """
    import threading

    box: dict[str, Any] = {}

    def make() -> None:
        try:
            box["client"] = client_cls(**kw, timeout=f"{CONNECT_S:g}s")
        except BaseException as exc:  # reported on the calling thread
            box["error"] = exc

    t = threading.Thread(target=make, name="landprofile-dask-connect", daemon=True)
    t.start()
    t.join(CONNECT_S + 5.0)
    advice = "give the address 'tcp://host:8786' of a running scheduler, or its scheduler file"
    if t.is_alive():
        raise InvalidParameterError(
            f"the dask scheduler at {where!r} did not complete the handshake within "
            f"{CONNECT_S + 5.0:g} s: something listens there but is not a dask scheduler "
            f"(an HTTP server?); {advice}"
        )
    if "error" in box:
        exc = box["error"]
        raise InvalidParameterError(
            f"cannot reach the dask scheduler at {where!r}: {type(exc).__name__}: {exc} ({advice})"
        ) from None
    return box["client"]


def _require_workers(client: Any, where: str, *, close: bool) -> None:
    """A named error when the scheduler has no worker after :data:`WORKERS_S`."""
    try:
        client.wait_for_workers(1, timeout=WORKERS_S)
    except (TimeoutError, OSError) as exc:
        if close:
            client.close()
        raise InvalidParameterError(
            f"the dask scheduler at {where!r} has no worker (waited {WORKERS_S:g} s: "
            f"{type(exc).__name__}); start workers with 'dask worker <scheduler address>' "
            "or give a cluster that has some"
        ) from None
    except AttributeError:
        return  # not a distributed Client (a test double): nothing to ask


def run_tiles(
    tiles: list[Tile],
    shared: Shared,
    store: TileStore,
    *,
    client: Any = None,
    progress: Any = None,
) -> float:
    """Compute every tile not in ``store`` yet; returns the seconds spent."""
    t0 = time.perf_counter()
    todo = [t for t in tiles if not store.has(t)]
    total, done = len(tiles), len(tiles) - len(todo)
    cells_todo = sum(t.cells for t in todo)
    cells_done = 0
    label = [None]

    def report() -> None:
        if progress is None:
            return
        if label[0] is not None:
            progress(label[0], time.perf_counter() - t_step[0])
        left = ""
        if cells_done and cells_todo > cells_done:
            rate = (time.perf_counter() - t0) / cells_done
            left = f" · ~{_minutes(rate * (cells_todo - cells_done))} left"
        label[0] = f"tiles {done}/{total}{left}"
        t_step[0] = time.perf_counter()
        progress(label[0], None)

    t_step = [time.perf_counter()]

    def finished(tile: Tile, result: dict[str, Any]) -> None:
        nonlocal done, cells_done
        store.save(tile, result)
        done += 1
        cells_done += tile.cells
        report()

    report()
    if client is None:
        for t in todo:
            finished(t, compute_tile(t, shared))
    elif todo:
        _run_on_cluster(todo, shared, client, finished)
    if progress is not None and label[0] is not None:
        progress(label[0], time.perf_counter() - t_step[0])
    return time.perf_counter() - t0


#: Tiles in flight per worker thread: one running, one waiting with its windows, so a
#: worker never idles for the client and the client never holds more windows than that.
IN_FLIGHT_PER_THREAD = 2


def _run_on_cluster(todo: list[Tile], shared: Shared, client: Any, finished: Any) -> None:
    """The tiles on the workers, at most :data:`IN_FLIGHT_PER_THREAD` per thread at once.

    Rasters reach the workers without a path of the client's
    (:mod:`landprofile.zoning._cluster_rasters`): a URL is read by the workers; any other
    raster's window is read here for each tile as it is submitted and scattered with it.
    Each result goes to the store as it comes back and is released.
    """
    from distributed import as_completed

    from landprofile.zoning._cluster_rasters import (
        TileRasterError,
        compute_remote_tile,
        split,
        tile_windows,
    )

    cl, own = open_client(client)
    futures: dict[Any, tuple[Tile, Any, list[Any]]] = {}
    shared_f = None
    try:
        worker_shared, sent = split(shared)
        # the layers, rules and boundary travel to every worker once
        shared_f = cl.scatter(worker_shared, broadcast=True, hash=False)
        threads = sum(cl.nthreads().values()) if hasattr(cl, "nthreads") else 1
        limit = max(2, IN_FLIGHT_PER_THREAD * max(threads, 1))
        queue = iter(todo)

        def submit() -> Any:
            t = next(queue, None)
            if t is None:
                return None
            windows = tile_windows(t, shared, sent)
            names = list(windows)
            # scattered, not embedded in the task: a window is megabytes, and a
            # scattered one lives on a worker only, until the tile is done
            data = cl.scatter([windows[k] for k in names], hash=False) if names else []
            del windows
            f = cl.submit(
                compute_remote_tile, t, shared_f, dict(zip(names, data, strict=True)), pure=False
            )
            futures[f.key] = (t, f, data)
            return f

        ac = as_completed([f for f in (submit() for _ in range(limit)) if f is not None])
        for f in ac:
            t, _, data = futures[f.key]
            try:
                result = f.result()
            except TileRasterError as exc:
                # the worker's message, without the worker's traceback
                raise TileRasterError(str(exc)) from None
            finished(t, result)
            del futures[f.key]
            f.release()
            for d in data:
                d.release()
            del result
            nxt = submit()
            if nxt is not None:
                ac.add(nxt)
    except BaseException:
        # Ctrl-C or a failed tile: nothing more runs on the cluster for us
        # (the traceback keeps this frame, and so its futures, alive: cancelled here)
        pending = [x for _, f, data in futures.values() for x in (f, *data)]
        pending += [shared_f] if shared_f is not None else []
        if pending:
            cl.cancel(pending)
        raise
    finally:
        if own:
            cl.close()


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class cluster:  # noqa: N801  (a context manager used like a function)
    """The ``candidates`` arguments for a cluster: a scheduler's address, or N local workers.

    ``scheduler`` given: its client (waiting for ``workers`` workers, when given);
    ``workers`` only: a ``LocalCluster`` of that many single-threaded worker processes
    on this machine, closed at the end; neither: ``{}`` (this process). ``checkpoint``
    (a folder) is passed on as ``candidates``' own.
    """

    def __init__(self, scheduler: str | None, workers: int | None, checkpoint: Any = None) -> None:
        self.scheduler, self.workers = scheduler, workers
        self.checkpoint = checkpoint
        self._close: list[Any] = []

    def __enter__(self) -> dict[str, Any]:
        where = self._where()
        if self.checkpoint is not None:
            where["checkpoint"] = self.checkpoint
        return where

    def _where(self) -> dict[str, Any]:
        if self.scheduler is None and not self.workers:
            return {}
        if self.scheduler is not None:
            cl, _ = open_client(self.scheduler)
            self._close.append(cl)
            if self.workers:
                cl.wait_for_workers(self.workers, timeout=120)
            return {"client": cl}
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InvalidParameterError(
                "--workers needs dask.distributed: pip install 'landprofile[dask]'"
            ) from None
        lc = LocalCluster(
            n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        self._close.append(lc)
        cl = Client(lc)
        self._close.append(cl)
        return {"client": cl}

    def __exit__(self, *exc: object) -> None:
        for obj in reversed(self._close):
            obj.close()
