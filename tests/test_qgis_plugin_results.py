"""The plugin's results in real QGIS look like the output's own project (issue 35 item 4).

One headless QGIS (Debian python3-qgis) with a fresh profile installs the plugin zip and
runs, as the toolbox does: Delineate (your polygons) → Profile on that boundary (the
dialogs have no layer field: the GeoPackage the first step wrote is the next one's
input), Zones with ``runAndLoadResults`` and Run a landscape config. The oracle of what
the plugin must load is the project stored in the same GeoPackage, read by QGIS itself
into a project of its own (names, order, groups, which start hidden, renderers); areas
are checked against pyproj.Geod; the rule symbols against ``maps.styles``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from landprofile.qgis.plugin import write_plugin_zip

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "sample_boundaries" / "demo.toml"
LANDPROFILE = Path(sys.executable).with_name("landprofile")

SCRIPT = r"""
import time
sys.path.insert(0, "/usr/share/qgis/python")
from qgis.core import (QgsDistanceArea, QgsExpression, QgsExpressionContext,
                       QgsExpressionContextUtils, QgsLayerTreeGroup, QgsLayerTreeLayer,
                       QgsMapLayerType, QgsProcessingException, QgsProcessingFeedback,
                       QgsProject, QgsUnitTypes, QgsVectorLayer)
from processing.core.Processing import Processing
Processing.initialize()
import processing
import qgis.utils
from pyplugin_installer.unzip import unzip

zip_path, command, demo, window, work = sys.argv[1:6]
out = {}
plugins = os.path.join(QgsApplication.qgisSettingsDirPath(), "python", "plugins")
unzip(zip_path, plugins)
sys.path.insert(0, plugins)
qgis.utils.plugin_paths.insert(0, plugins)
qgis.utils.updateAvailablePlugins()
qgis.utils.loadPlugin("landprofile_processing")
qgis.utils.startPlugin("landprofile_processing")
from processing.core.ProcessingConfig import ProcessingConfig
ProcessingConfig.setSettingValue("LANDPROFILE_COMMAND", command)


class Feedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.progress = []
        self.progressChanged.connect(self.progress.append)


def run(alg, params, load=False):
    fb = Feedback()
    t0 = time.monotonic()
    try:
        f = processing.runAndLoadResults if load else processing.run
        res = f(alg, params, feedback=fb)
        error = None
    except QgsProcessingException as exc:
        res, error = None, str(exc)
    return {"progress": fb.progress, "error": error, "seconds": time.monotonic() - t0,
            "result": {k: str(v) for k, v in (res or {}).items()}}


def renderer(layer):
    if layer.type() == QgsMapLayerType.RasterLayer:
        r = layer.renderer()
        info = {"type": r.type()}
        if r.type() == "paletted":
            info["classes"] = [[c.value, c.color.name(), c.label] for c in r.classes()]
        return info
    r = layer.renderer()
    info = {"type": r.type(), "labels": layer.labelsEnabled(),
            "aliases": [layer.attributeDisplayName(i) for i in range(len(layer.fields()))]}
    if r.type() == "categorizedSymbol":
        info["categories"] = {}
        for c in r.categories():
            sym = c.symbol()
            lines = [sl for sl in sym.symbolLayers() if sl.layerType() == "SimpleLine"]
            info["categories"][c.value()] = {
                "label": c.label(), "fill": sym.color().name(),
                "stroke": (lines[0].color().name() if lines else
                           sym.symbolLayer(0).strokeColor().name()),
                "dash": lines[0].customDashVector() if lines else [],
            }
    if r.type() == "graduatedSymbol":
        info["ranges"] = [[g.lowerValue(), g.upperValue(), g.label(), g.symbol().color().name()]
                          for g in r.ranges()]
    return info


def tree(group):
    nodes = []
    for n in group.children():
        if isinstance(n, QgsLayerTreeGroup):
            nodes.append({"group": n.name(), "checked": n.itemVisibilityChecked(),
                          "expanded": n.isExpanded(), "children": tree(n)})
        else:
            lyr = n.layer()
            src = lyr.source() if lyr else ""
            nodes.append({"layer": n.name(), "checked": n.itemVisibilityChecked(),
                          "valid": bool(lyr and lyr.isValid()),
                          "table": src.split("layername=")[-1] if "layername=" in src
                          else src.rsplit(":", 1)[-1],
                          "style": renderer(lyr) if lyr else None})
    return nodes


def project_of(gpkg):
    # the oracle: the output's own project, read by QGIS into a project of its own
    import sqlite3
    name = sqlite3.connect(gpkg).execute("SELECT name FROM qgis_projects").fetchone()[0]
    p = QgsProject()
    ok = p.read(f"geopackage:{gpkg}?projectName={name}")
    return p, ok


# 1. Delineate -> Profile: the boundary GeoPackage (one layer and its layer_styles) is the
#    next step's input, with no layer field
boundary = os.path.join(work, "boundary.gpkg")
out["delineate"] = run("landprofile:delineate_custom",
                       {"INPUT": window, "NAME": "Tarkwa chained", "OUTPUT": boundary})
out["profile"] = run("landprofile:profile",
                     {"BOUNDARY": boundary, "OUTPUT": os.path.join(work, "profile.json")})
out["profile_file"] = run("landprofile:profile",
                          {"BOUNDARY": window, "OUTPUT": os.path.join(work, "profile_w.json")})
# the boundary as a loaded layer (what the dialog's layer list offers)
loaded = QgsVectorLayer(f"{boundary}|layername=boundary", "boundary", "ogr")
QgsProject.instance().addMapLayer(loaded)
out["zones_on_boundary"] = run("landprofile:zones", {
    "BOUNDARY": loaded, "N_ZONES": 2, "RESOLUTION_M": 200,
    "OUTPUT": os.path.join(work, "chained_zones.gpkg")})
out["card_on_boundary"] = run("landprofile:card", {
    "BOUNDARY": boundary, "N_ZONES": 2, "RESOLUTION_M": 200,
    "OUTPUT": os.path.join(work, "chained_card.html")})
QgsProject.instance().removeMapLayer(loaded.id())

# 2. Zones, loaded as the dialog loads them
zones = os.path.join(work, "zones.gpkg")
out["zones"] = run("landprofile:zones", {"CONFIG": demo, "N_ZONES": 5, "TIME_LIMIT_S": 60,
                                         "OUTPUT": zones}, load=True)
root = QgsProject.instance().layerTreeRoot()
out["loaded"] = [{"group": g.name(), "children": tree(g)} for g in root.children()
                 if isinstance(g, QgsLayerTreeGroup)]
p, ok = project_of(zones)
out["project_read"] = ok
out["project"] = tree(p.layerTreeRoot())
out["ellipsoid"] = p.ellipsoid()
out["area_units"] = QgsUnitTypes.encodeUnit(p.areaUnits())
zl = next(lyr for lyr in p.mapLayers().values() if lyr.source().endswith("layername=zones"))
ctx = QgsExpressionContext()
ctx.appendScopes(QgsExpressionContextUtils.globalProjectLayerScopes(zl))
# as QGIS's field calculator and identify tool evaluate $area: the project's ellipsoid
# (a QgsDistanceArea) and the project's area units
da = QgsDistanceArea()
da.setSourceCrs(zl.crs(), p.transformContext())
da.setEllipsoid(p.ellipsoid())
expr = QgsExpression("$area")
expr.setGeomCalculator(da)
expr.setAreaUnits(p.areaUnits())
planar = QgsExpression("$area")  # what a project without an ellipsoid measured
areas = []
for f in zl.getFeatures():
    ctx.setFeature(f)
    areas.append({"zone_id": f["zone_id"], "area_ha": f["area_ha"],
                  "expr": expr.evaluate(ctx), "planar_m2": planar.evaluate(ctx),
                  "da_m2": da.measureArea(f.geometry())})
out["areas"] = areas
out["zones_crs"] = zl.crs().authid()

# 3. a GeoJSON output is not offered: refused before the command runs
out["geojson"] = run("landprofile:zones", {"CONFIG": demo,
                                           "OUTPUT": os.path.join(work, "zones.geojson")})
out["geojson_left"] = os.path.exists(os.path.join(work, "zones.geojson"))

# 4. Run a landscape config: its zones.gpkg loaded the same way
QgsProject.instance().clear()
out["run"] = run("landprofile:run", {"CONFIG": demo, "LOAD": True,
                                     "OUTPUT": os.path.join(work, "run")}, load=True)
root = QgsProject.instance().layerTreeRoot()
out["run_loaded"] = [{"group": g.name(), "children": tree(g)} for g in root.children()
                     if isinstance(g, QgsLayerTreeGroup)]
p2, ok2 = project_of(os.path.join(work, "run", "zones.gpkg"))
out["run_project"] = tree(p2.layerTreeRoot())
emit(out)
"""


@pytest.fixture(scope="module")
def got(tmp_path_factory):
    """One headless QGIS session: the plugin installed, the four runs made."""
    from _qgis import require_qgis, run_in_qgis

    require_qgis()
    tmp = tmp_path_factory.mktemp("qgis_results")
    zip_path = write_plugin_zip(tmp / "dist")
    work = tmp / "work"
    work.mkdir()
    t0 = time.perf_counter()
    out = run_in_qgis(
        SCRIPT,
        args=[
            str(zip_path),
            str(LANDPROFILE),
            str(DEMO),
            str(DEMO.parent / "demo_window.geojson"),
            str(work),
        ],
        profile=tmp / "profile",
        timeout=400,
    )
    out["seconds"] = time.perf_counter() - t0
    out["work"] = str(work)
    return out


def _strip(nodes: list) -> list:
    """The tree as the planner sees it: names, groups, checked, renderer (not validity)."""
    out = []
    for n in nodes:
        if "group" in n:
            out.append(("group", n["group"], n["checked"], n["expanded"], _strip(n["children"])))
        else:
            out.append(("layer", n["layer"], n["table"], n["checked"], n["style"]))
    return out


def test_zones_loads_the_layers_as_the_embedded_project_has_them(got):
    assert got["zones"]["error"] is None, got["zones"]
    assert got["project_read"]
    [run] = got["loaded"]
    assert run["group"] == "zones"  # one group per output, named after the file

    # every layer valid
    def leaves(nodes):
        for n in nodes:
            yield from leaves(n["children"]) if "group" in n else [n]

    assert all(n["valid"] for n in leaves(run["children"]))
    # names (the card's), order, groups, which start hidden, renderers: the project's
    assert _strip(run["children"]) == _strip(got["project"])
    tables = [n["table"] for n in leaves(run["children"])]
    assert tables[0] == "zones"  # zones on top, the context at the bottom
    assert tables.index("boundary") < tables.index("land_cover")
    hidden = {n["table"] for n in leaves(run["children"]) if not n["checked"]}
    assert {"exclusions", "candidate_regions"} <= hidden
    assert "zones" not in hidden
    groups = [n for n in run["children"] if "group" in n]
    assert len(groups) == 1
    assert len(groups[0]["children"]) == 3  # the context group
    # the land cover paletted by its legend, not a plain 4-band image
    lc = next(n for n in leaves(run["children"]) if n["table"] == "land_cover")
    assert lc["style"]["type"] == "paletted"
    assert lc["style"]["classes"]
    zones = next(n for n in leaves(run["children"]) if n["table"] == "zones")
    assert zones["style"]["type"] == "graduatedSymbol"
    assert zones["style"]["labels"]


def test_run_loads_the_layers_as_the_embedded_project_has_them(got):
    assert got["run"]["error"] is None, got["run"]
    [run] = got["run_loaded"]
    assert run["group"] == "zones"
    assert _strip(run["children"]) == _strip(got["run_project"])


def test_every_field_has_its_own_alias(got):
    [run] = got["loaded"]

    def leaves(nodes):
        for n in nodes:
            yield from leaves(n["children"]) if "group" in n else [n]

    for n in leaves(run["children"]):
        if "aliases" in (n["style"] or {}):
            shown = [a.casefold() for a in n["style"]["aliases"]]
            assert len(shown) == len(set(shown)), (n["table"], n["style"]["aliases"])


def test_area_in_qgis_is_area_ha(got):
    """``$area`` with the project's ellipsoid and units is ``area_ha`` (<= 0.01 %),
    and both are the geodesic area on WGS 84 (pyproj.Geod, densified edges)."""
    import geopandas as gpd

    from landprofile.testing import geod_area_perimeter_dense

    assert got["ellipsoid"] == "EPSG:7030"
    assert got["area_units"] == "ha"
    areas = got["areas"]
    assert len(areas) == 5
    zones = gpd.read_file(Path(got["work"]) / "zones.gpkg", layer="zones")
    geod = {z: g for z, g in zip(zones["zone_id"], zones.to_crs(4326).geometry, strict=True)}
    ratios, planar_off = [], []
    for a in areas:
        planar_off.append(abs(a["planar_m2"] / 1e4 / a["area_ha"] - 1))
        assert a["expr"] == pytest.approx(a["area_ha"], rel=1e-4), a
        assert a["da_m2"] / 1e4 == pytest.approx(a["area_ha"], rel=1e-4), a
        oracle_m2, _ = geod_area_perimeter_dense(geod[a["zone_id"]])
        assert a["expr"] == pytest.approx(oracle_m2 / 1e4, rel=1e-4), a
        ratios.append(abs(a["expr"] / a["area_ha"] - 1))
    # the check can fail: without an ellipsoid QGIS measured 1.2 % more (issue 35)
    assert max(planar_off) > 1e-3
    print(f"max |$area/area_ha - 1| = {max(ratios):.2e}; planar: {max(planar_off):.2%}")


def test_each_exclusion_rule_has_its_own_symbol_from_the_card_styles(got):
    from landprofile.maps.styles import exclusion_styles

    [run] = got["loaded"]

    def leaves(nodes):
        for n in nodes:
            yield from leaves(n["children"]) if "group" in n else [n]

    excl = next(n for n in leaves(run["children"]) if n["table"] == "exclusions")
    cats = excl["style"]["categories"]
    assert len(cats) >= 5
    expected = exclusion_styles(list(cats))
    seen = set()
    for rule, c in cats.items():
        st = expected[rule]
        assert c["fill"] == st["fillColor"]
        assert c["stroke"] == st["color"]
        seen.add((c["fill"], c["stroke"], tuple(c["dash"])))
    assert len(seen) == len(cats)  # no two rules alike


def test_every_algorithm_reaches_100_percent(got):
    for key in ("delineate", "profile_file", "zones", "run"):
        run = got[key]
        assert run["error"] is None, (key, run["error"])
        assert 100.0 in run["progress"], (key, run["progress"][-5:])
        # up to the end of the command the bar never goes back
        done = run["progress"][: run["progress"].index(100.0) + 1]
        assert done == sorted(done), key


def test_delineate_then_profile_chains_through_the_geopackage(got):
    for key in ("profile", "zones_on_boundary", "card_on_boundary"):
        assert got[key]["error"] is None, (key, got[key]["error"])
        assert 100.0 in got[key]["progress"], key
    prof = json.loads(Path(got["profile"]["result"]["OUTPUT"]).read_text())
    assert prof["landscape"]["name"] == "Tarkwa chained"
    assert got["zones_on_boundary"]["error"] is None
    assert got["card_on_boundary"]["error"] is None
    assert Path(got["card_on_boundary"]["result"]["OUTPUT"]).is_file()


def test_a_geojson_output_is_not_offered(got):
    err = got["geojson"]["error"]
    assert err is not None
    assert "zones.geojson" in err
    assert ".gpkg" in err
    assert not got["geojson_left"]
