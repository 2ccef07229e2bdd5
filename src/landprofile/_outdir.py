"""The output folder of a run: never delete what landprofile did not write.

A run writes into a folder that is absent, empty, or holds a previous landprofile output.
A previous output is recognised by its manifest, ``.landprofile-run.json``, which lists
the files that run wrote (written last, atomically). A new run replaces only those files,
each renamed into place; anything else in the folder (the user's notes added since) is
left untouched. A non-empty folder without a manifest, or a file the user put there under
the name of an output, is refused before any work is done.

The new files are staged in ``DIR/.landprofile-tmp.lp{pid}-{host}.XXXX/`` (inside the
folder, so that ``--out .`` and the current folder work and the renames stay on one file
system). The next run into the folder removes that staging folder if its process is gone
(:func:`landprofile._atomic.remove_stale`); a live run's is kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from landprofile._atomic import atomic_path, dead_owner, owner_tag, remove_stale
from landprofile.errors import OutputError

__all__ = ["LOCK", "MANIFEST", "commit", "lock", "make_folder", "prepare", "stage", "unlock"]

#: The manifest a run leaves in its output folder, listing the files it wrote.
MANIFEST = ".landprofile-run.json"
#: Written before a commit's renames, removed after: a run killed between them is finished
#: by the next run into the folder (its new files wait in its staging folder).
JOURNAL = ".landprofile-commit.json"
#: Held by the run writing into the folder (its owner tag): a second run is refused at once.
LOCK = ".landprofile-run.lock"
_STAGE = "landprofile-tmp"  # staging folders are named .landprofile-tmp.{owner_tag}.XXXX
_OURS = re.compile(
    r"\.(?:" + re.escape(_STAGE) + "|" + re.escape(MANIFEST) + r")\.lp\d+-[0-9a-f]{6}\."
)
#: The files a run may write (and all an output folder held before runs left a manifest).
_OUTPUTS = frozenset(
    {"profile.json", "zones.gpkg", "card.html", "card.pdf", "change.json"}
    # the monitoring's (issue 39): alerts table, alerts layer without zoning, the numbers
    | {"alerts.csv", "alerts.gpkg", "monitoring.json"}
)


def _read_manifest(out: Path) -> list[str] | None:
    """The outputs the manifest in ``out`` lists (``None``: no manifest).

    Only names a run can write (``_OUTPUTS``) are ever taken from it: anything else it
    names (a hand-edited ``notes.txt``, ``photos``) is kept and warned about, never
    replaced or deleted. A listed output whose sha256 the manifest records must still
    have those bytes (else it is the user's work: refused). The manifest is never
    followed through a link.

    Raises
    ------
    OutputError
        The manifest is a link, unreadable, lists anything but plain file names, or a
        listed output was changed since the run wrote it (or is a link or a folder).
    """
    import warnings

    from landprofile._owned import check_replaceable
    from landprofile.errors import OutputWarning

    path = out / MANIFEST
    if path.is_symlink():
        raise OutputError(
            f"the output folder '{out}' has a {MANIFEST} that is a link; landprofile never "
            "writes its manifest as a link nor follows one (it could name any file): "
            "remove the link or choose an empty or new folder"
        )
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        hashes = data.get("sha256", {})
        ok = (
            isinstance(files, list)
            and isinstance(hashes, dict)
            and all(
                isinstance(f, str)
                and f not in ("", ".", "..", MANIFEST)
                and "/" not in f
                and os.sep not in f
                and not f.startswith(".")
                for f in files
            )
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise OutputError(
            f"the output folder '{out}' has a damaged {MANIFEST}: landprofile cannot tell "
            "which files it wrote there; choose an empty or new folder"
        )
    others = sorted(f for f in files if f not in _OUTPUTS)
    if others:
        warnings.warn(
            f"the manifest of '{out}' names {', '.join(repr(f) for f in others)}, which "
            "landprofile never writes: kept as they are, not replaced nor deleted",
            OutputWarning,
            stacklevel=3,
        )
    outputs = [f for f in files if f in _OUTPUTS]
    for f in outputs:
        proof = hashes.get(f)
        if isinstance(proof, str) or (out / f).is_symlink() or (out / f).is_dir():
            check_replaceable(
                out / f,
                proof if isinstance(proof, str) else None,
                what="a run's output",
                where=f"the folder's {MANIFEST}",
            )
    return outputs


def _foreign_message(out: Path, foreign: list[str], has_manifest: bool) -> str:
    shown = ", ".join(f"'{n}'" for n in foreign[:3]) + (", ..." if len(foreign) > 3 else "")
    msg = (
        f"the output folder '{out}' already holds {len(foreign)} "
        f"entr{'y' if len(foreign) == 1 else 'ies'} landprofile did not write ({shown}); "
    )
    # A folder from before manifests existed (only the files a run then wrote) is treated
    # as foreign: nothing proves landprofile wrote those files, and the user may have
    # edited or replaced them since; replacing them could destroy their work.
    if not has_manifest and {n.rstrip("/") for n in foreign} <= _OUTPUTS:
        msg += (
            "it looks like the output of an earlier landprofile version, written before "
            f"output folders carried a manifest ({MANIFEST}), so it is not replaced; "
            "delete or move it yourself, or "
        )
    return msg + (
        "landprofile writes only into an empty or new folder, or over its own previous "
        "output, and never deletes files it did not write: choose an empty or new folder"
    )


def prepare(out: Path) -> list[str]:
    """Check ``out`` can take a run's outputs; clean up a killed run's leftovers there.

    Parameters
    ----------
    out : Path
        The output folder, resolved (absolute).

    Returns
    -------
    list of str
        The files of the previous output (from its manifest), empty if there is none.

    Raises
    ------
    OutputError
        ``out`` is a file, is not empty and has no manifest, or holds a file the
        manifest does not list under the name of an output this run may write.
    """
    if (out.is_symlink() and not out.exists()) or (out.exists() and not out.is_dir()):
        raise OutputError(
            f"the output folder '{out}' is a file, not a folder; it is left as it is: "
            "choose a folder path (absent or empty) for --out"
        )
    _recover_legacy(out)
    if not out.exists():
        return []
    _finish_killed_commit(out)  # before its staging folder goes with the dead run's
    # a dead run's staging folder and manifest temporary (ours only, by their names)
    remove_stale(out / _STAGE)
    remove_stale(out / MANIFEST)
    previous = _read_manifest(out)
    try:
        names = sorted(os.listdir(out))
    except OSError as exc:
        raise OutputError(f"cannot read the folder '{out}': {exc.strerror or exc}") from None
    known = {MANIFEST, LOCK, JOURNAL, *(previous or [])}
    # a live run's temporaries are another landprofile's, not the user's: kept, not foreign
    foreign = [
        n + ("/" if (out / n).is_dir() else "")
        for n in names
        if n not in known and not _OURS.match(n)
    ]
    # With a manifest, the folder is a previous output: what the user added to it since
    # (notes, figures) is kept untouched, and only the manifest's files are replaced --
    # unless an added file has the name of an output this run may write.
    if previous is not None:
        foreign = [n for n in foreign if n.rstrip("/") in _OUTPUTS]
    if foreign:
        raise OutputError(_foreign_message(out, foreign, previous is not None))
    return previous or []


def _recover_legacy(out: Path) -> None:
    """Put back a previous output that a run of an earlier version moved aside and died.

    Earlier versions swapped whole folders (``.{name}.old.{owner_tag}`` beside ``out``).
    If such a run was killed between its renames, ``out`` is missing and the previous
    output is put back (it is then refused as foreign, like any pre-manifest output).
    Otherwise it is left where it is: never deleted.
    """
    old = f".{out.name}.old."
    try:
        entries = [p for p in out.parent.iterdir() if p.name.startswith(old)]
    except OSError:
        return
    for p in entries:
        if dead_owner(p.name[len(old) :]) and not out.exists() and not out.is_symlink():
            os.replace(p, out)
    remove_stale(out)  # that layout's staging folders beside ``out`` (a dead run's only)


def make_folder(out: Path) -> list[Path]:
    """Create ``out`` and its missing parents; return those created (deepest first)."""
    created = []
    p = out
    while not p.exists() and p != p.parent:
        created.append(p)
        p = p.parent
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot write the folder '{out}': {exc.strerror or exc} "
            "(choose a folder you can write to)"
        ) from None
    return created


def stage(out: Path) -> Path:
    """A fresh staging folder inside ``out``, named after this process."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{_STAGE}.{owner_tag()}.", dir=out))
    except OSError as exc:
        raise OutputError(f"cannot write the folder '{out}': {exc.strerror or exc}") from None


def _write_manifest(
    out: Path, files: list[str], unproven: set[str] | frozenset = frozenset()
) -> None:
    """Write the manifest: ``files`` and the sha256 of each (but ``unproven``'s)."""
    from landprofile import __version__
    from landprofile._owned import sha256_file

    # each file's sha256: the proof that a file there is still the one this run wrote
    hashes = {
        f: sha256_file(out / f) for f in sorted(files) if f not in unproven and (out / f).is_file()
    }
    doc = {"landprofile": __version__, "files": sorted(files), "sha256": hashes}
    text = json.dumps(doc, indent=1)
    with atomic_path(out / MANIFEST) as t:
        t.write_text(text + "\n", encoding="utf-8")


def commit(tmp: Path, out: Path, previous: list[str]) -> list[str]:
    """Move the staged files of ``tmp`` into ``out``, replacing the previous output's.

    Files of the previous manifest that this run did not write are removed; nothing else
    in ``out`` is touched. On an exception (Ctrl-C included) every rename is undone and
    ``out`` is as it was. A kill midway leaves a manifest listing every file of the old
    and the new output, so the next run still recognises the folder as its own.

    Returns
    -------
    list of str
        The names of the files written.

    Raises
    ------
    OutputError
        A file this run writes appeared in ``out`` during the run (the user's: kept).
    """
    produced = sorted(os.listdir(tmp))
    old = set(previous)
    # the folder was checked before the run; a file that appeared since is the user's
    clash = [n for n in produced if n not in old and os.path.lexists(out / n)]
    if clash:
        raise OutputError(
            f"'{out / clash[0]}' appeared in the output folder during the run and is not "
            "landprofile's: nothing was replaced; choose an empty or new folder"
        )
    # the previous manifest's bytes, put back as they were if the commit is undone
    original = (out / MANIFEST).read_bytes() if (out / MANIFEST).is_file() else None
    backup = tmp / ".previous"
    backup.mkdir()
    moved: list[tuple[str, bool]] = []  # (name, whether a previous file was put aside)
    try:
        # while files move, the ones being replaced have no hash to hold them to
        _write_manifest(out, sorted(old | set(produced)), unproven=set(produced))
        with atomic_path(out / JOURNAL) as t:
            t.write_text(json.dumps({"owner": owner_tag(), "stage": tmp.name, "files": produced}))
        for n in produced:
            aside = os.path.lexists(out / n)
            if aside:
                os.replace(out / n, backup / n)
            moved.append((n, aside))
            os.replace(tmp / n, out / n)
        for n in sorted(old - set(produced)):
            if os.path.lexists(out / n):
                os.replace(out / n, backup / n)
                moved.append((n, True))
        _write_manifest(out, produced)
        (out / JOURNAL).unlink()
    except BaseException:
        (out / JOURNAL).unlink(missing_ok=True)
        _undo(tmp, out, backup, moved, set(produced))
        if original is None:
            (out / MANIFEST).unlink(missing_ok=True)
        else:
            with atomic_path(out / MANIFEST) as t:
                t.write_bytes(original)
        raise
    shutil.rmtree(tmp, ignore_errors=True)  # the previous output's replaced files
    return produced


def _undo(tmp: Path, out: Path, backup: Path, moved: list[tuple[str, bool]], new: set[str]) -> None:
    """Reverse :func:`commit`'s renames, last first."""
    for n, aside in reversed(moved):
        # a new file already in place goes back to the staging folder (removed after)
        if n in new and not os.path.lexists(tmp / n) and os.path.lexists(out / n):
            os.replace(out / n, tmp / n)
        if aside and os.path.lexists(backup / n):
            os.replace(backup / n, out / n)


def lock(out: Path) -> None:
    """Take ``out`` for this run, before its work; refuse if another live run holds it.

    Two runs into one folder used to both run to the end, the second then calling the
    first's ``card.html`` "not landprofile's". The lock names the holder's process; a
    dead holder's lock (``kill -9``) is taken over.

    Raises
    ------
    OutputError
        Another landprofile run (alive, or on another machine) is writing into ``out``.
    """
    path = out / LOCK
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                holder = path.read_text(encoding="utf-8").strip() if not path.is_symlink() else ""
            except OSError:
                holder = ""
            if holder and dead_owner(holder):
                path.unlink(missing_ok=True)  # a killed run's: ours by its name and tag
                continue
            raise OutputError(
                f"another landprofile run ({holder or 'unknown process'}) is writing into "
                f"'{out}' now: wait for it to finish or choose another folder (if no run "
                f"is going on, delete '{path}')"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot write the folder '{out}': {exc.strerror or exc}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(owner_tag() + "\n")
        return
    raise OutputError(f"cannot take the folder '{out}' for this run; try again")


def unlock(out: Path) -> None:
    """Release :func:`lock` (only this process's lock)."""
    path = out / LOCK
    try:
        if not path.is_symlink() and path.read_text(encoding="utf-8").strip() == owner_tag():
            path.unlink()
    except OSError:
        pass


def _finish_killed_commit(out: Path) -> None:
    """Finish the renames of a run killed while it moved its outputs (said by a warning).

    Its journal names its staging folder and files: those still staged are moved into
    place (the replaced ones kept aside in the staging folder, removed with it), so the
    folder holds one run's outputs again, never a silent mix of two.
    """
    import warnings

    from landprofile.errors import OutputWarning

    path = out / JOURNAL
    if path.is_symlink() or not path.is_file():
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        owner, stage_name, files = doc["owner"], doc["stage"], list(doc["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(
            f"'{path}' (the record of a run's commit) is damaged: the folder may hold a mix "
            "of two runs' outputs; choose an empty or new folder"
        ) from None
    if not dead_owner(owner):
        return  # a live run is committing (the lock refuses this one)
    stage_dir = out / stage_name
    if not _OURS.match(stage_name) or "/" in stage_name:
        raise OutputError(f"'{path}' names a staging folder that is not landprofile's")
    backup = stage_dir / ".previous"
    done = []
    for n in files:
        if n in _OUTPUTS and (stage_dir / n).is_file() and not (stage_dir / n).is_symlink():
            if os.path.lexists(out / n):
                backup.mkdir(exist_ok=True)
                os.replace(out / n, backup / n)
            os.replace(stage_dir / n, out / n)
            done.append(n)
    manifest = _read_manifest(out) or []
    _write_manifest(out, sorted(set(manifest) | {f for f in files if f in _OUTPUTS}))
    path.unlink()
    warnings.warn(
        f"a landprofile run ({owner}) was stopped while it moved its outputs into '{out}'; "
        f"its move is now finished ({', '.join(done) or 'nothing left to move'}): the "
        "folder holds that run's outputs",
        OutputWarning,
        stacklevel=3,
    )
