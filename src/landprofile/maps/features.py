"""Map data: layers to EPSG:4326 (only here), simplified, rounded; land cover as an image."""

from __future__ import annotations

import base64
import io
import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from rasterio.warp import Resampling, reproject, transform_bounds

from landprofile.crs import WGS84
from landprofile.geodesy import densify_to_lonlat
from landprofile.legend import Legend
from landprofile.raster import Raster

#: Features above this count are drawn as clustered points (polygons by their centroid).
CLUSTER_ABOVE = 500
#: Decimal places kept in map coordinates: 1e-5 degree is about 1 m.
COORD_DIGITS = 5
#: Width (px) of the land cover image overlay.
OVERLAY_PX = 900


def display_tolerance_m(bounds_lonlat: tuple[float, float, float, float]) -> float:
    """Simplification tolerance (m): about one screen pixel at full extent (1/1500)."""
    w, s, e, n = bounds_lonlat
    lat = math.radians((s + n) / 2)
    span_m = max((e - w) * 111_320 * math.cos(lat), (n - s) * 110_574)
    return max(1.0, round(span_m / 1500, 0))


def to_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Carry a layer to EPSG:4326, densified so projected edges keep their shape."""
    if gdf.crs == WGS84:
        return gdf
    geoms = [densify_to_lonlat(g, gdf.crs) if g is not None else None for g in gdf.geometry]
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=WGS84))


def _round(geoms: Any) -> Any:
    return shapely.set_precision(geoms, 10**-COORD_DIGITS, mode="pointwise")


def popup_lines(row: Any, fields: list[str], labels: dict[str, str], lang: str) -> str:
    """Plain text (never HTML) for a feature's popup: ``label: value`` lines."""
    from landprofile.i18n import fmt_number

    lines = []
    for k in fields:
        v = row.get(k)
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            continue
        if isinstance(v, float | np.floating):
            v = fmt_number(float(v), lang, 2)
        lines.append(f"{labels.get(k, k)}: {v}")
    return "\n".join(lines)


def prepare(gdf: gpd.GeoDataFrame, tol_m: float) -> gpd.GeoDataFrame:
    """A layer in EPSG:4326, simplified to ``tol_m`` (points kept), coordinates rounded."""
    gdf = to_lonlat(gdf)
    gdf = gdf[~gdf.geometry.isna() & ~gdf.geometry.is_empty]
    geoms = gdf.geometry.to_numpy()
    b = shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4))
    wide = np.flatnonzero(b[:, 2] - b[:, 0] > 180)
    if len(wide):
        # across the antimeridian: one continuous piece (longitudes past 180), as web
        # maps draw it, not two pieces at both ends of the world
        from landprofile.geodesy import unwrap_antimeridian

        geoms = geoms.copy()
        geoms[wide] = [unwrap_antimeridian(g) for g in geoms[wide]]
    tol_deg = tol_m / 111_320
    lines = shapely.get_dimensions(geoms) > 0
    out = geoms.copy()
    if lines.any() and tol_deg > 0:
        out[lines] = shapely.simplify(geoms[lines], tol_deg, preserve_topology=True)
    return gdf.set_geometry(_round(out), crs=WGS84)


def cluster_points(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """One representative point per feature (lat, lon), for clustered markers."""
    pts = shapely.point_on_surface(gdf.geometry.to_numpy())
    return np.round(shapely.get_coordinates(pts), COORD_DIGITS)[:, ::-1]


def land_cover_overlay(
    raster: Raster, legend: Legend, boundary_lonlat: Any, name: str
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The land cover as a PNG image overlay masked to the landscape, and its legend.

    The image is warped to Web Mercator rows, so that Leaflet draws it true.
    """
    import matplotlib.image as mpimg
    import rasterio.features
    from affine import Affine

    w, s, e, n = boundary_lonlat.bounds
    x0, y0, x1, y1 = transform_bounds(WGS84, "EPSG:3857", w, s, e, n)
    width = OVERLAY_PX
    height = max(1, round(width * (y1 - y0) / (x1 - x0)))
    t = Affine((x1 - x0) / width, 0, x0, 0, -(y1 - y0) / height, y1)
    dst = np.zeros((height, width), dtype=np.int32)
    src = raster.read()
    reproject(
        src.astype(np.int32),
        dst,
        src_transform=raster.transform,
        src_crs=raster.crs.to_wkt(),
        src_nodata=raster.nodata,
        dst_transform=t,
        dst_crs="EPSG:3857",
        dst_nodata=-1,
        resampling=Resampling.nearest,
    )
    merc = gpd.GeoSeries([boundary_lonlat], crs=WGS84).to_crs("EPSG:3857").iloc[0]
    inside = rasterio.features.rasterize(
        [(merc, 1)], out_shape=dst.shape, transform=t, dtype="uint8"
    ).astype(bool)
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    entries = []
    for c in legend.classes:
        m = (dst == c.value) & inside
        if m.any():
            rgb = [int(c.color[i : i + 2], 16) for i in (1, 3, 5)]
            rgba[m] = [*rgb, 255]
            entries.append((c.color, c.value))
    buf = io.BytesIO()
    mpimg.imsave(buf, rgba, format="png")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        {"name": name, "url": url, "bounds": [[s, w], [n, e]]},
        [(color, value) for color, value in entries],
    )


def safe_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped."""
    return (
        json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
