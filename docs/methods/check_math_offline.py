"""Check that a built methods page renders its formulas offline; save a screenshot.

The page is opened in headless Chromium with the network blocked; MathJax turns each
formula into an ``mjx-container``; the page's text outside formulas and code must hold
no TeX (a formula MyST did not parse shows as a stray ``$`` and its source).

    python docs/methods/check_math_offline.py [PAGE.html] [OUT.png] [SECTION_ID]

Every request that is not a ``file://`` URL is aborted and counted: the page must need
none. Uses Debian's chromium (never downloads a browser).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent


#: TeX left in a page's text: a dollar sign, or a control word (``\\frac``, ``\\tfrac12``).
RAW_TEX = re.compile(r"\$|\\[A-Za-z]+")


def raw_tex(html: str) -> list[str]:
    r"""Raw TeX in a built page's text, outside formulas and code, with its context.

    A formula MyST did not parse shows as its source (a stray ``$``, ``\tfrac12$``).
    Counting ``.math`` elements cannot see it: the formula that failed to parse is not
    one. Text inside ``.math`` (MathJax's input), code, scripts and styles is skipped.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    body = soup.find("article") or soup.body or soup
    for tag in body.select(".math, pre, code, script, style, mjx-container, .MathJax"):
        tag.decompose()
    text = " ".join(body.get_text(" ").split())
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in RAW_TEX.finditer(text)]


def main() -> int:
    """Check one page; print what was found; exit 1 if a formula did not render."""
    page_path = Path(sys.argv[1] if len(sys.argv) > 1 else DOCS / "_build/html/methods/zoning.html")
    shot = Path(sys.argv[2] if len(sys.argv) > 2 else DOCS / "methods_page.png")
    section = sys.argv[3] if len(sys.argv) > 3 else None
    blocked: list[str] = []
    raw = raw_tex(page_path.read_text("utf-8"))
    from playwright.sync_api import sync_playwright

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
        f"{n_err} errors; raw TeX in the text: {len(raw)} {raw[:3]}; "
        f"requests blocked: {len(blocked)} {blocked[:3]}"
    )
    return 0 if n_mjx >= n_math > 0 and n_err == 0 and not raw else 1


if __name__ == "__main__":
    raise SystemExit(main())
