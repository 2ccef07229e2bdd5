"""What the ``landprofile`` commands share: the CONFIG argument, ``--out FILE``, checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = [
    "CONFIG",
    "check_out",
    "cluster",
    "cluster_options",
    "out_file",
    "step_display",
    "use_data_settings",
]

CONFIG = click.argument("config", type=click.Path(exists=False, dir_okay=False, path_type=Path))


def out_file(help_text: str) -> Any:
    """The required ``--out FILE`` option of a stage command."""
    return click.option(
        "--out",
        "out_file",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=help_text,
    )


def check_out(cfg: object, out_file: Path | None, what: str = "an output") -> None:
    """Before the work: ``out_file`` is UTF-8, no input, and holds nothing of the user's.

    A file there is replaced only if landprofile wrote it and it is unchanged since
    (:func:`landprofile._owned.claim`); the write itself records the new file as ours.

    Raises
    ------
    OutputError
        Naming the path and why it is refused; nothing is written.
    """
    if out_file is not None:
        from landprofile._owned import check_name, claim
        from landprofile.config import check_output

        check_name(out_file)
        check_output(cfg, out_file)  # type: ignore[arg-type]
        claim([out_file], what=what)


def use_data_settings(cfg: Any) -> None:
    """A command runs one config: its ``[data] mirror`` holds for the whole process."""
    from landprofile.pipeline import use_data_settings

    use_data_settings(cfg)


def step_display() -> Any:
    """A live step display for the work of a command (see landprofile._console)."""
    from landprofile._console import StepDisplay

    return StepDisplay()


def cluster_options(fn: Any) -> Any:
    """``--scheduler``, ``--workers`` and ``--checkpoint``: where the zoning's tiles run."""
    fn = click.option(
        "--checkpoint",
        type=click.Path(file_okay=False, path_type=Path),
        help="When the zoning runs in tiles, keep the finished tiles in this folder, so "
        "that an interrupted run resumes where it stopped (tiles are keyed by every input; "
        "nothing else there is touched).",
    )(fn)
    fn = click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Run the zoning in tiles on N worker processes: a local dask cluster, or, "
        "with --scheduler, wait for N workers to join it.",
    )(fn)
    return click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run the zoning in tiles on a dask.distributed cluster "
        "(tcp://host:8786); the same zones as on one machine.",
    )(fn)


def cluster(scheduler: str | None, workers: int | None, checkpoint: Path | None = None) -> Any:
    """Where the zoning's tiles run, and their checkpoint (``candidates`` arguments)."""
    from landprofile.zoning.tiles_run import cluster as where

    return where(scheduler, workers, checkpoint)
