"""The stages after the boundary: profile, zones, card, and a whole run of a config.

Profile, zones and card take a landscape config file, as ``landprofile`` does, or the
landscape's layers, from which a temporary config is written.
"""

# ruff: noqa: N802 -- QgsProcessingAlgorithm's method names are QGIS's

from __future__ import annotations

import os
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputHtml,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterVectorDestination,
)

from . import inputs, outputs, params
from .algorithms import LandprofileAlgorithm

OUTPUT = "OUTPUT"
ZONING_PARAMS = ("RULES", "RESOLUTION_M", "SITE_ID_FIELD")
CARD_PARAMS = ("NARRATIVE", "SCORECARD")


class _Stage(LandprofileAlgorithm):
    GROUP = "Profile, zones and card"
    GROUP_ID = "stages"
    #: parameters of the layer mode beyond the landscape's own
    LAYER_MODE_EXTRA: tuple = ()

    def config_file(self, parameters: dict[str, Any], context: Any) -> str:
        """The config file given, after checking no layer was given beside it."""
        if not inputs.given(parameters, params.CONFIG):
            return ""
        beside = params.layer_mode_names(parameters, self.LAYER_MODE_EXTRA)
        if self.COMMAND == "card":  # the card takes --lang beside a config
            beside = [n for n in beside if n != params.LANGUAGE]
        if beside:
            raise QgsProcessingException(
                f"give either a config file or layers, not both: with the config, leave "
                f"{', '.join(beside)} empty (the config names its own layers), or leave "
                "the config empty"
            )
        return self.parameterAsFile(parameters, params.CONFIG, context)

    def sections(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> tuple:
        """``(top, sections)`` of the temporary config of the layer mode."""
        return params.landscape_sections(self, parameters, context, feedback, workdir)

    def cli_options(
        self,
        parameters: dict[str, Any],
        context: Any,
        with_config: bool,
        feedback: Any = None,
        workdir: str = "",
    ) -> list[str]:
        """The command's options beside the config and ``--out``."""
        return []

    def run_stage(self, parameters: dict[str, Any], context: Any, feedback: Any, out: str) -> None:
        """Run the command on the config given, or on one written from the layers."""
        cfg = self.config_file(parameters, context)
        workdir = self.workdir()
        try:
            if cfg:
                extra = self.cli_options(parameters, context, True, feedback, workdir)
                args = [cfg, "--out", out, *extra]
                self.run_command(args, feedback, cwd=workdir)
            else:
                top, sections = self.sections(parameters, context, feedback, workdir)
                args = ["--out", out, *self.cli_options(parameters, context, False)]
                self.run_with_config(workdir, top, sections, args, feedback)
        finally:
            self.cleanup(workdir)


class Profile(_Stage):
    """The landscape's profile (profile.json)."""

    NAME = "profile"
    TITLE = "Profile"
    COMMAND = "profile"
    HELP = (
        "<p>The landscape's profile: true size, land cover and ecosystem composition, "
        "population, elevation, and overlap with protected areas, concessions and mining "
        "sites, as <code>profile.json</code>.</p>"
    )

    def initAlgorithm(self, config: Any = None) -> None:
        """The landscape (a config, or its layers) and the profile.json to write."""
        params.add_landscape(self)
        self.addParameter(
            QgsProcessingParameterFileDestination(OUTPUT, "Profile", "JSON files (*.json)")
        )

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict:
        """Run ``landprofile profile``."""
        out = self.parameterAsFileOutput(parameters, OUTPUT, context)
        self.run_stage(parameters, context, feedback, out)
        return {OUTPUT: out}


class Zones(_Stage):
    """Candidate ASM zones, located with the locate options."""

    NAME = "zones"
    TITLE = "Zones"
    COMMAND = "zones"
    LAYER_MODE_EXTRA = ZONING_PARAMS
    HELP = (
        "<p>Candidate ASM zones that follow the IGF criteria, each explained: the rules "
        "exclude land, the rest is scored, and the best zones are located (how many, "
        "how large, how far apart; exact or greedy choice). The GeoPackage holds the "
        "zones, the other suitable land, the exclusions, the conflicts and the candidate "
        "regions, each loaded with the style it stores.</p>"
        "<p>With a config file, its [select] applies; the options given here override "
        "it.</p>"
    )

    def initAlgorithm(self, config: Any = None) -> None:
        """The landscape, the rules and locate options, the GeoPackage to write."""
        params.add_landscape(self)
        params.add_zoning(self)
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                OUTPUT, "Zones", QgsProcessing.TypeVectorPolygon
            )
        )

    def sections(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> tuple:
        """``(top, sections)`` of the temporary config, with the zoning's."""
        top, sections = super().sections(parameters, context, feedback, workdir)
        sections.update(params.zoning_sections(self, parameters, context, feedback, workdir))
        return top, sections

    def cli_options(
        self,
        parameters: dict[str, Any],
        context: Any,
        with_config: bool,
        feedback: Any = None,
        workdir: str = "",
    ) -> list[str]:
        """The command's options beside the config and ``--out``."""
        if with_config:
            return params.config_mode_select(parameters, self, context, feedback, workdir)
        return []

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict:
        """Run ``landprofile zones``; have every layer of its GeoPackage loaded, styled."""
        out = self.gpkg_output(self.parameterAsOutputLayer(parameters, OUTPUT, context), "Zones")
        self.run_stage(parameters, context, feedback, out)
        if context.willLoadLayerOnCompletion(out):
            outputs.load_layers(out, context)
        return {OUTPUT: out}


class Card(_Stage):
    """The landscape profile card (card.html, and the printable report)."""

    NAME = "card"
    TITLE = "Card"
    COMMAND = "card"
    LAYER_MODE_EXTRA = ZONING_PARAMS + CARD_PARAMS
    HELP = (
        "<p>The landscape profile card: one HTML file that works offline, in French, "
        "English or Spanish, with the profile, the zones and their map; with Print, "
        "the printable report (PDF) and its first page (PNG) beside it.</p>"
    )

    def initAlgorithm(self, config: Any = None) -> None:
        """The landscape, the zoning, the card's texts, the card to write."""
        params.add_landscape(self)
        params.add_zoning(self)
        for name, label, ext in (
            ("NARRATIVE", "Narrative (YAML)", "yaml"),
            ("SCORECARD", "Scorecard (TOML)", "toml"),
        ):
            param = QgsProcessingParameterFile(name, label, extension=ext)
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagOptional)
            self.addParameter(param)
        self.addParameter(
            QgsProcessingParameterBoolean(
                "PRINT", "Also the printable report (PDF, PNG)", defaultValue=False
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(OUTPUT, "Card", "HTML files (*.html)")
        )
        self.addOutput(QgsProcessingOutputFile("PDF", "Printable report"))

    def sections(
        self, parameters: dict[str, Any], context: Any, feedback: Any, workdir: str
    ) -> tuple:
        """``(top, sections)`` of the temporary config, with the zoning's."""
        top, sections = super().sections(parameters, context, feedback, workdir)
        sections.update(params.zoning_sections(self, parameters, context, feedback, workdir))
        sections["card"] = {
            "narrative": self._file(parameters, "NARRATIVE", context),
            "scorecard": self._file(parameters, "SCORECARD", context),
        }
        return top, sections

    def _file(self, parameters: dict[str, Any], name: str, context: Any) -> Any:
        return (
            self.parameterAsFile(parameters, name, context)
            if inputs.given(parameters, name)
            else None
        )

    def cli_options(
        self,
        parameters: dict[str, Any],
        context: Any,
        with_config: bool,
        feedback: Any = None,
        workdir: str = "",
    ) -> list[str]:
        """The command's options beside the config and ``--out``."""
        args = []
        if with_config and (
            params.select_given(parameters)
            or self.parameterAsBool(parameters, params.ALL_SUITABLE, context)
        ):
            raise QgsProcessingException(
                "the zones options cannot be given with a config file for the card: set "
                "them in the config's [select], or leave the config empty and give the layers"
            )
        if inputs.given(parameters, params.LANGUAGE):
            lang = params.LANGUAGES[self.parameterAsEnum(parameters, params.LANGUAGE, context)]
            args += ["--lang", lang]
        if self.parameterAsBool(parameters, "PRINT", context):
            args.append("--print")
        return args

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict:
        """Run ``landprofile card``."""
        out = self.parameterAsFileOutput(parameters, OUTPUT, context)
        self.run_stage(parameters, context, feedback, out)
        result = {OUTPUT: out}
        if self.parameterAsBool(parameters, "PRINT", context):
            result["PDF"] = os.path.splitext(out)[0] + ".pdf"
        return result


class Run(LandprofileAlgorithm):
    """Everything for one config: boundary, profile, zones, card."""

    NAME = "run"
    TITLE = "Run a landscape config"
    GROUP = "Profile, zones and card"
    GROUP_ID = "stages"
    COMMAND = "run"
    HELP = (
        "<p>Runs a whole landscape config, as <code>landprofile run</code>: profile.json, "
        "zones.gpkg, card.html and card.pdf in the output folder (a new or empty folder, "
        "or landprofile's own previous output). The zones GeoPackage's layers are loaded "
        "into the project, styled.</p>"
    )

    def initAlgorithm(self, config: Any = None) -> None:
        """The config, whether to load the zones, the output folder."""
        self.addParameter(
            QgsProcessingParameterFile(params.CONFIG, "Landscape config (TOML)", extension="toml")
        )
        self.addParameter(
            QgsProcessingParameterBoolean("LOAD", "Load the zones' layers", defaultValue=True)
        )
        self.addParameter(QgsProcessingParameterFolderDestination(OUTPUT, "Output folder"))
        self.addOutput(QgsProcessingOutputVectorLayer("ZONES", "Zones"))
        self.addOutput(QgsProcessingOutputHtml("CARD", "Card"))
        self.addOutput(QgsProcessingOutputFile("PROFILE", "Profile"))

    def processAlgorithm(self, parameters: dict[str, Any], context: Any, feedback: Any) -> dict:
        """Run ``landprofile run``; load the zones' layers."""
        cfg = self.parameterAsFile(parameters, params.CONFIG, context)
        out = self.parameterAsFileOutput(parameters, OUTPUT, context)
        workdir = self.workdir()
        try:
            self.run_command([cfg, "--out", out], feedback, cwd=workdir)
        finally:
            self.cleanup(workdir)
        zones = os.path.join(out, "zones.gpkg")
        if self.parameterAsBool(parameters, "LOAD", context) and os.path.isfile(zones):
            outputs.load_layers(zones, context)
        return {
            OUTPUT: out,
            "ZONES": zones,
            "CARD": os.path.join(out, "card.html"),
            "PROFILE": os.path.join(out, "profile.json"),
        }


STAGES = [Profile, Zones, Card, Run]
