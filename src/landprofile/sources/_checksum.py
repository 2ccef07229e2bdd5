"""Checksums a host publishes with a file, checked before the file is kept.

Only what real hosts send is used:

- **S3 ETag.** Amazon S3 (and S3-compatible stores such as MinIO) give a single-part
  object stored in plaintext or with SSE-S3 an ``ETag`` that is the hex MD5 of its bytes
  (AWS S3 API reference, "Common response headers: ETag" and "Checking object integrity").
  It is *not* an MD5 for a multipart upload (``"{hex}-{parts}"``, skipped) nor for SSE-KMS
  or SSE-C encryption (``x-amz-server-side-encryption: aws:kms`` or a customer-key
  header, skipped). ETags of other servers (nginx ``"{mtime}-{size}"``, Apache, GitHub)
  are opaque: they are only used when the response comes from S3 (``x-amz-*`` headers or
  ``Server: AmazonS3``).
- **Content-MD5** (RFC 1864: base64 of the MD5 of the body), as Azure Blob Storage sends
  it for a whole blob; used only on a whole-body (200) response, never on a range.

The archive hosts of the named sources (data.hydrosheds.org, data.worldpop.org,
geoBoundaries' API record, naciscdn.org) publish no checksum file or field that we could
find (their download pages, the API record's fields); their files are verified by
length, format and opening (:func:`landprofile.sources._http.check_file`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

__all__ = ["md5_of", "published_md5"]

_HEX_MD5 = re.compile(r"^[0-9a-f]{32}$")


def _from_s3(headers: Any) -> bool:
    names = {k.lower() for k in headers}
    server = (headers.get("Server") or "").lower()
    return any(n.startswith("x-amz-") for n in names) or "amazons3" in server


def published_md5(headers: Any, status: int) -> tuple[str, str] | None:
    """``(hex md5, what said so)`` when the response carries a usable MD5, else ``None``."""
    etag = (headers.get("ETag") or "").strip()
    sse = (headers.get("x-amz-server-side-encryption") or "").lower()
    customer_key = headers.get("x-amz-server-side-encryption-customer-algorithm")
    if etag and _from_s3(headers) and not etag.startswith("W/") and "kms" not in sse:
        value = etag.strip('"').lower()
        if not customer_key and _HEX_MD5.match(value):
            return value, f"the S3 ETag {etag}"
    raw = headers.get("Content-MD5")
    if raw and status == 200:
        try:
            digest = base64.b64decode(raw.strip(), validate=True)
        except ValueError:
            return None
        if len(digest) == 16:
            return digest.hex(), f"Content-MD5 {raw.strip()}"
    return None


def md5_of(path: Path) -> str:
    """The hex MD5 of a file."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
