"""STAC items in a field mirror: the same ``stac:`` name, offline, the same cells.

``landprofile data fetch`` writes, for each catalogue a config names,
``{mirror}/stac/{catalogue key}/`` holding a small **static STAC catalogue** (STAC 1.0:
``catalog.json`` → ``{collection}/collection.json`` → ``{collection}/{item}/{item}.json``)
of the items the config's names select, each with the one asset read, clipped to the
landscape on the asset's own grid and referenced by a relative href
(``./{file}.tif``). The catalogue key is derived from the catalogue's URL, so the name
``stac:{url}#{collection}@{date}/{asset}`` finds its copy by itself: with the mirror set,
:func:`landprofile.sources.stac.select` reads the copy instead of ``url`` and applies the
same collection, box and date filter to the same items, whose assets then give the cells
the host gave (nothing resampled, nothing shifted).

Mirrors made for several landscapes into one folder accumulate items. An item's asset
already in the mirror that holds the new landscape's box is kept; one that ``data fetch``
wrote (listed in the mirror's manifest, unchanged) for another landscape is clipped again
over the box of both, so the item's one asset serves every landscape fetched; an asset
file that data fetch did not write is never replaced (a named error).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from landprofile.errors import DataSourceError, OutputError

__all__ = ["write_stac"]

#: What a collection's copy keeps of the host's collection (its licence and credits);
#: its links of rel "license" and "cite-as" are kept too (stac_credits reads them).
_KEEP = (
    "title",
    "description",
    "license",
    "providers",
    "keywords",
    "version",
    "sci:doi",
    "sci:citation",
    "sci:publications",
)


def _credit_links(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The collection's links that credit it (licence text, the DOI's page), absolute."""
    from landprofile.sources.stac_credits import CREDIT_RELS

    return [
        lk
        for lk in doc.get("links") or []
        if isinstance(lk, dict)
        and lk.get("rel") in CREDIT_RELS
        and str(lk.get("href", "")).startswith(("http://", "https://"))
    ]


def _stac_version() -> str:
    """The STAC version pystac writes items in (catalogue and items agree)."""
    import pystac

    return str(pystac.get_stac_version())


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "item"


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    from landprofile._atomic import atomic_path
    from landprofile.sources._http import ensure_dir, local_write_error

    ensure_dir(path.parent, cache=False)
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    except OutputError as exc:
        raise local_write_error(path.parent, exc, cache=False) from None
    except OSError as exc:
        raise local_write_error(path, exc, cache=False) from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _collection_meta(url: str, collection: str) -> dict[str, Any]:
    """What the host says of the collection (licence, credits); empty if it cannot say."""
    from landprofile.sources.stac import TIMEOUT_S, _stac_io

    try:
        if url.lower().endswith(".json"):
            import pystac

            col = pystac.Catalog.from_file(url, stac_io=_stac_io()).get_child(collection)
        else:
            import pystac_client

            col = pystac_client.Client.open(url, timeout=TIMEOUT_S).get_collection(collection)
        doc = col.to_dict(include_self_link=False) if col is not None else {}
    except Exception:  # the licence is worth a request, not a failed fetch
        return {}
    return {k: doc[k] for k in _KEEP if k in doc} | {"links": _credit_links(doc)}


def _lonlat_bounds(path: Path) -> list[float]:
    """The longitude/latitude box of a clipped asset."""
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(path) as ds:
        b = ds.bounds
        if ds.crs is not None and ds.crs.to_epsg() != 4326:
            b = transform_bounds(ds.crs, "EPSG:4326", *b, densify_pts=21)
    return [float(v) for v in b]


def _item_doc(item: Any, key: str, file: str, bounds: list[float]) -> dict[str, Any]:
    """The item as the mirror holds it: the one asset, relative, over what was clipped.

    Its footprint becomes the clipped part: the mirror does not pretend to hold the
    rest of the item, so a landscape beyond it is "not covered", not read half-empty.
    """
    import shapely

    doc = item.to_dict(include_self_link=False, transform_hrefs=False)
    doc["bbox"] = bounds
    doc["geometry"] = shapely.geometry.mapping(shapely.box(*bounds))
    asset = dict(doc["assets"][key])
    asset["href"] = f"./{file}"
    asset.pop("alternate", None)  # the host's other copies are not in the mirror
    doc["assets"] = {key: asset}
    doc["links"] = [
        {"rel": "root", "href": "../../catalog.json", "type": "application/json"},
        {"rel": "parent", "href": "../collection.json", "type": "application/json"},
        {"rel": "collection", "href": "../collection.json", "type": "application/json"},
    ]
    return doc


def _extent(items: list[dict[str, Any]]) -> dict[str, Any]:
    boxes = [d["bbox"] for d in items if d.get("bbox")]
    if boxes:
        b = [min(x[0] for x in boxes), min(x[1] for x in boxes)]
        b += [max(x[-2] for x in boxes), max(x[-1] for x in boxes)]
    else:
        b = [-180.0, -90.0, 180.0, 90.0]
    times = sorted(
        t
        for d in items
        for k in ("datetime", "start_datetime", "end_datetime")
        if (t := (d.get("properties") or {}).get(k))
    )
    return {
        "spatial": {"bbox": [b]},
        "temporal": {"interval": [[times[0], times[-1]] if times else [None, None]]},
    }


def _asset_box(
    dst: Path, box: tuple[float, float, float, float], man: Any, name: str
) -> tuple[float, float, float, float] | None:
    """The box to clip an asset over into ``dst``; ``None``: the file there holds it.

    A copy data fetch wrote for another landscape is cut again over both boxes (its
    lon/lat bounds and ``box``); a file it did not write is refused, never replaced.
    """
    from landprofile.sources._fetch_manifest import covers
    from landprofile.sources.mirror import _local_meta

    if not (dst.exists() or dst.is_symlink()):
        return box
    meta = _local_meta(dst)
    if meta is not None and covers(meta, box):
        return None
    if not man.ours(dst):
        raise OutputError(
            f"{name}: '{dst}' is in the way of the item's asset and data fetch did not "
            "write it (its manifest does not list it, or it changed since): it is not "
            "replaced; move it away, or fetch into another folder"
        )
    w, s, e, n = _lonlat_bounds(dst)
    return (min(w, box[0]), min(s, box[1]), max(e, box[2]), max(n, box[3]))


def write_stac(
    names: list[str],
    box: tuple[float, float, float, float],
    to: Path,
    man: Any,
    written: Any,
) -> None:
    """Write the items of the ``stac:`` ``names`` over ``box`` into the mirror ``to``.

    Each asset's part inside ``box`` is clipped on its own grid
    (:func:`landprofile.sources.mirror._clip_tile`) and listed in the mirror's manifest
    ``man``; the files go to ``written`` (a :class:`~landprofile.sources.mirror.Fetched`;
    an asset already covering the box to its ``kept``). Each name is then resolved again
    from the copy and must give the same items: what is written is known to be what the
    name will read.

    Raises
    ------
    DataSourceError
        The catalogue cannot be searched, an item's asset cannot be read, or no asset of
        a name reaches the landscape.
    OutputError
        The mirror cannot be written, or its copy does not resolve as the host did.
    """
    from landprofile.sources import stac
    from landprofile.sources._store import catalogue_dir, gdal_path
    from landprofile.sources.mirror import _clip_tile

    def clip(src: str, area: Any, dst: Path, name: str, env: dict[str, str]) -> bool:
        try:
            return _clip_tile(src, area, dst, name, env)
        except (DataSourceError, OutputError):
            raise
        except Exception as exc:  # the asset exists but does not read: corrupt
            raise DataSourceError(
                f"{name}: the asset {src} could not be read ({exc}); nothing of it was written"
            ) from None

    def keep_json(path: Path, doc: dict[str, Any]) -> None:
        _write_json(path, doc)
        man.record(path)
        if path not in written:
            written.append(path)

    chosen: dict[str, list[str]] = {}
    by_url: dict[str, list[str]] = {}
    for name in names:
        by_url.setdefault(stac.parse(name.removeprefix("stac:"))[0], []).append(name)
    for url, group in by_url.items():
        root = to / catalogue_dir(url)
        cat = _read_json(root / "catalog.json")
        collections = [
            link["href"].split("/")[1]
            for link in cat.get("links", [])
            if link.get("rel") == "child" and link.get("href", "").count("/") == 2
        ]
        for name in group:
            spec = name.removeprefix("stac:")
            _, collection, _, asset = stac.parse(spec)
            items = stac.select(spec, box)
            col_dir = root / _safe(collection)
            col_doc = _read_json(col_dir / "collection.json") or _collection_meta(url, collection)
            links = [lk for lk in col_doc.get("links", []) if lk.get("rel") == "item"]
            docs = [_read_json(col_dir / lk["href"]) for lk in links]
            kept = {d["id"]: d for d in docs if d.get("id")}
            got = []
            for it in items:
                key = stac.asset_key(it, asset, name)
                kind, loc = stac.location(stac.asset_href(it, key))
                if not stac.asset_exists(kind, loc, name):
                    raise DataSourceError(f"{name}: the asset {key!r} of item {it.id} is missing")
                file = _safe(Path(urlparse(loc).path).name) or f"{_safe(key)}.tif"
                dst = col_dir / _safe(it.id) / file
                env = {"AWS_NO_SIGN_REQUEST": "YES"} if kind == "s3" else {}
                area = _asset_box(dst, box, man, name)
                if area is None:  # already there, holding the box
                    written.kept.append(dst)
                    kept[it.id] = _item_doc(it, key, file, _lonlat_bounds(dst))
                    got.append(it.id)
                elif clip(gdal_path(kind, loc), area, dst, name, env):
                    man.record(dst)
                    written.append(dst)
                    kept[it.id] = _item_doc(it, key, file, _lonlat_bounds(dst))
                    got.append(it.id)
            if not got:
                raise DataSourceError(f"{name}: no item's asset reaches the landscape {box}")
            chosen[name] = got
            for iid, doc in kept.items():
                keep_json(col_dir / _safe(iid) / f"{_safe(iid)}.json", doc)
            keep_json(
                col_dir / "collection.json",
                {k: v for k, v in col_doc.items() if k in _KEEP}
                | {
                    "type": "Collection",
                    "stac_version": _stac_version(),
                    "id": collection,
                    "description": col_doc.get("description") or f"{collection} (mirrored)",
                    "license": col_doc.get("license") or "other",
                    "extent": _extent(list(kept.values())),
                    "links": [
                        {"rel": "root", "href": "../catalog.json", "type": "application/json"},
                        {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
                    ]
                    + _credit_links(col_doc)
                    + [
                        {"rel": "item", "href": f"./{_safe(i)}/{_safe(i)}.json"}
                        for i in sorted(kept)
                    ],
                },
            )
            if _safe(collection) not in collections:
                collections.append(_safe(collection))
        keep_json(
            root / "catalog.json",
            {
                "type": "Catalog",
                "stac_version": _stac_version(),
                "id": catalogue_dir(url).removeprefix("stac/"),
                "description": f"Items of {url} mirrored by landprofile data fetch",
                "links": [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]
                + [
                    {"rel": "child", "href": f"./{c}/collection.json", "type": "application/json"}
                    for c in collections
                ],
            },
        )
    _check_copy(chosen, box, to)


def _check_copy(
    chosen: dict[str, list[str]], box: tuple[float, float, float, float], to: Path
) -> None:
    """Each name resolved from the copy alone gives the items it gave from the host."""
    from landprofile._options import options
    from landprofile.sources import stac

    before = options.data_mirror
    options.data_mirror = str(to)
    try:
        for name, ids in chosen.items():
            back = [it.id for it in stac.select(name.removeprefix("stac:"), box)]
            if back != ids:
                raise OutputError(
                    f"{name}: the mirror's copy in '{to}' resolves to items {back}, not "
                    f"{ids} as the host did; it is not usable"
                )
    finally:
        options.data_mirror = before
