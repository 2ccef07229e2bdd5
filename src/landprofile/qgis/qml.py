"""The card's layer styles as QGIS styles (QML), from :mod:`landprofile.maps.styles`.

Nothing is styled twice: each symbol is converted from the card's Leaflet style
(:data:`~landprofile.maps.styles.STYLES`, :data:`~landprofile.maps.styles.SCORE_COLORS`,
:func:`~landprofile.maps.styles.zone_legend`, :data:`~landprofile.maps.styles.LABELS`).
Units: Leaflet draws in CSS pixels, 1/96 inch, which QGIS draws in millimetres at
25.4/96 mm each (``MM`` units, so that a map printed at 96 dpi matches the card, and a
stroke keeps its width at any scale): stroke ``weight`` → ``outline_width``/``line_width``,
a circle marker's ``radius`` → ``size`` (QGIS sizes a circle by its diameter), a
``dashArray`` → a custom dash pattern. Leaflet's defaults hold where the card gives none
(stroke opacity 1, fill opacity 0.2, polygons filled, lines not; a ``weight`` of 0 is
no stroke, whereas 0 is a hairline in QGIS). Opacities become the colours' alpha.

The XML comes from the jinja2 templates in ``landprofile/data/templates/qgis`` with
autoescape on: every name, label and alias from the user's data is XML-escaped. What no
escape can hold — the control characters U+0001-U+0008, U+000B, U+000C, U+000E-U+001F
(legal in TOML and GeoJSON, not in XML 1.0, not even as ``&#1;``), lone surrogates and
U+FFFE/U+FFFF — is removed from every value the templates write, with a
:class:`~landprofile.errors.DataWarning` naming the value (:func:`xml_text`).
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from typing import Any

from landprofile.maps.styles import LABELS, LAND_COVER_OPACITY, STYLES, zone_legend

__all__ = [
    "PX_MM",
    "QGIS_VERSION",
    "distinct_aliases",
    "not_xml",
    "raster_qml",
    "raster_style",
    "render",
    "rgba",
    "symbol",
    "vector_qml",
    "vector_style",
    "xml_text",
]

#: Millimetres per CSS pixel (Leaflet's unit).
PX_MM = 25.4 / 96
#: The QGIS version whose file format is written (the 3.22 LTR reads it; later ones upgrade).
QGIS_VERSION = "3.22.0-Białowieża"
#: Leaflet's default fill opacity (``L.Path``).
_LEAFLET_FILL_OPACITY = 0.2


#: What XML 1.0 cannot hold in any form (its ``Char`` production excludes them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any, what: str = "a name") -> str:
    """``value`` as text XML can hold: the characters it cannot are removed, with a warning.

    Parameters
    ----------
    value
        A name, label or field name that goes into a QML or project file.
    what
        What the value is, for the warning ("the landscape name", "a field name").
    """
    text = str(value)
    if not _NOT_XML.search(text):
        return text
    from landprofile.errors import DataWarning, user_stacklevel

    clean = _NOT_XML.sub("", text)
    codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in _NOT_XML.findall(text)}))
    warnings.warn(
        f"QGIS style/project: {what} {text!r} holds {codes}, which XML cannot hold; "
        f"written as {clean!r} (remove the control characters from the input to keep "
        "the name as it is)",
        DataWarning,
        stacklevel=user_stacklevel(),
    )
    return clean


def not_xml(text: str) -> list[str]:
    """The characters of ``text`` that XML cannot hold (in order, repeated)."""
    return _NOT_XML.findall(text)


def _finalize(value: Any) -> Any:
    from markupsafe import Markup

    # a macro's output is already made of finalized values
    if value is None or isinstance(value, Markup | int | float):
        return value
    return xml_text(value)


@cache
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("landprofile", "data/templates/qgis"),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )


def render(template: str, **context: Any) -> str:
    """Render one of the QGIS templates (XML, escaped, XML-safe) with ``context``."""
    return _env().get_template(template).render(version=QGIS_VERSION, **context)


def _mm(px: float) -> str:
    return _num(float(px) * PX_MM)


def _num(x: float) -> str:
    # shortest exact decimal, no float noise such as 0.6614999999999
    return f"{round(float(x), 6):.6f}".rstrip("0").rstrip(".")


def rgba(color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and an opacity as QGIS writes a colour: ``r,g,b,a`` (0-255)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(255 * float(opacity))}"


def symbol(key: str, geometry: str, **override: Any) -> dict[str, Any]:
    """The QGIS symbol of card style ``key`` for a ``Point``, ``Line`` or ``Polygon`` layer.

    ``override`` replaces style keys (``fillColor`` of a zone's score class). Returns the
    values the templates' symbol macro writes (colours ``r,g,b,a``, sizes in mm).
    """
    st = {**STYLES[key], **override}
    weight = float(st.get("weight", 3))  # Leaflet's default
    stroke = weight > 0 and st.get("stroke", True)
    color = str(st.get("color", "#3388ff"))
    dash = str(st.get("dashArray", "") or "").replace(",", " ").split()
    out: dict[str, Any] = {
        "kind": {"Point": "marker", "Line": "line"}.get(geometry, "fill"),
        "stroke_color": rgba(color, float(st.get("opacity", 1.0))),
        "stroke_width": _mm(weight) if stroke else "0",
        "stroke_style": ("dash" if dash else "solid") if stroke else "no",
        "dash": ";".join(_mm(float(d)) for d in dash),
        "use_dash": "1" if dash and stroke else "0",
    }
    fill = st.get("fill", geometry != "Line")
    fill_color = str(st.get("fillColor", color))
    fill_opacity = float(st.get("fillOpacity", _LEAFLET_FILL_OPACITY))
    out["fill_color"] = rgba(fill_color, fill_opacity if fill else 0.0)
    out["fill_style"] = "solid" if fill else "no"
    # a circle marker: Leaflet's radius (10 px by default) is half QGIS's size
    out["size"] = _mm(2 * float(st.get("radius", 10)))
    return out


def _label(key: str) -> dict[str, Any] | None:
    lab = LABELS.get(key)
    if lab is None:
        return None
    return {
        "field": lab["field"],
        "color": rgba(str(lab["color"])),
        "size": _num(float(lab["size_pt"])),  # type: ignore[arg-type]
        "halo": rgba(str(lab["halo"])),
        "halo_size": _mm(float(lab["halo_px"])),  # type: ignore[arg-type]
    }


def vector_style(
    key: str,
    geometry: str,
    fields: list[str],
    aliases: dict[str, str],
    *,
    min_score: float | None = None,
    categories: list[tuple[str, str]] | None = None,
    category_styles: dict[str, dict[str, Any]] | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Everything a vector layer's style says, as the templates' context.

    ``key`` is the card's style (``zones`` is graduated by score class from
    ``min_score``; ``categories`` — ``(value, label)`` of the ``rule`` field — make a
    categorised renderer, each category in its ``category_styles`` entry over the
    style's symbol: :func:`~landprofile.maps.styles.exclusion_styles`, as on the card).
    Aliases are made distinct within the layer: a second field whose alias (or name)
    is already shown gets its name after the alias ("Why (why_short)").
    """
    renderer: dict[str, Any]
    if key == "zones" and min_score is not None:
        ranges = []
        classes = zone_legend(min_score, lang)
        for i, (color, lo, hi, text) in enumerate(classes):
            ranges.append(
                {
                    # a score under min_score is drawn in the lightest class (as on
                    # the card: score_color)
                    "lower": repr(0.0 if i == 0 else float(lo)),
                    "upper": repr(float(hi)),
                    "label": text,
                    "symbol": symbol(key, geometry, fillColor=color),
                }
            )
        # highest first, as the card's legend; QGIS takes the first range holding a
        # value, so a score on a class bound gets the upper class, as score_color does
        renderer = {"type": "graduated", "attr": "score", "ranges": ranges[::-1]}
    elif categories is not None:
        renderer = {
            "type": "categorized",
            "attr": "rule",
            "categories": [
                {
                    "value": v,
                    "label": lbl,
                    "symbol": symbol(key, geometry, **(category_styles or {}).get(v, {})),
                }
                for v, lbl in categories
            ],
        }
    else:
        renderer = {"type": "single", "symbol": symbol(key, geometry)}
    return {
        "renderer": renderer,
        "label": _label(key),
        "fields": distinct_aliases(fields, aliases),
        "geometry_type": {"Point": 0, "Line": 1, "Polygon": 2}.get(geometry, 2),
    }


def distinct_aliases(fields: list[str], aliases: dict[str, str]) -> list[dict[str, str]]:
    """``{"name", "alias"}`` per field, no two fields shown under one name.

    QGIS shows a field by its alias, else its name; where two would read the same
    (case aside), the later field's alias gets its name in brackets.
    """
    out, shown = [], set()
    for f in fields:
        alias = aliases.get(f, "")
        if (alias or f).casefold() in shown:
            alias = f"{alias or f} ({f})"
        shown.add((alias or f).casefold())
        out.append({"name": f, "alias": alias})
    return out


def vector_qml(style: dict[str, Any]) -> str:
    """A vector layer's QML document (a layer's default style in ``layer_styles``)."""
    return render("vector.qml.j2", style=style)


def raster_style(classes: list[tuple[int, str, str]], alpha_band: int | None) -> dict[str, Any]:
    """A paletted renderer: ``(value, #colour, label)`` per class, the mask band."""
    return {
        "classes": [{"value": int(v), "color": c.lower(), "label": lbl} for v, c, lbl in classes],
        "alpha_band": alpha_band if alpha_band is not None else -1,
        "opacity": _num(LAND_COVER_OPACITY),
    }


def raster_qml(style: dict[str, Any]) -> str:
    """A raster layer's QML document (the land cover, paletted by its legend)."""
    return render("raster.qml.j2", style=style)
