"""A real app server and the system Chromium, for what only a browser shows.

Nothing here downloads a browser: Playwright drives the Chromium at $CHROMIUM
(default /usr/bin/chromium). Without it these tests skip, unless the test script
(tests/run.sh) says a browser is required, in which case they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "streamlit.log", "w")  # noqa: SIM115 (closed at teardown)
    server = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "serve.py",  # the app as a room serves it
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        # served as is, with a room store of its own: a shared one would count rooms
        # that earlier runs opened from this address against it
        env={**os.environ,
             "MOMENTUM_ROOM_STORE": str(ARTIFACTS / f"rooms-{port}.sqlite3"),
             # no straight-line loops compiled beside the browsers (a core for 7-30 s a
             # landscape): the core's tests hold them to the others
             "MOMENTUM_SPECIALISE": "0",
             # every browser here is this machine, one address: the rooms of every test
             # would count against one owner's share (the flood test takes it on the store)
             "MOMENTUM_ROOMS_PER_OWNER": "200"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail(f"streamlit did not start; see {ARTIFACTS / 'streamlit.log'}")
        time.sleep(0.3)
    yield url
    server.terminate()
    try:  # a page run still computing (a loaded machine) can hold Streamlit's stop past 10 s
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        print("streamlit did not stop within 10 s of SIGTERM: killed")
        server.kill()
        server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)"
        if os.environ.get("MOMENTUM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def shot(page_or_frame, name: str) -> Path:
    """Keep a screenshot as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page_or_frame.screenshot(path=str(path))
    return path


def files_only(context) -> list[str]:
    """Nothing but ``file://`` loads in ``context`` (the offline files carry everything
    they need); returns the list that every blocked address is added to."""
    blocked: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return blocked
