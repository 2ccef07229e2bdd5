"""A layer's QGIS style as template data.

Both its ``layer_styles`` row and the project's ``<maplayer>`` are written from it
(:mod:`landprofile.qgis.qml` renders it), so the two cannot differ.
"""

from __future__ import annotations

from typing import Any

from landprofile.i18n import strings
from landprofile.qgis import qml
from landprofile.qgis.layers import MapLayer, geometry_kind

__all__ = ["raster_style_of", "vector_style_of"]


def _aliases(lang: str) -> dict[str, str]:
    s = strings(lang)
    return {k[len("field_") :]: v for k, v in s.items() if k.startswith("field_")}


def vector_style_of(ml: MapLayer, lang: str, min_score: float) -> dict[str, Any]:
    """The template context of a vector layer's style (also the project's <maplayer>)."""
    gdf = ml.data
    fields = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    categories = category_styles = None
    if ml.table == "exclusions" and "rule" in gdf.columns:
        from landprofile.maps.styles import exclusion_styles

        labels = gdf["label"] if "label" in gdf.columns else gdf["rule"]
        categories = list(
            dict(zip(gdf["rule"].astype(str), labels.astype(str), strict=True)).items()
        )
        # each rule's own symbol, as the card's map draws it
        category_styles = exclusion_styles(gdf["rule"])
    return qml.vector_style(
        ml.style,
        geometry_kind(gdf, "Point" if ml.style in ("sites", "settlements") else "Polygon"),
        fields,
        _aliases(lang),
        min_score=min_score if ml.table == "zones" else None,
        categories=categories,
        category_styles=category_styles,
        lang=lang,
    )


def raster_style_of(ml: MapLayer) -> dict[str, Any]:
    """The template context of the land cover's paletted style."""
    from landprofile.qgis.raster import ALPHA_BAND

    return qml.raster_style(list(ml.data.classes), ALPHA_BAND)
