#!/bin/sh
# Set up a virtual environment (.venv) with landprofile and its test tools, then run
#   ./quickstart.sh demo   -> the demo on the embedded sample data (data/sample_boundaries),
#                             then the monitoring demo (Amansie/Offin at three dates)
#   ./quickstart.sh test   -> the whole test suite
#   ./quickstart.sh docs   -> the documentation site, offline, into docs/_build/html
# Needs only Python >= 3.11 on the PATH. Re-running reuses .venv when pyproject.toml
# has not changed.
set -eu
cd "$(dirname "$0")"
task="${1:-demo}"
shift 2>/dev/null || true

pick_python() {
    for cand in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$cand" ] || continue
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$cand"; return 0
        fi
    done
    echo "quickstart: Python >= 3.11 not found on PATH (set PYTHON=/path/to/python3.11+)" >&2
    return 1
}

VENV=.venv
STAMP="$VENV/.landprofile-installed"
if [ ! -x "$VENV/bin/python" ]; then
    PY=$(pick_python)
    if ! "$PY" -m venv "$VENV" 2>/dev/null; then
        # Debian's python3 ships venv without ensurepip (package python3-venv); fall back
        # to a pip-less venv filled by the system pip, else say what to install.
        rm -rf "$VENV"
        "$PY" -m venv --without-pip "$VENV"
        if ! "$PY" -m pip --version >/dev/null 2>&1; then
            echo "quickstart: '$PY -m venv' needs ensurepip; on Debian/Ubuntu run: apt-get install -y python3-venv" >&2
            exit 1
        fi
        "$PY" -m pip --python "$VENV/bin/python" install -q pip
    fi
fi
extras="dev"
[ "$task" = "docs" ] && extras="dev,docs"
want="$(cat pyproject.toml | cksum) $extras"
if [ ! -f "$STAMP" ] || ! grep -qxF "$want" "$STAMP"; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[$extras]"
    echo "$want" >> "$STAMP"
fi

# The printable report (card.pdf) is drawn by WeasyPrint, which needs the Pango system
# library: say what to install rather than fail deep inside a run.
if ! "$VENV/bin/python" -c "import weasyprint" >/dev/null 2>&1; then
    echo "quickstart: the PDF report needs the Pango library (used by WeasyPrint):" >&2
    echo "  Debian/Ubuntu: apt-get install -y libpango-1.0-0 libpangoft2-1.0-0" >&2
    echo "  Fedora: dnf install pango · macOS: brew install pango" >&2
    exit 1
fi

case "$task" in
    demo)
        "$VENV/bin/landprofile" demo --out landprofile-demo "$@"
        exec "$VENV/bin/landprofile" demo --monitoring --out landprofile-demo-monitoring ;;
    test) exec "$VENV/bin/python" -m pytest "$@" ;;
    docs)
        "$VENV/bin/python" -m sphinx -W --keep-going -b html docs docs/_build/html "$@"
        # every built page opened in Chromium, network aborted: any request fails the build
        # (map iframes included; skipped with a note where chromium is not installed)
        if command -v chromium >/dev/null 2>&1; then
            exec "$VENV/bin/python" tests/test_docs_offline.py docs/_build/html
        fi
        echo "quickstart: chromium not found; the built pages' offline check was not run" >&2 ;;
    *) echo "usage: ./quickstart.sh demo|test|docs [extra arguments]" >&2; exit 2 ;;
esac
