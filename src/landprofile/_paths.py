"""Paths in what a user shares: never an absolute path of the machine that made it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["portable"]


def portable(value: Any, base: Path | None) -> Any:
    """Replace absolute paths (also inside ``"path (layer)"`` labels) by portable ones."""
    if isinstance(value, dict):
        return {k: portable(v, base) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [portable(v, base) for v in value]
    if isinstance(value, str) and (value.startswith("/") or value[1:3] in (":\\", ":/")):
        head, sep, tail = value.partition(" (")
        p = Path(head)
        if base is not None:
            try:
                short = Path(os.path.relpath(p, base)).as_posix()
            except ValueError:  # another drive (Windows)
                short = p.name
        else:
            short = p.name
        return short + sep + tail
    return value
