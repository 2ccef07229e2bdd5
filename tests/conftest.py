from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from hypothesis import settings

from landprofile.errors import ScaleWarning

# The writers' ledger of what landprofile wrote (landprofile._owned) lives in the user's
# state folder: the suite keeps its own, so a test run neither reads nor grows the
# developer's (subprocesses inherit it).
if not os.environ.get("LANDPROFILE_STATE"):
    import tempfile

    os.environ["LANDPROFILE_STATE"] = tempfile.mkdtemp(prefix="landprofile-test-state-")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_boundaries"
SHARED = ROOT.parent / "shared" / "data"

# CI explores the same examples every run, so that a red build is reproducible and not
# the luck of a draw; a developer's run (no LANDPROFILE_CI) draws new ones each time, and
# what they find is pinned with @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("LANDPROFILE_CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.exists():
        pytest.skip("../shared/data is absent (a user's fresh clone has no ../shared)")
    return SHARED


@pytest.fixture
def no_scale_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield
