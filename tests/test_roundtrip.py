"""The program's own outputs are inputs (issue 35 item 1).

A GeoPackage the program (or QGIS) wrote carries tables that are not data - a
``layer_styles`` table, a ``qgis_projects`` table, attribute-only tables - and they never
count as layers. Each file is read back by the step that would use it, by the API, the
CLI and the config, and its numbers are checked against an independent oracle
(pyproj.Geod on the geometry read with pyogrio directly, not through landprofile).
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod
from shapely.geometry import box

import landprofile as lp
from landprofile import errors as E  # noqa: N812
from landprofile.cli import cli

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_boundaries"


def _geod_ha(geom) -> float:
    """Geodesic area of a lon/lat (multi)polygon, holes subtracted (pyproj.Geod)."""
    area = Geod(ellps="WGS84").geometry_area_perimeter(shapely.geometry.shape(geom))[0]
    return abs(area) / 1e4


def _add_non_data_tables(gpkg: Path) -> None:
    """What QGIS adds when it saves a style and a project into the file."""
    con = sqlite3.connect(gpkg)
    con.execute("CREATE TABLE IF NOT EXISTS qgis_projects (name TEXT PRIMARY KEY, metadata BLOB)")
    con.execute("INSERT INTO qgis_projects VALUES ('p', x'00')")
    con.commit()
    con.close()
    pyogrio.write_dataframe(
        gpd.pd.DataFrame({"f_table_name": ["b"], "styleQML": ["<qgis/>"]}),
        gpkg,
        layer="layer_styles",
        append=True,
    )


@pytest.fixture(scope="module")
def boundary_gpkg(tmp_path_factory) -> Path:
    """``landprofile boundary demo.toml --out b.gpkg``, as a user runs it."""
    d = tmp_path_factory.mktemp("rt")
    for p in SAMPLE.iterdir():
        if p.is_file():
            shutil.copy(p, d / p.name)
    r = CliRunner().invoke(cli, ["boundary", str(d / "demo.toml"), "--out", str(d / "b.gpkg")])
    assert r.exit_code == 0, r.output
    return d / "b.gpkg"


def test_boundary_gpkg_holds_a_style_table_and_reads_without_layer(boundary_gpkg):
    listed = [str(n) for n in pyogrio.list_layers(boundary_gpkg)[:, 0]]
    assert "layer_styles" in listed  # the situation of the issue: 2 tables, 1 layer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.ScaleWarning)
        ls = lp.from_polygons(boundary_gpkg, name="again")
    raw = pyogrio.read_dataframe(boundary_gpkg, layer="boundary")
    # landscapes measure edges as geodesics, densified at 0.001 degrees
    oracle = _geod_ha(shapely.segmentize(shapely.union_all(raw.geometry.to_numpy()), 0.001))
    assert ls.area_ha == pytest.approx(oracle, rel=1e-6)
    assert shapely.equals_exact(
        shapely.normalize(ls.geometry), shapely.normalize(raw.geometry.iloc[0]), 1e-9
    )


def test_boundary_gpkg_feeds_a_config(boundary_gpkg):
    """``boundary --out b.gpkg`` -> a config whose custom boundary is that file (no layer)."""
    d = boundary_gpkg.parent
    cfg = d / "again.toml"
    head = f'name = "again"\n[boundary]\nmethod = "custom"\nsource = "{boundary_gpkg.name}"\n'
    cfg.write_text(head)
    out = d / "b2.gpkg"
    r = CliRunner().invoke(cli, ["boundary", str(cfg), "--out", str(out)])
    assert r.exit_code == 0, r.output
    a = pyogrio.read_dataframe(boundary_gpkg, layer="boundary").geometry.iloc[0]
    b = pyogrio.read_dataframe(out, layer="boundary").geometry.iloc[0]
    assert _geod_ha(b) == pytest.approx(_geod_ha(a), rel=1e-9)
    # and the config's layer= names the data layer explicitly too
    cfg.write_text(head + 'layer = "boundary"\n')
    r = CliRunner().invoke(cli, ["boundary", str(cfg), "--out", str(d / "b3.gpkg")])
    assert r.exit_code == 0, r.output


def test_qgis_saved_tables_never_count_as_layers(tmp_path):
    path = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(-2, 5, -1.9, 5.1)], crs=4326).to_file(
        path, layer="b"
    )
    _add_non_data_tables(path)
    pyogrio.write_dataframe(
        gpd.pd.DataFrame({"k": ["attribute only"]}), path, layer="notes", append=True
    )
    gdf = lp.read_vector(path)
    assert gdf.n.tolist() == [1]
    assert gdf.attrs["landprofile_source"] == str(path)
    # naming a table that is not a layer says what it is and which layers there are
    with pytest.raises(E.LayerNotFoundError, match=r"'layer_styles'.*holds no geometries.*'b'"):
        lp.read_vector(path, layer="layer_styles")
    # a second data layer still needs layer=, and the message lists data layers only
    gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=4326).to_file(path, layer="c")
    with pytest.raises(E.AmbiguousLayerError) as exc:
        lp.read_vector(path)
    assert "'b', 'c'" in str(exc.value)
    assert "layer_styles" not in str(exc.value)
    assert lp.read_vector(path, layer="c").geometry.iloc[0].equals(box(0, 0, 1, 1))


def test_a_gpkg_with_only_attribute_tables_is_named(tmp_path):
    path = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(gpd.pd.DataFrame({"k": [1]}), path, layer="notes")
    with pytest.raises(E.UnreadableFileError, match=r"no vector layer with geometries.*'notes'"):
        lp.read_vector(path)


def test_zones_gpkg_layers_feed_the_next_steps(tmp_path):
    """zones.gpkg's boundary is a landscape and its sites a layer, by layer name."""
    ls = _small_landscape()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lp.zoning.candidates(ls, resolution_m=200)
        res.to_gpkg(tmp_path / "zones.gpkg")
    listed = [str(n) for n in pyogrio.list_layers(tmp_path / "zones.gpkg")[:, 0]]
    assert "boundary" in listed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.ScaleWarning)
        back = lp.from_polygons(tmp_path / "zones.gpkg", layer="boundary", name="back")
    assert back.area_ha == pytest.approx(ls.area_ha, rel=1e-6)
    zones = lp.read_vector(tmp_path / "zones.gpkg", layer="zones")
    info = pyogrio.read_info(tmp_path / "zones.gpkg", layer="zones")
    assert len(zones) == info["features"]
    assert zones.crs is not None


def _small_landscape() -> lp.Landscape:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.Landscape(
            name="good",
            geometry=box(-2.0, 5.0, -1.9, 5.1),
            crs=4326,
            provenance=lp.Provenance(method="custom", source="t"),
        )


def test_profile_json_reads_back_with_the_same_numbers(boundary_gpkg):
    """``profile --out p.json`` on a config whose boundary is b.gpkg, read back by
    Profile.from_json (what ``[change] baseline`` reads): the same numbers."""
    from landprofile.profile.profile import Profile

    d = boundary_gpkg.parent
    cfg = d / "prof.toml"
    cfg.write_text(
        f'name = "again"\n[boundary]\nmethod = "custom"\nsource = "{boundary_gpkg.name}"\n'
        '[rasters]\nland_cover = "modis_igbp_2019_sw_ghana.tif"\nlegend = "modis_igbp"\n'
    )
    r = CliRunner().invoke(cli, ["profile", str(cfg), "--out", str(d / "p.json")])
    assert r.exit_code == 0, r.output
    back = Profile.from_json(d / "p.json")
    raw = pyogrio.read_dataframe(boundary_gpkg, layer="boundary").geometry.iloc[0]
    oracle = _geod_ha(shapely.segmentize(raw, 0.001))
    assert back.landscape.area_ha == pytest.approx(oracle, rel=1e-6)
    lc = back.land_cover
    assert lc is not None
    # the classes' areas add up to the landscape (within the raster's edge cells)
    assert float(lc["area_ha"].sum()) == pytest.approx(oracle, rel=0.02)
    again = Profile.from_json(back.to_json())
    gpd.pd.testing.assert_frame_equal(again.land_cover, lc)
