"""What a writer may replace: only a file landprofile wrote, unchanged since.

Every writer of the command line asks here before its work (:func:`claim`), naming the
files it will produce. A path may be written when nothing is there, or when a regular
file is there whose bytes are exactly those landprofile recorded when it wrote them (or
exactly those about to be written). Anything else -- a user's file of the same name, a
file of ours the user changed since, a link, a folder -- is refused with the path and
the reason, before the work, and left as it is.

The proof is a content hash:

- in an output folder of ``run``, the folder's manifest (:mod:`landprofile._outdir`);
- for a single file (``boundary --out``, ``card --print``, ``qgis plugin``...), a ledger
  in the user's state folder (``LANDPROFILE_STATE``, else platformdirs' user state
  folder), keyed by the file's absolute path: nothing is written beside the user's
  files.

:func:`landprofile._atomic.atomic_path` asks :func:`before_replace` just before its
rename into a claimed path (a file that appeared or changed during the work is kept and
the write refused) and :func:`after_replace` after it (the new bytes are recorded).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = [
    "LEDGER",
    "after_replace",
    "before_replace",
    "check_name",
    "check_replaceable",
    "claim",
    "forget_claims",
    "record",
    "recorded",
    "sha256_file",
]

#: The ledger's file name in the state folder.
LEDGER = "outputs.json"

#: Claimed targets (absolute) -> the hash of what was there when claimed (None: nothing).
_CLAIMS: dict[str, str | None] = {}


def sha256_file(path: os.PathLike[str] | str) -> str:
    """The sha256 of a file's bytes, read in blocks (outputs can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _key(path: os.PathLike[str] | str) -> str:
    """The absolute path of ``path``, its folder resolved but not the file (a link stays)."""
    p = Path(path).expanduser()
    return os.fspath(p.parent.resolve() / p.name)


def check_name(path: os.PathLike[str] | str, what: str = "output") -> None:
    """Refuse an output path that is not valid UTF-8, before any work.

    A name with an undecodable byte reaches Python as a surrogate escape; GDAL, the
    manifest (JSON) and the card's links need UTF-8, so such a name failed only when
    the first file was written, after the work.

    Raises
    ------
    OutputError
        Naming the path (with its bytes escaped) and the first byte at fault.
    """
    from landprofile.errors import OutputError

    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raw = os.fsencode(text)
        bad = text[exc.start : exc.end].encode("utf-8", "surrogateescape")
        raise OutputError(
            f"the {what} path {raw!r} holds bytes that are not UTF-8 (first: {bad!r}); "
            "landprofile writes UTF-8 names only (GeoPackage, JSON and the card's links "
            "need them): rename it or choose another path"
        ) from None


def check_replaceable(
    path: Path, proof: str | None, *, what: str, new_sha: str | None = None, where: str = ""
) -> str | None:
    """Whether ``path`` may be replaced; raise a named :class:`OutputError` if not.

    Parameters
    ----------
    path : Path
        The target.
    proof : str or None
        The sha256 landprofile recorded for it (``None``: no record).
    what : str
        What the writer writes, for the message (``"a boundary file"``).
    new_sha : str, optional
        The hash of the bytes about to be written, when known before the work: a file
        already holding exactly them may be replaced (nothing is lost).
    where : str
        Where the record would be (the folder's manifest, the ledger), for the message.

    Returns
    -------
    str or None
        The hash of the file there now (``None``: nothing is there).
    """
    from landprofile.errors import OutputError

    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot use '{path}': {exc.strerror or exc}") from None
    keep = "it is left as it is: move it yourself or choose another path"
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(
            f"'{path}' is a link; landprofile never writes {what} through a link, nor "
            f"replaces one: {keep}"
        )
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"'{path}' is a folder, where {what} would be written: {keep}")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"'{path}' is a special file (a pipe, a device), where {what} would be written: {keep}"
        )
    try:
        now = sha256_file(path)
    except OSError as exc:
        raise OutputError(f"cannot read '{path}': {exc.strerror or exc}; {keep}") from None
    if now == proof or (new_sha is not None and now == new_sha):
        return now
    if proof is None:
        raise OutputError(
            f"'{path}' exists and is not {what} written by landprofile (no record of it"
            f"{' in ' + where if where else ''}): {keep}"
        )
    raise OutputError(
        f"'{path}' was written by landprofile but changed since (its content is not what "
        f"{where or 'the record'} holds): it may be your work; {keep}"
    )


# ---- the ledger of single files -------------------------------------------------------


def _state_dir() -> Path:
    env = os.environ.get("LANDPROFILE_STATE", "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir("landprofile"))


def _read_ledger(folder: Path) -> dict[str, str]:
    """The ledger's records (path -> sha256); a missing or damaged ledger proves nothing."""
    p = folder / LEDGER
    try:
        if p.is_symlink() or not p.is_file():
            return {}
        data = json.loads(p.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the ledger's lock (two processes recording at once must not lose a record)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: a lost record only makes a later write refuse
        yield
        return
    with open(folder / ".outputs.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def recorded(path: os.PathLike[str] | str) -> str | None:
    """The sha256 the ledger holds for ``path`` (``None``: landprofile has no record)."""
    return _read_ledger(_state_dir()).get(_key(path))


def record(path: os.PathLike[str] | str) -> None:
    """Record the bytes now at ``path`` as written by landprofile.

    Records of files that are gone are dropped. A state folder that cannot be written
    loses the record only: the next write there is then refused, never the data.
    """
    from landprofile._atomic import atomic_path

    folder = _state_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        sha = sha256_file(path)
        with _locked(folder):
            files = _read_ledger(folder)
            files = {k: v for k, v in files.items() if os.path.lexists(k)}
            files[_key(path)] = sha
            text = json.dumps({"landprofile_outputs": 1, "files": files}, indent=0)
            with atomic_path(folder / LEDGER) as tmp:
                tmp.write_text(text + "\n", encoding="utf-8")
    except Exception:  # a record is a convenience: the output itself is written
        return


# ---- claims: checked before the work, held to at the rename --------------------------


def claim(
    paths: Iterable[os.PathLike[str] | str],
    *,
    what: str = "an output",
    new_sha: str | None = None,
) -> None:
    """Check, before the work, that every path may be written; remember what is there.

    Raises
    ------
    OutputError
        A path is not UTF-8, or holds something landprofile did not write (or changed
        since): nothing is written, the work does not start.
    """
    checked = {}
    for p in paths:
        check_name(p)
        key = _key(p)
        checked[key] = check_replaceable(
            Path(key),
            recorded(key) or _run_manifest_proof(Path(key)),
            what=what,
            new_sha=new_sha,
            where="landprofile's ledger of what it wrote",
        )
    _CLAIMS.update(checked)
    try:  # a command's claims end with the command (the CLI runs several in one process)
        import click

        ctx = click.get_current_context(silent=True)
    except ImportError:
        ctx = None
    if ctx is not None:
        ctx.call_on_close(lambda: forget_claims(checked))


def _run_manifest_proof(path: Path) -> str | None:
    """The sha256 a ``run`` folder's manifest records for ``path`` (a run's output is ours)."""
    from landprofile._outdir import MANIFEST

    m = path.parent / MANIFEST
    try:
        if m.is_symlink() or not m.is_file():
            return None
        proof = json.loads(m.read_text(encoding="utf-8")).get("sha256", {}).get(path.name)
    except (OSError, ValueError, AttributeError):
        return None
    return proof if isinstance(proof, str) else None


def forget_claims(keys: Iterable[str] | None = None) -> None:
    """Drop claims (all of them by default)."""
    if keys is None:
        _CLAIMS.clear()
    for k in list(keys or ()):
        _CLAIMS.pop(k, None)


def before_replace(target: Path) -> None:
    """Refuse to rename over a claimed ``target`` that changed since it was claimed."""
    from landprofile.errors import OutputError

    key = _key(target)
    if key not in _CLAIMS:
        return
    then = _CLAIMS[key]
    try:
        regular = target.is_file() and not target.is_symlink()
        now = sha256_file(target) if regular else None
    except OSError:
        now = "unreadable"
    if os.path.lexists(target) and (now is None or now != then):
        raise OutputError(
            f"'{target}' appeared or changed during the run and is not landprofile's: it is "
            "left as it is and nothing was written there; choose another path"
        )


def after_replace(target: Path) -> None:
    """Record a claimed ``target`` just written (later writes may replace it)."""
    key = _key(target)
    if key in _CLAIMS:
        record(target)
        _CLAIMS[key] = recorded(target)
