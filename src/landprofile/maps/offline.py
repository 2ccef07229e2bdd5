"""A folium map made offline: every asset inlined from the vendored files, nothing fetched.

folium elements declare their JavaScript and CSS as ``default_js`` / ``default_css``
(name, CDN url) lists, which they turn into ``<script src>`` / ``<link>`` tags in the
page's header when the map renders (branca's colour scales add their d3 link then too).
:func:`make_offline` has the map's figure replace, every time it renders, each of those
links by the same file, vendored in ``landprofile/data/vendor`` at the version linked
(see ``scripts/vendor_assets.py``, which refreshes them from the npm registry, with their
licences and ``VERSIONS.txt``), inline in the page. It happens at render time, so the
layers a user adds afterwards (``gdf.explore(m=m)``, ``folium.GeoJson(...).add_to(m)``)
are inlined too. Files folium links by default that these maps do not use (jQuery,
Bootstrap, Font Awesome, awesome-markers) are left out; geopandas' categorical legend,
which loads jQuery UI to be draggable, gets a small script of ours instead
(``data/js/legend-drag.js``). A page that would still fetch a script, a style sheet, an
image or a frame is refused (:class:`OfflineAssetError`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources
from typing import Any

from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement

from landprofile.errors import LandprofileError

__all__ = [
    "OfflineAssetError",
    "card_assets",
    "check_no_requests",
    "csp_script_hashes",
    "inline_header",
    "make_offline",
    "script_hash",
]

#: CDN file -> (vendored file, the version a CDN url must name for it to be replaced).
VENDORED = {
    "leaflet.js": ("leaflet.js", "1.9.3"),
    "leaflet.css": ("leaflet.css", "1.9.3"),
    "leaflet.markercluster.js": ("leaflet.markercluster.js", "1.1.0"),
    "MarkerCluster.css": ("MarkerCluster.css", "1.1.0"),
    "MarkerCluster.Default.css": ("MarkerCluster.Default.css", "1.1.0"),
    "d3.min.js": ("d3.min.js", "3.5.5"),
}
#: The order the inlined scripts run in: each after what it extends.
_JS_ORDER = ("leaflet.js", "leaflet.markercluster.js", "d3.min.js")
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
#: Leaflet's default marker takes its image from a folder beside leaflet.css; inline,
#: the CSS holds it as a data URI, which Leaflet would append a file name to.
_DEFAULT_ICON = (
    "(function(){var src=null;L.Icon.Default.prototype._getIconUrl=function(name){"
    "if(name==='shadow'){return null;}"
    "if(src===null){var el=L.DomUtil.create('div','leaflet-default-icon-path',document.body);"
    "var b=getComputedStyle(el).backgroundImage||'';document.body.removeChild(el);"
    "var m=/^url\\([\"']?(.*?)[\"']?\\)$/.exec(b);src=m?m[1]:'';}"
    "return src;};})();"
)


class OfflineAssetError(LandprofileError, RuntimeError):
    """A map element needs a file that is not vendored; it would be fetched online."""


@cache
def _vendored(name: str) -> str:
    text = resources.files("landprofile").joinpath(f"data/vendor/{name}").read_text("utf-8")
    return text.replace("</script", "<\\/script")


@cache
def _js(name: str) -> str:
    text = resources.files("landprofile").joinpath(f"data/js/{name}").read_text("utf-8")
    return text.replace("</script", "<\\/script")


def _walk(el: Any) -> list[Any]:
    out = [el]
    for child in getattr(el, "_children", {}).values():
        out.extend(_walk(child))
    return out


def _vendored_for(url: str, owner: str) -> str | None:
    """The vendored file replacing ``url``; None for a file these maps do without."""
    file = url.split("?", 1)[0].rsplit("/", 1)[-1]
    if file in VENDORED and VENDORED[file][1] in url:
        return VENDORED[file][0]
    if any(u in url for u in UNUSED):
        return None
    raise OfflineAssetError(
        f"{owner} needs {url}, which landprofile does not vendor; an offline map cannot "
        "load it (vendored: "
        + ", ".join(f"{f} {v}" for f, (_, v) in VENDORED.items())
        + "); remove that element, or make the map with offline=False"
    )


def make_offline(m: Any) -> Figure:
    """Make ``m``'s page load nothing: every asset inline, now and for layers added later.

    Returns the map's figure. Raises :class:`OfflineAssetError` at once for an element
    that needs a file landprofile does not vendor (and at render time for one added since).
    """
    from landprofile.maps._render import attach

    fig = attach(m, offline=True)
    for el in _walk(fig):
        if not isinstance(el, MacroElement):
            continue
        for attr in ("default_js", "default_css"):
            for _, url in getattr(el, attr, None) or ():
                _vendored_for(url, type(el).__name__)
    return fig


def _without_jquery_ui(text: str) -> str | None:
    """The header of geopandas' categorical legend, our script for its jQuery UI one."""
    if "code.jquery.com/ui/" not in text or "maplegend" not in text:
        return None
    styles = "".join(re.findall(r"<style[^>]*>.*?</style>", text, re.S | re.I))
    return styles + "<script>" + _js("legend-drag.js") + "</script>"


def inline_header(fig: Figure) -> None:
    """Replace the header's links by the vendored files, inline (see the module's doc).

    Called by the figure's render once every element has added its links; the inline
    blocks go right after the ``<meta>`` tags (the charset must come first), before any
    script that uses Leaflet.
    """
    header = fig.header._children
    js: set[str] = set()
    css: list[str] = []
    meta: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for name, el in header.items():
        if name in ("lp_js", "lp_css"):
            continue  # written again below, from this render's links
        if isinstance(el, JavascriptLink | CssLink):
            file = _vendored_for(el.url, f"the page's {name!r} link")
            if file is None:
                continue
            if isinstance(el, JavascriptLink):
                js.add(file)
            elif file not in css:
                css.append(file)
            continue
        if name.startswith("meta"):
            meta[name] = el  # the Figure's charset: first
            continue
        if type(el) is Element:
            replaced = _without_jquery_ui(el.render())
            if replaced is not None:
                rest[name] = Element(replaced)
                continue
        rest[name] = el
    scripts = "".join(f"<script>{_vendored(f)}</script>" for f in _JS_ORDER if f in js)
    if "leaflet.js" in js:
        scripts += f"<script>{_DEFAULT_ICON}</script>"
    header.clear()
    header.update(meta)
    header["lp_css"] = Element("".join(f"<style>{_vendored(f)}</style>" for f in css))
    header["lp_js"] = Element(scripts)
    for el in (header["lp_css"], header["lp_js"]):
        el._parent = fig.header
    header.update(rest)


_REQUEST = re.compile(
    r"<(?:script|img|iframe|audio|video|source|embed)\b[^>]*\ssrc\s*=\s*[\"']?"
    r"(?P<a>(?:https?:)?//[^\"'\s>]+)"
    r"|<link\b[^>]*\shref\s*=\s*[\"']?(?P<b>(?:https?:)?//[^\"'\s>]+)"
    r"|@import\s+(?:url\()?[\"']?(?P<c>(?:https?:)?//[^\"')\s]+)",
    re.I,
)


def check_no_requests(html: str) -> None:
    """Refuse an offline page that still names a file on the web to load."""
    urls = sorted({m.group("a") or m.group("b") or m.group("c") for m in _REQUEST.finditer(html)})
    if urls:
        raise OfflineAssetError(
            "this offline map would fetch " + ", ".join(urls) + "; an element added to it "
            "writes that tag itself, and landprofile cannot inline it: remove the element, "
            "or make the map with offline=False"
        )


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
