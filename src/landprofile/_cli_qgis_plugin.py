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
    help="Folder to write the plugin zip into (created if needed).",
)
def plugin(out_dir: Path) -> None:
    """Write the QGIS Processing plugin as a zip for QGIS's "Install from ZIP".

    The plugin's algorithms (delineate, profile, zones, card, run) call this installed
    landprofile command; set its path in QGIS under Processing > Options > Providers >
    landprofile if QGIS does not find it on PATH. A plugin zip of the same name already
    in the folder is replaced; any other file of that name is refused.

    \b
    Example:
      landprofile qgis plugin --out dist/
      # QGIS: Plugins > Manage and Install Plugins > Install from ZIP
    """
    from landprofile.qgis.plugin import write_plugin_zip

    path = write_plugin_zip(out_dir)
    click.echo(f"wrote {path}")
