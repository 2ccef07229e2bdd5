"""Write the bad-input corpus: every file a test in ``test_bad_inputs.py`` feeds to
landprofile. Generated (never hand-edited binaries), into any folder::

    python tests/bad_inputs/make_bad_inputs.py OUT_DIR

The tests call :func:`build` into a temporary folder.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

from landprofile.testing import write_geotiff

GOOD = box(-2.0, 5.0, -1.9, 5.1)  # about 12,000 ha in south-west Ghana
T = Affine(0.001, 0, -2.05, 0, -0.001, 5.15)


def _tif(path: Path, data: np.ndarray, transform: Affine = T, crs="EPSG:4326", nodata=None):
    write_geotiff(path, data, transform, crs, nodata=nodata)


def build(out: Path) -> dict[str, Path]:
    """Write every file of the corpus into ``out``; returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    f: dict[str, Path] = {}

    def gj(name: str, gdf: gpd.GeoDataFrame) -> None:
        f[name] = out / f"{name}.geojson"
        gdf.to_file(f[name], driver="GeoJSON")

    gj("good", gpd.GeoDataFrame({"name": ["ok"]}, geometry=[GOOD], crs=4326))
    # a shapefile without its .prj: no CRS
    shp = out / "noprj"
    shp.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[GOOD], crs=4326).to_file(shp / "noprj.shp")
    (shp / "noprj.prj").unlink()
    f["noprj"] = shp / "noprj.shp"
    f["wkt_csv"] = out / "wkt.csv"
    f["wkt_csv"].write_text(f'id,wkt\n1,"{GOOD.wkt}"\n', encoding="utf-8")
    gj(
        "utm",
        gpd.GeoDataFrame(
            {"name": ["b"]}, geometry=[box(500_000, 560_000, 510_000, 570_000)], crs=32630
        ),
    )
    gj("empty", gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326))
    bowtie = Polygon([(-2.0, 5.0), (-1.9, 5.1), (-1.9, 5.0), (-2.0, 5.1)])
    gj("bowtie", gpd.GeoDataFrame({"name": ["x"]}, geometry=[bowtie], crs=4326))
    gj(
        "lines",
        gpd.GeoDataFrame({"name": ["l"]}, geometry=[LineString([(-2, 5), (-1.9, 5.1)])], crs=4326),
    )
    gj("points", gpd.GeoDataFrame({"name": ["p"]}, geometry=[Point(-2, 5)], crs=4326))
    gj(
        "collection",
        gpd.GeoDataFrame(
            {"name": ["c"]},
            geometry=[GeometryCollection([Point(-2, 5), LineString([(-2, 5), (-1.9, 5.1)])])],
            crs=4326,
        ),
    )
    gj(
        "zero_area",
        gpd.GeoDataFrame(
            {"name": ["z"]}, geometry=[Polygon([(-2, 5), (-1.9, 5), (-1.8, 5)])], crs=4326
        ),
    )
    z3 = Polygon([(x, y, 100.0) for x, y in GOOD.exterior.coords])
    gj("three_d", gpd.GeoDataFrame({"name": ["3d"]}, geometry=[z3], crs=4326))
    gj("huge", gpd.GeoDataFrame({"name": ["h"]}, geometry=[box(1e20, 1e20, 2e20, 2e20)], crs=4326))
    f["swapped_csv"] = out / "swapped.csv"  # Ghana given as (lat, lon) under lon/lat names
    f["swapped_csv"].write_text("name,lon,lat\na,5.05,-1.95\nb,5.06,-1.94\n", encoding="utf-8")
    f["latin1_csv"] = out / "latin1.csv"
    f["latin1_csv"].write_bytes("name,lon,lat\nC\xf4te,-1.95,5.05\n".encode("latin-1"))
    # GeoJSON must be UTF-8 (RFC 8259), but exports from old tools are not always
    f["latin1_geojson"] = out / "latin1.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "C\u00f4te d'Ivoire \u2013 Bondoukou"},
        "geometry": GOOD.__geo_interface__,
    }
    text = json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False)
    f["latin1_geojson"].write_bytes(text.encode("cp1252"))
    f["unknown_ext"] = out / "layer.xyz"
    f["unknown_ext"].write_text("not a format", encoding="utf-8")
    # two layers in one GeoPackage
    gpkg = out / "two.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[GOOD], crs=4326).to_file(gpkg, layer="a")
    gpd.GeoDataFrame({"n": [2]}, geometry=[GOOD], crs=4326).to_file(gpkg, layer="b")
    f["two_layers"] = gpkg
    # admin units
    gj(
        "admin",
        gpd.GeoDataFrame(
            {"shapeName": ["Aboso", "Prestea"]},
            geometry=[box(-2.0, 5.0, -1.95, 5.1), box(-1.95, 5.0, -1.9, 5.1)],
            crs=4326,
        ),
    )
    # rasters
    lc = np.full((150, 150), 10, np.uint8)
    f["lc"] = out / "lc.tif"
    _tif(f["lc"], lc)
    f["lc_far"] = out / "lc_far.tif"
    _tif(f["lc_far"], lc, Affine(0.001, 0, 30.0, 0, -0.001, 40.0))
    f["lc_float"] = out / "lc_float.tif"
    _tif(f["lc_float"], lc.astype(np.float32) + 0.5)
    f["lc_nodata"] = out / "lc_nodata.tif"
    _tif(f["lc_nodata"], np.zeros((150, 150), np.uint8), nodata=0)
    f["pop_nodata"] = out / "pop_nodata.tif"
    _tif(f["pop_nodata"], np.full((150, 150), -1.0, np.float32), nodata=-1.0)
    f["lc_nocrs"] = out / "lc_nocrs.tif"
    _tif(f["lc_nocrs"], lc, crs=None)
    f["truncated_tif"] = out / "truncated.tif"
    f["truncated_tif"].write_bytes(f["lc"].read_bytes()[:600])
    f["corrupt_zip"] = out / "corrupt.zip"
    f["corrupt_zip"].write_bytes(b"PK\x03\x04 this is not a zip archive at all")
    f["empty_zip"] = out / "empty.zip"
    with zipfile.ZipFile(f["empty_zip"], "w") as z:
        z.writestr("readme.txt", "no shapefile here")
    f["bad_legend"] = out / "legend.csv"
    f["bad_legend"].write_text("code;colour\n10;green\n", encoding="utf-8")
    dem = np.add.outer(np.arange(60.0), np.arange(60.0)).astype(np.float32)
    f["dem"] = out / "dem.tif"
    _tif(f["dem"], dem, Affine(30, 0, 600_000, 0, -30, 620_000), crs="EPSG:32630")
    # configs
    good_cfg = (
        'name = "bad"\nlanguage = "en"\n[boundary]\nmethod = "custom"\n'
        f'source = "{f["good"].name}"\n[zoning]\nenabled = false\n'
    )
    for name, text in {
        "cfg_ok": good_cfg,
        "cfg_no_boundary": 'name = "x"\n',
        "cfg_unknown_key": good_cfg + "colour = 3\n",
        "cfg_bad_language": good_cfg.replace('language = "en"', 'language = "de"'),
        "cfg_missing_file": good_cfg.replace(f["good"].name, "nowhere.geojson"),
        "cfg_syntax": good_cfg + "[rasters\n",
        "cfg_bad_method": good_cfg.replace('method = "custom"', 'method = "magic"'),
        "cfg_float_lc": good_cfg + f'[rasters]\nland_cover = "{f["lc_float"].name}"\n',
        "cfg_rules": good_cfg.replace("enabled = false", 'rules = "rules.toml"'),
        "cfg_change_no_before": good_cfg + '[change]\nafter = "lc.tif"\n',
        "cfg_noprj": good_cfg.replace(f["good"].name, "noprj/noprj.shp"),
    }.items():
        f[name] = out / f"{name}.toml"
        f[name].write_text(text, encoding="utf-8")
    f["rules"] = out / "rules.toml"
    f["rules"].write_text('[exclude.x]\nlayer = "mines"\n', encoding="utf-8")
    _round_two(out, f, good_cfg)
    _round_three(out, f, good_cfg)
    return f


def _round_two(out: Path, f: dict[str, Path], good_cfg: str) -> None:
    """The cases the first corpus missed (issue 20)."""

    def gj(name: str, gdf: gpd.GeoDataFrame) -> None:
        f[name] = out / f"{name}.geojson"
        gdf.to_file(f[name], driver="GeoJSON")

    # a boundary with a NaN vertex (written by hand: GDAL writes NaN as null)
    ring = [list(c) for c in GOOD.exterior.coords]
    ring[2] = ["NaN", 5.1]
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "nan"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }
    ).replace('"NaN"', "NaN")
    f["nan_vertex"] = out / "nan_vertex.geojson"
    f["nan_vertex"].write_text(text, encoding="utf-8")
    # population counts with negative cells (a -1000 fill value not declared as nodata)
    pop = np.full((150, 150), 2.0, np.float32)
    pop[60:100, 60:100] = -1000.0  # inside the landscape
    f["pop_negative"] = out / "pop_negative.tif"
    _tif(f["pop_negative"], pop)
    # land cover covering a quarter of the landscape
    f["lc_quarter"] = out / "lc_quarter.tif"
    _tif(f["lc_quarter"], np.full((50, 50), 10, np.uint8), Affine(0.001, 0, -2.0, 0, -0.001, 5.1))
    # footprints: two dates, and an invalid (self-intersecting) polygon
    a = box(-1.99, 5.01, -1.97, 5.03)
    b = box(-1.99, 5.01, -1.95, 5.05)
    gj("fp_2020", gpd.GeoDataFrame({"k": [1]}, geometry=[a], crs=4326))
    gj("fp_2021", gpd.GeoDataFrame({"k": [1]}, geometry=[b], crs=4326))
    bow = Polygon([(-1.99, 5.01), (-1.95, 5.05), (-1.95, 5.01), (-1.99, 5.05)])
    gj("fp_bowtie", gpd.GeoDataFrame({"year": [2021]}, geometry=[bow], crs=4326))
    # sites whose id field repeats / is empty
    pts = [Point(-1.99, 5.01), Point(-1.98, 5.02), Point(-1.97, 5.03)]
    gj("sites_dup", gpd.GeoDataFrame({"code": ["A", "A", "B"]}, geometry=pts, crs=4326))
    gj("sites_null", gpd.GeoDataFrame({"code": ["A", None, "B"]}, geometry=pts, crs=4326))
    # admin units named in a 'country' field (Natural Earth style, upper case)
    gj(
        "countries",
        gpd.GeoDataFrame(
            {"COUNTRY": ["Ghana", "Togo"]},
            geometry=[box(-2.0, 5.0, -1.95, 5.1), box(-1.95, 5.0, -1.9, 5.1)],
            crs=4326,
        ),
    )
    # a folder holding one shapefile; a zipped shapefile without its .dbf
    folder = out / "shp_folder"
    folder.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[GOOD], crs=4326).to_file(folder / "units.shp")
    f["shp_folder"] = folder
    nodbf = out / "nodbf_src"
    nodbf.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[GOOD], crs=4326).to_file(nodbf / "sites.shp")
    f["zip_no_dbf"] = out / "no_dbf.zip"
    with zipfile.ZipFile(f["zip_no_dbf"], "w") as z:
        for ext in (".shp", ".shx", ".prj"):
            z.write(nodbf / f"sites{ext}", f"sites{ext}")
    # configs: wrong types and ranges, and one saved as Latin-1
    for name, text in {
        "cfg_enabled_string": good_cfg.replace("enabled = false", 'enabled = "no"'),
        "cfg_resolution_text": good_cfg.replace("enabled = false", 'resolution_m = "30"'),
        "cfg_resolution_inf": good_cfg.replace("enabled = false", "resolution_m = inf"),
        "cfg_negative_buffer": good_cfg.replace(
            'method = "custom"', 'method = "custom"\nbuffer_m = -5'
        ),
        "cfg_select_n": good_cfg + "[select]\nn_zones = -1\n",
        "cfg_select_shape": good_cfg + '[select]\nshape = "star"\n',
        "cfg_pop_kind": good_cfg + '[rasters]\npopulation_kind = "people"\n',
        "cfg_fp_unsorted": good_cfg
        + "[change]\nfootprints = "
        + f'{{ 2021 = "{f["fp_2021"].name}", 2020 = "{f["fp_2020"].name}" }}\n',
    }.items():
        f[name] = out / f"{name}.toml"
        f[name].write_text(text, encoding="utf-8")
    f["cfg_latin1"] = out / "cfg_latin1.toml"
    f["cfg_latin1"].write_bytes(
        good_cfg.replace('name = "bad"', 'name = "C\xf4te d\'Ivoire"').encode("latin-1")
    )


#: WorldCover's official path of the tile holding the corpus's landscape (a folder mirror).
WC21 = "esa-worldcover/v200/2021/map/ESA_WorldCover_10m_2021_v200_N03W003_Map.tif"


def _round_three(out: Path, f: dict[str, Path], good_cfg: str) -> None:
    """Issue 25: output folders holding the user's files, locate's arguments and permits,
    output formats, the narrative and photos, the cache and named sources."""

    def gj(name: str, gdf: gpd.GeoDataFrame) -> None:
        f[name] = out / f"{name}.geojson"
        gdf.to_file(f[name], driver="GeoJSON")

    # users' folders given as an output folder: a thesis (and photos), or a photos/
    # folder alone; one per case, so that a run that wrongly replaced one harms no other
    for name in ("docs_api", "docs_run", "docs_demo"):
        docs = out / name
        (docs / "photos").mkdir(parents=True, exist_ok=True)
        (docs / "thesis.docx").write_bytes(b"PK\x03\x04 two years of fieldwork")
        (docs / "photos" / "site1.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo")
        f[name] = docs
    for name in ("photos_run", "photos_demo"):
        shots = out / name
        (shots / "photos").mkdir(parents=True, exist_ok=True)
        (shots / "photos" / "pit.jpg").write_bytes(b"\xff\xd8\xff\xe0 another photo")
        f[name] = shots
    # a config whose output is an existing file of the user's
    f["notes"] = out / "notes.txt"
    f["notes"].write_text("meeting notes, not an output folder\n", encoding="utf-8")
    # permits to lock in: points, lines, outside the landscape, three, two overlapping
    pts = [Point(-1.98, 5.02), Point(-1.93, 5.07)]
    gj("permit_points", gpd.GeoDataFrame({"permit": ["P1", "P2"]}, geometry=pts, crs=4326))
    line = LineString([(-1.98, 5.02), (-1.93, 5.07)])
    gj("permit_lines", gpd.GeoDataFrame({"permit": ["L1"]}, geometry=[line], crs=4326))
    far = box(30.0, 39.9, 30.01, 39.91)
    gj("permits_outside", gpd.GeoDataFrame({"permit": ["far"]}, geometry=[far], crs=4326))
    three = [box(-1.99, 5.01, -1.985, 5.015), box(-1.95, 5.05, -1.945, 5.055)]
    three.append(box(-1.92, 5.08, -1.915, 5.085))
    gj("permits_three", gpd.GeoDataFrame({"permit": ["A", "B", "C"]}, geometry=three, crs=4326))
    two = [box(-1.99, 5.01, -1.98, 5.02), box(-1.985, 5.015, -1.975, 5.025)]
    gj("permits_overlap", gpd.GeoDataFrame({"permit": ["A", "B"]}, geometry=two, crs=4326))
    # the narrative: sources as bare texts, a null photo, a corrupt photo, a web page
    # saved as .png
    f["photo_corrupt"] = out / "corrupt.jpg"
    f["photo_corrupt"].write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 20)
    f["photo_html"] = out / "page.png"
    f["photo_html"].write_text(
        "<!DOCTYPE html><html><head><title>Photo</title></head><body>saved from a "
        "browser</body></html>\n",
        encoding="utf-8",
    )
    for name, text in {
        "narr_sources": 'livelihoods: "farming"\nsources: ["text"]\n',
        "narr_null_photo": 'livelihoods: "farming"\nphotos: [null]\n',
        "narr_corrupt_photo": "photos:\n  - {file: corrupt.jpg, caption: pit}\n",
        "narr_html_photo": "photos:\n  - {file: page.png, caption: river}\n",
    }.items():
        f[name] = out / f"{name}.yaml"
        f[name].write_text(text, encoding="utf-8")
    # a folder mirror of WorldCover 2021 around the landscape; a file where a cache goes
    tile = out / "mirror" / WC21
    tile.parent.mkdir(parents=True, exist_ok=True)
    classes = np.array([10, 20, 30, 40, 50, 60, 80], np.uint8)
    wc = classes[np.random.default_rng(25).integers(0, len(classes), (500, 500))]
    _tif(tile, wc, Affine(0.002, 0, -2.5, 0, -0.002, 5.5), nodata=0)
    f["mirror"] = out / "mirror"
    f["cache_file"] = out / "cache_file"
    f["cache_file"].write_text("a file, not the cache folder\n", encoding="utf-8")
    zoning_on = good_cfg.replace("enabled = false", "resolution_m = 200")
    for name, text in {
        "cfg_output_file": good_cfg.replace(
            'language = "en"\n', 'language = "en"\noutput = "notes.txt"\n'
        ),
        "cfg_zones": zoning_on,
        "cfg_lock_points": zoning_on + '[select]\nlock_in = "permit_points.geojson"\n',
        "cfg_sel_reversed": zoning_on + "[select]\nzone_area_ha = [5, 1]\n",
        "cfg_sel_huge": zoning_on + "[select]\nzone_area_ha = [1e9, 2e9]\n",
        "cfg_sel_time_text": zoning_on + '[select]\ntime_limit_s = "x"\n',
        "cfg_sel_time_zero": zoning_on + "[select]\ntime_limit_s = 0\n",
        "cfg_sel_time_nan": zoning_on + "[select]\ntime_limit_s = nan\n",
        "cfg_sel_shape_list": zoning_on + '[select]\nshape = ["compact"]\n',
        "cfg_sel_typo": zoning_on + "[select]\nn_zone = 5\n",
        "cfg_named": good_cfg + '[rasters]\nland_cover = "worldcover:2021"\n',
    }.items():
        f[name] = out / f"{name}.toml"
        f[name].write_text(text, encoding="utf-8")


if __name__ == "__main__":
    for name, path in build(Path(sys.argv[1])).items():
        print(f"{name:22s} {path}")
