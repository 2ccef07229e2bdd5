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
    in the folder is replaced only if landprofile wrote it and it is unchanged since (or
    it holds exactly the bytes about to be written); any other file of that name -- your
    own re-zipped plugin included -- is refused and left as it is.

    \b
    Example:
      landprofile qgis plugin --out dist/
      # QGIS: Plugins > Manage and Install Plugins > Install from ZIP
    """
    import hashlib

    from landprofile._owned import check_name, claim
    from landprofile.qgis.plugin import plugin_zip_bytes, plugin_zip_name, write_plugin_zip

    check_name(out_dir)
    if out_dir.is_dir():
        # a zip there is ours only by the record of its bytes, never by its metadata.txt
        # (a user's re-zipped plugin says name=landprofile too)
        claim(
            [out_dir / plugin_zip_name()],
            what="a landprofile plugin zip",
            new_sha=hashlib.sha256(plugin_zip_bytes()).hexdigest(),
        )
    path = write_plugin_zip(out_dir)
    click.echo(f"wrote {path}")
