"""STAC catalogues as raster sources: ``stac:{url}#{collection}[@{date}][/{asset}]``.

The items of ``collection`` that intersect the landscape's box are found — through the
STAC API's search (pystac-client) when ``url`` is an API, or by walking a static
catalogue (pystac) when it ends in ``.json`` — and their asset (``asset``, else the
first Cloud-Optimized GeoTIFF) is read by window like any tile. Digital Earth Africa,
Earth Search and Planetary Computer (hrefs signed with ``planetary-computer`` when it is
installed: ``pip install 'landprofile[stac]'``) are STAC APIs.

How the hosts really are (STAC API spec 1.0 ``/search``; the collections' own items):

- One collection may hold several dates: ESA WorldCover on Planetary Computer
  (``esa-worldcover``) has 2020 *and* 2021 items for the same tiles. Items of different
  years are never mixed silently: ``@2021`` (or ``@2021-06``, ``@2021-01-01..2021-12-31``)
  picks a date, and without one a collection answering with several years is refused,
  naming the years.
- Digital Earth Africa's items give ``s3://`` hrefs to public buckets: they are read
  through GDAL's ``/vsis3/`` without signing (``AWS_NO_SIGN_REQUEST``).
- A static catalogue is walked over HTTP with a timeout per document and a bound on the
  documents read; items without a ``bbox`` are placed by their geometry.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from landprofile.errors import DataSourceError, InvalidParameterError

__all__ = [
    "asset_exists",
    "asset_href",
    "asset_key",
    "location",
    "parse",
    "refused",
    "select",
    "stac_assets",
]

#: Items read at most for one landscape.
MAX_ITEMS = 200
#: Documents (catalogues, collections, items) a static walk reads at most, and its
#: deadline: a catalogue of the whole world is searched through an API, not walked.
MAX_DOCUMENTS = 20_000
WALK_DEADLINE_S = 300.0
#: Seconds to wait for one HTTP answer.
TIMEOUT_S = 20.0

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse(spec: str) -> tuple[str, str, tuple[datetime, datetime] | None, str | None]:
    """``url#collection[@date][/asset]`` → ``(url, collection, dates or None, asset or None)``."""
    url, _, rest = spec.partition("#")
    if not url or not rest:
        raise InvalidParameterError(
            f"stac:{spec}: expected stac:{{api or catalog.json url}}#{{collection}}"
            "[@{date}][/{asset}]"
        )
    head, _, asset = rest.partition("/")
    collection, _, date = head.partition("@")
    if not collection:
        raise InvalidParameterError(f"stac:{spec}: no collection after '#'")
    return url, collection, (_date_range(date, spec) if date else None), asset or None


def _date_range(text: str, spec: str) -> tuple[datetime, datetime]:
    """``2021``, ``2021-06``, ``2021-06-01`` or ``A..B``: an inclusive UTC range."""
    first, sep, last = text.partition("..")

    def bound(part: str, end: bool) -> datetime:
        m = _DATE.match(part.strip())
        if not m:
            raise InvalidParameterError(
                f"stac:{spec}: date {text!r} not understood; give @YYYY, @YYYY-MM, "
                "@YYYY-MM-DD or @FROM..TO"
            )
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        if not end:
            return datetime(y, int(mo or 1), int(d or 1), tzinfo=UTC)
        if d:
            return datetime(y, int(mo), int(d), 23, 59, 59, tzinfo=UTC)
        if mo:
            nxt = datetime(y + (mo == "12"), int(mo) % 12 + 1, 1, tzinfo=UTC)
        else:
            nxt = datetime(y + 1, 1, 1, tzinfo=UTC)
        return datetime.fromtimestamp(nxt.timestamp() - 1, UTC)

    try:
        lo, hi = bound(first, False), bound(last if sep else first, True)
    except InvalidParameterError:
        raise
    except ValueError:  # month 13, day 32: datetime's own check
        raise InvalidParameterError(f"stac:{spec}: date {text!r} is not a date") from None
    if hi < lo:
        raise InvalidParameterError(f"stac:{spec}: date range {text!r} ends before it starts")
    return lo, hi


def _when(item: Any) -> tuple[datetime, datetime] | None:
    """An item's time span (``datetime``, or ``start_datetime``/``end_datetime``)."""
    p = item.properties or {}
    if getattr(item, "datetime", None) is not None:
        t = item.datetime
        t = t if t.tzinfo else t.replace(tzinfo=UTC)
        return t, t
    try:
        lo = datetime.fromisoformat(str(p["start_datetime"]).replace("Z", "+00:00"))
        hi = datetime.fromisoformat(str(p["end_datetime"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return (lo if lo.tzinfo else lo.replace(tzinfo=UTC)), (
        hi if hi.tzinfo else hi.replace(tzinfo=UTC)
    )


def asset_key(item: Any, asset: str | None, name: str) -> str:
    """The key of the asset read from ``item``: ``asset``, else its first GeoTIFF."""
    assets = item.assets
    if asset is not None:
        if asset not in assets:
            raise DataSourceError(
                f"{name}: item {item.id} has no asset {asset!r}; assets: {', '.join(assets)}"
            )
        return str(asset)
    for key, a in assets.items():
        media = (a.media_type or "").lower()
        if "geotiff" in media or a.href.lower().endswith((".tif", ".tiff")):
            return str(key)
    raise DataSourceError(
        f"{name}: item {item.id} has no GeoTIFF asset; name one: #collection/asset"
    )


def asset_href(item: Any, key: str) -> str:
    """The asset's href made absolute (a mirror's catalogue gives them relative)."""
    a = item.assets[key]
    return str(a.get_absolute_href() or a.href)


def _footprint(item: Any) -> Any:
    import shapely
    from shapely.geometry import shape

    b = item.bbox
    if b and len(b) in (4, 6):
        # a 3-D bbox is (west, south, low, east, north, high)
        return shapely.box(b[0], b[1], b[3], b[4]) if len(b) == 6 else shapely.box(*b)
    if item.geometry:
        return shape(item.geometry)
    return None  # neither: the item cannot be placed, it is left out


def _stac_io() -> Any:
    """The STAC reader (pystac) with a timeout per document and a bound on the walk."""
    import urllib.request

    from pystac.stac_io import DefaultStacIO

    class _Bounded(DefaultStacIO):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.deadline = time.monotonic() + WALK_DEADLINE_S

        def read_text_from_href(self, href: str) -> str:
            self.count += 1
            if self.count > MAX_DOCUMENTS or time.monotonic() > self.deadline:
                raise DataSourceError(
                    f"the static catalogue holds more than {MAX_DOCUMENTS:,} documents or "
                    f"took over {WALK_DEADLINE_S:.0f} s to walk: use its STAC API, or a "
                    "catalogue of the area"
                )
            if href.startswith(("http://", "https://")):
                with urllib.request.urlopen(href, timeout=TIMEOUT_S) as r:
                    return str(r.read().decode("utf-8"))
            return str(super().read_text_from_href(href))

    return _Bounded()


def _items(
    url: str,
    collection: str,
    box: tuple[float, float, float, float],
    dates: tuple[datetime, datetime] | None,
    name: str,
) -> list[Any]:
    try:
        if url.lower().endswith(".json"):
            import pystac
            import shapely

            area = shapely.box(*box)
            cat = pystac.Catalog.from_file(url, stac_io=_stac_io())
            col = cat.get_child(collection)
            if col is None:
                raise DataSourceError(f"{name}: the catalogue has no collection {collection!r}")
            out = []
            for it in col.get_items(recursive=True):
                fp = _footprint(it)
                if fp is not None and fp.intersects(area):
                    out.append(it)
            return out
        import pystac_client

        client = pystac_client.Client.open(url, timeout=TIMEOUT_S)
        when = None if dates is None else f"{dates[0].isoformat()}/{dates[1].isoformat()}"
        search = client.search(
            collections=[collection], bbox=box, datetime=when, max_items=MAX_ITEMS + 1
        )
        return list(search.items())
    except ImportError:
        raise DataSourceError(
            f"{name}: STAC sources need pystac and pystac-client: pip install 'landprofile[stac]'"
        ) from None
    except DataSourceError as exc:
        text = str(exc)
        raise DataSourceError(text if text.startswith(name) else f"{name}: {text}") from None
    except Exception as exc:  # network, HTTP, malformed JSON
        raise DataSourceError(
            f"{name}: the STAC catalogue could not be searched ({exc}); set a mirror of the "
            "tiles, or fetch first where there is internet"
        ) from None


def _one_date(items: list[Any], dates: tuple[datetime, datetime] | None, name: str) -> list[Any]:
    """Keep the items of the date asked; refuse to mix years when none was asked."""
    if dates is not None:
        lo, hi = dates
        kept = [it for it in items if (w := _when(it)) is not None and w[0] <= hi and w[1] >= lo]
        if not kept and items:
            years = sorted({w[0].year for it in items if (w := _when(it))})
            raise DataSourceError(
                f"{name}: no item of the date asked over the landscape; the collection has "
                f"items of {', '.join(map(str, years)) or 'no date'} there"
            )
        return kept
    years = sorted({w[0].year for it in items if (w := _when(it)) is not None})
    if len(years) > 1:
        raise DataSourceError(
            f"{name}: the collection has items of {', '.join(map(str, years))} over the "
            f"landscape; they are not mixed: pick one, e.g. #{name.split('#', 1)[1].split('/')[0]}"
            f"@{years[-1]}"
        )
    return items


def refused(url: str, name: str) -> None:
    """Raise :class:`UnsignedAssetError` when ``url``'s host refuses it unsigned (409).

    Planetary Computer's Azure storage answers HTTP 409 ("PublicAccessNotPermitted") to
    an asset href without a SAS token: the host is up and says no, which "cannot reach"
    would misname. Asked only after a probe has failed, so a working read costs nothing.
    """
    import urllib.error
    import urllib.request

    from landprofile.errors import UnsignedAssetError

    req = urllib.request.Request(url, headers={"Range": "bytes=0-15"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S):
            return
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            return
        try:
            said = exc.read(300).decode("utf-8", "replace")
        except OSError:
            said = ""
    except (urllib.error.URLError, TimeoutError, OSError):
        return
    code = re.search(r"<Code>([^<]+)</Code>", said)
    why = f": {code.group(1)}" if code else ""
    signer = (
        "the asset was signed with planetary-computer and still refused: its token may "
        "have expired (ask again) or the collection needs a key (set "
        "PC_SDK_SUBSCRIPTION_KEY)"
        if _has_signer()
        else "Planetary Computer assets must be signed: pip install planetary-computer "
        "(or pip install 'landprofile[stac]'; landprofile then signs every href), set "
        "PC_SDK_SUBSCRIPTION_KEY where a collection needs a key, or give hrefs already "
        "signed (with a SAS token)"
    )
    raise UnsignedAssetError(
        f"{name}: the host refused the asset {url.split('?')[0]} unsigned (HTTP 409{why}); {signer}"
    )


def _has_signer() -> bool:
    try:
        import planetary_computer  # noqa: F401
    except ImportError:
        return False
    return True


def asset_exists(kind: str, loc: str, name: str) -> bool:
    """Whether an asset is there (:func:`landprofile.sources._store.exists`), a refusal named.

    Raises
    ------
    UnsignedAssetError
        The host answered 409 to the unsigned href.
    DataSourceError
        The host cannot be reached, or answers otherwise.
    """
    from landprofile.sources._store import exists

    try:
        return exists(kind, loc, name)
    except DataSourceError:
        if kind == "http":
            refused(loc, name)
        raise


def location(href: str) -> tuple[str, str]:
    """``(kind, location)``: ``http`` URL, ``s3`` as ``/vsis3/`` path, or a local file."""
    if href.startswith(("http://", "https://")):
        return "http", href
    if href.startswith("s3://"):
        return "s3", "/vsis3/" + href.removeprefix("s3://")
    if "://" in href and not href.startswith("file://"):
        raise DataSourceError(f"asset href {href!r}: scheme not supported (http, https, s3, file)")
    return "file", href.removeprefix("file://")


def select(spec: str, box: tuple[float, float, float, float]) -> list[Any]:
    """The items a ``stac:`` spec picks over ``box``.

    Read from the data mirror's copy of the catalogue when the mirror holds one
    (:mod:`landprofile.sources.stac_mirror`), else from ``url``. Items are of one date
    (or of the date asked), sorted by id, signed where Planetary Computer's signer is
    installed.

    Raises
    ------
    DataSourceError
        No item covers the box (naming the date asked and the years there are), too
        many do, several years mix, or the catalogue cannot be searched.
    """
    from landprofile.sources._store import mirrored_catalogue

    url, collection, dates, _ = parse(spec)
    name = f"stac:{spec}"
    url = mirrored_catalogue(url, name) or url
    items = _one_date(_items(url, collection, box, dates, name), dates, name)
    if not items and dates is not None:
        # a STAC API filters by date itself: ask once without it, to say what there is
        years = sorted(
            {w[0].year for it in _items(url, collection, box, None, name) if (w := _when(it))}
        )
        raise DataSourceError(
            f"{name}: no item of {collection!r} of the date asked "
            f"({dates[0].date()} to {dates[1].date()}) covers the landscape; "
            f"the collection has items of {', '.join(map(str, years)) or 'no date'} there"
        )
    if not items:
        raise DataSourceError(f"{name}: no item of {collection!r} covers {box}")
    if len(items) > MAX_ITEMS:
        raise DataSourceError(
            f"{name}: more than {MAX_ITEMS} items cover the landscape; narrow the date "
            "(@YYYY) or the collection"
        )
    try:
        import planetary_computer

        items = [planetary_computer.sign(it) for it in items]
    except ImportError:
        pass
    return sorted(items, key=lambda i: i.id)


def stac_assets(spec: str, box: tuple[float, float, float, float]) -> list[tuple[str, str, str]]:
    """``(item id, "http" | "s3" | "file", location)`` of each asset covering ``box``."""
    name = f"stac:{spec}"
    asset = parse(spec)[3]
    out = []
    for it in select(spec, box):
        kind, loc = location(asset_href(it, asset_key(it, asset, name)))
        out.append((it.id, kind, loc))
    return out
