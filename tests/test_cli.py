"""The CLI through click's runner: outputs, exit codes, atomic writes."""

from __future__ import annotations

import io
import json
import re
import shutil

import geopandas as gpd
import pytest
from click.testing import CliRunner

from landprofile._atomic import atomic_path
from landprofile.cli import cli
from landprofile.testing import geod_area_perimeter_dense


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_demo_writes_every_output(demo_out):
    out, output = demo_out
    assert (
        "Boundary definition: Boundary drawn from geoboundaries_western_region_ghana.geojson, "
        "clipped to demo_window.geojson" in output
    )
    for name in ("profile.json", "zones.gpkg", "card.html", "card.pdf"):
        assert (out / name).stat().st_size > 0
    prof = json.loads((out / "profile.json").read_text())
    # the boundary's geodesic area, against Geod on the written geometry
    import shapely

    geom = shapely.from_wkt(prof["landscape"]["geometry_wkt"])
    area_m2, _ = geod_area_perimeter_dense(geom)
    assert prof["landscape"]["area_ha"] == pytest.approx(area_m2 / 1e4, rel=1e-6)
    zones = gpd.read_file(out / "zones.gpkg", layer="zones")
    # the demo's [select]: a short list of at most 10 zones of 50-1,000 ha, 2 km apart
    assert 0 < len(zones) <= 10
    assert zones["area_ha"].max() <= 1_000 + 1e-6
    assert {"zone_id", "rank", "area_ha", "why", "why_short"} <= set(zones.columns)
    other = gpd.read_file(out / "zones.gpkg", layer="other_suitable")
    assert other["area_ha"].sum() > 10 * zones["area_ha"].sum()
    html = (out / "card.html").read_text()
    assert "Profil du paysage" in html
    # off a terminal, each finished stage and step is one plain line with its time
    assert re.search(r"^  zones · regions \d+\.\d s$", output, re.M)
    assert re.search(r"^  profile · land cover \d+\.\d s$", output, re.M)
    assert re.search(r"^  card \d+\.\d s$", output, re.M)
    assert "\x1b[" not in output
    assert (out / "card.pdf").read_bytes().startswith(b"%PDF")


def test_run_config_and_bad_inputs(tmp_path, sample_dir):
    cfg = tmp_path / "ls.toml"
    for f in sample_dir.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    text = (sample_dir / "demo.toml").read_text().replace('language = "fr"', 'language = "es"')
    cfg.write_text(text)
    r = CliRunner().invoke(cli, ["run", str(cfg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "Perfil del paisaje" in (tmp_path / "o" / "card.html").read_text()
    # bad input: exit 2, the message names the key and file, and the old output survives
    before = (tmp_path / "o" / "card.html").read_bytes()
    cfg.write_text(
        text.replace('method = "custom"', 'method = "admin"\nnames = ["Atlantis"]').replace(
            'clip = "demo_window.geojson"', ""
        )
    )
    r = CliRunner().invoke(cli, ["run", str(cfg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "'Atlantis'" in r.output
    assert (tmp_path / "o" / "card.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".o")) == []
    cfg.write_text(text.replace("[boundary]", "colour = 1\n[boundary]"))
    r = CliRunner().invoke(cli, ["run", str(cfg)])
    assert r.exit_code == 2
    assert "unknown key(s) ['colour']" in r.output
    r = CliRunner().invoke(cli, ["run", str(tmp_path / "missing.toml")])
    assert r.exit_code == 2
    assert "config file not found" in r.output


def test_internal_error_exit_1(tmp_path, monkeypatch):
    import landprofile.pipeline as pl

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(pl, "run", boom)
    cfg = tmp_path / "c.toml"
    cfg.write_text("name='x'\n[boundary]\nmethod='admin'\nsource='c.toml'\n")
    r = CliRunner().invoke(cli, ["run", str(cfg)])
    assert r.exit_code == 1
    assert "internal error: RuntimeError: boom" in r.output


@pytest.mark.parametrize("cmd", ["run", "demo", "boundary", "profile", "zones", "card", "batch"])
def test_help_has_examples(cmd):
    res = CliRunner().invoke(cli, [cmd, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output
    assert "landprofile " in res.output


def test_stage_commands(tmp_path, sample_dir):
    cfg = sample_dir / "demo.toml"
    r = CliRunner().invoke(cli, ["boundary", str(cfg), "--out", str(tmp_path / "b.geojson")])
    assert r.exit_code == 0, r.output
    assert len(gpd.read_file(tmp_path / "b.geojson")) == 1
    r = CliRunner().invoke(cli, ["zones", str(cfg), "--out", str(tmp_path / "z.gpkg")])
    assert r.exit_code == 0, r.output
    import pyogrio

    assert {"zones", "exclusions", "conflicts", "other_suitable", "candidate_regions"} <= {
        n for n, _ in pyogrio.list_layers(tmp_path / "z.gpkg")
    }
    # options override the config's [select]; --all-suitable keeps every piece
    r = CliRunner().invoke(
        cli,
        [
            "zones",
            str(cfg),
            "--out",
            str(tmp_path / "z3.gpkg"),
            "--n-zones",
            "3",
            "--min-spacing-m",
            "5000",
            "--method",
            "greedy",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "3 zones" in r.output
    assert "passed the rules" in r.output
    z3 = gpd.read_file(tmp_path / "z3.gpkg", layer="zones").to_crs(32630)
    assert len(z3) == 3
    for i in range(3):
        for j in range(i + 1, 3):
            assert z3.geometry.iloc[i].distance(z3.geometry.iloc[j]) >= 5_000 * 0.999
    r = CliRunner().invoke(
        cli, ["zones", str(cfg), "--out", str(tmp_path / "all.gpkg"), "--all-suitable"]
    )
    assert r.exit_code == 0, r.output
    layers = {n for n, _ in pyogrio.list_layers(tmp_path / "all.gpkg")}
    assert "other_suitable" not in layers
    assert len(gpd.read_file(tmp_path / "all.gpkg", layer="zones")) > 10
    r = CliRunner().invoke(
        cli, ["zones", str(cfg), "--out", str(tmp_path / "x.gpkg"), "--n-zones", "0"]
    )
    assert r.exit_code == 2


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "card.html"
    target.write_text("old")

    def failing_write() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_write()
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_batch_command_writes_a_table(tmp_path, sample_dir):
    import pandas as pd

    out = tmp_path / "districts.csv"
    r = CliRunner().invoke(
        cli,
        [
            "batch",
            str(sample_dir / "synthetic_districts_sw_ghana.geojson"),
            "--id-field",
            "shapeName",
            "--land-cover",
            str(sample_dir / "modis_igbp_2019_sw_ghana.tif"),
            "--legend",
            "modis_igbp",
            "--population",
            str(sample_dir / "synthetic_population_sw_ghana.tif"),
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert len(df) == 19
    assert {"landscape", "area_ha", "natural_share", "population"} <= set(df.columns)
    assert "landscapes: 19/19" in r.output  # progress off a terminal: plain lines
    assert df.natural_share.between(0, 1).all()


def test_help_and_import_stay_light():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import landprofile\n"
        "from landprofile.cli import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('geopandas', 'numba', 'scipy', 'folium', 'rasterio') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_live_step_display_on_a_terminal():
    from rich.console import Console

    from landprofile._console import CountBar, StepDisplay
    from landprofile._progress import Steps, nested

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80, color_system=None)
    with StepDisplay(console) as show:
        steps = Steps(show)
        steps.start("boundary")
        inner = Steps(nested(show, "boundary · "))
        inner.start("fill_depressions")
        inner.end()
        steps.start("card [b]")  # rich markup in a name is printed, not interpreted
        steps.end()
    text = buf.getvalue()
    assert "boundary · fill depressions" in text  # the live line, then the finished one
    assert re.search(r"  boundary · fill depressions \d+\.\d s", text)
    assert "card [b]" in text
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100, color_system=None)
    with CountBar("landscapes", console) as bar:
        bar(3, 10)
        bar(10, 10)
    assert "10/10" in buf.getvalue()


def test_ctrl_c_stops_a_run_at_once_and_writes_nothing(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "demo"
    code = "from landprofile.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "demo", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stderr:  # finished steps, one per line off a terminal
        if line.startswith("  boundary"):
            break
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(timeout=30)
    assert time.perf_counter() - t0 < 5
    assert proc.returncode == 130
    assert "interrupted: no output was written or changed" in rest
    assert list(tmp_path.iterdir()) == []  # no output folder, no temporary folder


def test_a_long_kernel_is_interruptible(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "spin.py"
    script.write_text(
        "import sys\n"
        "from numba import njit\n"
        "from landprofile._progress import interruptible\n"
        "@njit(nogil=True)\n"
        "def spin(n):\n"
        "    x = 0.0\n"
        "    for i in range(n):\n"
        "        x = (x + i) % 7.3\n"
        "    return x\n"
        "spin(10)\n"
        "print('spinning', flush=True)\n"
        "try:\n"
        "    interruptible(spin, 10**12)\n"  # hours of work without the GIL
        "except KeyboardInterrupt:\n"
        "    print('stopped', flush=True)\n"
        "    sys.exit(3)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "spinning"
    time.sleep(0.5)
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.read().strip() == "stopped"
    proc.wait(timeout=30)
    assert proc.returncode == 3
    assert time.perf_counter() - t0 < 3


def test_boundary_from_a_dem_shows_each_step(tmp_path):
    import numpy as np
    from affine import Affine

    from landprofile.testing import write_geotiff

    # a plane falling towards its north-west corner: the outlet there drains it all
    z = np.add.outer(np.arange(80.0), np.arange(90.0)).astype(np.float32)
    write_geotiff(tmp_path / "dem.tif", z, Affine(30, 0, 600_000, 0, -30, 620_000), 32630)
    (tmp_path / "ws.toml").write_text(
        'name = "Plane"\n[boundary]\nmethod = "dem"\nsource = "dem.tif"\n'
        "outlet = [600015.0, 619985.0]\noutlet_crs = 32630\nsnap_m = 0\n",
        encoding="utf-8",
    )
    out = tmp_path / "b.gpkg"
    r = CliRunner().invoke(cli, ["boundary", str(tmp_path / "ws.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    for step in ("read dem", "fill depressions", "flow directions", "flow accumulation",
                 "snap outlet", "catchment", "polygon"):  # fmt: skip
        assert re.search(rf"^  {step} \d+\.\d s$", r.output, re.M), (step, r.output)
    gdf = gpd.read_file(out).to_crs(32630)
    assert gdf.area.iloc[0] == pytest.approx(80 * 90 * 30 * 30, rel=1e-9)


def test_batch_stopped_with_ctrl_c_resumes(tmp_path, sample_dir):
    import signal
    import subprocess
    import sys

    import pandas as pd

    out = tmp_path / "d.csv"
    args = [
        sys.executable, "-c", "from landprofile.cli import main; main()", "batch",
        str(sample_dir / "synthetic_districts_sw_ghana.geojson"), "--id-field", "shapeName",
        "--land-cover", str(sample_dir / "modis_igbp_2019_sw_ghana.tif"), "--legend",
        "modis_igbp", "--workers", "1", "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # off a terminal: a line per tenth of the landscapes
        if line.startswith("  landscapes: "):
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    if proc.returncode == 0:  # finished before the signal landed: nothing to resume
        pytest.skip("the batch finished before Ctrl-C")
    assert proc.returncode == 130
    assert "the same command resumes" in rest
    assert not out.exists()
    parts = tmp_path / ".d.csv.parts"
    kept = len(list(parts.glob("*")))
    assert kept >= 1
    again = subprocess.run(args, capture_output=True, text=True, check=True)
    first = next(ln for ln in again.stderr.splitlines() if ln.startswith("  landscapes: "))
    assert int(first.split()[1].split("/")[0]) >= 2  # the kept chunks count at once
    assert len(pd.read_csv(out)) == 19
    assert not parts.exists()
