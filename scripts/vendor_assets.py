"""Refresh the JavaScript and CSS the offline maps inline (Leaflet, markercluster).

Usage (from the repository root; needs ``npm`` on the PATH and the npm registry)::

    python scripts/vendor_assets.py

The files are taken from the packages' npm tarballs (``npm pack``), at the versions folium
links to, and written to ``src/landprofile/data/vendor/`` with their licences. Images the
CSS refers to (``url(images/layers.png)``...) are inlined as data URIs so that an offline
card under a strict Content-Security-Policy never asks for a file. ``VERSIONS.txt``
records what was taken, with each file's SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "landprofile" / "data" / "vendor"
PACKAGES = {
    # npm spec: {file in the tarball: file written}
    "leaflet@1.9.3": {
        "package/dist/leaflet.js": "leaflet.js",
        "package/dist/leaflet.css": "leaflet.css",
        "package/LICENSE": "LICENSE-leaflet.txt",
    },
    "leaflet.markercluster@1.1.0": {
        "package/dist/leaflet.markercluster.js": "leaflet.markercluster.js",
        "package/dist/MarkerCluster.css": "MarkerCluster.css",
        "package/dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
        "package/MIT-LICENCE.txt": "LICENSE-leaflet.markercluster.txt",
    },
    # branca's colour scales (gdf.explore(column=...) on a numeric column, Choropleth)
    "d3@3.5.5": {
        "package/d3.min.js": "d3.min.js",
        "package/LICENSE": "LICENSE-d3.txt",
    },
}


def _inline_images(css: str, tar: tarfile.TarFile, css_member: str) -> str:
    base = css_member.rsplit("/", 1)[0]

    def repl(m: re.Match[str]) -> str:
        ref = m.group(1).strip("'\"")
        if not ref.endswith(".png"):  # data URIs, IE's behaviour urls (#default#VML)
            return m.group(0)
        data = tar.extractfile(f"{base}/{ref}").read()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\(([^)]+)\)", repl, css)


def main() -> None:
    """Fetch each package with npm pack and write the files and VERSIONS.txt."""
    OUT.mkdir(parents=True, exist_ok=True)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in PACKAGES.items():
            name = (
                subprocess.run(
                    ["npm", "pack", spec, "--silent"],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            with tarfile.open(Path(tmp) / name) as tar:
                for member, target in files.items():
                    text = tar.extractfile(member).read().decode("utf-8")
                    if target.endswith(".css"):
                        text = _inline_images(text, tar, member)
                    (OUT / target).write_text(text, encoding="utf-8")
                    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    lines.append(f"{target}\t{spec}\t{member}\tsha256:{digest}")
    (OUT / "VERSIONS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
