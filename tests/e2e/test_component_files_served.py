"""The race component's files as the app is served (``serve.py``): answered from memory by
momentum_app.race.component_files, ahead of Streamlit's own component route, before any
page has run."""

from __future__ import annotations

import gzip
import urllib.error
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
