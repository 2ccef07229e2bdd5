"""The QGIS Processing plugin as a zip for QGIS's "Install from ZIP".

The plugin's source is package data (``landprofile/data/qgis_plugin/landprofile_processing``):
Python that runs inside QGIS and imports nothing from landprofile, since it calls the
installed ``landprofile`` command. The zip holds that one folder, its ``metadata.txt``
written from the installed package's metadata (version, author, licence, URLs), and is
the same bytes for the same version: fixed timestamps and permissions, sorted entries.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import io
import zipfile
from collections.abc import Iterator
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from landprofile import __version__
from landprofile._atomic import atomic_path
from landprofile.errors import OutputError

__all__ = ["PACKAGE", "plugin_files", "plugin_zip_bytes", "plugin_zip_name", "write_plugin_zip"]

#: The plugin's folder in the zip, and its Python package name inside QGIS.
PACKAGE = "landprofile_processing"
_SOURCE = "data/qgis_plugin/" + PACKAGE
#: 1980-01-01, the earliest time a zip can hold: the same bytes whenever it is built.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_SUFFIXES = (".pyc", ".pyo")


def plugin_zip_name(version: str = __version__) -> str:
    """The zip's file name: ``landprofile_processing-<version>.zip``."""
    return f"{PACKAGE}-{version}.zip"


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in node.iterdir():
        name = f"{prefix}/{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                yield from _walk(child, name)
        elif not child.name.endswith(_SKIP_SUFFIXES):
            yield name, child


def _package_metadata() -> dict[str, str]:
    """Author, email, licence and URLs from landprofile's installed metadata."""
    try:
        md: Any = importlib.metadata.metadata("landprofile")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        md = {}
    urls: dict[str, str] = {}
    for entry in (md.get_all("Project-URL") or []) if md else []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    email = ""
    author = (md.get("Author") or "") if md else ""
    author_email = (md.get("Author-email") or "") if md else ""
    if author_email:  # 'Name <address>' or a bare address
        name, _, address = author_email.partition("<")
        email = address.rstrip(">").strip() if address else name.strip()
        author = author or (name.strip() if address else "")
    return {
        "author": author or "landprofile developers",
        "email": email,
        "licence": (md.get("License-Expression") or md.get("License") or "") if md else "",
        "homepage": urls.get("homepage") or urls.get("documentation") or "",
        "tracker": urls.get("tracker") or urls.get("issues") or urls.get("bug tracker") or "",
        "repository": urls.get("repository") or urls.get("source") or "",
    }


def _metadata_txt(template: str, version: str) -> bytes:
    import jinja2

    env = jinja2.Environment(
        autoescape=False,  # an INI file: values are the package's, kept to one line each
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["one_line"] = lambda v: " ".join(str(v).split())
    values = {**_package_metadata(), "version": version}
    return env.from_string(template).render(**values).encode("utf-8")


def plugin_files(version: str = __version__) -> list[tuple[str, bytes]]:
    """The zip's entries, sorted: ``(path inside the zip, bytes)``.

    ``metadata.txt`` is rendered from ``metadata.txt.j2`` with ``version`` and the
    package's metadata; every other file is copied as it is.
    """
    root = importlib.resources.files("landprofile").joinpath(_SOURCE)
    files = []
    for name, node in _walk(root, PACKAGE):
        data = node.read_bytes()
        if name == f"{PACKAGE}/metadata.txt.j2":
            name, data = f"{PACKAGE}/metadata.txt", _metadata_txt(data.decode("utf-8"), version)
        files.append((name, data))
    return sorted(files)


def plugin_zip_bytes(version: str = __version__) -> bytes:
    """The plugin zip, the same bytes for the same version and sources."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in plugin_files(version):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permissions below are read
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def _is_plugin_zip(path: Path) -> bool:
    """Whether ``path`` is a landprofile plugin zip (one this module wrote)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if not names or any(not n.startswith(PACKAGE + "/") for n in names):
                return False
            meta = zf.read(f"{PACKAGE}/metadata.txt").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
    lines = {line.strip() for line in meta.splitlines()}
    return "name=landprofile" in lines and "hasProcessingProvider=yes" in lines


def write_plugin_zip(out_dir: str | Path) -> Path:
    """Write the plugin zip into ``out_dir`` (created if needed); return its path.

    Parameters
    ----------
    out_dir
        The folder to write into.

    Returns
    -------
    Path
        ``out_dir / landprofile_processing-<version>.zip``.

    Raises
    ------
    OutputError
        When ``out_dir`` is a file, or holds a file of the zip's name that is not a
        landprofile plugin zip (it is never overwritten); a plugin zip of ours is
        replaced.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(
            f"--out '{out_dir}' is a file; give a folder to write the plugin zip into"
        )
    target = out_dir / plugin_zip_name()
    if target.is_dir() or target.is_symlink():
        raise OutputError(
            f"'{target}' is a folder or a link; landprofile writes the plugin zip there "
            "only over a plugin zip of its own: choose another folder"
        )
    if target.exists() and not _is_plugin_zip(target):
        raise OutputError(
            f"'{target}' exists and is not a landprofile plugin zip; it is left as it is: "
            "move it or choose another folder"
        )
    data = plugin_zip_bytes()
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target
