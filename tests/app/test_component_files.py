"""The race component's files served from memory (momentum_app.race.component_files): each
file's own bytes, gzipped only for a browser that accepts gzip, Streamlit's headers, a 304
for a copy the browser holds, and a 404 for anything that is not a file of the folder,
over HTTP as a browser asks (uvicorn, as under ``st.App``)."""

from __future__ import annotations

import asyncio
import gzip
import os
import socket
import threading
from pathlib import Path

import pytest

from momentum_app.race import component_files as cf

PREFIX = f"/component/{cf.NAME}/"
#: Every file of the race component's folder, by its name in the address.
FILES = sorted(p.relative_to(cf.FOLDER).as_posix() for p in cf.FOLDER.rglob("*") if p.is_file())


def _get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """``(status, headers, body)`` of a request sent as written (a raw socket: no client
    tidies ``..`` away), headers lower-cased."""

    async def go():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"
                     .encode())  # fmt: skip
        raw = await reader.read()
        writer.close()
        return raw

    head, _, body = asyncio.run(go()).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    found = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        found[key.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), found, body


@pytest.fixture
def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _streamlit(scope, receive, send):
    """Stands for Streamlit behind the middleware: whatever reaches it says so."""
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"passed on"})


def _serve(app, port: int):
    uvicorn = pytest.importorskip("uvicorn")
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        asyncio.run(asyncio.sleep(0.02))
    return server, thread


@pytest.fixture
def served(unused_port):
    """The middleware over the real folder, on a port; yields the port."""
    app = cf.ComponentFiles(_streamlit, folder=cf.Folder(cf.FOLDER), base="")
    server, thread = _serve(app, unused_port)
    yield unused_port
    server.should_exit = True
    thread.join(timeout=10)


def test_the_folder_is_what_the_page_loads():
    """The files include every script of index.html, plotly.js among them."""
    from momentum_app.race.race_chart import SCRIPTS

    assert "index.html" in FILES and "vendor/plotly-basic.min.js" in FILES
    assert set(SCRIPTS) <= set(FILES)


def test_the_name_is_streamlits_name_for_the_component():
    """The address served is the one Streamlit gives the race component (its iframe's src)."""
    from momentum_app.race.race_chart import _component

    assert _component("race_component").name == cf.NAME


@pytest.mark.parametrize("name", FILES)
def test_each_file_gzipped_for_a_browser_that_accepts_it(served, name):
    on_disk = (cf.FOLDER / name).read_bytes()
    status, headers, body = _get(served, PREFIX + name, {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == on_disk
    assert int(headers["content-length"]) == len(body) < len(on_disk)
    assert headers["vary"] == "Accept-Encoding"
    assert headers["cache-control"] == ("no-cache" if name.endswith(".html") else "public")


@pytest.mark.parametrize("accept", [None, "identity", "br", "gzip;q=0", "*;q=0", "deflate, *;q=0"])
def test_plain_bytes_for_a_browser_that_does_not_accept_gzip(served, accept):
    name = "vendor/plotly-basic.min.js"
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    status, got, body = _get(served, PREFIX + name, headers)
    assert status == 200 and "content-encoding" not in got
    assert body == (cf.FOLDER / name).read_bytes()


def test_the_headers_are_streamlits(served):
    """The Content-Type Streamlit's own component route sends for each file."""
    from streamlit.web.server.component_file_utils import guess_content_type

    for name in FILES:
        status, headers, _ = _get(served, PREFIX + name, {"Accept-Encoding": "gzip"})
        assert status == 200
        expected = guess_content_type(str(cf.FOLDER / name))
        assert headers["content-type"].split(";")[0] == expected, name


def test_a_copy_the_browser_holds_costs_a_304(served):
    _, first, _ = _get(served, PREFIX + "race.js", {"Accept-Encoding": "gzip"})
    status, headers, body = _get(
        served, PREFIX + "race.js", {"Accept-Encoding": "gzip", "If-None-Match": first["etag"]}
    )
    assert (status, body) == (304, b"") and headers["etag"] == first["etag"]
    status, _, body = _get(served, PREFIX + "race.js", {"If-None-Match": '"an-old-one"'})
    assert status == 200 and body == (cf.FOLDER / "race.js").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "../../app.py",
        "../race_chart.py",
        "%2e%2e/%2e%2e/app.py",
        "..%2f..%2fapp.py",
        "%2E%2E/race_chart.py",
        "vendor/../../race_chart.py",
        "vendor/../index.html",  # inside, but never built from the request's path
        "./index.html",
        "/etc/passwd",
        "vendor",
        "vendor/",
        "",
        "nothing.js",
        "index.html%00.js",
        "..\\race_chart.py",
    ],
)
def test_anything_but_a_file_of_the_folder_is_a_404(served, path):
    status, _, body = _get(served, PREFIX + path, {"Accept-Encoding": "gzip"})
    assert status == 404
    assert b"import" not in body  # no Python source, whatever the path


def test_other_addresses_and_methods_pass_on(served):
    """Only GET and HEAD under the race component's prefix are answered here: another
    component's files, Streamlit's own, and an OPTIONS (CORS preflight) go on."""
    for path in ("/component/momentum_app.race.race_chart.race_feed/index.html", "/",
                 "/_stcore/health", f"/component/{cf.NAME}"):  # fmt: skip
        assert _get(served, path)[0] == 418, path
    assert _get(served, PREFIX + "index.html", method="OPTIONS")[0] == 418
    status, headers, body = _get(served, PREFIX + "race.js", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == (cf.FOLDER / "race.js").stat().st_size


def test_each_file_is_compressed_once_and_read_again_when_edited(tmp_path):
    folder = cf.Folder(tmp_path)
    (tmp_path / "race.js").write_text("let a = 1;\n" * 200)
    first = folder.load("race.js")
    assert folder.load("race.js") is first and folder.cached("race.js") is first
    assert folder.loads == 1
    (tmp_path / "race.js").write_text("let b = 2;\n" * 300)  # another size: seen at once
    assert folder.cached("race.js") is None
    again = folder.load("race.js")
    assert gzip.decompress(again.gzipped) == (tmp_path / "race.js").read_bytes()
    assert folder.loads == 2
    (tmp_path / "new.js").write_text("let c = 3;\n" * 50)  # added while served
    assert folder.load("new.js").plain == (tmp_path / "new.js").read_bytes()


def test_a_link_out_of_the_folder_is_not_served(tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("password = 1\n")
    inside = tmp_path / "component"
    inside.mkdir()
    (inside / "index.html").write_text("<p>race</p>\n")
    try:
        os.symlink(outside, inside / "leak.js")
        os.symlink(tmp_path, inside / "up")
    except OSError:
        pytest.skip("no symbolic links here")
    folder = cf.Folder(inside)
    assert folder.load("index.html") is not None
    assert folder.load("leak.js") is None
    assert folder.load("up/secret.py") is None


def test_the_base_path_moves_the_prefix(unused_port):
    app = cf.ComponentFiles(_streamlit, folder=cf.Folder(cf.FOLDER), base="/room/")
    server, thread = _serve(app, unused_port)
    try:
        status, _, body = _get(unused_port, f"/room/component/{cf.NAME}/transport.js")
        assert status == 200 and body == (cf.FOLDER / "transport.js").read_bytes()
        assert _get(unused_port, PREFIX + "transport.js")[0] == 418
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_serve_puts_the_middleware_before_streamlit():
    """serve.py hands the middleware to st.App (whose users' middleware runs before
    Streamlit's own, gzip included) and loads the files as the server starts."""
    source = (Path(__file__).parents[2] / "serve.py").read_text(encoding="utf-8")
    assert "middleware=component_files.middleware()" in source
    assert "component_files.RACE.load_all()" in source
    (middleware,) = cf.middleware()
    assert middleware.cls is cf.ComponentFiles
