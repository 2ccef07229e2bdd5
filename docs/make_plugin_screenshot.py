"""Remake docs/qgis_plugin.png: the landprofile Processing plugin in real QGIS.

Run with the project's Python (``.venv/bin/python docs/make_plugin_screenshot.py``): it
builds the plugin zip, installs it into a fresh QGIS profile in a temporary folder and
draws, in QGIS's own Python (Debian python3-qgis, ``/usr/bin/python3``, offscreen), the
Processing toolbox with the provider's algorithms beside the dialog of its zones
algorithm. Nothing of the user's QGIS profile is read or changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from landprofile.qgis.plugin import write_plugin_zip

HERE = Path(__file__).resolve().parent
OUT = HERE / "qgis_plugin.png"
QGIS_PYTHON = os.environ.get("LANDPROFILE_QGIS_PYTHON", "/usr/bin/python3")

#: Runs in QGIS's Python: argv = zip, profile folder, png to write.
SCRIPT = r"""
import os, sys
sys.path.insert(0, "/usr/share/qgis/python/plugins")
sys.path.insert(0, "/usr/share/qgis/python")
from qgis.core import QgsApplication
QgsApplication.setPrefixPath("/usr", True)
zip_path, profile, png = sys.argv[1:4]
app = QgsApplication([], True, profile)
app.initQgis()
from processing.core.Processing import Processing
Processing.initialize()
import qgis.utils
from pyplugin_installer.unzip import unzip
plugins = os.path.join(QgsApplication.qgisSettingsDirPath(), "python", "plugins")
unzip(zip_path, plugins)
sys.path.insert(0, plugins)
qgis.utils.plugin_paths.insert(0, plugins)
qgis.utils.updateAvailablePlugins()
assert qgis.utils.loadPlugin("landprofile_processing")
assert qgis.utils.startPlugin("landprofile_processing")

from qgis.gui import QgsProcessingToolboxTreeView, QgsProcessingToolboxProxyModel
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from processing.gui.AlgorithmDialog import AlgorithmDialog

registry = QgsApplication.processingRegistry()
window = QWidget()
window.setStyleSheet("background: #ffffff;")
row = QHBoxLayout(window)
left = QVBoxLayout()
title = QLabel("<b>Processing Toolbox</b>")
left.addWidget(title)
tree = QgsProcessingToolboxTreeView(None, registry)
tree.setFilters(QgsProcessingToolboxProxyModel.FilterToolbox)
tree.setFilterString("landprofile")
tree.expandAll()
tree.setHeaderHidden(True)
tree.setMinimumSize(400, 560)
left.addWidget(tree)
row.addLayout(left)
dialog = AlgorithmDialog(registry.createAlgorithmById("landprofile:zones"), False, None)
dialog.setWindowFlags(Qt.Widget)
dialog.setMinimumSize(1000, 560)
row.addWidget(dialog)
window.resize(1440, 640)
window.show()
for _ in range(20):
    app.processEvents()
assert window.grab().save(png, "PNG"), png
"""


def main() -> None:
    """Build the zip, run QGIS offscreen, write :data:`OUT`."""
    with tempfile.TemporaryDirectory(prefix="lp-plugin-shot-") as tmp:
        zip_path = write_plugin_zip(Path(tmp) / "dist")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": tmp}
        for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(key, None)
        png = Path(tmp) / "shot.png"
        subprocess.run(
            [QGIS_PYTHON, "-c", SCRIPT, str(zip_path), str(Path(tmp) / "profile"), str(png)],
            check=True,
            env=env,
            cwd=tmp,
            timeout=300,
        )
        OUT.write_bytes(png.read_bytes())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    sys.exit(main())
