"""Draw the methods chapter's figures from the library itself.

Run: ``python docs/methods/figures/make_figures.py``.

Each figure is computed by landprofile on small data made here, so that it shows what
the code does, not a drawing of it:

- ``coverage.png``: the exact coverage of each cell by a polygon, read back from
  :func:`landprofile.land_cover` (each cell holds its own value; its area / cell area);
- ``factors.png``: the default rule set's factor scores against distance, from the
  zoning's own factor function;
- ``bisection.png``: a region over the maximum size cut by equal-area bisection
  (:func:`landprofile.zoning.regions.partition`);
- ``catchment.png``: flow accumulation and the catchment of a snapped outlet on a
  synthetic DEM (:mod:`landprofile.watershed.dem`).

Deterministic: run twice, the same pictures.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from affine import Affine
from matplotlib.colors import ListedColormap
from shapely.geometry import Polygon

import landprofile as lp
from landprofile.crs import local_laea
from landprofile.testing import dem_dataarray, write_geotiff

HERE = Path(__file__).resolve().parent
DPI = 110


def coverage() -> None:
    """Cells of 100 m under a polygon, each shaded by its exact coverage fraction."""
    crs = local_laea(-2.0, 5.5)
    n = 8
    values = np.arange(1, n * n + 1, dtype=np.uint16).reshape(n, n)
    t = Affine(100, 0, 0, 0, -100, n * 100)
    poly = Polygon([(60, 110), (700, 60), (760, 520), (420, 760), (120, 560)])
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 30 ha polygon is below the landscape scale
        path = write_geotiff(Path(tmp) / "cells.tif", values, t, crs)
        ls = lp.Landscape(
            name="p", geometry=poly, crs=crs, provenance=lp.Provenance("custom", "figure")
        )
        df = lp.land_cover(ls, path, legend="worldcover")
    # every value is "unknown" to the legend: its area is the cell's covered area
    cover = np.zeros((n, n))
    for v, a in zip(df["value"], df["area_ha"], strict=True):
        r, c = divmod(int(v) - 1, n)
        cover[r, c] = a / 1.0  # cells are 1 ha (equal-area grid)
    fig, ax = plt.subplots(figsize=(5.2, 4.6), dpi=DPI)
    im = ax.imshow(cover, extent=(0, n * 100, 0, n * 100), cmap="Greens", vmin=0, vmax=1)
    for r in range(n):
        for c in range(n):
            if cover[r, c] > 0:
                ax.text(
                    c * 100 + 50,
                    (n - r) * 100 - 50,
                    f"{cover[r, c]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if cover[r, c] > 0.6 else "black",
                )
    x, y = poly.exterior.xy
    ax.plot(x, y, color="#b2182b", lw=2)
    ax.set_xticks(np.arange(0, n * 100 + 1, 100))
    ax.set_yticks(np.arange(0, n * 100 + 1, 100))
    ax.grid(color="#888", lw=0.4)
    ax.tick_params(labelsize=7)
    ax.set_xlabel("x (m)", fontsize=8)
    ax.set_ylabel("y (m)", fontsize=8)
    total = float(df["area_ha"].sum())
    ax.set_title(
        f"coverage per cell; sum x 1 ha = {total:.4f} ha, polygon {poly.area / 1e4:.4f} ha",
        fontsize=8,
    )
    fig.colorbar(im, ax=ax, fraction=0.046, label="coverage $c_i$")
    fig.tight_layout()
    fig.savefig(HERE / "coverage.png")
    plt.close(fig)


def factors() -> None:
    """The default rule set's factor scores against distance (from the zoning's own code)."""
    from landprofile.zoning.suitability import _factor

    rules = lp.zoning.default_rules()
    d = np.linspace(0, 20_000, 801, dtype=np.float32)
    fig, ax = plt.subplots(figsize=(6.4, 3.0), dpi=DPI)
    for name, label in (("existing_sites", "existing ASM sites"), ("access", "access")):
        rule = rules.favour[name]
        lay = (rule.get("layers") or [rule.get("layer")])[0]
        f = _factor(rule, lay, None, {}, None, None, lambda _lay: d.copy())
        ax.plot(d / 1000, f, lw=2, label=f"{label} (weight {rule['weight']:g})")
    ax.set_xlabel("distance to the nearest feature (km)", fontsize=8)
    ax.set_ylabel("factor score", fontsize=8)
    ax.set_ylim(-0.03, 1.05)
    ax.tick_params(labelsize=7)
    ax.grid(color="#ddd", lw=0.5)
    ax.legend(fontsize=8)
    ax.set_title("default rules (default_igf.toml): distance factors", fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "factors.png")
    plt.close(fig)


def bisection() -> None:
    """A 1,935-cell region cut into pieces of at most 300 cells."""
    from landprofile.zoning.regions import partition

    h, w = 40, 80
    rr, cc = np.mgrid[0:h, 0:w]
    blob = ((cc - 28) / 26) ** 2 + ((rr - 20) / 17) ** 2 <= 1
    blob |= ((cc - 58) / 20) ** 2 + ((rr - 24) / 12) ** 2 <= 1
    region = blob & ~((cc > 40) & (cc < 44) & (rr < 14))
    part = partition(region, cell_ha=1.0, min_area_ha=20, max_area_ha=300)
    k = int(part.labels.max())
    sizes = np.bincount(part.labels.ravel())[1:]
    rng = np.random.default_rng(3)
    colours = plt.get_cmap("tab20")(rng.permutation(20)[:k] % 20)
    cmap = ListedColormap(np.vstack([[1, 1, 1, 1], colours]))
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 2.6), dpi=DPI)
    axes[0].imshow(region, cmap=ListedColormap(["white", "#9ecae1"]), interpolation="nearest")
    axes[0].set_title(f"one region of suitable cells: {int(region.sum())} ha", fontsize=8)
    axes[1].imshow(part.labels, cmap=cmap, vmin=0, vmax=k, interpolation="nearest")
    axes[1].set_title(f"max_area_ha = 300: {k} zones of {sizes.min()}-{sizes.max()} ha", fontsize=8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(HERE / "bisection.png")
    plt.close(fig)


def _terrain(h: int, w: int) -> np.ndarray:
    """A synthetic DEM (m): a slope to the south, rolling hills, seeded noise, whole metres."""
    from scipy import ndimage

    rng = np.random.default_rng(7)
    rr, cc = np.mgrid[0:h, 0:w].astype(float)
    noise = ndimage.gaussian_filter(rng.normal(size=(h, w)), 6) * 60
    hills = 12 * np.sin(cc / 17.0) * np.cos(rr / 23.0)
    return np.round(200 + 0.8 * (h - rr) + hills + noise).astype(np.float32)


def catchment() -> None:
    """Accumulation (log) and the catchment of one snapped outlet on a synthetic DEM."""
    from landprofile.watershed import dem as wd

    h, w = 120, 200
    dem = dem_dataarray(_terrain(h, w), Affine(30, 0, 600_000, 0, -30, 620_000), 32630)
    d8 = wd.flow_directions(wd.condition(dem))
    acc = wd.flow_accumulation(d8, units="km2")
    # a point placed by eye 30 m inside the south edge, snapped to the channel
    a = np.asarray(acc)
    col = int(np.argmax(a[-2, 40:160])) + 40
    point = (600_000 + 30 * (col + 4.5), 620_000 - 30 * (h - 1.5))
    outlet = wd.snap_outlet(acc, point, snap_m=300, outlet_crs=32630)
    mask = np.asarray(wd.catchment(d8, outlet)).astype(bool)
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.0), dpi=DPI)
    im = axes[0].imshow(np.log10(a), cmap="Blues")
    axes[0].set_title("flow accumulation, log10 km² (D8, true cell areas)", fontsize=8)
    fig.colorbar(im, ax=axes[0], fraction=0.03)
    im2 = axes[1].imshow(np.asarray(dem), cmap="terrain")
    fig.colorbar(im2, ax=axes[1], fraction=0.03, label="m")
    axes[1].contour(mask, levels=[0.5], colors="#b2182b", linewidths=1.2)
    px, py = (~dem.rio.transform()) * point
    axes[1].plot(px - 0.5, py - 0.5, "x", color="black")
    axes[1].plot(outlet.col, outlet.row, "o", color="#b2182b", ms=4)
    axes[1].set_title(
        f"catchment of the outlet snapped {outlet.moved_m:.0f} m (x to o): "
        f"{mask.sum() * 0.0009:.2f} km²",
        fontsize=8,
    )
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(HERE / "catchment.png")
    plt.close(fig)


if __name__ == "__main__":
    coverage()
    factors()
    bisection()
    catchment()
    print("written:", ", ".join(sorted(p.name for p in HERE.glob("*.png"))))
