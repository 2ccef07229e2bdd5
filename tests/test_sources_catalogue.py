"""Named sources by the book: strict specs, each version's legend and citation, and the
warnings a version change or coarse cells call for. No network: a folder mirror."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

import landprofile as lp
from _sources_helpers import WC20, WC21, land
from landprofile import sources
from landprofile.errors import DataWarning, InvalidParameterError
from landprofile.sources.catalogue import SOURCES, check_spec, citation_for, legend_for
from landprofile.testing import write_geotiff


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "mirror"
    t = Affine(0.005, 0, -3.0, 0, -0.005, 6.0)
    rng = np.random.default_rng(1)
    data = np.array([10, 20, 30, 40, 50], np.uint8)[rng.integers(0, 5, (600, 600))]
    for rel in (WC20, WC21):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_geotiff(root / rel, data, t, "EPSG:4326", nodata=0)
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    return root


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("worldcover:", "give the year"),
        ("worldcover:2019", "worldcover:2020 (v100)"),
        ("copdem30:anything", "takes no spec"),
        ("worldpop:GHA/2021", "2000-2020"),
        ("worldpop:GHA/1999", "2000-2020"),
        ("hydrobasins:af/lev13", "level 01-12"),
        ("geoboundaries:GH/ADM2", "ISO3/ADMn"),
        ("stac:https://example.org/catalog.json", "#{collection}"),
    ],
)
def test_a_name_the_source_does_not_know_is_refused_by_name(name, text):
    vector = name.startswith(("hydrobasins", "geoboundaries"))

    def read() -> object:
        if vector:
            return sources.vector(name)
        return sources.raster(name, (-2.0, 5.0, -1.9, 5.1))

    with pytest.raises(InvalidParameterError) as err:
        read()
    assert text in str(err.value)
    assert name.split(":")[0] in str(err.value)


def test_a_config_refuses_a_bad_name_before_any_stage(tmp_path):
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "a"},
                        "geometry": box(-2.0, 5.0, -1.9, 5.1).__geo_interface__,
                    }
                ],
            }
        )
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        '[rasters]\nland_cover = "copdem30:2021"\n',
        encoding="utf-8",
    )
    from landprofile.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"land_cover.*copdem30:2021.*takes no spec"):
        load_config(cfg)


def test_each_worldcover_year_has_its_own_legend_doi_and_attribution():
    assert legend_for("worldcover:2020") == "esa_worldcover_v100"
    assert legend_for("worldcover:2021") == "esa_worldcover_v200"
    assert legend_for("some/file.tif") is None
    c20, c21 = citation_for("worldcover:2020"), citation_for("worldcover:2021")
    assert c20["doi"] == "10.5281/zenodo.5571936"
    assert "2020" in c20["citation"]
    assert c21["doi"] == "10.5281/zenodo.7254221"
    # the attribution ESA asks of a map is the notice, beside the dataset citation
    assert "(2021)" in c21["notice"]
    assert "v100" in c20["citation"]
    assert "v200" in c21["citation"]
    # WorldPop's 100 m country counts are WP00645 (WP00671 is the 1 km product)
    assert citation_for("worldpop:GHA/2020")["doi"] == "10.5258/SOTON/WP00645"
    assert "WP00671" not in SOURCES["worldpop"].citation
    assert "all rights reserved" in citation_for("copdem30")["citation"]
    check_spec(SOURCES["copdem30"], "")  # the bare name is the right one


def test_the_profile_carries_the_version_s_citation_and_legend(mirror, tmp_path):
    ls = land()
    prof = lp.profile(ls, land_cover="worldcover:2020")
    rec = prof.sources[1]
    assert rec["source"] == "worldcover:2020"
    assert rec["legend"] == "esa_worldcover_v100"
    assert rec["doi"] == "10.5281/zenodo.5571936"
    assert rec["licence"] == "CC BY 4.0"
    data = json.loads(prof.to_json(tmp_path / "p.json"))
    assert data["sources"][1]["doi"] == "10.5281/zenodo.5571936"
    assert "Copernicus Sentinel data (2020)" in data["sources"][1]["notice"]
    assert "ESA WorldCover 10 m 2020 v100" in data["sources"][1]["citation"]


def test_change_between_worldcover_versions_says_the_method_changed(mirror):
    with pytest.warns(DataWarning, match="different versions of ESA WorldCover"):
        ch = lp.change(land(), "worldcover:2020", "worldcover:2021")
    # same data both years: no real transition between classes
    t = ch.transitions
    cls = t[t["kind"] == "class"]
    assert (cls["from_value"] == cls["to_value"]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        lp.change(land(), "worldcover:2021", "worldcover:2021")


def test_coarse_land_cover_is_named_with_a_finer_source(tmp_path):
    # 0.05° cells (about 5.5 km) over a 300,000 ha landscape: a few hundred cells
    t = Affine(0.05, 0, -3.0, 0, -0.05, 7.0)
    path = tmp_path / "coarse.tif"
    write_geotiff(path, np.full((40, 40), 10, np.uint8), t, "EPSG:4326", nodata=0)
    ls = land(box(-2.5, 5.0, -2.0, 5.5))
    with pytest.warns(DataWarning, match=r"about 5\.\d km across.*worldcover:2021") as rec:
        prof = lp.profile(ls, land_cover=path, legend="esa_worldcover_v200")
    n = ls.area_ha * 1e4 / (prof.sources[1]["cell_m"] ** 2)
    assert f"{n:,.0f}" in str(rec[0].message)
    assert prof.sources[1]["coarse"] is True
    # 0.005° cells (about 550 m): no warning
    fine = tmp_path / "fine.tif"
    write_geotiff(
        fine,
        np.full((400, 400), 10, np.uint8),
        Affine(0.005, 0, -3.0, 0, -0.005, 7.0),
        "EPSG:4326",
        nodata=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        p2 = lp.profile(ls, land_cover=fine, legend="esa_worldcover_v200")
    assert "coarse" not in p2.sources[1]
    assert p2.sources[1]["cell_m"] == pytest.approx(0.005 * 111_320 * 0.9966, rel=0.01)


def test_the_geopackage_carries_the_inputs_citations(tmp_path, mirror):
    import geopandas as gpd
    import pyogrio

    from landprofile.pipeline import input_sources, load_config
    from landprofile.zoning import candidates

    ls = land()
    conc = gpd.GeoDataFrame(
        {"type": ["artisanal"]}, geometry=[box(-1.98, 5.02, -1.96, 5.04)], crs=4326
    )
    cfg_path = tmp_path / "c.toml"
    gpd.GeoDataFrame({"name": ["w"]}, geometry=[ls.geometry], crs=4326).to_file(
        tmp_path / "b.geojson"
    )
    conc.to_file(tmp_path / "conc.geojson")
    cfg_path.write_text(
        'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        '[rasters]\nland_cover = "worldcover:2021"\n'
        '[layers]\nconcessions = "conc.geojson"\n',
        encoding="utf-8",
    )
    cfg = load_config(cfg_path)
    prof = lp.profile(ls, land_cover="worldcover:2021")
    srcs = input_sources(cfg, prof)
    assert [s["role"] for s in srcs] == ["boundary", "land_cover", "layer:concessions"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lp.errors.RulesWarning)
        res = candidates(ls, concessions=conc, resolution_m=100)
    res.to_gpkg(tmp_path / "z.gpkg", sources=srcs)
    meta = pyogrio.read_info(tmp_path / "z.gpkg", layer="zones")["dataset_metadata"]
    got = json.loads(meta["landprofile_sources"])
    wc = next(s for s in got if s["role"] == "land_cover")
    assert wc["doi"] == "10.5281/zenodo.7254221"
    assert "Copernicus Sentinel data (2021)" in wc["notice"]
    assert "ESA WorldCover 10 m 2021 v200" in wc["citation"]
    # no absolute path of this machine in what is shared
    assert str(tmp_path) not in meta["landprofile_sources"]


@pytest.mark.parametrize(
    ("lang", "coarse", "credit"),
    [
        ("en", "too coarse for a landscape", "GeoNames (CC BY 4.0)"),
        ("fr", "trop grossières", "Natural Earth (domaine public)"),
        ("es", "demasiado gruesas", "GeoNames (CC BY 4.0)"),
    ],
)
def test_the_card_says_the_land_cover_is_coarse_and_credits_its_data(
    tmp_path, mirror, lang, coarse, credit
):
    import html as html_mod

    t = Affine(0.05, 0, -3.0, 0, -0.05, 7.0)
    path = tmp_path / "coarse.tif"
    write_geotiff(path, np.full((40, 40), 10, np.uint8), t, "EPSG:4326", nodata=0)
    ls = land(box(-2.5, 5.0, -2.0, 5.5))
    with pytest.warns(DataWarning):
        prof = lp.profile(ls, land_cover=path, legend="esa_worldcover_v200")
    text = html_mod.unescape(lp.card(prof, lang=lang).html)
    assert coarse in text
    assert credit in text
    # a named source's citation reaches the card's sources table
    named = lp.profile(land(), land_cover="worldcover:2021")
    page = html_mod.unescape(lp.card(named, lang=lang).html)
    assert "doi:10.5281/zenodo.7254221" in page
