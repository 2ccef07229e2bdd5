"""The demo's GeoPackage in real QGIS (Debian's python3-qgis 3.22, headless).

One GeoPackage per module, written as ``run`` writes its ``zones.gpkg`` (the demo's
boundary and zoning, then :meth:`ZoningResult.to_gpkg` with the card's layers and land
cover); one QGIS process per test reads it. Expected values come from the card's own
style definitions (``maps.styles``), the i18n catalogue and the land cover legend, never
from literals: QGIS is the oracle for what a planner sees.
"""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from _qgis import require_qgis, run_in_qgis
from landprofile.i18n import strings
from landprofile.legend import load_legend
from landprofile.maps.styles import SCORE_COLORS, STYLES, score_color, zone_legend

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sample_dir):
    """The demo's zones.gpkg (and its zoning result), made once."""
    require_qgis()
    import landprofile.pipeline as pipeline
    from landprofile.qgis.gpkg import map_inputs

    cfg = pipeline.load_config(sample_dir / "demo.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = pipeline.build_boundary(cfg)
        res = pipeline.build_zoning(cfg, ls)
        out = tmp_path_factory.mktemp("qgis") / "zones.gpkg"
        res.to_gpkg(out, sources=pipeline.input_sources(cfg), **map_inputs(cfg))
    return {"path": out, "res": res, "cfg": cfg, "name": ls.name}


LAYERS = """
from osgeo import gdal
from qgis.core import QgsRasterLayer, QgsVectorLayer
path = sys.argv[1]
ds = gdal.OpenEx(path)
out = {}
for i in range(ds.GetLayerCount()):
    name = ds.GetLayer(i).GetName()
    vl = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    info = {"valid": vl.isValid(), "renderer": vl.renderer().type() if vl.renderer() else None,
            "aliases": {f.name(): vl.attributeAlias(j) for j, f in enumerate(vl.fields())},
            "labels": vl.labelsEnabled()}
    r = vl.renderer()
    if r is not None and r.type() == "graduatedSymbol":
        info["attr"] = r.classAttribute()
        info["ranges"] = [[rg.lowerValue(), rg.upperValue(), rg.symbol().color().name(),
                           rg.symbol().color().alpha(), rg.label()] for rg in r.ranges()]
        info["label_field"] = vl.labeling().settings().fieldName
    elif r is not None and r.type() == "categorizedSymbol":
        info["attr"] = r.classAttribute()
        info["categories"] = [[c.value(), c.label()] for c in r.categories()]
    elif r is not None and r.type() == "singleSymbol":
        info["color"] = [r.symbol().color().name(), r.symbol().color().alpha()]
    out[name] = info
rl = QgsRasterLayer(f"GPKG:{path}:land_cover", "land_cover", "gdal")
out["land_cover"] = {"valid": rl.isValid(), "bands": rl.bandCount()}
# QGIS adds a style of its own to our layer_styles (a planner's edit), as to its own
copy = sys.argv[2]
vl = QgsVectorLayer(f"{copy}|layername=zones", "zones", "ogr")
out["saved"] = vl.saveStyleToDatabase("planner", "an edit", False, "")
again = QgsVectorLayer(f"{copy}|layername=zones", "zones", "ogr")
out["default_after_save"] = again.renderer().type()
emit(out)
"""


def test_every_layer_valid_with_its_default_style(demo, tmp_path):
    import sqlite3

    copy = tmp_path / "zones.gpkg"
    shutil.copyfile(demo["path"], copy)
    got = run_in_qgis(LAYERS, args=[str(demo["path"]), str(copy)])
    assert got["saved"] == ""  # no error
    assert got["default_after_save"] == "graduatedSymbol"
    con = sqlite3.connect(copy)
    names = [r[0] for r in con.execute("SELECT styleName FROM layer_styles")]
    con.close()
    assert "planner" in names
    s = strings("fr")
    skip = ("land_cover", "layer_styles", "saved", "default_after_save")
    vectors = {k: v for k, v in got.items() if k not in skip}
    assert {"zones", "exclusions", "boundary", "sites", "rivers", "context_towns"} <= set(vectors)
    for name, info in vectors.items():
        assert info["valid"], name
    assert got["land_cover"]["valid"]
    # the default styles were applied: not QGIS's random single symbol
    zones = vectors["zones"]
    assert zones["renderer"] == "graduatedSymbol"
    assert zones["attr"] == "score"
    assert zones["labels"]
    assert zones["label_field"] == "zone_id"
    min_score = float(demo["res"].summary["min_score"])
    alpha = round(255 * float(STYLES["zones"]["fillOpacity"]))
    legend = zone_legend(min_score, "fr")[::-1]  # the card's legend, highest first
    assert len(zones["ranges"]) == len(legend)
    for (lo, hi, color, a, label), (lcolor, llo, lhi, ltext) in zip(
        zones["ranges"], legend, strict=True
    ):
        assert color == lcolor
        assert a == alpha
        assert label == ltext
        assert hi == pytest.approx(lhi)
        if llo > min_score:
            assert lo == pytest.approx(llo)
    # every zone falls in the class of the card's colour for it
    for score in demo["res"].zones["score"]:
        hit = next(r for r in zones["ranges"] if r[0] <= score <= r[1])
        assert hit[2] == score_color(float(score), min_score)
    excl = vectors["exclusions"]
    assert excl["renderer"] == "categorizedSymbol"
    res_fr = demo["res"].in_language("fr")
    assert dict(excl["categories"]) == dict(
        zip(res_fr.exclusions["rule"], res_fr.exclusions["label"], strict=True)
    )
    boundary = vectors["boundary"]
    assert boundary["color"][0] == STYLES["boundary"]["color"]
    assert vectors["sites"]["color"] == [
        STYLES["sites"]["fillColor"],
        round(255 * float(STYLES["sites"]["fillOpacity"])),
    ]
    # field aliases in the card's language
    assert zones["aliases"]["zone_id"] == s["field_zone_id"]
    assert zones["aliases"]["score"] == s["field_score"]
    assert zones["aliases"]["why"] == s["field_why"]
    assert boundary["aliases"]["name"] == s["field_name"]


PROJECT = """
import shutil
from qgis.core import (QgsMapRendererSequentialJob, QgsMapSettings, QgsPointXY, QgsProject)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
path, name, moved, renamed, png, points = sys.argv[1:7]
points = json.loads(points)
out = {}
p = QgsProject.instance()

def tree():
    return [{"name": n.name(), "valid": n.layer() is not None and n.layer().isValid(),
             "visible": n.isVisible(), "group": n.parent().name(),
             "source": n.layer().source() if n.layer() else None}
            for n in p.layerTreeRoot().findLayers()]

for key, where in (("here", path), ("moved", moved), ("renamed", renamed)):
    p.clear()
    ok = p.read(f"geopackage:{where}?projectName={name}")
    out[key] = {"read": ok, "title": p.title(), "crs": p.crs().authid(), "layers": tree()}
p.clear()
p.read(f"geopackage:{moved}?projectName={name}")
ext = p.viewSettings().defaultViewExtent()
out["extent"] = [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()]
lc = [n.layer() for n in p.layerTreeRoot().findLayers() if n.layer().id().startswith("land_cover")]
r = lc[0].renderer()
out["land_cover"] = {"type": r.type(), "alpha_band": r.alphaBand(), "opacity": r.opacity(),
                     "classes": [[c.value, c.color.name(), c.label] for c in r.classes()]}
from qgis.core import QgsLayerTreeModel
model = QgsLayerTreeModel(p.layerTreeRoot())
out["legend"] = {n.layer().id(): [ln.data(0) for ln in model.layerLegendNodes(n)]
                 for n in p.layerTreeRoot().findLayers()}
visible = [n.layer() for n in p.layerTreeRoot().findLayers() if n.isVisible()]

def render(layers, file):
    s = QgsMapSettings()
    s.setLayers(layers)
    s.setDestinationCrs(p.crs())
    s.setExtent(ext)
    s.setOutputSize(QSize(900, 900))
    s.setOutputDpi(96)
    s.setBackgroundColor(QColor(255, 255, 255))
    s.setFlag(QgsMapSettings.DrawLabeling, False)
    job = QgsMapRendererSequentialJob(s)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    if file:
        img.save(file, "PNG")
    m2p = s.mapToPixel()
    px = []
    for x, y in points:
        pt = m2p.transform(QgsPointXY(x, y))
        c = QColor(img.pixel(int(pt.x()), int(pt.y())))
        px.append([c.red(), c.green(), c.blue()])
    return px

out["with_zones"] = render(visible, png)
out["beneath"] = render([lyr for lyr in visible if not lyr.id().startswith("zones")], None)
emit(out)
"""


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def test_project_loads_anywhere_and_renders_the_card_colours(demo, tmp_path):
    res = demo["res"]
    moved = tmp_path / "elsewhere" / "zones.gpkg"
    moved.parent.mkdir()
    shutil.copyfile(demo["path"], moved)
    renamed = tmp_path / "elsewhere" / "tarkwa_copy.gpkg"
    shutil.copyfile(demo["path"], renamed)
    # points well inside each zone (a zone's outline and neighbours stay clear)
    pts = [z.representative_point() for z in res.zones.geometry]
    png = tmp_path / "project.png"
    got = run_in_qgis(
        PROJECT,
        args=[
            str(demo["path"]),
            demo["name"],
            str(moved),
            str(renamed),
            str(png),
            json.dumps([[p.x, p.y] for p in pts]),
        ],
    )
    s = strings("fr")
    for key in ("here", "moved"):
        proj = got[key]
        assert proj["read"], key
        assert proj["title"] == demo["name"]
        assert proj["crs"] == res.crs.to_string()
        assert proj["layers"], key
        assert all(lyr["valid"] for lyr in proj["layers"]), key
    # moved: every source is the copy in its new folder, nothing of the old one
    for lyr in got["moved"]["layers"]:
        assert str(moved) in lyr["source"]
        assert str(demo["path"].parent) not in lyr["source"]
    # renamed: QGIS resolves ./zones.gpkg next to the renamed file (qgis/QGIS#37440)
    for lyr in got["renamed"]["layers"]:
        assert str(renamed.parent / "zones.gpkg") in lyr["source"]
    names = [lyr["name"] for lyr in got["here"]["layers"]]
    # the card's drawing order, the top first; the context is the card's one group
    assert names[0] == s["zones"]
    assert names.index(s["zones"]) < names.index(s["boundary"]) < names.index(s["land_cover"])
    ctx = [lyr for lyr in got["here"]["layers"] if lyr["group"] == s["context"]]
    assert len(ctx) == 3
    excl = next(lyr for lyr in got["here"]["layers"] if lyr["name"] == s["exclusions"])
    assert not excl["visible"]  # hidden at first, as on the card
    # the landscape's extent
    from landprofile.geodesy import project

    bounds = project([res.landscape.geometry], res.landscape.crs, res.crs)[0].bounds
    assert got["extent"] == pytest.approx(list(bounds), abs=1e-9)
    min_score = float(res.summary["min_score"])
    # the land cover: paletted by its legend
    cfg = demo["cfg"]
    leg = load_legend(cfg.section("rasters")["legend"]).by_value()
    lc = got["land_cover"]
    assert lc["type"] == "paletted"
    assert lc["alpha_band"] == 4
    assert lc["classes"]
    for value, color, label in lc["classes"]:
        assert color == leg[int(value)].color.lower()
        assert label == leg[int(value)].name("fr")
    # the legend QGIS draws: the card's texts, the land cover's class names only
    legend = {k.split("_landprofile")[0]: v for k, v in got["legend"].items()}
    assert legend["zones"] == [text for *_, text in zone_legend(min_score, "fr")[::-1]]
    assert legend["land_cover"] == [label for _, _, label in lc["classes"]]
    # rendered: inside each zone, its class colour at the card's fill opacity over
    # what QGIS draws beneath it (Leaflet blends the same way)
    assert png.read_bytes().startswith(b"\x89PNG")
    a = round(255 * float(STYLES["zones"]["fillOpacity"])) / 255
    for score, with_z, beneath in zip(
        res.zones["score"], got["with_zones"], got["beneath"], strict=True
    ):
        fill = _rgb(score_color(float(score), min_score))
        expected = a * fill + (1 - a) * np.array(beneath, dtype=float)
        assert np.abs(np.array(with_z) - expected).max() <= 3, (score, with_z, expected)
    # and the colours differ by class: the check can tell one class from another
    classes = {score_color(float(v), min_score) for v in res.zones["score"]}
    assert classes <= set(SCORE_COLORS)
