"""The ``landprofile scorecard`` commands: a workshop's scores template and summary.

Registered on the group in :mod:`landprofile.cli`; thin wiring over
:mod:`landprofile.profilecard.workshop` (imported inside the commands, so that
``landprofile --help`` loads no pandas).
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["scorecard"]

#: A spreadsheet in a French or Spanish locale splits CSV on semicolons (the comma is
#: their decimal sign); an English one on commas. The reader takes either.
_DELIMITER = {"en": ",", "fr": ";", "es": ";"}


def _write(out: Path, text: str, what: str) -> None:
    """Write ``text`` to ``out`` atomically, never over a file landprofile did not write."""
    from landprofile._atomic import atomic_path
    from landprofile._owned import check_name, claim

    check_name(out)
    claim([out], what=what)
    with atomic_path(out) as tmp:
        # with a BOM: a spreadsheet then reads the accents of fr/es as UTF-8
        tmp.write_text(text, encoding="utf-8-sig", newline="")


@click.group()
def scorecard() -> None:
    """The workshop's scorecard: a scores template, and the scores summarised."""


@scorecard.command("template")
@click.option("--lang", type=click.Choice(["fr", "en", "es"]), default="en", show_default=True)
@click.option(
    "--questions",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra goals and questions (TOML), as the card's scorecard_questions.",
)
@click.option(
    "--delimiter",
    type=click.Choice([",", ";", "tab"]),
    default=None,
    help="Column separator (default: ';' for fr and es, ',' for en).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the template there (UTF-8 with a BOM) instead of to the screen.",
)
def template(
    lang: str, questions: Path | None, delimiter: str | None, out_file: Path | None
) -> None:
    """The scores template in LANG: one row per indicator to copy.

    Its columns are participant, indicator, question, then, now.
    Each participant copies the rows, writes their name and scores then and now from
    1 to 5 (half points allowed); leave a score empty when not scored.

    \b
    Example:
      landprofile scorecard template --lang fr > scores.csv
      landprofile scorecard template --lang es --out puntuaciones.csv
    """  # noqa: D301 - click's backspace mark keeps the examples unwrapped
    from landprofile.profilecard.workshop import template_csv

    sep = {"tab": "\t"}.get(delimiter or "", delimiter or _DELIMITER[lang])
    text = template_csv(lang, extra_questions=questions, delimiter=sep)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        _write(out_file, text, "scores template")
        click.echo(f"wrote {out_file}")


@scorecard.command("summary")
@click.argument("scores", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--questions",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra goals and questions (TOML).",
)
@click.option(
    "--disagree-iqr",
    type=float,
    default=2.0,
    show_default=True,
    help="Participants disagree from this interquartile range (points).",
)
@click.option("--skip-invalid", is_flag=True, help="Leave invalid rows out (warned) instead.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the summary as CSV there.",
)
def summary(
    scores: Path,
    questions: Path | None,
    disagree_iqr: float,
    skip_invalid: bool,
    out_file: Path | None,
) -> None:
    """Per indicator of SCORES: count, median, quartiles, min-max, disagreement.

    Then and now; participants disagree from --disagree-iqr points of interquartile range.

    \b
    Example:
      landprofile scorecard summary scores.csv --out summary.csv
    """  # noqa: D301 - click's backspace mark keeps the examples unwrapped
    from landprofile.profilecard.workshop import read_workshop

    ws = read_workshop(
        scores, extra_questions=questions, disagree_iqr=disagree_iqr, strict=not skip_invalid
    )
    table = ws.summary
    if out_file is not None:
        _write(out_file, table.to_csv(index=False), "scores summary")
        click.echo(f"wrote {out_file}")
        return
    cols = ["indicator", "n_now", "median_now", "q1_now", "q3_now", "min_now", "max_now"]
    shown = table[table["n_now"] > 0][[*cols, "disagree_now"]]
    click.echo(f"{len(ws.participants)} participants, {len(ws.scores)} rows")
    click.echo(shown.to_string(index=False))
