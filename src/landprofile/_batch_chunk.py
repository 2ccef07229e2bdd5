"""A batch's unit of work: the profile table of one chunk of landscapes, in a worker.

It runs on local threads, in local processes or on a dask.distributed worker, so it
takes only paths and plain values, and computes exactly what a serial run computes.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from landprofile.profile import stats
from landprofile.profile._zones import as_zones


def _chunk_profile(
    gdf: gpd.GeoDataFrame,
    id_field: str,
    land_cover: Any,
    legend: Any,
    population: Any,
    population_kind: str,
    dem: Any,
    after: Any = None,
    after_legend: Any = None,
    footprints: Any = None,
    date_field: str | None = None,
) -> pd.DataFrame:
    """The profile table of one chunk of landscapes (runs in a worker)."""
    from landprofile.landscape import quiet_scale

    # a context switch, not catch_warnings: this runs on worker threads
    with quiet_scale():
        zones = as_zones(gdf, id_field=id_field)
    out = pd.DataFrame(
        {"landscape": [z.id for z in zones], "area_ha": [z.area_m2 / 1e4 for z in zones]}
    )
    if land_cover is not None:
        lc = stats.land_cover(
            gdf, land_cover, legend=legend or "esa_worldcover_v200", id_field=id_field, threads=1
        )
        cls = lc[lc["kind"] == "class"]
        nat = cls[cls["natural"].astype(bool)].groupby("landscape")["share"].sum()
        out["natural_share"] = out["landscape"].map(nat).fillna(0.0)
        wide = cls.pivot_table(
            index="landscape", columns="group", values="share", aggfunc="sum", fill_value=0.0
        )
        wide.columns = [f"share_{c}" for c in wide.columns]
        out = out.merge(wide, left_on="landscape", right_index=True, how="left")
        other = lc[lc["kind"] != "class"].pivot_table(
            index="landscape", columns="kind", values="area_ha", aggfunc="sum"
        )
        other.columns = [f"{c}_ha" for c in other.columns]
        out = out.merge(other, left_on="landscape", right_index=True, how="left")
    if population is not None:
        pop = stats.population(gdf, population, kind=population_kind, id_field=id_field, threads=1)
        out = out.merge(
            pop[["landscape", "population", "density_per_km2"]], on="landscape", how="left"
        )
    if dem is not None:
        el = stats.elevation(gdf, dem, id_field=id_field, threads=1)
        out = out.merge(el[["landscape", "min_m", "max_m", "mean_m"]], on="landscape", how="left")
    if after is not None or footprints is not None:
        out = out.merge(
            _chunk_change(zones, land_cover, legend, after, after_legend, footprints, date_field),
            on="landscape",
            how="left",
        )
    return out


def _chunk_change(
    zones: list, before: Any, legend: Any, after: Any, after_legend: Any, fps: Any, field: Any
) -> pd.DataFrame:
    """Natural habitat before/after/lost/gained and the footprint by date, per landscape."""
    from landprofile.landscape import Landscape, Provenance, quiet_scale
    from landprofile.monitoring import change, footprint_timeline
    from landprofile.vector import read_vector

    if fps is not None and not isinstance(fps, dict):
        fps = read_vector(fps)  # once per chunk, not once per landscape
    rows = []
    prov = Provenance(method="custom", source="batch")
    for z in zones:
        row: dict[str, Any] = {"landscape": z.id}
        with quiet_scale():
            ls = Landscape(name=z.id, geometry=z.geometry, crs=z.crs, provenance=prov)
        if after is not None:
            ch = change(
                ls,
                before,
                after,
                before_legend=legend or "esa_worldcover_v200",
                after_legend=after_legend or legend or "esa_worldcover_v200",
                threads=1,
            )
            row.update({f"natural_{k}": v for k, v in ch.natural.items()})
        if fps is not None:
            tl = footprint_timeline(ls, fps, date_field=field)
            for r in tl.itertuples():
                d = r.date.date().isoformat()
                row[f"footprint_{d}_ha"] = r.area_ha
                row[f"footprint_new_{d}_ha"] = r.new_ha
        rows.append(row)
    return pd.DataFrame(rows)
