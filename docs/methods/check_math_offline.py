"""Check that a built methods page renders its formulas offline; save a screenshot.

The page is opened in headless Chromium with the network blocked; MathJax turns each
formula into an ``mjx-container``.

    python docs/methods/check_math_offline.py [PAGE.html] [OUT.png] [SECTION_ID]

Every request that is not a ``file://`` URL is aborted and counted: the page must need
none. Uses Debian's chromium (never downloads a browser).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent


def main() -> int:
    """Check one page; print what was found; exit 1 if a formula did not render."""
    page_path = Path(sys.argv[1] if len(sys.argv) > 1 else DOCS / "_build/html/methods/zoning.html")
    shot = Path(sys.argv[2] if len(sys.argv) > 2 else DOCS / "methods_page.png")
    section = sys.argv[3] if len(sys.argv) > 3 else None
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        ctx = browser.new_context(viewport={"width": 1280, "height": 1400})

        def route(r):  # the network is blocked: only the built files may load
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.goto(page_path.resolve().as_uri())
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            " && document.querySelectorAll('mjx-container').length > 0",
            timeout=30_000,
        )
        page.evaluate("() => MathJax.startup.promise")
        n_math = page.evaluate("() => document.querySelectorAll('.math').length")
        n_mjx = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        n_err = page.evaluate("() => document.querySelectorAll('mjx-merror').length")
        anchor = page.query_selector(
            f"section#{section}" if section else "mjx-container[display='true']"
        )
        if anchor is not None:
            where = "start" if section else "center"
            page.evaluate(f"(el) => el.scrollIntoView({{block: '{where}'}})", anchor)
        page.screenshot(path=str(shot))
        browser.close()
    print(
        f"{page_path.name}: {n_math} math elements, {n_mjx} rendered by MathJax, "
        f"{n_err} errors; requests blocked: {len(blocked)} {blocked[:3]}"
    )
    return 0 if n_mjx >= n_math > 0 and n_err == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
