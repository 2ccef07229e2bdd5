"""The styled GeoPackage, read back without QGIS: version, styles, project, escaping, bytes.

What QGIS makes of it is checked in real QGIS by ``test_qgis_real.py``; here the file's
own content is compared with the card's style definitions (``maps.styles``) and the
legend, and with the GeoPackage and QGIS conventions (read from QGIS 3.22's source and
from files it wrote: ``layer_styles`` keyed by ``f_table_schema = ''``, table name and
geometry column; ``qgis_projects`` holding the ``.qgz`` as hexadecimal text).
"""

from __future__ import annotations

import io
import sqlite3
import tomllib
import warnings
import xml.etree.ElementTree as ET
import zipfile
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import ScaleWarning
from landprofile.legend import load_legend
from landprofile.maps.styles import SCORE_COLORS, STYLES, score_classes, zone_legend
from landprofile.zoning import candidates

UTM = "EPSG:32630"
HOSTILE = "<script>alert('x')</script> & \"Tarkwa\" l'or"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A small zoning with a hostile landscape name and rule label, written twice."""
    tmp = tmp_path_factory.mktemp("gpkg")
    x0, y0 = 600_000, 600_000
    ls = lp.Landscape(
        name=HOSTILE,
        geometry=box(x0, y0, x0 + 12_000, y0 + 12_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    conc = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=[box(x0 + 1_000, y0 + 1_000, x0 + 4_000, y0 + 4_000)], crs=UTM
    )
    pa = gpd.GeoDataFrame(
        {"name": [HOSTILE]}, geometry=[Point(x0 + 9_000, y0 + 9_000).buffer(1_500)], crs=UTM
    )
    river = gpd.GeoDataFrame(
        geometry=[LineString([(x0, y0 + 6_000), (x0 + 12_000, y0 + 6_500)])], crs=UTM
    )
    rules = tomllib.loads(
        resources.files("landprofile").joinpath("data/rules/default_igf.toml").read_text("utf-8")
    )
    rules["exclude"]["hostile"] = {"layer": "protected", "buffer_m": 0, "description": HOSTILE}
    # a land cover of two WorldCover classes (10 tree cover west, 30 grassland east)
    lc = tmp / "lc.tif"
    values = np.full((130, 130), 30, dtype=np.uint8)
    values[:, :60] = 10
    values[:5, :] = 0  # WorldCover's no data
    with rasterio.open(
        lc,
        "w",
        driver="GTiff",
        width=130,
        height=130,
        count=1,
        dtype="uint8",
        crs=UTM,
        transform=from_origin(x0 - 500, y0 + 12_500, 100, 100),
        nodata=0,
    ) as ds:
        ds.write(values, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = candidates(
            ls,
            concessions=conc,
            protected=pa,
            rivers=river,
            rules=rules,
            resolution_m=100,
            lang="fr",
            select={"n_zones": 3, "zone_area_ha": (50, 1000)},
        )
    paths = [tmp / "a" / "zones.gpkg", tmp / "b" / "zones.gpkg"]
    for p in paths:
        p.parent.mkdir()
        res.to_gpkg(p, land_cover=lc, legend="esa_worldcover_v200")
    return {"res": res, "paths": paths, "tmp": tmp, "lc": lc, "values": values}


def _con(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def _style(path: Path, table: str) -> ET.Element:
    row = (
        _con(path)
        .execute(
            "SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault", (table,)
        )
        .fetchone()
    )
    assert row is not None, f"no default style for {table}"
    return ET.fromstring(row[0])


def _qgs(path: Path) -> tuple[str, str]:
    name, content = _con(path).execute("SELECT name, content FROM qgis_projects").fetchone()
    with zipfile.ZipFile(io.BytesIO(bytes.fromhex(content))) as zf:
        (qgs,) = [n for n in zf.namelist() if n.endswith(".qgs")]
        return name, zf.read(qgs).decode("utf-8")


def test_geopackage_version_1_3(made):
    con = _con(made["paths"][0])
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10300


def test_every_layer_has_a_default_style_row(made):
    con = _con(made["paths"][0])
    tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")]
    layers = [t for t in tables if t != "layer_styles"]
    # the zoning, what the card draws around it, the land cover (a tiles table)
    for t in ("zones", "other_suitable", "exclusions", "conflicts", "boundary", "land_cover"):
        assert t in layers
    assert {"protected", "concessions", "rivers", "context_countries", "context_towns"} <= set(
        layers
    )
    geom = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    rows = con.execute(
        "SELECT f_table_name, f_table_schema, f_geometry_column, useAsDefault FROM layer_styles"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(layers)
    for table, schema, column, default in rows:
        # what QGIS's OGR provider selects a default style by
        assert schema == ""
        assert default == 1
        assert column == geom.get(table, "")
    # layer_styles is an attributes table OGR (and so QGIS) sees, with its count
    kind = con.execute(
        "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
    ).fetchone()[0]
    assert kind == "attributes"
    assert con.execute(
        "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'"
    ).fetchone()[0] == len(rows)


def _rgba(color: str, opacity: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(255 * opacity)}"


def test_zone_classes_are_the_cards(made):
    res = made["res"]
    min_score = float(res.summary["min_score"])
    qml = _style(made["paths"][0], "zones")
    renderer = qml.find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol"
    assert renderer.get("attr") == "score"
    ranges = renderer.findall("ranges/range")
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    classes = score_classes(min_score)
    texts = zone_legend(min_score, "fr")
    # highest first, as the card's legend
    assert len(ranges) == len(classes) == len(SCORE_COLORS)
    for rg, (lo, hi), color, (_, _, _, text) in zip(
        ranges, classes[::-1], SCORE_COLORS[::-1], texts[::-1], strict=True
    ):
        assert float(rg.get("upper")) == pytest.approx(hi, abs=1e-12)
        if lo > min_score:  # the lowest class starts at 0: a score under min_score is pale
            assert float(rg.get("lower")) == pytest.approx(lo, abs=1e-12)
        assert rg.get("label") == text
        fill = symbols[rg.get("symbol")].find("layer")
        opts = {o.get("name"): o.get("value") for o in fill.findall("Option/Option")}
        assert opts["color"] == _rgba(color, float(STYLES["zones"]["fillOpacity"]))
        assert opts["outline_color"] == _rgba(str(STYLES["zones"]["color"]), 1.0)
        # Leaflet px -> QGIS mm at 96 px per inch
        width = float(opts["outline_width"])
        assert width == pytest.approx(float(STYLES["zones"]["weight"]) * 25.4 / 96, abs=1e-6)
        assert opts["outline_width_unit"] == "MM"
    assert qml.find("labeling/settings/text-style").get("fieldName") == "zone_id"
    # every zone gets the class the card gives it (score_color: a bound goes up)
    lowers = [float(r.get("lower")) for r in ranges]
    uppers = [float(r.get("upper")) for r in ranges]
    from landprofile.maps.styles import score_color

    for score in [*res.zones["score"], *(hi for _, hi in classes[:-1])]:
        first = next(
            i for i, (a, b) in enumerate(zip(lowers, uppers, strict=True)) if a <= score <= b
        )
        assert SCORE_COLORS[::-1][first] == score_color(float(score), min_score)


def test_aliases_and_exclusion_categories_in_the_cards_language(made):
    path = made["paths"][0]
    zones = _style(path, "zones")
    aliases = {a.get("field"): a.get("name") for a in zones.findall("aliases/alias")}
    s = lp.i18n.strings("fr")
    assert aliases["zone_id"] == s["field_zone_id"]
    assert aliases["score"] == s["field_score"]
    excl = _style(path, "exclusions").find("renderer-v2")
    assert excl.get("type") == "categorizedSymbol"
    assert excl.get("attr") == "rule"
    res = made["res"].in_language("fr")
    labels = {c.get("value"): c.get("label") for c in excl.findall("categories/category")}
    assert labels == dict(zip(res.exclusions["rule"], res.exclusions["label"], strict=True))
    # the hostile rule label comes back as given: escaped in the file, not dropped
    assert labels["hostile"] == HOSTILE


def test_hostile_text_is_escaped(made):
    path = made["paths"][0]
    raw_styles = [r[0] for r in _con(path).execute("SELECT styleQML FROM layer_styles")]
    name, qgs = _qgs(path)
    assert name == HOSTILE
    for text in [*raw_styles, qgs]:
        assert "<script>" not in text
        ET.fromstring(text.split("\n", 1)[1])  # well-formed after the DOCTYPE
    root = ET.fromstring(qgs.split("\n", 1)[1])
    assert root.get("projectname") == HOSTILE
    assert root.findtext("title") == HOSTILE
    assert "&lt;script&gt;" in qgs
    assert "&amp;" in qgs


def test_project_layers_crs_extent_and_relative_sources(made):
    path = made["paths"][0]
    _, qgs = _qgs(path)
    root = ET.fromstring(qgs.split("\n", 1)[1])
    assert root.findtext("projectCrs/spatialrefsys/authid") == UTM
    ext = root.find("ProjectViewSettings/DefaultViewExtent")
    bounds = made["res"].landscape.geometry.bounds
    assert [float(ext.get(k)) for k in ("xmin", "ymin", "xmax", "ymax")] == pytest.approx(bounds)
    sources = [m.findtext("datasource") for m in root.iter("maplayer")]
    assert "./zones.gpkg|layername=zones" in sources
    assert "GPKG:./zones.gpkg:land_cover" in sources
    assert all(s.startswith(("./zones.gpkg|", "GPKG:./zones.gpkg:")) for s in sources)
    # the top of QGIS's tree is the card's last drawn layer; the context is one group
    tree = root.find("layer-tree-group")
    first = tree.find("layer-tree-layer")
    assert first.get("id").startswith("zones")
    groups = tree.findall("layer-tree-group")
    assert [g.get("name") for g in groups] == [lp.i18n.strings("fr")["context"]]


def test_no_path_of_this_machine(made):
    home = str(Path.home())
    for path in made["paths"]:
        data = path.read_bytes()
        _, qgs = _qgs(path)
        for where in (str(made["tmp"]), str(path.parent), home):
            assert where.encode() not in data
            assert where not in qgs


def test_same_result_same_bytes(made):
    a, b = made["paths"]
    assert a.read_bytes() == b.read_bytes()


def test_land_cover_exact_classes_and_palette(made):
    path = made["paths"][0]
    res = made["res"]
    with rasterio.open(f"GPKG:{path}:land_cover") as ds:
        assert ds.count == 4  # GDAL reads grey + mask tiles as RGBA
        grey, mask = ds.read(1), ds.read(4)
        inside = mask == 255
        # oracle: the source cell under each inside cell's centre
        rows, cols = np.nonzero(inside)
        xs, ys = rasterio.transform.xy(ds.transform, rows, cols)
    with rasterio.open(made["lc"]) as src:
        r, c = rasterio.transform.rowcol(src.transform, xs, ys)
        expected = made["values"][np.asarray(r), np.asarray(c)]
    assert inside.any()
    assert (grey[inside] == expected).all()
    assert set(np.unique(grey[inside])) == {10, 30}  # no data (0) is masked, not a class
    centres = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=UTM)
    assert centres.within(res.landscape.geometry.buffer(1e-6)).all()
    pal = _style(path, "land_cover").find("pipe/rasterrenderer")
    assert pal.get("type") == "paletted"
    assert pal.get("alphaBand") == "4"
    leg = load_legend("esa_worldcover_v200").by_value()
    entries = {int(e.get("value")): e for e in pal.findall("colorPalette/paletteEntry")}
    assert set(entries) == {10, 30}
    for v, e in entries.items():
        assert e.get("color") == leg[v].color.lower()
        assert e.get("label") == leg[v].name("fr")


def test_write_vector_gpkg_is_1_3_and_styled(tmp_path):
    from landprofile._vector_out import write_vector

    gdf = gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    out = write_vector(gdf, tmp_path / "b.gpkg", layer="boundary", lang="es")
    con = _con(out)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
    qml = _style(out, "boundary")
    fill = qml.find("renderer-v2/symbols/symbol/layer")
    opts = {o.get("name"): o.get("value") for o in fill.findall("Option/Option")}
    assert opts["style"] == "no"  # the card's boundary is not filled
    assert opts["outline_color"] == _rgba(str(STYLES["boundary"]["color"]), 1.0)
    aliases = {a.get("field"): a.get("name") for a in qml.findall("aliases/alias")}
    assert aliases["name"] == lp.i18n.strings("es")["field_name"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


# landprofile qgis project CONFIG --out FILE.gpkg


@pytest.fixture
def square_cfg(tmp_path):
    gpd.GeoDataFrame(geometry=[box(600_000, 600_000, 612_000, 612_000)], crs=UTM).to_file(
        tmp_path / "b.gpkg"
    )
    cfg = tmp_path / "ls.toml"
    cfg.write_text('name = "Square"\n[boundary]\nmethod = "custom"\nsource = "b.gpkg"\n')
    return cfg


def test_qgis_project_refuses_another_extension_before_any_work(tmp_path, square_cfg, monkeypatch):
    from click.testing import CliRunner

    import landprofile.pipeline as pipeline
    from landprofile.cli import cli

    def no_work(*a, **k):
        raise AssertionError("the work ran")

    monkeypatch.setattr(pipeline, "build_boundary", no_work)
    out = tmp_path / "out" / "project.qgz"
    r = CliRunner().invoke(cli, ["qgis", "project", str(square_cfg), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert str(out) in r.output
    assert ".gpkg" in r.output
    assert not out.parent.exists()


def test_qgis_project_writes_the_styled_geopackage(tmp_path, square_cfg, monkeypatch, made):
    from click.testing import CliRunner

    import landprofile.pipeline as pipeline
    from landprofile.cli import cli

    # the zoning of the module's fixture, without the work
    monkeypatch.setattr(pipeline, "build_zoning", lambda *a, **k: made["res"])
    out = tmp_path / "out" / "Mon projet.gpkg"
    out.parent.mkdir()
    r = CliRunner().invoke(cli, ["qgis", "project", str(square_cfg), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary left
    name, qgs = _qgs(out)
    assert name == HOSTILE  # the result's landscape
    assert "./Mon projet.gpkg|layername=zones" in qgs
    assert _con(out).execute("PRAGMA user_version").fetchone()[0] == 10300


def test_run_writes_the_styled_geopackage_with_its_project(tmp_path, made):
    import landprofile.pipeline as pipeline

    src = tmp_path / "in"
    src.mkdir()
    x0, y0 = 600_000, 600_000
    gpd.GeoDataFrame(geometry=[box(x0, y0, x0 + 12_000, y0 + 12_000)], crs=UTM).to_file(
        src / "b.gpkg"
    )
    gpd.GeoDataFrame(
        {"name": ["R"]}, geometry=[Point(x0 + 9_000, y0 + 9_000).buffer(1_500)], crs=UTM
    ).to_file(src / "pa.gpkg")
    # the module's land cover with a built-up patch, which the default rules exclude (the
    # card cannot draw an exclusion rule's empty land yet)
    with rasterio.open(made["lc"]) as ds:
        profile, values = ds.profile, ds.read(1)
    values[60:70, 100:110] = 50
    with rasterio.open(src / "lc.tif", "w", **profile) as ds:
        ds.write(values, 1)
    cfg = src / "ls.toml"
    cfg.write_text(
        'name = "Carré & co"\nlanguage = "es"\n[boundary]\nmethod = "custom"\nsource = "b.gpkg"\n'
        '[rasters]\nland_cover = "lc.tif"\nlegend = "esa_worldcover_v200"\n'
        '[layers]\nprotected = "pa.gpkg"\n[zoning]\nresolution_m = 100\n'
        "[select]\nn_zones = 2\nzone_area_ha = [50, 1000]\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pipeline.run(cfg, tmp_path / "out")
    path = out.zones_gpkg
    con = _con(path)
    tables = {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
    assert {"zones", "boundary", "protected", "land_cover", "context_countries"} <= tables
    name, qgs = _qgs(path)
    assert name == "Carré & co"
    root = ET.fromstring(qgs.split("\n", 1)[1])
    titles = [m.findtext("layername") for m in root.iter("maplayer")]
    s = lp.i18n.strings("es")
    assert s["protected"] in titles  # the card's language
    assert s["land_cover"] in titles
    # the user's layer with its attributes, as given
    assert gpd.read_file(path, layer="protected")["name"].tolist() == ["R"]


# ------------------------------------------------------------ issue 35 item 4, issue 36 item 5


def _symbol_colours(symbol: ET.Element) -> tuple[str, str, str]:
    """(fill, stroke, dash) of a categorised exclusion symbol as the QML writes it."""
    fill = next(p.get("v") for p in symbol.iter("prop") if p.get("k") == "color")
    line = symbol.findall("layer")[-1]
    props = {p.get("k"): p.get("v") for p in line.iter("prop")}
    return fill, props.get("line_color", props.get("outline_color")), props.get("customdash", "")


def test_each_exclusion_rule_has_its_own_symbol_on_the_card_and_in_qgis(made):
    from landprofile.maps.explore import card_map
    from landprofile.maps.spec import map_spec
    from landprofile.maps.styles import exclusion_styles
    from landprofile.qgis.qml import rgba

    res = made["res"].in_language("fr")
    expected = exclusion_styles(res.exclusions["rule"])
    assert len(expected) >= 4
    excl = _style(made["paths"][0], "exclusions").find("renderer-v2")
    symbols = {s.get("name"): s for s in excl.findall("symbols/symbol")}
    seen = set()
    for cat in excl.findall("categories/category"):
        st = expected[cat.get("value")]
        fill, stroke, dash = _symbol_colours(symbols[cat.get("symbol")])
        assert fill == rgba(str(st["fillColor"]), float(st["fillOpacity"]))
        assert stroke == rgba(str(st["color"]))
        seen.add((fill, stroke, dash))
    assert len(seen) == len(expected)  # no two rules alike in QGIS
    # the card's map draws each exclusion in its rule's style (the same definitions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m, drew = card_map(lp.Profile(landscape=made["res"].landscape), zoning=made["res"])
        spec = map_spec(m)
    group = next(g for g in spec["groups"] if g["name"] == lp.i18n.strings("fr")["exclusions"])
    feats = [f for it in group["items"] if it["type"] == "geojson" for f in it["data"]["features"]]
    drawn = res.exclusions[~res.exclusions.is_empty]
    assert len(feats) == len(drawn)
    card = set()
    for f, rule in zip(feats, drawn["rule"], strict=True):
        assert f["properties"]["s"]["fillColor"] == expected[rule]["fillColor"]
        assert f["properties"]["s"]["dashArray"] == expected[rule]["dashArray"]
        card.add((f["properties"]["s"]["color"], f["properties"]["s"]["dashArray"]))
    assert len(card) == drawn["rule"].nunique()
    # and the legend has one row per rule, in its colour
    rows = [c for c, text in drew.legend if text.startswith(group["name"] + " · ")]
    assert rows == [str(expected[r]["fillColor"]) for r in expected]


def test_every_field_alias_is_distinct(made):
    for table in ("zones", "exclusions", "boundary", "conflicts"):
        root = _style(made["paths"][0], table)
        shown = [(a.get("name") or a.get("field")).casefold() for a in root.iter("alias")]
        assert len(shown) == len(set(shown)), (table, shown)
    zones = {a.get("field"): a.get("name") for a in _style(made["paths"][0], "zones").iter("alias")}
    if "why_short" in zones:
        assert zones["why"] != zones["why_short"]


def test_project_measures_on_wgs84_in_hectares(made):
    _, qgs = _qgs(made["paths"][0])
    root = ET.fromstring(qgs.split("\n", 1)[1])
    assert root.findtext("properties/Measure/Ellipsoid") == "EPSG:7030"
    assert root.findtext("properties/Measurement/AreaUnits") == "ha"


CONTROL = [chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20))]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_control_characters_are_removed_from_the_xml_with_a_warning(char):
    from landprofile.errors import DataWarning
    from landprofile.qgis import qml

    style = qml.vector_style("zones", "Polygon", [f"f{char}x"], {f"f{char}x": f"a{char}b"})
    with pytest.warns(DataWarning, match=f"U\\+{ord(char):04X}"):
        text = qml.vector_qml(style)
    root = ET.fromstring(text.split("\n", 1)[1])  # well-formed
    assert root.find("aliases/alias").get("name") == "ab"
    assert root.find("aliases/alias").get("field") == "fx"


def test_a_control_character_in_the_landscape_name_gives_a_well_formed_project(tmp_path):
    from landprofile.errors import DataWarning

    ls = lp.Landscape(
        name="Tark\x01wa\x1f",
        geometry=box(600_000, 600_000, 604_000, 604_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="t"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = candidates(ls, resolution_m=200)
    out = tmp_path / "zones.gpkg"
    with pytest.warns(DataWarning, match="U\\+0001"):
        res.to_gpkg(out)
    name, qgs = _qgs(out)
    assert name == "Tarkwa"
    root = ET.fromstring(qgs.split("\n", 1)[1])
    assert root.get("projectname") == "Tarkwa"
    for (text,) in _con(out).execute("SELECT styleQML FROM layer_styles"):
        ET.fromstring(text.split("\n", 1)[1])


@pytest.mark.parametrize("name", ["a:b.gpkg", "a|b.gpkg", "a\x02b.gpkg"])
def test_a_geopackage_name_the_sources_cannot_hold_is_refused(tmp_path, name):
    from landprofile.errors import OutputError

    ls = lp.Landscape(
        name="t",
        geometry=box(600_000, 600_000, 604_000, 604_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="t"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = candidates(ls, resolution_m=200)
    with pytest.raises(OutputError, match="accepted: a name without them"):
        res.to_gpkg(tmp_path / name)
    assert list(tmp_path.iterdir()) == []
