"""Delineate a landscape, the four ways of a config's ``[boundary]``.

Administrative units, your own polygons, upstream basins, a catchment on a DEM: each
runs ``landprofile boundary`` on a temporary config and writes the boundary (EPSG:4326).
"""

# ruff: noqa: N802 -- QgsProcessingAlgorithm's method names are QGIS's

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
)

from . import inputs, outputs
from .algorithms import LandprofileAlgorithm

INPUT = "INPUT"
NAME = "NAME"
OUTPUT = "OUTPUT"


def _optional(param: Any) -> Any:
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagOptional)
    return param


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class _Delineate(LandprofileAlgorithm):
    GROUP = "Delineate"
    GROUP_ID = "delineate"
    COMMAND = "boundary"
    METHOD = ""
    #: the geometry the input layer holds
    INPUT_TYPES = (QgsProcessing.TypeVectorPolygon,)
    INPUT_LABEL = ""

    def initAlgorithm(self, config: Any = None) -> None:
        """The parameters: the input, the method's own, the landscape's name, the output."""
        self.add_input()
        self.add_method_parameters()
        self.addParameter(
            _optional(QgsProcessingParameterString(NAME, "Landscape name (default: the layer's)"))
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                OUTPUT, "Landscape boundary", QgsProcessing.TypeVectorPolygon
            )
        )

    def add_input(self) -> None:
        """The input layer parameter."""
        self.addParameter(
            QgsProcessingParameterFeatureSource(INPUT, self.INPUT_LABEL, list(self.INPUT_TYPES))
        )

    def add_method_parameters(self) -> None:
        """The parameters of the method's ``[boundary]`` keys."""

    def boundary(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> dict:
        """The ``[boundary]`` table (``method`` and ``source`` added by the caller)."""
        return {}

    def source(self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str) -> str:
        """The ``[boundary]`` source: the input's file."""
        return inputs.vector_file(self, parameters, INPUT, context, feedback, workdir)

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict:
        """Write the config, run ``landprofile boundary``, have the boundary loaded styled."""
        out = self.gpkg_output(
            self.parameterAsOutputLayer(parameters, OUTPUT, context), "Landscape boundary"
        )
        workdir = self.workdir()
        try:
            table = {
                "method": self.METHOD,
                "source": self.source(parameters, context, feedback, workdir),
            }
            table.update(self.boundary(parameters, context, feedback, workdir))
            if inputs.given(parameters, NAME):
                name = self.parameterAsString(parameters, NAME, context).strip()
            else:
                name = inputs.layer_name(self, parameters, INPUT, context) or "landscape"
            self.run_with_config(
                workdir, {"name": name}, {"boundary": table}, ["--out", out], feedback
            )
        finally:
            self.cleanup(workdir)
        outputs.style_on_load(out, context)
        return {OUTPUT: out}


class DelineateAdmin(_Delineate):
    """Administrative units, chosen by name or code and dissolved."""

    NAME = "delineate_admin"
    TITLE = "Delineate: administrative units"
    METHOD = "admin"
    INPUT_LABEL = "Administrative units"
    HELP = (
        "<p>The landscape as the union of administrative units (districts, regions...) "
        "chosen by name or by code, one per line. The field holding the names is found "
        "by itself unless given.</p>"
    )

    def add_method_parameters(self) -> None:
        """The parameters of the method's ``[boundary]`` keys."""
        self.addParameter(
            _optional(QgsProcessingParameterString("NAMES", "Names (one per line)", multiLine=True))
        )
        self.addParameter(
            _optional(QgsProcessingParameterString("CODES", "Codes (one per line)", multiLine=True))
        )
        self.addParameter(
            _optional(
                QgsProcessingParameterField(
                    "FIELD", "Field of the names or codes", parentLayerParameterName=INPUT
                )
            )
        )

    def boundary(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> dict:
        """The method's ``[boundary]`` keys."""
        table: dict[str, Any] = {}
        for param, key in (("NAMES", "names"), ("CODES", "codes")):
            if inputs.given(parameters, param):
                table[key] = _lines(self.parameterAsString(parameters, param, context))
        if inputs.given(parameters, "FIELD"):
            fields = self.parameterAsFields(parameters, "FIELD", context)
            table["field"] = fields[0] if fields else None
        return table


class DelineateCustom(_Delineate):
    """Your own polygons, buffered and clipped."""

    NAME = "delineate_custom"
    TITLE = "Delineate: your own polygons"
    METHOD = "custom"
    INPUT_LABEL = "Polygons"
    HELP = (
        "<p>The landscape as the union of your polygons, optionally widened by a buffer "
        "(metres, geodesic) and clipped to another layer.</p>"
    )

    def add_method_parameters(self) -> None:
        """The parameters of the method's ``[boundary]`` keys."""
        self.addParameter(
            _optional(
                QgsProcessingParameterNumber(
                    "BUFFER_M", "Buffer (m)", QgsProcessingParameterNumber.Double, minValue=0
                )
            )
        )
        self.addParameter(
            _optional(
                QgsProcessingParameterFeatureSource(
                    "CLIP", "Clip to", [QgsProcessing.TypeVectorPolygon]
                )
            )
        )

    def boundary(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> dict:
        """The method's ``[boundary]`` keys."""
        table: dict[str, Any] = {}
        if inputs.given(parameters, "BUFFER_M"):
            table["buffer_m"] = self.parameterAsDouble(parameters, "BUFFER_M", context)
        table["clip"] = inputs.vector_file(self, parameters, "CLIP", context, feedback, workdir)
        return table


class DelineateBasins(_Delineate):
    """Upstream basins of HydroBASINS-like polygons."""

    NAME = "delineate_basins"
    TITLE = "Delineate: upstream basins"
    METHOD = "basins"
    INPUT_LABEL = "Basins (HydroBASINS: HYBAS_ID, NEXT_DOWN)"
    HELP = (
        "<p>The landscape as the basin holding an outlet point and, by default, every "
        "basin upstream of it (HydroBASINS topology), or as the basins given by id.</p>"
    )

    def add_method_parameters(self) -> None:
        """The parameters of the method's ``[boundary]`` keys."""
        self.addParameter(_optional(QgsProcessingParameterPoint("OUTLET", "Outlet point")))
        self.addParameter(
            _optional(
                QgsProcessingParameterString(
                    "BASIN_IDS", "Basin ids (one per line)", multiLine=True
                )
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                "UPSTREAM", "With every basin upstream", defaultValue=True
            )
        )
        self.addParameter(
            _optional(
                QgsProcessingParameterNumber(
                    "MAX_UPSTREAM_KM2",
                    "Largest upstream area (km²)",
                    QgsProcessingParameterNumber.Double,
                    minValue=0,
                )
            )
        )

    def boundary(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> dict:
        """The method's ``[boundary]`` keys."""
        table: dict[str, Any] = {"upstream": self.parameterAsBool(parameters, "UPSTREAM", context)}
        outlet = inputs.point(self, parameters, "OUTLET", context)
        if outlet is not None:
            table["outlet"], table["outlet_crs"] = outlet
        if inputs.given(parameters, "BASIN_IDS"):
            ids = _lines(self.parameterAsString(parameters, "BASIN_IDS", context))
            table["basin_ids"] = [int(i) if i.lstrip("-").isdigit() else i for i in ids]
        if outlet is None and "basin_ids" not in table:
            raise QgsProcessingException("give an outlet point or basin ids")
        if inputs.given(parameters, "MAX_UPSTREAM_KM2"):
            table["max_upstream_km2"] = self.parameterAsDouble(
                parameters, "MAX_UPSTREAM_KM2", context
            )
        return table


class DelineateDem(_Delineate):
    """The catchment of an outlet on a DEM."""

    NAME = "delineate_dem"
    TITLE = "Delineate: catchment on a DEM"
    METHOD = "dem"
    INPUT_LABEL = "Elevation (DEM)"
    HELP = (
        "<p>The landscape as the catchment draining to an outlet point on a DEM "
        "(depressions filled, D8 on true distances); the outlet is moved to the largest "
        "flow within the snap distance.</p>"
    )

    def add_input(self) -> None:
        """The input layer parameter."""
        self.addParameter(QgsProcessingParameterRasterLayer(INPUT, self.INPUT_LABEL))

    def add_method_parameters(self) -> None:
        """The parameters of the method's ``[boundary]`` keys."""
        self.addParameter(QgsProcessingParameterPoint("OUTLET", "Outlet point"))
        self.addParameter(
            _optional(
                QgsProcessingParameterNumber(
                    "SNAP_M",
                    "Snap the outlet within (m)",
                    QgsProcessingParameterNumber.Double,
                    minValue=0,
                )
            )
        )

    def source(self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str) -> str:
        """The ``[boundary]`` source: the input's file."""
        return inputs.raster_file(self, parameters, INPUT, context)

    def boundary(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> dict:
        """The method's ``[boundary]`` keys."""
        table: dict[str, Any] = {}
        table["outlet"], table["outlet_crs"] = inputs.point(self, parameters, "OUTLET", context)
        if inputs.given(parameters, "SNAP_M"):
            table["snap_m"] = self.parameterAsDouble(parameters, "SNAP_M", context)
        return table


DELINEATE = [DelineateAdmin, DelineateCustom, DelineateBasins, DelineateDem]
