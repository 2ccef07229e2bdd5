from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from landprofile.errors import ScaleWarning

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_boundaries"
SHARED = ROOT.parent / "shared" / "data"


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
