#!/usr/bin/env bash
# Installs what the whole test suite needs on a fresh machine, then runs it, browser tests
# included. Extra arguments go to pytest (e.g. `bash tests/run.sh -m "not e2e"`).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# The browser tests drive the system Chromium (nothing downloads a browser).
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Debian's chromium for the browser tests..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "The browser tests need Chromium at $CHROMIUM." >&2
        echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) or point CHROMIUM" >&2
        echo "at a Chromium or Chrome binary, then run this again." >&2
        exit 1
    fi
fi
export CHROMIUM
export MOMENTUM_REQUIRE_BROWSER=1

exec .venv/bin/python -m pytest "$@"
