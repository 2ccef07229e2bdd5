"""Who made each input and on what terms: one :class:`Credit` per input, in every output.

Every input a run reads is credited, in ``profile.json``, ``change.json``, the card (HTML
and PDF), the zones GeoPackage and its QGIS project, from one list built here:

* a **named source** (``worldcover:2021``, ``geoboundaries:GHA/ADM1``...) carries the
  provider's citation, licence and DOI from :func:`landprofile.sources.catalogue.citation_for`;
* a **local file** is credited by the user, in order of precedence: the call or the config
  (``credits={"sites": {"credit": ..., "licence": ...}}``, a config's ``[credits.sites]``),
  then a *sidecar* the user keeps next to the file, ``<file name>.credit.toml`` (or
  ``.credit.json``), e.g. ``sites.geojson.credit.toml``::

      credit = "Earth Genome, mining-detector"
      licence = "CC BY 4.0"
      citation = "..."       # optional
      doi = "10.xxxx/..."     # optional
      version = "2024"        # optional
      synthetic = false       # optional

* a file whose name says ``synthetic`` (or whose features carry ``synthetic = true``) is
  labelled synthetic;
* anything else is kept and listed as "credit not given", never dropped.

Names are file names only (never a path of this machine); named sources keep their name.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from landprofile.errors import InvalidParameterError, UnreadableFileError

__all__ = [
    "CREDIT_KEYS",
    "NOT_GIVEN",
    "SIDECAR_SUFFIXES",
    "Credit",
    "check_credits",
    "credit_for",
    "credit_rows",
    "input_name",
    "read_sidecar",
]

#: Sidecar names looked for next to a local file: ``<file name><suffix>``.
SIDECAR_SUFFIXES = (".credit.toml", ".credit.json")
#: The keys a user's credit (call, config, sidecar) may hold.
CREDIT_KEYS = ("credit", "licence", "citation", "doi", "version", "url", "synthetic")
#: What an input with no credit says, in every output (the card says it in its language).
NOT_GIVEN = "credit not given"


@dataclass(frozen=True)
class Credit:
    """One input's credit.

    Attributes
    ----------
    role
        What the input is for: ``boundary``, ``land_cover``, ``population``, ``dem``,
        ``sites``, ``concessions``, ``protected``, ``rivers``, ``settlements``,
        ``geology``, ``admin``, ``context``, ``before``, ``after``, ``footprints``...
    name
        The input as the user gave it: a data name, or a file name (never a path).
    credit
        The provider / attribution text.
    licence, citation, doi, version
        The licence, the full citation, the DOI and the version or year, when known.
    synthetic
        The layer is made up (sample data), not a record of the ground.
    given
        A credit exists (from the catalogue, the call or config, or a sidecar).
    origin
        Where the credit came from: ``catalogue``, ``config``, ``sidecar``, ``shipped``
        or ``""`` (none).
    notice
        A notice the licence asks for beside the credit (e.g. a derived-product notice).
    """

    role: str
    name: str
    credit: str = ""
    licence: str = ""
    citation: str = ""
    doi: str = ""
    version: str = ""
    synthetic: bool = False
    given: bool = False
    origin: str = ""
    notice: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (every key present, empty text when unknown)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Credit:
        """A credit from :meth:`to_dict`'s form (or a profile's source record)."""
        keys = cls.__dataclass_fields__
        vals = {k: data[k] for k in keys if k in data and data[k] is not None}
        vals.setdefault("name", str(data.get("source", "")))
        vals.setdefault("role", "")
        for k in ("synthetic", "given"):
            vals[k] = bool(vals.get(k, False))
        return cls(**{k: v if k in ("synthetic", "given") else str(v) for k, v in vals.items()})

    def text(self, not_given: str = NOT_GIVEN, synthetic: str = "synthetic") -> str:
        """One line: credit, citation (licence), DOI, notice; or what the input is."""
        parts = []
        if self.synthetic:
            parts.append(synthetic)
        who = self.credit
        if self.citation and self.citation not in who:
            who = f"{who}; {self.citation}" if who else self.citation
        if who:
            parts.append(who)
        if self.version and self.version not in who:
            parts.append(self.version)
        if self.licence:
            parts.append(f"({self.licence})")
        # WorldPop's citation already holds its DOI: never printed twice
        if self.doi and self.doi not in who:
            parts.append(f"doi:{self.doi}")
        if self.notice and self.notice not in who:
            parts.append(self.notice)
        if self.url and self.url not in " ".join(parts):
            parts.append(self.url)
        if not parts:
            return not_given
        return " ".join(parts)


def input_name(src: Any) -> str:
    """An input as the user sees it: a data name, or a file name (never a path)."""
    from landprofile.sources.catalogue import parse_name

    if src is None:
        return ""
    if isinstance(src, tuple | list) and src:
        src = src[0]
    attrs = getattr(src, "attrs", None)
    if isinstance(attrs, Mapping) and attrs.get("landprofile_source"):
        src = attrs["landprofile_source"]
    elif hasattr(src, "label") and not isinstance(src, str | Path):
        src = src.label
    elif not isinstance(src, str | Path):
        return type(src).__name__
    text = str(src)
    if parse_name(text) is not None:
        return text
    # a label such as "/x/y/lc.tif (band 1)" or "file.gpkg|layer" keeps its file name
    head = text.split(" (")[0]
    return Path(head).name if ("/" in head or "\\" in head) else head


def _path(src: Any) -> Path | None:
    """The local file an input is read from, when it is one."""
    from landprofile.sources.catalogue import parse_name

    if isinstance(src, tuple | list) and src:
        src = src[0]
    if isinstance(src, Path):
        return src
    if isinstance(src, str) and parse_name(src) is None and "://" not in src:
        p = Path(src.split("|")[0])
        return p if p.is_file() else None
    return None


#: Other spellings users write for a credit key.
_ALIASES = {"year": "version", "license": "licence"}


def _check_keys(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    bad = sorted(set(values) - set(CREDIT_KEYS) - set(_ALIASES))
    if bad:
        raise InvalidParameterError(
            f"{where}: unknown credit key(s) {bad}; accepted: {', '.join(CREDIT_KEYS)}"
        )
    out: dict[str, Any] = {}
    for k, v in values.items():
        key = _ALIASES.get(k, k)
        if key == "synthetic":
            if not isinstance(v, bool):
                raise InvalidParameterError(f"{where}: synthetic = {v!r} must be true or false")
            out[key] = v
        elif isinstance(v, str | int | float) and not isinstance(v, bool):
            out[key] = str(v).strip()
        else:
            raise InvalidParameterError(f"{where}: {k} = {v!r} must be a text")
    return out


def read_sidecar(path: str | Path) -> dict[str, Any] | None:
    """The credit kept next to ``path`` (``<file name>.credit.toml`` / ``.json``), or ``None``.

    Raises
    ------
    UnreadableFileError
        The sidecar is not valid TOML / JSON (the message names it).
    InvalidParameterError
        It holds a key other than ``CREDIT_KEYS`` or a value of the wrong type.
    """
    from landprofile._input_files import read_text

    p = Path(path)
    for suffix in SIDECAR_SUFFIXES:
        side = p.with_name(p.name + suffix)
        if not side.is_file():
            continue
        text = read_text(side, "credit sidecar", max_bytes=1_000_000)
        try:
            data = tomllib.loads(text) if suffix.endswith("toml") else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            kind = "TOML" if suffix.endswith("toml") else "JSON"
            raise UnreadableFileError(
                f"credit sidecar '{side.name}' (next to '{p.name}') is not valid {kind}: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise InvalidParameterError(
                f"credit sidecar '{side.name}' must hold a table of "
                f"{', '.join(CREDIT_KEYS)}, not {type(data).__name__}"
            )
        return _check_keys(data, f"credit sidecar '{side.name}'")
    return None


def user_credit(value: Any, where: str) -> dict[str, Any]:
    """A user's credit as given in a call or config: a text, a mapping or a :class:`Credit`."""
    if isinstance(value, Credit):
        d = value.to_dict()
        return {k: d[k] for k in CREDIT_KEYS if d[k] not in ("", None)}
    if isinstance(value, str):
        if not value.strip():
            raise InvalidParameterError(f"{where}: the credit is empty; give who made the data")
        return {"credit": value.strip()}
    if isinstance(value, Mapping):
        return _check_keys(value, where)
    raise InvalidParameterError(
        f"{where}: a credit is a text or a table of {', '.join(CREDIT_KEYS)}, "
        f"not {type(value).__name__}"
    )


def check_credits(credits: Mapping[str, Any] | None, where: str) -> None:
    """Refuse a ``credits`` mapping that is not role/name -> text or credit table."""
    if credits is None:
        return
    if not isinstance(credits, Mapping):
        raise InvalidParameterError(
            f"{where} must map an input's role or file name to its credit, "
            f"not {type(credits).__name__}"
        )
    for key, value in credits.items():
        user_credit(value, f"{where} {key!r}")


def lookup(credits: Mapping[str, Any] | None, role: str, src: Any) -> Any:
    """The user's credit for an input: by its role, else by its file or data name."""
    if not credits:
        return None
    if role in credits:
        return credits[role]
    name = input_name(src)
    return credits.get(name)


def is_synthetic(src: Any, gdf: Any = None) -> bool:
    """A layer made up for a sample: its file name says so, or its features do."""
    if "synthetic" in input_name(src).lower():
        return True
    if gdf is None or not hasattr(gdf, "columns"):
        return False
    col = next((c for c in gdf.columns if str(c).lower() == "synthetic"), None)
    return col is not None and gdf[col].astype(str).str.lower().isin(["true", "1", "yes"]).any()


def credit_for(role: str, src: Any, given: Any = None, *, synthetic: bool | None = None) -> Credit:
    """The credit of one input.

    Parameters
    ----------
    role
        What the input is for (``land_cover``, ``sites``...).
    src
        The input as given (data name, path, GeoDataFrame, raster).
    given
        The user's credit from the call or config (text, mapping or :class:`Credit`);
        it wins over a sidecar and over the catalogue's fields it names.
    synthetic
        Known to be synthetic (e.g. from the layer's features); else told by the name.

    Examples
    --------
    >>> from landprofile.credits import credit_for
    >>> credit_for("land_cover", "worldcover:2021").doi
    '10.5281/zenodo.7254221'
    >>> c = credit_for("sites", "/tmp/nowhere/pits.geojson")
    >>> c.name, c.given, c.text()
    ('pits.geojson', False, 'credit not given')
    """
    from landprofile.sources.catalogue import citation_for

    name = input_name(src)
    fields: dict[str, Any] = {}
    origin = ""
    cited = citation_for(name) if isinstance(name, str) else None
    if cited:
        fields = {k: str(v) for k, v in cited.items() if k in CREDIT_KEYS or k == "notice"}
        fields.setdefault("version", str(cited.get("year", "") or ""))
        if cited.get("providers") and not fields.get("credit"):
            fields["credit"] = str(cited["providers"])  # a STAC collection's providers
        origin = "catalogue"
    path = _path(src)
    side = read_sidecar(path) if path is not None else None
    if side:
        fields |= side
        origin = "sidecar"
    if given is not None:
        fields |= user_credit(given, f"credit of {role} '{name}'")
        origin = "config"
    syn = bool(fields.pop("synthetic", False)) or bool(synthetic) or is_synthetic(src)
    fields = {k: v for k, v in fields.items() if v not in ("", None)}
    has = any(fields.get(k) for k in ("credit", "licence", "citation", "doi"))
    return Credit(
        role=role,
        name=name,
        synthetic=syn,
        given=has,
        origin=origin if has else "",
        **{k: str(v) for k, v in fields.items()},
    )


def record(credit: Credit, **extra: Any) -> dict[str, Any]:
    """A profile source record: ``role``, ``source`` and the credit's fields, then ``extra``.

    ``source`` is the input as read (a path becomes relative in profile.json), ``name``
    its file or data name: the same keys as a :class:`Credit` in change.json.
    """
    return {"role": credit.role, "source": credit.name} | credit.to_dict() | extra


def from_record(rec: Mapping[str, Any]) -> Credit:
    """The credit of a source record (a profile's, or an older profile's without one)."""
    c = Credit.from_dict({**rec, "name": input_name(rec.get("source", ""))})
    if "given" not in rec:  # a profile written before credits: judge from what it holds
        has = any(rec.get(k) for k in ("credit", "licence", "citation", "doi"))
        c = replace(c, given=has, synthetic=c.synthetic or is_synthetic(c.name))
    return replace(c, role=str(rec.get("role", "")).removeprefix("layer:"))


def credit_rows(records: Iterable[Mapping[str, Any] | Credit]) -> list[Credit]:
    """Credits of the records, one per (role, name), first kept, in order."""
    out: dict[tuple[str, str], Credit] = {}
    for r in records:
        c = r if isinstance(r, Credit) else from_record(r)
        out.setdefault((c.role, c.name), c)
    return list(out.values())
