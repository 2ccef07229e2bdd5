"""profile_many: serial, threads, processes and a real dask LocalCluster agree exactly."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import landprofile as lp
from landprofile.batch import profile_many


@pytest.fixture(scope="module")
def districts(sample_dir):
    gdf = gpd.read_file(sample_dir / "synthetic_districts_sw_ghana.geojson")
    return gdf.rename(columns={"shapeName": "name"})


def run(districts, sample_dir, **kw):
    return profile_many(
        districts,
        land_cover=sample_dir / "modis_igbp_2019_sw_ghana.tif",
        legend="modis_igbp",
        population=sample_dir / "synthetic_population_sw_ghana.tif",
        **kw,
    )


def test_serial_matches_single_landscape_profile(districts, sample_dir):
    serial = run(districts, sample_dir, workers=1)
    assert list(serial.landscape) == list(districts.name)
    one = districts.iloc[[3]]
    lc = lp.land_cover(one, sample_dir / "modis_igbp_2019_sw_ghana.tif", legend="modis_igbp")
    cls = lc[lc.kind == "class"]
    row = serial.set_index("landscape").loc[one.name.iloc[0]]
    assert row.natural_share == pytest.approx(cls[cls.natural.astype(bool)].share.sum())
    assert row.population == pytest.approx(
        lp.population(one, sample_dir / "synthetic_population_sw_ghana.tif").population.iloc[0]
    )


def test_threads_and_processes_identical(districts, sample_dir):
    serial = run(districts, sample_dir, workers=1)
    pd.testing.assert_frame_equal(run(districts, sample_dir, workers=2, chunk_size=3), serial)
    pd.testing.assert_frame_equal(
        run(districts, sample_dir, workers=2, chunk_size=5, executor="processes"), serial
    )


def test_dask_local_cluster_two_workers_identical(districts, sample_dir):
    from distributed import Client, LocalCluster

    serial = run(districts, sample_dir, workers=1)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        ) as cluster,
        Client(cluster) as client,
    ):
        got = run(districts, sample_dir, client=client, chunk_size=4)
        by_address = run(districts, sample_dir, client=cluster.scheduler_address, chunk_size=7)
    pd.testing.assert_frame_equal(got, serial)
    pd.testing.assert_frame_equal(by_address, serial)


def test_duplicate_ids_refused(districts, sample_dir):
    dup = pd.concat([districts.iloc[:2], districts.iloc[:1]])
    with pytest.raises(lp.errors.InvalidParameterError, match="appears twice"):
        run(dup, sample_dir)


def test_a_batch_warns_once_per_kind():
    import warnings

    import shapely

    from landprofile.batch import profile_many

    polys = [shapely.box(-2 + 0.03 * i, 5.0, -1.98 + 0.03 * i, 5.02) for i in range(30)]
    polys += [shapely.box(30, 30, 30.02, 30.02)] * 3  # outside the raster
    gdf = gpd.GeoDataFrame({"name": [f"d{i}" for i in range(33)]}, geometry=polys, crs=4326)
    from pathlib import Path

    lc = Path(__file__).resolve().parents[1] / "data/sample_boundaries/modis_igbp_2019_sw_ghana.tif"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        profile_many(gdf, land_cover=lc, legend="modis_igbp", workers=2)
    kinds = [w.category.__name__ for w in rec]
    assert kinds.count("ScaleWarning") == 1
    assert "33 of 33 landscapes are below" in next(
        str(w.message) for w in rec if w.category.__name__ == "ScaleWarning"
    )
    assert kinds.count("CoverageWarning") == 1
    assert "3 warnings of this kind" in next(
        str(w.message) for w in rec if w.category.__name__ == "CoverageWarning"
    )


def test_an_interrupted_batch_resumes_without_recomputing(tmp_path, monkeypatch):
    import shapely

    import landprofile.batch as b

    polys = [shapely.box(-2 + 0.03 * i, 5.0, -1.98 + 0.03 * i, 5.02) for i in range(12)]
    gdf = gpd.GeoDataFrame({"name": [f"d{i}" for i in range(12)]}, geometry=polys, crs=4326)
    from pathlib import Path

    lc = Path(__file__).resolve().parents[1] / "data/sample_boundaries/modis_igbp_2019_sw_ghana.tif"
    full = b.profile_many(gdf, land_cover=lc, legend="modis_igbp", workers=1, chunk_size=3)
    calls = []
    real = b._chunk_profile

    def flaky(chunk, *args):
        calls.append(list(chunk["name"]))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the user stops the batch in its third chunk
        return real(chunk, *args)

    monkeypatch.setattr(b, "_chunk_profile", flaky)
    cp = tmp_path / "parts"
    with pytest.raises(KeyboardInterrupt):
        b.profile_many(
            gdf, land_cover=lc, legend="modis_igbp", workers=1, chunk_size=3, checkpoint=cp
        )
    assert len(list(cp.glob("chunk-*.parquet"))) == 2
    assert not list(cp.glob(".*"))  # no half-written chunk
    calls.clear()
    again = b.profile_many(
        gdf, land_cover=lc, legend="modis_igbp", workers=1, chunk_size=3, checkpoint=cp
    )
    assert len(calls) == 2  # only the two chunks not done
    pd.testing.assert_frame_equal(again, full)
