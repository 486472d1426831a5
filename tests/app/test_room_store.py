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


@pytest.fixture
def opened(store):
    """A room opened by its presenter."""
    return store.open("10.0.0.1")


def present(store, opened, scene: str, revealed: bool = False):
    return store.publish(opened.room, opened.key, scene, revealed)


def test_publish_bumps_the_version_only_on_a_change(store, opened):
    assert store.now(opened.room) is None  # open, nothing shown yet
    first = present(store, opened, "faster")
    assert (first.scene, first.revealed) == ("faster", False)
    assert present(store, opened, "faster").version == first.version
    second = present(store, opened, "escape")
    assert second.version == first.version + 1
    assert store.now(opened.room) == second
    assert present(store, opened, "escape", revealed=True).version == second.version + 1


def test_one_answer_per_device_the_first_kept(store, opened):
    present(store, opened, "faster")
    assert store.answer(opened.room, "faster", DEVICE, 2) == OK
    assert store.answer(opened.room, "faster", DEVICE, 0) == AGAIN
    assert store.answer(opened.room, "faster", device(1), 2) == OK
    assert store.tally(opened.room, "faster") == {2: 2}


def test_a_device_finds_its_own_answer(store, opened):
    present(store, opened, "faster")
    assert store.mine(opened.room, "faster", DEVICE) is None
    store.answer(opened.room, "faster", DEVICE, 2)
    store.answer(opened.room, "faster", DEVICE, 1)  # the first answer is kept
    assert store.mine(opened.room, "faster", DEVICE) == 2
    assert store.mine(opened.room, "faster", device(9)) is None
    with pytest.raises(ValueError):
        store.mine(opened.room, "faster", "not-a-device")


def test_only_the_current_unrevealed_question_takes_answers(store, opened):
    assert store.answer("NONE", "faster", DEVICE, 0) == CLOSED
    present(store, opened, "faster")
    assert store.answer(opened.room, "escape", DEVICE, 0) == CLOSED
    present(store, opened, "faster", revealed=True)
    assert store.answer(opened.room, "faster", DEVICE, 0) == CLOSED
    assert store.tally(opened.room, "faster") == {}


def test_answers_per_question_are_capped(store, opened, monkeypatch):
    monkeypatch.setattr(room, "MAX_ANSWERS", 3)
    present(store, opened, "faster")
    results = [store.answer(opened.room, "faster", device(i), 0) for i in range(5)]
    assert results == [OK, OK, OK, FULL, FULL]
    assert store.tally(opened.room, "faster") == {0: 3}


def test_only_the_key_presents(store, opened):
    """The hijack of #25: a follower who edits its address to present=1 has the room's id
    but not its key, and can neither move the room nor take it over."""
    present(store, opened, "faster")
    for key in ("", "x" * 32, opened.key[:-1], opened.key + "x", None, 7):
        assert not store.holds(opened.room, key)
        with pytest.raises(room.NotPresenter):
            store.publish(opened.room, key, "escape")
    assert store.now(opened.room).scene == "faster"
    assert store.holds(opened.room, opened.key)
    other = store.open("10.0.0.2")
    assert other.room != opened.room and other.key != opened.key
    with pytest.raises(room.NotPresenter):  # another room's key is no key to this one
        store.publish(opened.room, other.key, "escape")
    with pytest.raises(room.RoomGone):
        store.publish("GONE", opened.key, "escape")


def test_opening_rooms_never_closes_a_room_in_use(store, opened, monkeypatch):
    """The flood of #25: 200 rooms opened from elsewhere evicted a live room with its
    answers. Now only idle rooms make way, and one client has a bounded share."""
    monkeypatch.setattr(room, "MAX_ROOMS", 6)
    present(store, opened, "faster")
    store.answer(opened.room, "faster", DEVICE, 1)
    flood = []
    for i in range(200):
        try:
            flood.append(store.open(f"10.0.1.{i % 7}"))
        except room.RoomsBusy as err:
            assert len(str(err).splitlines()) == 1
    assert len(flood) == 5  # the store is full of rooms in use: the rest are refused
    assert store.now(opened.room).scene == "faster"
    assert store.tally(opened.room, "faster") == {1: 1}
    assert present(store, opened, "escape").version == 2  # the version went on


def test_one_client_has_a_bounded_share(store):
    mine = [store.open("10.0.0.9") for _ in range(room.MAX_ROOMS_PER_OWNER)]
    assert len({o.room for o in mine}) == room.MAX_ROOMS_PER_OWNER
    with pytest.raises(room.RoomsBusy, match="this device has"):
        store.open("10.0.0.9")
    store.open("10.0.0.10")  # another client still may


def test_idle_rooms_make_way_least_recently_used_first(store, monkeypatch):
    monkeypatch.setattr(room, "MAX_ROOMS", 3)
    clock = [1_000_000.0]
    monkeypatch.setattr(room.time, "time", lambda: clock[0])
    a, b, c = (store.open(f"10.0.0.{i}") for i in range(3))
    for o in (a, b, c):
        present(store, o, "faster")
        clock[0] += 1  # a first, then b, then c: no ties in the order of use
    store.answer(a.room, "faster", DEVICE, 0)
    clock[0] += 10
    present(store, b, "escape")  # b used again: a is now the oldest
    clock[0] += room.IDLE_SECONDS - 5  # a and c idle, b not
    d = store.open("10.0.0.3")
    assert store.now(a.room) is None and store.tally(a.room, "faster") == {}
    assert all(store.now(o.room) is not None for o in (b, c))
    with pytest.raises(room.RoomGone):
        present(store, a, "escape")
    assert store.holds(d.room, d.key)


def test_a_followed_room_stays_in_use(store, opened, monkeypatch):
    monkeypatch.setattr(room, "MAX_ROOMS", 2)
    clock = [1_000_000.0]
    monkeypatch.setattr(room.time, "time", lambda: clock[0])
    present(store, opened, "faster")
    other = store.open("10.0.0.2")
    for _ in range(30):  # half an hour of following, nobody presenting
        clock[0] += 60.5
        assert store.now(opened.room) is not None
    store.open("10.0.0.3")  # the other room was idle: it made way, the followed one not
    assert store.now(opened.room).scene == "faster"
    assert not store.holds(other.room, other.key)


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
    opened = store.open("10.0.0.1")
    present(store, opened, "faster")
    args = (opened.room if args[0] == "ABCD" else args[0], *args[1:])
    with pytest.raises(ValueError):
        store.answer(*args)
    assert store.tally(opened.room, "faster") == {}


def test_malformed_publish_is_refused(store, opened):
    with pytest.raises(ValueError):
        store.publish("abc", opened.key, "faster")
    with pytest.raises(ValueError):
        store.publish(opened.room, opened.key, "../etc")


def test_many_writers_at_once_lose_nothing(store, opened, monkeypatch):
    monkeypatch.setattr(room, "MAX_ANSWERS", 120)
    present(store, opened, "faster")

    def answer(i: int) -> str:
        return store.answer(opened.room, "faster", device(i % 150), i % 4)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(answer, range(300)))  # each device twice
    assert results.count(OK) == 120  # the cap holds under concurrency
    assert results.count(FULL) + results.count(AGAIN) == 180
    assert sum(store.tally(opened.room, "faster").values()) == 120


def test_sqlite_processes_share_one_file(tmp_path):
    """Two stores on one file (as two workers would open it) see each other at once."""
    a, b = SqliteStore(tmp_path / "r.sqlite3"), SqliteStore(tmp_path / "r.sqlite3")
    opened = a.open("10.0.0.1")
    a.publish(opened.room, opened.key, "faster")
    assert b.answer(opened.room, "faster", DEVICE, 1) == OK
    assert a.tally(opened.room, "faster") == {1: 1}
    assert b.publish(opened.room, opened.key, "escape").version == a.now(opened.room).version


def test_a_store_file_from_before_keys_is_renewed(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE rooms (room TEXT PRIMARY KEY, scene TEXT NOT NULL, revealed INTEGER "
            "NOT NULL, version INTEGER NOT NULL, used REAL NOT NULL)"
        )
        db.execute("INSERT INTO rooms VALUES ('ABCD', 'faster', 0, 3, 0)")
    store = SqliteStore(path)
    assert store.now("ABCD") is None
    opened = store.open("me")
    assert present(store, opened, "faster").version == 1


def test_open_store_reads_the_address(tmp_path, monkeypatch):
    room.open_store.cache_clear()
    monkeypatch.setenv("MOMENTUM_ROOM_STORE", str(tmp_path / "x.sqlite3"))
    assert isinstance(room.open_store(), SqliteStore)
    assert isinstance(room.open_store("redis://127.0.0.1:1/0"), RedisStore)  # lazy: no connect
    room.open_store.cache_clear()


def test_new_ids_are_well_formed():
    assert room.ROOM_ID.fullmatch(room.new_room_id())
    assert room.DEVICE_ID.fullmatch(room.new_device_id())


def test_a_flooding_device_is_refused_and_the_room_still_answers(store, opened):
    """One device repeating its answer a thousand times (from another thread) neither
    counts twice nor keeps the room's other devices from answering."""
    present(store, opened, "faster")
    r = opened.room
    assert store.answer(r, "faster", DEVICE, 0) == OK

    def flood() -> set[str]:
        return {store.answer(r, "faster", DEVICE, 1) for _ in range(1000)}

    with ThreadPoolExecutor(2) as pool:
        flooding = pool.submit(flood)
        started = time.perf_counter()
        others = [store.answer(r, "faster", device(i), 1) for i in range(1, 31)]
        took = time.perf_counter() - started
        assert flooding.result() == {AGAIN}
    assert others == [OK] * 30
    assert store.tally(r, "faster") == {0: 1, 1: 30}
    print(f"30 answers during a flood: {took * 1000:.0f} ms")


# --- point answers: a tap on the landscape (a scene's kind = "point" question) --------------


def test_one_point_per_device_the_first_kept(store, opened):
    present(store, opened, "no-escape")
    assert store.answer_point(opened.room, "no-escape", DEVICE, 1.25, -3.5) == OK
    assert store.answer_point(opened.room, "no-escape", DEVICE, 9.0, 9.0) == AGAIN
    assert store.answer_point(opened.room, "no-escape", device(1), -2, 0.125) == OK
    assert sorted(store.points(opened.room, "no-escape")) == [(-2.0, 0.125), (1.25, -3.5)]
    assert store.my_point(opened.room, "no-escape", DEVICE) == (1.25, -3.5)
    assert store.my_point(opened.room, "no-escape", device(7)) is None
    # Points and choices are apart: a point is no choice's vote.
    assert store.tally(opened.room, "no-escape") == {}


def test_a_point_keeps_its_exact_floats(store, opened):
    present(store, opened, "no-escape")
    x, y = 0.1 + 0.2, -1 / 3
    store.answer_point(opened.room, "no-escape", DEVICE, x, y)
    assert store.my_point(opened.room, "no-escape", DEVICE) == (x, y)


def test_points_go_only_to_the_current_unrevealed_question(store, opened):
    assert store.answer_point("NONE", "no-escape", DEVICE, 0.0, 0.0) == CLOSED
    present(store, opened, "no-escape")
    assert store.answer_point(opened.room, "escape", DEVICE, 0.0, 0.0) == CLOSED
    present(store, opened, "no-escape", revealed=True)
    assert store.answer_point(opened.room, "no-escape", DEVICE, 0.0, 0.0) == CLOSED
    assert store.points(opened.room, "no-escape") == []


def test_points_per_question_are_capped(store, opened, monkeypatch):
    monkeypatch.setattr(room, "MAX_ANSWERS", 3)
    present(store, opened, "no-escape")
    said = [store.answer_point(opened.room, "no-escape", device(i), i, -i) for i in range(5)]
    assert said == [OK, OK, OK, FULL, FULL]
    assert len(store.points(opened.room, "no-escape")) == 3


MALFORMED_POINTS = [
    (float("nan"), 0.0),
    (0.0, float("inf")),
    (room.MAX_COORD * 2, 0.0),
    ("1", 0.0),
    (None, 0.0),
    (True, 0.0),
    ([1.0], 2.0),
]


@pytest.mark.parametrize("xy", MALFORMED_POINTS, ids=[repr(p) for p in MALFORMED_POINTS])
def test_malformed_points_are_refused(store, opened, xy):
    present(store, opened, "no-escape")
    with pytest.raises(ValueError, match="a point is two finite numbers"):
        store.answer_point(opened.room, "no-escape", DEVICE, *xy)
    with pytest.raises(ValueError):
        store.answer_point(opened.room, "no-escape", "not-hex", 0.0, 0.0)
    assert store.points(opened.room, "no-escape") == []


def test_many_tapping_at_once_lose_nothing(store, opened, monkeypatch):
    monkeypatch.setattr(room, "MAX_ANSWERS", 120)
    present(store, opened, "no-escape")

    def tap(i: int) -> str:
        return store.answer_point(opened.room, "no-escape", device(i % 150), i / 7, -i / 3)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(tap, range(300)))  # each device twice
    assert results.count(OK) == 120
    assert results.count(FULL) + results.count(AGAIN) == 180
    assert len(store.points(opened.room, "no-escape")) == 120


def test_an_idle_rooms_points_leave_with_it(store, monkeypatch):
    monkeypatch.setattr(room, "MAX_ROOMS", 1)
    first = store.open("10.0.0.1")
    store.publish(first.room, first.key, "no-escape")
    store.answer_point(first.room, "no-escape", DEVICE, 1.0, 2.0)
    monkeypatch.setattr(room, "IDLE_SECONDS", -1)  # every room is idle now
    second = store.open("10.0.0.2")
    assert second.room != first.room
    assert store.points(first.room, "no-escape") == []


def test_sqlite_lends_its_connections_to_every_thread(tmp_path):
    """Streamlit runs each page run in a new thread: forty runs, one after another, reuse one
    connection (a connection a thread cost every follower's run a new connection's set-up)."""
    import threading

    store = SqliteStore(tmp_path / "rooms.sqlite3")
    made = store.open("10.0.0.1")
    store.publish(made.room, made.key, "faster")
    seen = []
    for _ in range(40):
        thread = threading.Thread(target=lambda: seen.append(store.now(made.room).version))
        thread.start()
        thread.join()
    assert seen == [1] * 40
    assert len(store._idle) == 1


# --- a presenter's own talk, kept for a while (My talk's room and its link) -------------

TALK = '[[scene]]\nname = "a"\ntitle = "A"\n'


def test_a_talk_is_kept_under_an_id_from_its_text_and_read_back(store):
    first = store.save_talk("10.0.0.1", TALK)
    assert room.TALK_ID.fullmatch(first)
    assert store.talk(first) == TALK
    assert store.save_talk("10.0.0.2", TALK) == first  # the same talk, the same id
    other = store.save_talk("10.0.0.1", TALK + "# another\n")
    assert other != first and store.talk(other).endswith("# another\n")
    assert store.talk("ABCDEFGHJKLM") is None  # never saved


def test_a_talk_over_the_size_cap_or_a_malformed_id_is_refused(store):
    with pytest.raises(ValueError, match="64 kB"):
        store.save_talk("10.0.0.1", "#" * (room.MAX_TALK_BYTES + 1))
    assert room.talk_id("#" * room.MAX_TALK_BYTES)  # the cap itself is taken
    store.save_talk("10.0.0.1", "#" * room.MAX_TALK_BYTES)
    for bad in ("", "abc", "../../etc/passwd", "A" * 13, None, 12):
        with pytest.raises(ValueError, match="talk id"):
            store.talk(bad)


def test_a_talk_expires(store, monkeypatch):
    monkeypatch.setattr(room, "TALK_SECONDS", 1)
    talk = store.save_talk("10.0.0.1", TALK)
    assert store.talk(talk) == TALK
    time.sleep(1.3)
    assert store.talk(talk) is None


def test_talks_are_capped_in_all_and_per_client(store, monkeypatch):
    monkeypatch.setattr(room, "MAX_TALKS_PER_OWNER", 2)
    monkeypatch.setattr(room, "MAX_TALKS", 3)
    kept = [store.save_talk("10.0.0.1", f"{TALK}# {i}\n") for i in range(2)]
    with pytest.raises(room.TalksFull, match="this device keeps 2"):
        store.save_talk("10.0.0.1", TALK + "# 2\n")
    assert store.save_talk("10.0.0.1", TALK + "# 0\n") == kept[0]  # kept again: no new one
    store.save_talk("10.0.0.2", TALK)
    with pytest.raises(room.TalksFull, match="3 talks"):
        store.save_talk("10.0.0.3", TALK + "# 9\n")
    assert all(store.talk(t) for t in kept)


def test_a_room_carries_its_talk_to_followers(store, opened):
    talk = store.save_talk("10.0.0.1", TALK)
    before = store.publish(opened.room, opened.key, "a")
    assert before.talk == "" and store.now(opened.room).talk == ""
    now = store.publish(opened.room, opened.key, "a", talk=talk)
    assert now.version == before.version + 1  # same scene name, another talk: a change
    assert store.now(opened.room) == now and now.talk == talk
    with pytest.raises(ValueError, match="talk id"):
        store.publish(opened.room, opened.key, "a", talk="nope")


# --- a β or a cell of the pad: kept as points (room.guess_point), read back as guesses -----


@pytest.mark.parametrize(
    ("kind", "guess", "point"),
    [
        ("beta", (0.87,), (0.87, 0.0)),
        ("pad", (1.897, 0.35), (1.897, 0.35)),
        ("point", (-1.5, 2.25), (-1.5, 2.25)),
    ],
    ids=["beta", "pad", "point"],
)
def test_a_guess_of_each_kind_is_kept_once_a_device_and_read_back(
    store, opened, kind, guess, point
):
    present(store, opened, "pick-beta")
    said = store.answer_point(opened.room, "pick-beta", DEVICE, *room.guess_point(kind, guess))
    assert said == OK
    again = room.guess_point(kind, tuple(v / 2 for v in guess))
    assert store.answer_point(opened.room, "pick-beta", DEVICE, *again) == AGAIN
    kept = store.my_point(opened.room, "pick-beta", DEVICE)
    assert kept == point and room.point_guess(kind, kept) == guess
    assert [room.point_guess(kind, p) for p in store.points(opened.room, "pick-beta")] == [guess]


@pytest.mark.parametrize(
    ("kind", "guess"),
    [
        ("beta", (1.5,)),
        ("beta", (-0.1,)),
        ("beta", (0.5, 0.5)),
        ("pad", (0.0, 0.5)),
        ("pad", (0.1, 2.0)),
        ("pad", (0.1,)),
        ("point", (1.0,)),
    ],
)
def test_a_guess_out_of_its_range_is_refused_before_the_store(kind, guess):
    with pytest.raises(ValueError, match="guess") as err:
        room.guess_point(kind, guess)
    assert "\n" not in str(err.value)
