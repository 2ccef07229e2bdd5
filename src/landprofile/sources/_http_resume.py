"""One transfer of a download, resumed only where the host proves what it sends.

A cut transfer is resumed with ``Range: bytes=S-`` only when the bytes held are a proved
prefix of the file (the host stated its length, with no ``Content-Encoding``), and the
answer is taken as the rest of the file only when it proves it is:

- a ``206`` must carry a ``Content-Range`` ``bytes S-(T-1)/T`` whose start is the one
  asked for, whose total ``T`` is the length the host gave before, and whose length
  agrees with ``Content-Length`` (``bytes 0-(T-1)/T`` is the whole file again: kept
  from the first byte);
- the range asked for starts a little *before* the bytes held (:data:`OVERLAP`), and
  the bytes the host sends again there must equal those held: a host that sends the
  file from offset 0 under a right-looking header is caught by its own bytes;
- a range with a ``Content-Encoding`` (a slice of a gzip stream is not a slice of the
  file) is refused.

Anything else restarts from byte 0 (:class:`Restart`). A ``200`` replaces what is held.
A response with no length (no ``Content-Length``, or an encoded body) is never resumed,
and :func:`landprofile.sources._http.download` keeps it only after an end-to-end check
(:func:`head_length`, else :func:`reread`).
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landprofile.errors import DataSourceError
from landprofile.sources._http_limits import Limits

__all__ = [
    "OVERLAP",
    "CutError",
    "LocalWriteError",
    "Part",
    "Restart",
    "head_length",
    "reread",
    "transfer",
]

_CHUNK = 1 << 16
#: Bytes asked for again before the end of what is held, to check the host's range.
OVERLAP = 4096
_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.IGNORECASE)


class CutError(Exception):
    """The transfer stopped early or stalled (a network condition: retried)."""


class Restart(Exception):  # noqa: N818  (an instruction to the loop, not an error)
    """The host's answer to a range does not prove what it holds: start from byte 0."""


class LocalWriteError(Exception):
    """Writing the temporary file failed (local: never retried, never "cannot reach")."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(str(exc))
        self.exc = exc


@dataclass
class Part:
    """The temporary file of a download and what is proved about the bytes it holds."""

    path: Path
    #: the file's length as the host stated it (``None``: not stated)
    total: int | None = None
    #: a strong ETag or Last-Modified of the answer the bytes came from (``If-Range``)
    validator: str = ""
    #: whether the bytes held are a prefix of a file of length ``total``
    proved: bool = False

    def held(self) -> int:
        """The bytes a resume may start after (0: start from the first byte)."""
        if not self.proved or self.total is None or not self.path.exists():
            return 0
        have = self.path.stat().st_size
        return have if 0 < have < self.total else 0

    def reset(self) -> None:
        """Forget what is held: the next transfer starts from byte 0."""
        self.path.unlink(missing_ok=True)
        self.total, self.validator, self.proved = None, "", False


def write_chunk(fh: Any, chunk: bytes) -> None:
    """One write to the temporary file (a function, so a full disk can be simulated)."""
    fh.write(chunk)


def _int(text: str | None) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def _validator(headers: Any) -> str:
    etag = (headers.get("ETag") or "").strip()
    if etag and not etag.startswith("W/"):  # If-Range takes strong validators only
        return etag
    return (headers.get("Last-Modified") or "").strip()


def _read(r: Any) -> bytes:
    try:
        return r.read1(_CHUNK) if hasattr(r, "read1") else r.read(_CHUNK)
    except TimeoutError:
        raise CutError("no byte for the idle limit (LANDPROFILE_HTTP_IDLE_S)") from None


def _stream(r: Any, fh: Any, lim: Limits, name: str, decode: Any = None, first: bytes = b"") -> int:
    """Copy a response to ``fh`` within ``lim``; the number of bytes received (encoded)."""
    start = time.monotonic()
    marks: list[tuple[float, int]] = [(start, 0)]  # (time, bytes so far) to measure speed
    done = 0
    shown = start
    chunk = first
    while True:
        if not chunk:
            try:
                chunk = _read(r)
            except CutError:
                raise CutError(f"no byte for {lim.idle_s:g} s (LANDPROFILE_HTTP_IDLE_S)") from None
            if not chunk:
                if decode is not None:
                    _write(fh, decode.flush())
                return done
        done += len(chunk)
        _write(fh, decode.decompress(chunk) if decode is not None else chunk)
        chunk = b""
        now = time.monotonic()
        if now - start > lim.total_s:
            raise CutError(f"longer than {lim.total_s:g} s in all (LANDPROFILE_HTTP_TOTAL_S)")
        marks.append((now, done))
        while len(marks) > 2 and now - marks[1][0] >= lim.low_speed_s:
            marks.pop(0)
        t0, b0 = marks[0]
        if now - t0 >= lim.low_speed_s and (done - b0) / (now - t0) < lim.low_speed_bps:
            raise CutError(
                f"slower than {lim.low_speed_bps:g} bytes/s for {lim.low_speed_s:g} s "
                "(LANDPROFILE_HTTP_LOW_SPEED_BPS, LANDPROFILE_HTTP_LOW_SPEED_S)"
            )
        if sys.stderr.isatty() and now - shown > 1:
            print(f"\r  {name}: {done / 1e6:,.1f} MB", end="", file=sys.stderr)
            shown = now


def _write(fh: Any, data: bytes) -> None:
    if not data:
        return
    try:
        write_chunk(fh, data)
    except OSError as exc:
        raise LocalWriteError(exc) from None


def _refuse_html(r: Any, name: str, url: str) -> None:
    ctype = (r.headers.get("Content-Type") or "").lower()
    if "text/html" in ctype:
        raise DataSourceError(
            f"{name}: {url} sent a web page (Content-Type {ctype}), not the data (a login, "
            "quota or error page served as a success); nothing was kept. Check the URL or "
            "the mirror"
        )


def _decoder(enc: str, name: str, url: str) -> Any:
    """A streaming decoder of a whole body's ``Content-Encoding`` (``None``: identity)."""
    if enc in ("", "identity"):
        return None
    if enc in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=31)
    if enc == "deflate":
        return zlib.decompressobj()
    raise DataSourceError(
        f"{name}: {url} sent the file with Content-Encoding {enc!r}, which landprofile "
        "cannot decode (it asks for identity; gzip and deflate are decoded); nothing was kept"
    )


def _range_of(r: Any, asked: str) -> tuple[int, int, int]:
    """``(start, end, total)`` of a 206, each checked against its headers, else Restart."""
    raw = r.headers.get("Content-Range") or ""
    m = _RANGE.match(raw)
    if not m:
        raise Restart(
            f"it answered {asked} with HTTP 206 and Content-Range {raw or 'missing'!r}, "
            "not 'bytes START-END/TOTAL'"
        )
    start, end, total = (int(g) for g in m.groups())
    length = _int(r.headers.get("Content-Length"))
    if end < start or end >= total or (length is not None and length != end - start + 1):
        raise Restart(
            f"its Content-Range {raw!r} does not agree with itself or with Content-Length {length}"
        )
    if end != total - 1:
        raise Restart(f"it answered {asked} with {raw!r}, which stops before the file's end")
    return start, end, total


def transfer(url: str, part: Part, lim: Limits, name: str) -> tuple[int, Any]:
    """One request for ``url`` into ``part``, resumed where proved; ``(status, headers)``.

    On return ``part`` holds what the host sent for the whole file; ``part.proved``
    says whether its length was stated (else the caller must check it end to end).

    Raises
    ------
    CutError
        The body ended before its stated length, or stalled (``part`` keeps what is
        proved, for a resume).
    Restart
        A range answer that does not prove itself (``part`` must be reset).
    LocalWriteError
        The temporary file cannot be written.
    DataSourceError
        A web page, or an encoding that cannot be decoded.
    urllib.error.HTTPError, urllib.error.URLError, OSError
        As the network gives them.
    """
    have = part.held()
    if not have:
        part.reset()
    back = min(have, OVERLAP)
    req = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    asked = ""
    if have:
        asked = f"'Range: bytes={have - back}-'"
        req.add_header("Range", f"bytes={have - back}-")
        if part.validator:  # a changed file comes back whole (200), not as a range of it
            req.add_header("If-Range", part.validator)
    # the socket timeout is the idle limit: it bounds the connection and each read
    with urllib.request.urlopen(req, timeout=lim.idle_s) as r:
        _refuse_html(r, name, url)
        enc = (r.headers.get("Content-Encoding") or "").strip().lower()
        first = b""
        if r.status == 206:
            if enc not in ("", "identity"):
                raise Restart(
                    f"it answered {asked or 'a request'} with Content-Encoding {enc!r}: a "
                    "range of an encoded body is not a range of the file"
                )
            start, end, total = _range_of(r, asked or "a request without Range")
            if part.total is not None and have and total != part.total:
                raise Restart(
                    f"its Content-Range gives the file {total} bytes; it gave {part.total} "
                    "before (another version, or a confused host)"
                )
            if have and start == have - back:
                first = _check_overlap(r, part, back)
                mode, expect = "ab", end - start + 1 - back
            elif start == 0:  # the whole file again, as a 206
                mode, expect = "wb", total
            else:
                raise Restart(
                    f"it answered {asked or 'a request without Range'} with Content-Range "
                    f"bytes {start}-{end}/{total}"
                )
            decode = None
        else:
            decode = _decoder(enc, name, url)
            length = _int(r.headers.get("Content-Length"))
            total = length if decode is None else None
            mode, expect = "wb", total
        if mode == "wb":
            part.total, part.validator = total, _validator(r.headers)
        # the bytes written from here on sit at their place in a file of known length
        part.proved = total is not None and decode is None
        try:
            with open(part.path, mode) as fh:
                got = _stream(r, fh, lim, name, decode, first)
        except OSError as exc:
            raise LocalWriteError(exc) from None
        if expect is not None and got != expect:
            held = part.path.stat().st_size
            raise CutError(
                f"the transfer was cut short: {held} of {part.total} bytes"
                if part.total
                else f"the transfer was cut short: {got} of {expect} bytes"
            )
        return r.status, r.headers


def _check_overlap(r: Any, part: Part, back: int) -> bytes:
    """Read the ``back`` bytes sent again and compare them with the end of what is held.

    Returns what was read beyond them (to be written).
    """
    got = b""
    while len(got) < back:
        chunk = _read(r)
        if not chunk:
            raise CutError(
                f"the transfer was cut short: {len(got)} of the {back} bytes asked again"
            )
        got += chunk
    with open(part.path, "rb") as fh:
        fh.seek(-back, 2)
        held = fh.read(back)
    if got[:back] != held:
        raise Restart(
            "the bytes it sent for the range do not match the ones already held at those "
            "offsets: it did not send the part of the file it said"
        )
    return got[back:]


def head_length(url: str, lim: Limits) -> int | None:
    """The length a ``HEAD`` of ``url`` states for the file (``None``: none stated)."""
    req = urllib.request.Request(url, method="HEAD", headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(req, timeout=lim.idle_s) as r:
            enc = (r.headers.get("Content-Encoding") or "").strip().lower()
            if r.status != 200 or enc not in ("", "identity"):
                return None
            return _int(r.headers.get("Content-Length"))
    except (OSError, ValueError):  # no HEAD (405, a dropped connection): not stated
        return None


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def reread(url: str, part: Part, lim: Limits, name: str) -> None:
    """Download ``url`` again beside ``part`` and require the same bytes; CutError if not.

    The check of last resort for a body no header gave a length to: a transfer cut at
    a different place the second time gives different bytes.
    """
    again = Part(part.path.with_name(part.path.name + ".again"))
    try:
        transfer(url, again, lim, name)
        a, b = part.path.stat().st_size, again.path.stat().st_size
        if a != b or sha256_of(part.path) != sha256_of(again.path):
            raise CutError(
                f"two downloads of it differ ({a:,} and {b:,} bytes) and the host states no "
                "length: a transfer was cut, and nothing tells which"
            )
    finally:
        again.path.unlink(missing_ok=True)
