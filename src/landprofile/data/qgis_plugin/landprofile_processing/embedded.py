"""What the QGIS project stored in an output GeoPackage says about its layers.

``landprofile zones`` and ``run`` store a project in the GeoPackage they write
(``qgis_projects``): the card's layer names, order, groups, which layers start hidden,
and each layer's style (the paletted land cover among them). The plugin loads the
output's layers as that project has them; this module reads the project with the
standard library only (sqlite3, zipfile, ElementTree), so that it is tested outside QGIS
too. A GeoPackage without a project (another program's) falls back to its layers'
default styles in ``layer_styles``.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

#: A vector source's table: ``./zones.gpkg|layername=zones``.
_LAYERNAME = re.compile(r"\|layername=([^|]*)")


class Entry:
    """One layer of the project's tree, top first.

    Attributes
    ----------
    table
        The GeoPackage table it shows.
    raster
        Whether it is a raster table (the land cover).
    title
        The name the project gives it (the card's legend text).
    visible
        Whether it starts checked.
    expanded
        Whether its legend starts unfolded.
    group, group_visible, group_expanded
        The project's group holding it (``None`` at the top), and that group's state.
    style
        The layer's style as a QML document (its ``<maplayer>`` as a ``<qgis>`` root).
    """

    def __init__(self, **kw: Any) -> None:
        self.table: str = kw["table"]
        self.raster: bool = kw["raster"]
        self.title: str = kw["title"]
        self.visible: bool = kw.get("visible", True)
        self.expanded: bool = kw.get("expanded", True)
        self.group: str | None = kw.get("group")
        self.group_visible: bool = kw.get("group_visible", True)
        self.group_expanded: bool = kw.get("group_expanded", False)
        self.style: str = kw.get("style", "")

    def __repr__(self) -> str:
        return f"Entry({self.table!r}, {self.title!r}, group={self.group!r})"


def _connect(path: str) -> sqlite3.Connection:
    # read-only: the output is the user's file now
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    return sqlite3.connect(uri, uri=True)


def _rows(path: str, sql: str, args: tuple = ()) -> list[tuple]:
    try:
        con = _connect(path)
    except sqlite3.Error:
        return []
    try:
        return con.execute(sql, args).fetchall()
    except sqlite3.Error:  # no such table: not one of ours
        return []
    finally:
        con.close()


def project_xml(path: str) -> tuple | None:
    """``(name, root element)`` of the first project stored in the GeoPackage, or None."""
    rows = _rows(path, "SELECT name, content FROM qgis_projects ORDER BY rowid LIMIT 1")
    if not rows:
        return None
    name, content = rows[0]
    try:
        data = bytes.fromhex(content.decode("ascii") if isinstance(content, bytes) else content)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            member = next(n for n in zf.namelist() if n.lower().endswith(".qgs"))
            text = zf.read(member)
        return name, ET.fromstring(text)
    except (ValueError, zipfile.BadZipFile, StopIteration, KeyError, ET.ParseError):
        return None


def _table(maplayer: ET.Element) -> str | None:
    source = maplayer.findtext("datasource") or ""
    if maplayer.get("type") == "raster":
        # GPKG:./zones.gpkg:land_cover
        return source.rsplit(":", 1)[1] if source.upper().startswith("GPKG:") else None
    m = _LAYERNAME.search(source)
    return m.group(1) if m else None


def _style(maplayer: ET.Element) -> str:
    """The ``<maplayer>`` as a QML document: the style children under a ``<qgis>`` root."""
    root = ET.Element("qgis", {k: v for k, v in maplayer.attrib.items() if k != "type"})
    skip = {"id", "datasource", "layername", "srs", "provider", "keywordList"}
    for child in maplayer:
        if child.tag not in skip:
            root.append(child)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


def project_entries(path: str) -> tuple | None:
    """``(project name, [Entry, ...] top first)`` of the GeoPackage's project, or None."""
    found = project_xml(path)
    if found is None:
        return None
    name, root = found
    layers = {}
    for ml in root.iter("maplayer"):
        table = _table(ml)
        if table is not None:
            layers[ml.findtext("id")] = (table, ml)
    tree = root.find("layer-tree-group")
    if tree is None:
        return None
    entries: list[Entry] = []

    def add(node: ET.Element, group: ET.Element | None) -> None:
        found = layers.get(node.get("id"))
        if found is None:
            return
        table, ml = found
        entries.append(
            Entry(
                table=table,
                raster=ml.get("type") == "raster",
                title=ml.findtext("layername") or node.get("name") or table,
                visible=node.get("checked") == "Qt::Checked",
                expanded=node.get("expanded") == "1",
                group=group.get("name") if group is not None else None,
                group_visible=group is None or group.get("checked") == "Qt::Checked",
                group_expanded=group is not None and group.get("expanded") == "1",
                style=_style(ml),
            )
        )

    for node in tree:
        if node.tag == "layer-tree-layer":
            add(node, None)
        elif node.tag == "layer-tree-group":
            for child in node.iter("layer-tree-layer"):
                add(child, node)
    return name, entries


def default_styles(path: str) -> dict[str, str]:
    """The default QML of each table in ``layer_styles`` (a GeoPackage without project)."""
    rows = _rows(
        path,
        "SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault "
        "AND coalesce(f_table_schema, '') = '' ORDER BY id",
    )
    out: dict[str, str] = {}
    for table, qml in rows:
        if table not in out and qml:
            out[str(table)] = str(qml)
    return out
