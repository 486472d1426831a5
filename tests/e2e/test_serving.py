"""The app as it is served (``serve.py``): the race component's files answered from memory
by momentum_app.race.component_files, ahead of Streamlit's own component route, before any
page has run; and answers on a kept-alive connection without Nagle's 40 ms wait
(momentum_app.talk.nodelay)."""

from __future__ import annotations

import gzip
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from momentum_app.race import component_files as cf


def _fetch(url: str, headers: dict[str, str]):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.mark.parametrize("name", ["index.html", "race.js", "vendor/plotly-basic.min.js"])
def test_the_served_app_answers_the_race_files_from_memory(app_url, name):
    """The ETag is this module's (Streamlit's route sends none): its middleware answered."""
    base = f"{app_url}/component/{cf.NAME}/"
    status, headers, body = _fetch(base + name, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["ETag"]
    assert gzip.decompress(body) == (cf.FOLDER / name).read_bytes()
    status, headers, body = _fetch(base + name, {})
    assert status == 200 and "Content-Encoding" not in headers
    assert body == (cf.FOLDER / name).read_bytes()
    assert _fetch(base + "%2e%2e/%2e%2e/app.py", {})[0] == 404


def test_a_kept_alive_connection_answers_without_waiting(app_url):
    """The second and later requests on one connection: with Nagle's algorithm on the
    server's socket each took 44 ms (the body waited for the browser's delayed ACK of the
    head); now a few ms."""
    address = urllib.parse.urlsplit(app_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    times = []
    try:
        for path in ["/_stcore/health", f"/component/{cf.NAME}/transport.js"] * 5:
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200 and response.read()
            times.append(time.perf_counter() - start)
    finally:
        connection.close()
    # With Nagle's algorithm on, every one of them waits for the delayed ACK (>= 40 ms on
    # Linux); the fastest is what tells, not the median of a busy machine.
    assert min(times[1:]) < 0.03, [round(t * 1000) for t in times]
