"""The land cover clipped to the landscape, as a GeoPackage raster table (exact classes).

The raster keeps its own grid and CRS (GDAL's ``CUSTOM`` tiling scheme): no cell is
resampled. Its class values go into 8-bit PNG tiles, which are lossless, as a grey band
with a mask band (255 inside the landscape where the raster has data, 0 elsewhere);
GDAL reads such tiles back as four bands, grey in the first three and the mask in the
fourth, which is the alpha band of the QGIS style. Class values beyond 0-255 cannot be
held in 8-bit tiles: the land cover is then left out (a ``DataWarning``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LandCoverGrid", "clip_land_cover", "write_land_cover"]

#: GDAL reads the grey + mask tiles as RGBA: the mask is band 4.
ALPHA_BAND = 4


@dataclass(frozen=True)
class LandCoverGrid:
    """The land cover inside the landscape: values, mask, grid, and the classes present."""

    values: np.ndarray
    mask: np.ndarray
    transform: Any
    crs: Any
    #: ``(value, colour, name in the card's language)`` of each class present.
    classes: tuple[tuple[int, str, str], ...]


def clip_land_cover(src: Any, legend: Any, landscape: Any, lang: str) -> LandCoverGrid | None:
    """The cells of ``src`` whose centre lies in ``landscape`` (``None``: none, or not 8-bit)."""
    import rasterio.features
    import rasterio.windows

    from landprofile.errors import DataWarning
    from landprofile.geodesy import project
    from landprofile.legend import load_legend
    from landprofile.raster import read_raster

    raster = read_raster(src, bounds=landscape.bounds_lonlat)
    leg = load_legend(legend or "esa_worldcover_v200")
    geom = project([landscape.geometry], landscape.crs, raster.crs)[0]
    win = rasterio.windows.from_bounds(*geom.bounds, transform=raster.transform)
    # whole cells covering the landscape's box
    c0, r0 = int(np.floor(win.col_off)), int(np.floor(win.row_off))
    c1 = int(np.ceil(win.col_off + win.width))
    r1 = int(np.ceil(win.row_off + win.height))
    win = rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0)
    full = rasterio.windows.Window(0, 0, raster.width, raster.height)
    try:
        win = win.intersection(full)
    except rasterio.errors.WindowError:
        return None
    values = raster.read(win)
    transform = rasterio.windows.transform(win, raster.transform)
    inside = rasterio.features.rasterize(
        [(geom, 1)], out_shape=values.shape, transform=transform, dtype="uint8"
    ).astype(bool)
    valid = inside.copy()
    nodata = [raster.nodata] if raster.nodata is not None else []
    for nd in [*nodata, *leg.nodata]:
        valid &= values != nd
    if not valid.any():
        return None
    present = np.unique(values[valid])
    if present.min() < 0 or present.max() > 255:
        warnings.warn(
            f"land cover '{raster.label}': class values {int(present.min())}-"
            f"{int(present.max())} do not fit the GeoPackage's 8-bit tiles; the land "
            "cover is left out of the GeoPackage (the card still shows it)",
            DataWarning,
            stacklevel=3,
        )
        return None
    by_value = leg.by_value()
    classes = tuple(
        (int(v), by_value[int(v)].color, by_value[int(v)].name(lang))
        for v in present
        if int(v) in by_value
    )
    return LandCoverGrid(
        values=np.where(valid, values, 0).astype(np.uint8),
        mask=np.where(valid, 255, 0).astype(np.uint8),
        transform=transform,
        crs=raster.crs,
        classes=classes,
    )


def write_land_cover(grid: LandCoverGrid, path: os.PathLike[str] | str, table: str) -> None:
    """Append ``grid`` to the GeoPackage at ``path`` as raster table ``table``."""
    import rasterio

    from landprofile._gpkg import GPKG_TIMESTAMP

    height, width = grid.values.shape
    with (
        rasterio.Env(OGR_CURRENT_DATE=GPKG_TIMESTAMP),
        rasterio.open(
            os.fspath(path),
            "w",
            driver="GPKG",
            width=width,
            height=height,
            count=2,
            dtype="uint8",
            crs=grid.crs,
            transform=grid.transform,
            RASTER_TABLE=table,
            RASTER_IDENTIFIER=table,
            APPEND_SUBDATASET="YES",
            TILE_FORMAT="PNG",
            VERSION="1.3",
        ) as ds,
    ):
        ds.write(grid.values, 1)
        ds.write(grid.mask, 2)
