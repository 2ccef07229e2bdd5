"""The card's basemap: none, a local MBTiles file embedded, or one https tile server.

Whichever it is, the card's Content-Security-Policy lets images load from nowhere else:
:func:`add_basemap` returns the policy's ``img-src`` with it.
"""

from __future__ import annotations

import base64
import sqlite3
import warnings
from pathlib import Path
from typing import Any

from landprofile.errors import CardWarning, InvalidParameterError, SourceNotFoundError


def add_basemap(m: Any, basemap: Any, bounds_lonlat: tuple[float, float, float, float]) -> str:
    """Add ``basemap`` to the folium map ``m``; returns the card policy's ``img-src``.

    ``None`` adds nothing; a local ``.mbtiles`` file is embedded (tiles within
    ``bounds_lonlat``); an ``https://`` tile URL is loaded from that server alone, which
    the policy then names. A plain ``http://`` URL is left out with a
    :class:`~landprofile.errors.CardWarning`.
    """
    import folium

    from landprofile.maps.layers import mbtiles_layer

    img_src = "data:"
    if basemap is not None:
        b = str(basemap)
        if b.startswith("http://"):
            # the card's policy never lets it load over plain http (a page opened from a
            # file or over https would block it anyway): say so, draw no dead layer
            warnings.warn(
                f"basemap {b!r}: the card cannot load tiles over plain http (its "
                "Content-Security-Policy allows images embedded in the card and, for a tile "
                "server, https only); the card is drawn without it. Give a local .mbtiles "
                "file (tiles embedded: the card works offline), an https:// tile URL (the "
                "card then needs the internet), or no basemap (plain background)",
                CardWarning,
                stacklevel=3,  # card()'s caller
            )
        elif b.startswith("https://"):
            folium.TileLayer(b, attr="basemap", name="basemap", control=False).add_to(m)
            # only that server, not every https origin
            img_src += " " + _origin(b)
        elif b.lower().endswith(".mbtiles"):
            if not Path(b).exists():
                raise SourceNotFoundError(f"basemap file not found: '{b}'")
            mbtiles_layer(_mbtiles(Path(b), bounds_lonlat)).add_to(m)
        else:
            raise InvalidParameterError(
                f"basemap {basemap!r}: give a tile URL (https://.../{{z}}/{{x}}/{{y}}.png) or a "
                "local .mbtiles file (PMTiles: convert to MBTiles first, e.g. with pmtiles)"
            )
    return img_src


def _mbtiles(
    path: Path, bounds: tuple[float, float, float, float], max_tiles: int = 3000
) -> dict[str, Any]:
    """Tiles of a local MBTiles file covering the landscape, as data URIs."""
    import mercantile  # optional; only for MBTiles basemaps

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        fmt = meta.get("format", "png")
        zmin = int(meta.get("minzoom", 0))
        zmax = int(meta.get("maxzoom", 14))
        tiles: dict[str, str] = {}
        for z in range(zmin, zmax + 1):
            want = list(mercantile.tiles(*bounds, zooms=[z]))
            if len(tiles) + len(want) > max_tiles:
                zmax = z - 1
                break
            for t in want:
                row = con.execute(
                    "SELECT tile_data FROM tiles WHERE zoom_level=? AND "
                    "tile_column=? AND tile_row=?",
                    (z, t.x, (1 << z) - 1 - t.y),
                ).fetchone()
                if row:
                    tiles[f"{z}/{t.x}/{t.y}"] = f"data:image/{fmt};base64," + base64.b64encode(
                        row[0]
                    ).decode("ascii")
    finally:
        con.close()
    return {
        "tiles": tiles,
        "minzoom": zmin,
        "maxzoom": max(zmin, zmax),
        "attribution": meta.get("attribution", ""),
    }


def _origin(url: str) -> str:
    """A tile URL's origin for the policy's ``img-src``: ``https://host[:port]``.

    Leaflet's ``{s}`` subdomain becomes the policy's ``*.`` wildcard. The origin goes into
    the page unescaped (the policy is set after rendering), so only a plain host name
    passes.
    """
    import re
    from urllib.parse import urlsplit

    host = re.sub(r"^\{s\}\.", "*.", urlsplit(url).netloc)
    if not re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
        raise InvalidParameterError(
            f"basemap {url!r}: not a tile URL; give https://host/.../{{z}}/{{x}}/{{y}}.png "
            "(a {s} subdomain is allowed first in the host)"
        )
    return f"https://{host}"
