"""Synthetic builders shared by the tests and benchmarks (never imported by the library).

Each builder makes data whose right answer is known in closed form or from an
independent tool, so tests check the library against an oracle.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

__all__ = [
    "SQUARE_CRS",
    "SQUARE_ORIGIN",
    "basin_chain",
    "bowtie",
    "dem_dataarray",
    "geod_area_perimeter_dense",
    "geodesic_circle",
    "grid_partition",
    "halves_land_cover",
    "square_landscape",
    "tilted_plane",
    "two_basins",
    "v_valley",
    "write_geotiff",
    "zoning_scene",
]


def geod_area_perimeter_dense(
    lonlat_polygon: Polygon, *, step_deg: float = 0.001, ellps: str = "WGS84"
) -> tuple[float, float]:
    """Oracle: area (m²) and perimeter (m) of a lon/lat polygon with straight lon/lat edges.

    Computed by densifying each ring with NumPy and calling
    :meth:`pyproj.Geod.polygon_area_perimeter` on counter-clockwise exteriors and
    clockwise holes (the orientation Geod expects for a positive area).
    """
    geod = Geod(ellps=ellps)

    def ring_area(coords: np.ndarray) -> tuple[float, float]:
        xs, ys = [], []
        for (x0, y0), (x1, y1) in itertools.pairwise(coords):
            n = max(1, int(np.ceil(max(abs(x1 - x0), abs(y1 - y0)) / step_deg)))
            t = np.arange(n) / n
            xs.append(x0 + (x1 - x0) * t)
            ys.append(y0 + (y1 - y0) * t)
        area, perim = geod.polygon_area_perimeter(np.concatenate(xs), np.concatenate(ys))
        return abs(area), perim

    total_a, total_p = 0.0, 0.0
    for poly in shapely.get_parts(lonlat_polygon):
        a, p = ring_area(np.asarray(poly.exterior.coords))
        total_a += a
        total_p += p
        for ring in poly.interiors:
            a, p = ring_area(np.asarray(ring.coords))
            total_a -= a
            total_p += p
    return total_a, total_p


def geodesic_circle(lon: float, lat: float, radius_m: float, n: int = 720) -> Polygon:
    """A lon/lat polygon whose vertices lie exactly ``radius_m`` (geodesic) from the centre."""
    geod = Geod(ellps="WGS84")
    az = np.linspace(0, 360, n, endpoint=False)
    lons, lats, _ = geod.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    return Polygon(np.column_stack([lons, lats]))


def grid_partition(x0: float, y0: float, size: float, n: int) -> list[Polygon]:
    """``n × n`` squares of side ``size`` tiling the square at ``(x0, y0)``: a partition."""
    return [
        box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
        for i in range(n)
        for j in range(n)
    ]


def bowtie(x0: float = 0.0, y0: float = 0.0, size: float = 1.0) -> Polygon:
    """A self-intersecting 'bow-tie' polygon (invalid), two triangles of area size²/4."""
    return Polygon([(x0, y0), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0 + size)])


# --------------------------------------------------------------------------- DEMs
# Each builder returns elevations (float32, metres) whose D8 catchments are known cell
# for cell; the docstrings say which.


def tilted_plane(h: int, w: int, slope: float = 1.0) -> np.ndarray:
    """Z rises eastwards: every cell drains west, so a cell's catchment is its row eastwards."""
    return np.tile(np.arange(w, dtype=np.float32) * slope, (h, 1))


def v_valley(h: int, w: int, side: float = 10.0, along: float = 1.0) -> np.ndarray:
    """A valley along the middle row draining east (odd ``h``).

    Sides drain straight towards the valley row, which drains east: the catchment of
    the valley cell in column ``k`` is every cell of columns ``0..k``.
    """
    m = h // 2
    r = np.abs(np.arange(h) - m)[:, None] * side
    c = (w - 1 - np.arange(w))[None, :] * along
    return (r + c).astype(np.float32)


def two_basins(h: int, w: int, side: float = 10.0, south: float = 1.0) -> np.ndarray:
    """A north-south ridge between columns ``w/2 - 1`` and ``w/2`` (even ``w``).

    West of the ridge drains to column 0, east to column ``w - 1``, both then south: the
    catchment of the south-west corner is columns ``0..w/2-1``, of the south-east corner
    columns ``w/2..w-1``.
    """
    ridge = (w - 1) / 2
    c = np.arange(w, dtype=np.float64)
    across = side * (ridge - np.abs(c - ridge))
    down = south * (h - 1 - np.arange(h, dtype=np.float64))
    return (across[None, :] + down[:, None]).astype(np.float32)


def dem_dataarray(z: np.ndarray, transform, crs, nodata=None):
    """Wrap an elevation array as a georeferenced DataArray (rioxarray metadata)."""
    import rioxarray  # noqa: F401
    import xarray as xr

    da = xr.DataArray(z, dims=("y", "x"), name="dem")
    da = da.rio.write_crs(crs).rio.write_transform(transform)
    return da.rio.write_nodata(nodata) if nodata is not None else da


def write_geotiff(
    path: Any,
    data: np.ndarray,
    transform: Any,
    crs: Any,
    *,
    nodata: float | None = None,
    block: int | None = None,
    **creation: Any,
) -> Path:
    """Write ``data`` as a one-band GeoTIFF; tiled in ``block``-cell squares when given.

    ``crs=None`` writes a file without a CRS; ``creation`` adds GDAL creation options
    (``compress="deflate"``, ``tiled=True``...).
    """
    import rasterio

    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype,
        "transform": transform,
        "crs": crs,
        "nodata": nodata,
    }
    if block:
        profile |= {"tiled": True, "blockxsize": block, "blockysize": block}
    with rasterio.open(path, "w", **profile | creation) as ds:
        ds.write(data, 1)
    return Path(path)


# ------------------------------------------------------------- the square landscape
# A 1 km square in UTM zone 30N (near Tarkwa, Ghana) and rasters aligned on it: the
# docstring examples profile it, so their shares are exact by construction.

#: The CRS of the square landscape and its rasters (WGS 84 / UTM zone 30N).
SQUARE_CRS = "EPSG:32630"
#: The south-west corner of the square landscape (metres, in :data:`SQUARE_CRS`).
SQUARE_ORIGIN = (600_000.0, 600_000.0)


def square_landscape(side_m: float = 1000.0, name: str = "Square") -> Any:
    """A square landscape of side ``side_m`` metres at :data:`SQUARE_ORIGIN` (UTM 30N).

    Its geodesic area is ``side_m²`` divided by the square of the UTM scale factor
    there (about 0.99972, so 100.055 ha for the 1 km square).

    Examples
    --------
    >>> from landprofile.testing import square_landscape
    >>> ls = square_landscape()
    >>> ls.name, round(ls.area_ha, 1)
    ('Square', 100.1)
    """
    from landprofile.boundary import from_polygons

    x0, y0 = SQUARE_ORIGIN
    return from_polygons(box(x0, y0, x0 + side_m, y0 + side_m), name=name, crs=SQUARE_CRS)


def halves_land_cover(
    path: Any,
    west: int = 10,
    east: int = 40,
    *,
    side_m: float = 1000.0,
    cell_m: float = 100.0,
) -> Path:
    """Write a land cover GeoTIFF over the square landscape: class ``west`` | ``east``.

    The grid covers exactly :func:`square_landscape` (same ``side_m``), the west half
    holds ``west`` (ESA WorldCover 10, tree cover) and the east half ``east`` (40,
    cropland), so each class covers exactly half of the square.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from landprofile.testing import halves_land_cover
    >>> tif = halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif")
    >>> tif.name
    'lc.tif'
    """
    from rasterio.transform import from_origin

    n = round(side_m / cell_m)
    data = np.full((n, n), east, dtype=np.uint8)
    data[:, : n // 2] = west
    x0, y0 = SQUARE_ORIGIN
    transform = from_origin(x0, y0 + side_m, cell_m, cell_m)
    return write_geotiff(path, data, transform, SQUARE_CRS, nodata=0)


def basin_chain(n: int = 3, size_deg: float = 0.1) -> Any:
    """``n`` HydroBASINS-style square basins in a west-to-east row, each draining east.

    Basin ``i`` (``HYBAS_ID`` ``i + 1``) drains into basin ``i + 1``; the last one is the
    outlet (``NEXT_DOWN`` 0). Every basin is upstream of the ones east of it, so the
    landscape upstream of basin ``k`` is basins ``1..k``. ``SUB_AREA`` is each square's
    geodesic area in km² (:func:`geod_area_perimeter_dense`).

    Examples
    --------
    >>> from landprofile.testing import basin_chain
    >>> basin_chain()[["HYBAS_ID", "NEXT_DOWN"]].values.tolist()
    [[1, 2], [2, 3], [3, 0]]
    """
    import geopandas as gpd

    x0, y0 = -2.0, 5.0
    squares = [box(x0 + i * size_deg, y0, x0 + (i + 1) * size_deg, y0 + size_deg) for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "HYBAS_ID": list(range(1, n + 1)),
            "NEXT_DOWN": [*range(2, n + 1), 0],
            "SUB_AREA": [geod_area_perimeter_dense(b)[0] / 1e6 for b in squares],
        },
        geometry=squares,
        crs="EPSG:4326",
    )


def zoning_scene(
    seed: int = 1,
    side_m: float = 100_000.0,
    counts: tuple[int, int, int, int, int] = (10_000, 1_000, 100, 5_000, 300),
    origin: tuple[float, float] = (550_000.0, 550_000.0),
    name: str = "1e6 ha",
) -> dict[str, Any]:
    """A square landscape (UTM 30N) with random sites, concessions, parks, rivers, villages.

    As ``zoning.candidates`` takes them (keyword arguments). ``counts``: sites,
    concessions, protected areas, river segments, settlements. Sites are discs of
    20-150 m; concessions boxes of 0.5-4 km a side of four types; protected areas discs
    of 1-6 km; rivers straight segments of 0.5-3 km; settlements points. The defaults are
    ``benchmarks/bench_zoning.py``'s 1,000,000 ha scene.
    """
    import geopandas as gpd

    from landprofile.landscape import Landscape, Provenance

    rng = np.random.default_rng(seed)
    x0, y0 = origin
    n_sites, n_conc, n_pa, n_rivers, n_settlements = counts

    def pts(n: int) -> tuple[np.ndarray, np.ndarray]:
        return x0 + rng.uniform(0, side_m, n), y0 + rng.uniform(0, side_m, n)

    x, y = pts(n_sites)
    sites = gpd.GeoDataFrame(
        {"id": np.arange(n_sites)},
        geometry=shapely.buffer(shapely.points(x, y), rng.uniform(20, 150, n_sites)),
        crs=32630,
    )
    x, y = pts(n_conc)
    w, h = rng.uniform(500, 4_000, n_conc), rng.uniform(500, 4_000, n_conc)
    types = rng.choice(
        ["exploration", "large-scale exploitation", "small-scale", "artisanal"], n_conc
    )
    conc = gpd.GeoDataFrame(
        {"type": types, "status": "active"}, geometry=shapely.box(x, y, x + w, y + h), crs=32630
    )
    x, y = pts(n_pa)
    pa = gpd.GeoDataFrame(
        geometry=shapely.buffer(shapely.points(x, y), rng.uniform(1_000, 6_000, n_pa)), crs=32630
    )
    x, y = pts(n_rivers)
    ang = rng.uniform(0, 2 * np.pi, n_rivers)
    ln = rng.uniform(500, 3_000, n_rivers)
    ends = np.column_stack([x + ln * np.cos(ang), y + ln * np.sin(ang)])
    rivers = gpd.GeoDataFrame(
        geometry=shapely.linestrings(np.stack([np.column_stack([x, y]), ends], axis=1)),
        crs=32630,
    )
    x, y = pts(n_settlements)
    settlements = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=32630)
    landscape = Landscape(
        name=name,
        geometry=box(x0, y0, x0 + side_m, y0 + side_m),
        crs=32630,
        provenance=Provenance(method="custom", source="benchmark"),
    )
    return {
        "landscape": landscape,
        "sites": sites,
        "concessions": conc,
        "protected": pa,
        "rivers": rivers,
        "settlements": settlements,
    }
