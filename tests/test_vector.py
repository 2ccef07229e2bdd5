"""read_vector: every format reads back to the same geometry; bad inputs fail clearly."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from landprofile import read_vector
from landprofile.errors import (
    AmbiguousLayerError,
    CoordinateRangeError,
    GeometryRepairWarning,
    LandprofileError,
    LayerNotFoundError,
    MissingCRSError,
    MissingFieldError,
    SourceNotFoundError,
    UnreadableFileError,
    UnsupportedFormatError,
)
from landprofile.testing import bowtie

POLY = Polygon(
    [(-2.0, 5.0), (-1.5, 5.0), (-1.5, 5.5), (-2.0, 5.5)],
    [[(-1.9, 5.1), (-1.8, 5.1), (-1.8, 5.2), (-1.9, 5.2)]],
)


@pytest.fixture
def gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Tarkwa"], "code": ["GH-1"]}, geometry=[POLY], crs=4326)


def same(a, b, tol=1e-9) -> bool:
    # Same type, same ring count, and no vertex further than tol from the other shape.
    return (
        a.geom_type == b.geom_type
        and shapely.get_num_interior_rings(a) == shapely.get_num_interior_rings(b)
        and shapely.hausdorff_distance(a, b) <= tol
    )


def write_shp(gdf, folder: Path, stem="units") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.shp"
    gdf.to_file(path)
    return path


def zip_files(zpath: Path, files, prefix=""):
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in files:
            zf.write(f, prefix + f.name)
    return zpath


class TestFormats:
    def test_geojson(self, gdf, tmp_path):
        p = tmp_path / "a.geojson"
        gdf.to_file(p, driver="GeoJSON")
        out = read_vector(p)
        assert out.crs.to_epsg() == 4326
        assert same(out.geometry.iloc[0], POLY)
        assert out["name"].iloc[0] == "Tarkwa"

    def test_geopackage_layers(self, gdf, tmp_path):
        p = tmp_path / "a.gpkg"
        gdf.to_file(p, layer="units")
        gdf.to_crs(32630).to_file(p, layer="units_utm")
        out = read_vector(p, layer="units_utm")
        assert out.crs.to_epsg() == 32630
        back = out.to_crs(4326).geometry.iloc[0]
        assert same(back, POLY, tol=1e-7)
        with pytest.raises(AmbiguousLayerError, match=r"2 layers.*'units'.*'units_utm'"):
            read_vector(p)
        with pytest.raises(LayerNotFoundError, match=r"'rivers' not found.*'units', 'units_utm'"):
            read_vector(p, layer="rivers")

    def test_shapefile_plain_and_folder(self, gdf, tmp_path):
        p = write_shp(gdf, tmp_path / "shp")
        assert same(read_vector(p).geometry.iloc[0], POLY)
        # a folder is not guessed into the file inside it: the error names that file
        with pytest.raises(UnsupportedFormatError, match=r"give the file inside it: .*units\.shp"):
            read_vector(tmp_path / "shp")

    def test_zipped_shapefile_flat_and_in_folder(self, gdf, tmp_path):
        p = write_shp(gdf, tmp_path / "shp")
        parts = sorted(p.parent.glob("units.*"))
        flat = zip_files(tmp_path / "flat.zip", parts)
        nested = zip_files(tmp_path / "nested.zip", parts, prefix="export/2024/")
        for z in (flat, nested):
            out = read_vector(z)
            assert same(out.geometry.iloc[0], POLY)
            assert out.crs.to_epsg() == 4326

    def test_zip_with_two_shapefiles_needs_layer(self, gdf, tmp_path):
        a = write_shp(gdf, tmp_path / "a", "roads")
        b = write_shp(gdf.to_crs(32630), tmp_path / "b", "units")
        z = zip_files(tmp_path / "two.zip", [*a.parent.glob("roads.*"), *b.parent.glob("units.*")])
        with pytest.raises(AmbiguousLayerError, match="'roads', 'units'"):
            read_vector(z)
        assert read_vector(z, layer="units").crs.to_epsg() == 32630

    def test_kml_and_kmz(self, gdf, tmp_path):
        p = tmp_path / "a.kml"
        gdf.to_file(p, driver="KML")
        out = read_vector(p)
        assert out.crs.to_epsg() == 4326
        assert same(shapely.force_2d(out.geometry.iloc[0]), POLY, tol=1e-9)
        kmz = tmp_path / "a.kmz"
        with zipfile.ZipFile(kmz, "w") as zf:
            zf.write(p, "doc.kml")
        assert same(shapely.force_2d(read_vector(kmz).geometry.iloc[0]), POLY)

    def test_csv_wkt(self, gdf, tmp_path):
        p = tmp_path / "a.csv"
        p.write_text(f'name,WKT\nTarkwa,"{POLY.wkt}"\n')
        out = read_vector(p, crs=4326)
        assert same(out.geometry.iloc[0], POLY)
        with pytest.raises(MissingCRSError, match=r"a\.csv.*WKT.*crs="):
            read_vector(p)

    def test_csv_lonlat(self, tmp_path):
        p = tmp_path / "sites.csv"
        p.write_text("id,Longitude,Latitude\n1,-2.1,5.3\n2,-1.9,5.4\n")
        out = read_vector(p)
        assert out.crs.to_epsg() == 4326
        assert same(out.geometry.iloc[1], Point(-1.9, 5.4))

    def test_csv_without_geometry_lists_columns(self, tmp_path):
        p = tmp_path / "plain.csv"
        p.write_text("id,value\n1,2\n")
        with pytest.raises(MissingFieldError, match=r"plain\.csv.*\['id', 'value'\].*lon/lat"):
            read_vector(p)

    def test_geoparquet(self, gdf, tmp_path):
        p = tmp_path / "a.parquet"
        gdf.to_crs(32630).to_parquet(p)
        out = read_vector(p)
        assert out.crs.to_epsg() == 32630
        assert same(out.to_crs(4326).geometry.iloc[0], POLY, tol=1e-7)

    def test_strings_and_geometries(self):
        assert same(read_vector(POLY.wkt, crs=4326).geometry.iloc[0], POLY)
        gj = json.dumps(
            {"type": "Polygon", "coordinates": shapely.geometry.mapping(POLY)["coordinates"]}
        )
        out = read_vector(gj)
        assert out.crs.to_epsg() == 4326  # RFC 7946
        assert same(out.geometry.iloc[0], POLY)
        assert same(read_vector(POLY, crs="EPSG:4326").geometry.iloc[0], POLY)
        assert len(read_vector([POLY, box(0, 0, 1, 1)], crs=4326)) == 2

    def test_input_not_modified(self, gdf):
        bad = gdf.copy()
        bad.loc[len(bad)] = ["x", "y", bowtie(-2, 5, 0.1)]
        before = bad.copy()
        with pytest.warns(GeometryRepairWarning):
            read_vector(bad)
        assert bad.geometry.equals(before.geometry)


class TestBadInputs:
    def test_missing_file(self, tmp_path):
        with pytest.raises(SourceNotFoundError, match=r"not found: '.*nope\.gpkg'"):
            read_vector(tmp_path / "nope.gpkg")
        with pytest.raises(FileNotFoundError):  # builtin mixin
            read_vector(str(tmp_path / "nope.geojson"))

    def test_unknown_format(self, tmp_path):
        p = tmp_path / "a.xyz"
        p.write_text("hello")
        with pytest.raises(UnsupportedFormatError, match=r"a\.xyz.*\.xyz.*\.gpkg"):
            read_vector(p)
        with pytest.raises(UnsupportedFormatError, match="int"):
            read_vector(42)

    def test_zip_without_shapefile(self, tmp_path):
        (tmp_path / "readme.txt").write_text("x")
        z = zip_files(tmp_path / "a.zip", [tmp_path / "readme.txt"])
        with pytest.raises(UnsupportedFormatError, match=r"a\.zip.*no shapefile.*readme\.txt"):
            read_vector(z)

    def test_corrupt_file(self, tmp_path):
        p = tmp_path / "broken.gpkg"
        p.write_bytes(b"not a geopackage")
        with pytest.raises(UnreadableFileError, match=r"broken\.gpkg"):
            read_vector(p)

    def test_shapefile_without_prj(self, gdf, tmp_path):
        p = write_shp(gdf, tmp_path)
        p.with_suffix(".prj").unlink()
        with pytest.raises(MissingCRSError, match=r"units\.shp.*no coordinate reference.*\.prj"):
            read_vector(p)

    def test_wkt_without_crs(self):
        with pytest.raises(MissingCRSError, match=r"WKT string.*crs="):
            read_vector(POLY.wkt)

    def test_lat_lon_swapped(self, tmp_path):
        # latitude 5.x written as x, longitude 100.x written as y
        swapped = box(5.0, 100.0, 5.5, 100.5)
        g = gpd.GeoDataFrame(geometry=[swapped], crs=4326)
        with pytest.raises(CoordinateRangeError, match="swapped"):
            read_vector(g)
        p = tmp_path / "s.csv"
        p.write_text("lon,lat\n5.3,-120.1\n")
        with pytest.raises(CoordinateRangeError, match=r"s\.csv.*swapped"):
            read_vector(p)

    def test_projected_coordinates_declared_geographic(self):
        g = gpd.GeoDataFrame(geometry=[box(600_000, 500_000, 610_000, 510_000)], crs=4326)
        with pytest.raises(CoordinateRangeError, match="projected metres"):
            read_vector(g)

    def test_bowtie_repaired_and_reported(self):
        g = gpd.GeoDataFrame(geometry=[bowtie(-2, 5, 0.2)], crs=4326)
        with pytest.warns(GeometryRepairWarning, match=r"repaired 1 invalid.*Self-intersection"):
            out = read_vector(g)
        geom = out.geometry.iloc[0]
        assert geom.is_valid
        assert geom.geom_type == "MultiPolygon"
        assert geom.area == pytest.approx(2 * 0.2**2 / 4)
        assert any("make_valid" in r for r in out.attrs["landprofile_load_report"])

    def test_null_and_empty_dropped_and_reported(self):
        g = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[POLY, None, Polygon()], crs=4326)
        with pytest.warns(GeometryRepairWarning, match=r"dropped 2 null or empty.*rows 1, 2"):
            out = read_vector(g)
        assert out["id"].tolist() == [1]

    def test_errors_share_one_base(self, tmp_path):
        with pytest.raises(LandprofileError):
            read_vector(tmp_path / "missing.shp")
        assert issubclass(MissingCRSError, ValueError)
        assert issubclass(SourceNotFoundError, FileNotFoundError)
        assert np.all(
            [issubclass(e, LandprofileError) for e in (MissingCRSError, LayerNotFoundError)]
        )


def test_fields_a_geopackage_cannot_hold_are_renamed_when_read(tmp_path):
    """fid + FID, or a 'geom' field, used to fail in zones.gpkg after the whole zoning."""
    import json

    import pyogrio
    from shapely.geometry import box, mapping

    from landprofile.errors import DataWarning

    src = tmp_path / "s.geojson"
    props = {"fid": 1, "FID": 2, "geom": "x", "site_id": "a"}
    feat = {"type": "Feature", "properties": props, "geometry": mapping(box(-2, 5, -1.99, 5.01))}
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}))
    with pytest.warns(DataWarning, match=r"'FID' -> 'FID_2', 'geom' -> 'geom_2'"):
        gdf = read_vector(src)
    assert gdf.columns.tolist() == ["fid", "FID_2", "geom_2", "site_id", "geometry"]
    assert gdf.FID_2.tolist() == [2]
    gdf.to_file(tmp_path / "o.gpkg", layer="sites")  # what zones.gpkg does with sites
    back = pyogrio.read_dataframe(tmp_path / "o.gpkg")
    assert back.geom_2.tolist() == ["x"]
