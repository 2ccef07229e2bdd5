"""Round four, data fetch and the sample data (issue 36 item 2): a field mirror's manifest
that is not data fetch's, or a link, is refused before any work; LANDPROFILE_SAMPLE_DATA
set to what is not a sample folder is a named error."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from landprofile import errors as E  # noqa: N812


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """Mirror folders holding a foreign manifest, a broken one, a link and a folder."""
    out = {}
    for key, text in {
        "fetch_man_foreign": '{"files": ["notes.txt"]}',
        "fetch_man_broken": "{not json",
        "fetch_man_list": '["a"]',
        "fetch_man_escape": '{"format": "landprofile-fetch", "files": {"../x": '
        '{"sha256": "0", "bytes": 1}}}',
    }.items():
        d = root / key
        d.mkdir(parents=True)
        (d / ".landprofile-fetch.json").write_text(text, encoding="utf-8")
        out[key] = d / ".landprofile-fetch.json"
    d = root / "fetch_man_link"
    d.mkdir()
    (root / "settings.json").write_text("{}", encoding="utf-8")
    os.symlink(root / "settings.json", d / ".landprofile-fetch.json")
    out["fetch_man_link"] = root / "settings.json"
    d = root / "fetch_man_dir"
    (d / ".landprofile-fetch.json").mkdir(parents=True)
    (d / ".landprofile-fetch.json" / "keep.txt").write_text("x", encoding="utf-8")
    out["fetch_man_dir"] = d / ".landprofile-fetch.json" / "keep.txt"
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    def fetch_into(key: str) -> Callable[[dict, Path], Any]:
        return lambda f, o: h._fetch(f["cfg_named"], Path(os.path.dirname(f[key])))

    def fetch_link(f: dict, o: Path) -> Any:
        return h._fetch(f["cfg_named"], f["fetch_man_link"].parent / "fetch_man_link")

    def fetch_dir(f: dict, o: Path) -> Any:
        return h._fetch(f["cfg_named"], f["fetch_man_dir"].parent.parent)

    def demo_with(value: str) -> Callable[[dict, Path], Any]:
        from landprofile.demo import sample_data_dir

        return lambda f, o: h._env({"LANDPROFILE_SAMPLE_DATA": value}, sample_data_dir)

    return [
        (
            "fetch: foreign manifest",
            fetch_into("fetch_man_foreign"),
            E.OutputError,
            "not a landprofile data fetch manifest",
        ),
        ("fetch: broken manifest", fetch_into("fetch_man_broken"), E.OutputError, "not JSON"),
        (
            "fetch: manifest a list",
            fetch_into("fetch_man_list"),
            E.OutputError,
            ".landprofile-fetch.json",
        ),
        (
            "fetch: manifest escaping",
            fetch_into("fetch_man_escape"),
            E.OutputError,
            "not a landprofile data fetch manifest",
        ),
        ("fetch: manifest a link", fetch_link, E.OutputError, "symbolic link"),
        ("fetch: manifest a folder", fetch_dir, E.OutputError, "is not a file"),
        (
            "fetch: cli foreign manifest",
            lambda f, o: h.cli_run(
                "data", "fetch", f["cfg_named"], "--to", f["fetch_man_foreign"].parent
            ),
            E.LandprofileError,
            ".landprofile-fetch.json",
        ),
        (
            "fetch: sample data env a missing folder",
            demo_with("/nonexistent/lp-sample"),
            E.SourceNotFoundError,
            "LANDPROFILE_SAMPLE_DATA='/nonexistent/lp-sample'",
        ),
        (
            "fetch: sample data env a file",
            lambda f, o: demo_with(str(f["notes"]))(f, o),
            E.SourceNotFoundError,
            "is not a sample data folder",
        ),
    ]
