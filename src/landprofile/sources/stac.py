"""STAC catalogues as raster sources: ``stac:{url}#{collection}[/{asset}]``.

The items of ``collection`` that intersect the landscape's box are found — through the
STAC API's search (pystac-client) when ``url`` is an API, or by walking a static
catalogue (pystac) when it ends in ``.json`` — and their asset (``asset``, else the
first Cloud-Optimized GeoTIFF) is read by window like any tile. Digital Earth Africa,
Earth Search and Planetary Computer (hrefs signed with ``planetary-computer`` when it is
installed) are STAC APIs.
"""

from __future__ import annotations

from typing import Any

from landprofile.errors import DataSourceError, InvalidParameterError

__all__ = ["stac_assets"]

#: Items read at most for one landscape.
MAX_ITEMS = 200


def _parse(spec: str) -> tuple[str, str, str | None]:
    url, _, rest = spec.partition("#")
    if not url or not rest:
        raise InvalidParameterError(
            f"stac:{spec}: expected stac:{{api or catalog.json url}}#{{collection}}[/{{asset}}]"
        )
    collection, _, asset = rest.partition("/")
    return url, collection, asset or None


def _asset_href(item: Any, asset: str | None, name: str) -> str:
    assets = item.assets
    if asset is not None:
        if asset not in assets:
            raise DataSourceError(
                f"{name}: item {item.id} has no asset {asset!r}; assets: {', '.join(assets)}"
            )
        return assets[asset].href
    for a in assets.values():
        media = (a.media_type or "").lower()
        if "geotiff" in media or a.href.lower().endswith((".tif", ".tiff")):
            return a.href
    raise DataSourceError(
        f"{name}: item {item.id} has no GeoTIFF asset; name one: #collection/asset"
    )


def _items(url: str, collection: str, box: tuple[float, float, float, float], name: str):
    try:
        if url.lower().endswith(".json"):
            import pystac
            import shapely

            area = shapely.box(*box)
            cat = pystac.Catalog.from_file(url)
            col = cat.get_child(collection)
            if col is None:
                raise DataSourceError(f"{name}: the catalogue has no collection {collection!r}")
            return [
                it for it in col.get_items(recursive=True) if shapely.box(*it.bbox).intersects(area)
            ][:MAX_ITEMS]
        import pystac_client

        client = pystac_client.Client.open(url, timeout=20)
        search = client.search(collections=[collection], bbox=box, max_items=MAX_ITEMS)
        return list(search.items())
    except ImportError:
        raise DataSourceError(
            f"{name}: STAC sources need pystac and pystac-client: pip install 'landprofile[stac]'"
        ) from None
    except DataSourceError:
        raise
    except Exception as exc:  # network, HTTP, malformed JSON
        raise DataSourceError(
            f"{name}: the STAC catalogue could not be searched ({exc}); set a mirror of the "
            "tiles, or fetch first where there is internet"
        ) from None


def stac_assets(spec: str, box: tuple[float, float, float, float]) -> list[tuple[str, str, str]]:
    """``(item id, "http" | "file", location)`` of each asset covering ``box``."""
    url, collection, asset = _parse(spec)
    name = f"stac:{spec}"
    items = _items(url, collection, box, name)
    if not items:
        raise DataSourceError(f"{name}: no item of {collection!r} covers {box}")
    try:
        import planetary_computer

        items = [planetary_computer.sign(it) for it in items]
    except ImportError:
        pass
    out = []
    for it in sorted(items, key=lambda i: i.id):
        href = _asset_href(it, asset, name)
        kind = "http" if href.startswith(("http://", "https://")) else "file"
        out.append((it.id, kind, href.removeprefix("file://")))
    return out
