"""The credits each output gathers beyond a profile's.

The change's dates, the footprints, the basemap and the shipped context layer; see
:mod:`landprofile.credits` for the model they are made of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from landprofile.credits import Credit, _path, credit_for, from_record, lookup

__all__ = ["CONTEXT", "basemap_credit", "card_credits", "change_credits", "footprint_credits"]


def change_credits(change: Any, credits: Mapping[str, Any] | None = None) -> list[Credit]:
    """Both dates' credits of a :class:`~landprofile.monitoring.ChangeResult`."""
    if change is None:
        return []
    own = dict(getattr(change, "credits", None) or {})
    out = []
    for when in ("before", "after"):
        if when in own:
            out.append(own[when] if isinstance(own[when], Credit) else from_record(own[when]))
            continue
        src = getattr(change, when)
        out.append(credit_for(f"change_{when}", src, lookup(credits, f"change_{when}", src)))
    return out


def footprint_credits(
    footprints: Any, credits: Mapping[str, Any] | None = None
) -> list[tuple[str, Credit]]:
    """``(date, credit)`` of mining footprints: one per date's file, or one for a layer."""
    if footprints is None:
        return []
    if isinstance(footprints, Mapping):
        return [
            (str(d), credit_for("footprints", f, lookup(credits, "footprints", f)))
            for d, f in footprints.items()
        ]
    return [("", credit_for("footprints", footprints, lookup(credits, "footprints", footprints)))]


def basemap_credit(basemap: Any, credits: Mapping[str, Any] | None = None) -> list[Credit]:
    """A basemap's credit: the user's, else an MBTiles file's own ``attribution``."""
    if basemap is None or str(basemap).startswith("http://"):
        return []  # a plain-http basemap is not drawn (see the card)
    c = credit_for("basemap", basemap, lookup(credits, "basemap", basemap))
    path = _path(basemap)
    if c.given or path is None or path.suffix.lower() != ".mbtiles":
        return [c]
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM metadata WHERE name='attribution'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        row = None
    if row and str(row[0]).strip():
        # the tiles' own attribution, as their maker wrote it (may hold HTML: shown escaped)
        return [replace(c, credit=str(row[0]).strip(), given=True, origin="file")]
    return [c]


def card_credits(
    *,
    change: Any = None,
    footprints: Any = None,
    basemap: Any = None,
    land_cover: Any = None,
    credits: Mapping[str, Any] | None = None,
) -> list[Credit]:
    """The card's inputs beyond the profile's: change dates, footprints, basemap, overlay."""
    out = []
    if land_cover is not None:
        out.append(credit_for("land_cover", land_cover, lookup(credits, "land_cover", land_cover)))
    out += change_credits(change, credits)
    out += [c for _, c in footprint_credits(footprints, credits)]
    return out + basemap_credit(basemap, credits)


#: The card's own context layer (shipped with the package: see data/context/SOURCES.md).
CONTEXT = (
    Credit(
        role="context",
        name="Natural Earth 1:10m (countries, rivers)",
        credit="Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com",
        licence="Public domain",
        given=True,
        origin="shipped",
    ),
    Credit(
        role="context",
        name="GeoNames (towns)",
        credit="GeoNames (geonames.org)",
        licence="CC BY 4.0",
        given=True,
        origin="shipped",
    ),
)
