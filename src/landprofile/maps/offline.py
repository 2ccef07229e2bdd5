"""A folium map made offline: every asset inlined from the vendored files, nothing fetched.

folium elements declare their JavaScript and CSS as ``default_js`` / ``default_css``
(name, CDN url) lists, which they turn into ``<script src>`` / ``<link>`` tags when the
map renders. :func:`make_offline` empties those lists on every element of a map and puts
the same files, vendored in ``landprofile/data/vendor`` (see
``scripts/vendor_assets.py``, which refreshes them from the npm registry, with their
licences), inline in the page instead. Files folium links by default that these maps do
not use (jQuery, Bootstrap, Font Awesome, awesome-markers) are left out.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources
from typing import Any

from branca.element import Element, Figure, MacroElement

from landprofile.errors import LandprofileError

__all__ = [
    "card_assets",
    "csp_script_hashes",
    "make_offline",
    "script_hash",
]

#: CDN file -> vendored file, for what the maps use.
VENDORED = {
    "leaflet.js": "leaflet.js",
    "leaflet.css": "leaflet.css",
    "leaflet.markercluster.js": "leaflet.markercluster.js",
    "MarkerCluster.css": "MarkerCluster.css",
    "MarkerCluster.Default.css": "MarkerCluster.Default.css",
}
#: folium's default links these maps do not need (no icons, no Bootstrap widgets).
UNUSED = (
    "jquery",
    "bootstrap",
    "awesome-markers",
    "awesome_markers",
    "fontawesome",
    "glyphicons",
    "leaflet.awesome.rotate",
)


class OfflineAssetError(LandprofileError, RuntimeError):
    """A map element needs a file that is not vendored; it would be fetched online."""


@cache
def _vendored(name: str) -> str:
    text = resources.files("landprofile").joinpath(f"data/vendor/{name}").read_text("utf-8")
    return text.replace("</script", "<\\/script")


def _walk(el: Any) -> list[Any]:
    out = [el]
    for child in getattr(el, "_children", {}).values():
        out.extend(_walk(child))
    return out


def make_offline(m: Any) -> Figure:
    """Inline the assets of every element of ``m`` into its figure's header; returns it."""
    fig = m.get_root()
    if not isinstance(fig, Figure):
        fig = Figure()
        fig.add_child(m)
    js: dict[str, None] = {}
    css: dict[str, None] = {}
    for el in _walk(fig):
        if not isinstance(el, MacroElement):
            continue
        for attr, into in (("default_js", js), ("default_css", css)):
            links = getattr(el, attr, None)
            if not links:
                continue
            for _, url in links:
                file = url.rsplit("/", 1)[-1]
                if file in VENDORED:
                    into[VENDORED[file]] = None
                elif not any(u in url for u in UNUSED):
                    raise OfflineAssetError(
                        f"{type(el).__name__} needs {url}, which landprofile does not vendor; "
                        "an offline map cannot load it (vendored: " + ", ".join(VENDORED) + ")"
                    )
            setattr(el, attr, [])
    fig.header.add_child(
        Element("".join(f"<style>{_vendored(f)}</style>" for f in css)), name="lp_css"
    )
    fig.header.add_child(
        Element("".join(f"<script>{_vendored(f)}</script>" for f in js)), name="lp_js"
    )
    return fig


def script_hash(body: str) -> str:
    """The CSP source (``'sha256-…'``) that allows an inline script of this text."""
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def card_assets() -> tuple[str, tuple[str, ...]]:
    """The card's styles and its constant scripts (Leaflet, markercluster, the renderer).

    The same for every card of a version: the card's policy allows exactly these
    scripts, whatever data the card holds.
    """
    css = "".join(
        _vendored(f) for f in ("leaflet.css", "MarkerCluster.css", "MarkerCluster.Default.css")
    )
    renderer = (
        resources.files("landprofile").joinpath("data/js/card-map.js").read_text("utf-8")
    ).replace("</script", "<\\/script")
    scripts = (_vendored("leaflet.js"), _vendored("leaflet.markercluster.js"), renderer)
    return css, scripts


_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def csp_script_hashes(html: str) -> list[str]:
    """``'sha256-…'`` sources for every inline script of ``html`` (data blocks excluded).

    The card's Content-Security-Policy allows exactly these scripts: any script that
    escaping let through would not run.
    """
    out = []
    for m in _SCRIPT.finditer(html):
        if "src=" in m.group("attrs") or "application/json" in m.group("attrs"):
            continue
        digest = hashlib.sha256(m.group("body").encode("utf-8")).digest()
        out.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(set(out))
