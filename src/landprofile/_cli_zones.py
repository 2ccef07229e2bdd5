"""``landprofile zones CONFIG --out FILE``: the candidate zones of a config, located.

Every option of :func:`landprofile.zoning.locate` is here too (the QGIS plugin passes them
beside a config), each overriding the config's ``[select]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from landprofile._cli_common import (
    CONFIG,
    check_out,
    cluster,
    cluster_options,
    out_file,
    step_display,
    use_data_settings,
)

__all__ = ["zones"]

#: The zone shapes and evaluations :func:`landprofile.zoning.locate` takes (kept equal to
#: its own lists by a test: the CLI must not import the zoning package to show --help).
SHAPES = ("compact", "circle", "square", "ellipse")
EVALUATIONS = ("mean", "sum", "edge")


@click.command()
@CONFIG
@out_file(
    "Zones file to write, in the format of its extension: .gpkg (every layer: zones, "
    "other suitable land, exclusions, conflicts, candidate regions), .geojson (the zones "
    "layer only, EPSG:4326) or .parquet (GeoParquet, the zones layer only)."
)
@click.option("--n-zones", type=click.IntRange(min=1), help="Zones to locate (default 10).")
@click.option(
    "--total-area-ha", type=click.FloatRange(min=0, min_open=True), help="Total area to locate."
)
@click.option(
    "--min-spacing-m", type=click.FloatRange(min=0), help="Least distance between zones (m)."
)
@click.option("--method", type=click.Choice(["exact", "greedy"]), help="How zones are chosen.")
@click.option(
    "--zone-area-ha",
    type=(click.FloatRange(min=0, min_open=True), click.FloatRange(min=0, min_open=True)),
    metavar="MIN MAX",
    help="Size of each zone (ha), least and most.",
)
@click.option("--shape", type=click.Choice(SHAPES), help="Shape zones are grown to.")
@click.option(
    "--shape-weight",
    type=click.FloatRange(0, 1),
    help="Weight of the shape against the score while growing (0 to 1).",
)
@click.option(
    "--max-spacing-m",
    type=click.FloatRange(min=0, min_open=True),
    help="Most distance between any two zones, edge to edge (m).",
)
@click.option(
    "--evaluation", type=click.Choice(EVALUATIONS), help="What a zone is worth: mean, sum or edge."
)
@click.option(
    "--lock-in",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Existing zones or permits (a vector file) that stay selected.",
)
@click.option(
    "--max-candidates", type=click.IntRange(min=1), help="Candidate regions at most (seeds)."
)
@click.option(
    "--time-limit-s",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds the exact selection may take (then the best found, optimality not proved).",
)
@click.option(
    "--all-suitable",
    is_flag=True,
    help="Every piece of land that passes the rules as a zone (no selection; not with "
    "the options that choose among them).",
)
@cluster_options
def zones(
    config: Path,
    out_file: Path,
    n_zones: int | None,
    total_area_ha: float | None,
    min_spacing_m: float | None,
    method: str | None,
    zone_area_ha: tuple[float, float] | None,
    shape: str | None,
    shape_weight: float | None,
    max_spacing_m: float | None,
    evaluation: str | None,
    lock_in: Path | None,
    max_candidates: int | None,
    time_limit_s: float | None,
    all_suitable: bool,
    scheduler: str | None,
    workers: int | None,
    checkpoint: Path | None,
) -> None:
    """Locate the best ASM zones for a config (zones, other suitable land, conflicts).

    The config's [select] says how many zones, how large and how far apart; the
    options override it. Giving any of them locates a short list even when the
    config's [select] says enabled = false.

    \b
    Examples:
      landprofile zones my_landscape.toml --out zones.gpkg --n-zones 5
      landprofile zones my_landscape.toml --out zones.gpkg --n-zones 8 \\
          --zone-area-ha 50 400 --min-spacing-m 5000 --time-limit-s 120
    """
    from landprofile._progress import Steps
    from landprofile._vector_out import vector_format
    from landprofile.pipeline import (
        build_boundary,
        build_zoning,
        input_sources,
        load_config,
        select_options,
    )
    from landprofile.qgis.gpkg import map_inputs
    from landprofile.zoning.output import ZONING_FORMATS, write_zoning

    chosen = {
        "--n-zones": n_zones,
        "--total-area-ha": total_area_ha,
        "--min-spacing-m": min_spacing_m,
        "--method": method,
        "--zone-area-ha": zone_area_ha,
        "--shape": shape,
        "--shape-weight": shape_weight,
        "--max-spacing-m": max_spacing_m,
        "--evaluation": evaluation,
        "--lock-in": lock_in,
        "--max-candidates": max_candidates,
        "--time-limit-s": time_limit_s,
    }
    given = [name for name, value in chosen.items() if value is not None]
    if all_suitable and given:
        raise click.UsageError(
            f"--all-suitable and {given[0]} cannot be used together: --all-suitable keeps "
            f"every piece that passes the rules, {given[0]} chooses among them"
        )
    # a wrong name fails before the work
    vector_format(out_file, ZONING_FORMATS, "the zoning")
    cfg = load_config(config)
    use_data_settings(cfg)
    check_out(cfg, out_file)
    select = (
        None
        if all_suitable
        else select_options(
            cfg,
            # an option asked for on the command line is meant: it wins over the
            # config's [select] enabled = false as it wins over its other keys
            enabled=True if given else None,
            **{name[2:].replace("-", "_"): value for name, value in chosen.items()},
        )
    )
    with cluster(scheduler, workers, checkpoint) as where, step_display() as steps:
        ls = build_boundary(cfg, steps)
        res = build_zoning(
            cfg, ls, steps, select=select if select is not None else False, cluster=where
        )
        write = Steps(steps)
        write.start("write")
        write_zoning(res, out_file, sources=input_sources(cfg), **map_inputs(cfg))
        write.end()
    s = res.summary
    sel = s.get("selection")
    click.echo(
        f"{s['n_zones']} zones, {s['candidate_ha']:,.0f} ha"
        + (f" ({selection_words(sel)})" if sel else "")
        + f"; {s['suitable_ha']:,.0f} ha passed the rules "
        f"({100 * s['suitable_share']:.0f} % of the landscape, "
        f"{100 * s['suitable_share_of_allowed']:.0f} % of the land no rule excludes); "
        f"{s['n_sites_in_conflict']} sites in conflict; wrote {out_file}"
    )


def selection_words(sel: dict[str, Any]) -> str:
    """How the zones were chosen, for the summary line: the gap only when it is known."""
    gap = sel.get("gap")
    # locate gives no gap when the search stopped before proving optimality
    proof = "optimality not proved" if gap is None else f"gap {100 * gap:.2g} %"
    return f"chosen among {sel['n_candidates']} candidate regions, {sel['status']}, {proof}"
