"""The docstring examples of the public API run as doctests (issue 29, item 3).

Each module's examples build their own small data (``landprofile.testing``, the sample
data in ``data/sample_boundaries``) in temporary folders; a failing example fails here.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import operator
import os
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

#: Modules whose docstrings carry the examples of the public names.
MODULES = [
    "landprofile.testing",
    "landprofile.landscape",
    "landprofile.legend",
    "landprofile.crs",
    "landprofile._options",
    "landprofile.raster",
    "landprofile.vector",
    "landprofile.boundary.admin",
    "landprofile.boundary.custom",
    "landprofile.profile.profile",
    "landprofile.profile.stats",
    "landprofile.profile.continuous",
    "landprofile.profile.overlap",
    "landprofile.watershed.basins",
    "landprofile.watershed.dem",
    "landprofile.monitoring.landcover",
    "landprofile.monitoring.footprint",
    "landprofile.monitoring.alerts",
    "landprofile.profilecard.card",
    "landprofile.zoning.candidates",
    "landprofile.zoning.grid",
    "landprofile.zoning.rules",
    "landprofile.zoning.sensitivity",
    "landprofile.zoning.locate",
    "landprofile.zoning.result",
    "landprofile.batch",
    "landprofile.sources",
    "landprofile.sources.catalogue",
    "landprofile.credits",
]

ROOT = Path(__file__).resolve().parents[1]


def _ini_flags() -> int:
    """The doctest flags pyproject.toml gives ``pytest --doctest-modules`` (one source)."""
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]
    names = ini["ini_options"]["doctest_optionflags"]
    return functools.reduce(operator.or_, (doctest.OPTIONFLAGS_BY_NAME[n] for n in names), 0)


FLAGS = _ini_flags()
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def test_doctest_modules_as_typed_collects_cleanly() -> None:
    """``pytest --doctest-modules src/landprofile`` (issue 35 item 6): the QGIS plugin's
    modules, which import qgis, are not collected, and every module holding examples
    here is collected there too (its run is this file's; it passed in 15 s)."""
    r = subprocess.run(
        [*PYTEST, "--collect-only", "-q", "--doctest-modules", "src/landprofile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "qgis_plugin" not in r.stdout
    collected = {line.split("::")[0] for line in r.stdout.splitlines() if "::" in line}
    for name in MODULES:
        rel = "src/" + name.replace(".", "/")
        assert f"{rel}.py" in collected or f"{rel}/__init__.py" in collected, name
    assert FLAGS & doctest.NORMALIZE_WHITESPACE
    assert FLAGS & doctest.ELLIPSIS


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    from landprofile._options import options

    module = importlib.import_module(name)
    # the sources' examples set a cache folder and a mirror: the tests after them must
    # see the environment and the options as they were
    environ, saved = dict(os.environ), dict(options._set)  # what was assigned
    try:
        with warnings.catch_warnings():
            # small landscapes warn of their scale by design; warnings are not output
            warnings.simplefilter("ignore")
            result = doctest.testmod(module, optionflags=FLAGS, report=True)
    finally:
        os.environ.clear()
        os.environ.update(environ)
        for key in options._NAMES:  # back to the environment, then what was assigned
            delattr(options, key)
        for key, value in saved.items():
            setattr(options, key, value)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
