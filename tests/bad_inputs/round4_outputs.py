"""Round four, the writers (issue 36 item 4 and its messages in item 9).

Each writer finds a user's file where it would write (beside a card, a re-zipped plugin,
a GeoPackage holding the user's layer, a table...), a link, or a run folder whose
manifest was edited or linked: every one is refused before the work, naming the path,
and the user's bytes stay as they were (the harness hashes them). A manifest naming the
user's files is a warning, and they are kept. A non-UTF-8 output name fails first.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """A config, and folders holding a user's files where the writers would write."""
    from landprofile._outdir import MANIFEST
    from landprofile.qgis.plugin import plugin_zip_bytes, plugin_zip_name

    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "o4.toml"
    cfg.write_text(
        f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "{files["good"]}"\n'
        "[zoning]\nenabled = false\n",
        encoding="utf-8",
    )
    out: dict[str, Path] = {"o4_cfg": cfg}
    for key, name, data in [
        ("o4_png", "rpt_png/site.png", b"\x89PNG the user's map"),
        ("o4_pdf", "rpt_pdf/site.pdf", b"%PDF the user's report"),
        ("o4_html", "rpt_html/site.html", b"<p>the user's page</p>"),
        ("o4_gpkg", "gpkg/mine.gpkg", b"SQLite format 3\x00 the user's layers"),
        ("o4_bnd", "bnd/b.geojson", b'{"type": "FeatureCollection", "features": []}'),
        ("o4_prof", "prof/profile.json", b'{"mine": true}'),
        ("o4_change", "chg/change.json", b'{"mine": true}'),
        ("o4_zones", "zones/zones.gpkg", b"SQLite format 3\x00 my zones"),
        ("o4_table", "tbl/t.csv", b"a,b\n1,2\n"),
        ("o4_target", "lnk/target.json", b"the link's target"),
    ]:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        out[key] = p
    (root / "lnk" / "p.json").symlink_to(root / "lnk" / "target.json")
    out["o4_link"] = root / "lnk" / "p.json"
    # the user's re-zipped plugin: its metadata.txt still says name=landprofile
    plug = root / "plug"
    plug.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plugin_zip_bytes())) as src, zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            data = src.read(info)
            zf.writestr(
                info.filename, data + b"\n# mine\n" if "metadata" in info.filename else data
            )
    (plug / plugin_zip_name()).write_bytes(buf.getvalue())
    out["o4_plugin_dir"] = plug
    # run folders: a linked manifest, an edited card, a manifest naming the user's files
    linked = root / "run_linked"
    linked.mkdir()
    (root / "settings.json").write_text('{"files": ["profile.json"]}', encoding="utf-8")
    (linked / "profile.json").write_text("mine", encoding="utf-8")
    (linked / MANIFEST).symlink_to(root / "settings.json")
    out["o4_run_linked"] = linked
    edited = root / "run_edited"
    edited.mkdir()
    (edited / "card.html").write_text("our card, edited by the user", encoding="utf-8")
    (edited / MANIFEST).write_text(
        json.dumps({"files": ["card.html"], "sha256": {"card.html": "0" * 64}}), "utf-8"
    )
    out["o4_run_edited"] = edited
    named = root / "run_named"
    named.mkdir()
    (named / "notes.txt").write_text("field notes", encoding="utf-8")
    (named / "photos").mkdir()
    (named / "photos" / "p1.jpg").write_bytes(b"jpeg")
    (named / MANIFEST).write_text(json.dumps({"files": ["notes.txt", "photos"]}), "utf-8")
    out["o4_run_named"] = named
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    E = h.E  # noqa: N806  (the corpus's short name for landprofile.errors)
    cli = h.cli_run
    ours = "written by landprofile"

    def prepare(folder: Path) -> Any:
        from landprofile import _outdir

        return _outdir.prepare(folder)

    return [
        (
            "out4: card --print keeps the user's site.png",
            lambda f, o: cli(
                "card", f["o4_cfg"], "--out", f["o4_png"].with_suffix(".html"), "--print"
            ),
            E.LandprofileError,
            "site.png' exists and is not an output " + ours,
        ),
        (
            "out4: card --print keeps the user's site.pdf",
            lambda f, o: cli(
                "card", f["o4_cfg"], "--out", f["o4_pdf"].with_suffix(".html"), "--print"
            ),
            E.LandprofileError,
            "site.pdf' exists and is not an output " + ours,
        ),
        (
            "out4: card keeps the user's page",
            lambda f, o: cli("card", f["o4_cfg"], "--out", f["o4_html"]),
            E.LandprofileError,
            "site.html' exists and is not an output " + ours,
        ),
        (
            "out4: qgis project keeps the user's GeoPackage",
            lambda f, o: cli("qgis", "project", f["o4_cfg"], "--out", f["o4_gpkg"]),
            E.LandprofileError,
            "mine.gpkg' exists and is not a GeoPackage " + ours,
        ),
        (
            "out4: qgis plugin keeps the user's re-zipped plugin",
            lambda f, o: cli("qgis", "plugin", "--out", f["o4_plugin_dir"]),
            E.LandprofileError,
            "is not a landprofile plugin zip " + ours,
        ),
        (
            "out4: boundary keeps the user's file",
            lambda f, o: cli("boundary", f["o4_cfg"], "--out", f["o4_bnd"]),
            E.LandprofileError,
            "b.geojson' exists and is not an output " + ours,
        ),
        (
            "out4: profile keeps the user's file",
            lambda f, o: cli("profile", f["o4_cfg"], "--out", f["o4_prof"]),
            E.LandprofileError,
            "profile.json' exists and is not an output " + ours,
        ),
        (
            "out4: change keeps the user's file",
            lambda f, o: cli("change", f["o4_cfg"], "--out", f["o4_change"]),
            E.LandprofileError,
            "change.json' exists and is not an output " + ours,
        ),
        (
            "out4: zones keeps the user's file",
            lambda f, o: cli("zones", f["o4_cfg"], "--out", f["o4_zones"]),
            E.LandprofileError,
            "zones.gpkg' exists and is not an output " + ours,
        ),
        (
            "out4: batch keeps the user's table",
            lambda f, o: cli("batch", f["good"], "--out", f["o4_table"]),
            E.LandprofileError,
            "t.csv' exists and is not a result table " + ours,
        ),
        (
            "out4: profile never writes through a link",
            lambda f, o: cli("profile", f["o4_cfg"], "--out", f["o4_link"]),
            E.LandprofileError,
            "p.json' is a link",
        ),
        (
            "out4: run never follows a linked manifest",
            lambda f, o: h._run_refused(f["o4_cfg"], f["o4_run_linked"]),
            E.OutputError,
            "that is a link; landprofile never writes its manifest as a link",
        ),
        (
            "out4: run keeps an output the user edited",
            lambda f, o: h._run_refused(f["o4_cfg"], f["o4_run_edited"]),
            E.OutputError,
            "card.html' was written by landprofile but changed since",
        ),
        (
            "out4: a manifest naming the user's files keeps them",
            lambda f, o: prepare(f["o4_run_named"]),
            E.OutputWarning,
            "'notes.txt', 'photos', which landprofile never writes: kept",
        ),
        (
            "out4: run --out with a non-UTF-8 byte, before the work",
            lambda f, o: h._run_refused(f["o4_cfg"], o / "r\udcffsultats"),
            E.OutputError,
            "holds bytes that are not UTF-8 (first: b'\\xff')",
        ),
        (
            "out4: profile --out with a non-UTF-8 byte, before the work",
            lambda f, o: _profile_cli(h, f, o),
            E.LandprofileError,
            "not UTF-8",
        ),
    ]


def _profile_cli(h: Any, f: dict, o: Path) -> Any:
    """check_out (every single-file writer's first step) on a non-UTF-8 name."""
    from landprofile._cli_common import check_out
    from landprofile.config import load_config

    return check_out(load_config(f["o4_cfg"]), o / "p\udcff.json")
