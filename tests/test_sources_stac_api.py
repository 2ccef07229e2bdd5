"""STAC as the hosts serve it, through a local STAC API and a local S3 endpoint: a
collection holding 2020 and 2021 items with ``s3://`` hrefs (Digital Earth Africa's form,
ESA WorldCover's two years on Planetary Computer), read by date; and ``data fetch``
mirroring the items so that the same name reads the same cells offline (issue 26).

Oracles: the year's GeoTIFF read directly, and which objects the S3 endpoint served."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner

import landprofile as lp
from _sources_helpers import (
    classes,
    cog,
    land,
    read_cells,
    serve_s3,
    serve_stac_api,
    stac_item,
)
from _sources_helpers import (
    isolated as isolated,
)
from landprofile.cli import cli
from landprofile.errors import DataSourceError
from landprofile.sources import raster

T = Affine(0.005, 0, -3.0, 0, -0.005, 6.0)


@pytest.fixture
def two_years(tmp_path, monkeypatch):
    """A STAC API with items of 2020 and 2021 of collection 'lc', on a local S3 bucket."""
    bucket = f"lc-{uuid.uuid4().hex[:8]}"  # GDAL caches /vsis3/ files by path: one per test
    s3_root = tmp_path / "s3"
    files = {}
    for year, seed in ((2020, 1), (2021, 2)):
        files[year] = cog(s3_root / bucket / f"{year}/N03W003.tif", classes(seed, (600, 600)), T)
    s3, served = serve_s3(s3_root, monkeypatch)
    items = [
        stac_item(f"N03W003_{year}", year, f"s3://{bucket}/{year}/N03W003.tif")
        for year in (2020, 2021)
    ]
    api, url, searches = serve_stac_api(items, page=1)  # one item a page: paging is used
    yield {
        "url": url,
        "files": files,
        "served": served,
        "searches": searches,
        "bucket": bucket,
        "servers": [api, s3],
    }
    for server in (api, s3):
        server.shutdown()
        server.server_close()


def test_a_stac_api_with_two_years_gives_the_year_asked_and_never_the_other(two_years):
    url, files, served = two_years["url"], two_years["files"], two_years["served"]
    ls = land()
    got = lp.land_cover(ls, f"stac:{url}#lc@2021/map")
    want = lp.land_cover(ls, files[2021])
    assert got["value"].tolist() == want["value"].tolist()
    assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-12)
    window = raster(f"stac:{url}#lc@2021/map", ls.bounds_lonlat)
    with rasterio.open(window) as ds:
        cells = ds.read(1)
    np.testing.assert_array_equal(cells, read_cells(files[2021], window))
    # the S3 endpoint sent bytes of the 2021 object only, and only part of it
    paths = {p for p, _ in served}
    assert paths == {f"/{two_years['bucket']}/2021/N03W003.tif"}
    assert sum(n for _, n in served) < files[2021].stat().st_size
    # the API was asked with the date (the host filters, as STAC APIs do)
    dated = [s for s in two_years["searches"] if s.get("datetime")]
    assert dated
    assert dated[0]["datetime"].startswith("2021-01-01")
    assert dated[0]["collections"] == ["lc"]


def test_without_a_date_the_years_are_named_not_mixed(two_years):
    url = two_years["url"]
    with pytest.raises(DataSourceError, match=r"items of 2020, 2021.*@2021"):
        lp.land_cover(land(), f"stac:{url}#lc/map")
    # both years came back over two pages: the next link was followed
    assert len([s for s in two_years["searches"] if not s.get("datetime")]) >= 2
    assert not two_years["served"]  # nothing was read of either year


def test_a_date_with_no_item_is_a_named_error(two_years):
    url = two_years["url"]
    with pytest.raises(
        DataSourceError, match=r"of the date asked \(2019-01-01 to 2019-12-31\).*2020, 2021"
    ):
        lp.land_cover(land(), f"stac:{url}#lc@2019/map")
    with pytest.raises(DataSourceError, match="no item of 'roads'"):
        lp.land_cover(land(), f"stac:{url}#roads@2021/map")
    assert not two_years["served"]


def test_data_fetch_mirrors_stac_items_and_the_name_reads_the_same_cells_offline(
    two_years, tmp_path, monkeypatch
):
    url, files = two_years["url"], two_years["files"]
    name = f"stac:{url}#lc@2021/map"
    ls = land()
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "a"},
                        "geometry": ls.geometry.__geo_interface__,
                    }
                ],
            }
        )
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        f'[rasters]\nland_cover = "{name}"\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    field = tmp_path / "usb"
    r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(field)])
    assert r.exit_code == 0, r.output
    online = lp.land_cover(ls, name)
    # the network is gone: both servers stopped
    two_years["served"].clear()
    for server in two_years["servers"]:
        server.shutdown()
        server.server_close()
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache-offline"))
    with pytest.raises(DataSourceError, match="could not be searched"):
        lp.land_cover(ls, name)  # without the mirror: the host is unreachable
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(field))
    window = raster(name, ls.bounds_lonlat)
    with rasterio.open(window) as ds:
        cells = ds.read(1)
    np.testing.assert_array_equal(cells, read_cells(files[2021], window))
    offline = lp.land_cover(ls, name)
    assert offline["value"].tolist() == online["value"].tolist()
    assert offline["area_ha"].to_numpy() == pytest.approx(online["area_ha"].to_numpy(), rel=1e-12)
    assert not two_years["served"]
    # the copy is a static catalogue with relative hrefs: no path of this machine in it
    docs = list(field.rglob("*.json"))
    assert any(p.name == "catalog.json" for p in docs)
    for p in docs:
        assert str(tmp_path) not in p.read_text()
    with pytest.raises(DataSourceError, match="items of 2021"):
        lp.land_cover(ls, f"stac:{url}#lc@2020/map")  # only 2021 was fetched
