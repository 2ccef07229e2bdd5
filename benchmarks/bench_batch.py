"""Batch profiles: 1,000 landscapes over a 1.44e8-cell land cover raster, serial vs a
dask LocalCluster of 2 workers (processes), with peak memory per worker.

Usage::

    python benchmarks/bench_batch.py

Uses the raster and the 1,000 landscapes of bench_land_cover.py (built on first use).
"""

from __future__ import annotations

import resource
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_land_cover import landscapes, make_raster

from landprofile.batch import profile_many


def _load_kernels() -> None:
    from landprofile import _coverage

    _coverage.kernels()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    warnings.simplefilter("ignore")
    size = 12_000
    path = make_raster(size)
    gdf = landscapes(size, "many")
    t0 = time.perf_counter()
    serial = profile_many(gdf, land_cover=path, legend="esa_worldcover_v100", workers=1)
    t_serial = time.perf_counter() - t0
    peak_serial = _peak_mb()
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        # warm the workers (imports, numba kernels from the on-disk cache) as a long-lived
        # cluster would be; the cold start is reported separately
        t0 = time.perf_counter()
        client.run(_load_kernels)  # small windows alone would not load numba
        profile_many(
            gdf.iloc[:4], land_cover=path, legend="esa_worldcover_v100", client=client, chunk_size=2
        )
        t_warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        dist = profile_many(gdf, land_cover=path, legend="esa_worldcover_v100", client=client)
        t_dask = time.perf_counter() - t0
        peaks = client.run(_peak_mb)
    pd.testing.assert_frame_equal(dist, serial)
    print(f"1,000 landscapes over {size}x{size} cells")
    print(f"serial (1 process):        {t_serial:7.2f} s, peak {peak_serial:,.0f} MB")
    print(
        f"dask LocalCluster 2 procs: {t_dask:7.2f} s ({t_serial / t_dask:.2f}x), peak per "
        f"worker " + ", ".join(f"{v:,.0f} MB" for v in peaks.values())
    )
    print(f"(cold start of the 2 workers, on 4 landscapes: {t_warm:.2f} s)")
    print("results identical to the serial run: yes")


if __name__ == "__main__":
    main()
