"""The gate every file a user gives passes before it is opened: stat first, then read.

A FIFO blocks a reader forever, ``/dev/zero`` never ends and a 3 GB "photo" is read
whole before its size is refused: :func:`check_input_file` looks at what the path is
(``os.stat``, following links as ``open`` would) and refuses, naming the file and what is
accepted, before a byte is read. :func:`read_text` then decodes the text teams write
(UTF-8 with or without a BOM, UTF-16 with a BOM) and names any other encoding.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from landprofile.errors import (
    InvalidParameterError,
    SourceNotFoundError,
    UnreadableFileError,
)

__all__ = ["MAX_TEXT_BYTES", "check_input_file", "read_text"]

#: Largest narrative, scorecard or question file read (bytes): far above any team's text,
#: far below what would hold a process on a field laptop.
MAX_TEXT_BYTES = 10_000_000

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def check_input_file(path: str | os.PathLike[str], kind: str, max_bytes: int | None = None) -> int:
    """Check that ``path`` is a readable regular file no larger than ``max_bytes``.

    Parameters
    ----------
    path
        The file the user named (a link is followed, as opening it would).
    kind
        What the file is for ("photo", "narrative", "land cover"...), for the message.
    max_bytes
        Largest size accepted, or ``None`` for no limit.

    Returns
    -------
    int
        The file's size in bytes.

    Raises
    ------
    SourceNotFoundError
        When nothing is there (or a link points nowhere).
    UnreadableFileError
        When it is a FIFO, a device, a socket or a folder, or cannot be read.
    InvalidParameterError
        When it is larger than ``max_bytes``.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise SourceNotFoundError(f"{kind} file not found: '{p}'") from None
    except OSError as exc:
        raise UnreadableFileError(f"{kind} '{p}' cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        what = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        raise UnreadableFileError(
            f"{kind} '{p}' is {what}, not a regular file; give the {kind} file itself"
        )
    if max_bytes is not None and st.st_size > max_bytes:
        raise InvalidParameterError(
            f"{kind} '{p}' is {st.st_size / 1e6:.1f} MB; accepted: at most {max_bytes / 1e6:g} MB"
        )
    if not os.access(p, os.R_OK):
        raise UnreadableFileError(f"{kind} '{p}' cannot be read (permission denied)")
    return int(st.st_size)


def read_text(path: str | os.PathLike[str], kind: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The text of a file a team wrote, checked by :func:`check_input_file` first.

    UTF-8 (with or without the BOM Notepad and Excel write) and UTF-16 with a BOM are
    read; anything else is refused with the file's name and what to do, never decoded
    by guess: a narrative printed on a card must say what the team wrote.

    Raises
    ------
    UnreadableFileError
        When the bytes are not UTF-8 (the message says when they look like Windows-1252,
        Notepad's "ANSI").
    """
    p = Path(path)
    check_input_file(p, kind, max_bytes)
    with open(p, "rb") as fh:
        data = fh.read(max_bytes + 1)  # the file may have grown since the stat
    if len(data) > max_bytes:
        raise InvalidParameterError(f"{kind} '{p}' is larger than {max_bytes / 1e6:g} MB")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(
                f"{kind} '{p}' starts as UTF-16 but is not valid UTF-16 (byte {exc.start}); "
                "save it as UTF-8"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("cp1252")
            hint = " (it looks like Windows-1252, Notepad's 'ANSI')"
        except UnicodeDecodeError:
            pass
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFileError(
            f"{kind} '{p}' is not UTF-8 text{hint}: byte 0x{data[exc.start]:02x} on line "
            f"{line}; save it as UTF-8 (accepted: UTF-8, with or without a BOM, or UTF-16 "
            "with a BOM)"
        ) from None
