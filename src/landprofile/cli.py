"""The ``landprofile`` command line: thin wiring over the library's stages.

Exit codes: 0 done, 2 bad input (a :class:`LandprofileError`), 1 internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from landprofile import __version__
from landprofile._atomic import atomic_path
from landprofile.errors import LandprofileError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except LandprofileError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="landprofile")
def cli() -> None:
    r"""Landscape profiling and ASM zoning.

    \b
    Examples:
      landprofile demo --out landprofile-demo
    """


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("landprofile-demo"),
    show_default=True,
    help="Folder to write the demo outputs to.",
)
def demo(out_dir: Path) -> None:
    r"""Build the embedded sample landscape (south-west Ghana) and print its summary.

    \b
    Example:
      landprofile demo --out landprofile-demo
    """
    from landprofile.demo import demo_landscape

    landscape = demo_landscape()
    click.echo(landscape.summary())
    out_dir.mkdir(parents=True, exist_ok=True)
    boundary = out_dir / "boundary.geojson"
    with atomic_path(boundary) as tmp:
        landscape.to_gdf(crs=4326).to_file(tmp, driver="GeoJSON")
    meta = out_dir / "landscape.json"
    with atomic_path(meta) as tmp:
        tmp.write_text(json.dumps(landscape.to_dict(), indent=2, ensure_ascii=False))
    click.echo(f"wrote {boundary} and {meta}")


def main() -> None:
    """Entry point of the ``landprofile`` script."""
    cli(prog_name="landprofile")
