"""``landprofile qgis``: the QGIS side of the results (a styled project, a Processing plugin).

Registered on the group in :mod:`landprofile.cli`. The commands live in their own
modules (``project`` here, ``plugin`` in :mod:`landprofile._cli_qgis_plugin`) and import
the library lazily, so ``landprofile --help`` stays light.
"""

from __future__ import annotations

import click

__all__ = ["qgis"]


@click.group()
def qgis() -> None:
    """QGIS: write a styled project into a GeoPackage, or the Processing plugin."""


def _register() -> None:
    from landprofile._cli_qgis_plugin import plugin
    from landprofile._cli_qgis_project import project

    qgis.add_command(project)
    qgis.add_command(plugin)


_register()
