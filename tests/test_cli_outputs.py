"""The CLI's outputs are what their names say; conflicting options are refused."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import landprofile.pipeline as pipeline
from landprofile.cli import cli

#: A 12 km square in UTM 30N (14,400 ha): a boundary that is quick to build.
SQUARE = shapely.box(600_000, 600_000, 612_000, 612_000)


def _invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def square_cfg(tmp_path):
    gpd.GeoDataFrame(geometry=[SQUARE], crs=32630).to_file(tmp_path / "b.gpkg")
    cfg = tmp_path / "ls.toml"
    cfg.write_text('name = "Square"\n[boundary]\nmethod = "custom"\nsource = "b.gpkg"\n')
    return cfg


@pytest.fixture(scope="module")
def demo_zoning(sample_dir):
    """The demo's zoning (its [select]), built once for the tests that only write it."""
    cfg = pipeline.load_config(sample_dir / "demo.toml")
    return pipeline.build_zoning(cfg, pipeline.build_boundary(cfg))


@pytest.fixture
def fake_zoning(monkeypatch, demo_zoning):
    """``zones`` gets the demo's zoning without the work; ``calls`` records the select."""
    calls: list[object] = []
    result = {"value": demo_zoning}

    def build_zoning(cfg, ls, progress=None, select=True, **kwargs):
        calls.append(select)
        return result["value"]

    monkeypatch.setattr(pipeline, "build_zoning", build_zoning)
    return calls, result


@pytest.fixture
def no_work(monkeypatch):
    """Fail loudly if a command starts its work (a refused output must not get there)."""
    started: list[str] = []

    def build_boundary(*a, **k):
        started.append("boundary")
        raise RuntimeError("the work ran")

    monkeypatch.setattr(pipeline, "build_boundary", build_boundary)
    return started


# zones --out: the format of the extension


def test_zones_geojson_is_the_zones_layer_in_4326_real_run(tmp_path, sample_dir):
    out = tmp_path / "z.geojson"
    # one zone of 5,000 ha cannot fit zone_area_ha (50, 1000): a real SelectionWarning
    r = _invoke(
        "zones", sample_dir / "demo.toml", "--out", out, "--n-zones", 1, "--total-area-ha", 5000
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))  # GeoJSON text, not a GeoPackage
    assert doc["type"] == "FeatureCollection"
    zones = gpd.read_file(out)
    assert zones.crs.to_epsg() == 4326
    assert len(zones) == 1
    assert {"zone_id", "rank", "area_ha", "why"} <= set(zones.columns)
    assert zones["area_ha"].iloc[0] == pytest.approx(1_000, rel=0.05)
    said = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    # the demo's 5.5 km MODIS land cover against the 100 m river buffer, said once
    coarse = [ln for ln in said if ln.startswith("warning: raster cells wider")]
    assert len(coarse) == 1
    said = [ln for ln in said if ln not in coarse]
    # both of locate's warnings, each once: the size asked, then the area not placed
    assert len(said) == 2, r.stderr
    assert said[0] == (
        "warning: total_area_ha / n_zones = 5,000.0 ha is outside zone_area_ha (50, 1000); "
        "zones are grown to 1,000.0 ha"
    )
    assert said[1].startswith("warning: only ")
    assert "of the 5,000 ha asked could be placed" in said[1]
    assert len(said) == 2
    assert f"wrote {out}" in r.stdout


def test_zones_parquet_is_geoparquet_of_the_zones(tmp_path, sample_dir, fake_zoning):
    import pyarrow.parquet as pq

    _, result = fake_zoning
    res = result["value"]
    out = tmp_path / "z.parquet"
    r = _invoke("zones", sample_dir / "demo.toml", "--out", out)
    assert r.exit_code == 0, r.output
    assert b"geo" in pq.read_schema(out).metadata  # GeoParquet's metadata, not a GPKG
    back = gpd.read_parquet(out)
    assert back.crs == res.crs
    assert list(back["zone_id"]) == list(res.zones["zone_id"])
    assert shapely.equals_exact(back.geometry.values, res.zones.geometry.values, 0).all()


def test_zones_gpkg_keeps_every_layer(tmp_path, sample_dir, fake_zoning):
    out = tmp_path / "Z.GPKG"  # the extension's case does not matter
    r = _invoke("zones", sample_dir / "demo.toml", "--out", out)
    assert r.exit_code == 0, r.output
    # the zoning's layers, and what the card's map draws around them (issue 27)
    assert {n for n, _ in pyogrio.list_layers(out)} >= {
        "zones",
        "other_suitable",
        "exclusions",
        "conflicts",
        "candidate_regions",
        "boundary",
        "sites",
        "layer_styles",
    }


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("z.shp", "field names are cut to 10 characters"),
        ("z.shp.zip", "field names are cut to 10 characters"),
        ("z.txt", "unknown vector format '.txt'"),
        ("zones", "unknown vector format '(none)'"),
        ("z.json", "unknown vector format '.json'"),
    ],
)
def test_zones_refuses_other_names_before_the_work(tmp_path, sample_dir, no_work, name, said):
    out = tmp_path / name
    r = _invoke("zones", sample_dir / "demo.toml", "--out", out)
    assert r.exit_code == 2, r.output
    assert said in r.stderr
    for accepted in (".gpkg", ".geojson", ".parquet"):
        assert accepted in r.stderr
    assert no_work == []
    assert not out.exists()


def test_zones_summary_when_optimality_is_not_proved(tmp_path, sample_dir, fake_zoning):
    _, result = fake_zoning
    res = result["value"]
    summary = copy.deepcopy(res.summary)
    summary["selection"].update(gap=None, status="time limit")
    result["value"] = dataclasses.replace(res, summary=summary)
    r = _invoke("zones", sample_dir / "demo.toml", "--out", tmp_path / "z.gpkg")
    assert r.exit_code == 0, r.output
    assert "time limit, optimality not proved)" in r.stdout
    assert "gap" not in r.stdout
    # with a gap, the gap
    result["value"] = res
    r = _invoke("zones", sample_dir / "demo.toml", "--out", tmp_path / "z2.gpkg")
    assert r.exit_code == 0, r.output
    assert re.search(r", gap [\d.e+-]+ %\)", r.stdout)


@pytest.mark.parametrize(
    "option",
    [
        ["--n-zones", "3"],
        ["--total-area-ha", "500"],
        ["--min-spacing-m", "0"],  # 0 is given, not absent
        ["--method", "greedy"],
    ],
)
def test_all_suitable_with_a_selection_option_is_a_usage_error(
    tmp_path, sample_dir, no_work, option
):
    r = _invoke(
        "zones", sample_dir / "demo.toml", "--out", tmp_path / "z.gpkg", "--all-suitable", *option
    )
    assert r.exit_code == 2, r.output
    assert f"--all-suitable and {option[0]} cannot be used together" in r.stderr
    assert "Usage: " in r.stderr
    assert no_work == []


def test_an_option_enables_a_selection_the_config_disabled(tmp_path, sample_dir, fake_zoning):
    calls, _ = fake_zoning
    for f in sample_dir.iterdir():  # the config's relative paths resolve beside it
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    cfg = tmp_path / "off.toml"
    text = (sample_dir / "demo.toml").read_text(encoding="utf-8")
    cfg.write_text(text.replace("[select]\n", "[select]\nenabled = false\n"), encoding="utf-8")
    r = _invoke("zones", cfg, "--out", tmp_path / "z.gpkg")
    assert r.exit_code == 0, r.output
    assert calls[-1] is False  # the config's enabled = false: every suitable piece
    r = _invoke("zones", cfg, "--out", tmp_path / "z.gpkg", "--n-zones", 3)
    assert r.exit_code == 0, r.output
    sel = calls[-1]
    assert isinstance(sel, dict)
    assert sel["n_zones"] == 3
    assert sel["min_spacing_m"] == 2000  # the rest of the config's [select] still holds
    assert "enabled" not in sel


# boundary --out: the format of the extension


def test_boundary_writes_each_format_its_name_says(tmp_path, square_cfg):
    import pyarrow.parquet as pq

    for name in ("b.geojson", "b.gpkg", "b.parquet"):
        r = _invoke("boundary", square_cfg, "--out", tmp_path / "out" / name)
        assert r.exit_code == 0, r.output
    out = tmp_path / "out"
    assert json.loads((out / "b.geojson").read_text())["type"] == "FeatureCollection"
    # the boundary and its QGIS style (issue 27)
    assert [n for n, _ in pyogrio.list_layers(out / "b.gpkg")] == ["boundary", "layer_styles"]
    assert b"geo" in pq.read_schema(out / "b.parquet").metadata
    frames = [
        gpd.read_file(out / "b.geojson"),
        gpd.read_file(out / "b.gpkg", layer="boundary"),
        gpd.read_parquet(out / "b.parquet"),
    ]
    for gdf in frames:
        assert gdf.crs.to_epsg() == 4326
        assert gdf["name"].tolist() == ["Square"]
        # the same square in each, back in metres
        assert gdf.to_crs(32630).area.iloc[0] == pytest.approx(SQUARE.area, rel=1e-6)


@pytest.mark.parametrize(
    ("name", "said"),
    [("b.shp", "10 characters"), ("b.kml", "unknown vector format '.kml'")],
)
def test_boundary_refuses_other_names_before_the_work(tmp_path, square_cfg, no_work, name, said):
    r = _invoke("boundary", square_cfg, "--out", tmp_path / name)
    assert r.exit_code == 2, r.output
    assert said in r.stderr
    assert ".geojson" in r.stderr
    assert no_work == []
    assert not (tmp_path / name).exists()


# card --print: the .pdf and the .png the help promises


@pytest.fixture
def fake_run(monkeypatch):
    """``pipeline.run`` writes a small card.html and a two-page card.pdf."""
    import pypdfium2

    def run(cfg, out_dir=None, *, progress=None):
        out_dir.mkdir(parents=True)
        (out_dir / "card.html").write_text("<html>card</html>", encoding="utf-8")
        doc = pypdfium2.PdfDocument.new()
        doc.new_page(595, 842)  # A4 in points
        doc.new_page(842, 595)
        doc.save(str(out_dir / "card.pdf"))
        return pipeline.RunOutputs(
            folder=out_dir,
            profile_json=out_dir / "profile.json",
            zones_gpkg=None,
            card_html=out_dir / "card.html",
            card_pdf=out_dir / "card.pdf",
        )

    monkeypatch.setattr(pipeline, "run", run)


def test_card_print_writes_the_pdf_and_a_png_of_its_first_page(tmp_path, square_cfg, fake_run):
    from PIL import Image

    out = tmp_path / "cards" / "card.html"
    r = _invoke("card", square_cfg, "--out", out, "--print")
    assert r.exit_code == 0, r.output
    assert out.read_text() == "<html>card</html>"
    assert (tmp_path / "cards" / "card.pdf").read_bytes().startswith(b"%PDF")
    png = tmp_path / "cards" / "card.png"
    with Image.open(png) as im:
        assert im.format == "PNG"
        # the first (portrait A4) page at 110 dpi
        assert im.size == (
            pytest.approx(595 * 110 / 72, abs=1),
            pytest.approx(842 * 110 / 72, abs=1),
        )
    assert f"{png}" in r.stdout
    # without --print: the html only
    r = _invoke("card", square_cfg, "--out", tmp_path / "plain" / "card.html")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == ["card.html"]


@pytest.mark.parametrize("name", ["card.pdf", "card.png", "card"])
def test_card_out_must_be_a_web_page(tmp_path, square_cfg, fake_run, name):
    r = _invoke("card", square_cfg, "--out", tmp_path / name, "--print")
    assert r.exit_code == 2, r.output
    assert "name it .html" in r.stderr
    assert list(tmp_path.glob("card*")) == []


# zones: every option of locate, beside a config (the QGIS plugin passes them)


def test_zones_passes_every_locate_option_over_the_config(tmp_path, sample_dir, fake_zoning):
    calls, _ = fake_zoning
    lock = tmp_path / "permits.geojson"
    lock.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    r = _invoke(
        "zones", sample_dir / "demo.toml", "--out", tmp_path / "z.gpkg",
        "--n-zones", 4, "--zone-area-ha", 100, 300, "--shape", "circle",
        "--shape-weight", 0.25, "--min-spacing-m", 2000, "--max-spacing-m", 40000,
        "--evaluation", "sum", "--lock-in", lock, "--max-candidates", 200,
        "--time-limit-s", 12, "--method", "greedy",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    sel = calls[-1]
    want = {
        "n_zones": 4,
        "zone_area_ha": (100.0, 300.0),
        "shape": "circle",
        "shape_weight": 0.25,
        "min_spacing_m": 2000.0,
        "max_spacing_m": 40000.0,
        "evaluation": "sum",
        "max_candidates": 200,
        "time_limit_s": 12.0,
        "method": "greedy",
    }
    assert {k: sel[k] for k in want} == want
    assert str(sel["lock_in"]) == str(lock)


def test_zones_option_values_are_checked_as_the_config_is(tmp_path, sample_dir, no_work):
    r = _invoke(
        "zones", sample_dir / "demo.toml", "--out", tmp_path / "z.gpkg",
        "--zone-area-ha", 400, 100,
    )  # fmt: skip
    assert r.exit_code == 2
    assert "zone_area_ha" in r.stderr
    assert "below min" in r.stderr
    assert no_work == []
    r = _invoke("zones", sample_dir / "demo.toml", "--out", tmp_path / "z.gpkg", "--all-suitable",
                "--shape", "circle")  # fmt: skip
    assert r.exit_code == 2
    assert "--all-suitable and --shape" in r.output


def test_the_cli_lists_the_shapes_and_evaluations_locate_takes():
    from landprofile._cli_zones import EVALUATIONS, SHAPES
    from landprofile.zoning.grow import SHAPES as GROW_SHAPES
    from landprofile.zoning.locate_options import EVALUATIONS as LOCATE_EVALUATIONS

    assert set(SHAPES) == set(GROW_SHAPES)
    assert tuple(EVALUATIONS) == tuple(LOCATE_EVALUATIONS)
