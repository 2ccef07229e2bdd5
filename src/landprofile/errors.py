"""One error hierarchy for every bad input landprofile can meet.

Every class derives from :class:`LandprofileError` *and* from the builtin exception a
caller would naturally catch (``ValueError``, ``FileNotFoundError``, ...), so that
``except ValueError`` keeps working. Messages name the file, layer, field or value at
fault and say what would be accepted.
"""

from __future__ import annotations

__all__ = [
    "AdminFieldError",
    "AmbiguousLayerError",
    "CRSMismatchError",
    "CacheError",
    "CardWarning",
    "CheckpointError",
    "CheckpointWarning",
    "ChecksumError",
    "CoordinateRangeError",
    "CoverageWarning",
    "DataSourceError",
    "DataWarning",
    "DuplicateIdError",
    "EmptySelectionError",
    "GeometryRepairWarning",
    "GeometryTypeError",
    "IncompleteFileWarning",
    "InvalidGeometryError",
    "InvalidParameterError",
    "LandprofileError",
    "LandprofileWarning",
    "LayerNotFoundError",
    "LegendMismatchError",
    "MissingCRSError",
    "MissingFieldError",
    "NameNotFoundError",
    "OutputError",
    "OutputWarning",
    "ResourceLimitError",
    "RulesWarning",
    "ScaleWarning",
    "SelectionWarning",
    "SettingError",
    "SourceNotFoundError",
    "TextEncodingWarning",
    "TileRasterError",
    "UnreadableFileError",
    "UnsignedAssetError",
    "UnsupportedFormatError",
    "WithheldTileWarning",
]


class LandprofileError(Exception):
    """Base class of every error raised by landprofile on bad input."""


class LandprofileWarning(UserWarning):
    """Base class of landprofile's warnings (repairs, scale, dropped features)."""


class GeometryRepairWarning(LandprofileWarning):
    """Invalid geometries were repaired or empty ones dropped while loading."""


class CoverageWarning(LandprofileWarning):
    """A raster holds no usable value in a landscape (outside it, or nodata only)."""


class WithheldTileWarning(CoverageWarning):
    """Tiles of land the provider withheld from its public release: no data there.

    Not the ocean a host leaves without tiles: the message names the tiles withheld.
    """


class TextEncodingWarning(LandprofileWarning):
    """A file's text is not UTF-8: it was read as Windows-1252 (Latin-1)."""


class ScaleWarning(LandprofileWarning):
    """A landscape's area falls outside the 10,000-1,000,000 ha guidance."""


class DataWarning(LandprofileWarning):
    """The data limits what a result says: cells too coarse, versions that differ."""


class IncompleteFileWarning(LandprofileWarning):
    """A file lacks a part (a shapefile's .dbf): it was read with what is there."""


class RulesWarning(LandprofileWarning):
    """The zoning rules do not discriminate: most of the allowed land passes them."""


class SelectionWarning(LandprofileWarning):
    """``locate`` could not place as many zones or as much area as asked."""


class CardWarning(LandprofileWarning):
    """Part of a card's input cannot be shown: it is left out, the message says why.

    A photo that does not decode, or a basemap the card's policy cannot load.
    """


class SourceNotFoundError(LandprofileError, FileNotFoundError):
    """A path given as input does not exist."""


class UnreadableFileError(LandprofileError, OSError):
    """A file exists but GDAL, pandas or the archive reader cannot read it."""


class TileRasterError(UnreadableFileError):
    """A raster of a tiled run could not be read for one tile.

    Raised on the client when a worker (or the client, for a raster it sends with the
    tile) fails to read the tile's window: the message names the raster and the tile
    (its index and its rows and columns of the analysis grid), not the worker's
    traceback.
    """


class UnsupportedFormatError(LandprofileError, ValueError):
    """The file extension or object type is not one landprofile reads."""


class LayerNotFoundError(LandprofileError, KeyError):
    """The requested layer is not in the data source."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class AmbiguousLayerError(LandprofileError, ValueError):
    """The data source holds several layers and none was chosen."""


class MissingCRSError(LandprofileError, ValueError):
    """A layer or raster has no coordinate reference system."""


class CRSMismatchError(LandprofileError, ValueError):
    """Inputs that must share a CRS do not."""


class CoordinateRangeError(LandprofileError, ValueError):
    """Coordinates are outside the valid range of their CRS (e.g. lat/lon swapped)."""


class InvalidGeometryError(LandprofileError, ValueError):
    """A geometry cannot be used, even after repair."""


class GeometryTypeError(LandprofileError, TypeError):
    """Geometries of the wrong kind, e.g. points or lines where polygons are needed."""


class EmptySelectionError(LandprofileError, ValueError):
    """A selection, clip or intersection left nothing."""


class NameNotFoundError(LandprofileError, KeyError):
    """Names or codes asked for are not in the layer (the message lists close matches)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingFieldError(LandprofileError, KeyError):
    """A required attribute field is absent (the message lists the fields present)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AdminFieldError(MissingFieldError):
    """No usable name or code field could be found or was given for admin units."""


class OutputError(LandprofileError, OSError):
    """An output cannot be written there; the message names the path and why.

    The folder is not writable, or the output would overwrite an input.
    """


class InvalidParameterError(LandprofileError, ValueError):
    """A keyword argument has a value outside what is accepted."""


class DuplicateIdError(LandprofileError, ValueError):
    """An id field the user named has empty or repeated values."""


class DataSourceError(LandprofileError, OSError):
    """A named open source cannot be read (unreachable, missing, refused, corrupt)."""


class CacheError(DataSourceError):
    """The local cache cannot be written (read-only, full, or its path is a file).

    A local write failure, not a network one: the message names the path and says how
    to choose another cache folder (``LANDPROFILE_CACHE``).
    """


class ChecksumError(CacheError):
    """A download does not match the checksum its host published (an S3 ETag, Content-MD5).

    Retried from the first byte; when it still differs, nothing is kept and the message
    names the URL, both checksums and the folder it would have gone to.
    """


class ResourceLimitError(LandprofileError, MemoryError):
    """A stage would need more memory than the limit; the message says what would fit."""


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside landprofile."""
    import sys
    from pathlib import Path

    package = str(Path(__file__).parent)
    frame = sys._getframe(1)  # the function that is about to warn
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
        level += 1
    return level


class SettingError(InvalidParameterError):
    """A setting (environment variable, ``lp.options``, config, CLI) is not accepted.

    The message names the setting, the value and the accepted range.
    """


class OutputWarning(LandprofileWarning):
    """An output folder held something the program noticed and kept, or finished.

    A manifest naming files landprofile never writes (they are kept), or a run that was
    killed while it moved its outputs into place (its move is completed by the next run).
    """


class CheckpointWarning(LandprofileWarning):
    """A file in a checkpoint folder is not a valid part of this run: it is not used.

    Damaged, written by another version, or not landprofile's (a planted pickle is never
    unpickled); the message names it; its part is computed again.
    """


class CheckpointError(LandprofileError, OSError):
    """A checkpoint part that was checked at the start can no longer be read."""


class LegendMismatchError(LandprofileError, ValueError):
    """A land cover's values are all unknown to the legend it is read with.

    Zoning would then treat every cell as an unknown class (no land-cover rule applies)
    and still rank zones as if it knew; the message names the raster, the legend, the
    values found and the legend's values.
    """


class UnsignedAssetError(DataSourceError):
    """A host refused an asset because its URL is not signed (HTTP 409 unsigned).

    Planetary Computer's storage answers 409 ("public access is not permitted") to an
    asset href that was not signed: the host is reachable, the request is refused. The
    message says how to sign: install ``planetary-computer``, or set a key.
    """
