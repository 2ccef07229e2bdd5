"""Round four, the maps (issue 35 item 3): an offline map refuses, by name, what it would fetch.

A layer or plugin added to an offline map after ``.explore()`` is checked when the page
renders: a file landprofile does not vendor (a plugin's CDN script, Leaflet at another
version than the vendored one) or a tag that names a file on the web is an
``OfflineAssetError`` naming the url, never a page that silently fetches it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def _offline(h: Any) -> Any:
    return h.good_ls().explore(offline=True, context=False)


def _plugin(h: Any) -> str:
    import folium.plugins

    m = _offline(h)
    folium.plugins.Fullscreen().add_to(m)
    return m.get_root().render()


def _raw_tag(h: Any) -> str:
    from branca.element import Element

    m = _offline(h)
    m.get_root().html.add_child(Element('<img src="https://tiles.example.org/a.png">'))
    return m.get_root().render()


def _other_leaflet(h: Any) -> str:
    from typing import ClassVar

    from folium.elements import JSCSSMixin

    class OldLeafletPlugin(JSCSSMixin):
        default_js: ClassVar = [("leaflet_old", "https://unpkg.com/leaflet@1.7.1/dist/leaflet.js")]

    m = _offline(h)
    OldLeafletPlugin().add_to(m)
    return m.get_root().render()


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The rows: an offline map given what it would have to fetch."""
    from landprofile.maps.offline import OfflineAssetError

    return [
        (
            "maps4: offline map + a plugin whose script is not vendored",
            lambda f, out: _plugin(h),
            OfflineAssetError,
            "Control.FullScreen.min.js, which landprofile does not vendor",
        ),
        (
            "maps4: offline map + a tag naming a file on the web",
            lambda f, out: _raw_tag(h),
            OfflineAssetError,
            "would fetch https://tiles.example.org/a.png",
        ),
        (
            "maps4: offline map + Leaflet at another version than the vendored one",
            lambda f, out: _other_leaflet(h),
            OfflineAssetError,
            "leaflet@1.7.1/dist/leaflet.js, which landprofile does not vendor",
        ),
    ]
