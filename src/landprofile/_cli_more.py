"""The ``landprofile batch`` and ``landprofile data`` commands (many landscapes, open data).

Registered on the group in :mod:`landprofile.cli`; thin wiring like the rest.
"""

from __future__ import annotations

from pathlib import Path

import click

from landprofile._atomic import atomic_path
from landprofile._cli_common import CONFIG, out_file

__all__ = ["batch", "data"]


@click.command()
@click.argument("landscapes", type=click.Path(path_type=Path))
@out_file("Result table: .csv or .parquet.")
@click.option("--id-field", help="Field naming the landscapes (default: name, else row).")
@click.option("--layer", help="Layer of LANDSCAPES to read.")
@click.option("--land-cover", type=click.Path(exists=True, path_type=Path))
@click.option("--legend", default=None, help="Legend name or file (default WorldCover v200).")
@click.option("--population", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--population-kind",
    type=click.Choice(["count", "density_per_km2"]),
    default="count",
    show_default=True,
)
@click.option("--dem", type=click.Path(exists=True, path_type=Path))
@click.option("--workers", type=int, default=None, help="Local workers (default: CPUs).")
@click.option("--processes", is_flag=True, help="Local processes instead of threads.")
@click.option("--scheduler", help="dask.distributed scheduler address (tcp://host:8786).")
def batch(
    landscapes: Path,
    out_file: Path,
    id_field: str | None,
    layer: str | None,
    land_cover: Path | None,
    legend: str | None,
    population: Path | None,
    population_kind: str,
    dem: Path | None,
    workers: int | None,
    processes: bool,
    scheduler: str | None,
) -> None:
    """Profile many landscapes (every district, every basin) into one table.

    \b
    Examples:
      landprofile batch districts.gpkg --land-cover wc.vrt --out districts.csv
      landprofile batch basins.gpkg --population wp.tif --scheduler tcp://10.0.0.5:8786 \\
          --out basins.parquet
    """
    import shutil

    from landprofile.batch import profile_many
    from landprofile.vector import read_vector

    if out_file.resolve() in {
        Path(p).resolve() for p in (landscapes, land_cover, population, dem) if p is not None
    }:
        from landprofile.errors import OutputError

        raise OutputError(f"output '{out_file}' is one of the inputs; choose another path")
    if out_file.suffix.lower() not in (".csv", ".parquet"):
        from landprofile.errors import OutputError

        raise OutputError(
            f"output '{out_file}': unknown table format '{out_file.suffix or '(none)'}'; "
            "accepted: .csv (UTF-8 text) or .parquet"
        )
    from landprofile._owned import claim

    claim([out_file], what="a result table")  # a user's file of that name: refused now
    gdf = read_vector(landscapes, layer=layer)
    # finished chunks are kept beside the output until it is written: a batch stopped
    # (Ctrl-C) and run again with the same inputs resumes where it was
    parts = out_file.with_name(f".{out_file.name}.parts")
    from landprofile._console import CountBar

    try:
        with CountBar("landscapes") as bar:
            df = profile_many(
                gdf,
                land_cover=land_cover,
                legend=legend,
                population=population,
                population_kind=population_kind,
                dem=dem,
                id_field=id_field,
                client=scheduler,
                workers=workers,
                executor="processes" if processes else "threads",
                progress=bar,
                checkpoint=parts,
                chunk_size=max(1, min(50, len(gdf) // 8 or 1)),
            )
    except KeyboardInterrupt:
        click.echo(f"finished landscapes are kept in {parts}: the same command resumes", err=True)
        raise
    with atomic_path(out_file) as tmp:
        if out_file.suffix.lower() == ".parquet":
            df.to_parquet(tmp)
        else:
            df.to_csv(tmp, index=False)
    shutil.rmtree(parts, ignore_errors=True)
    click.echo(f"{len(df)} landscapes; wrote {out_file}")


@click.group()
def data() -> None:
    """Open data by name: the sources, what is cached, a mirror for the field."""


@data.command("list")
def data_list() -> None:
    """The named sources, their licences and what is cached of each.

    \b
    Example:
      landprofile data list
    """
    from landprofile.sources import cache_dir, list_sources

    for row in list_sources():
        click.echo(
            f"{row['example']:24s} {row['kind']:11s} {row['licence']}\n"
            f"{'':24s} {row['citation']}\n"
            f"{'':24s} cached: {row['cached_files']} file(s), {row['cached_mb']:,.1f} MB"
        )
    click.echo(f"cache: {cache_dir()} (LANDPROFILE_CACHE)")


@data.command("fetch")
@CONFIG
@click.option(
    "--to",
    "to",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the mirror to.",
)
def data_fetch(config: Path, to: Path) -> None:
    """Add to a mirror what CONFIG's named sources need, clipped to the landscape.

    The folder accumulates: several landscapes fetched into it each find their part, and
    a file data fetch did not write (your own full tile) is never replaced nor clipped;
    it is read where it covers the landscape. DIR/.landprofile-fetch.json lists what
    data fetch wrote, with SHA-256.

    \b
    Example:
      landprofile data fetch my_landscape.toml --to /media/usb/landprofile-mirror
      LANDPROFILE_DATA_MIRROR=/media/usb/landprofile-mirror landprofile run my_landscape.toml
    """
    from landprofile.pipeline import load_config
    from landprofile.sources.mirror import fetch_config

    cfg = load_config(config)
    got = fetch_config(cfg, to)

    def mb(files: list[Path]) -> str:
        return f"{sum(p.stat().st_size for p in files) / 1e6:,.1f} MB"

    kept = f"; kept {len(got.kept)} file(s) already there ({mb(got.kept)})" if got.kept else ""
    click.echo(
        f"wrote {len(got)} file(s) ({mb(got)}) in {to}{kept}: set LANDPROFILE_DATA_MIRROR={to}"
    )
