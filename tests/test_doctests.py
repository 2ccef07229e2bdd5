"""The docstring examples of the public API run as doctests (issue 29, item 3).

Each module's examples build their own small data (``landprofile.testing``, the sample
data in ``data/sample_boundaries``) in temporary folders; a failing example fails here.
"""

from __future__ import annotations

import doctest
import importlib
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
]

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        # the examples' coarse sample rasters warn by design; the warning is not output
        warnings.simplefilter("ignore")
        result = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
