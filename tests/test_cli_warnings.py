"""The CLI shows landprofile's warnings once each on stderr; --quiet hides them."""

from __future__ import annotations

import io
import threading
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

import landprofile.errors as errors
import landprofile.pipeline as pipeline
from landprofile.cli import cli

#: Every warning class landprofile has: a new one is covered without editing this file.
WARNING_CLASSES = [
    getattr(errors, n)
    for n in errors.__all__
    if isinstance(getattr(errors, n), type) and issubclass(getattr(errors, n), Warning)
]

#: A 12 km square in UTM 30N: 14,400 ha, inside the landscape-scale guidance.
X0, Y0, SIDE = 600_000.0, 600_000.0, 12_000.0


def _square(side: float = SIDE) -> shapely.Polygon:
    return shapely.box(X0, Y0, X0 + side, Y0 + side)


def _config(tmp_path, source: str, extra: str = "", encoding: str = "utf-8"):
    cfg = tmp_path / "ls.toml"
    cfg.write_text(
        f'name = "Square"\n{extra}[boundary]\nmethod = "custom"\nsource = "{source}"\n',
        encoding=encoding,
    )
    return cfg


def _boundary_config(tmp_path, geom=None, **kw):
    gpd.GeoDataFrame(geometry=[geom or _square()], crs=32630).to_file(tmp_path / "b.gpkg")
    return _config(tmp_path, "b.gpkg", **kw)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _warning_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("warning: ")]


def test_every_warning_class_is_known():
    # at least these (others added to errors.py join the parametrised tests by themselves)
    assert {c.__name__ for c in WARNING_CLASSES} >= {
        "LandprofileWarning",
        "GeometryRepairWarning",
        "CoverageWarning",
        "TextEncodingWarning",
        "ScaleWarning",
        "IncompleteFileWarning",
        "RulesWarning",
        "SelectionWarning",
    }


@pytest.fixture
def warning_stage(monkeypatch):
    """Make the boundary stage emit ``emitted`` (a list of warnings) from two places."""
    emitted: list[Warning] = []
    real = pipeline.build_boundary

    def build_boundary(cfg, progress=None):
        ls = real(cfg, progress)
        for w in emitted:  # twice from here, once from elsewhere, once from a thread
            warnings.warn(w, stacklevel=1)
            warnings.warn(w, stacklevel=1)
            _warn_elsewhere(w)
            t = threading.Thread(target=_warn_elsewhere, args=(w,))
            t.start()
            t.join()
        return ls

    monkeypatch.setattr(pipeline, "build_boundary", build_boundary)
    return emitted


def _warn_elsewhere(w: Warning) -> None:
    warnings.warn(w, stacklevel=1)


@pytest.mark.parametrize("cls", WARNING_CLASSES, ids=lambda c: c.__name__)
def test_each_warning_class_is_shown_once_on_stderr(tmp_path, warning_stage, cls):
    cfg = _boundary_config(tmp_path)
    warning_stage.append(cls(f"a {cls.__name__} about the data"))
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    assert _warning_lines(r.stderr) == [f"warning: a {cls.__name__} about the data"]
    assert "about the data" not in r.stdout  # stdout stays for results
    assert (tmp_path / "out.geojson").exists()
    # --quiet, on the group, hides them; the command still works
    q = _invoke("--quiet", "boundary", str(cfg), "--out", str(tmp_path / "q.geojson"))
    assert q.exit_code == 0, q.output
    assert "about the data" not in q.output
    assert _warning_lines(q.stderr) == []


def test_same_class_other_message_is_shown_and_long_text_stays_one_line(tmp_path, warning_stage):
    cfg = _boundary_config(tmp_path)
    long = "the raster covers only 12 % of it: " + "x" * 200 + " [b]not markup[/b]"
    warning_stage += [errors.CoverageWarning("first"), errors.CoverageWarning(long)]
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    # a log keeps one line per warning (no wrapping at 80 columns), text as written
    assert _warning_lines(r.stderr) == ["warning: first", f"warning: {long}"]
    assert "\x1b[" not in r.stderr  # off a terminal: no control characters


def test_other_libraries_warnings_only_with_debug(tmp_path, warning_stage):
    cfg = _boundary_config(tmp_path)
    warning_stage += [UserWarning("noise from a dependency"), RuntimeWarning("overflow")]
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    assert "noise from a dependency" not in r.output
    assert "overflow" not in r.output
    d = _invoke("--debug", "boundary", str(cfg), "--out", str(tmp_path / "d.geojson"))
    assert d.exit_code == 0, d.output
    assert "UserWarning: noise from a dependency" in d.stderr
    assert "RuntimeWarning: overflow" in d.stderr
    # not ours: not dressed as ours
    assert _warning_lines(d.stderr) == []


def test_the_process_warning_state_is_restored(tmp_path, warning_stage):
    cfg = _boundary_config(tmp_path)
    warning_stage.append(errors.CoverageWarning("restored"))
    before_filters, before_hook = list(warnings.filters), warnings.showwarning
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    assert warnings.filters == before_filters
    assert warnings.showwarning is before_hook


# Real cases, from real inputs (no monkeypatching): each warning reaches the user.


def test_real_scale_warning(tmp_path):
    cfg = _boundary_config(tmp_path, _square(3_000))  # 900 ha: below landscape scale
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    lines = _warning_lines(r.stderr)
    assert lines == [
        "warning: landscape 'Square' covers 900 ha, below the 10,000-1,000,000 ha usually "
        "meant by landscape scale; kept as given"
    ]


def test_real_text_encoding_warning(tmp_path):
    cfg = _boundary_config(tmp_path, extra="# Région de l'Ouest\n", encoding="cp1252")
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    lines = _warning_lines(r.stderr)
    assert len(lines) == 1
    assert "is not UTF-8" in lines[0]
    assert "Windows-1252" in lines[0]


def test_real_geometry_repair_warning(tmp_path):
    # a bow-tie over the whole square: repaired into two triangles when read
    x1, y1 = X0 + SIDE, Y0 + SIDE
    bowtie = shapely.Polygon([(X0, Y0), (x1, y1), (x1, Y0), (X0, y1), (X0, Y0)])
    assert not bowtie.is_valid
    cfg = _boundary_config(tmp_path, bowtie)
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    repaired = [ln for ln in _warning_lines(r.stderr) if "repair" in ln.lower()]
    assert len(repaired) == 1, r.stderr


def test_real_incomplete_file_warning(tmp_path):
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[_square()], crs=32630).to_file(tmp_path / "b.shp")
    (tmp_path / "b.dbf").unlink()
    cfg = _config(tmp_path, "b.shp")
    r = _invoke("boundary", str(cfg), "--out", str(tmp_path / "out.geojson"))
    assert r.exit_code == 0, r.output
    lines = _warning_lines(r.stderr)
    assert len(lines) == 1
    assert "no .dbf" in lines[0]


def test_real_coverage_warning_for_a_raster_over_half_the_landscape(tmp_path):
    from affine import Affine

    from landprofile.testing import write_geotiff

    # 100 m cells over the western half of the square only
    lc = np.full((120, 60), 10, dtype=np.uint8)
    write_geotiff(tmp_path / "lc.tif", lc, Affine(100, 0, X0, 0, -100, Y0 + SIDE), 32630)
    cfg = _boundary_config(tmp_path)
    cfg.write_text(cfg.read_text() + '[rasters]\nland_cover = "lc.tif"\n', encoding="utf-8")
    r = _invoke("profile", str(cfg), "--out", str(tmp_path / "profile.json"))
    assert r.exit_code == 0, r.output
    lines = [ln for ln in _warning_lines(r.stderr) if "covers only" in ln]
    assert len(lines) == 1, r.stderr
    assert "lc.tif" in lines[0]
    assert "50 %" in lines[0]
    q = _invoke("--quiet", "profile", str(cfg), "--out", str(tmp_path / "p2.json"))
    assert q.exit_code == 0, q.output
    assert "covers only" not in q.output


def test_warnings_print_above_the_live_step_line():
    from rich.console import Console

    from landprofile._console import StepDisplay, WarningDisplay
    from landprofile._progress import Steps

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=60, color_system=None)
    with WarningDisplay(), StepDisplay(console) as show:
        steps = Steps(show)
        steps.start("profile")
        warnings.warn("the raster covers only 40 % of it", errors.CoverageWarning, stacklevel=1)
        steps.end()
    text = buf.getvalue()
    # printed through the live display's console: the whole line, not cut by the spinner
    assert "warning: the raster covers only 40 % of it" in text
    assert text.index("warning: the raster") < text.rindex("profile")


def test_a_filter_list_left_ignoring_by_threads_is_put_right_at_the_next_step(capsys):
    # catch_warnings on two threads can restore the process-wide filters out of order,
    # leaving "ignore" in force: the display puts its own back at each step, so warnings
    # after it still reach the user; a block ignoring one class only is left alone
    from landprofile._console import StepDisplay, WarningDisplay

    with WarningDisplay():
        steps = StepDisplay()
        with steps:
            warnings.simplefilter("ignore")  # what an out-of-order restore leaves
            warnings.warn("lost before the step", errors.SelectionWarning, stacklevel=1)
            steps("locate", None)
            warnings.warn("said after the step", errors.SelectionWarning, stacklevel=1)
            warnings.simplefilter("ignore", errors.GeometryRepairWarning)
            steps("zones", None)
            warnings.warn("a repair the caller hid", errors.GeometryRepairWarning, stacklevel=1)
            warnings.warn("and one it did not", errors.RulesWarning, stacklevel=1)
    err = capsys.readouterr().err
    assert "lost before the step" not in err
    assert "warning: said after the step" in err
    assert "a repair the caller hid" not in err
    assert "warning: and one it did not" in err
