"""The room's long poll (momentum_app.talk.room_watch): a waiter wakes when the presenter
moves, not before; many waiters cost one read of the store a tick; bad requests get one
line; the route answers over HTTP as the browser asks it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest

from momentum_app.talk import room_watch
from momentum_app.talk.room import SqliteStore


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "rooms.sqlite3")


@pytest.fixture
def opened(store):
    made = store.open("10.0.0.1")
    store.publish(made.room, made.key, "faster")  # version 1
    return made


def test_a_stale_version_is_answered_at_once(store, opened):
    watch = room_watch.Watch(store, tick=0.02)
    assert asyncio.run(watch.wait(opened.room, 0, timeout=5)) == 1


def test_a_waiter_wakes_when_the_presenter_moves(store, opened):
    watch = room_watch.Watch(store, tick=0.02)

    async def scenario():
        waiting = asyncio.create_task(watch.wait(opened.room, 1, timeout=10))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # nothing moved: still waiting
        store.publish(opened.room, opened.key, "momentum-helps")
        return await asyncio.wait_for(waiting, 2)

    assert asyncio.run(scenario()) == 2


def test_nothing_moves_then_the_same_version_after_the_timeout(store, opened):
    watch = room_watch.Watch(store, tick=0.02)
    assert asyncio.run(watch.wait(opened.room, 1, timeout=0.2)) == 1
    assert watch.waiting() == 0  # the waiter is gone


def test_many_waiters_cost_one_read_a_tick(store, opened):
    """A hundred followers of one room: the store is read once a tick, not once each."""
    watch = room_watch.Watch(store, tick=0.05)

    async def scenario():
        waiters = [asyncio.create_task(watch.wait(opened.room, 1, timeout=10)) for _ in range(100)]
        await asyncio.sleep(0.5)
        reads = watch.reads
        store.publish(opened.room, opened.key, "momentum-helps")
        return reads, await asyncio.wait_for(asyncio.gather(*waiters), 2)

    reads, versions = asyncio.run(scenario())
    assert versions == [2] * 100
    assert 3 <= reads <= 16  # ~10 ticks in 0.5 s, plus the first read; 100 would be per waiter


def test_a_room_nobody_presents_is_version_0(store):
    made = store.open("10.0.0.2")  # opened, nothing shown yet
    watch = room_watch.Watch(store, tick=0.02)
    assert asyncio.run(watch.wait(made.room, 0, timeout=0.1)) == 0
    assert asyncio.run(watch.wait("ZZZZ", 0, timeout=0.1)) == 0  # no such room


def test_too_many_waiters_are_told_to_come_back(store, opened, monkeypatch):
    monkeypatch.setattr(room_watch, "MAX_WAITERS", 3)
    watch = room_watch.Watch(store, tick=0.02)

    async def scenario():
        waiters = [asyncio.create_task(watch.wait(opened.room, 1, timeout=1)) for _ in range(3)]
        await asyncio.sleep(0.1)
        with pytest.raises(OverflowError):
            await watch.wait(opened.room, 1, timeout=1)
        await asyncio.gather(*waiters)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"room": "ab", "after": "1"}, "a room id"),
        ({"after": "1"}, "a room id"),
        ({"room": "K7QD", "after": "-1"}, "whole number"),
        ({"room": "K7QD", "after": "1e9"}, "whole number"),
        ({"room": "K7QD", "after": "9" * 13}, "whole number"),
    ],
)
def test_a_malformed_request_is_one_line(query, said):
    with pytest.raises(ValueError, match=said):
        room_watch.parse(query)
    assert room_watch.parse({"room": "K7QD"}) == ("K7QD", 0)


def _get(port: int, path: str) -> tuple[int, str]:
    """An HTTP GET over a raw socket, as a browser's fetch would send it."""

    async def go():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        raw = await reader.read()
        writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split()[1]), body.decode()

    return asyncio.run(go())


def test_the_route_answers_over_http(store, opened, monkeypatch, unused_port):
    """The route as served (uvicorn, as under ``st.App``): a stale version at once as JSON,
    a bad room a 400 with one line."""
    uvicorn = pytest.importorskip("uvicorn")
    from starlette.applications import Starlette

    monkeypatch.setattr(room_watch, "WATCH", room_watch.Watch(store, tick=0.02))
    monkeypatch.setattr(room_watch, "served", False)
    app = Starlette(routes=room_watch.routes())
    assert room_watch.served  # pages know the browser may wait here
    server = uvicorn.Server(uvicorn.Config(app, port=unused_port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            asyncio.run(asyncio.sleep(0.02))
        status, body = _get(unused_port, f"{room_watch.PATH}?room={opened.room}&after=0")
        assert (status, json.loads(body)) == (200, {"version": 1})
        status, body = _get(unused_port, f"{room_watch.PATH}?room=no&after=0")
        assert status == 400 and body.count("\n") == 1 and "room id" in body
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
