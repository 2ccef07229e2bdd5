"""DEM path (condition, directions, accumulation, catchment): landprofile vs pysheds.

Usage (from the repository root, dev environment; pysheds in its own venv, see
pysheds_worker.py)::

    python benchmarks/bench_dem.py --size 5000            # synthetic 5,000 x 5,000 DEM
    python benchmarks/bench_dem.py --real                 # Debian r-cran-terra ex/elev.tif
    python benchmarks/bench_dem.py --size 10000 --only landprofile   # memory per cell

Both tools run in fresh subprocesses; their catchments for the same outlet cells are
compared by intersection over union (IoU).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORK = Path("/tmp/landprofile-bench")
PYSHEDS_PY = os.environ.get("PYSHEDS_PYTHON", "/tmp/pysheds-venv/bin/python")
HERE = Path(__file__).resolve().parent
#: Cell size of the UTM warp of the real DEM: its native ~600 m x 930 m, no upsampling.
RES_M = 600


def synthetic_dem(size: int) -> Path:
    """Fractal-ish terrain: smoothed noise at several scales on a gentle tilt (UTM 30N)."""
    import rasterio
    from affine import Affine
    from scipy.ndimage import gaussian_filter

    path = WORK / f"dem_{size}.tif"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    z = np.zeros((size, size), np.float32)
    for sigma, amp in ((size / 8, 400.0), (size / 40, 80.0), (size / 200, 15.0), (2, 2.0)):
        n = gaussian_filter(rng.standard_normal((size, size)).astype(np.float32), sigma)
        z += amp * n / (n.std() + 1e-12)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    z += 0.02 * (xx + yy) * 30  # tilt towards the north-west
    z = np.round(z, 1)  # decimetre DEM: real flats
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=size,
        height=size,
        count=1,
        dtype="float32",
        crs="EPSG:32630",
        transform=Affine(30, 0, 500_000, 0, -30, 800_000),
        nodata=-9999,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
    ) as ds:
        ds.write(z, 1)
    return path


def real_dem() -> Path | None:
    """ex/elev.tif from Debian's r-cran-terra (a real SRTM-derived DEM of Luxembourg).

    Warped to UTM 32N at 90 m (bilinear): pysheds measures slopes in the grid's own units,
    so on a geographic grid at 50 N it would take cells for squares when they are 1.6
    times taller than wide, while landprofile uses true distances; on a projected grid
    both measure the same slopes and can be compared cell for cell.
    """
    src = _terra_elev()
    if src is None:
        return None
    out = WORK / f"elev_utm32_{RES_M}m_valid.tif"
    if out.exists():
        return out
    import rasterio
    from affine import Affine
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    WORK.mkdir(parents=True, exist_ok=True)
    with rasterio.open(src) as ds:
        t, w, h = calculate_default_transform(
            ds.crs, "EPSG:32632", ds.width, ds.height, *ds.bounds, resolution=RES_M
        )
        prof = ds.profile | {
            "crs": "EPSG:32632",
            "transform": t,
            "width": w,
            "height": h,
            "dtype": "float32",
            "nodata": -9999.0,
        }
        dst = np.full((h, w), -9999.0, np.float32)
        reproject(
            ds.read(1).astype(np.float32),
            dst,
            src_transform=ds.transform,
            src_crs=ds.crs,
            src_nodata=ds.nodata,
            dst_transform=t,
            dst_crs="EPSG:32632",
            dst_nodata=-9999.0,
            resampling=Resampling.bilinear,
        )
    # pysheds fills depressions as if nodata were terrain but routes flow into nodata
    # as if it were a sink; landprofile treats nodata as a sink in both steps. To compare
    # the algorithms and not that convention, keep the largest all-valid rectangle.
    r0, r1, c0, c1 = _largest_valid_rectangle(dst != -9999.0)
    dst = dst[r0:r1, c0:c1]
    prof |= {"transform": t @ Affine.translation(c0, r0), "width": c1 - c0, "height": r1 - r0}
    with rasterio.open(out, "w", **prof) as o:
        o.write(dst, 1)
    return out


def _largest_valid_rectangle(valid: np.ndarray) -> tuple[int, int, int, int]:
    h, w = valid.shape
    bad = np.pad(np.cumsum(np.cumsum(~valid, 0), 1), ((1, 0), (1, 0)))
    best, box = 0, (0, 0, 0, 0)
    for r0 in range(h):
        for r1 in range(r0 + 1, h + 1):
            for c0 in range(w):
                for c1 in range(w, c0, -1):
                    if (r1 - r0) * (c1 - c0) <= best:
                        break
                    if bad[r1, c1] - bad[r0, c1] - bad[r1, c0] + bad[r0, c0] == 0:
                        best, box = (r1 - r0) * (c1 - c0), (r0, r1, c0, c1)
                        break
    return box


def _terra_elev() -> Path | None:
    found = glob.glob("/tmp/terra/usr/lib/R/site-library/terra/ex/elev.tif")
    if found:
        return Path(found[0])
    tmp = Path(tempfile.mkdtemp())
    try:
        subprocess.run(
            ["apt-get", "download", "r-cran-terra"], cwd=tmp, check=True, capture_output=True
        )
        deb = next(tmp.glob("r-cran-terra_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), "/tmp/terra"], check=True)
    except (subprocess.CalledProcessError, StopIteration, FileNotFoundError):
        return None
    found = glob.glob("/tmp/terra/usr/lib/R/site-library/terra/ex/elev.tif")
    return Path(found[0]) if found else None


def landprofile_child(path: str, n_outlets: int) -> None:
    from landprofile.watershed import _hydro
    from landprofile.watershed import dem as wd

    t = {}
    t0 = time.perf_counter()
    data, raster = wd._as_grid(path)
    valid = wd._valid(data, raster.nodata)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    filled = wd.fill_depressions(np.where(valid, data, 0).astype(np.float32), valid)
    t["fill"] = time.perf_counter() - t0
    del data
    t0 = time.perf_counter()
    dx, dy = wd._cell_sizes_m(raster)
    d = _hydro.d8_directions(filled, valid, dx, dy)
    t["directions+flats"] = time.perf_counter() - t0
    del filled
    t0 = time.perf_counter()
    cells, _, order = _hydro.accumulate(d, wd._row_areas_m2(raster), False)
    t["accumulation"] = time.perf_counter() - t0
    # outlets: the n largest accumulations away from the grid edge
    inner = cells.copy()
    inner[:2, :] = inner[-2:, :] = inner[:, :2] = inner[:, -2:] = 0
    flat = np.argsort(inner.ravel())[::-1]
    chosen = []
    for idx in flat:
        r, c = divmod(int(idx), cells.shape[1])
        if all(abs(r - a) + abs(c - b) > 20 for a, b in chosen):
            chosen.append((r, c))
        if len(chosen) == n_outlets:
            break
    del inner
    t0 = time.perf_counter()
    # every outlet's catchment in one sweep (landprofile.watershed.catchments)
    da = wd._to_dataarray(d, raster, "flow_directions", -2)
    masks = {f"m{i}": m for i, m in enumerate(wd.catchments(da, chosen, order=order))}
    t["catchment"] = time.perf_counter() - t0
    xy = [[r, c] for r, c in chosen]
    out = WORK / "lp_masks.npz"
    np.savez_compressed(out, **masks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": t,
                "total": sum(v for k, v in t.items() if k != "read"),
                "peak_mb": peak,
                "cells": int(valid.size),
                "outlets": xy,
                "upstream_cells": [int(m.sum()) for m in masks.values()],
            }
        )
    )


def warm() -> None:
    # compile / load the numba kernels once (cached on disk) so timings are steady state
    from affine import Affine

    from landprofile.testing import dem_dataarray, two_basins
    from landprofile.watershed import dem as wd

    for z in (two_basins(20, 20),):
        da = dem_dataarray(z, Affine(30, 0, 0, 0, -30, 600), "EPSG:32630")
        d = wd.flow_directions(wd.condition(da))
        wd.flow_accumulation(d)
        wd.catchments(d, [(19, 0)])


def run(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=5000)
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--outlets", type=int, default=5)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="fresh runs of each tool; the fastest of each is compared",
    )
    ap.add_argument("--only", choices=["landprofile", "pysheds"])
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        warm()
        landprofile_child(args.child[0], int(args.child[1]))
        return
    path = real_dem() if args.real else synthetic_dem(args.size)
    if path is None:
        raise SystemExit("real DEM not available (apt-get download r-cran-terra failed)")
    print(f"DEM: {path}")
    results = {}
    if args.only != "pysheds":
        lp = min(
            (
                run([sys.executable, __file__, "--child", str(path), str(args.outlets)])
                for _ in range(args.repeat)
            ),
            key=lambda r: r["total"],
        )
        results["landprofile"] = lp
        print(
            f"landprofile: {lp['total']:.2f} s {json.dumps(lp['seconds'])} "
            f"peak {lp['peak_mb']:.0f} MB = {lp['peak_mb'] * 2**20 / lp['cells']:.1f} B/cell"
        )
    if args.only is None:
        lp = results["landprofile"]
        ps = min(
            (
                run(
                    [
                        PYSHEDS_PY,
                        str(HERE / "pysheds_worker.py"),
                        str(path),
                        json.dumps(lp["outlets"]),
                        str(WORK / "ps_masks.npz"),
                    ]
                )
                for _ in range(args.repeat)
            ),
            key=lambda r: r["total"],
        )
        print(
            f"pysheds:     {ps['total']:.2f} s {json.dumps(ps['seconds'])} "
            f"peak {ps['peak_mb']:.0f} MB"
        )
        print(f"speed-up (pysheds / landprofile, whole path): {ps['total'] / lp['total']:.1f}x")
        a = np.load(WORK / "lp_masks.npz")
        b = np.load(WORK / "ps_masks.npz")
        for k in a.files:
            # pysheds leaves the grid's edge cells without a direction (they drain
            # nowhere); landprofile lets an edge cell drain inwards when a neighbour is
            # lower. Compare interior cells, where both define every direction.
            ma, mb = a[k][1:-1, 1:-1], b[k][1:-1, 1:-1]
            inter = np.logical_and(ma, mb).sum()
            union = np.logical_or(ma, mb).sum()
            print(
                f"  outlet {k}: {int(a[k].sum())} vs {int(b[k].sum())} cells, "
                f"IoU {inter / union:.5f}"
            )


if __name__ == "__main__":
    main()
