"""The command's outputs, loaded into the project with the styles they carry.

Each layer of an output GeoPackage is loaded (zones, other suitable land, exclusions,
conflicts...); the style QGIS applies is the default one the GeoPackage stores in its
``layer_styles`` table, which landprofile writes from the card's own style definitions.
Processing may put its own default style on a result first; the post-processor puts the
GeoPackage's back.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from qgis.core import (
    QgsMapLayerType,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingUtils,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorLayer,
    QgsWkbTypes,
)

#: Post-processors must outlive the algorithm's run (QGIS keeps only a pointer).
_KEPT: list[Any] = []
#: The layer-tree property holding a layer's place among its GeoPackage's layers.
_RANK = "landprofile/rank"
_RUN = "landprofile/run"


class StoredStyle(QgsProcessingLayerPostProcessorInterface):
    """Applies the default style a layer's own file stores (a GeoPackage's layer_styles).

    With ``group``, also puts the layer in that group of the project at its ``rank``
    (0 on top): Processing adds result layers in the order of their sources' names.
    """

    def __init__(self, group: str = "", run: str = "", rank: int = 0) -> None:
        super().__init__()
        self.group, self.run, self.rank = group, run, rank

    def postProcessLayer(self, layer: Any, context: Any, feedback: Any) -> None:  # noqa: N802
        """Load the stored default style, if any; put the layer in its place."""
        if isinstance(layer, QgsVectorLayer):
            _, loaded = layer.loadDefaultStyle()
            if loaded:
                layer.triggerRepaint()
        if self.group:
            _place(layer, context.project() or QgsProject.instance(), self)


def _place(layer: Any, project: Any, post: StoredStyle) -> None:
    root = project.layerTreeRoot()
    node = root.findLayer(layer.id())
    if node is None:
        return
    group = next((g for g in root.findGroups() if g.customProperty(_RUN) == post.run), None)
    if group is None:
        group = root.insertGroup(0, post.group)
        group.setCustomProperty(_RUN, post.run)
    ranks = [child.customProperty(_RANK) for child in group.children()]
    index = sum(1 for r in ranks if r is not None and int(r) < post.rank)
    clone = node.clone()
    clone.setCustomProperty(_RANK, post.rank)
    group.insertChildNode(index, clone)
    node.parent().removeChildNode(node)


def stored_style(group: str = "", run: str = "", rank: int = 0) -> StoredStyle:
    """A post-processor kept alive for the rest of the session."""
    post = StoredStyle(group, run, rank)
    _KEPT.append(post)
    return post


def sublayers(path: str) -> list[tuple[str, str, Any]]:
    """``(name, source, type hint)`` of the layers of a file, in drawing order.

    Vectors with geometry in the file's order, then rasters (a land-cover image draws
    under the vectors); attribute tables are left out.
    """
    vectors, rasters = [], []
    for sub in QgsProviderRegistry.instance().querySublayers(path):
        if sub.type() == QgsMapLayerType.RasterLayer:
            source = f"GPKG:{path}:{sub.name()}" if path.lower().endswith(".gpkg") else sub.uri()
            rasters.append((sub.name(), source, QgsProcessingUtils.LayerHint.Raster))
        elif sub.type() == QgsMapLayerType.VectorLayer and sub.wkbType() not in (
            QgsWkbTypes.NoGeometry,
            QgsWkbTypes.Unknown,
        ):
            vectors.append((sub.name(), sub.uri(), QgsProcessingUtils.LayerHint.Vector))
    return vectors + rasters


def load_layers(path: str, context: Any, project: Any = None) -> list[str]:
    """Have every layer of ``path`` loaded, styled, in a group, when the algorithm ends.

    Replaces the single entry Processing made for the output file (``path``) when the
    user asked for it to be opened; returns the layer sources added.
    """
    project = project or context.project()
    loads = context.layersToLoadOnCompletion()
    loads.pop(path, None)
    context.setLayersToLoadOnCompletion(loads)
    group = os.path.splitext(os.path.basename(path))[0]
    run = uuid.uuid4().hex
    added = []
    for rank, (name, source, hint) in enumerate(sublayers(path)):
        details = QgsProcessingContext.LayerDetails(name, project, name, hint)
        details.setPostProcessor(stored_style(group, run, rank))
        if hint == QgsProcessingUtils.LayerHint.Raster:
            # Processing loads a result from a file path or a layer it holds: a raster
            # table of a GeoPackage (GPKG:file:table) is no path, so it is held first
            layer = QgsRasterLayer(source, name, "gdal")
            if not layer.isValid():
                continue
            context.temporaryLayerStore().addMapLayer(layer)
            source = layer.id()
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
