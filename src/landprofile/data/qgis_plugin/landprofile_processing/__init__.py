"""landprofile for QGIS Processing: landscape profiles and ASM zoning as algorithms.

The algorithms run the installed ``landprofile`` command; this package imports nothing
from landprofile (QGIS's Python and GDAL are not landprofile's).
"""


def classFactory(iface):  # noqa: N802 -- the name QGIS calls
    """The plugin QGIS starts (``iface`` is None when QGIS runs without its window)."""
    from .plugin import LandprofilePlugin

    return LandprofilePlugin(iface)
