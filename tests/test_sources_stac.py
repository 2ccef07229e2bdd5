"""STAC as the hosts serve it: a collection holding two years (ESA WorldCover on Planetary
Computer), ``s3://`` hrefs (Digital Earth Africa), items without a bbox. Local
catalogues only: the network is never reached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine

import landprofile as lp
from _sources_helpers import land, stac_item, static_catalogue
from landprofile.errors import DataSourceError, InvalidParameterError
from landprofile.sources.stac import stac_assets
from landprofile.testing import write_geotiff

T = Affine(0.005, 0, -3.0, 0, -0.005, 6.0)


def _catalogue(tmp_path: Path, items: list[tuple[str, int, str, bool]]) -> str:
    """A static catalogue: (id, year, href, with bbox) per item of collection 'lc'."""
    return static_catalogue(
        tmp_path / "stac",
        [stac_item(i, year, href, with_bbox=with_bbox) for i, year, href, with_bbox in items],
    )


@pytest.fixture
def two_years(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(5)
    paths = {}
    for year in (2020, 2021):
        data = np.array([10, 20, 30, 40], np.uint8)[rng.integers(0, 4, (600, 600))]
        paths[year] = tmp_path / f"wc{year}.tif"
        write_geotiff(paths[year], data, T, "EPSG:4326", nodata=0)
    # the 2021 item has no bbox: it is placed by its geometry
    url = _catalogue(
        tmp_path,
        [
            ("N03W003_2020", 2020, str(paths[2020]), True),
            ("N03W003_2021", 2021, str(paths[2021]), False),
        ],
    )
    return url, paths


def test_two_years_are_never_mixed_and_a_date_picks_one(two_years):
    url, paths = two_years
    ls = land(name="w")
    with pytest.raises(DataSourceError, match=r"items of 2020, 2021.*@2021"):
        lp.land_cover(ls, f"stac:{url}#lc/map")
    for year in (2020, 2021):
        got = lp.land_cover(ls, f"stac:{url}#lc@{year}/map")
        want = lp.land_cover(ls, paths[year])
        assert got["value"].tolist() == want["value"].tolist()
        assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-12)
    assert [i for i, _, _ in stac_assets(f"{url}#lc@2021-01", ls.bounds_lonlat)] == ["N03W003_2021"]
    assert len(stac_assets(f"{url}#lc@2020..2021", ls.bounds_lonlat)) == 2
    with pytest.raises(DataSourceError, match=r"no item of the date asked.*2020, 2021"):
        stac_assets(f"{url}#lc@2019/map", ls.bounds_lonlat)


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("x.json#lc@21", "date '21' not understood"),
        ("x.json#lc@2021-13", "is not a date"),
        ("x.json#lc@2021..2020", "ends before it starts"),
        ("x.json#@2021", "no collection"),
    ],
)
def test_a_bad_date_is_named(spec, text):
    with pytest.raises(InvalidParameterError, match=text):
        stac_assets(spec, (0, 0, 1, 1))


def test_s3_hrefs_become_unsigned_vsis3_and_other_schemes_are_named(tmp_path):
    url = _catalogue(
        tmp_path,
        [("deafrica", 2021, "s3://deafrica-services/wofs/x.tif", True)],
    )
    [(iid, kind, loc)] = stac_assets(f"{url}#lc/map", (-2.0, 5.0, -1.9, 5.1))
    assert (iid, kind, loc) == ("deafrica", "s3", "/vsis3/deafrica-services/wofs/x.tif")
    url2 = _catalogue(tmp_path / "b", [("f", 2021, "ftp://example.org/x.tif", True)])
    with pytest.raises(DataSourceError, match="scheme not supported"):
        stac_assets(f"{url2}#lc/map", (-2.0, 5.0, -1.9, 5.1))
