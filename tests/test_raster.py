"""read_raster: paths, VRT mosaics, datasets and DataArrays become one lazy form."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import xarray as xr
from affine import Affine
from rasterio.windows import Window

from landprofile import read_raster
from landprofile.errors import MissingCRSError, SourceNotFoundError, UnreadableFileError
from landprofile.testing import write_geotiff

T = Affine(0.001, 0, -2.0, 0, -0.001, 6.0)


def write_tif(path, data, transform=T, crs="EPSG:4326", nodata=0, tiled=True):
    kw = {"block": 256, "compress": "deflate"} if tiled else {}
    write_geotiff(path, data, transform, crs, nodata=nodata, **kw)
    return path


@pytest.fixture
def grid():
    return (np.arange(600 * 500, dtype=np.uint32) % 251).astype(np.uint8).reshape(600, 500)


def test_path_metadata_and_window(tmp_path, grid):
    p = write_tif(tmp_path / "lc.tif", grid)
    r = read_raster(p)
    assert r.shape == (600, 500)
    assert r.crs.to_epsg() == 4326
    assert r.block_shape == (256, 256)
    assert r.nodata == 0
    assert r.bounds == pytest.approx((-2.0, 5.4, -1.5, 6.0))
    np.testing.assert_array_equal(r.read(Window(10, 20, 30, 40)), grid[20:60, 10:40])


def test_window_clipped_to_grid(tmp_path, grid):
    r = read_raster(write_tif(tmp_path / "lc.tif", grid))
    out = r.read(Window(480, 590, 50, 50))
    np.testing.assert_array_equal(out, grid[590:, 480:])


def test_vrt_mosaic_of_tiles(tmp_path, grid):
    # Two tiles side by side, stitched by a hand-written VRT.
    left = write_tif(tmp_path / "left.tif", grid[:, :250])
    right = write_tif(
        tmp_path / "right.tif", grid[:, 250:], transform=T @ Affine.translation(250, 0)
    )
    sources = "".join(
        f"""<SimpleSource><SourceFilename relativeToVRT="1">{name}</SourceFilename>
        <SourceBand>1</SourceBand>
        <SrcRect xOff="0" yOff="0" xSize="250" ySize="600"/>
        <DstRect xOff="{off}" yOff="0" xSize="250" ySize="600"/></SimpleSource>"""
        for name, off in ((left.name, 0), (right.name, 250))
    )
    vrt = tmp_path / "mosaic.vrt"
    vrt.write_text(
        f"""<VRTDataset rasterXSize="500" rasterYSize="600">
  <SRS>EPSG:4326</SRS>
  <GeoTransform>{T.c}, {T.a}, 0, {T.f}, 0, {T.e}</GeoTransform>
  <VRTRasterBand dataType="Byte" band="1"><NoDataValue>0</NoDataValue>{sources}
  </VRTRasterBand>
</VRTDataset>"""
    )
    r = read_raster(vrt)
    assert r.shape == (600, 500)
    np.testing.assert_array_equal(r.read(Window(200, 100, 100, 50)), grid[100:150, 200:300])


def test_rasterio_dataset_and_dataarray(tmp_path, grid):
    p = write_tif(tmp_path / "lc.tif", grid)
    with rasterio.open(p) as ds:
        r = read_raster(ds)
    assert r.shape == (600, 500)
    import rioxarray  # noqa: F401

    da = (
        xr.DataArray(grid, dims=("y", "x"))
        .rio.write_crs(32630)
        .rio.write_transform(Affine(30, 0, 600_000, 0, -30, 700_000))
    )
    before = da.copy(deep=True)
    r2 = read_raster(da)
    assert r2.crs.to_epsg() == 32630
    assert r2.res == (30, 30)
    np.testing.assert_array_equal(r2.read(Window(5, 6, 7, 8)), grid[6:14, 5:12])
    assert da.identical(before)


def test_lazy_on_a_large_raster(tmp_path):
    # A 40,000 x 40,000 sparse GeoTIFF (1.6e9 cells): opening must not read it.
    p = tmp_path / "big.tif"
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        width=40_000,
        height=40_000,
        count=1,
        dtype="uint8",
        crs="EPSG:4326",
        transform=T,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
        SPARSE_OK=True,
    ) as ds:
        ds.write(np.full((512, 512), 7, np.uint8), 1, window=Window(0, 0, 512, 512))
    r = read_raster(p)
    assert r.shape == (40_000, 40_000)
    assert int(r.read(Window(0, 0, 2, 2)).sum()) == 28


def test_bad_rasters(tmp_path, grid):
    with pytest.raises(SourceNotFoundError, match=r"raster file not found: '.*dem\.tif'"):
        read_raster(tmp_path / "dem.tif")
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"nope")
    with pytest.raises(UnreadableFileError, match=r"junk\.tif.*could not be opened"):
        read_raster(junk)
    nocrs = write_tif(tmp_path / "nocrs.tif", grid, crs=None)
    with pytest.raises(MissingCRSError, match=r"nocrs\.tif.*no coordinate reference"):
        read_raster(nocrs)
    assert read_raster(nocrs, crs=4326).crs.to_epsg() == 4326
    with pytest.raises(MissingCRSError, match="DataArray 'lc' has no CRS"):
        read_raster(xr.DataArray(grid, dims=("y", "x"), name="lc"))


def test_sample_modis_raster(sample_dir):
    r = read_raster(sample_dir / "modis_igbp_2019_sw_ghana.tif")
    assert r.crs.is_geographic
    assert r.res == pytest.approx((0.05, 0.05))
    values = np.unique(r.read())
    assert set(values.tolist()) <= set(range(17)) | {255}
