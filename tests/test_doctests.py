"""The docstring examples of the public API run as doctests (issue 29, item 3).

Each module's examples build their own small data (``landprofile.testing``, the sample
data in ``data/sample_boundaries``) in temporary folders; a failing example fails here.
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import os
import warnings

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
]

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    from landprofile._options import options

    module = importlib.import_module(name)
    # the sources' examples set a cache folder and a mirror: the tests after them must
    # see the environment and the options as they were
    environ, saved = dict(os.environ), dataclasses.asdict(options)
    try:
        with warnings.catch_warnings():
            # small landscapes warn of their scale by design; warnings are not output
            warnings.simplefilter("ignore")
            result = doctest.testmod(module, optionflags=FLAGS, report=True)
    finally:
        os.environ.clear()
        os.environ.update(environ)
        for key, value in saved.items():
            setattr(options, key, value)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
