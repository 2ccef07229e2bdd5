"""Every input credited in every output (issue 37 items 1-2).

A small run (a bare boundary file, a land cover credited in the config, concessions
credited by a sidecar, two dates of land cover and of footprints) is read back from each
output: profile.json, change.json, card.html (bs4), card.pdf (pypdfium2), zones.gpkg
(pyogrio, sqlite3) and the QGIS project stored in it (its XML).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

import landprofile as lp
from _credits_helpers import (
    flat,
    gpkg_sources,
    pdf_text,
    project_credits,
    project_xml,
    sources_rows,
)
from landprofile.credits import NOT_GIVEN, Credit, credit_for, read_sidecar
from landprofile.errors import InvalidParameterError, UnreadableFileError
from landprofile.i18n import strings
from landprofile.testing import write_geotiff

BOX = (-2.0, 5.0, -1.92, 5.08)
LC_CREDIT = "Land cover team of the test, 2021 survey"
LC_LICENCE = "CC BY-NC 4.0"
SIDECAR_CREDIT = "Ministry of Mines of the test, cadastre"
SIDECAR_LICENCE = "Open Government Licence"
BEFORE_CREDIT = "First-date land cover makers"
AFTER_CREDIT = "Second-date land cover makers"
FP20_CREDIT = "Footprints 2020 makers"


def _lc(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    data = np.array([10, 30, 40, 50], np.uint8)[rng.integers(0, 4, (100, 100))]
    write_geotiff(
        path, data, Affine(0.001, 0, BOX[0] - 0.01, 0, -0.001, BOX[3] + 0.01), 4326, nodata=0
    )
    return path


def _poly(path: Path, geoms, **cols) -> Path:
    gpd.GeoDataFrame(cols or {"id": list(range(len(geoms)))}, geometry=geoms, crs=4326).to_file(
        path
    )
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The run's folder, inputs and outputs."""
    d = tmp_path_factory.mktemp("credits")
    _poly(d / "land.geojson", [box(*BOX)], name=["test land"])
    _lc(d / "lc.tif", 1)
    _lc(d / "lc2020.tif", 2)
    _lc(d / "lc2021.tif", 3)
    (d / "lc2020.tif.credit.toml").write_text(f'credit = "{BEFORE_CREDIT}"\n', "utf-8")
    _poly(d / "conc.geojson", [box(-1.99, 5.01, -1.97, 5.03)], type=["artisanal"])
    (d / "conc.geojson.credit.toml").write_text(
        f'credit = "{SIDECAR_CREDIT}"\nlicence = "{SIDECAR_LICENCE}"\nversion = "2023"\n',
        "utf-8",
    )
    _poly(d / "pits2020.geojson", [box(-1.96, 5.05, -1.955, 5.055)])
    _poly(d / "pits2021.geojson", [box(-1.955, 5.05, -1.95, 5.055)])
    (d / "pits2020.geojson.credit.json").write_text(
        json.dumps({"credit": FP20_CREDIT, "licence": "CC0"}), "utf-8"
    )
    (d / "c.toml").write_text(
        'name = "Credit test"\nlanguage = "en"\n'
        '[boundary]\nmethod = "custom"\nsource = "land.geojson"\n'
        '[rasters]\nland_cover = "lc.tif"\nlegend = "esa_worldcover_v200"\n'
        '[layers]\nconcessions = "conc.geojson"\n'
        "[zoning]\nresolution_m = 200\n[select]\nenabled = false\n"
        '[change]\nbefore = "lc2020.tif"\nafter = "lc2021.tif"\n'
        'legend = "esa_worldcover_v200"\n'
        '[change.footprints]\n2020 = "pits2020.geojson"\n2021 = "pits2021.geojson"\n'
        "[credits]\n"
        f'"lc.tif" = {{ credit = "{LC_CREDIT}", licence = "{LC_LICENCE}" }}\n'
        f'"lc2021.tif" = "{AFTER_CREDIT}"\n',
        "utf-8",
    )
    from landprofile.pipeline import run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run(d / "c.toml", d / "out")
    return {"dir": d, "out": out}


def test_profile_json_a_bare_file_a_sidecar_and_a_config_credit(made):
    data = json.loads(made["out"].profile_json.read_text("utf-8"))
    by = {s["role"]: s for s in data["sources"]}
    # a bare local file: kept, and said to have no credit
    assert by["boundary"]["given"] is False
    assert by["boundary"]["credit"] == ""
    assert by["boundary"]["licence"] == ""
    assert by["land_cover"]["credit"] == LC_CREDIT
    assert by["land_cover"]["licence"] == LC_LICENCE
    assert by["land_cover"]["origin"] == "config"
    c = by["layer:concessions"]
    assert (c["credit"], c["licence"], c["version"]) == (SIDECAR_CREDIT, SIDECAR_LICENCE, "2023")
    assert c["origin"] == "sidecar"
    assert c["given"] is True


def test_the_card_lists_each_credit_and_credit_not_given(made):
    rows = sources_rows(made["out"].card_html.read_text("utf-8"))
    s = strings("en")
    by = {r["role"]: r for r in rows}
    assert by[s["boundary"]]["attribution"] == s["credit_not_given"] == NOT_GIVEN
    assert LC_CREDIT in by[s["land_cover"]]["attribution"]
    assert LC_LICENCE in by[s["land_cover"]]["attribution"]
    assert SIDECAR_CREDIT in by[s["concessions"]]["attribution"]
    # both dates of the change and the footprints, each with its own credit
    assert BEFORE_CREDIT in by[s["change_before"]]["attribution"]
    assert AFTER_CREDIT in by[s["change_after"]]["attribution"]
    fp = by[s["footprints"]]
    assert "pits2020.geojson" in fp["name"]
    assert "pits2021.geojson" in fp["name"]
    assert FP20_CREDIT in fp["attribution"]
    assert s["credit_not_given"] in fp["attribution"]
    assert s["context"] in by


def test_the_pdf_prints_the_credits(made):
    text = pdf_text(made["out"].card_pdf)
    for want in (LC_CREDIT, SIDECAR_CREDIT, SIDECAR_LICENCE, BEFORE_CREDIT, NOT_GIVEN):
        assert flat(want) in text, want


def test_change_json_cites_both_dates_and_each_footprint_date(made):
    doc = json.loads((made["out"].folder / "change.json").read_text("utf-8"))
    before, after = doc["landcover"]["sources"]
    assert (before["role"], before["name"], before["credit"]) == (
        "change_before",
        "lc2020.tif",
        BEFORE_CREDIT,
    )
    assert (after["name"], after["credit"], after["origin"]) == (
        "lc2021.tif",
        AFTER_CREDIT,
        "config",
    )
    fp = doc["footprint"]
    by_date = {s["date"]: s for s in fp["sources"]}
    assert by_date["2020-01-01"]["credit"] == FP20_CREDIT
    assert by_date["2021-01-01"]["given"] is False
    assert [d["source"] for d in fp["dates"]] == ["pits2020.geojson", "pits2021.geojson"]
    assert str(made["dir"]) not in json.dumps(doc)


def test_zones_gpkg_and_qgis_project_carry_the_credits(made):
    recs, lines = gpkg_sources(made["out"].zones_gpkg)
    by = {Path(r["source"]).name: r for r in recs}
    assert by["land.geojson"]["given"] is False
    assert by["conc.geojson"]["credit"] == SIDECAR_CREDIT
    assert by["lc2020.tif"]["credit"] == BEFORE_CREDIT
    assert f"boundary: land.geojson: {NOT_GIVEN}" in lines
    assert any(r["role"] == "context" and "GeoNames" in r["name"] for r in recs)
    abstract, layers = project_credits(project_xml(made["out"].zones_gpkg))
    assert SIDECAR_CREDIT in abstract
    assert NOT_GIVEN in abstract
    conc = next(v for k, v in layers.items() if k.startswith("concessions"))
    assert conc["licences"] == [SIDECAR_LICENCE]
    assert any(SIDECAR_CREDIT in r for r in conc["rights"])
    bnd = next(v for k, v in layers.items() if k.startswith("boundary"))
    assert bnd["rights"] == [f"land.geojson: {NOT_GIVEN}"]


# ---- the credit model on its own


def test_a_named_source_is_credited_from_the_catalogue():
    c = credit_for("land_cover", "worldcover:2020")
    assert c.doi == "10.5281/zenodo.5571936"
    assert c.given
    assert c.origin == "catalogue"
    assert credit_for("x", "worldcover:2021").doi == "10.5281/zenodo.7254221"


def test_a_doi_inside_the_citation_is_printed_once():
    c = Credit("population", "worldpop:GHA/2020", citation="W, doi:10.5258/X", doi="10.5258/X")
    assert c.text().count("10.5258/X") == 1


def test_synthetic_by_name_and_names_never_paths(tmp_path):
    c = credit_for("rivers", tmp_path / "synthetic_rivers.geojson")
    assert c.synthetic
    assert c.name == "synthetic_rivers.geojson"
    assert not c.given
    assert c.text().startswith("synthetic")
    assert str(tmp_path) not in json.dumps(c.to_dict())


@pytest.mark.parametrize(
    ("name", "text", "error", "match"),
    [
        ("a.tif.credit.toml", "credit = ", UnreadableFileError, "a.tif.credit.toml.*TOML"),
        ("a.tif.credit.json", "[1, 2]", InvalidParameterError, "must hold a table"),
        ("a.tif.credit.toml", 'licnce = "x"', InvalidParameterError, r"\['licnce'\].*licence"),
        ("a.tif.credit.toml", "synthetic = 1", InvalidParameterError, "true or false"),
    ],
)
def test_a_bad_sidecar_is_named(tmp_path, name, text, error, match):
    (tmp_path / "a.tif").write_bytes(b"")
    (tmp_path / name).write_text(text, "utf-8")
    with pytest.raises(error, match=match):
        read_sidecar(tmp_path / "a.tif")


def test_a_bad_config_credit_is_refused_before_any_work(tmp_path):
    from landprofile.config import ConfigError, load_config

    _poly(tmp_path / "b.geojson", [box(*BOX)])
    (tmp_path / "c.toml").write_text(
        'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        '[credits]\nland_cover = { credit = "A", lisence = "B" }\n',
        "utf-8",
    )
    with pytest.raises(ConfigError, match=r"c\.toml.*\[credits\] 'land_cover'.*lisence"):
        load_config(tmp_path / "c.toml")


def test_the_library_calls_take_credits(tmp_path):
    from landprofile.testing import halves_land_cover, square_landscape

    tif = halves_land_cover(tmp_path / "lc.tif")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = square_landscape()
        prof = lp.profile(ls, land_cover=tif, legend="esa_worldcover_v200", credits={
            "land_cover": {"credit": "Me", "licence": "CC0"}})  # fmt: skip
        ch = lp.change(ls, tif, tif, legend="esa_worldcover_v200", credits={"lc.tif": "Us"})
    rec = prof.sources[1]
    assert (rec["credit"], rec["licence"]) == ("Me", "CC0")
    assert [s["credit"] for s in ch.to_dict()["sources"]] == ["Us", "Us"]
    with pytest.raises(InvalidParameterError, match="credits= 'land_cover'"):
        lp.profile(ls, land_cover=tif, credits={"land_cover": 3})


QGIS_METADATA = """
from qgis.core import QgsProject
path, name = sys.argv[1:3]
p = QgsProject.instance()
ok = p.read(f"geopackage:{path}?projectName={name}")
out = {"read": ok, "abstract": p.metadata().abstract(), "layers": {}}
for lyr in p.mapLayers().values():
    md = lyr.metadata()
    out["layers"][lyr.id()] = {"rights": list(md.rights()), "licences": list(md.licenses())}
emit(out)
"""


def test_qgis_itself_reads_the_credits_from_the_project(made):
    """Real QGIS (3.22) reads the project's metadata and each layer's rights, licences."""
    from _qgis import require_qgis, run_in_qgis

    require_qgis()
    got = run_in_qgis(QGIS_METADATA, args=[str(made["out"].zones_gpkg), "Credit test"])
    assert got["read"]
    assert SIDECAR_CREDIT in got["abstract"]
    assert NOT_GIVEN in got["abstract"]
    conc = next(v for k, v in got["layers"].items() if k.startswith("concessions"))
    assert conc["licences"] == [SIDECAR_LICENCE]
    assert any(SIDECAR_CREDIT in r for r in conc["rights"])
    towns = next(v for k, v in got["layers"].items() if k.startswith("context_towns"))
    assert towns["licences"] == ["CC BY 4.0"]


def test_the_zones_and_change_commands_credit_without_a_profile(made, tmp_path):
    """``zones``/``qgis project`` have no profile, ``change`` calls write_change alone."""
    from landprofile.pipeline import build_boundary, input_sources, load_config
    from landprofile.pipeline_change import build_change, write_change

    cfg = load_config(made["dir"] / "c.toml")
    by = {s["role"]: s for s in input_sources(cfg)}
    assert by["boundary"]["given"] is False
    assert by["land_cover"]["credit"] == LC_CREDIT
    assert by["layer:concessions"]["credit"] == SIDECAR_CREDIT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = build_boundary(cfg)
        ch, timeline, _ = build_change(cfg, ls, cfg.section("layers"))
    write_change(tmp_path / "change.json", ch, timeline, cfg.path.parent)  # as the CLI
    doc = json.loads((tmp_path / "change.json").read_text("utf-8"))
    assert doc["landcover"]["sources"][1]["credit"] == AFTER_CREDIT
    assert doc["footprint"]["sources"][0]["credit"] == FP20_CREDIT
    assert doc["footprint"]["dates"][0]["source"] == "pits2020.geojson"
