"""The ``landprofile monitor`` command (a config's [monitoring]); thin wiring like the rest."""

from __future__ import annotations

import time
from pathlib import Path

import click

from landprofile._cli_common import CONFIG

__all__ = ["monitor"]


@click.command()
@CONFIG
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: the config's 'output', else ./landprofile-out).",
)
@click.option("--no-card", is_flag=True, help="Only monitoring.json, alerts.csv, alerts.gpkg.")
def monitor(config: Path, out_dir: Path | None, no_card: bool) -> None:
    """Monitor a landscape over dates: the config's [monitoring] section.

    Writes monitoring.json (footprint by date and its parts, land-cover shares),
    alerts.csv and alerts.gpkg (new mining since the previous date, styled for QGIS),
    and card.html / card.pdf with the monitoring section. A failed run leaves the
    output folder as it was.

    \b
    Example:
      landprofile monitor data/sample_boundaries/demo_monitoring.toml --out out/monitor
    """  # noqa: D301 (click's \b keeps the example's lines)
    from landprofile._cli_common import step_display
    from landprofile.pipeline_monitoring import monitor as run_monitor

    t0 = time.perf_counter()
    with step_display() as steps:
        out = run_monitor(config, out_dir, progress=steps, card=not no_card)
    click.echo(f"done in {time.perf_counter() - t0:.1f} s: " + ", ".join(str(p) for p in out.files))
