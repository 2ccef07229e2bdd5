"""The QGIS Processing plugin (issue 27 item 3): its zip, the CLI's progress stream, and
the plugin installed and run in real QGIS (Debian python3-qgis, headless)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import io
import json
import os
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import landprofile
from landprofile.cli import cli
from landprofile.i18n import strings
from landprofile.qgis.plugin import PACKAGE, plugin_zip_bytes, plugin_zip_name, write_plugin_zip

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "sample_boundaries" / "demo.toml"
SOURCE = ROOT / "src" / "landprofile" / "data" / "qgis_plugin" / PACKAGE
LANDPROFILE = Path(sys.executable).with_name("landprofile")


def _module(name: str):
    """A module of the plugin that imports no QGIS (runner, config), loaded on its own."""
    spec = importlib.util.spec_from_file_location(f"_lp_plugin_{name}", SOURCE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _literal(module: str, name: str):
    """A constant at the top of a plugin module (read without importing QGIS).

    Literals, and names of earlier literals of the same module, are evaluated in order.
    """
    tree = ast.parse((SOURCE / f"{module}.py").read_text())
    known: dict = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
            continue
        code = compile(ast.Expression(node.value), module, "eval")
        try:
            known[node.targets[0].id] = eval(code, {"__builtins__": {}}, known)
        except Exception:  # not a constant (a function call, a qgis name)
            continue
    return known[name]


def _cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "LANDPROFILE_PROGRESS": "jsonl", **extra}


# ----------------------------------------------------------------------------- the zip


def test_zip_layout_metadata_licence_icon(tmp_path):
    done = CliRunner().invoke(cli, ["qgis", "plugin", "--out", str(tmp_path / "dist")])
    assert done.exit_code == 0, done.output
    path = tmp_path / "dist" / plugin_zip_name()
    assert f"wrote {path}" in done.output
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        # "Install from ZIP" takes the folder of the shortest metadata.txt: one top folder
        assert {n.split("/", 1)[0] for n in names} == {PACKAGE}
        for needed in ("__init__.py", "metadata.txt", "LICENSE", "icon.svg", "provider.py"):
            assert f"{PACKAGE}/{needed}" in names
        assert f"{PACKAGE}/metadata.txt.j2" not in names  # rendered, not shipped
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        meta = zf.read(f"{PACKAGE}/metadata.txt").decode("utf-8")
        licence = zf.read(f"{PACKAGE}/LICENSE")
        icon = zf.read(f"{PACKAGE}/icon.svg")
        sources = {n: zf.read(n).decode("utf-8") for n in names if n.endswith(".py")}
    cp = configparser.ConfigParser()
    cp.read_string(meta)
    general = cp["general"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert general["version"] == landprofile.__version__ == pyproject["version"]
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["name"] == "landprofile"
    assert general["license"] == pyproject["license"] == "MIT"
    assert general["author"] == pyproject["authors"][0]["name"]
    for key in ("description", "about", "tags", "category"):
        assert len(general[key]) > 10 or key == "category", key
    assert general["experimental"] == "True"
    assert general["hasProcessingProvider"] == "yes"
    assert f"{PACKAGE}/{general['icon']}" in names
    assert "/tmp" not in meta
    assert str(ROOT) not in meta
    # the project's licence, word for word
    assert licence == (ROOT / "LICENSE").read_bytes()
    svg = ET.fromstring(icon)
    assert svg.tag.endswith("svg")
    assert svg.get("viewBox") == "0 0 64 64"
    # the plugin runs in QGIS's Python: it imports nothing of landprofile, and parses
    # as Python 3.9 (QGIS 3.22 on Windows ships 3.9)
    for name, text in sources.items():
        tree = ast.parse(text, filename=name, feature_version=(3, 9))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module or ""]
            assert not [m for m in mods if m.split(".")[0] == "landprofile"], name


def test_zip_bytes_are_deterministic(tmp_path):
    first = write_plugin_zip(tmp_path / "a").read_bytes()
    time.sleep(1.1)  # a zip stamped with the clock would differ now
    second = write_plugin_zip(tmp_path / "b").read_bytes()
    assert first == second == plugin_zip_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    # another version is other bytes (the version is stamped, not left to chance)
    assert plugin_zip_bytes("9.9.9") != first


def test_zip_holds_every_source_file_found_by_importlib_resources():
    # the oracle: the plugin's folder on disk; the zip reads it through importlib.resources
    on_disk = {
        f"{PACKAGE}/{p.relative_to(SOURCE).as_posix()}".replace("metadata.txt.j2", "metadata.txt")
        for p in SOURCE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    with zipfile.ZipFile(io.BytesIO(plugin_zip_bytes())) as zf:
        assert set(zf.namelist()) == on_disk


def test_metadata_urls_and_email_come_from_the_package_metadata(monkeypatch):
    from email.message import Message

    import landprofile.qgis.plugin as plugin_mod

    md = Message()
    md["Name"] = "landprofile"
    md["Author-email"] = "Team <team@example.org>"
    md["License-Expression"] = "MIT"
    md["Project-URL"] = "Homepage, https://example.org/lp"
    md["Project-URL"] = "Issues, https://example.org/lp/issues"
    md["Project-URL"] = "Repository, https://example.org/lp.git"
    monkeypatch.setattr(plugin_mod.importlib.metadata, "metadata", lambda name: md)
    with zipfile.ZipFile(io.BytesIO(plugin_zip_bytes())) as zf:
        meta = zf.read(f"{PACKAGE}/metadata.txt").decode()
    cp = configparser.ConfigParser()
    cp.read_string(meta)
    g = cp["general"]
    assert (g["author"], g["email"]) == ("Team", "team@example.org")
    assert g["homepage"] == "https://example.org/lp"
    assert g["tracker"] == "https://example.org/lp/issues"
    assert g["repository"] == "https://example.org/lp.git"


def test_plugin_command_refusals(tmp_path):
    runner = CliRunner()
    a_file = tmp_path / "not_a_folder"
    a_file.write_text("mine")
    done = runner.invoke(cli, ["qgis", "plugin", "--out", str(a_file)])
    assert done.exit_code == 2
    assert "not_a_folder" in done.output
    assert a_file.read_text() == "mine"
    # a file of the zip's name that is not our plugin zip is never overwritten
    out = tmp_path / "dist"
    out.mkdir()
    foreign = out / plugin_zip_name()
    foreign.write_bytes(b"someone's notes")
    done = runner.invoke(cli, ["qgis", "plugin", "--out", str(out)])
    assert done.exit_code == 2
    assert "not a landprofile plugin zip" in done.output
    assert plugin_zip_name() in done.output
    assert foreign.read_bytes() == b"someone's notes"
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("their_plugin/metadata.txt", "[general]\nname=theirs\n")
    foreign.write_bytes(other_zip.getvalue())
    assert runner.invoke(cli, ["qgis", "plugin", "--out", str(out)]).exit_code == 2
    assert foreign.read_bytes() == other_zip.getvalue()
    # our own plugin zip (an older build) is replaced, and nothing else is left beside it
    foreign.write_bytes(plugin_zip_bytes("0.0.1"))
    from landprofile._owned import record

    record(foreign)  # as that build's write recorded it (issue 36: metadata proves nothing)
    done = runner.invoke(cli, ["qgis", "plugin", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert foreign.read_bytes() == plugin_zip_bytes()
    assert sorted(p.name for p in out.iterdir()) == [plugin_zip_name()]
    # a folder of the zip's name
    (tmp_path / "d2" / plugin_zip_name()).mkdir(parents=True)
    done = runner.invoke(cli, ["qgis", "plugin", "--out", str(tmp_path / "d2")])
    assert done.exit_code == 2
    assert "folder" in done.output


def test_plugin_stays_in_step_with_the_library():
    from landprofile.config import _LAYERS, _RASTERS, _SELECT
    from landprofile.legend import BUILTIN_LEGENDS
    from landprofile.zoning.locate_options import EVALUATIONS, METHODS, OPTIONS

    assert sorted(_literal("params", "LEGENDS")) == sorted(BUILTIN_LEGENDS)
    assert {k for _, k, _ in _literal("params", "LAYERS")} == _LAYERS
    rasters = {k for _, k, _ in _literal("params", "RASTERS")}
    assert rasters == _RASTERS - {"legend", "population_kind"}
    # every locate option is offered (zone size as two numbers, lock-in as a layer)
    offered = {row[1] for row in _literal("params", "SELECT_NUMBERS") if row[1]}
    offered |= {row[1] for row in _literal("params", "SELECT_CHOICES")}
    assert offered | {"zone_area_ha", "lock_in"} == set(OPTIONS) <= _SELECT
    assert tuple(_literal("params", "METHODS")) == METHODS
    assert tuple(_literal("params", "EVALUATIONS")) == EVALUATIONS
    # the options passed beside a config are ones `landprofile zones` takes
    zones_opts = {o for p in cli.commands["zones"].params for o in p.opts}
    cli_select = _literal("params", "CLI_SELECT")
    assert set(cli_select) == set(OPTIONS)
    assert set(cli_select.values()) <= zones_opts


# --------------------------------------------------------------- the temporary config


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'quo"te',
        "back\\slash",
        "C:\\Users\\Ama\\zones.gpkg",
        "new\nline\ttab",
        "del\x7fnul\x00bell\x07",
        "accents éàü – 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🌍",
        "'''",
        '"""',
        "[x] = 1",
    ],
)
def test_config_values_survive_toml(text):
    config = _module("config")
    sections = {
        "boundary": {"method": "custom", "source": text},
        "select": {"n_zones": 3, "zone_area_ha": [50.0, 1000.5], "enabled": True, "skip": None},
        "empty": {},
    }
    rendered = config.render_config("zones", {"name": text, "language": "en"}, sections)
    data = tomllib.loads(rendered)  # the oracle: Python's own TOML reader
    assert data == {
        "name": text,
        "language": "en",
        "boundary": {"method": "custom", "source": text},
        "select": {"n_zones": 3, "zone_area_ha": [50.0, 1000.5], "enabled": True},
    }
    with pytest.raises(ValueError, match="finite"):
        config.toml_value(float("nan"))


def test_config_with_odd_paths_is_read_by_landprofile(tmp_path):
    from landprofile.config import load_config

    config = _module("config")
    odd = tmp_path / 'a "quoted" \\ folder é'
    odd.mkdir()
    boundary = odd / "demo window.geojson"
    boundary.write_bytes((DEMO.parent / "demo_window.geojson").read_bytes())
    path = config.write_config(
        str(tmp_path / "c.toml"),
        "boundary",
        {"name": 'Pra "north"'},
        {"boundary": {"method": "custom", "source": str(boundary), "buffer_m": 0.0}},
    )
    cfg = load_config(path)
    assert cfg.name == 'Pra "north"'
    assert cfg.section("boundary")["source"] == boundary


# ----------------------------------------------------------------- the progress stream


def test_jsonl_progress_stream_of_a_real_run(tmp_path):
    out = tmp_path / "profile.json"
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(LANDPROFILE), "profile", str(DEMO), "--out", str(out)],
        capture_output=True,
        text=True,
        env=_cli_env(),
        timeout=120,
    )
    wall = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    events = [json.loads(ln) for ln in lines]  # every stderr line is one JSON object
    kinds = {e["event"] for e in events}
    assert {"start", "end", "warning"} <= kinds <= {"start", "end", "warning", "count"}
    open_steps: list[str] = []
    for e in events:
        if e["event"] == "start":
            open_steps.append(e["step"])
        elif e["event"] == "end":
            assert open_steps
            assert open_steps[-1] == e["step"]
            open_steps.pop()
            assert 0 <= e["seconds"] <= wall
    assert not open_steps
    steps = [e["step"] for e in events if e["event"] == "start"]
    assert "land cover" in steps
    assert "population" in steps
    # the demo's coarse land cover is warned about as an event, not as a text line
    assert any("5.5 km" in e["message"] for e in events if e["event"] == "warning")
    assert json.loads(out.read_text())["landscape"]["area_ha"] > 0


def test_sigint_leaves_no_output_and_the_runner_reports_it(tmp_path):
    runner = _module("runner")
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    class Feedback:
        def __init__(self):
            self.texts, self.progress, self.cancelled_at = [], [], None

        def pushInfo(self, text):  # noqa: N802 -- QgsProcessingFeedback's names
            pass

        def pushWarning(self, text):  # noqa: N802
            pass

        def setProgressText(self, text):  # noqa: N802
            self.texts.append(text)

        def setProgress(self, p):  # noqa: N802
            self.progress.append(p)

        def isCanceled(self):  # noqa: N802
            # cancel once the zoning is under way (its factors take a second or two)
            if self.cancelled_at is None and "factors" in self.texts:
                self.cancelled_at = time.monotonic()
            return self.cancelled_at is not None

    fb = Feedback()
    cmd = [str(LANDPROFILE), "zones", str(DEMO), "--out", str(out_dir / "z.gpkg")]
    with pytest.raises(runner.CancelledError) as err:
        runner.run(cmd, fb, plan=runner.PLANS["zones"], grace_s=20)
    stopped = time.monotonic() - fb.cancelled_at
    # the CLI's own words: it stopped on SIGINT, not killed after the grace period
    assert "no output was written or changed" in str(err.value)
    assert stopped < 10
    assert list(out_dir.iterdir()) == []  # neither z.gpkg nor a temporary file
    assert fb.progress == sorted(fb.progress)
    assert 0 < fb.progress[-1] < 100


def test_runner_kills_a_child_that_ignores_sigint_and_names_errors(tmp_path):
    runner = _module("runner")

    class Feedback:
        def __init__(self, cancel):
            self.cancel, self.infos = cancel, []

        def pushInfo(self, text):  # noqa: N802
            self.infos.append(text)

        def pushWarning(self, text):  # noqa: N802
            pass

        def setProgressText(self, text):  # noqa: N802
            # the child said its first step: it ignores SIGINT by now
            self.started = True

        def setProgress(self, p):  # noqa: N802
            pass

        def isCanceled(self):  # noqa: N802
            return self.cancel and getattr(self, "started", False)

    stubborn = (
        "import signal, sys, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        'print(\'{"event": "start", "step": "x"}\', file=sys.stderr, flush=True); '
        "time.sleep(60)"
    )
    t0 = time.monotonic()
    with pytest.raises(runner.CancelledError, match=r"did not stop within 0\.5 s"):
        runner.run([sys.executable, "-c", stubborn], Feedback(True), grace_s=0.5)
    assert time.monotonic() - t0 < 10
    # a bad input: the message is the CLI's own "error:" line (the oracle: the CLI run alone)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\n[boundary]\nmethod = "custom"\nsource = "x.gpkg"\n[select]\nn_zones = 0\n'
    )
    cmd = [str(LANDPROFILE), "zones", str(bad), "--out", str(tmp_path / "z.gpkg")]
    alone = subprocess.run(cmd, capture_output=True, text=True, env=_cli_env(), timeout=60)
    assert alone.returncode == 2
    said = [ln[len("error: ") :] for ln in alone.stderr.splitlines() if ln.startswith("error: ")]
    assert len(said) == 1
    with pytest.raises(runner.CommandError) as err:
        runner.run(cmd, Feedback(False))
    assert str(err.value) == said[0]
    assert "Traceback" not in str(err.value)


def test_step_progress_follows_the_plan():
    runner = _module("runner")
    prog = runner.StepProgress(runner.PLANS["zones"])
    seen = [
        prog.update({"event": e, "step": s})
        for s, _ in runner.PLANS["zones"]
        for e in ("start", "end")
    ]
    values = [v for v in seen if v is not None]
    assert values == sorted(values)
    assert values[-1] == 100
    assert prog.update({"event": "start", "step": "grid and layers"}) is None  # never back
    free = runner.StepProgress()
    ends = [free.update({"event": "end", "step": f"s{i}"}) for i in range(30)]
    assert ends == sorted(ends)
    assert ends[-1] < 95


# ------------------------------------------------------------------------ real QGIS

QGIS_SCRIPT = r"""
import time
sys.path.insert(0, "/usr/share/qgis/python")  # pyplugin_installer: Install from ZIP's code
from qgis.core import (QgsFeature, QgsFeatureRequest, QgsGeometry, QgsProcessingException,
                       QgsProcessingFeedback, QgsProject, QgsRasterLayer, QgsVectorLayer)
from qgis.PyQt.QtGui import QColor
from processing.core.Processing import Processing
Processing.initialize()
import processing
import qgis.utils
from pyplugin_installer.unzip import unzip

zip_path, command, demo, window, land_cover, bad_config, work = sys.argv[1:8]
out = {}
plugins = os.path.join(QgsApplication.qgisSettingsDirPath(), "python", "plugins")
out["fresh"] = not os.path.exists(plugins)
unzip(zip_path, plugins)  # what Plugins > Install from ZIP does with the file
sys.path.insert(0, plugins)
qgis.utils.plugin_paths.insert(0, plugins)
qgis.utils.updateAvailablePlugins()
out["available"] = qgis.utils.available_plugins
out["loaded"] = qgis.utils.loadPlugin("landprofile_processing")
out["started"] = qgis.utils.startPlugin("landprofile_processing")
out["version"] = qgis.utils.pluginMetadata("landprofile_processing", "version")
out["plugin_file"] = sys.modules["landprofile_processing"].__file__
registry = QgsApplication.processingRegistry()
provider = registry.providerById("landprofile")
out["provider"] = provider.longName() if provider else None
out["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else []
zones_alg = registry.algorithmById("landprofile:zones")
out["zones_params"] = [p.name() for p in zones_alg.parameterDefinitions()]
from processing.core.ProcessingConfig import ProcessingConfig
ProcessingConfig.setSettingValue("LANDPROFILE_COMMAND", command)
from landprofile_processing import runner
out["plan"] = [s for s, _ in runner.PLANS["zones"]]


class Feedback(QgsProcessingFeedback):
    def __init__(self, cancel_at=None):
        super().__init__()
        self.texts, self.infos, self.warnings, self.progress = [], [], [], []
        self.cancel_at, self.cancelled = cancel_at, None
        self.progressChanged.connect(self.progress.append)

    def setProgressText(self, text):
        self.texts.append(text)
        if text == self.cancel_at and self.cancelled is None:
            self.cancelled = time.monotonic()
            self.cancel()

    def pushInfo(self, text):
        self.infos.append(text)

    def pushWarning(self, text):
        self.warnings.append(text)

    def pushCommandInfo(self, text):
        self.infos.append(text)


# 1. zones on the demo config, loaded into the project as the dialog does
fb = Feedback()
t0 = time.monotonic()
res = processing.runAndLoadResults(
    "landprofile:zones",
    # options beside a config: the dialog's and the advanced ones (zone size, time limit)
    {"CONFIG": demo, "N_ZONES": 5, "ZONE_AREA_MIN_HA": 100, "ZONE_AREA_MAX_HA": 300,
     "TIME_LIMIT_S": 60, "OUTPUT": os.path.join(work, "zones.gpkg")},
    feedback=fb,
)
out["zones_seconds"] = time.monotonic() - t0
out["zones_result"] = res["OUTPUT"]
out["zones_progress"] = fb.progress
out["zones_texts"] = fb.texts
out["zones_infos"] = fb.infos
layers = {}
for layer in QgsProject.instance().mapLayers().values():
    # keyed by table (the layers are named as the output's project names them)
    src = layer.source()
    table = src.split("layername=")[-1] if "layername=" in src else src.rsplit(":", 1)[-1]
    layers[table] = {
        "valid": layer.isValid(),
        "kind": "vector" if isinstance(layer, QgsVectorLayer) else "raster",
        "features": layer.featureCount() if isinstance(layer, QgsVectorLayer) else None,
        "renderer": layer.renderer().type() if layer.renderer() else None,
    }
out["layers"] = layers
zl = next(lyr for lyr in QgsProject.instance().mapLayers().values()
          if lyr.source().endswith("layername=zones"))
out["zones_name"] = zl.name()
r = zl.renderer()
out["zones_renderer"] = {
    "type": r.type(),
    "attr": r.classAttribute() if hasattr(r, "classAttribute") else None,
    "ranges": [
        [g.lowerValue(), g.upperValue(), g.label(), g.symbol().color().name(QColor.HexArgb)]
        for g in (r.ranges() if hasattr(r, "ranges") else [])
    ],
}
out["zones_labelled"] = zl.labelsEnabled()
root = QgsProject.instance().layerTreeRoot()
out["tree"] = [[n.name(), [c.name() for c in n.children()]] for n in root.children()]
out["top_layer"] = root.children()[0].children()[0].layer().source()

# 2. the library's own message for a bad input
def failure(alg, params):
    try:
        processing.run(alg, params, feedback=Feedback())
    except QgsProcessingException as exc:
        return str(exc)
    return None

out["bad_config"] = failure(
    "landprofile:zones", {"CONFIG": bad_config, "OUTPUT": os.path.join(work, "bad.gpkg")}
)
points = QgsVectorLayer("Point?crs=EPSG:4326", "my points", "memory")
feature = QgsFeature()
feature.setGeometry(QgsGeometry.fromWkt("POINT (-2 5.3)"))
points.dataProvider().addFeatures([feature])
out["bad_layer"] = failure(
    "landprofile:profile", {"BOUNDARY": points, "OUTPUT": os.path.join(work, "bad.json")}
)

# 3. a profile from QGIS layers that are not files (a memory copy of the demo window)
src = QgsVectorLayer(window, "w", "ogr")
memory = src.materialize(QgsFeatureRequest())
memory.setName("Tarkwa window")
lc = QgsRasterLayer(land_cover, "land cover", "gdal")
QgsProject.instance().addMapLayers([memory, lc])
profile_out = os.path.join(work, "profile.json")
processing.run("landprofile:profile", {
    "BOUNDARY": memory, "LAND_COVER": lc, "LEGEND": 4, "LANGUAGE": 1, "OUTPUT": profile_out,
}, feedback=Feedback())
out["profile"] = profile_out

# 4. cancel while the zoning runs: the child gets SIGINT and leaves nothing
cancel_dir = os.path.join(work, "cancelled")
os.makedirs(cancel_dir)
fb = Feedback(cancel_at="factors")
out["cancel_message"] = None
try:
    processing.run("landprofile:zones",
                   {"CONFIG": demo, "OUTPUT": os.path.join(cancel_dir, "z.gpkg")}, feedback=fb)
except QgsProcessingException as exc:
    out["cancel_message"] = str(exc)
out["cancel_stop_s"] = time.monotonic() - fb.cancelled if fb.cancelled else None
out["cancel_left"] = os.listdir(cancel_dir)
emit(out)
"""


@pytest.fixture(scope="module")
def in_qgis(tmp_path_factory):
    """One headless QGIS with a fresh profile: install the zip, run the algorithms."""
    from _qgis import require_qgis, run_in_qgis

    require_qgis()
    tmp = tmp_path_factory.mktemp("qgis_plugin")
    zip_path = write_plugin_zip(tmp / "dist")
    bad = tmp / "bad.toml"
    bad.write_text(
        f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "{DEMO.parent.as_posix()}'
        '/demo_window.geojson"\n[select]\nn_zones = 0\n'
    )
    work = tmp / "work"
    work.mkdir()
    profile = tmp / "profile"  # a fresh QGIS profile: no plugin, no settings
    t0 = time.perf_counter()
    got = run_in_qgis(
        QGIS_SCRIPT,
        args=[
            str(zip_path),
            str(LANDPROFILE),
            str(DEMO),
            str(DEMO.parent / "demo_window.geojson"),
            str(DEMO.parent / "modis_igbp_2019_sw_ghana.tif"),
            str(bad),
            str(work),
        ],
        profile=profile,
        timeout=240,
    )
    got["seconds"] = time.perf_counter() - t0
    return {"got": got, "tmp": tmp, "bad": bad, "work": work}


def test_qgis_installs_the_zip_into_a_fresh_profile_and_lists_the_algorithms(in_qgis):
    got = in_qgis["got"]
    assert got["fresh"]
    assert "landprofile_processing" in got["available"]
    assert got["loaded"]
    assert got["started"]
    assert got["version"] == landprofile.__version__
    # the installed copy runs, not the package data of this checkout
    assert got["plugin_file"].startswith(str(in_qgis["tmp"] / "profile"))
    assert got["provider"] == "landprofile: landscape profiles and ASM zoning"
    assert got["algorithms"] == sorted(
        f"landprofile:{a}"
        for a in (
            "delineate_admin",
            "delineate_custom",
            "delineate_basins",
            "delineate_dem",
            "profile",
            "zones",
            "card",
            "run",
        )
    )
    for option in (
        "N_ZONES",
        "TOTAL_AREA_HA",
        "ZONE_AREA_MIN_HA",
        "ZONE_AREA_MAX_HA",
        "METHOD",
        "TIME_LIMIT_S",
        "MIN_SPACING_M",
        "ALL_SUITABLE",
        "CONFIG",
        "OUTPUT",
    ):
        assert option in got["zones_params"]
    assert got["seconds"] < 90


def _qml_ranges(qml: str) -> tuple[str, list]:
    """The graduated renderer a QML defines: type and [lower, upper, label, #aarrggbb]."""
    root = ET.fromstring(qml.split("\n", 1)[1] if qml.startswith("<!DOCTYPE") else qml)
    renderer = root.find("renderer-v2")
    colours = {}
    for symbol in renderer.find("symbols"):
        layer = symbol.find("layer")
        value = next(
            (o.get("value") for o in layer.iter("Option") if o.get("name") == "color"),
            None,
        ) or next(p.get("v") for p in layer.iter("prop") if p.get("k") == "color")
        r, g, b, a = (int(v) for v in value.split(",")[:4])
        colours[symbol.get("name")] = f"#{a:02x}{r:02x}{g:02x}{b:02x}"
    ranges = [
        [float(x.get("lower")), float(x.get("upper")), x.get("label"), colours[x.get("symbol")]]
        for x in renderer.find("ranges")
    ]
    return renderer.get("type"), ranges


def test_qgis_zones_algorithm_on_the_demo_loads_valid_styled_layers(in_qgis):
    import sqlite3

    import pyogrio

    got = in_qgis["got"]
    gpkg = Path(got["zones_result"])
    assert gpkg == in_qgis["work"] / "zones.gpkg"
    # the oracle of what was written: the file itself, read by GDAL in this venv
    on_file = {name for name, geom in pyogrio.list_layers(gpkg) if geom}
    vectors = {n for n, v in got["layers"].items() if v["kind"] == "vector"}
    assert vectors == on_file
    assert all(v["valid"] for v in got["layers"].values()), got["layers"]
    assert got["layers"]["zones"]["features"] == 5  # N_ZONES reached the command
    assert pyogrio.read_info(gpkg, layer="zones")["features"] == 5
    # the zone size reached the command too: the demo's own [select] grows far larger zones
    areas = pyogrio.read_dataframe(gpkg, layer="zones", read_geometry=False)["area_ha"]
    assert areas.max() <= 300 * 1.001
    for name in vectors:
        assert got["layers"][name]["features"] == pyogrio.read_info(gpkg, layer=name)["features"]
    # one group, the output's project's order: zones on top, under the card's name
    [(group, members)] = got["tree"]
    assert group == "zones"
    assert got["top_layer"].endswith("layername=zones")
    assert members[0] == got["zones_name"] == strings("fr")["zones"]
    # styled: the zones renderer is the GeoPackage's default style (layer_styles), the
    # card's score classes and colours, and it is labelled
    with sqlite3.connect(gpkg) as db:
        rows = db.execute(
            "SELECT styleQML FROM layer_styles WHERE f_table_name = 'zones' AND useAsDefault"
        ).fetchall()
    assert len(rows) == 1, "the zones layer's default style is not in layer_styles"
    kind, ranges = _qml_ranges(rows[0][0])
    assert kind == "graduatedSymbol"
    assert got["zones_renderer"]["type"] == kind
    assert got["zones_renderer"]["ranges"] == ranges
    assert got["zones_labelled"]
    # progress passed through: the plan's steps, in order, up to 100
    prog = [p for p in got["zones_progress"]]
    steps = [t for t in got["zones_texts"] if t in got["plan"]]
    assert steps == got["plan"]  # every step the command reported is in the plan, in order
    run_part = prog[: prog.index(100.0) + 1]
    assert run_part == sorted(run_part)
    assert any(f"{LANDPROFILE} zones" in i for i in got["zones_infos"])
    assert any(i.startswith("5 zones") for i in got["zones_infos"])


def test_qgis_bad_inputs_show_the_library_message(in_qgis, tmp_path):
    got = in_qgis["got"]
    # the oracle: the command run alone on the same config
    alone = subprocess.run(
        [str(LANDPROFILE), "zones", str(in_qgis["bad"]), "--out", str(tmp_path / "z.gpkg")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = [ln[len("error: ") :] for ln in alone.stderr.splitlines() if ln.startswith("error: ")]
    assert got["bad_config"] == said[0]
    assert "n_zones = 0" in got["bad_config"]
    # a memory layer of points as the boundary: copied under its own name, refused by name
    assert "my_points.gpkg" in got["bad_layer"]
    assert "Point" in got["bad_layer"]
    assert "Polygon" in got["bad_layer"]
    assert "Traceback" not in got["bad_layer"] + got["bad_config"]


def test_qgis_profile_from_layers_that_are_not_files(in_qgis):
    import geopandas as gpd

    from landprofile.testing import geod_area_perimeter_dense

    prof = json.loads(Path(in_qgis["got"]["profile"]).read_text())
    assert prof["landscape"]["name"] == "Tarkwa window"
    window = gpd.read_file(DEMO.parent / "demo_window.geojson").to_crs(4326)
    area_m2, _ = geod_area_perimeter_dense(window.geometry.union_all())
    assert prof["landscape"]["area_ha"] == pytest.approx(area_m2 / 1e4, rel=1e-4)
    assert prof["land_cover"]  # the raster layer and the built-in legend reached it


def test_qgis_cancel_stops_the_child_and_leaves_nothing(in_qgis):
    got = in_qgis["got"]
    assert got["cancel_message"] == "landprofile was cancelled: no output was written or changed"
    assert got["cancel_stop_s"] < 5  # SIGINT, not the kill after the 10 s grace period
    assert got["cancel_left"] == []


def test_runner_ends_at_100_for_a_command_without_a_plan(tmp_path):
    """Profile and Delineate have no plan: their bar moved towards 95 % and stopped
    at 64 % (issue 35); a successful run now ends full, a failed one does not."""
    runner = _module("runner")

    class Fb:
        def __init__(self):
            self.progress = []

        def setProgress(self, p):  # noqa: N802
            self.progress.append(p)

        def setProgressText(self, t):  # noqa: N802
            pass

        def pushInfo(self, t):  # noqa: N802
            pass

        def isCanceled(self):  # noqa: N802
            return False

    events = "".join(
        f'sys.stderr.write(json.dumps({{"event": "end", "step": "s{i}", "seconds": 0}}) + "\\n");'
        for i in range(5)
    )
    ok, bad = Fb(), Fb()
    runner.run([sys.executable, "-c", f"import json, sys; {events}"], ok)
    assert ok.progress[-2] < 95
    assert ok.progress[-1] == 100.0
    with pytest.raises(runner.CommandError):
        runner.run([sys.executable, "-c", f"import json, sys; {events} sys.exit(3)"], bad)
    assert bad.progress
    assert 100.0 not in bad.progress


def test_embedded_project_entries_read_without_qgis(tmp_path):
    """The plugin's reader of the stored project: the project's tree, top first."""
    import sqlite3

    embedded = _module("embedded")

    gpkg = tmp_path / "zones.gpkg"
    done = CliRunner().invoke(cli, ["zones", str(DEMO), "--out", str(gpkg), "--n-zones", "2"])
    assert done.exit_code == 0, done.output
    name, entries = embedded.project_entries(str(gpkg))
    (stored,) = sqlite3.connect(gpkg).execute("SELECT name FROM qgis_projects").fetchone()
    assert name == stored
    assert entries[0].table == "zones"
    tables = [e.table for e in entries]
    assert "land_cover" in tables
    assert next(e for e in entries if e.table == "land_cover").raster
    assert not next(e for e in entries if e.table == "exclusions").visible
    assert {e.group for e in entries if e.table.startswith("context_")} == {
        strings("fr")["context"]
    }
    for e in entries:
        root = ET.fromstring(e.style.split("\n", 1)[1])
        assert root.tag == "qgis"
    # a GeoPackage without a project: its layer_styles
    assert embedded.project_entries(str(tmp_path / "none.gpkg")) is None
