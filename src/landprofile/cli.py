"""The ``landprofile`` command line: thin wiring over the library's stages.

Exit codes: 0 done, 2 bad input (a :class:`LandprofileError`), 1 internal error.

landprofile's warnings are shown on stderr, once each, as ``warning: <message>``
(``--quiet`` hides them); other libraries' warnings only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

import click

from landprofile import __version__
from landprofile._atomic import atomic_path
from landprofile._cli_common import (
    CONFIG,
    check_out,
    cluster,
    cluster_options,
    out_file,
    step_display,
    use_data_settings,
)
from landprofile._console import printable as plain_text
from landprofile.errors import LandprofileError


class _Interrupted(SystemExit):
    """Ctrl-C: the command stopped; :func:`main` exits at once."""


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted: no output was written or changed", err=True)
            raise _Interrupted(130) from None
        except LandprofileError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except (PermissionError, IsADirectoryError, NotADirectoryError) as exc:
            # where the user asked to read or write: an input, not an internal error
            where = f" '{exc.filename}'" if exc.filename else ""
            click.echo(f"error: cannot use{where}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # an internal error: say so, keep the traceback
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            if ctx.params.get("debug"):
                traceback.print_exc()
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="landprofile")
@click.option("--quiet", is_flag=True, help="Hide landprofile's warnings (errors are still shown).")
@click.option(
    "--debug",
    is_flag=True,
    help="Also show other libraries' warnings, and the traceback of an internal error.",
)
@click.pass_context
def cli(ctx: click.Context, quiet: bool, debug: bool) -> None:
    """Landscape profiling and ASM zoning.

    Warnings about the data (partial raster coverage, repaired geometries, rules that
    do not discriminate...) are shown once each on stderr; --quiet hides them.

    \b
    Examples:
      landprofile demo --out landprofile-demo
      landprofile run my_landscape.toml --out out/
      landprofile --quiet batch districts.gpkg --land-cover worldcover.vrt --out districts.csv
    """
    from landprofile._console import WarningDisplay

    # held until the command ends (click closes the context's resources), then the
    # process's warning filters are as they were: CliRunner runs many commands in one
    ctx.with_resource(WarningDisplay(quiet=quiet, debug=debug))


def _summary(out: object, t0: float) -> None:
    o = out
    paths = [o.profile_json, o.zones_gpkg, o.card_html, o.card_pdf]  # type: ignore[attr-defined]
    paths += list(getattr(o, "monitoring", ()))  # alerts.csv, ... of a [monitoring]
    click.echo(
        f"done in {time.perf_counter() - t0:.1f} s: "
        + ", ".join(str(p) for p in paths if p is not None)
    )


@cli.command()
@CONFIG
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: the config's 'output', else ./landprofile-out).",
)
@cluster_options
def run(
    config: Path,
    out_dir: Path | None,
    scheduler: str | None,
    workers: int | None,
    checkpoint: Path | None,
) -> None:
    """Run everything for one landscape config: boundary, profile, zones, card.

    Writes profile.json, zones.gpkg (zones, exclusions, conflicts), card.html and card.pdf.
    A failed run leaves the output folder as it was.

    \b
    Example:
      landprofile run data/sample_boundaries/demo.toml --out out/demo
      landprofile run ghana.toml --out out/ghana --workers 2
    """
    from landprofile.pipeline import run as run_pipeline

    t0 = time.perf_counter()
    with cluster(scheduler, workers, checkpoint) as where, step_display() as steps:
        out = run_pipeline(config, out_dir, progress=steps, cluster=where)
    _summary(out, t0)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the demo outputs to [default: landprofile-demo, with "
    "--monitoring landprofile-demo-monitoring].",
)
@click.option(
    "--monitoring",
    is_flag=True,
    help="The monitoring demo instead: Amansie / Offin (Ashanti) at three dates "
    "(Earth Genome 2017, 2020, 2024): alerts, footprint and land cover by date.",
)
def demo(out_dir: Path | None, monitoring: bool) -> None:
    """Run the demo on the embedded sample data of south-west Ghana: the full card.

    \b
    Example:
      landprofile demo --out landprofile-demo
      landprofile demo --monitoring --out landprofile-demo-monitoring
    """
    from landprofile.demo import sample_data_dir
    from landprofile.pipeline import build_boundary, load_config
    from landprofile.pipeline import run as run_pipeline

    t0 = time.perf_counter()
    name = "demo_monitoring.toml" if monitoring else "demo.toml"
    out_dir = out_dir or Path("landprofile-demo-monitoring" if monitoring else "landprofile-demo")
    cfg = load_config(sample_data_dir() / name)
    click.echo(plain_text(build_boundary(cfg).summary()))
    with step_display() as steps:
        out = run_pipeline(cfg, out_dir, progress=steps)
    _summary(out, t0)


@cli.command()
@CONFIG
@out_file(
    "Boundary file to write, in EPSG:4326, in the format of its extension: .gpkg "
    "(layer 'boundary'), .geojson or .parquet (GeoParquet)."
)
def boundary(config: Path, out_file: Path) -> None:
    """Build the landscape boundary of a config and write it.

    \b
    Example:
      landprofile boundary my_landscape.toml --out boundary.geojson
    """
    from landprofile._vector_out import vector_format
    from landprofile.pipeline import build_boundary, load_config

    vector_format(out_file, what="the boundary")  # a wrong name fails before the work
    cfg = load_config(config)
    use_data_settings(cfg)
    check_out(cfg, out_file)
    with step_display() as steps:
        ls = build_boundary(cfg, steps)
    click.echo(plain_text(ls.summary()))
    from landprofile._vector_out import write_vector

    write_vector(ls.to_gdf(crs=4326), out_file, layer="boundary")
    click.echo(f"wrote {out_file}")


@cli.command()
@CONFIG
@out_file("profile.json to write.")
def profile(config: Path, out_file: Path) -> None:
    """Compute the profile (size, land cover, population, elevation, overlaps) of a config.

    \b
    Example:
      landprofile profile my_landscape.toml --out profile.json
    """
    from landprofile.pipeline import build_boundary, build_profile, load_config

    cfg = load_config(config)
    use_data_settings(cfg)
    check_out(cfg, out_file)
    with step_display() as steps:
        p = build_profile(cfg, build_boundary(cfg, steps), steps)
    p.to_json(out_file)
    click.echo(f"wrote {out_file}")


@cli.command()
@CONFIG
@out_file("change.json to write.")
def change(config: Path, out_file: Path) -> None:
    """Land-cover change and the mining footprint by date, from a config's [change].

    \b
    Example:
      landprofile change my_landscape.toml --out change.json
    """
    from landprofile.pipeline import ConfigError, build_boundary, load_config
    from landprofile.pipeline_change import build_change, write_change

    cfg = load_config(config)
    use_data_settings(cfg)
    check_out(cfg, out_file)
    if not cfg.section("change"):
        raise ConfigError(f"{config}: no [change] section (before/after rasters, footprints)")
    ls = build_boundary(cfg)
    ch, timeline, _ = build_change(cfg, ls, cfg.section("layers"))
    write_change(out_file, ch, timeline, cfg.path.parent)
    if timeline is not None:
        for r in timeline.itertuples():
            click.echo(
                f"{r.date.date()}: {r.area_ha:,.1f} ha footprint ({r.new_ha:,.1f} ha new, "
                f"{r.n_polygons} polygons)"
            )
    if ch is not None:
        n = ch.natural
        click.echo(
            f"natural habitat {n['before_ha']:,.0f} -> {n['after_ha']:,.0f} ha "
            f"(lost {n['lost_ha']:,.0f}, gained {n['gained_ha']:,.0f})"
        )
    click.echo(f"wrote {out_file}")


@cli.command()
@CONFIG
@out_file("card.html to write (with --print, a .pdf and a .png of its first page beside it).")
@click.option(
    "--lang",
    type=click.Choice(["fr", "en", "es"]),
    default=None,
    help="Language (default: the config's).",
)
@click.option(
    "--print",
    "printable",
    is_flag=True,
    help="Also write the printable report (OUT with .pdf) and its first page (OUT with .png).",
)
def card(config: Path, out_file: Path, lang: str | None, printable: bool) -> None:
    """Write the landscape profile card of a config (runs the stages it needs).

    \b
    Example:
      landprofile card my_landscape.toml --out card.html --lang en --print
    """
    import tempfile

    from landprofile.pipeline import load_config
    from landprofile.pipeline import run as run_pipeline

    if out_file.suffix.lower() not in (".html", ".htm"):
        from landprofile.errors import OutputError

        # the .pdf and .png of --print are named from it: card.pdf would be overwritten
        raise OutputError(
            f"output '{out_file}': the card is a web page; name it .html (with --print, "
            "the .pdf and .png are written beside it under the same name)"
        )
    pdf, png = out_file.with_suffix(".pdf"), out_file.with_suffix(".png")
    cfg = load_config(config)
    use_data_settings(cfg)
    for target in (out_file, pdf, png) if printable else (out_file,):
        check_out(cfg, target)
    if lang:
        cfg.data["language"] = lang
    with tempfile.TemporaryDirectory() as tmp, step_display() as steps:
        out = run_pipeline(cfg, Path(tmp) / "out", progress=steps)
        with atomic_path(out_file) as t:
            t.write_bytes(out.card_html.read_bytes())
        written = [out_file]
        if printable:
            with atomic_path(pdf) as t:
                t.write_bytes(out.card_pdf.read_bytes())
            _first_page_png(out.card_pdf, png)
            written += [pdf, png]
    click.echo(f"wrote {', '.join(str(p) for p in written)}")


def _first_page_png(pdf: Path, png: Path, dpi: int = 110) -> None:
    """Render the first page of ``pdf`` to ``png`` atomically.

    From the PDF the run already wrote, as :meth:`Card.to_png` would (same renderer and
    resolution), without laying the report out a second time.
    """
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        image = doc[0].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    with atomic_path(png) as tmp:
        image.save(tmp, format="PNG")


def _register() -> None:
    from landprofile._cli_monitor import monitor
    from landprofile._cli_more import batch, data
    from landprofile._cli_qgis import qgis
    from landprofile._cli_scorecard import scorecard
    from landprofile._cli_zones import zones

    cli.add_command(zones)
    cli.add_command(batch)
    cli.add_command(data)
    cli.add_command(qgis)
    cli.add_command(monitor)
    cli.add_command(scorecard)


_register()


def main() -> None:
    """Entry point of the ``landprofile`` script."""
    try:
        cli(prog_name="landprofile")
    except _Interrupted as exc:
        # The outputs' temporary files are already removed (the interrupt unwound
        # through them); worker threads still inside GEOS or numba are not waited for.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(exc.code or 130))
