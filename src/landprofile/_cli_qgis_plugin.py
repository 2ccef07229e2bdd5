"""``landprofile qgis plugin --out DIR`` (issue 27, item 3)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["plugin"]


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the plugin zip into.",
)
def plugin(out_dir: Path) -> None:
    """Write the QGIS Processing plugin as a zip for QGIS's "Install from ZIP"."""
    raise click.ClickException("not built yet")
