"""The CLI through click's runner: outputs, exit codes, atomic writes."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner

from landprofile._atomic import atomic_path
from landprofile.cli import cli
from landprofile.testing import geod_area_perimeter_dense


def test_demo_prints_summary_and_writes_outputs(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Ankobra" in res.output
    assert "Boundary definition: Union of administrative units Aboso, Prestea" in res.output
    meta = json.loads((out / "landscape.json").read_text())
    gdf = gpd.read_file(out / "boundary.geojson")
    # The written boundary's own geodesic area (oracle: Geod) matches the reported one.
    area_m2, _ = geod_area_perimeter_dense(gdf.geometry.iloc[0])
    assert meta["area_ha"] == pytest.approx(area_m2 / 1e4, rel=1e-6)
    assert meta["scale"] == "within"


def test_bad_input_exit_code_2(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDPROFILE_SAMPLE_DATA", str(tmp_path))
    monkeypatch.setattr("landprofile.demo.Path.exists", lambda self: False)
    res = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "sample data folder not found" in res.output


def test_help_has_examples():
    res = CliRunner().invoke(cli, ["demo", "--help"])
    assert res.exit_code == 0
    assert "landprofile demo --out" in res.output


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
