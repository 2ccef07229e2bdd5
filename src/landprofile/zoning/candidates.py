"""Candidate ASM zones: overlay, conflicts, rule-based suitability, ranked and explained.

Method (see ``docs`` in the README):

1. An analysis grid in a Lambert azimuthal equal-area projection centred on the
   landscape (cells are exactly ``resolution_m`` square and of true area), padded by the
   largest distance any rule looks at, so features just outside still count.
2. Constraints: each exclusion rule's features are buffered in metres (vector, exact),
   rasterised by cell centre; land cover groups and slope come from the rasters
   resampled to the grid. A cell is excluded when any rule excludes it, and the rules
   that do are recorded as a bit set.
3. Factors: scores in [0, 1] — geology class or score, distance decay from existing ASM
   sites, an access band around roads and settlements (exact Euclidean distance
   transform in metres), land cover sensitivity — combined as a weighted mean.
4. Suitable cells (inside, not excluded, score >= ``min_score``) form 8-connected regions;
   regions below ``min_area_ha`` are dropped, above ``max_area_ha`` flagged; the rest are
   ranked by mean score, then area.

Everything is proposed and explained; legal designation is a human decision.
"""

from __future__ import annotations

import math
import os
import sqlite3
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS
from rasterio.warp import Resampling, reproject
from scipy import ndimage

from landprofile._atomic import atomic_path
from landprofile.crs import WGS84, local_laea
from landprofile.errors import InvalidParameterError, MissingFieldError
from landprofile.geodesy import densify_to_lonlat
from landprofile.landscape import Landscape
from landprofile.legend import load_legend
from landprofile.raster import Raster, read_raster
from landprofile.vector import read_vector
from landprofile.zoning.rules import RulesError, RuleSet, load_rules

__all__ = ["AnalysisGrid", "ZoningResult", "candidates", "sensitivity"]

#: Fixed timestamp GDAL writes into GeoPackages, so that the same zones give the same bytes.
GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class AnalysisGrid:
    """The equal-area analysis grid: CRS, transform, shape and the landscape mask."""

    crs: CRS
    transform: Affine
    width: int
    height: int
    res: float
    inside: np.ndarray = field(repr=False)
    boundary: Any = field(default=None, repr=False)

    @property
    def cell_ha(self) -> float:
        """True area of one cell (ha): the projection is equal-area."""
        return self.res * self.res / 1e4


@dataclass(frozen=True)
class ZoningResult:
    """Candidate zones, exclusions, conflicts and a summary, in the analysis CRS."""

    zones: gpd.GeoDataFrame
    exclusions: gpd.GeoDataFrame
    conflicts: gpd.GeoDataFrame
    summary: dict[str, Any]
    rules: RuleSet
    grid: AnalysisGrid = field(repr=False)
    factor_weights: dict[str, float] = field(default_factory=dict)
    #: Seconds spent per step (not written to the GeoPackage, which must be reproducible).
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_gpkg(self, path: str | os.PathLike[str]) -> None:
        """Write zones, exclusions and conflicts to one GeoPackage, atomically.

        The rule set is stored as dataset metadata (``landprofile_rules``) and the
        summary as ``landprofile_summary``. The same result always gives the same bytes.
        """
        import json

        import pyogrio

        meta = {
            "landprofile_rules": self.rules.to_json(),
            "landprofile_summary": json.dumps(self.summary, sort_keys=True, default=str),
        }
        with atomic_path(path) as tmp:
            with pyogrio_config(OGR_CURRENT_DATE=GPKG_TIMESTAMP):
                for i, (name, gdf) in enumerate(
                    (
                        ("zones", self.zones),
                        ("exclusions", self.exclusions),
                        ("conflicts", self.conflicts),
                    )
                ):
                    pyogrio.write_dataframe(
                        gdf,
                        tmp,
                        layer=name,
                        driver="GPKG",
                        append=i > 0,
                        dataset_metadata=meta if i == 0 else None,
                    )
            _freeze_gpkg(tmp)


class pyogrio_config:  # noqa: N801  (a context manager used like a function)
    """Set GDAL config options for the duration of a block."""

    def __init__(self, **options: str) -> None:
        self.options = options

    def __enter__(self) -> None:
        import pyogrio

        self.old = {k: pyogrio.get_gdal_config_option(k) for k in self.options}
        pyogrio.set_gdal_config_options(self.options)

    def __exit__(self, *exc: object) -> None:
        import pyogrio

        pyogrio.set_gdal_config_options(self.old)


def _freeze_gpkg(path: os.PathLike[str]) -> None:
    # Timestamps GDAL may still have written (gpkg_contents.last_change) are reset, and
    # the file is vacuumed so that page layout does not depend on write history.
    con = sqlite3.connect(os.fspath(path))
    try:
        con.execute("UPDATE gpkg_contents SET last_change = ?", (GPKG_TIMESTAMP,))
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()


# ----------------------------------------------------------------------------- grid


def analysis_grid(landscape: Landscape, res: float, pad_m: float) -> AnalysisGrid:
    """A LAEA grid centred on the landscape, covering it plus ``pad_m``, cell ``res`` m."""
    lon, lat = landscape.centroid_lonlat
    crs = local_laea(round(lon, 4), round(lat, 4))
    geom = _to(landscape.geometry_lonlat, WGS84, crs)
    minx, miny, maxx, maxy = geom.bounds
    pad = math.ceil(pad_m / res) * res
    x0 = math.floor((minx - pad) / res) * res
    y1 = math.ceil((maxy + pad) / res) * res
    width = math.ceil((maxx + pad - x0) / res)
    height = math.ceil((y1 - (miny - pad)) / res)
    transform = Affine(res, 0, x0, 0, -res, y1)
    inside = rasterio.features.rasterize(
        [(geom, 1)], out_shape=(height, width), transform=transform, dtype="uint8"
    ).astype(bool)
    return AnalysisGrid(
        crs=crs,
        transform=transform,
        width=width,
        height=height,
        res=res,
        inside=inside,
        boundary=geom,
    )


def _to(geom: Any, src: CRS, dst: CRS) -> Any:
    if src == dst:
        return geom
    return gpd.GeoSeries([densify_to_lonlat(geom, src)], crs=WGS84).to_crs(dst).iloc[0]


def _layer(src: Any, name: str, grid: AnalysisGrid) -> gpd.GeoDataFrame | None:
    if src is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = read_vector(src)
    if gdf.crs != grid.crs:
        dense = gpd.GeoSeries(
            [densify_to_lonlat(g, gdf.crs) for g in gdf.geometry], index=gdf.index, crs=WGS84
        )
        gdf = gdf.set_geometry(dense.to_crs(grid.crs))
    west, north = grid.transform.c, grid.transform.f
    box = shapely.box(west, north - grid.height * grid.res, west + grid.width * grid.res, north)
    keep = gdf.geometry.intersects(box)
    out = gdf.loc[keep].copy()
    out.attrs["landprofile_source"] = gdf.attrs.get("landprofile_source", name)
    return out


def _burn(geoms: Any, grid: AnalysisGrid, *, all_touched: bool = False) -> np.ndarray:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros((grid.height, grid.width), dtype=bool)
    return rasterio.features.rasterize(
        ((g, 1) for g in geoms),
        out_shape=(grid.height, grid.width),
        transform=grid.transform,
        dtype="uint8",
        all_touched=all_touched,
    ).astype(bool)


def _distance_m(mask: np.ndarray, res: float) -> np.ndarray:
    """Exact Euclidean distance (m) from each cell centre to the nearest masked cell centre."""
    if not mask.any():
        return np.full(mask.shape, np.inf, dtype=np.float32)
    return ndimage.distance_transform_edt(~mask, sampling=res).astype(np.float32)


def _warp(
    raster: Raster, grid: AnalysisGrid, resampling: Resampling, dtype: str, fill: float
) -> np.ndarray:
    out = np.full((grid.height, grid.width), fill, dtype=dtype)
    src = raster.read()
    reproject(
        src,
        out,
        src_transform=raster.transform,
        src_crs=raster.crs.to_wkt(),
        src_nodata=raster.nodata,
        dst_transform=grid.transform,
        dst_crs=grid.crs.to_wkt(),
        dst_nodata=fill,
        resampling=resampling,
    )
    return out


# ----------------------------------------------------------------------------- main


def candidates(
    landscape: Landscape,
    *,
    rules: Any = None,
    sites: Any = None,
    concessions: Any = None,
    protected: Any = None,
    rivers: Any = None,
    water: Any = None,
    settlements: Any = None,
    roads: Any = None,
    land_cover: Any = None,
    legend: Any = None,
    dem: Any = None,
    geology: Any = None,
    resolution_m: float | None = None,
    site_id_field: str | None = None,
) -> ZoningResult:
    """Propose candidate ASM zones in a landscape, with exclusions and conflicts explained.

    Parameters
    ----------
    landscape
        The landscape to screen.
    rules
        A rule set (TOML path or text, mapping, :class:`RuleSet`); the IGF default when
        ``None``.
    sites, concessions, protected, rivers, water, settlements, roads, geology
        Vector layers (anything :func:`landprofile.read_vector` reads, any CRS). ``geology``
        may also be a raster of deposit likelihood in [0, 1].
    land_cover, legend
        Land cover raster and its legend (ESA WorldCover v200 by default).
    dem
        Elevation raster (m), for slope.
    resolution_m
        Analysis cell size (m); the rule set's ``[grid] resolution_m`` (30 m) when ``None``.
    site_id_field
        Field identifying ASM sites in the conflicts table (the row number when ``None``).

    Returns
    -------
    ZoningResult
    """
    import time

    clock = [time.perf_counter()]
    timings: dict[str, float] = {}

    def lap(step: str) -> None:
        now = time.perf_counter()
        timings[step] = now - clock[0]
        clock[0] = now

    rs = load_rules(rules)
    res = float(resolution_m or rs.resolution_m)
    if not res > 0:
        raise InvalidParameterError(f"resolution_m={resolution_m!r} must be > 0")
    inputs = {
        "sites": sites,
        "concessions": concessions,
        "protected": protected,
        "rivers": rivers,
        "water": water,
        "settlements": settlements,
        "roads": roads,
        "land_cover": land_cover,
        "dem": dem,
        "geology": geology,
    }
    for kind, table in (("exclude", rs.exclude), ("favour", rs.favour)):
        for name, rule in table.items():
            if rule.get("required"):
                for lay in rule.get("layers") or [rule["layer"]]:
                    if inputs[lay] is None:
                        raise RulesError(
                            f"rule [{kind}.{name}] requires layer {lay!r}; pass {lay}=..."
                        )
    pad = max(
        [float(r.get("buffer_m", 0)) for r in rs.exclude.values()]
        + [float(r.get("decay_m", 0)) + float(r.get("max_m", 0)) for r in rs.favour.values()]
        + [res]
    )
    pad = min(pad, 20_000.0)
    grid = analysis_grid(landscape, res, pad)
    layers = {
        k: _layer(v, k, grid)
        for k, v in inputs.items()
        if k not in ("land_cover", "dem") and not (k == "geology" and _is_raster(v))
    }
    leg = load_legend(legend or "esa_worldcover_v200")
    lc_groups = None
    if land_cover is not None:
        lc = _warp(read_raster(land_cover), grid, Resampling.nearest, "int32", -1)
        lut = {c.value: c.group for c in leg.classes}
        lc_groups = np.full(lc.shape, "", dtype=object)
        for value in np.unique(lc):
            if value in lut:
                lc_groups[lc == value] = lut[value]
    lap("grid_and_layers")
    slope = None
    if dem is not None:
        z = _warp(read_raster(dem), grid, Resampling.bilinear, "float32", np.nan)
        gy, gx = np.gradient(z, res)
        slope = np.degrees(np.arctan(np.hypot(gx, gy)))

    lap("rasters")
    # ---------------------------------------------------------------- constraints
    ex_names: list[str] = []
    ex_bits = np.zeros((grid.height, grid.width), dtype=np.uint32)
    ex_geoms: dict[str, Any] = {}
    skipped: list[str] = []
    for name, rule in rs.exclude.items():
        lay = rule["layer"]
        m = None
        if lay == "land_cover":
            if lc_groups is not None:
                m = np.isin(lc_groups, list(rule.get("groups", [])))
        elif lay == "dem":
            if slope is not None:
                m = np.nan_to_num(slope, nan=0.0) > float(rule.get("max_slope_deg", 90))
        elif layers.get(lay) is not None:
            gdf = _filter_open(layers[lay], rule) if lay == "concessions" else layers[lay]
            buf = float(rule.get("buffer_m", 0.0))
            geoms = gdf.geometry.to_numpy()
            if buf > 0:
                geoms = shapely.buffer(geoms, buf, quad_segs=16)
            if len(geoms):
                ex_geoms[name] = np.asarray(geoms, dtype=object)
            m = _burn(geoms, grid)
        if m is None:
            skipped.append(f"exclude.{name} (no {lay} layer)")
            continue
        if len(ex_names) >= 32:
            raise RulesError("at most 32 exclusion rules are supported")
        ex_bits |= m.astype(np.uint32) << np.uint32(len(ex_names))
        ex_names.append(name)
    excluded = ex_bits != 0
    lap("exclusions")

    # ---------------------------------------------------------------- factors
    dists: dict[str, np.ndarray] = {}

    def dist(lay: str) -> np.ndarray | None:
        if lay not in dists:
            gdf = layers.get(lay)
            if gdf is None or gdf.empty:
                return None
            dists[lay] = _distance_m(_burn(gdf.geometry, grid, all_touched=True), res)
        return dists[lay]

    factors: dict[str, np.ndarray] = {}
    weights: dict[str, float] = {}
    for name, rule in rs.favour.items():
        w = float(rule.get("weight", 0.0))
        lay = (rule.get("layers") or [rule.get("layer")])[0]
        f = _factor(rule, lay, grid, layers, geology, lc_groups, dist)
        if f is None:
            skipped.append(f"favour.{name} (no {lay} layer)")
            continue
        factors[name] = f.astype(np.float32)
        weights[name] = w
    wsum = sum(weights.values())
    score = np.zeros((grid.height, grid.width), dtype=np.float32)
    if wsum > 0:
        for name, f in factors.items():
            score += f * (weights[name] / wsum)
    else:
        score[:] = 1.0

    lap("factors")
    # ---------------------------------------------------------------- regions
    min_score = rs.zones("min_score", 0.4)
    suitable = grid.inside & ~excluded & (score >= min_score)
    labels, n = ndimage.label(suitable, structure=np.ones((3, 3), dtype=int))
    idx = np.arange(1, n + 1)
    counts = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    area_ha = counts * grid.cell_ha
    keep = area_ha >= rs.zones("min_area_ha", 25.0)
    kept = idx[keep]
    zones = _zones_table(
        labels, kept, area_ha[keep], score, factors, weights, grid, rs, layers, dist
    )
    lap("zones")
    exclusions = _exclusions_table(ex_bits, ex_names, grid)
    lap("exclusion_polygons")
    conflicts = _conflicts_table(layers, rs, ex_geoms, site_id_field, grid.boundary)
    lap("conflicts")
    inside_ha = float(grid.inside.sum() * grid.cell_ha)
    total_ha = float(zones["area_ha"].sum()) if len(zones) else 0.0
    summary = {
        "rules": rs.name,
        "rules_source": rs.source,
        "resolution_m": res,
        "crs": grid.crs.to_wkt(),
        "landscape_ha_on_grid": inside_ha,
        "candidate_ha": total_ha,
        "candidate_share": total_ha / inside_ha if inside_ha else 0.0,
        "n_zones": len(zones),
        "n_zones_flagged_too_large": int(zones["too_large"].sum()) if len(zones) else 0,
        "excluded_ha": float((excluded & grid.inside).sum() * grid.cell_ha),
        "n_sites": int(shapely.intersects(layers["sites"].geometry.to_numpy(), grid.boundary).sum())
        if layers.get("sites") is not None
        else 0,
        "n_sites_in_conflict": int(conflicts["site_id"].nunique()) if len(conflicts) else 0,
        "exclusion_rules_used": ex_names,
        "factor_weights": {k: weights[k] / wsum for k in weights} if wsum else {},
        "skipped": skipped,
    }
    return ZoningResult(
        zones=zones,
        exclusions=exclusions,
        conflicts=conflicts,
        summary=summary,
        rules=rs,
        grid=grid,
        factor_weights={k: weights[k] for k in weights},
        timings=timings,
    )


def _is_raster(src: Any) -> bool:
    import xarray as xr

    if isinstance(src, xr.DataArray | Raster):
        return True
    return isinstance(src, str | os.PathLike) and str(src).lower().endswith(
        (".tif", ".tiff", ".vrt", ".img", ".nc")
    )


def _filter_open(gdf: gpd.GeoDataFrame, rule: dict[str, Any]) -> gpd.GeoDataFrame:
    """Concessions that exclude: not of a type or status open to ASM, no holder agreement."""
    keep = np.ones(len(gdf), dtype=bool)
    for key, default_field in (("open_types", "type"), ("open_statuses", "status")):
        fld = rule.get(f"{default_field}_field", default_field)
        values = {str(v).casefold() for v in rule.get(key, [])}
        if values and fld in gdf.columns:
            keep &= ~gdf[fld].astype("string").str.casefold().isin(values).fillna(False).to_numpy()
    agree = rule.get("agreement_field")
    if agree and agree in gdf.columns:
        keep &= ~gdf[agree].fillna(False).astype(bool).to_numpy()
    return gdf.loc[keep]


def _factor(
    rule: dict[str, Any],
    lay: str,
    grid: AnalysisGrid,
    layers: dict,
    geology: Any,
    lc_groups: np.ndarray | None,
    dist: Any,
) -> np.ndarray | None:
    if lay == "geology":
        default = float(rule.get("default", 0.0))
        if geology is None:
            return None
        if _is_raster(geology):
            g = _warp(read_raster(geology), grid, Resampling.bilinear, "float32", np.nan)
            return np.clip(np.nan_to_num(g, nan=default), 0, 1)
        gdf = layers["geology"]
        out = np.full((grid.height, grid.width), default, dtype=np.float32)
        sf, cf = rule.get("score_field", "score"), rule.get("class_field", "class")
        if sf in gdf.columns:
            vals = pd.to_numeric(gdf[sf], errors="coerce").to_numpy(dtype=float)
        elif cf in gdf.columns:
            table = {str(k).casefold(): float(v) for k, v in rule.get("class_scores", {}).items()}
            vals = np.array([table.get(str(v).casefold(), np.nan) for v in gdf[cf]])
        else:
            raise MissingFieldError(
                f"geology layer has neither {sf!r} nor {cf!r}; fields present: "
                + ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            )
        # burn in order so that higher scores win where polygons overlap
        order = np.argsort(np.nan_to_num(vals, nan=-1.0), kind="stable")
        for i in order:
            if np.isfinite(vals[i]):
                m = _burn([gdf.geometry.iloc[i]], grid)
                out[m] = np.clip(vals[i], 0, 1)
        return out
    if lay == "land_cover":
        if lc_groups is None:
            return None
        table = rule.get("group_scores", {})
        default = float(rule.get("default", 0.5))
        out = np.full(lc_groups.shape, default, dtype=np.float32)
        for g, v in table.items():
            out[lc_groups == g] = float(v)
        return out
    if lay == "sites":
        d = dist("sites")
        if d is None:
            return None
        decay = float(rule.get("decay_m", 5000.0)) or 1.0
        return np.clip(1.0 - d / decay, 0.0, 1.0)
    # access band: roads / settlements
    ds = [x for x in (dist(lay2) for lay2 in (rule.get("layers") or [lay])) if x is not None]
    if not ds:
        return None
    d = np.minimum.reduce(ds)
    lo, hi = float(rule.get("min_m", 0.0)), float(rule.get("max_m", 5000.0))
    decay = float(rule.get("decay_m", 10000.0)) or 1.0
    out = np.ones(d.shape, dtype=np.float32)
    if lo > 0:
        out = np.where(d < lo, d / lo, out)
    return np.where(d > hi, np.clip(1.0 - (d - hi) / decay, 0.0, 1.0), out)


def _zones_table(labels, kept, area_ha, score, factors, weights, grid, rs, layers, dist):
    cols = [
        "zone_id",
        "rank",
        "area_ha",
        "score",
        *[f"f_{k}" for k in factors],
        "n_sites",
        "sites_ha",
        "dist_concession_m",
        "dist_protected_m",
        "dist_river_m",
        "dist_settlement_m",
        "capacity_operations",
        "too_large",
        "why",
    ]
    if len(kept) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=grid.crs)
    mean_score = ndimage.mean(score, labels, kept)
    fmeans = {k: ndimage.mean(f, labels, kept) for k, f in factors.items()}
    dmin = {}
    for key, lay in (
        ("dist_concession_m", "concessions"),
        ("dist_protected_m", "protected"),
        ("dist_river_m", "rivers"),
        ("dist_settlement_m", "settlements"),
    ):
        d = dist(lay)
        dmin[key] = (
            ndimage.minimum(d, labels, kept) if d is not None else np.full(len(kept), np.nan)
        )
    shapes: dict[int, list] = {}
    sub = np.where(np.isin(labels, kept), labels, 0).astype(np.int32)
    for geom, v in rasterio.features.shapes(
        sub, mask=sub > 0, transform=grid.transform, connectivity=8
    ):
        shapes.setdefault(int(v), []).append(shapely.geometry.shape(geom))
    geoms = [shapely.union_all(shapes[int(k)]) for k in kept]
    gdf = gpd.GeoDataFrame(
        {
            "label": kept,
            "area_ha": area_ha,
            "score": mean_score,
            **{f"f_{k}": v for k, v in fmeans.items()},
            **dmin,
        },
        geometry=geoms,
        crs=grid.crs,
    )
    sites = layers.get("sites")
    n_sites = np.zeros(len(gdf), dtype=int)
    sites_ha = np.zeros(len(gdf))
    if sites is not None and len(sites):
        sg = sites.geometry.to_numpy()
        tree = shapely.STRtree(sg)
        for i, z in enumerate(gdf.geometry):
            hit = tree.query(z, predicate="intersects")
            n_sites[i] = len(hit)
            polys = [g for g in sg[hit] if shapely.get_dimensions(g) == 2]
            if polys:
                sites_ha[i] = shapely.intersection(shapely.union_all(polys), z).area / 1e4
    gdf["n_sites"] = n_sites
    gdf["sites_ha"] = sites_ha
    ha_op = rs.zones("ha_per_operation", 0.0)
    gdf["capacity_operations"] = np.floor(gdf["area_ha"] / ha_op).astype(int) if ha_op else 0
    gdf["too_large"] = gdf["area_ha"] > rs.zones("max_area_ha", math.inf)
    gdf = gdf.sort_values(["score", "area_ha", "label"], ascending=[False, False, True])
    gdf["rank"] = np.arange(1, len(gdf) + 1)
    gdf["zone_id"] = [f"Z{r:03d}" for r in gdf["rank"]]
    gdf["why"] = [_why(row, factors, weights) for _, row in gdf.iterrows()]
    return gdf[[*cols, "geometry"]].reset_index(drop=True)


_FACTOR_WORDS = {
    "geology": "deposit likelihood",
    "existing_sites": "closeness to existing ASM sites",
    "access": "access by road or settlement",
    "low_sensitivity": "low ecological sensitivity",
}


def _why(row: pd.Series, factors: dict, weights: dict) -> str:
    wsum = sum(weights.values()) or 1.0
    contrib = sorted(((weights[k] / wsum * row[f"f_{k}"], k) for k in factors), reverse=True)
    best = [f"{_FACTOR_WORDS.get(k, k)} {row[f'f_{k}']:.2f}" for c, k in contrib[:2] if c > 0]
    parts = [f"Score {row['score']:.2f}" + (f" (strongest: {', '.join(best)})" if best else "")]
    if row["n_sites"]:
        parts.append(f"{int(row['n_sites'])} existing ASM site(s) inside")
    near = []
    for key, label in (
        ("dist_river_m", "river"),
        ("dist_protected_m", "protected area"),
        ("dist_concession_m", "concession"),
        ("dist_settlement_m", "settlement"),
    ):
        v = row[key]
        if np.isfinite(v):
            near.append(f"{label} {v / 1000:.1f} km")
    if near:
        parts.append("nearest " + ", ".join(near))
    parts.append("outside every exclusion rule")
    if row["too_large"]:
        parts.append("larger than the maximum zone size: split it before designation")
    return "; ".join(parts) + "."


def _exclusions_table(bits: np.ndarray, names: list[str], grid: AnalysisGrid) -> gpd.GeoDataFrame:
    sub = np.where(grid.inside, bits, 0).astype(np.int64)
    recs: dict[int, list] = {}
    if sub.any():
        codes = np.unique(sub[sub > 0])
        # shapes() needs int32: map codes to compact ids
        compact = np.searchsorted(codes, sub).astype(np.int32) + 1
        compact[sub == 0] = 0
        for geom, v in rasterio.features.shapes(
            compact, mask=compact > 0, transform=grid.transform, connectivity=8
        ):
            recs.setdefault(int(codes[int(v) - 1]), []).append(shapely.geometry.shape(geom))
    rows = []
    for code in sorted(recs):
        rules = [n for i, n in enumerate(names) if code >> i & 1]
        geom = shapely.union_all(recs[code])
        rows.append(
            {
                "rules": ", ".join(rules),
                "n_rules": len(rules),
                "area_ha": geom.area / 1e4,
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(
        rows, columns=["rules", "n_rules", "area_ha", "geometry"], geometry="geometry", crs=grid.crs
    )


def _conflicts_table(
    layers: dict, rs: RuleSet, ex_geoms: dict, id_field: str | None, boundary: Any
) -> gpd.GeoDataFrame:
    cols = ["site_id", "conflict", "rule", "overlap_ha", "geometry"]
    sites = layers.get("sites")
    if sites is None or sites.empty:
        return gpd.GeoDataFrame(columns=cols, geometry="geometry", crs=None)
    if id_field is not None and id_field not in sites.columns:
        raise MissingFieldError(
            f"site_id_field {id_field!r} not in the sites layer; fields: "
            + ", ".join(c for c in sites.columns if c != sites.geometry.name)
        )
    ids = (
        sites[id_field].astype(str).to_numpy()
        if id_field
        else np.array([str(i) for i in sites.index])
    )
    kinds = {
        "concessions": "concession",
        "protected": "protected area",
        "rivers": "river buffer",
        "water": "river buffer",
    }
    # only the landscape's own sites (the grid is padded beyond it)
    in_ls = shapely.intersects(sites.geometry.to_numpy(), boundary)
    ids = ids[in_ls]
    geoms = sites.geometry.to_numpy()[in_ls]
    rows: list[dict[str, Any]] = []
    for name, rule in rs.exclude.items():
        kind = kinds.get(rule.get("layer"))
        if kind is None or name not in ex_geoms:
            continue
        if rule.get("layer") == "protected":
            # a site conflicts with the protected area itself, or else with its buffer
            core = layers["protected"].geometry.to_numpy()
            in_core = _pairs(geoms, core)
            rows += _conflict_rows(ids, geoms, core, in_core, kind, name)
            buf = _pairs(geoms, ex_geoms[name])
            buf = {i: js for i, js in buf.items() if i not in in_core}
            rows += _conflict_rows(ids, geoms, ex_geoms[name], buf, "protected area buffer", name)
        else:
            rows += _conflict_rows(
                ids, geoms, ex_geoms[name], _pairs(geoms, ex_geoms[name]), kind, name
            )
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=sites.crs)
    return gdf.sort_values(["site_id", "conflict"], kind="stable").reset_index(drop=True)


def _pairs(sites: np.ndarray, parts: np.ndarray) -> dict[int, np.ndarray]:
    """Which constraint parts each site intersects (one bulk STRtree query)."""
    if len(sites) == 0 or len(parts) == 0:
        return {}
    tree = shapely.STRtree(parts)
    si, pj = tree.query(sites, predicate="intersects")
    out: dict[int, list[int]] = {}
    for i, j in zip(si.tolist(), pj.tolist(), strict=True):
        out.setdefault(i, []).append(j)
    return {i: np.asarray(js) for i, js in out.items()}


def _conflict_rows(
    ids: np.ndarray,
    geoms: np.ndarray,
    parts: np.ndarray,
    pairs: dict[int, np.ndarray],
    kind: str,
    rule: str,
) -> list[dict[str, Any]]:
    rows = []
    for i in sorted(pairs):
        g = geoms[i]
        ha = 0.0
        if shapely.get_dimensions(g) == 2:
            zone = parts[pairs[i][0]] if len(pairs[i]) == 1 else shapely.union_all(parts[pairs[i]])
            ha = shapely.intersection(g, zone).area / 1e4
        rows.append(
            {"site_id": ids[i], "conflict": kind, "rule": rule, "overlap_ha": ha, "geometry": g}
        )
    return rows


# ----------------------------------------------------------------------------- sensitivity


def sensitivity(
    result: ZoningResult,
    *,
    variation: float = 0.2,
    draws: int = 200,
    top_k: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """How stable each candidate's rank is when the factor weights change.

    Each weight is moved by ``±variation`` one at a time, then all weights are drawn at
    random within ``±variation`` (``draws`` times, seeded). Zones keep their cells; their
    scores are recomputed from their factor means with the new weights and re-ranked.

    Returns
    -------
    pandas.DataFrame
        ``zone_id``, ``rank`` (base), ``share_top_k`` (share of runs in which the zone is
        in the top ``top_k``), ``min_rank``, ``max_rank``, ``mean_rank``.
    """
    if not 0 <= variation < 1:
        raise InvalidParameterError(f"variation={variation!r} must be in [0, 1)")
    z = result.zones
    names = list(result.factor_weights)
    if len(z) == 0 or not names:
        return pd.DataFrame(
            columns=["zone_id", "rank", "share_top_k", "min_rank", "max_rank", "mean_rank"]
        )
    base = np.array([result.factor_weights[k] for k in names])
    f = z[[f"f_{k}" for k in names]].to_numpy(dtype=float)
    runs = []
    for i in range(len(names)):
        for sign in (-1, 1):
            w = base.copy()
            w[i] *= 1 + sign * variation
            runs.append(w)
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        runs.append(base * rng.uniform(1 - variation, 1 + variation, len(base)))
    ranks = []
    for w in runs:
        s = f @ (w / w.sum()) if w.sum() > 0 else np.zeros(len(z))
        order = np.lexsort((z["zone_id"].to_numpy(), -z["area_ha"].to_numpy(), -s))
        r = np.empty(len(z), dtype=int)
        r[order] = np.arange(1, len(z) + 1)
        ranks.append(r)
    ranks = np.array(ranks)
    return pd.DataFrame(
        {
            "zone_id": z["zone_id"],
            "rank": z["rank"],
            "share_top_k": (ranks <= top_k).mean(axis=0),
            "min_rank": ranks.min(axis=0),
            "max_rank": ranks.max(axis=0),
            "mean_rank": ranks.mean(axis=0),
        }
    )
