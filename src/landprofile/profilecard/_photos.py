"""Photos for the card: checked by name and by stat before a byte is read, then decoded.

:func:`check_photo_file` needs only the file system (a missing, special or oversized photo
is refused before any work); :func:`check_image` decodes the bytes with Pillow.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from landprofile._input_files import check_input_file
from landprofile.errors import InvalidParameterError, UnsupportedFormatError

__all__ = ["MAX_PHOTO_BYTES", "MAX_PHOTO_PIXELS", "PHOTO_TYPES", "check_image", "check_photo_file"]

PHOTO_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
#: Largest photo embedded (bytes): the card must stay shareable over poor connections.
MAX_PHOTO_BYTES = 5_000_000


def check_photo_file(path: Path) -> str:
    """The photo's MIME type by its name, after checking the file without reading it.

    For the pipeline to call before any work: a missing, special (FIFO, device) or
    oversized photo, or one of another type, is refused at once.
    """
    mime = PHOTO_TYPES.get(path.suffix.lower())
    check_input_file(path, "photo")
    if mime is None:
        raise UnsupportedFormatError(
            f"photo '{path}': type '{path.suffix}' not supported; use "
            + ", ".join(sorted(PHOTO_TYPES))
        )
    size = os.stat(path).st_size
    if size > MAX_PHOTO_BYTES:
        raise InvalidParameterError(
            f"photo '{path}' is {size / 1e6:.1f} MB; resize it below "
            f"{MAX_PHOTO_BYTES / 1e6:.0f} MB so the card stays shareable"
        )
    return mime


#: Largest photo embedded (pixels): beyond this a browser or WeasyPrint decodes
#: hundreds of MB for one picture (a small file can hold a huge image).
MAX_PHOTO_PIXELS = 50_000_000
_PIL_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_MAGIC = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def check_image(data: bytes) -> tuple[str, str]:
    """``(problem, mime)``: what is wrong with the image bytes (``""`` if nothing).

    Decodes the whole image with Pillow (a dependency of matplotlib, so always present
    with landprofile) after checking its pixel count from the header; without Pillow,
    only the signature is checked.
    """
    try:
        from PIL import Image, ImageFile, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        for magic, mime in _MAGIC.items():
            if data.startswith(magic):
                return "", mime
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "", "image/webp"
        return "is not a JPEG, PNG, WebP or GIF image", ""
    import io

    # WeasyPrint, once imported, makes Pillow accept truncated files for the whole process
    # (ImageFile.LOAD_TRUNCATED_IMAGES): a truncated photo is checked as one here
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # the pixel limit is checked below, before decoding, with a clear message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                w, h = img.size
                if w * h > MAX_PHOTO_PIXELS:
                    return f"is {w} x {h} = {w * h / 1e6:.0f} Mpx, too large to embed", ""
                img.load()  # decodes every pixel: a truncated file fails here
    except Image.DecompressionBombError as exc:
        return f"is too large to decode ({exc})", ""
    except UnidentifiedImageError:
        return "does not decode as an image (not a JPEG, PNG, WebP or GIF file)", ""
    except Exception as exc:  # Pillow raises many kinds of error on bad bytes
        return f"does not decode as an image ({type(exc).__name__}: {exc})", ""
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    if fmt not in _PIL_MIME:
        return f"is a {fmt or 'unknown'} image, which browsers do not all show", ""
    return "", _PIL_MIME[fmt]
