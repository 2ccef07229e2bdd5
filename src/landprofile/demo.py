"""The embedded sample landscape of south-west Ghana, used by ``landprofile demo``."""

from __future__ import annotations

import os
from pathlib import Path

from landprofile.boundary import from_admin
from landprofile.errors import NameNotFoundError, SourceNotFoundError
from landprofile.landscape import Landscape

__all__ = ["DEMO_UNITS", "demo_landscape", "get_path", "sample_data_dir", "sample_files"]

#: The synthetic districts of the sample data that make the demo landscape: the core of
#: the Ankobra / Pra gold belt around Aboso (next to Tarkwa) and Prestea.
DEMO_UNITS = ("Aboso", "Prestea")


def sample_data_dir() -> Path:
    """The folder of the embedded sample data (``data/sample_boundaries``).

    ``LANDPROFILE_SAMPLE_DATA`` when set (refused if it is not a sample data folder);
    else the copy inside the installed package (``landprofile/data/sample``, put there
    when the wheel is built), else the repository's folder beside the source tree.
    """
    env = os.environ.get("LANDPROFILE_SAMPLE_DATA", "").strip()
    if env:  # a setting given is used or refused, never passed over in silence
        folder = Path(env).expanduser()
        if not (folder / "synthetic_districts_sw_ghana.geojson").is_file():
            raise SourceNotFoundError(
                f"LANDPROFILE_SAMPLE_DATA='{env}' is not a sample data folder (it must hold "
                "synthetic_districts_sw_ghana.geojson and demo.toml, as data/sample_boundaries "
                "of the repository does); correct it, or unset it"
            )
        return folder
    here = Path(__file__).resolve().parent
    # installed from a wheel: the copy setup.py's build step puts in the package; a clone
    # (an editable install): the repository's own folder
    candidates = [here / "data" / "sample", here.parents[1] / "data" / "sample_boundaries"]
    for c in candidates:
        if (c / "synthetic_districts_sw_ghana.geojson").exists():
            return c
    raise SourceNotFoundError(
        "sample data folder not found (looked in: "
        + ", ".join(str(c) for c in candidates)
        + "); run from a clone of the repository or set LANDPROFILE_SAMPLE_DATA"
    )


def sample_files() -> list[str]:
    """The names of the sample data files (what :func:`get_path` accepts).

    Examples
    --------
    >>> from landprofile.demo import sample_files
    >>> "demo.toml" in sample_files()
    True
    """
    root = sample_data_dir()
    return sorted(p.name for p in root.iterdir() if p.is_file() and not p.name.endswith(".py"))


def get_path(name: str) -> Path:
    """The path of one sample data file, wherever landprofile is installed.

    Works from a clone and after ``pip install`` (the wheel carries the sample data),
    as ``geodatasets.get_path`` does for its datasets.

    Parameters
    ----------
    name
        A file name of :func:`sample_files` (``"demo.toml"``), or its name without the
        suffix (``"modis_igbp_2019_sw_ghana"``).

    Returns
    -------
    pathlib.Path
        The file (read it; the package's copy must not be edited).

    Raises
    ------
    NameNotFoundError
        ``name`` is not a sample file; the message lists those there are.

    Examples
    --------
    >>> from landprofile.demo import get_path
    >>> get_path("synthetic_asm_sites_sw_ghana").name
    'synthetic_asm_sites_sw_ghana.geojson'
    """
    files = sample_files()
    hits = [f for f in files if f == name] or [f for f in files if Path(f).stem == name]
    if len(hits) != 1:
        raise NameNotFoundError(
            f"{name!r} is not a sample data file; the sample files are: {', '.join(files)}"
        )
    return sample_data_dir() / hits[0]


def demo_landscape() -> Landscape:
    """The demo landscape: two synthetic districts of the south-west Ghana gold belt."""
    folder = sample_data_dir()
    return from_admin(
        folder / "synthetic_districts_sw_ghana.geojson",
        names=list(DEMO_UNITS),
        name="Ankobra–Pra gold belt (sample, synthetic districts)",
    )
