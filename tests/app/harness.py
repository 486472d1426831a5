"""Opening the app as a visitor does, for Streamlit's AppTest: written once for every test."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


def open_app(query: dict[str, str] | None = None) -> AppTest:
    """``/`` opened from a link with ``query`` (it forwards to the playground)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def page_at(page: str, query: dict[str, str] | None = None, *, present: bool = False) -> AppTest:
    """``page`` opened from a link holding exactly ``query`` (plus ``present=1``), in a
    session that has been to ``/`` first: the playground's own parameters, which that first
    run leaves in the address, are dropped."""
    at = open_app()
    at.switch_page(page)
    at.query_params.clear()
    at.query_params.update({**(query or {}), **({"present": "1"} if present else {})})
    at.run()
    assert not at.exception, at.exception
    return at


def component_args(at: AppTest, name: str) -> list[dict]:
    """The arguments of every instance of the component ``name`` on the page."""
    found = at.get("component_instance")
    return [json.loads(c.proto.json_args) for c in found if c.proto.component_name.endswith(name)]


def fresh_room_store(tmp_path, monkeypatch):
    """A room store of the test's own (an empty SQLite file), as every page will open it;
    the generator behind the room tests' ``store`` fixtures."""
    from momentum_app.talk import room

    monkeypatch.setenv("MOMENTUM_ROOM_STORE", str(tmp_path / "rooms.sqlite3"))
    room.open_store.cache_clear()
    yield room.open_store()
    room.open_store.cache_clear()


def set_off_at_once(monkeypatch) -> list[tuple]:
    """``compute.ahead`` made to compute at once (a done Future): returns the list of the
    argument tuples it was given, for tests of what a page sets off ahead."""
    from concurrent.futures import Future

    from momentum_app.ui import compute

    set_off: list[tuple] = []

    def ahead(fn, *args):
        set_off.append(args)
        done = Future()
        done.set_result(fn(*args))
        return done

    monkeypatch.setattr(compute, "ahead", ahead)
    return set_off
