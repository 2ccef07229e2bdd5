"""Peak memory of ``from_dem`` on the 5,000 x 5,000 benchmark DEM (bytes per cell).

Usage (after bench_dem.py has built the DEM)::

    python benchmarks/bench_from_dem_memory.py
"""

import resource
import time
import warnings

import landprofile as lp

warnings.simplefilter("ignore")
PATH = "/tmp/landprofile-bench/dem_5000.tif"
r = lp.read_raster(PATH)
x, y = r.transform @ (2500.5, 2500.5)
t = time.perf_counter()
ls = lp.from_dem(PATH, (x, y), outlet_crs=32630, snap_m=3000)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(
    f"from_dem {time.perf_counter() - t:.2f} s (first call: includes loading the kernels), "
    f"{ls.area_km2:,.1f} km2, outlet moved {ls.provenance.parameters['snapped_moved_m']} m"
)
print(f"peak {peak / 2**20:,.0f} MB = {peak / (r.width * r.height):.1f} B/cell")
