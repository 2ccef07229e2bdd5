"""Render the demo's QGIS project (stored in its zones.gpkg) in real QGIS, with its legend.

Writes ``docs/qgis_project.png`` (1400 x 900): the project as QGIS draws it, to sit
beside the card's map (``docs/card_1400.png``). Needs Debian's ``python3-qgis``::

    .venv/bin/python docs/make_qgis_screenshot.py

The demo's GeoPackage is made with the library (the venv's Python), then drawn by
QGIS's Python (``/usr/bin/python3``, headless) from the project inside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QGIS_PYTHON = os.environ.get("LANDPROFILE_QGIS_PYTHON", "/usr/bin/python3")

#: Run in QGIS's Python: load the project from the GeoPackage, draw it, save the PNG.
RENDER = r"""
import sys
from qgis.core import (QgsApplication, QgsLayerTreeModel, QgsLegendRenderer,
                       QgsLegendSettings, QgsMapRendererCustomPainterJob, QgsMapSettings,
                       QgsProject, QgsRenderContext)
from qgis.PyQt.QtCore import QRectF, QSize, QSizeF, Qt
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False, sys.argv[4])
app.initQgis()
gpkg, name, out = sys.argv[1:4]
W, H, LEGEND = 1400, 900, 430
project = QgsProject.instance()
assert project.read(f"geopackage:{gpkg}?projectName={name}"), project.error()
root = project.layerTreeRoot()
layers = [n.layer() for n in root.findLayers() if n.isVisible()]
assert all(lyr.isValid() for lyr in layers)
image = QImage(W, H, QImage.Format_ARGB32)
image.fill(QColor("#ffffff"))
painter = QPainter(image)
painter.setRenderHint(QPainter.Antialiasing)
# the map: the landscape with a margin, on the card's map background (Leaflet's grey)
settings = QgsMapSettings()
settings.setLayers(layers)
settings.setDestinationCrs(project.crs())
extent = project.viewSettings().defaultViewExtent()
extent.scale(1.25)
settings.setExtent(extent)
settings.setOutputSize(QSize(W - LEGEND, H))
settings.setBackgroundColor(QColor("#dddddd"))
settings.setOutputDpi(96)
job = QgsMapRendererCustomPainterJob(settings, painter)
job.start()
job.waitForFinished()
# the legend: QGIS's own, from the project's layer tree (names in the card's language)
painter.translate(W - LEGEND + 12, 12)
# the legend's sizes are in mm and points: drawn at the card legend's size on screen
painter.scale(2.3, 2.3)
model = QgsLayerTreeModel(root)
legend = QgsLegendSettings()
legend.setTitle(project.title())
renderer = QgsLegendRenderer(model, legend)
context = QgsRenderContext.fromQPainter(painter)
context.setScaleFactor(96 / 25.4)
renderer.drawLegend(context)
painter.end()
image.save(out, "PNG")
app.exitQgis()
"""


def main() -> None:
    """Make the demo's GeoPackage in a temporary folder and render its project."""
    sys.path.insert(0, str(ROOT / "src"))
    import landprofile.pipeline as pipeline

    cfg = pipeline.load_config(ROOT / "data" / "sample_boundaries" / "demo.toml")
    ls = pipeline.build_boundary(cfg)
    res = pipeline.build_zoning(cfg, ls)
    r = cfg.section("rasters")
    with tempfile.TemporaryDirectory(prefix="lp-shot-") as tmp:
        gpkg = Path(tmp) / "zones.gpkg"
        res.to_gpkg(
            gpkg,
            layers=cfg.section("layers"),
            land_cover=r.get("land_cover"),
            legend=r.get("legend"),
        )
        out = HERE / "qgis_project.png"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": tmp}
        for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(key, None)
        subprocess.run(
            [QGIS_PYTHON, "-c", RENDER, str(gpkg), ls.name, str(out), str(Path(tmp) / "p")],
            check=True,
            env=env,
            cwd=tmp,
        )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
