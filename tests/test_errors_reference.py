"""The errors reference lists every public error and warning, and nothing else.

``docs/reference/errors.md`` is where a user looks up an exception a run raised; a class
added to :mod:`landprofile.errors` without a line there (``TileRasterError`` was, for a
while) leaves them with a name and no page.
"""

from __future__ import annotations

import re
from pathlib import Path

import landprofile.errors as errors

PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "errors.md"


def test_every_public_error_and_warning_is_on_the_reference_page():
    listed = re.findall(r"autoexception:: landprofile\.errors\.(\w+)", PAGE.read_text("utf-8"))
    assert len(listed) == len(set(listed)), "a class is listed twice"
    assert sorted(listed) == sorted(errors.__all__)
    for name in listed:
        cls = getattr(errors, name)
        assert issubclass(cls, (errors.LandprofileError, errors.LandprofileWarning)), name
        assert cls.__doc__, name
