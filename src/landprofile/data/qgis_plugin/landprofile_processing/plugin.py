"""The plugin: registers the landprofile Processing provider while it is loaded."""

# ruff: noqa: N802 -- the method names QGIS calls

from __future__ import annotations

from typing import Any

from qgis.core import QgsApplication

from .provider import LandprofileProvider


class LandprofilePlugin:
    """Adds the provider when QGIS starts the plugin, removes it when it unloads it."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: LandprofileProvider | None = None

    def initProcessing(self) -> None:
        """Register the provider (also called by qgis_process, without a window)."""
        if self.provider is None:
            self.provider = LandprofileProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        """Nothing of its own on the window: the algorithms are in the toolbox."""
        self.initProcessing()

    def unload(self) -> None:
        """Remove the provider."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
