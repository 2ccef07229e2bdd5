"""Compact HTML summaries for Jupyter (``_repr_html_``), drawn from jinja2 templates."""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["render"]


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("landprofile", "data/templates/repr"), autoescape=True
    )


def render(template: str, **context: Any) -> str:
    """Render ``data/templates/repr/<template>.html.j2`` (every value escaped)."""
    return _environment().get_template(f"{template}.html.j2").render(**context)
