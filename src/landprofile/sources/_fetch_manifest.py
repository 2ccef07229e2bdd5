"""What ``landprofile data fetch`` wrote into a field mirror, and which clip to read.

A field mirror accumulates: ``data fetch`` run for several landscapes into one folder
adds to it and never replaces or clips a file it did not write. What it wrote is listed
in ``{mirror}/.landprofile-fetch.json`` (path relative to the mirror, SHA-256, size and,
for a raster clip, the official tile it was cut from, its bounds and grid): a file not
listed there, or whose bytes no longer match, is the user's, kept as it is.

Layout of the clips of one tile, ``{source}/{path as on the host}``:

* the first clip of a tile takes the official name (a fresh mirror looks like the host,
  and older landprofile versions read it);
* a landscape the existing files do not cover gets its own clip *beside* them,
  ``{stem}.lp-{window}{suffix}`` (``window``: a hash of the cells it holds), so the
  clips of several landscapes live side by side and none is ever cut down;
* a file that already covers the window (the user's own full tile, or an earlier clip)
  is kept and nothing is written.

Reading, the window picks the file: the first listed clip of the tile that holds every
cell of the box the tile has (:func:`resolve`), else the file under the official name.
Clips are not merged into one grid: two landscapes far apart on a 3° tile would make a
merged clip nearly the whole tile (1.3 GB of cells for WorldCover at 10 m).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from landprofile.errors import DataSourceError, OutputError

__all__ = [
    "MANIFEST",
    "Manifest",
    "covers",
    "grid_meta",
    "resolve",
    "sha256",
]

#: The manifest ``data fetch`` leaves in a field mirror, listing what it wrote.
MANIFEST = ".landprofile-fetch.json"
_FORMAT = "landprofile-fetch"


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _parse(text: str, where: str) -> dict[str, dict[str, Any]]:
    """The ``files`` table of a manifest's text; an :class:`OutputError` if not ours."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise OutputError(
            f"'{where}' is not a landprofile data fetch manifest (not JSON: {exc}); "
            "move it away, or choose another folder for the mirror"
        ) from None
    files = doc.get("files") if isinstance(doc, dict) else None
    ok = (
        isinstance(doc, dict)
        and doc.get("format") == _FORMAT
        and isinstance(files, dict)
        and all(
            isinstance(k, str)
            and isinstance(v, dict)
            and isinstance(v.get("sha256"), str)
            and isinstance(v.get("bytes"), int)
            and not k.startswith("/")
            and ".." not in Path(k).parts
            for k, v in files.items()
        )
    )
    if not ok:
        raise OutputError(
            f"'{where}' is not a landprofile data fetch manifest (expected "
            f'{{"format": "{_FORMAT}", "files": {{path: {{"sha256", "bytes", ...}}}}}}); '
            "move it away, or choose another folder for the mirror"
        )
    return files  # type: ignore[return-value]


class Manifest:
    """The manifest of the field mirror ``root``: read at once, written after each file.

    Parameters
    ----------
    root
        The mirror folder (``--to``).

    Raises
    ------
    OutputError
        The manifest is a link, not a file, or not one ``data fetch`` wrote.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST
        self.files: dict[str, dict[str, Any]] = {}
        if self.path.is_symlink():  # followed, it would make fetch rewrite another file
            raise OutputError(
                f"'{self.path}' is a symbolic link: data fetch does not follow it; "
                "remove the link, or choose another folder for the mirror"
            )
        if self.path.exists():
            if not self.path.is_file():
                raise OutputError(
                    f"'{self.path}' is not a file: data fetch keeps its manifest there; "
                    "choose another folder for the mirror"
                )
            try:
                text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise OutputError(f"'{self.path}' cannot be read ({exc})") from None
            self.files = _parse(text, str(self.path))

    def rel(self, path: Path) -> str:
        """``path`` relative to the mirror, with ``/`` (the manifest's keys)."""
        return path.relative_to(self.root).as_posix()

    def ours(self, path: Path) -> bool:
        """Whether ``path`` is a file data fetch wrote and nobody changed since."""
        entry = self.files.get(self.rel(path))
        if entry is None or path.is_symlink() or not path.is_file():
            return False
        if path.stat().st_size != entry["bytes"]:
            return False
        return sha256(path) == entry["sha256"]

    def clips(self, tile: str) -> list[str]:
        """The listed clips of the official tile ``tile`` (relative paths), official first."""
        found = [k for k, v in self.files.items() if v.get("tile") == tile]
        return sorted(found, key=lambda k: (k != tile, k))

    def record(self, path: Path, **meta: Any) -> None:
        """List ``path`` (just written) with its hash, and write the manifest atomically."""
        from landprofile._atomic import atomic_path
        from landprofile.sources._http import local_write_error

        self.files[self.rel(path)] = {
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
            **meta,
        }
        doc = {"format": _FORMAT, "version": 1, "files": dict(sorted(self.files.items()))}
        try:
            with atomic_path(self.path) as tmp:
                tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        except OutputError as exc:
            raise local_write_error(self.root, exc, cache=False) from None
        except OSError as exc:
            raise local_write_error(self.path, exc, cache=False) from None


def grid_meta(ds: Any, tile_bounds: Any = None) -> dict[str, Any]:
    """What the manifest keeps of a clip's grid: its bounds, cell size, CRS, the tile's bounds.

    ``ds`` is an open rasterio dataset; ``tile_bounds`` the full tile's bounds (in the
    same CRS; ``None``: the dataset is the whole tile).
    """
    t = ds.transform
    b = ds.bounds
    return {
        "bounds": [float(v) for v in b],
        "res": [float(t.a), float(t.e)],
        "crs": ds.crs.to_string() if ds.crs is not None else "",
        "tile_bounds": [float(v) for v in (tile_bounds if tile_bounds is not None else b)],
    }


def covers(meta: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    """Whether the clip described by ``meta`` holds every cell its tile has inside ``box``.

    ``box`` is in longitude/latitude; it is taken to the clip's CRS as the clip itself
    was cut (:func:`rasterio.warp.transform_bounds`, 21 points a side), intersected with
    the tile's bounds and snapped outward to the clip's grid.
    """
    from affine import Affine

    from landprofile.sources._window import pixel_span

    crs_box = box
    crs = meta.get("crs") or ""
    if crs and crs not in ("EPSG:4326", "OGC:CRS84"):
        from rasterio.crs import CRS
        from rasterio.warp import transform_bounds

        if CRS.from_user_input(crs).to_epsg() != 4326:
            crs_box = transform_bounds("EPSG:4326", crs, *box, densify_pts=21)
    tw, ts, te, tn = meta["tile_bounds"]
    need = (max(crs_box[0], tw), max(crs_box[1], ts), min(crs_box[2], te), min(crs_box[3], tn))
    if need[0] >= need[2] or need[1] >= need[3]:
        return True  # nothing of this tile is inside the box
    w, s, e, n = meta["bounds"]
    a, ey = meta["res"]
    width, height = round((e - w) / a), round((s - n) / ey)
    c0, r0, c1, r1 = pixel_span(Affine(a, 0.0, w, 0.0, ey, n), need)
    return c0 >= 0 and r0 >= 0 and c1 <= width and r1 <= height


def _remote_manifest(base: str) -> dict[str, dict[str, Any]]:
    """The manifest of an HTTP mirror (empty when it has none or cannot say)."""
    import urllib.error
    import urllib.request

    from landprofile.sources._http import limits

    try:
        with urllib.request.urlopen(f"{base}/{MANIFEST}", timeout=limits().idle_s) as r:
            return _parse(r.read(8 << 20).decode("utf-8"), f"{base}/{MANIFEST}")
    except (urllib.error.URLError, OSError, UnicodeDecodeError, OutputError):
        return {}  # no manifest: the mirror is read by the official names, as before


def resolve(
    source: Any, path: str, kind: str, loc: str, box: tuple[float, float, float, float], name: str
) -> tuple[str, str]:
    """Where to read tile ``path`` of ``source`` for the lon/lat ``box`` in a field mirror.

    Without a manifest listing clips of the tile, the official location as given. With
    one: the official file when the manifest does not know it (the user's own tile) and
    it covers the box, else the first listed clip that covers it.

    Raises
    ------
    DataSourceError
        The mirror's clips of the tile, all known to data fetch, cover other landscapes
        only: it names them and says to fetch this landscape too.
    """
    from landprofile.sources._store import _mirror_folder, mirror

    m = mirror()
    if not m:
        return kind, loc
    tile = f"{source.mirror_dir}/{path}"
    remote = m.startswith(("http://", "https://"))
    if kind == "file" and not remote:
        root = _mirror_folder(m)
        try:
            files = Manifest(root).files
        except OutputError:
            return kind, loc  # a foreign manifest: the mirror is read as a plain folder
    elif kind == "http" and remote:
        base = m.rstrip("/")
        files = _remote_manifest(base)
    else:
        return kind, loc
    listed = sorted(
        (k for k, v in files.items() if v.get("tile") == tile), key=lambda k: (k != tile, k)
    )
    if not listed:
        return kind, loc

    def location(rel: str) -> tuple[str, str]:
        return ("file", str(root / rel)) if kind == "file" else ("http", f"{base}/{rel}")

    if kind == "file":
        official = root / tile
        known = tile in files and official.is_file()
        if known and official.stat().st_size != files[tile]["bytes"]:
            known = False  # replaced by the user since: the bounds listed are not its own
        tile_bounds = files[listed[0]].get("tile_bounds")
        if not known and official.is_file() and _file_covers(official, tile_bounds, box):
            return kind, loc
        listed = [k for k in listed if k != tile or known]
        listed = [k for k in listed if (root / k).is_file()]
    if not listed:
        return kind, loc
    for rel in listed:
        if covers(files[rel], box):
            return location(rel)
    from landprofile.sources._store import _advice

    raise DataSourceError(
        f"{name}: the mirror holds clips of {path} made by `landprofile data fetch` for "
        f"other landscapes ({', '.join(Path(k).name for k in listed)}), none covering "
        f"{tuple(round(v, 4) for v in box)}; {_advice()}"
    )


def _file_covers(path: Path, tile_bounds: Any, box: tuple[float, float, float, float]) -> bool:
    """Whether a file the manifest does not list holds the tile's cells inside ``box``."""
    import rasterio

    try:
        with rasterio.open(path) as ds:
            meta = grid_meta(ds, tile_bounds)
    except rasterio.errors.RasterioError:
        return False
    if meta["res"][0] <= 0 or meta["res"][1] >= 0:
        return False
    return covers(meta, box)
