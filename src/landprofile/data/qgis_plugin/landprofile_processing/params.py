"""The parameters the stage algorithms share, and the config sections they make.

A stage (profile, zones, card) runs either on a config file, as the command line does,
or on layers given in the dialog, from which the algorithm writes a temporary config.
Never both at once: a config's relative paths and its own layers cannot be mixed with
QGIS layers without one silently winning.
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from . import inputs

CONFIG = "CONFIG"
NAME = "NAME"
LANGUAGE = "LANGUAGE"
BOUNDARY = "BOUNDARY"
LANGUAGES = ["fr", "en", "es"]
#: landprofile's built-in land-cover legends (tests keep this equal to the library's).
LEGENDS = ["esa_worldcover_v200", "esa_worldcover_v100", "esa_cci_lc", "cgls_lc100", "modis_igbp"]
POPULATION_KINDS = ["count", "density_per_km2"]
#: (parameter, [rasters] key, label)
RASTERS = [
    ("LAND_COVER", "land_cover", "Land cover raster"),
    ("POPULATION", "population", "Population raster"),
    ("DEM", "dem", "Elevation (DEM) raster"),
]
#: (parameter, [layers] key, label)
LAYERS = [
    ("SITES", "sites", "Mining sites (ASM)"),
    ("CONCESSIONS", "concessions", "Concessions and permits"),
    ("PROTECTED", "protected", "Protected areas"),
    ("RIVERS", "rivers", "Rivers"),
    ("WATER", "water", "Water bodies"),
    ("SETTLEMENTS", "settlements", "Settlements"),
    ("ROADS", "roads", "Roads"),
    ("GEOLOGY", "geology", "Geology (favourable units)"),
]
SHAPES = ["compact", "circle", "square", "ellipse"]
EVALUATIONS = ["mean", "sum", "edge"]
METHODS = ["exact", "greedy"]
#: (parameter, [select] key, label, integer?, minimum, maximum) of the numeric options
SELECT_NUMBERS = [
    ("N_ZONES", "n_zones", "Number of zones", True, 1, None),
    ("TOTAL_AREA_HA", "total_area_ha", "Total area of the zones (ha)", False, 0, None),
    ("ZONE_AREA_MIN_HA", None, "Smallest zone (ha)", False, 0, None),
    ("ZONE_AREA_MAX_HA", None, "Largest zone (ha)", False, 0, None),
    ("MIN_SPACING_M", "min_spacing_m", "Least distance between zones (m)", False, 0, None),
    ("MAX_SPACING_M", "max_spacing_m", "Greatest distance between zones (m)", False, 0, None),
    ("SHAPE_WEIGHT", "shape_weight", "Weight of the shape against the score", False, 0, 1),
    ("MAX_CANDIDATES", "max_candidates", "Candidate regions to choose among", True, 1, None),
    ("TIME_LIMIT_S", "time_limit_s", "Time limit of the exact choice (s)", False, 0, None),
]
#: (parameter, [select] key, label, choices)
SELECT_CHOICES = [
    ("METHOD", "method", "How zones are chosen", METHODS),
    ("SHAPE", "shape", "Zone shape", SHAPES),
    ("EVALUATION", "evaluation", "How a zone's score is evaluated", EVALUATIONS),
]
LOCK_IN = "LOCK_IN"
ALL_SUITABLE = "ALL_SUITABLE"
#: the locate options shown first in the dialog (the others under Advanced)
MAIN_SELECT = ("N_ZONES", "TOTAL_AREA_HA", "MIN_SPACING_M")
#: the command line's option for each [select] key (``landprofile zones --help``): every
#: locate option is passed beside a config too
CLI_SELECT = {
    "n_zones": "--n-zones",
    "total_area_ha": "--total-area-ha",
    "zone_area_ha": "--zone-area-ha",
    "shape": "--shape",
    "shape_weight": "--shape-weight",
    "min_spacing_m": "--min-spacing-m",
    "max_spacing_m": "--max-spacing-m",
    "evaluation": "--evaluation",
    "lock_in": "--lock-in",
    "method": "--method",
    "max_candidates": "--max-candidates",
    "time_limit_s": "--time-limit-s",
}


def _optional(param: Any, advanced: bool = False) -> Any:
    flags = param.flags() | QgsProcessingParameterDefinition.FlagOptional
    if advanced:
        flags |= QgsProcessingParameterDefinition.FlagAdvanced
    param.setFlags(flags)
    return param


def add_landscape(alg: Any) -> None:
    """The config file or the layers of a landscape (profile, zones and card)."""
    alg.addParameter(
        _optional(
            QgsProcessingParameterFile(
                CONFIG,
                "Landscape config (TOML; or leave empty and give the layers)",
                extension="toml",
            )
        )
    )
    alg.addParameter(
        _optional(QgsProcessingParameterFeatureSource(BOUNDARY, "Landscape boundary (polygons)"))
    )
    alg.addParameter(_optional(QgsProcessingParameterString(NAME, "Landscape name")))
    alg.addParameter(
        _optional(
            QgsProcessingParameterEnum(
                LANGUAGE, "Language (default: the config's, else French)", LANGUAGES
            )
        )
    )
    for param, _, label in RASTERS:
        alg.addParameter(_optional(QgsProcessingParameterRasterLayer(param, label)))
    alg.addParameter(
        _optional(QgsProcessingParameterEnum("LEGEND", "Land cover legend (built-in)", LEGENDS))
    )
    alg.addParameter(
        _optional(
            QgsProcessingParameterFile("LEGEND_FILE", "Land cover legend (CSV or JSON file)"),
            advanced=True,
        )
    )
    alg.addParameter(
        _optional(
            QgsProcessingParameterEnum("POPULATION_KIND", "Population values", POPULATION_KINDS),
            advanced=True,
        )
    )
    for param, _, label in LAYERS:
        alg.addParameter(_optional(QgsProcessingParameterFeatureSource(param, label)))


def add_zoning(alg: Any) -> None:
    """The zoning's rules and the locate options (zones and card)."""
    alg.addParameter(
        _optional(
            QgsProcessingParameterFile("RULES", "Zoning rules (TOML)", extension="toml"), True
        )
    )
    alg.addParameter(
        _optional(
            QgsProcessingParameterNumber(
                "RESOLUTION_M",
                "Zoning grid resolution (m)",
                QgsProcessingParameterNumber.Double,
                minValue=0,
            ),
            advanced=True,
        )
    )
    alg.addParameter(
        _optional(
            QgsProcessingParameterField(
                "SITE_ID_FIELD", "Mining sites: id field", parentLayerParameterName="SITES"
            ),
            advanced=True,
        )
    )
    for param, _, label, integer, lo, hi in SELECT_NUMBERS:
        kind = (
            QgsProcessingParameterNumber.Integer if integer else QgsProcessingParameterNumber.Double
        )
        number = QgsProcessingParameterNumber(param, label, kind, minValue=lo)
        if hi is not None:
            number.setMaximum(hi)
        alg.addParameter(_optional(number, advanced=param not in MAIN_SELECT))
    for param, _, label, choices in SELECT_CHOICES:
        alg.addParameter(
            _optional(QgsProcessingParameterEnum(param, label, choices), advanced=param != "METHOD")
        )
    alg.addParameter(
        _optional(QgsProcessingParameterFeatureSource(LOCK_IN, "Zones to keep (lock in)"), True)
    )
    alg.addParameter(
        QgsProcessingParameterBoolean(
            ALL_SUITABLE, "Every piece of suitable land as a zone (no choice)", defaultValue=False
        )
    )


def layer_mode_names(parameters: dict[str, Any], extra: list[str] = ()) -> list[str]:
    """The layer-mode parameters given (those a config file replaces)."""
    names = [BOUNDARY, NAME, LANGUAGE, "LEGEND", "LEGEND_FILE", "POPULATION_KIND", *extra]
    names += [p for p, _, _ in RASTERS] + [p for p, _, _ in LAYERS]
    return [n for n in names if inputs.given(parameters, n)]


def landscape_sections(
    alg: Any, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
) -> tuple:
    """``(top, sections)`` of the temporary config from the landscape's layers."""
    boundary = inputs.vector_file(alg, parameters, BOUNDARY, context, feedback, workdir)
    if boundary is None:
        raise QgsProcessingException(
            "give a landscape config file, or a landscape boundary layer (and the other layers)"
        )
    name = (
        alg.parameterAsString(parameters, NAME, context).strip()
        if inputs.given(parameters, NAME)
        else (inputs.layer_name(alg, parameters, BOUNDARY, context) or "landscape")
    )
    top: dict[str, Any] = {"name": name}
    if inputs.given(parameters, LANGUAGE):
        top["language"] = LANGUAGES[alg.parameterAsEnum(parameters, LANGUAGE, context)]
    rasters: dict[str, Any] = {}
    for param, key, _ in RASTERS:
        rasters[key] = inputs.raster_file(alg, parameters, param, context)
    if inputs.given(parameters, "LEGEND_FILE"):
        rasters["legend"] = alg.parameterAsFile(parameters, "LEGEND_FILE", context)
    elif inputs.given(parameters, "LEGEND"):
        rasters["legend"] = LEGENDS[alg.parameterAsEnum(parameters, "LEGEND", context)]
    if inputs.given(parameters, "POPULATION_KIND"):
        kind = alg.parameterAsEnum(parameters, "POPULATION_KIND", context)
        rasters["population_kind"] = POPULATION_KINDS[kind]
    layers = {
        key: inputs.vector_file(alg, parameters, param, context, feedback, workdir)
        for param, key, _ in LAYERS
    }
    sections = {
        "boundary": {"method": "custom", "source": boundary},
        "rasters": rasters,
        "layers": layers,
    }
    return top, sections


def zoning_sections(
    alg: Any, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
) -> dict[str, dict[str, Any]]:
    """The ``[zoning]`` and ``[select]`` of the temporary config."""
    zoning: dict[str, Any] = {}
    if inputs.given(parameters, "RULES"):
        zoning["rules"] = alg.parameterAsFile(parameters, "RULES", context)
    if inputs.given(parameters, "RESOLUTION_M"):
        zoning["resolution_m"] = alg.parameterAsDouble(parameters, "RESOLUTION_M", context)
    if inputs.given(parameters, "SITE_ID_FIELD"):
        fields = alg.parameterAsFields(parameters, "SITE_ID_FIELD", context)
        zoning["site_id_field"] = fields[0] if fields else None
    select = select_options(alg, parameters, context)
    lock_in = inputs.vector_file(alg, parameters, LOCK_IN, context, feedback, workdir)
    if lock_in is not None:
        select["lock_in"] = lock_in
    if alg.parameterAsBool(parameters, ALL_SUITABLE, context):
        _refuse_with_all_suitable(parameters)
        select = {"enabled": False}
    return {"zoning": zoning, "select": select}


def select_options(alg: Any, parameters: dict[str, Any], context: Any) -> dict[str, Any]:
    """The locate options given, as ``[select]`` keys."""
    select: dict[str, Any] = {}
    for param, key, _, integer, _, _ in SELECT_NUMBERS:
        if key is None or not inputs.given(parameters, param):
            continue
        if integer:
            select[key] = alg.parameterAsInt(parameters, param, context)
        else:
            select[key] = alg.parameterAsDouble(parameters, param, context)
    for param, key, _, choices in SELECT_CHOICES:
        if inputs.given(parameters, param):
            select[key] = choices[alg.parameterAsEnum(parameters, param, context)]
    smallest = _number(alg, parameters, "ZONE_AREA_MIN_HA", context)
    largest = _number(alg, parameters, "ZONE_AREA_MAX_HA", context)
    if smallest is not None and largest is None:
        raise QgsProcessingException(
            "Smallest zone (ha) needs Largest zone (ha) too (zone_area_ha is [smallest, largest])"
        )
    if largest is not None:
        select["zone_area_ha"] = [smallest, largest] if smallest is not None else largest
    return select


def _number(alg: Any, parameters: dict[str, Any], name: str, context: Any) -> float | None:
    return (
        alg.parameterAsDouble(parameters, name, context) if inputs.given(parameters, name) else None
    )


def select_given(parameters: dict[str, Any]) -> list[str]:
    """The locate parameters given (numbers, choices, lock-in)."""
    names = [p for p, *_ in SELECT_NUMBERS] + [p for p, *_ in SELECT_CHOICES] + [LOCK_IN]
    return [n for n in names if inputs.given(parameters, n)]


def _refuse_with_all_suitable(parameters: dict[str, Any]) -> None:
    chosen = select_given(parameters)
    if chosen:
        raise QgsProcessingException(
            f"{ALL_SUITABLE} and {chosen[0]} cannot be used together: {ALL_SUITABLE} keeps "
            f"every piece that passes the rules, {chosen[0]} chooses among them"
        )


def config_mode_select(
    parameters: dict[str, Any], alg: Any, context: Any, feedback: Any, workdir: str
) -> list[str]:
    """The command-line options of the locate parameters given beside a config file.

    Raises
    ------
    QgsProcessingException
        For a zone size given as its largest only (the command line takes both bounds).
    """
    if alg.parameterAsBool(parameters, ALL_SUITABLE, context):
        _refuse_with_all_suitable(parameters)
        return ["--all-suitable"]
    select = select_options(alg, parameters, context)
    lock_in = inputs.vector_file(alg, parameters, LOCK_IN, context, feedback, workdir)
    if lock_in is not None:
        select["lock_in"] = lock_in
    args: list[str] = []
    for key, value in select.items():
        flag = CLI_SELECT[key]
        if key == "zone_area_ha":
            if not isinstance(value, list):
                raise QgsProcessingException(
                    "Largest zone (ha) beside a config file needs Smallest zone (ha) too "
                    "(the landprofile command takes both), or set zone_area_ha in the "
                    "config's [select]"
                )
            args += [flag, repr(float(value[0])), repr(float(value[1]))]
        elif isinstance(value, float):
            args += [flag, repr(value)]
        else:
            args += [flag, str(value)]
    return args
