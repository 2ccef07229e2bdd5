"""QGIS layers and parameters as the files and values of a landscape config.

The command reads files: a layer that is a file landprofile reads (a GeoPackage layer
alone in its file, a GeoJSON, a Shapefile...) is passed as that file; any other layer — a
memory or database layer, a filtered layer, a selection, one layer of a multi-layer
GeoPackage, a delimited-text layer — is first exported to a GeoPackage in the run's
temporary folder.
"""

from __future__ import annotations

import os
import re
from typing import Any

from qgis.core import (
    QgsProcessingException,
    QgsProviderRegistry,
    QgsVectorFileWriter,
)

#: Vector files passed to the command as they are (what landprofile reads, one layer each
#: unless a GeoPackage that holds one).
COMPATIBLE = ["gpkg", "geojson", "json", "shp", "fgb"]


def given(parameters: dict[str, Any], name: str) -> bool:
    """Whether an optional parameter has a value (not absent, None, NULL or empty)."""
    value = parameters.get(name)
    if value is None:
        return False
    is_null = getattr(value, "isNull", None)  # a NULL QVariant
    if callable(is_null) and is_null():
        return False
    return not (isinstance(value, str) and not value.strip())


def safe_name(text: str) -> str:
    """A file name made of ``text`` (what the card and the GeoPackage will show)."""
    name = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("._")
    return name[:60] or "layer"


def vector_file(
    alg: Any, parameters: dict[str, Any], name: str, context: Any, feedback: Any, workdir: str
) -> str | None:
    """The file of a feature-source parameter, exported first when it is not one."""
    if not given(parameters, name):
        return None
    path, layer_name = alg.parameterAsCompatibleSourceLayerPathAndLayerName(
        parameters, name, context, COMPATIBLE, "gpkg", feedback
    )
    if not path:
        raise QgsProcessingException(f"{name}: the layer could not be read")
    if layer_name and _layer_count(path) > 1:
        # landprofile's [layers] take a file, not one of its layers: copy this layer alone
        source = alg.parameterAsSource(parameters, name, context)
        path = _export(source, os.path.join(workdir, safe_name(layer_name) + ".gpkg"), context)
    elif layer_name and not path.lower().endswith(".gpkg"):
        raise QgsProcessingException(f"{name}: '{path}' holds several layers; save one alone")
    elif _exported(path, name):
        # Processing names its copy after the parameter (BOUNDARY.gpkg): named after the
        # layer instead, the command's messages and the card's sources say which it was
        layer = alg.parameterAsLayer(parameters, name, context)
        label = safe_name(layer.name()) if layer is not None else name.lower()
        renamed = os.path.join(workdir, label + ".gpkg")
        if not os.path.exists(renamed):
            os.replace(path, renamed)
            path = renamed
    return path


def _exported(path: str, name: str) -> bool:
    """Whether ``path`` is Processing's temporary copy of the parameter ``name``."""
    from qgis.core import QgsProcessingUtils

    temp = os.path.normcase(os.path.abspath(QgsProcessingUtils.tempFolder()))
    here = os.path.normcase(os.path.abspath(path))
    return here.startswith(temp + os.sep) and os.path.basename(path) == f"{name}.gpkg"


def _layer_count(path: str) -> int:
    """The data layers of ``path``: tables of features with geometry, and rasters.

    A GeoPackage's ``layer_styles`` (QGIS's saved styles, which landprofile writes
    beside every layer), its ``qgis_projects`` and other attribute tables are no data
    layers: a boundary that ``Delineate`` wrote holds one, and is passed as it is (the
    command reads a GeoPackage of one data layer without ``layer=``).
    """
    from qgis.core import QgsMapLayerType, QgsWkbTypes

    try:
        subs = QgsProviderRegistry.instance().querySublayers(path)
    except AttributeError:  # QGIS < 3.22 has no querySublayers: assume several
        return 2
    return sum(
        1
        for sub in subs
        if sub.type() == QgsMapLayerType.RasterLayer
        or (
            sub.type() == QgsMapLayerType.VectorLayer
            and sub.wkbType() not in (QgsWkbTypes.NoGeometry, QgsWkbTypes.Unknown)
        )
    )


def _export(source: Any, path: str, context: Any) -> str:
    # from the feature source, not the layer: an algorithm runs off the main thread
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.fileEncoding = "UTF-8"
    options.layerName = os.path.splitext(os.path.basename(path))[0]
    writer = QgsVectorFileWriter.create(
        path,
        source.fields(),
        source.wkbType(),
        source.sourceCrs(),
        context.transformContext(),
        options,
    )
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(f"cannot copy a layer to '{path}': {writer.errorMessage()}")
    for feature in source.getFeatures():
        writer.addFeature(feature)
    del writer  # closes the file
    return path


def raster_file(alg: Any, parameters: dict[str, Any], name: str, context: Any) -> str | None:
    """The file of a raster parameter; a raster that is no file is refused by name."""
    if not given(parameters, name):
        return None
    layer = alg.parameterAsRasterLayer(parameters, name, context)
    if layer is None:
        raise QgsProcessingException(f"{name}: the raster layer could not be read")
    source = layer.source()
    if layer.providerType() == "gdal" and os.path.isfile(source):
        return source
    raise QgsProcessingException(
        f"{name}: the raster layer '{layer.name()}' is not a file landprofile can read "
        f"(its source is '{source}'); save it as a GeoTIFF (Export ▸ Save As…) and use that"
    )


def layer_name(alg: Any, parameters: dict[str, Any], name: str, context: Any) -> str | None:
    """The landscape's default name for a layer parameter.

    A boundary landprofile wrote (one feature with the ``name``, ``area_ha`` and
    ``boundary_definition`` fields Delineate's output has) keeps the landscape's own
    name, so Delineate -> Profile / Zones / Card chains without renaming it; any other
    layer gives its QGIS name.
    """
    if not given(parameters, name):
        return None
    layer = alg.parameterAsLayer(parameters, name, context)
    if layer is None:
        return None
    try:
        fields = layer.fields()
        ours = all(fields.indexOf(f) >= 0 for f in ("name", "area_ha", "boundary_definition"))
        if ours and layer.featureCount() == 1:
            own = next(layer.getFeatures())["name"]
            if isinstance(own, str) and own.strip():
                return own
    except (AttributeError, StopIteration):  # a raster or an empty layer: its QGIS name
        pass
    return layer.name()


def point(alg: Any, parameters: dict[str, Any], name: str, context: Any) -> tuple | None:
    """A point parameter as ``([x, y], crs)``, ``crs`` an authority id or WKT."""
    if not given(parameters, name):
        return None
    p = alg.parameterAsPoint(parameters, name, context)
    crs = alg.parameterAsPointCrs(parameters, name, context)
    crs_text = (crs.authid() or crs.toWkt()) if crs.isValid() else "EPSG:4326"
    return [p.x(), p.y()], crs_text
