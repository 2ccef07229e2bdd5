"""Checkpoints are keyed by content and never execute what they read (issue 36 item 3)."""

from __future__ import annotations

import os
import pickle
import shutil
import warnings

import numpy as np
import pytest
import xarray as xr
from affine import Affine
from pyproj import CRS

from landprofile._checkpoint import raster_stamp
from landprofile.errors import CheckpointWarning
from landprofile.testing import write_geotiff
from landprofile.zoning.tiles import Tile
from landprofile.zoning.tiles_store import TileStore

UTM = CRS.from_epsg(32630)
T = Affine(30, 0, 600_000, 0, -30, 700_000)


class _Evil:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def _tile() -> Tile:
    return Tile(0, (0, 4, 0, 5), (0, 4, 0, 5))


def _result() -> dict:
    return {
        "index": 0,
        "score": np.arange(20, dtype=np.float32).reshape(4, 5) / 20,
        "suitable": np.eye(4, 5, dtype=bool),
        "factors": {"access": np.ones((4, 5)), "geology": np.zeros((4, 5))},
        "weights": {"access": 0.3, "geology": 0.7},
        "skipped": ["sites"],
        "raster_geoms": {"slope": b"\x01\x02\x03"},
    }


def test_a_tile_round_trips_as_plain_arrays(tmp_path):
    store = TileStore(tmp_path, "k" * 20)
    store.save(_tile(), _result())
    again = TileStore(tmp_path, "k" * 20)
    assert again.has(_tile())
    got, want = again.load(_tile()), _result()
    np.testing.assert_array_equal(got["score"], want["score"])
    np.testing.assert_array_equal(got["suitable"], want["suitable"])
    assert list(got["weights"].items()) == list(want["weights"].items())
    assert got["raster_geoms"] == want["raster_geoms"]
    assert got["skipped"] == ["sites"]
    # another key (other inputs) does not see it
    assert not TileStore(tmp_path, "x" * 20).has(_tile())


def test_a_planted_checkpoint_file_cannot_run_code(tmp_path):
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Evil(marker))
    # the payload is real: unpickled, it runs the command
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Evil(probe)))
    assert probe.exists()
    cp = tmp_path / "cp"
    store = TileStore(cp, "k" * 20)
    name = store.path(_tile())
    cp.mkdir(exist_ok=True)
    name.write_bytes(payload)  # under the very name the run will look for
    # and an npz whose array is a pickled object
    evil_npz = cp / "zoning-tile-00000-kkkkkkkkkkkkkkkkkkkk-1.npz"
    np.savez(evil_npz, header=np.frombuffer(b"{}", np.uint8), score=np.array([_Evil(marker)]))
    legacy = cp / "zoning-tile-00000-kkkkkkkkkkkkkkkkkkkk.pkl"
    legacy.write_bytes(payload)
    before = {p.name: p.read_bytes() for p in cp.iterdir()}
    with pytest.warns(CheckpointWarning) as rec:
        assert not TileStore(cp, "k" * 20).has(_tile())
    assert not marker.exists()
    text = " ".join(str(w.message) for w in rec)
    assert str(name) in text
    assert str(evil_npz) in text
    # left in place, untouched; the recomputed tile goes to the next free name
    store = TileStore(cp, "k" * 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CheckpointWarning)
        assert not store.has(_tile())
        store.save(_tile(), _result())
    assert {p.name: p.read_bytes() for p in cp.iterdir() if p.name in before} == before
    assert store.path(_tile()).name.endswith("-2.npz")
    again = TileStore(cp, "k" * 20)
    with pytest.warns(CheckpointWarning):
        found = again.has(_tile())
    assert found
    np.testing.assert_array_equal(again.load(_tile())["score"], _result()["score"])
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "wrong_key", "wrong_shape"])
def test_a_damaged_tile_is_named_and_recomputed(tmp_path, damage):
    store = TileStore(tmp_path, "k" * 20)
    store.save(_tile(), _result())
    path = store.path(_tile())
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "wrong_key":
        other = TileStore(tmp_path / "o", "z" * 20)
        other.save(_tile(), _result())
        shutil.copy(other.path(_tile()), path)
    else:
        other = TileStore(tmp_path / "o", "k" * 20)
        r = _result()
        r["score"] = np.zeros((3, 3), np.float32)
        other.save(_tile(), r)
        shutil.copy(other.path(_tile()), path)
    with pytest.warns(CheckpointWarning, match=str(path)):
        assert not TileStore(tmp_path, "k" * 20).has(_tile())


def _lc(path, values, transform=T):
    write_geotiff(path, values.astype(np.uint8), transform, UTM, nodata=0)
    return path


def test_the_key_follows_a_vrt_source(tmp_path):
    src = _lc(tmp_path / "src.tif", np.full((8, 8), 30))
    vrt = tmp_path / "lc.vrt"
    os.system(f"gdalbuildvrt -q '{vrt}' '{src}'")
    assert vrt.exists()
    before = raster_stamp(vrt)
    _lc(src, np.full((8, 8), 40))  # the VRT itself unchanged
    after = raster_stamp(vrt)
    assert before[1] is None
    assert after[1] is None
    assert before[0] != after[0]


def test_the_key_sees_a_same_size_same_mtime_replacement(tmp_path):
    p = _lc(tmp_path / "lc.tif", np.full((8, 8), 30))
    st = os.stat(p)
    before = raster_stamp(p)[0]
    q = _lc(tmp_path / "other.tif", np.full((8, 8), 40))
    os.replace(q, p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # as cp -p, rsync -t, tar x do
    assert os.stat(p).st_size == st.st_size
    assert os.stat(p).st_mtime_ns == st.st_mtime_ns
    assert raster_stamp(p)[0] != before


def test_the_key_sees_a_shifted_dataarray():
    import rioxarray  # noqa: F401

    from landprofile.raster import read_raster

    vals = np.full((8, 8), 30, np.uint8)
    a = xr.DataArray(vals, dims=("y", "x")).rio.write_crs(UTM).rio.write_transform(T)
    b = xr.DataArray(vals, dims=("y", "x")).rio.write_crs(UTM)
    b = b.rio.write_transform(T @ Affine.translation(50, 0))
    assert raster_stamp(read_raster(a))[0] != raster_stamp(read_raster(b))[0]
    assert raster_stamp(read_raster(a))[0] == raster_stamp(read_raster(a.copy()))[0]
