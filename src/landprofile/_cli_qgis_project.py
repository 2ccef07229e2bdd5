"""``landprofile qgis project CONFIG --out FILE.gpkg`` (issue 27, item 2)."""

from __future__ import annotations

from pathlib import Path

import click

from landprofile._cli_common import CONFIG

__all__ = ["project"]


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
    """Write CONFIG's zoning as a GeoPackage that opens in QGIS looking like the card."""
    raise click.ClickException("not built yet")
