"""What every landprofile algorithm does: find the command, run it, report its errors.

The algorithms themselves are in :mod:`.delineate` and :mod:`.stages`.
"""

# ruff: noqa: N802 -- QgsProcessingAlgorithm's method names are QGIS's

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Any

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtGui import QIcon

from . import config, outputs, runner

#: The provider setting holding the path of the ``landprofile`` command.
COMMAND_SETTING = "LANDPROFILE_COMMAND"
ICON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "icon.svg")


def icon() -> QIcon:
    """The plugin's icon."""
    return QIcon(ICON)


def command_path() -> str:
    """The ``landprofile`` command: the provider's setting, else the one on PATH."""
    from processing.core.ProcessingConfig import ProcessingConfig

    try:
        return runner.find_command(ProcessingConfig.getSetting(COMMAND_SETTING) or None)
    except runner.CommandError as exc:
        raise QgsProcessingException(str(exc)) from None


class LandprofileAlgorithm(QgsProcessingAlgorithm):
    """A landprofile stage run by the installed command."""

    #: The algorithm's id (``landprofile:<NAME>``), title, group and help.
    NAME = ""
    TITLE = ""
    GROUP = ""
    GROUP_ID = ""
    HELP = ""
    #: The ``landprofile`` subcommand.
    COMMAND = ""

    def name(self) -> str:
        """The id within the provider."""
        return self.NAME

    def displayName(self) -> str:
        """The title shown in the toolbox."""
        return self.TITLE

    def group(self) -> str:
        """The toolbox group."""
        return self.GROUP

    def groupId(self) -> str:
        """The toolbox group's id."""
        return self.GROUP_ID

    def shortHelpString(self) -> str:
        """The help beside the dialog."""
        return self.HELP + (
            "<p>Runs the installed <code>landprofile</code> command (its path is set in "
            "Processing ▸ Options ▸ Providers ▸ landprofile; found on PATH by default). "
            "Layers that are not files (memory layers, selections, filtered layers) are "
            "copied to a temporary GeoPackage first.</p>"
        )

    def icon(self) -> QIcon:
        """The plugin's icon."""
        return icon()

    def createInstance(self) -> LandprofileAlgorithm:
        """A fresh copy, as Processing runs each execution on its own instance."""
        return type(self)()

    def workdir(self) -> str:
        """A new folder of this run in Processing's temporary folder."""
        return tempfile.mkdtemp(prefix="landprofile-", dir=outputs.temp_folder())

    @staticmethod
    def gpkg_output(path: str, what: str) -> str:
        """``path`` if it is a GeoPackage; other formats are refused before any work.

        Raises
        ------
        QgsProcessingException
            Naming the file and what is accepted: only a GeoPackage carries the styles
            and the project the plugin loads the layers with.
        """
        if not path.lower().endswith(".gpkg"):
            ext = os.path.splitext(path)[1] or "(no extension)"
            raise QgsProcessingException(
                f"{what} '{path}': the plugin writes a GeoPackage (.gpkg), which holds "
                f"the layers with their styles; not '{ext}' (landprofile's command "
                "writes other formats, unstyled)"
            )
        return path

    def run_command(self, args: list[str], feedback: Any, cwd: str | None = None) -> list[str]:
        """Run ``landprofile <COMMAND> <args>``; return its stdout lines.

        Raises
        ------
        QgsProcessingException
            With the command's own message (the library's, naming the file, layer, field
            or value) when it fails, or saying that it was cancelled.
        """
        command = [command_path(), self.COMMAND, *args]
        feedback.pushCommandInfo(subprocess.list2cmdline(command))
        try:
            return runner.run(command, feedback, plan=runner.PLANS.get(self.COMMAND, ()), cwd=cwd)
        except runner.CommandError as exc:
            raise QgsProcessingException(str(exc)) from None

    def run_with_config(
        self, workdir: str, top: dict, sections: dict, args: list[str], feedback: Any
    ) -> list[str]:
        """Write the temporary config for the command and run it on that config."""
        path = os.path.join(workdir, "landscape.toml")
        try:
            config.write_config(path, self.COMMAND, top, sections)
        except ValueError as exc:
            raise QgsProcessingException(f"cannot write the config: {exc}") from None
        except ImportError:
            raise QgsProcessingException(
                "the landprofile plugin needs jinja2 in QGIS's Python (it ships with QGIS); "
                "install python3-jinja2"
            ) from None
        return self.run_command([path, *args], feedback, cwd=workdir)

    @staticmethod
    def cleanup(workdir: str) -> None:
        """Remove the run's own temporary folder (its config and copied layers)."""
        shutil.rmtree(workdir, ignore_errors=True)
