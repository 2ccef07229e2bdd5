"""The command's outputs, loaded into the project as the output's own project has them.

A GeoPackage written by ``landprofile zones`` or ``run`` stores a QGIS project
(:mod:`.embedded`): its layers are loaded with that project's names (the card's legend
texts), order, groups, which start hidden, and styles (the land cover paletted by its
legend), under one group named after the output file. A GeoPackage without a project
loads its layers in the file's order with the default styles its ``layer_styles`` holds.
Processing may put its own default style on a result first; the post-processor puts the
output's back. Post-processors run on the main thread, after the algorithm.
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
    QgsWkbTypes,
)
from qgis.PyQt.QtXml import QDomDocument

from . import embedded

#: Post-processors must outlive the algorithm's run (QGIS keeps only a pointer).
_KEPT: list[Any] = []
#: The layer-tree property holding a node's place among its GeoPackage's layers.
_RANK = "landprofile/rank"
_RUN = "landprofile/run"
_GROUP = "landprofile/group"


class StoredStyle(QgsProcessingLayerPostProcessorInterface):
    """Applies a layer's style as its output file stores it; puts the layer in its place.

    ``style`` is a QML document (the embedded project's ``<maplayer>``, or the default
    style of ``layer_styles``); without one, the layer's own default style is loaded.
    With ``group``, the layer goes into that group of the project (one per run) at
    ``rank`` (0 on top), inside ``entry.group`` when the output's project has it in one,
    checked and unfolded as there: Processing adds result layers in the order of their
    sources' names.
    """

    def __init__(
        self,
        group: str = "",
        run: str = "",
        rank: int = 0,
        style: str = "",
        entry: embedded.Entry | None = None,
    ) -> None:
        super().__init__()
        self.group, self.run, self.rank = group, run, rank
        self.style, self.entry = style, entry

    def postProcessLayer(self, layer: Any, context: Any, feedback: Any) -> None:  # noqa: N802
        """Apply the stored style; put the layer in its place."""
        styled = bool(self.style) and _import_style(layer, self.style)
        if not styled and layer.type() == QgsMapLayerType.VectorLayer:
            layer.loadDefaultStyle()
        layer.triggerRepaint()
        if self.group:
            _place(layer, context.project() or QgsProject.instance(), self)


def _import_style(layer: Any, qml: str) -> bool:
    doc = QDomDocument("qgis")
    if not doc.setContent(qml):
        return False
    ok, _ = layer.importNamedStyle(doc)
    return bool(ok)


def _rank(node: Any) -> int:
    value = node.customProperty(_RANK)
    return int(value) if value is not None else -1


def _insert(parent: Any, node: Any, rank: int) -> Any:
    node.setCustomProperty(_RANK, rank)
    index = sum(1 for child in parent.children() if 0 <= _rank(child) < rank)
    parent.insertChildNode(index, node)
    return node


def _place(layer: Any, project: Any, post: StoredStyle) -> None:
    root = project.layerTreeRoot()
    node = root.findLayer(layer.id())
    if node is None:
        return
    run = next((g for g in root.findGroups() if g.customProperty(_RUN) == post.run), None)
    if run is None:
        run = root.insertGroup(0, post.group)
        run.setCustomProperty(_RUN, post.run)
    parent, entry = run, post.entry
    if entry is not None and entry.group:
        parent = next((g for g in run.children() if g.customProperty(_GROUP) == entry.group), None)
        if parent is None:
            parent = _insert(run, _project_group(entry), post.rank)
        elif _rank(parent) > post.rank:
            parent.setCustomProperty(_RANK, post.rank)  # its top member
    clone = _insert(parent, node.clone(), post.rank)
    if entry is not None:
        clone.setItemVisibilityChecked(entry.visible)
        clone.setExpanded(entry.expanded)
    node.parent().removeChildNode(node)


def _project_group(entry: embedded.Entry) -> Any:
    """A new layer-tree group for the project's group of ``entry``, in its state."""
    from qgis.core import QgsLayerTreeGroup

    group = QgsLayerTreeGroup(entry.group)
    group.setCustomProperty(_GROUP, entry.group)
    group.setItemVisibilityChecked(entry.group_visible)
    group.setExpanded(entry.group_expanded)
    return group


def stored_style(
    group: str = "",
    run: str = "",
    rank: int = 0,
    style: str = "",
    entry: embedded.Entry | None = None,
) -> StoredStyle:
    """A post-processor kept alive for the rest of the session."""
    post = StoredStyle(group, run, rank, style, entry)
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


def _layers_of(path: str) -> list[tuple]:
    """``(name, source, hint, style, entry)`` of each layer to load, top first."""
    found = embedded.project_entries(path)
    if found is not None and found[1]:
        out = []
        for e in found[1]:
            if e.raster:
                source, hint = f"GPKG:{path}:{e.table}", QgsProcessingUtils.LayerHint.Raster
            else:
                source, hint = f"{path}|layername={e.table}", QgsProcessingUtils.LayerHint.Vector
            out.append((e.title, source, hint, e.style, e))
        return out
    styles = embedded.default_styles(path)
    return [(n, src, hint, styles.get(n, ""), None) for n, src, hint in sublayers(path)]


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
    for rank, (name, source, hint, style, entry) in enumerate(_layers_of(path)):
        details = QgsProcessingContext.LayerDetails(name, project, name, hint)
        details.setPostProcessor(stored_style(group, run, rank, style, entry))
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
