"""Candidate ASM zones: overlay, conflicts, rule-based suitability, ranked and explained.

The data flow, one module per step:

1. :mod:`~landprofile.zoning.grid` — an equal-area analysis grid centred on the
   landscape, padded by the largest distance any rule looks at, and the layers
   projected onto its CRS (vectors stay vectors).
2. :mod:`~landprofile.zoning.constraints` — exclusion rules as exact buffered geometry
   (and as cells, for scoring).
3. :mod:`~landprofile.zoning.suitability` — factor rules as a weighted score per cell.
4. :mod:`~landprofile.zoning.regions` — suitable cells into regions, regions over the
   maximum size cut into zones by equal-area bisection.
5. :mod:`~landprofile.zoning.zones` — zones as polygons with every exclusion cut out
   exactly, measured on the final geometry, ranked.
6. :mod:`~landprofile.zoning.explain` and :mod:`~landprofile.zoning.conflicts` — each
   zone's reasons and each site's conflicts, in the reader's language and the user's ids.

Steps 2-4 work on cells; ``landprofile.zoning.tiled`` runs them on one grid or,
past the memory limit (a country at 30 m), in tiles with halos, here or on a dask
cluster, with the same cells, scores and regions (``landprofile.zoning.tiles``): the
regions joined at the tiles' seams, the bisection region by region in its box, the
zones step zone by zone; no array the size of the landscape is made (``locate`` still
reads the whole grid's score from files, ``landprofile.zoning._disk``).

Everything is proposed and explained; legal designation is a human decision.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landprofile._options import options
from landprofile._progress import Progress, Steps
from landprofile.crs import norm_crs
from landprofile.errors import InvalidParameterError, RulesWarning, user_stacklevel
from landprofile.landscape import Landscape
from landprofile.zoning._legend_check import check_legend_known
from landprofile.zoning._zones_tables import (
    exclusions_table,
    explain,
    n_sites_in_conflict,
    reproject,
)
from landprofile.zoning.conflicts import conflicts_table
from landprofile.zoning.grid import analysis_grid, is_raster, read_layer
from landprofile.zoning.result import ZoningContext, ZoningResult
from landprofile.zoning.rules import RulesError, load_rules
from landprofile.zoning.tile_budget import tile_size
from landprofile.zoning.tiled import in_tiles, one_grid, read_rasters, warn_coarse
from landprofile.zoning.tiles import halo_cells
from landprofile.zoning.zones import zone_table

__all__ = ["candidates"]

#: Largest distance (m) the grid is padded by, whatever the rules say.
MAX_PAD_M = 20_000.0


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
    crs: Any = None,
    lang: str = "en",
    select: dict[str, Any] | None = None,
    progress: Progress | None = None,
    tile_cells: int | None = None,
    client: Any = None,
    checkpoint: Any = None,
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
        The sites' id column; when ``None``, the first of ``site_id``, ``id``, ``code``,
        ``name``… that is unique, else stable ``S0001``-style ids from row positions
        (``summary["site_ids_generated"]`` says so).
    crs
        CRS of the zones, exclusions and conflicts; the landscape's CRS when ``None``.
    lang
        Language of the explanations (``fr``, ``en``, ``es``); see
        :meth:`ZoningResult.in_language`.
    select
        When given, the keyword arguments of :func:`landprofile.zoning.locate` (``{}`` for
        its defaults: the 10 best zones): the result holds the selected zones, the rest
        of the suitable land as ``other_suitable`` and how they were chosen as
        ``selection``. Without it, or with ``{"enabled": False}``, every piece of
        suitable land is a zone. Checked before anything runs (unknown keys, types,
        ranges: ``landprofile.zoning.locate_options.check_options``).
    progress
        Called as ``progress(step, None)`` when each step starts and ``progress(step,
        seconds)`` when it ends (the CLI draws them); a run in tiles reports
        ``tiles 12/40 · ~3 min left`` as it goes.
    tile_cells
        Cut the analysis grid into tiles of ``tile_cells`` cells a side (each computed
        with a halo as wide as the farthest distance a factor looks at): the same zones,
        scores and ranks as one grid, in bounded memory. ``None``:
        ``lp.options.zoning_tile_cells``, else tiles only when the whole grid does not
        fit in the memory limit (``lp.options.max_memory_gb``); see
        ``landprofile.zoning.tiles``.
    client
        A ``dask.distributed.Client`` or a scheduler address (``"tcp://host:8786"``):
        the tiles run on the cluster's workers (the run is tiled then).
    checkpoint
        A folder that keeps finished tiles (keyed by every input): an interrupted run
        given the same folder and inputs resumes from them. Only a tiled run uses it.

    Returns
    -------
    ZoningResult

    Raises
    ------
    ResourceLimitError
        When even the run in tiles does not fit in the memory limit (with its estimated
        memory and time).

    Warns
    -----
    DataWarning
        When a raster a rule uses (land cover, DEM, geology) has cells wider than the
        smallest buffer a rule looks at.
    RulesWarning
        When more than half of the land no rule excludes passes the rules (they do not
        discriminate), saying what to add.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import landprofile as lp
    >>> from shapely.geometry import LineString, Point
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> ls = square_landscape(2000)  # a 2 km square, a river down its middle
    >>> river = gpd.GeoDataFrame(
    ...     geometry=[LineString([(601_000, 600_000), (601_000, 602_000)])], crs=SQUARE_CRS)
    >>> sites = gpd.GeoDataFrame(
    ...     {"site_id": ["S1", "S2"]},
    ...     geometry=[Point(600_300, 600_300), Point(601_700, 601_700)], crs=SQUARE_CRS)
    >>> res = lp.zoning.candidates(ls, sites=sites, rivers=river)
    >>> res.exclusions["rule"].tolist()
    ['rivers']
    >>> round(res.summary["excluded_ha"])  # 100 m either side along 2 km: 2 × 0.1 × 2 km²
    40
    >>> res.zones[["zone_id", "rank", "n_sites"]]  # one zone each side of the river
      zone_id  rank  n_sites
    0    Z001     1        1
    1    Z002     2        1
    """
    if select is not None:
        from landprofile.zoning.locate import check_options

        # refused by name now, not after the (slow) rules run
        checked = check_options(
            select,
            where="candidates(select=...)",
            landscape_ha=landscape.area_ha,
            allow_enabled=True,
        )
        # select={"enabled": False}: every suitable piece, as [select] enabled = false
        select = {k: v for k, v in select.items() if k != "enabled"} if checked["enabled"] else None
    steps = Steps(progress)
    steps.start("grid_and_layers")
    rs = load_rules(rules)
    value = rs.resolution_m if resolution_m is None else resolution_m
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidParameterError(f"resolution_m={resolution_m!r} must be a number of metres")
    res = float(value)
    if not (math.isfinite(res) and res > 0):
        raise InvalidParameterError(
            f"resolution_m={resolution_m!r} must be a finite number of metres > 0"
        )
    if tile_cells is not None and (
        isinstance(tile_cells, bool)
        or not isinstance(tile_cells, int | np.integer)
        or tile_cells < 1
    ):
        raise InvalidParameterError(
            f"tile_cells={tile_cells!r} must be a whole number of cells >= 1 (a tile's side)"
        )
    out_crs = landscape.crs if crs is None else norm_crs(crs, what="candidates(crs=...)")
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
    _check_required(rs, inputs)
    pad = max(
        [float(r.get("buffer_m", 0)) for r in rs.exclude.values()]
        + [float(r.get("decay_m", 0)) + float(r.get("max_m", 0)) for r in rs.favour.values()]
        + [res]
    )
    grid = analysis_grid(landscape, res, min(pad, MAX_PAD_M), whole=False)
    # features farther than the capped padding still count when a rule reaches them
    reach = max([float(r.get("buffer_m", 0)) for r in rs.exclude.values()] + [0.0])
    read = {
        k: read_layer(v, k, grid, reach)
        for k, v in inputs.items()
        if k not in ("land_cover", "dem") and not (k == "geology" and is_raster(v))
    }
    layers = {k: v[0] for k, v in read.items()}
    originals = {k: v[1] for k, v in read.items()}
    rasters, lut = read_rasters(inputs, legend, landscape)
    check_legend_known(rasters.get("land_cover"), lut, landscape, legend)
    warn_coarse(rasters, rs, layers, landscape)
    present = {k for k, v in layers.items() if v is not None and len(v)}
    halo = halo_cells(rs, present, res)
    side = tile_size(
        grid,
        tile_cells if tile_cells is not None else options.zoning_tile_cells,
        halo,
        f"zoning of {landscape.name!r} at resolution_m={res:g}",
        force=client is not None,
        factors=len(rs.favour),
    )
    if side is None:
        grid = analysis_grid(landscape, res, min(pad, MAX_PAD_M))
        stage = one_grid(rs, grid, layers, rasters, lut, steps)
    else:
        stage = in_tiles(
            rs,
            grid,
            layers,
            rasters,
            lut,
            steps,
            side=side,
            halo=halo,
            client=client,
            checkpoint=checkpoint,
            progress=progress,
        )
    grid, cons, suit, suitable = stage.grid, stage.cons, stage.suit, stage.suitable
    part, per_rule, excluded_all, parts = (
        stage.part,
        stage.per_rule,
        stage.excluded_all,
        stage.parts,
    )
    split = rs.split != "none"
    cells, regions = stage.cells, stage.regions
    del stage
    steps.start("zones")
    table = zone_table(part, grid, suit, cons, layers, rs, parts, split)
    del part
    steps.start("conflicts")

    conflicts, ids = conflicts_table(
        layers,
        rs,
        cons,
        grid.boundary,
        site_id_field,
        original=originals.get("sites"),
        crs=out_crs,
    )
    steps.start("tables")

    exclusions = exclusions_table(per_rule, rs, lang, grid.crs)
    zones = table.zones
    explain(zones, table.facts, conflicts, rs, lang)
    inside_ha = float(grid.boundary.area / 1e4)
    total_ha = float(zones["area_ha"].sum()) if len(zones) else 0.0
    excluded_ha = float(shapely.area(excluded_all) / 1e4)
    allowed_ha = max(inside_ha - excluded_ha, 0.0)
    sites_gdf = layers.get("sites")
    summary = {
        "rules": rs.name,
        "rules_source": rs.source,
        "resolution_m": res,
        "analysis_crs": grid.crs.to_wkt(),
        "crs": gpd.GeoSeries([], crs=out_crs).crs.to_wkt(),
        "landscape_ha": inside_ha,
        "candidate_ha": total_ha,
        "candidate_share": total_ha / inside_ha if inside_ha else 0.0,
        "n_zones": len(zones),
        "split": rs.split,
        "max_area_ha": rs.zones("max_area_ha", 0.0),
        "min_area_ha": rs.zones("min_area_ha", 25.0),
        "n_zones_flagged_too_large": int(zones["too_large"].sum()) if len(zones) else 0,
        "n_zones_dropped_after_clipping": table.dropped_after_clipping,
        "ha_dropped_after_clipping": table.dropped_after_clipping_ha,
        "excluded_ha": excluded_ha,
        # how much the rules discriminate: what passed, of the landscape and of the land
        # no exclusion takes
        "suitable_ha": total_ha,
        "suitable_share": total_ha / inside_ha if inside_ha else 0.0,
        "allowed_ha": allowed_ha,
        "suitable_share_of_allowed": total_ha / allowed_ha if allowed_ha else 0.0,
        "factors_without_data": [k.split(" ")[0].removeprefix("favour.") for k in suit.skipped],
        "min_score": rs.zones("min_score", 0.4),
        "n_sites": int(shapely.intersects(sites_gdf.geometry.to_numpy(), grid.boundary).sum())
        if sites_gdf is not None
        else 0,
        "n_sites_in_conflict": n_sites_in_conflict(conflicts, ids["site_id_field"]),
        **ids,
        "exclusion_rules_used": cons.names,
        "factor_weights": suit.normalised_weights,
        "skipped": cons.skipped + suit.skipped,
    }
    steps.start("reproject")
    zones, zones_grid, exclusions, conflicts = reproject(
        zones, exclusions, conflicts, landscape, originals, cons, rs, out_crs
    )
    summary["rules_discriminate"] = summary["suitable_share_of_allowed"] <= DISCRIMINATION_LIMIT
    if not summary["rules_discriminate"] and select is None:
        # with select= the short list is the answer; the summary and the card still say it
        _warn_weak_rules(summary)
    result = ZoningResult(
        zones=zones,
        exclusions=exclusions,
        conflicts=conflicts,
        summary=summary,
        rules=rs,
        grid=grid,
        factor_weights=dict(suit.weights),
        facts=tuple(table.facts),
        lang=lang,
        landscape=landscape,
        timings=steps.timings,
        context=ZoningContext(
            suit=suit,
            cons=cons,
            layers=layers,
            originals=originals,
            parts=parts,
            suitable_geoms=zones.geometry.to_numpy(),
            suitable_geoms_grid=zones_grid,
            cells=cells,
            regions=regions,
            suitable_mask=suitable,
        ),
    )
    if select is not None:
        from landprofile.zoning.locate import locate

        steps.start("locate")
        result = locate(result, **select)
    steps.end()
    return dataclasses.replace(result, timings=steps.timings)


#: Share of the allowed land passing the rules above which they are said not to
#: discriminate.
DISCRIMINATION_LIMIT = 0.5


def _warn_weak_rules(summary: dict[str, Any]) -> None:
    missing = summary["factors_without_data"]
    warnings.warn(
        f"the rules do not discriminate: {100 * summary['suitable_share_of_allowed']:.0f} % "
        f"of the land no rule excludes passes them ({summary['suitable_ha']:,.0f} ha)"
        + (f"; factors with no data (defaults used): {', '.join(missing)}" if missing else "")
        + ". Add geology or access layers, raise min_score, or locate the best few zones "
        "(locate() / select=)",
        RulesWarning,
        stacklevel=user_stacklevel(),
    )


def _check_required(rs: Any, inputs: dict[str, Any]) -> None:
    for kind, table in (("exclude", rs.exclude), ("favour", rs.favour)):
        for name, rule in table.items():
            if rule.get("required"):
                for lay in rule.get("layers") or [rule["layer"]]:
                    if inputs[lay] is None:
                        raise RulesError(
                            f"rule [{kind}.{name}] requires layer {lay!r}; pass {lay}=..."
                        )
