"""Each named source's credit reaches every output (issue 37, "a test per source").

One run reads every catalogue source from a local host laid out like the providers'
(the files and layout of ``tests/test_sources_host_matrix.py``): WorldCover 2020 and
2021 (land cover, and the change between them), Copernicus GLO-30, WorldPop, Earth
Genome (sites), HydroBASINS (water), Natural Earth and geoBoundaries (the card's admin
layers). Its profile.json, change.json, card.html, card.pdf and zones.gpkg (with the
QGIS project stored in it) are read back, and each source's own strings, as
:func:`landprofile.sources.catalogue.citation_for` gives them, are found in each output
that uses the source. The vector sources a profile does not read in a run are also
profiled as overlap layers, so profile.json credits every source. ``stac:`` has its own
host (a STAC API whose collection states its credit, ``tests/test_sources_credits.py``):
profile.json, change.json and card.html.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
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
from _sources_helpers import isolated  # noqa: F401
from landprofile.sources.catalogue import citation_for
from test_sources_credits import STAC_CREDIT, stac_host  # noqa: F401
from test_sources_host_matrix import EG, _serve, _tile, _vector, _worldpop

AREA = (-1.58, 5.42, -1.52, 5.48)
RASTERS = ["worldcover:2020", "worldcover:2021", "copdem30"]
VECTORS = ["naturalearth:admin0", "hydrobasins:af/lev10", "geoboundaries:GHA/ADM2", EG]
WORLDPOP = "worldpop:GHA/2020"
ALL = [*RASTERS, WORLDPOP, *VECTORS]
#: The strings of a credit that must be found in an output.
KEYS = ("licence", "citation", "doi", "notice")


def _strings(name: str) -> dict[str, str]:
    c = citation_for(name)
    assert c, name
    assert c.get("citation"), name  # the catalogue credits every source
    return {k: str(c[k]) for k in KEYS if c.get(k)}


@pytest.fixture(scope="module")
def run_all(tmp_path_factory):
    d = tmp_path_factory.mktemp("sources")
    files: dict[str, bytes] = {}
    for name in RASTERS:
        route, local = _tile(d, name)
        files[route] = local.read_bytes()
    route, local = _worldpop(d)
    files[route] = local.read_bytes()
    for name in VECTORS:
        route, local, _ = _vector(d, name)
        files[route] = local.read_bytes()
    srv, base, _ = _serve(files, "ranges")
    gpd.GeoDataFrame({"name": ["area"]}, geometry=[box(*AREA)], crs=4326).to_file(
        d / "area.geojson"
    )
    (d / "c.toml").write_text(
        'name = "Every source"\nlanguage = "en"\n'
        '[boundary]\nmethod = "custom"\nsource = "area.geojson"\n'
        f'[rasters]\nland_cover = "worldcover:2021"\npopulation = "{WORLDPOP}"\n'
        'dem = "copdem30"\n'
        f'[layers]\nsites = "{EG}"\nwater = "hydrobasins:af/lev10"\n'
        "[zoning]\nresolution_m = 200\n[select]\nenabled = false\n"
        '[change]\nbefore = "worldcover:2020"\nafter = "worldcover:2021"\n'
        '[card]\nadmin = ["naturalearth:admin0", "geoboundaries:GHA/ADM2"]\n',
        "utf-8",
    )
    from landprofile.pipeline import run

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mp.setenv("LANDPROFILE_CACHE", str(d / "cache"))
        mp.setenv("LANDPROFILE_DATA_MIRROR", base)
        try:
            out = run(d / "c.toml", d / "out")
            # what the run's profile does not read: 2020 (change.json's first date)
            # and the vector sources, as overlap layers
            ls = lp.from_polygons(d / "area.geojson", name="area")
            layers = {n.split(":")[0]: n for n in VECTORS}
            prof = lp.profile(ls, land_cover="worldcover:2020", layers=layers)
            extra = json.loads(prof.to_json())
            strings = {n: _strings(n) for n in ALL}  # the mirror's records, if any
        finally:
            srv.shutdown()
            srv.server_close()
    return {"out": out, "extra": extra, "strings": strings, "dir": d}


def _records(doc: dict) -> dict[str, dict]:
    return {str(s["source"]): s for s in doc["sources"]}


@pytest.mark.parametrize("name", ALL)
def test_profile_json_holds_the_source_s_credit(run_all, name):
    main = json.loads(run_all["out"].profile_json.read_text("utf-8"))
    recs = _records(main) | _records(run_all["extra"])
    rec = recs[name]
    for key, want in run_all["strings"][name].items():
        assert rec[key] == want, (name, key)
    assert rec["given"] is True
    assert rec["origin"] == "catalogue"


@pytest.mark.parametrize("name", ALL)
def test_card_html_and_pdf_print_the_source_s_credit(run_all, name):
    rows = sources_rows(run_all["out"].card_html.read_text("utf-8"))
    text = " ".join(r["attribution"] for r in rows if name in r["name"])
    assert text, f"{name} is not in the card's sources"
    pdf = pdf_text(run_all["out"].card_pdf)
    for key, want in run_all["strings"][name].items():
        assert want in text, (name, key)
        assert flat(want) in pdf, (name, key)
    doi = run_all["strings"][name].get("doi")
    if doi:  # once a row, never twice (WorldPop's was printed twice)
        for r in rows:
            if name in r["name"]:
                assert r["attribution"].count(doi) == 1, (name, r)


@pytest.mark.parametrize("name", ALL)
def test_zones_gpkg_and_its_project_hold_the_source_s_credit(run_all, name):
    recs, lines = gpkg_sources(run_all["out"].zones_gpkg)
    rec = next(r for r in recs if r["source"] == name)
    abstract, _ = project_credits(project_xml(run_all["out"].zones_gpkg))
    for key, want in run_all["strings"][name].items():
        assert rec[key] == want, (name, key)
        assert want in lines, (name, key)
        assert want in abstract, (name, key)


def test_change_json_cites_both_worldcover_years(run_all):
    doc = json.loads((run_all["out"].folder / "change.json").read_text("utf-8"))
    before, after = doc["landcover"]["sources"]
    assert (before["name"], before["doi"]) == ("worldcover:2020", "10.5281/zenodo.5571936")
    assert (after["name"], after["doi"]) == ("worldcover:2021", "10.5281/zenodo.7254221")
    for rec in (before, after):
        for key, want in run_all["strings"][rec["name"]].items():
            assert rec[key] == want, (rec["name"], key)
    assert "(2020)" in before["notice"]
    assert "(2021)" in after["notice"]


def test_the_qgis_layers_carry_their_source_s_rights(run_all):
    _, layers = project_credits(project_xml(run_all["out"].zones_gpkg))
    for table, name in (("sites", EG), ("water", "hydrobasins:af/lev10")):
        lyr = next(v for k, v in layers.items() if k.startswith(table))
        want = run_all["strings"][name]
        assert any(want["citation"] in r for r in lyr["rights"]), table
        assert lyr["licences"] == [want["licence"]], table
    lc = next(v for k, v in layers.items() if k.startswith("land_cover"))
    assert any("10.5281/zenodo.7254221" in r for r in lc["rights"])


def test_a_stac_source_is_credited_from_its_collection(stac_host, tmp_path):  # noqa: F811
    from landprofile.pipeline_change import write_change

    url, _ = stac_host
    name = f"stac:{url}#lc@2021/map"
    ls = lp.from_polygons(
        gpd.GeoDataFrame(geometry=[box(-2.0, 5.0, -1.9, 5.1)], crs=4326), name="stac area"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof = lp.profile(ls, land_cover=name, legend="esa_worldcover_v200")
        ch = lp.change(ls, name, name, legend="esa_worldcover_v200")
        card = lp.card(prof, lang="en", change=ch)
    rec = json.loads(prof.to_json())["sources"][1]
    for key in ("licence", "citation", "doi", "url"):
        assert rec[key] == STAC_CREDIT[key], key
    assert rec["credit"] == STAC_CREDIT["providers"]
    write_change(tmp_path / "change.json", ch, None)
    doc = json.loads((tmp_path / "change.json").read_text("utf-8"))
    assert [s["doi"] for s in doc["landcover"]["sources"]] == [STAC_CREDIT["doi"]] * 2
    rows = sources_rows(card.html)
    text = " ".join(r["attribution"] for r in rows)
    for key in ("licence", "citation", "doi", "providers"):
        assert STAC_CREDIT[key] in text, key
    assert str(Path.home()) not in json.dumps(rec)
