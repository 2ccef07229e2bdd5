"""The sample data ships in the wheel (issue 35): built offline, unzipped, the demo runs
from an empty folder against the wheel's copy, not the repository's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _builder() -> str | None:
    """A Python whose setuptools builds this project offline (>= 77, pyproject's need)."""
    for py in filter(None, [os.environ.get("LANDPROFILE_BUILD_PYTHON"), sys.executable]):
        r = subprocess.run(
            [py, "-c", "import setuptools; print(setuptools.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode == 0 and int(r.stdout.split(".")[0]) >= 77:
            return py
    return None


def test_the_demo_runs_from_the_wheel(tmp_path):
    py = _builder()
    if py is None:
        pytest.skip(
            "no setuptools>=77 to build the wheel offline: install it in the venv or set "
            "LANDPROFILE_BUILD_PYTHON to a Python that has it"
        )
    # built from a copy: a build writes build/ and *.egg-info beside its sources
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "_build", ".*cache"
        ),
    )
    r = subprocess.run(
        [
            py,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    (wheel,) = (tmp_path / "dist").glob("landprofile-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    want = sorted(p.name for p in (ROOT / "data/sample_boundaries").iterdir() if p.suffix != ".py")
    assert sorted(n.rsplit("/", 1)[1] for n in names if "/data/sample/" in n) == want
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    run = tmp_path / "empty"
    run.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "LANDPROFILE_SAMPLE_DATA"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    code = (
        "import sys, landprofile; from landprofile.demo import get_path, sample_data_dir; "
        "print(landprofile.__file__); print(sample_data_dir()); print(get_path('demo.toml')); "
        "from landprofile.cli import main; sys.argv = ['landprofile', 'demo', '--out', 'd']; main()"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=run,
        check=False,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(str(tmp_path / "site"))
    assert lines[1] == str(tmp_path / "site" / "landprofile" / "data" / "sample")
    # the documented accessor finds a file in the wheel's copy, by its name
    assert lines[2] == str(tmp_path / "site" / "landprofile" / "data" / "sample" / "demo.toml")
    assert {p.name for p in (run / "d").iterdir()} >= {"card.html", "profile.json", "zones.gpkg"}
