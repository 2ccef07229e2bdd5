"""Reading the credits back out of every output: JSON, card HTML (bs4), PDF text
(pypdfium2, as tests/test_report_print.py), GeoPackage (sqlite3 / pyogrio) and the QGIS
project stored in it (its XML)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from xml.etree import ElementTree


def sources_rows(html: str) -> list[dict[str, str]]:
    """The card's sources table as rows {role, name, date, attribution}."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    table = soup.select_one("section#sources table")
    assert table is not None, "the card has no sources table"
    out = []
    for tr in table.find_all("tr")[1:]:
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        out.append(dict(zip(("role", "name", "date", "attribution"), cells, strict=False)))
    return out


def pdf_text(path: Path) -> str:
    """The PDF's text, all pages, without spaces or line breaks (wrapping moves them)."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return flat(text)


def flat(text: str) -> str:
    """Text without whitespace (pdfium writes a hyphen ending a line as U+FFFE)."""
    return "".join(text.split()).replace("\ufffe", "-")


def gpkg_sources(path: Path) -> tuple[list[dict], str]:
    """The GeoPackage's ``landprofile_sources`` records and ``landprofile_credits`` text."""
    import pyogrio

    meta = pyogrio.read_info(path, layer="zones")["dataset_metadata"]
    return json.loads(meta["landprofile_sources"]), meta.get("landprofile_credits", "")


def gpkg_metadata_xml(path: Path) -> str:
    """What the file's gpkg_metadata table holds (GDAL writes the dataset metadata there)."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT metadata FROM gpkg_metadata").fetchall()
    finally:
        con.close()
    return "\n".join(str(r[0]) for r in rows)


def project_xml(path: Path) -> ElementTree.Element:
    """The QGIS project stored in the GeoPackage (``qgis_projects``), parsed."""
    con = sqlite3.connect(path)
    try:
        (content,) = con.execute("SELECT content FROM qgis_projects").fetchone()
    finally:
        con.close()
    raw = bytes.fromhex(content if isinstance(content, str) else content.decode())
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".qgs"))
        return ElementTree.fromstring(zf.read(name))


def project_credits(root: ElementTree.Element) -> tuple[str, dict[str, dict[str, list[str]]]]:
    """The project's metadata abstract and, by layer id, its rights and licences."""
    abstract = root.findtext("projectMetadata/abstract") or ""
    layers = {}
    for ml in root.iter("maplayer"):
        md = ml.find("resourceMetadata")
        layers[ml.findtext("id") or ""] = {
            "rights": [r.text or "" for r in (md.findall("rights") if md is not None else [])],
            "licences": [x.text or "" for x in (md.findall("license") if md is not None else [])],
        }
    return abstract, layers
