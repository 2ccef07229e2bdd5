"""The temporary landscape config (TOML) an algorithm writes for the command.

The text comes from ``templates/config.toml.j2``; every value goes through
:func:`toml_value`, which escapes what TOML requires (quotes, backslashes, control
characters), so a layer name or path with any character stays one string. jinja2 ships
with QGIS (its MetaSearch plugin uses it). Nothing here imports QGIS.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_HERE = os.path.dirname(os.path.abspath(__file__))


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:  # control characters TOML forbids raw
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """A TOML value: text, a whole or finite number, true/false, or a list of these.

    Raises
    ------
    ValueError
        For a value TOML cannot hold as the config means it (NaN, infinity, None...).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ValueError(f"{value!r} ({type(value).__name__}) cannot be written in a config")


def toml_key(key: str) -> str:
    """A key, bare when TOML allows it, else quoted."""
    return key if _BARE_KEY.match(key) else toml_string(key)


def render_config(command: str, top: dict[str, Any], sections: dict[str, dict[str, Any]]) -> str:
    """The config's text: ``top`` keys first, then each non-empty ``[section]``.

    Parameters
    ----------
    command
        The command it is written for (named in the header comment).
    top
        Top-level keys (``name``, ``language``).
    sections
        Tables by name; keys whose value is ``None`` are left out.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(_HERE, "templates")),
        autoescape=False,  # TOML, escaped by the toml filter
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["toml"] = toml_value
    env.filters["toml_key"] = toml_key
    tables: list[tuple[str, list[tuple[str, Any]]]] = []
    for name, table in sections.items():
        items = [(k, v) for k, v in table.items() if v is not None]
        if items:
            tables.append((name, items))
    return env.get_template("config.toml.j2").render(
        command=command,
        top=[(k, v) for k, v in top.items() if v is not None],
        sections=tables,
    )


def write_config(
    path: str, command: str, top: dict[str, Any], sections: dict[str, dict[str, Any]]
) -> str:
    """Write :func:`render_config`'s text to ``path`` (UTF-8, as TOML requires)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(render_config(command, top, sections))
    return path
