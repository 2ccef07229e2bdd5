"""The demo's credits (issue 37 item 1): ``data/sample_boundaries/SOURCES.md`` and the
outputs of ``run demo.toml`` agree, layer by layer.

The expected credits are parsed from SOURCES.md (its "Credits in the demo's outputs"
table, cross-checked against the main table's real/synthetic column and its source
column), never copied from an earlier output.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from _credits_helpers import (
    flat,
    gpkg_metadata_xml,
    gpkg_sources,
    pdf_text,
    project_credits,
    project_xml,
    sources_rows,
)
from landprofile.i18n import strings


def _tables(md: str) -> list[list[dict[str, str]]]:
    """Every markdown table of ``md`` as rows of {header: cell} (backticks removed)."""
    out, cur, head = [], None, None
    for line in md.splitlines():
        if not line.startswith("|"):
            cur = head = None
            continue
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
        if head is None:
            head, cur = cells, []
            out.append(cur)
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            cur.append(dict(zip(head, cells, strict=True)))
    return out


@pytest.fixture(scope="module")
def expected(sample_dir):
    md = (sample_dir / "SOURCES.md").read_text("utf-8")
    tables = _tables(md)
    main = {r["file"]: r for r in tables[0]}
    credits = next(t for t in tables if "credit" in t[0])
    return main, credits


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sample_dir):
    from landprofile.pipeline import run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(sample_dir / "demo.toml", tmp_path_factory.mktemp("credits") / "out")


def _is_syn(row: dict[str, str]) -> bool:
    return row["synthetic"] == "yes"


def test_the_sources_tables_agree_with_each_other_and_with_demo_toml(expected, sample_dir):
    from landprofile.config import load_config

    main, credits = expected
    cfg = load_config(sample_dir / "demo.toml")
    given = cfg.section("credits")
    # every input of demo.toml is in the credits table, and every row is an input
    used = {Path(str(v)).name for v in _inputs(cfg)}
    assert {r["file"] for r in credits} == used
    for r in credits:
        # the main table says the same: synthetic there, synthetic here
        m = main[r["file"]]
        assert ("synthetic" in m["real / synthetic"]) == _is_syn(r), r["file"]
        if not _is_syn(r):
            told = m["source, licence, attribution"]
            assert r["credit"] in told, (r["file"], told)
            assert r["licence"] in told, (r["file"], told)
        # and demo.toml credits the file with these strings
        g = given[r["file"]]
        assert g["credit"] == r["credit"]
        assert g.get("licence", "") == r["licence"]
        assert bool(g.get("synthetic", False)) == _is_syn(r)


def _inputs(cfg) -> list:
    b, r = cfg.section("boundary"), cfg.section("rasters")
    out = [b["source"], b["clip"], r["land_cover"], r["population"]]
    return out + list(cfg.section("layers").values()) + list(cfg.section("card")["admin"])


def test_profile_json_credits_every_input_it_read(demo, expected):
    _, credits = expected
    data = json.loads(demo.profile_json.read_text("utf-8"))
    recs = {Path(s["source"]).name: s for s in data["sources"]}
    # the profile reads the boundary, its clip, the rasters and the overlap layers
    roles = {"boundary", "boundary_clip", "land_cover", "population"}
    roles |= {"sites", "concessions", "protected"}
    want = [r for r in credits if set(r["role in demo.toml"].split(", ")) & roles]
    assert len(want) == 7
    for r in want:
        rec = recs[r["file"]]
        assert rec["credit"] == r["credit"], r["file"]
        assert rec["licence"] == r["licence"], r["file"]
        assert rec["synthetic"] is _is_syn(r), r["file"]
        assert rec["given"] is True
        assert rec["origin"] == "config"
    # the overlap layers are credited too (they carried nothing before)
    assert {s["role"] for s in data["sources"]} >= {"layer:sites", "layer:concessions"}
    assert str(demo.folder.parent) not in demo.profile_json.read_text("utf-8")


def test_the_card_lists_every_input_with_its_credit(demo, expected):
    _, credits = expected
    rows = sources_rows(demo.card_html.read_text("utf-8"))
    s = strings("fr")
    for r in credits:
        hit = [x for x in rows if r["file"] in x["name"]]
        assert hit, f"{r['file']} is not in the card's sources"
        text = " ".join(x["attribution"] for x in hit)
        assert r["credit"] in text, (r["file"], text)
        assert r["licence"] in text, (r["file"], text)
        if _is_syn(r):
            assert s["credit_synthetic"] in text
    # the shipped context layer and the admin layers are listed
    roles = {x["role"] for x in rows}
    assert {s["context"], s["admin"], s["boundary_clip"]} <= roles
    assert s["credit_not_given"] not in " ".join(x["attribution"] for x in rows)


def test_the_pdf_prints_the_same_credits(demo, expected):
    _, credits = expected
    text = pdf_text(demo.card_pdf)
    for r in credits:
        assert flat(r["credit"]) in text, r["file"]
        assert flat(r["licence"]) in text, r["file"]


def test_zones_gpkg_and_its_qgis_project_carry_the_credits(demo, expected):
    _, credits = expected
    recs, lines = gpkg_sources(demo.zones_gpkg)
    by_name = {Path(x["source"]).name: x for x in recs}
    xml = gpkg_metadata_xml(demo.zones_gpkg)
    abstract, layers = project_credits(project_xml(demo.zones_gpkg))
    for r in credits:
        rec = by_name[r["file"]]
        assert rec["credit"] == r["credit"], r["file"]
        assert rec["licence"] == r["licence"], r["file"]
        assert rec["synthetic"] is _is_syn(r)
        assert r["credit"] in lines, r["file"]
        assert r["credit"] in abstract, r["file"]
        # GDAL keeps the dataset metadata in gpkg_metadata (XML-escaped)
        assert r["credit"].replace("&", "&amp;") in xml
    # each map layer's own rights and licence, in the project
    rows = {r["role in demo.toml"]: r for r in credits}
    sites = (
        layers["sites_landprofile"]
        if "sites_landprofile" in layers
        else next(v for k, v in layers.items() if k.startswith("sites"))
    )
    assert any(rows["sites"]["credit"] in x for x in sites["rights"])
    assert sites["licences"] == [rows["sites"]["licence"]]
    towns = next(v for k, v in layers.items() if k.startswith("context_towns"))
    assert towns["licences"] == ["CC BY 4.0"]
    assert "GeoNames" in towns["rights"][0]
    zones = next(v for k, v in layers.items() if k.startswith("zones"))
    assert len(zones["rights"]) >= len(credits)  # made from every input
    assert re.search(r"context: Natural Earth", abstract)
