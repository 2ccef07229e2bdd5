"""The output folder of ``run``/``demo``: never delete what landprofile did not write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import landprofile as lp
from landprofile import _outdir
from landprofile._atomic import owner_tag
from landprofile.cli import cli
from landprofile.errors import OutputError

OUTPUTS = {"profile.json", "zones.gpkg", "card.html", "card.pdf"}


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` with its bytes (``None`` for a folder)."""
    return {
        str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(folder.rglob("*"))
    }


def _dead_tag() -> str:
    dead = subprocess.Popen(["true"])
    dead.wait()
    return f"lp{dead.pid}-{owner_tag().split('-')[1]}"


@pytest.fixture(scope="module")
def project(tmp_path_factory, sample_dir):
    """A copy of the sample config whose ``output = "res"`` is relative."""
    folder = tmp_path_factory.mktemp("project")
    for f in sample_dir.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    cfg = folder / "ls.toml"
    text = (sample_dir / "demo.toml").read_text(encoding="utf-8")
    cfg.write_text('output = "res"\n' + text, encoding="utf-8")
    return cfg


@pytest.fixture(scope="module")
def first_run(project, tmp_path_factory):
    """One run of the project from another folder, with no ``--out``."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        r = CliRunner().invoke(cli, ["run", str(project)])
    finally:
        os.chdir(cwd)
    assert r.exit_code == 0, r.output
    return project.parent / "res", elsewhere


def test_relative_output_resolves_against_the_configs_folder(first_run, project):
    out, elsewhere = first_run
    assert lp.pipeline.load_config(project).data["output"] == out
    assert {p.name for p in out.iterdir()} >= OUTPUTS
    assert list(elsewhere.iterdir()) == []  # nothing under the current folder
    manifest = json.loads((out / _outdir.MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {p.name for p in out.iterdir()} - {_outdir.MANIFEST}
    assert manifest["landprofile"] == lp.__version__


def test_foreign_files_are_refused_fast_and_kept(tmp_path, project):
    out = tmp_path / "thesis"
    (out / "photos").mkdir(parents=True)
    (out / "thesis.docx").write_bytes(b"PK\x03\x04 my thesis")
    (out / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff a photo")
    before = _snapshot(out)
    t0 = time.perf_counter()
    r = CliRunner().invoke(cli, ["run", str(project), "--out", str(out)])
    took = time.perf_counter() - t0
    assert r.exit_code == 2, r.output
    assert "'photos/'" in r.output
    assert "'thesis.docx'" in r.output
    assert "2 entries" in r.output
    assert "choose an empty or new folder" in r.output
    assert _snapshot(out) == before  # byte for byte, and no staging folder left
    assert took < 5, took  # refused before the boundary was built


def test_a_file_in_the_way_is_an_error_and_kept(tmp_path, project):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        lp.pipeline.run(project, notes)
    assert notes.read_text(encoding="utf-8") == "my notes"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # nothing hidden beside


def test_an_output_from_before_manifests_is_foreign(tmp_path, project):
    out = tmp_path / "old"
    out.mkdir()
    for n in ("profile.json", "card.html"):
        (out / n).write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="earlier landprofile version") as e:
        lp.pipeline.run(project, out)
    assert "2 entries" in str(e.value)
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "profile.json": "old",
        "card.html": "old",
    }


def test_an_earlier_versions_killed_swap_is_put_back(tmp_path, project):
    """Its previous output, moved aside by a dead run, goes back in place (then refused)."""
    out = tmp_path / "out"
    aside = tmp_path / f".out.old.{_dead_tag()}"
    aside.mkdir()
    (aside / "profile.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="earlier landprofile version"):
        lp.pipeline.run(project, out)
    assert (out / "profile.json").read_text(encoding="utf-8") == "{}"
    assert not aside.exists()


def test_a_second_run_replaces_only_its_own_files(first_run, project):
    out, _ = first_run
    (out / "my notes.txt").write_text("keep me", encoding="utf-8")
    (out / "figures").mkdir()
    (out / "figures" / "f.png").write_bytes(b"png")
    # a file the previous run listed but this one does not write: removed
    manifest = json.loads((out / _outdir.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"].append("change.json")
    (out / _outdir.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (out / "change.json").write_text("{}", encoding="utf-8")
    # a dead run's staging folder goes; a live run's is kept
    dead = out / f".landprofile-tmp.{_dead_tag()}.abc"
    dead.mkdir()
    (dead / "card.html").write_text("half", encoding="utf-8")
    live = out / f".landprofile-tmp.{owner_tag()}.xyz"
    live.mkdir()
    res = lp.pipeline.run(project)
    assert res.folder == out
    assert "Profil du paysage" in (out / "card.html").read_text(encoding="utf-8")
    assert (out / "my notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (out / "figures" / "f.png").read_bytes() == b"png"
    assert not (out / "change.json").exists()
    assert not dead.exists()
    assert live.exists()
    names = {p.name for p in out.iterdir()}
    assert names == OUTPUTS | {_outdir.MANIFEST, "my notes.txt", "figures", live.name}
    files = json.loads((out / _outdir.MANIFEST).read_text(encoding="utf-8"))["files"]
    assert set(files) == OUTPUTS


def test_out_dot_in_an_empty_current_folder(tmp_path, monkeypatch):
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    r = CliRunner().invoke(cli, ["demo", "--out", "."])
    assert r.exit_code == 0, r.output
    assert {p.name for p in here.iterdir()} == OUTPUTS | {_outdir.MANIFEST}
    assert (here / "card.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_a_run_failing_midway_leaves_the_folder_as_it_was(tmp_path, project, monkeypatch, exc):
    import landprofile.pipeline as pl

    def boom(*a: object, **k: object) -> None:
        raise exc("stop")

    # the boundary is built, the profile stage fails: the staging folder exists by then
    monkeypatch.setattr(pl, "build_profile", boom)
    out = tmp_path / "prev"
    out.mkdir()
    (out / "card.html").write_text("previous card", encoding="utf-8")
    (out / _outdir.MANIFEST).write_text('{"files": ["card.html"]}', encoding="utf-8")
    before = _snapshot(out)
    with pytest.raises(exc):
        lp.pipeline.run(project, out)
    assert _snapshot(out) == before
    # into a folder that did not exist: it does not exist after either
    with pytest.raises(exc):
        lp.pipeline.run(project, tmp_path / "new" / "deeper")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prev"]


def test_a_commit_interrupted_midway_is_undone(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    for n in ("a.txt", "b.txt", "gone.txt"):
        (out / n).write_text(f"old {n}", encoding="utf-8")
    (out / "user.txt").write_text("mine", encoding="utf-8")
    (out / _outdir.MANIFEST).write_text(
        '{"files": ["a.txt", "b.txt", "gone.txt"]}', encoding="utf-8"
    )
    before = _snapshot(out)
    tmp = _outdir.stage(out)
    for n in ("a.txt", "b.txt", "c.txt"):
        (tmp / n).write_text(f"new {n}", encoding="utf-8")
    real = os.replace
    calls = []

    def flaky(src: object, dst: object) -> None:
        calls.append(dst)
        if Path(dst) == out / "c.txt":  # after a.txt and b.txt are in place
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(_outdir.os, "replace", flaky)
    with pytest.raises(KeyboardInterrupt):
        _outdir.commit(tmp, out, ["a.txt", "b.txt", "gone.txt"])
    monkeypatch.setattr(_outdir.os, "replace", real)
    shutil.rmtree(tmp)
    assert out / "c.txt" in calls
    assert _snapshot(out) == before


def test_a_damaged_manifest_is_refused(tmp_path, project):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("mine", encoding="utf-8")
    (out / _outdir.MANIFEST).write_text('{"files": ["../thesis.docx"]}', encoding="utf-8")
    with pytest.raises(OutputError, match="damaged"):
        lp.pipeline.run(project, out)
    assert (out / "thesis.docx").read_text(encoding="utf-8") == "mine"


def test_a_users_file_named_like_an_output_is_refused(tmp_path, project):
    """In a previous output, an unlisted file a run would write is the user's: refused."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "profile.json").write_text("old", encoding="utf-8")
    (out / "card.pdf").write_bytes(b"my own card")
    (out / _outdir.MANIFEST).write_text('{"files": ["profile.json"]}', encoding="utf-8")
    before = _snapshot(out)
    with pytest.raises(OutputError, match=r"1 entry landprofile did not write \('card.pdf'\)"):
        lp.pipeline.run(project, out)
    assert _snapshot(out) == before


# ---- issue 36 item 4: the manifest names only outputs, proven by their hashes


def test_a_manifest_naming_the_users_files_deletes_nothing(tmp_path, project):
    """notes.txt and a photos/ folder added to the manifest's list are kept (and said)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("field notes", encoding="utf-8")
    (out / "photos").mkdir()
    (out / "photos" / "p1.jpg").write_bytes(b"jpeg")
    (out / _outdir.MANIFEST).write_text(
        json.dumps({"files": ["notes.txt", "photos"]}), encoding="utf-8"
    )
    with pytest.warns(lp.errors.OutputWarning, match="'notes.txt', 'photos'.*kept"):
        previous = _outdir.prepare(out)
    assert previous == []
    tmp = _outdir.stage(out)
    (tmp / "card.html").write_text("new", encoding="utf-8")
    _outdir.commit(tmp, out, previous)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "field notes"
    assert (out / "photos" / "p1.jpg").read_bytes() == b"jpeg"
    manifest = json.loads((out / _outdir.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == ["card.html"]
    # the recorded hash is the file's, by hashlib (not the code's own helper)
    import hashlib

    assert manifest["sha256"]["card.html"] == hashlib.sha256(b"new").hexdigest()


def test_a_manifest_link_is_never_followed(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    settings = user / "settings.json"
    settings.write_text('{"files": ["profile.json"]}', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "profile.json").write_text("mine", encoding="utf-8")
    (out / _outdir.MANIFEST).symlink_to(settings)
    before = _snapshot(tmp_path)
    with pytest.raises(OutputError, match="is a link"):
        _outdir.prepare(out)
    assert _snapshot(tmp_path) == before


def test_an_output_changed_since_the_run_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    tmp = _outdir.stage(out)
    (tmp / "card.html").write_text("ours", encoding="utf-8")
    _outdir.commit(tmp, out, [])
    assert _outdir.prepare(out) == ["card.html"]  # unchanged: ours, replaceable
    (out / "card.html").write_text("ours, edited by the user", encoding="utf-8")
    with pytest.raises(OutputError, match="changed since"):
        _outdir.prepare(out)
    assert (out / "card.html").read_text(encoding="utf-8") == "ours, edited by the user"


def test_a_second_run_into_a_folder_in_use_is_refused_before_the_work(tmp_path, project):
    """Two runs into one folder: the second is told at once, not after its whole run."""
    out = tmp_path / "shared"
    out.mkdir()
    live = f"lp1-{owner_tag().split('-')[1]}"  # process 1 is always alive
    (out / _outdir.LOCK).write_text(live + "\n", encoding="utf-8")
    stages: list[str] = []
    with pytest.raises(OutputError, match=r"another landprofile run \(lp1-"):
        lp.pipeline.run(project, out, progress=lambda step, seconds: stages.append(step))
    assert stages == []
    assert (out / _outdir.LOCK).read_text(encoding="utf-8") == live + "\n"


def test_a_killed_runs_lock_is_taken_over_and_released(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / _outdir.LOCK).write_text(_dead_tag() + "\n", encoding="utf-8")
    _outdir.lock(out)
    assert (out / _outdir.LOCK).read_text(encoding="utf-8").strip() == owner_tag()
    _outdir.unlock(out)
    assert list(out.iterdir()) == []


_KILLED_COMMIT = """
import os, sys
from pathlib import Path
from landprofile import _outdir
out = Path(sys.argv[1])
tmp = _outdir.stage(out)
for n in ("card.html", "profile.json"):
    (tmp / n).write_text("new " + n, encoding="utf-8")
real = os.replace
def killed(src, dst):
    real(src, dst)
    if Path(dst) == out / "card.html":
        os._exit(9)  # kill -9 between the commit's renames
os.replace = killed
_outdir.commit(tmp, out, ["card.html", "profile.json"])
"""


def test_a_commit_killed_between_renames_is_marked_and_finished(tmp_path):
    import sys

    out = tmp_path / "out"
    out.mkdir()
    for n in ("card.html", "profile.json"):
        (out / n).write_text("old " + n, encoding="utf-8")
    (out / _outdir.MANIFEST).write_text('{"files": ["card.html", "profile.json"]}', "utf-8")
    r = subprocess.run([sys.executable, "-c", _KILLED_COMMIT, str(out)], check=False)
    assert r.returncode == 9
    # a mix of two runs, and the marker that says so
    assert (out / "card.html").read_text(encoding="utf-8") == "new card.html"
    assert (out / "profile.json").read_text(encoding="utf-8") == "old profile.json"
    assert (out / _outdir.JOURNAL).is_file()
    with pytest.warns(lp.errors.OutputWarning, match="stopped while it moved"):
        previous = _outdir.prepare(out)
    assert (out / "profile.json").read_text(encoding="utf-8") == "new profile.json"
    assert (out / "card.html").read_text(encoding="utf-8") == "new card.html"
    assert set(previous) == {"card.html", "profile.json"}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["card.html", "profile.json", _outdir.MANIFEST]
    )
