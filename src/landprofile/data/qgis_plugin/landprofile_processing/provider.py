"""The Processing provider ``landprofile``: its algorithms and its one setting."""

# ruff: noqa: N802 -- QgsProcessingProvider's method names are QGIS's

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import COMMAND_SETTING, icon
from .delineate import DELINEATE
from .stages import STAGES

ALGORITHMS = [*DELINEATE, *STAGES]


class LandprofileProvider(QgsProcessingProvider):
    """landprofile's stages as Processing algorithms, run by the installed command."""

    def id(self) -> str:
        """The prefix of the algorithms' ids (``landprofile:zones``)."""
        return "landprofile"

    def name(self) -> str:
        """The name in the toolbox."""
        return "landprofile"

    def longName(self) -> str:
        """The name with what it does."""
        return "landprofile: landscape profiles and ASM zoning"

    def icon(self) -> QIcon:
        """The plugin's icon."""
        return icon()

    def load(self) -> bool:
        """Add the setting of the command's path, then the algorithms."""
        from processing.core.ProcessingConfig import ProcessingConfig, Setting

        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(
            Setting(
                self.name(),
                COMMAND_SETTING,
                "landprofile command (empty: the one found on PATH)",
                "",
                valuetype=Setting.FILE,
            )
        )
        ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self) -> None:
        """Remove the setting."""
        from processing.core.ProcessingConfig import ProcessingConfig

        ProcessingConfig.removeSetting(COMMAND_SETTING)

    def loadAlgorithms(self) -> None:
        """One instance of each algorithm."""
        for cls in ALGORITHMS:
            self.addAlgorithm(cls())

    def supportedOutputVectorLayerExtensions(self) -> list[str]:
        """What the algorithms write vectors as: a GeoPackage only.

        It holds every layer with its style and the project; a GeoJSON would load
        unstyled, so it is not offered.
        """
        return ["gpkg"]
