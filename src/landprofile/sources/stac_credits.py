"""A ``stac:`` name's credit, read from its collection: licence, DOI, citation, providers.

A STAC collection says how it is to be credited (STAC 1.0 and its Scientific Citation
extension): ``license`` (an SPDX identifier, or ``other``/``proprietary``/``various``
with a link of ``rel: license`` to the text), links of ``rel: cite-as`` (the DOI's
landing page), ``sci:doi``, ``sci:citation`` and ``providers`` (name and roles). That is
what :func:`stac_credit` gives, from the first of:

1. the field mirror's copy of the collection (``{mirror}/stac/{catalogue}/{collection}/
   collection.json``, which :mod:`landprofile.sources.stac_mirror` writes with these
   fields and links kept), so a run offline from a mirror cites as the host did;
2. a copy kept in the cache the first time the collection was read online;
3. the catalogue itself (its STAC API's ``/collections/{id}``, or the static catalogue).

Nothing found is said as such ("not stated by the collection", or "could not be read"),
never replaced by a licence the collection did not state. The catalogue's URL is not put
into the citation: for a static catalogue on disk it is a path of this machine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from landprofile.errors import DataSourceError

__all__ = ["collection_doc", "credit_of", "stac_credit"]

#: The link relations that carry a collection's credit, kept in a mirror's copy.
CREDIT_RELS = ("license", "cite-as")
_DOI = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\S+)$")
#: Collections this process could not read online (not asked again).
_MISSED: set[tuple[str, str]] = set()


def _cache_file(url: str, collection: str) -> Path:
    from landprofile.sources._store import cache_dir, catalogue_dir

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", collection).strip("._") or "collection"
    return cache_dir() / catalogue_dir(url) / f"{safe}.collection.json"


def _read(href: str) -> dict[str, Any]:
    """A JSON object at a path or URL; empty when it cannot be read."""
    import urllib.request

    from landprofile.sources.stac import TIMEOUT_S

    try:
        if href.startswith(("http://", "https://")):
            with urllib.request.urlopen(href, timeout=TIMEOUT_S) as r:
                doc = json.loads(r.read(5_000_000))
        else:
            doc = json.loads(Path(href).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _keep(path: Path, doc: dict[str, Any]) -> None:
    """Keep the collection's credit fields in the cache (best effort: a cache is a cache)."""
    from landprofile._atomic import atomic_path

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    except Exception:  # a cache that cannot be written never fails a citation
        pass


def collection_doc(spec: str) -> tuple[dict[str, Any], str]:
    """``(collection's credit fields, where they were read)``; ``({}, why)`` if nowhere.

    ``where`` is ``"mirror"``, ``"cache"`` or ``"catalogue"``.
    """
    from landprofile.sources._store import mirrored_catalogue
    from landprofile.sources.stac import parse
    from landprofile.sources.stac_mirror import _collection_meta, _safe

    url, collection, _, _ = parse(spec)
    try:
        copy = mirrored_catalogue(url, f"stac:{spec}")
    except DataSourceError:
        copy = None
    if copy:
        base = copy.rsplit("/", 1)[0] if "://" in copy else str(Path(copy).parent)
        doc = _read(f"{base}/{_safe(collection)}/collection.json")
        if doc:
            return doc, "mirror"
    cached = _cache_file(url, collection)
    doc = _read(str(cached)) if cached.is_file() else {}
    if doc:
        return doc, "cache"
    # asked once a process: a run cites a source in several outputs, and an unreachable
    # catalogue must not cost its timeout for each of them
    if (url, collection) not in _MISSED:
        doc = _collection_meta(url, collection)
        if doc:
            _keep(cached, doc)
            return doc, "catalogue"
        _MISSED.add((url, collection))
    return {}, "the collection could not be read (offline, and no mirror or cached copy)"


def _doi(doc: dict[str, Any], cite_as: list[dict[str, Any]]) -> str | None:
    if doc.get("sci:doi"):
        return str(doc["sci:doi"])
    for link in cite_as:
        m = _DOI.match(str(link.get("href", "")))
        if m:
            return m.group(1)
    return None


def credit_of(doc: dict[str, Any], collection: str) -> dict[str, str]:
    """The credit a collection document states (see the module's docstring)."""
    links = [lk for lk in doc.get("links") or [] if isinstance(lk, dict)]
    lic_links = [lk for lk in links if lk.get("rel") == "license" and lk.get("href")]
    cite_as = [lk for lk in links if lk.get("rel") == "cite-as" and lk.get("href")]
    lic = str(doc.get("license") or "").strip()
    if not lic:
        licence = "not stated by the collection"
    elif lic.lower() in ("other", "proprietary", "various") and lic_links:
        title = lic_links[0].get("title")
        licence = f"{lic}: {title}" if title else f"{lic} (see {lic_links[0]['href']})"
    else:
        licence = lic
    providers = [
        f"{p['name']} ({', '.join(map(str, p.get('roles') or []))})"
        if p.get("roles")
        else str(p["name"])
        for p in doc.get("providers") or []
        if isinstance(p, dict) and p.get("name")
    ]
    if doc.get("sci:citation"):
        citation = str(doc["sci:citation"])
    else:
        title = str(doc.get("title") or collection)
        citation = f"{title} (STAC collection {collection})"
        if providers:
            citation += f"; providers: {'; '.join(providers)}"
    out = {"licence": licence, "citation": citation}
    doi = _doi(doc, cite_as)
    if doi:
        out["doi"] = doi
    if providers and doc.get("sci:citation"):
        out["providers"] = "; ".join(providers)
    if doc.get("version"):
        out["version"] = str(doc["version"])
    url = (lic_links or cite_as or [{}])[0].get("href")
    if url:
        out["url"] = str(url)
    return out


def stac_credit(spec: str) -> dict[str, str]:
    """The credit of ``stac:{spec}``, from its collection (mirror, cache or catalogue).

    Examples
    --------
    >>> from landprofile.sources.stac_credits import credit_of
    >>> doc = {"license": "CC-BY-4.0", "sci:doi": "10.5281/zenodo.7254221",
    ...        "providers": [{"name": "ESA", "roles": ["licensor", "producer"]}],
    ...        "title": "ESA WorldCover"}
    >>> c = credit_of(doc, "esa-worldcover")
    >>> c["licence"], c["doi"]
    ('CC-BY-4.0', '10.5281/zenodo.7254221')
    >>> c["citation"]
    'ESA WorldCover (STAC collection esa-worldcover); providers: ESA (licensor, producer)'
    """
    from landprofile.sources.stac import parse

    try:
        _, collection, _, _ = parse(spec)
    except Exception:  # a malformed name is refused elsewhere, by name
        return {"licence": "not stated", "citation": f"stac:{spec}"}
    doc, where = collection_doc(spec)
    if not doc:
        return {
            "licence": f"not known: {where}",
            "citation": f"STAC collection {collection} ({where})",
        }
    return credit_of(doc, collection)
