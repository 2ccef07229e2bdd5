"""When a map is written: layer controls after every layer, one control, assets inline.

A map that ``.explore()`` returns is the user's to add to: ``gdf.explore(m=m)``,
``folium.GeoJson(...).add_to(m)``, a ``folium.LayerControl()`` of their own. folium writes
each element's script in the order the elements were added, and a Leaflet layer control
built before a layer's script has run is handed ``undefined`` for that layer: its
``setZIndex`` call throws, the page's one script stops there, and nothing after it is
drawn (the user's layer, the scale bar, ``lpMapReady``). So the order is settled when the
page is written, not when the map was made:

* every layer control goes after every layer, then our finishing scripts (interface
  words in the map's language, the scale bar, the ready flag), whatever was added later;
* a user's own ``LayerControl`` replaces ours: one control, listing our layers and theirs;
* an offline map inlines what every element links to, the user's elements too, from the
  vendored files (:func:`landprofile.maps.offline.inline_header`), and refuses a page
  that would still fetch something.

The map's figure is given a subclass of its own class whose ``render`` does this; the
figure stays the object the user holds (``m.get_root()``), so ``m.save``, the notebook's
display and ``m.get_root().render()`` all go through it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import folium
from branca.element import Figure

__all__ = ["attach", "ours"]


def ours(control: folium.LayerControl) -> folium.LayerControl:
    """Mark a layer control as landprofile's: a user's own control replaces it."""
    control._lp_ours = True
    return control


def attach(m: Any, *, offline: bool = False) -> Figure:
    """Have ``m``'s figure settle its order (and, ``offline``, inline its assets) on render.

    Returns the figure. Once offline, a figure stays offline.
    """
    fig = m.get_root()
    if not isinstance(fig, Figure):
        fig = Figure()
        fig.add_child(m)
    if not isinstance(fig, _Settling):
        fig.__class__ = SettlingFigure if type(fig) is Figure else _settling(type(fig))
    fig._lp_offline = bool(getattr(fig, "_lp_offline", False) or offline)
    return fig


def _walk(el: Any) -> list[Any]:
    out = [el]
    for child in getattr(el, "_children", {}).values():
        out.extend(_walk(child))
    return out


def _forget(fig: Figure, el: Any) -> None:
    # a page rendered before keeps each script at the place it first took: drop it so
    # that this render writes it again, at the end
    name = el.get_name()
    for part in (fig.header, fig.html, fig.script):
        part._children.pop(name, None)


def _settle(m: folium.Map, fig: Figure) -> None:
    """Layer controls after every layer, ours dropped if the user has one, finishers last."""
    kids = m._children
    last = [k for k, c in kids.items() if getattr(c, "_lp_last", False)]
    if not last:
        return  # not a map of ours: left as its author made it
    controls = [k for k, c in kids.items() if isinstance(c, folium.LayerControl)]
    theirs = [k for k in controls if not getattr(kids[k], "_lp_ours", False)]
    for key in controls:
        el = kids[key]
        _forget(fig, el)
        if theirs and getattr(el, "_lp_ours", False):
            del kids[key]  # the user's control lists our layers too
        else:
            kids[key] = kids.pop(key)
    for key in last:
        _forget(fig, kids[key])
        kids[key] = kids.pop(key)


class _Settling:
    """The render of a figure holding one of our maps (see the module's docstring)."""

    _lp_offline = False

    def render(self, **kwargs: Any) -> str:
        """The page: controls and finishers settled last, assets inline when offline."""
        for el in _walk(self):
            if isinstance(el, folium.Map):
                _settle(el, self)
        # Figure.render, with the header's links inlined between the two steps: links
        # are only known once every element has rendered (branca's colour scale adds
        # its d3 link then, not in default_js)
        for child in self._children.values():
            child.render(**kwargs)
        if self._lp_offline:
            from landprofile.maps.offline import check_no_requests, inline_header

            inline_header(self)
        html = self._template.render(this=self, kwargs=kwargs)
        if self._lp_offline:
            check_no_requests(html)
        return html


class SettlingFigure(_Settling, Figure):
    """A :class:`branca.element.Figure` that settles our map's order when it renders."""


@cache
def _settling(base: type) -> type:
    # a user's own Figure subclass keeps its behaviour, with ours in front
    return type(base.__name__, (_Settling, base), {"__module__": base.__module__})
