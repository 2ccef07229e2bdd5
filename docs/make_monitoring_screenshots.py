"""Screenshots of the monitoring demo's card section (1400 px, 390 px) and its PDF page.

Usage (from the repository root, with Debian's chromium installed)::

    python docs/make_monitoring_screenshots.py

Runs ``landprofile demo --monitoring`` (Amansie / Offin at three dates, in French) into a
temporary folder and writes ``docs/monitoring_1400.png``, ``docs/monitoring_390.png``
(the card's monitoring section, offline) and ``docs/monitoring_report_page.png`` (the
page of the printed report where the section starts).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pypdfium2
from playwright.sync_api import sync_playwright

from landprofile.demo import sample_data_dir
from landprofile.pipeline import run

DOCS = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    """Write the three images into docs/."""
    with tempfile.TemporaryDirectory() as tmp:
        out = run(sample_data_dir() / "demo_monitoring.toml", Path(tmp) / "out")
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for width in (1400, 390):
                ctx = b.new_context(viewport={"width": width, "height": 900}, offline=True)
                page = ctx.new_page()
                page.goto(out.card_html.resolve().as_uri())
                page.wait_for_selector("path.leaflet-interactive", state="attached")
                page.locator("section#monitoring").screenshot(
                    path=str(DOCS / f"monitoring_{width}.png")
                )
                ctx.close()
            b.close()
        doc = pypdfium2.PdfDocument(str(out.card_pdf))
        try:
            for i in range(len(doc)):
                if "Suivi dans le temps" in doc[i].get_textpage().get_text_range():
                    image = doc[i].render(scale=1.2).to_pil()
                    image.save(DOCS / "monitoring_report_page.png")
                    break
        finally:
            doc.close()


if __name__ == "__main__":
    main()
