"""A field mirror accumulates (issue 36 item 2): the user's own full tile is kept byte for
byte and read; two landscapes on one tile fetched into one folder both run from it offline
and give what the full tile gives (the oracle: the full tile read directly)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from click.testing import CliRunner
from shapely.geometry import box

import landprofile as lp
from _sources_helpers import WC21, cog, land
from _sources_helpers import isolated as isolated
from landprofile.cli import cli
from landprofile.sources._fetch_manifest import MANIFEST


@pytest.fixture
def host(tmp_path) -> Path:
    """A host folder with WorldCover 2021 tile N03W003 (3 degrees, 0.005 degree cells)."""
    root = tmp_path / "host"
    rng = np.random.default_rng(7)
    data = np.array([10, 20, 30, 40, 50], np.uint8)[rng.integers(0, 5, (600, 600))]
    cog(root / WC21, data, Affine(0.005, 0, -3.0, 0, -0.005, 6.0))
    return root


def _cfg(tmp_path: Path, name: str, bounds: tuple[float, float, float, float]) -> Path:
    gj = tmp_path / f"{name}.geojson"
    lp.Landscape(
        name=name,
        geometry=box(*bounds),
        crs=4326,
        provenance=lp.Provenance(method="custom", source="t"),
    ).to_gdf(crs=4326).to_file(gj)
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(
        f'name = "{name}"\n[boundary]\nmethod = "custom"\nsource = "{gj.name}"\n'
        '[rasters]\nland_cover = "worldcover:2021"\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    return cfg


def _fetch(cfg: Path, to: Path) -> str:
    r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(to)])
    assert r.exit_code == 0, r.output
    return r.output


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


A = (-2.0, 5.0, -1.9, 5.1)
B = (-0.6, 3.4, -0.5, 3.5)  # the same tile, 2 degrees away


def test_the_users_full_tile_is_kept_and_read(host, tmp_path, monkeypatch):
    field = tmp_path / "usb"
    (field / WC21).parent.mkdir(parents=True)
    (field / WC21).write_bytes((host / WC21).read_bytes())
    before = _sha(field / WC21)
    cfg = _cfg(tmp_path, "a", A)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(host))
    out = _fetch(cfg, field)
    assert "wrote 0 file(s)" in out
    assert "kept 1 file(s)" in out
    assert _sha(field / WC21) == before
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(field))
    ls = land(box(*A))
    got = lp.land_cover(ls, "worldcover:2021")
    want = lp.land_cover(ls, host / WC21)
    assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-12)


def test_two_landscapes_on_one_tile_live_side_by_side(host, tmp_path, monkeypatch):
    field = tmp_path / "usb"
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(host))
    _fetch(_cfg(tmp_path, "a", A), field)
    first = _sha(field / WC21)
    out = _fetch(_cfg(tmp_path, "b", B), field)
    assert "wrote 1 file(s)" in out
    assert _sha(field / WC21) == first  # the first landscape's clip is not replaced
    beside = sorted((field / WC21).parent.glob("*.lp-*.tif"))
    assert len(beside) == 1
    man = json.loads((field / MANIFEST).read_text("utf-8"))["files"]
    assert set(man) == {WC21, beside[0].relative_to(field).as_posix()}
    for rel, entry in man.items():
        assert entry["sha256"] == _sha(field / rel)
    # a third fetch of A finds it covered: nothing written
    assert "wrote 0 file(s)" in _fetch(_cfg(tmp_path, "a", A), field)
    # offline, from a fresh cache: each equals the full tile read directly
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(field))
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "cache2"))
    for b in (A, B):
        ls = land(box(*b))
        got = lp.land_cover(ls, "worldcover:2021")
        want = lp.land_cover(ls, host / WC21)
        assert got["value"].tolist() == want["value"].tolist()
        assert got["area_ha"].to_numpy() == pytest.approx(want["area_ha"].to_numpy(), rel=1e-12)


def test_a_foreign_manifest_is_refused_before_any_work(host, tmp_path, monkeypatch):
    field = tmp_path / "usb"
    field.mkdir()
    (field / MANIFEST).write_text('{"mine": 1}', encoding="utf-8")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(host))
    r = CliRunner().invoke(cli, ["data", "fetch", str(_cfg(tmp_path, "a", A)), "--to", str(field)])
    assert r.exit_code == 2, r.output
    assert MANIFEST in r.output
    assert sorted(p.name for p in field.iterdir()) == [MANIFEST]
