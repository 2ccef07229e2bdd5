"""The card's rendering: its jinja2 environment and stylesheet, and WeasyPrint for print.

The card's page and its printed report are drawn from the same templates
(``landprofile/data/templates/card``, autoescape on, undefined names an error).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any


def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as exc:  # Pango (a system library) missing
        from landprofile.errors import OutputError

        raise OutputError(
            "the PDF report needs the Pango library (WeasyPrint): on Debian/Ubuntu "
            "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0; on macOS brew install "
            f"pango ({exc})"
        ) from None
    return weasyprint


@cache
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("landprofile", "data/templates/card"),
        autoescape=True,
        trim_blocks=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["css_str"] = _css_string
    return env


def _css_string(value: Any) -> Any:
    """A CSS string literal: every character but plain letters, digits and spaces escaped."""
    from markupsafe import Markup

    out = "".join(
        c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):x} " for c in str(value)
    )
    return Markup(f'"{out}"')


def _css() -> str:
    return (
        resources.files("landprofile").joinpath("data/templates/card/card.css").read_text("utf-8")
    )
