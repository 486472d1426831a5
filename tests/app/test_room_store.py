"""The room stores (SQLite and Redis), one set of tests for both: state, answers, bounds,
malformed input and many writers at once."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from momentum_app.talk import room
from momentum_app.talk.room import AGAIN, CLOSED, FULL, OK, RedisStore, SqliteStore


def redis_server_binary() -> str | None:
    """Debian's redis-server, installed with apt-get when missing and we are root."""
    found = shutil.which("redis-server")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=False, env=env)
        found = shutil.which("redis-server")
    return found


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    pytest.importorskip("redis", reason="the redis client is in requirements.txt")
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("no redis-server (apt-get install redis-server, as root)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SqliteStore(tmp_path / "rooms.sqlite3")
    url = request.getfixturevalue("redis_url")
    made = RedisStore(url, prefix=f"t{time.monotonic_ns()}:room:")
    return made


DEVICE = "0" * 32


def device(i: int) -> str:
    return f"{i:032x}"


def test_publish_bumps_the_version_only_on_a_change(store):
    assert store.now("ABCD") is None
    first = store.publish("ABCD", "faster")
    assert (first.scene, first.revealed) == ("faster", False)
    assert store.publish("ABCD", "faster").version == first.version
    second = store.publish("ABCD", "escape")
    assert second.version == first.version + 1
    assert store.now("ABCD") == second
    assert store.publish("ABCD", "escape", revealed=True).version == second.version + 1


def test_one_answer_per_device_the_first_kept(store):
    store.publish("ROOM", "faster")
    assert store.answer("ROOM", "faster", DEVICE, 2) == OK
    assert store.answer("ROOM", "faster", DEVICE, 1) == AGAIN
    assert store.answer("ROOM", "faster", device(1), 1) == OK
    assert store.tally("ROOM", "faster") == {2: 1, 1: 1}


def test_only_the_current_unrevealed_question_takes_answers(store):
    assert store.answer("NONE", "faster", DEVICE, 0) == CLOSED  # no such room
    store.publish("ROOM", "faster")
    assert store.answer("ROOM", "escape", DEVICE, 0) == CLOSED
    store.publish("ROOM", "faster", revealed=True)
    assert store.answer("ROOM", "faster", DEVICE, 0) == CLOSED
    assert store.tally("ROOM", "faster") == {}


def test_answers_per_question_are_capped(store, monkeypatch):
    monkeypatch.setattr(room, "MAX_ANSWERS", 3)
    store.publish("ROOM", "faster")
    results = [store.answer("ROOM", "faster", device(i), 0) for i in range(5)]
    assert results == [OK, OK, OK, FULL, FULL]
    assert store.tally("ROOM", "faster") == {0: 3}


def test_rooms_are_capped_least_recently_used_first(store, monkeypatch):
    monkeypatch.setattr(room, "MAX_ROOMS", 3)
    for name in ("AAAA", "BBBB", "CCCC"):
        store.publish(name, "faster")
    store.answer("AAAA", "faster", DEVICE, 0)
    store.publish("BBBB", "escape")  # B used again: A is now the oldest
    store.publish("DDDD", "faster")
    assert store.now("AAAA") is None
    assert store.tally("AAAA", "faster") == {}
    assert all(store.now(n) is not None for n in ("BBBB", "CCCC", "DDDD"))


MALFORMED = [
    ("abcd", "faster", DEVICE, 0),  # lower case room
    ("AB", "faster", DEVICE, 0),
    ("ABCD'; DROP TABLE rooms;--", "faster", DEVICE, 0),
    ("ABCD", "Faster!", DEVICE, 0),
    ("ABCD", "faster", "not-hex", 0),
    ("ABCD", "faster", DEVICE + "0", 0),
    ("ABCD", "faster", DEVICE, -1),
    ("ABCD", "faster", DEVICE, room.MAX_CHOICES),
    ("ABCD", "faster", DEVICE, True),
    ("ABCD", "faster", DEVICE, "1"),
    (None, "faster", DEVICE, 0),
]


@pytest.mark.parametrize("args", MALFORMED, ids=[str(i) for i in range(len(MALFORMED))])
def test_malformed_answers_are_refused(store, args):
    store.publish("ABCD", "faster")
    with pytest.raises(ValueError):
        store.answer(*args)
    assert store.tally("ABCD", "faster") == {}


def test_malformed_publish_is_refused(store):
    with pytest.raises(ValueError):
        store.publish("abc", "faster")
    with pytest.raises(ValueError):
        store.publish("ABCD", "../etc")


def test_many_writers_at_once_lose_nothing(store, monkeypatch):
    monkeypatch.setattr(room, "MAX_ANSWERS", 120)
    store.publish("ROOM", "faster")

    def answer(i: int) -> str:
        return store.answer("ROOM", "faster", device(i % 150), i % 4)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(answer, range(300)))  # each device twice
    assert results.count(OK) == 120  # the cap holds under concurrency
    assert results.count(FULL) + results.count(AGAIN) == 180
    assert sum(store.tally("ROOM", "faster").values()) == 120


def test_sqlite_processes_share_one_file(tmp_path):
    """Two stores on one file (as two workers would open it) see each other at once."""
    a, b = SqliteStore(tmp_path / "r.sqlite3"), SqliteStore(tmp_path / "r.sqlite3")
    a.publish("ROOM", "faster")
    assert b.answer("ROOM", "faster", DEVICE, 1) == OK
    assert a.tally("ROOM", "faster") == {1: 1}
    assert b.publish("ROOM", "escape").version == a.now("ROOM").version


def test_open_store_reads_the_address(tmp_path, monkeypatch):
    room.open_store.cache_clear()
    monkeypatch.setenv("MOMENTUM_ROOM_STORE", str(tmp_path / "x.sqlite3"))
    assert isinstance(room.open_store(), SqliteStore)
    assert isinstance(room.open_store("redis://127.0.0.1:1/0"), RedisStore)  # lazy: no connect
    room.open_store.cache_clear()


def test_new_ids_are_well_formed():
    assert room.ROOM_ID.fullmatch(room.new_room_id())
    assert room.DEVICE_ID.fullmatch(room.new_device_id())


def test_a_flooding_device_is_refused_and_the_room_still_answers(store):
    """One device repeating its answer a thousand times (from another thread) neither
    counts twice nor keeps the room's other devices from answering."""
    store.publish("ROOM", "faster")
    assert store.answer("ROOM", "faster", DEVICE, 0) == OK

    def flood() -> set[str]:
        return {store.answer("ROOM", "faster", DEVICE, 1) for _ in range(1000)}

    with ThreadPoolExecutor(2) as pool:
        flooding = pool.submit(flood)
        started = time.perf_counter()
        others = [store.answer("ROOM", "faster", device(i), 1) for i in range(1, 31)]
        took = time.perf_counter() - started
        assert flooding.result() == {AGAIN}
    assert others == [OK] * 30
    assert store.tally("ROOM", "faster") == {0: 1, 1: 30}
    print(f"30 answers during a flood: {took * 1000:.0f} ms")
