"""The command's outputs, loaded into the project with the styles they carry.

Each layer of an output GeoPackage is loaded (zones, other suitable land, exclusions,
conflicts...); the style QGIS applies is the default one the GeoPackage stores in its
``layer_styles`` table, which landprofile writes from the card's own style definitions.
Processing may put its own default style on a result first; the post-processor puts the
GeoPackage's back.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingUtils,
    QgsProviderRegistry,
    QgsVectorLayer,
    QgsWkbTypes,
)

#: Post-processors must outlive the algorithm's run (QGIS keeps only a pointer).
_KEPT: list[Any] = []


class StoredStyle(QgsProcessingLayerPostProcessorInterface):
    """Applies the default style a layer's own file stores (a GeoPackage's layer_styles)."""

    def postProcessLayer(self, layer: Any, context: Any, feedback: Any) -> None:  # noqa: N802
        """Load the stored default style, if any, once the layer is in the project."""
        if not isinstance(layer, QgsVectorLayer):
            return
        _, loaded = layer.loadDefaultStyle()
        if loaded:
            layer.triggerRepaint()


def stored_style() -> StoredStyle:
    """A post-processor kept alive for the rest of the session."""
    post = StoredStyle()
    _KEPT.append(post)
    return post


def vector_layers(path: str) -> list[str]:
    """The names of the layers with geometry in a vector file, in the file's order."""
    names = []
    for sub in QgsProviderRegistry.instance().querySublayers(path):
        if sub.wkbType() in (QgsWkbTypes.NoGeometry, QgsWkbTypes.Unknown):
            continue  # attribute tables (sources, styles, projects)
        names.append(sub.name())
    return names


def load_layers(path: str, context: Any, project: Any = None) -> list[str]:
    """Have every layer of ``path`` loaded, styled, when the algorithm ends.

    Replaces the single entry Processing made for the output file (``path``) when the
    user asked for it to be opened; returns the layer sources added.
    """
    project = project or context.project()
    loads = context.layersToLoadOnCompletion()
    loads.pop(path, None)
    context.setLayersToLoadOnCompletion(loads)
    added = []
    for name in vector_layers(path):
        source = f"{path}|layername={name}"
        details = QgsProcessingContext.LayerDetails(name, project, name)
        details.setPostProcessor(stored_style())
        context.addLayerToLoadOnCompletion(source, details)
        added.append(source)
    return added


def style_on_load(path: str, context: Any) -> None:
    """Give the stored style to the output ``path`` if Processing will load it."""
    if context.willLoadLayerOnCompletion(path):
        context.layerToLoadOnCompletionDetails(path).setPostProcessor(stored_style())


def temp_folder() -> str:
    """Processing's temporary folder (removed when QGIS quits)."""
    return QgsProcessingUtils.tempFolder()
