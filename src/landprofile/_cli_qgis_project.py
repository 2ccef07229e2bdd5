"""``landprofile qgis project CONFIG --out FILE.gpkg`` (issue 27, item 2)."""

from __future__ import annotations

from pathlib import Path

import click

from landprofile._cli_common import CONFIG, check_out, use_data_settings

__all__ = ["project"]


def _check_name(out_file: Path) -> None:
    from landprofile.errors import OutputError

    if out_file.suffix.lower() != ".gpkg":
        raise OutputError(
            f"output '{out_file}': a QGIS project is stored inside a GeoPackage; "
            f"accepted: .gpkg (not '{out_file.suffix or '(no extension)'}')"
        )


@click.command()
@CONFIG
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="GeoPackage to write: the run's layers, their QGIS styles and a QGIS project.",
)
def project(config: Path, out_file: Path) -> None:
    """Write CONFIG's zoning as a GeoPackage that opens in QGIS looking like the card.

    The boundary and the zones are made as ``landprofile zones`` makes them (the
    config's [select]); the GeoPackage holds them with what the card's map draws
    around them (boundary, your layers, the context layer, the land cover), a default
    QGIS style per layer and a QGIS project named after the landscape. In QGIS:
    Browser, the GeoPackage, the project under it (or Project > Open From >
    GeoPackage). Layers are found next to the file under its name (keep the name, or
    write it again under another with this command).

    An existing GeoPackage is replaced only if this command wrote it and it is unchanged
    since; one holding your layers (or any other file of that name) is refused before
    the work and left as it is: choose a new file name.

    \b
    Example:
      landprofile qgis project my_landscape.toml --out my_landscape.gpkg
    """
    from landprofile._console import StepDisplay
    from landprofile._progress import Steps
    from landprofile.pipeline import build_boundary, build_zoning, input_sources, load_config
    from landprofile.qgis.gpkg import map_inputs

    # a wrong name fails before the work
    _check_name(out_file)
    cfg = load_config(config)
    use_data_settings(cfg)
    # before the work: a GeoPackage there that is not ours, untouched (it may hold the
    # user's layers: replacing it would lose them)
    check_out(cfg, out_file, what="a GeoPackage")
    with StepDisplay() as steps:
        ls = build_boundary(cfg, steps)
        res = build_zoning(cfg, ls, steps)
        write = Steps(steps)
        write.start("write")
        res.to_gpkg(out_file, sources=input_sources(cfg), **map_inputs(cfg))
        write.end()
    click.echo(f"{res.summary['n_zones']} zones; QGIS project '{ls.name}' in {out_file}")
