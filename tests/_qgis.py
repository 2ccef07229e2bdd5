"""Real QGIS for the tests: Debian's python3-qgis, headless, in a child process.

QGIS's Python is the system's (``/usr/bin/python3`` with Debian's GDAL), not the
project's venv: a test writes its files with the library, then runs a small script in
QGIS's Python that loads them and prints one JSON object on its last stdout line.

Skipped when QGIS is not installed, except where ``LANDPROFILE_REQUIRE_QGIS`` is set
(``.ci/run`` installs it and sets that): there a missing QGIS fails the test.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

#: QGIS's Python (Debian's python3-qgis is built for the system interpreter).
QGIS_PYTHON = os.environ.get("LANDPROFILE_QGIS_PYTHON", "/usr/bin/python3")
#: Where Debian puts QGIS's core plugins (processing among them).
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"

#: Put in front of every script: a headless QgsApplication with a fresh profile, and
#: ``emit(obj)`` to hand the result back.
PRELUDE = """
import faulthandler, json, os, sys
faulthandler.enable()  # a crash inside QGIS prints where it happened, not a bare -11
sys.path.insert(0, {plugins!r})
from qgis.core import QgsApplication
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False, {profile!r})
app.initQgis()
def emit(obj):
    sys.stdout.write("\\n" + json.dumps(obj) + "\\n")
    sys.stdout.flush()
"""

#: Put after every script: QGIS torn down in a fixed order. Left to the interpreter's
#: exit, Python frees QGIS objects (a layer-tree model, the project's layers, the
#: application) in whatever order its garbage collector picks; a model freed after the
#: tree it watches can crash the process. CI saw one -11 there (not reproduced in 16 runs
#: here), so the script's own objects go first, then the project, then QGIS.
EPILOGUE = """
import gc
from qgis.core import QgsProject as _QgsProject
_keep = ("app", "gc", "os", "sys")
for _name in [n for n in list(globals()) if not n.startswith("_") and n not in _keep]:
    del globals()[_name]
gc.collect()
_QgsProject.instance().clear()
app.exitQgis()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""


@functools.cache
def qgis_available() -> bool:
    """Whether QGIS's Python can import ``qgis.core``."""
    try:
        done = subprocess.run(
            [QGIS_PYTHON, "-c", "import qgis.core"],
            capture_output=True,
            timeout=60,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def require_qgis() -> None:
    """Skip the calling test without QGIS (fail it where QGIS is required)."""
    if qgis_available():
        return
    if os.environ.get("LANDPROFILE_REQUIRE_QGIS"):
        pytest.fail("QGIS (Debian python3-qgis) is required here (LANDPROFILE_REQUIRE_QGIS)")
    pytest.skip("QGIS is not installed (Debian: apt install python3-qgis qgis-providers)")


def run_in_qgis(
    script: str,
    *,
    args: list[str] | None = None,
    profile: Path | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> Any:
    """Run ``script`` in QGIS's Python after :data:`PRELUDE`; return what it ``emit``-ed.

    Parameters
    ----------
    script
        Python run inside a headless QGIS (``app`` is the QgsApplication; ``sys.argv[1:]``
        are ``args``).
    args
        Command-line arguments for the script (paths).
    profile
        The QGIS profile folder (default: a fresh temporary one, so no test sees another's
        settings or plugins).
    timeout
        Seconds before the child is killed and the test fails.
    env
        Extra environment variables.
    """
    require_qgis()
    with tempfile.TemporaryDirectory(prefix="lp-qgis-") as tmp:
        prof = Path(profile) if profile is not None else Path(tmp) / "profile"
        prof.mkdir(parents=True, exist_ok=True)
        code = PRELUDE.format(plugins=QGIS_PLUGINS, profile=str(prof)) + script + EPILOGUE
        full_env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_RUNTIME_DIR": tmp,
            # QGIS writes a raster's statistics beside it (a .aux.xml) when it draws it;
            # the demo's rasters are the repository's own sample files, which a test run
            # must leave as they are (a later test reads them without GDAL)
            "GDAL_PAM_ENABLED": "NO",
            **(env or {}),
        }
        # the venv's variables must not leak into the system interpreter
        for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            full_env.pop(key, None)
        done = subprocess.run(
            [QGIS_PYTHON, "-c", code, *(args or [])],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            cwd=tmp,
        )
    if done.returncode != 0:
        pytest.fail(
            f"QGIS script failed ({done.returncode}):\n"
            f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-4000:]}"
        )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(("{", "["))]
    if not lines:
        pytest.fail(f"QGIS script emitted nothing:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])
