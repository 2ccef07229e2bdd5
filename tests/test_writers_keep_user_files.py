"""Every writer replaces only what it wrote (issue 36 item 4): one test per writer.

A user's file where a writer would write is refused before the work and survives
byte-identical; a user's file beside the output survives the write; a file the writer
wrote itself, unchanged, is replaced. The proof of "ours" is a sha256 recorded at the
write (``landprofile._owned``), checked here against hashlib.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import landprofile.pipeline as pipeline
from landprofile.cli import cli

SQUARE = shapely.box(600_000, 600_000, 612_000, 612_000)


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    """A ledger of our own, so that no test sees another's records."""
    monkeypatch.setenv("LANDPROFILE_STATE", str(tmp_path / "state"))


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def cfg(tmp_path):
    gpd.GeoDataFrame(geometry=[SQUARE], crs=32630).to_file(tmp_path / "b.gpkg")
    c = tmp_path / "ls.toml"
    c.write_text(
        'name = "Square"\n[boundary]\nmethod = "custom"\nsource = "b.gpkg"\n'
        '[change]\nfootprints = "b.gpkg"\n'
    )
    return c


@pytest.fixture
def no_work(monkeypatch):
    started = []

    def build_boundary(*a, **k):
        started.append("boundary")
        raise RuntimeError("the work ran")

    monkeypatch.setattr(pipeline, "build_boundary", build_boundary)
    return started


@pytest.mark.parametrize(
    ("command", "out", "mine"),
    [
        (["boundary"], "b_out.geojson", "b_out.geojson"),
        (["profile"], "profile.json", "profile.json"),
        (["change"], "change.json", "change.json"),
        (["zones"], "zones.gpkg", "zones.gpkg"),
        (["card"], "site.html", "site.html"),
        (["card", "--print"], "site.html", "site.pdf"),
        (["card", "--print"], "site.html", "site.png"),
        (["qgis", "project"], "mine.gpkg", "mine.gpkg"),
    ],
)
def test_a_users_file_at_the_output_is_refused_before_the_work(
    tmp_path, cfg, no_work, command, out, mine
):
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / mine).write_bytes(b"the user's own work")
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    head, flags = (command, []) if command[0] == "qgis" else (command[:1], command[1:])
    r = _invoke(*head, cfg, "--out", folder / out, *flags)
    assert r.exit_code == 2, r.output
    assert "written by landprofile" in r.output, r.output
    assert not no_work, "refused only after the work"
    assert (folder / mine).read_bytes() == b"the user's own work"
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in folder.iterdir()) == sorted({mine, "notes.txt"})


def test_boundary_replaces_its_own_file_only_while_unchanged(tmp_path, cfg):
    out = tmp_path / "o.geojson"
    beside = tmp_path / "o.geojson.notes"
    beside.write_text("keep", encoding="utf-8")
    assert _invoke("boundary", cfg, "--out", out).exit_code == 0
    first = out.read_bytes()
    r = _invoke("boundary", cfg, "--out", out)
    assert r.exit_code == 0, r.output  # ours, unchanged: replaced
    assert out.read_bytes() == first
    out.write_bytes(first + b"\n")  # the user edits it
    r = _invoke("boundary", cfg, "--out", out)
    assert r.exit_code == 2
    assert "changed since" in r.output
    assert out.read_bytes() == first + b"\n"
    assert beside.read_text(encoding="utf-8") == "keep"


def test_a_link_at_the_output_is_refused(tmp_path, cfg):
    user = tmp_path / "user.json"
    user.write_text("mine", encoding="utf-8")
    (tmp_path / "p.json").symlink_to(user)
    r = _invoke("profile", cfg, "--out", tmp_path / "p.json")
    assert r.exit_code == 2
    assert "is a link" in r.output
    assert user.read_text(encoding="utf-8") == "mine"


def test_qgis_plugin_keeps_a_users_rezipped_plugin(tmp_path):
    from landprofile.qgis.plugin import plugin_zip_bytes, plugin_zip_name

    out = tmp_path / "dist"
    out.mkdir()
    buf = io.BytesIO()
    # the user's own edit of our plugin, re-zipped: its metadata.txt still says ours
    with zipfile.ZipFile(io.BytesIO(plugin_zip_bytes())) as src, zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("metadata.txt"):
                data += b"\n# my change\n"
            zf.writestr(info.filename, data)
    target = out / plugin_zip_name()
    target.write_bytes(buf.getvalue())
    before = _sha(target)
    r = _invoke("qgis", "plugin", "--out", out)
    assert r.exit_code == 2, r.output
    assert "not a landprofile plugin zip" in r.output
    assert _sha(target) == before
    # exactly the bytes about to be written: nothing is lost, it is written
    target.write_bytes(plugin_zip_bytes())
    assert _invoke("qgis", "plugin", "--out", out).exit_code == 0
    assert _sha(target) == hashlib.sha256(plugin_zip_bytes()).hexdigest()


def test_batch_keeps_a_users_table(tmp_path):
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[SQUARE], crs=32630).to_file(tmp_path / "l.gpkg")
    mine = tmp_path / "t.csv"
    mine.write_text("a,b\n1,2\n", encoding="utf-8")
    r = _invoke("batch", tmp_path / "l.gpkg", "--out", mine)
    assert r.exit_code == 2, r.output
    assert "not a result table written by landprofile" in r.output
    assert mine.read_text(encoding="utf-8") == "a,b\n1,2\n"


def test_zones_gpkg_is_byte_reproducible(tmp_path, sample_dir):
    """Two writes of the same zones, whose runs took different wall-clock seconds."""
    cfg = pipeline.load_config(sample_dir / "demo.toml")
    res = pipeline.build_zoning(cfg, pipeline.build_boundary(cfg))
    sel = dict(res.summary["selection"])
    other = dataclasses.replace(
        res, summary={**res.summary, "selection": {**sel, "seconds": sel["seconds"] + 7.25}}
    )
    for folder, r in (("a", res), ("b", other)):
        (tmp_path / folder).mkdir()
        r.to_gpkg(tmp_path / folder / "zones.gpkg")
    assert _sha(tmp_path / "a" / "zones.gpkg") == _sha(tmp_path / "b" / "zones.gpkg")
