"""A room: the presenter's current scene and the room's answers, in a store every worker reaches.

Sessions of one room land on different processes (``scripts/serve-room.sh`` spreads browsers
over its workers), so nothing about a room lives in a process. Two stores behind one small
interface (:class:`RoomStore`):

- :class:`SqliteStore`, the default: one SQLite file in WAL mode, for workers on one machine
  (readers never wait for the writer, so thirty followers polling cost one indexed read each).
- :class:`RedisStore`, for workers on several machines (``MOMENTUM_ROOM_STORE=redis://...``).

Everything a client sends is checked here, at the boundary (:func:`check_answer`): a room id
is 4-8 capitals or digits, a device id 32 hex digits, an answer the index of one of at most
:data:`MAX_CHOICES` choices or a point (two finite numbers within :data:`MAX_COORD`, a tap on
the landscape), and only the room's current question takes answers. Answers
are anonymous (a random device id) and one per device per question, the first one kept;
at most :data:`MAX_ANSWERS` per question.

Only the presenter presents: :meth:`RoomStore.open` gives the browser that opens a room a
secret key (the store keeps its hash), and publishing takes that key; no link carries it.
At most :data:`MAX_ROOMS` rooms live at once and :data:`MAX_ROOMS_PER_OWNER` per client;
only a room idle for :data:`IDLE_SECONDS` (nobody presented or followed it) ever makes
way for a new one, so opening rooms, however many, never closes a room in use, and a
room's version only grows.

A presenter's own talk (its scenes file, at most :data:`MAX_TALK_BYTES`) is kept in the
same store under an id taken from its text (the same talk, the same id), for
:data:`TALK_SECONDS` after it was last saved, at most :data:`MAX_TALKS` at once and
:data:`MAX_TALKS_PER_OWNER` a client; a room presenting it names it (:attr:`Now.talk`), so
followers read the presenter's scenes from the store, and ``/talk?talk=<id>`` opens it
later. Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

#: Bounds: answers per question, live rooms, choices per question.
MAX_ANSWERS = 500
MAX_ROOMS = 200
MAX_CHOICES = 8
#: A talk kept in the store: its scenes file's size (the upload limit), how long it is
#: kept after its last save (30 days), how many at once, and per client.
MAX_TALK_BYTES = 64_000
TALK_SECONDS = 30 * 24 * 3600
MAX_TALKS = 2_000
MAX_TALKS_PER_OWNER = 100
TALK_ID = re.compile(r"[A-Z0-9]{12}")
#: A point answer's coordinates are finite and at most this large (a tap on a landscape).
MAX_COORD = 1e6


#: Rooms one client (an address) may have in use at once: a presenter needs one, a
#: workshop's machine a few; one address cannot take more than a tenth of the rooms.
#: ``$MOMENTUM_ROOMS_PER_OWNER`` (1 to MAX_ROOMS) changes it where every browser has one
#: address (the browser tests' server, whose browsers are all this machine).
def _per_owner(default: int = 20) -> int:
    raw = os.environ.get("MOMENTUM_ROOMS_PER_OWNER", "").strip()
    return min(max(int(raw), 1), MAX_ROOMS) if raw.isdigit() else default


MAX_ROOMS_PER_OWNER = _per_owner()
#: A room nobody presented or followed for this long may make way for a new room.
IDLE_SECONDS = 20 * 60
#: A follower's poll marks its room as in use at most this often (a write each time).
SEEN_EVERY = 60.0
ROOM_ID = re.compile(r"[A-Z0-9]{4,8}")
DEVICE_ID = re.compile(r"[0-9a-f]{32}")
SCENE_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")
#: Letters for new room ids: no 0/O or 1/I, which a room reads off a projector.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: What :meth:`RoomStore.answer` says: kept, already answered, room full, not the question.
OK, AGAIN, FULL, CLOSED = "ok", "again", "full", "closed"


@dataclass(frozen=True)
class Now:
    """A room's state: the scene on the presenter's screen, whether its question's answer
    is shown, and a version that grows with every change (followers compare versions)."""

    scene: str
    revealed: bool
    version: int
    #: The id of the presenter's own talk whose scene this is ("": the built-in scenes).
    talk: str = ""


class RoomsBusy(ValueError):
    """No room can be opened now (every room is in use, or this client has its share)."""


class NotPresenter(PermissionError):
    """A publish without the room's key."""


class RoomGone(LookupError):
    """The room was closed (idle, it made way for another)."""


class TalksFull(ValueError):
    """No talk can be kept now (the store, or this client's share of it, is full)."""


@dataclass(frozen=True)
class Opened:
    """A new room and its presenter's secret key (never shown, never in a link)."""

    room: str
    key: str


def key_hash(key: str) -> str:
    """What the store keeps of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def _key_matches(stored: str | None, key: object) -> bool:
    if not isinstance(key, str) or stored is None:
        return False
    return hmac.compare_digest(stored, key_hash(key))


def new_room_id() -> str:
    """A random 4-character room id (about a million of them)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(4))


def talk_id(text: str) -> str:
    """A talk's id, from its text: 12 of the room alphabet's letters (60 bits of SHA-256)."""
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return "".join(_ALPHABET[(digest >> (5 * i)) & 31] for i in range(12))


def check_talk(text: object) -> str:
    """``text`` if it is a text of at most :data:`MAX_TALK_BYTES` (its scenes are checked
    where it is read, ``my_talk.read_talk``).

    Raises:
        ValueError: Otherwise.
    """
    if not isinstance(text, str) or len(text.encode()) > MAX_TALK_BYTES:
        raise ValueError(f"a talk is a scenes file of at most {MAX_TALK_BYTES // 1000} kB")
    return text


def check_talk_id(talk: object, empty: bool = False) -> str:
    """``talk`` if it is a talk id (or ``""`` with ``empty``).

    Raises:
        ValueError: Otherwise.
    """
    if not isinstance(talk, str) or not (TALK_ID.fullmatch(talk) or (empty and talk == "")):
        raise ValueError(f"a talk id is 12 capital letters or digits, got {talk!r:.40}")
    return talk


def new_device_id() -> str:
    """A random device id: 32 hex digits, nothing about the device."""
    return secrets.token_hex(16)


def check_room(room: object) -> str:
    """``room`` if it is a room id.

    Raises:
        ValueError: Otherwise.
    """
    if not isinstance(room, str) or not ROOM_ID.fullmatch(room):
        raise ValueError(f"a room id is 4-8 capital letters or digits, got {room!r:.40}")
    return room


def check_scene(scene: object) -> str:
    """``scene`` if it is a scene name (see ``scenes.toml``).

    Raises:
        ValueError: Otherwise.
    """
    if not isinstance(scene, str) or not SCENE_NAME.fullmatch(scene):
        raise ValueError(f"a scene name is lower-case letters, digits, '.', '-', got {scene!r:.40}")
    return scene


def check_answer(room: object, question: object, device: object, choice: object) -> None:
    """Check an answer as a client sent it.

    Raises:
        ValueError: On a malformed room, question, device id or choice.
    """
    check_room(room)
    check_scene(question)
    if not isinstance(device, str) or not DEVICE_ID.fullmatch(device):
        raise ValueError("a device id is 32 hex digits")
    if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < MAX_CHOICES:
        raise ValueError(f"an answer is a choice's index, 0 to {MAX_CHOICES - 1}")


def check_point(room: object, question: object, device: object, x: object, y: object) -> None:
    """Check a point answer (a tap on the landscape) as a client sent it.

    Raises:
        ValueError: On a malformed room, question or device id, or a coordinate that is no
            finite number within :data:`MAX_COORD`.
    """
    check_answer(room, question, device, 0)
    for v in (x, y):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) <= MAX_COORD:
            raise ValueError(f"a point is two finite numbers within ±{MAX_COORD:g}")


def guess_point(kind: str, guess: tuple[float, ...]) -> tuple[float, float]:
    """A guess on the chart as the store keeps it, a point: ``(x, y)`` tapped on the
    landscape (``kind`` "point"), ``(α, β)`` of a cell of the pad ("pad"), or a β picked
    on its slider as ``(β, 0)`` ("beta"); the store then takes every kind alike.

    Raises:
        ValueError: On a guess of the wrong length or range (a β in [0, 1], an α > 0).
    """
    size = {"point": 2, "pad": 2, "beta": 1}[kind]
    if len(guess) != size:
        raise ValueError(f"a {kind} guess is {size} number{'s' if size > 1 else ''}")
    if kind == "point":
        return float(guess[0]), float(guess[1])
    alpha, beta = (guess[0], guess[1]) if kind == "pad" else (1.0, guess[0])
    if not (0 <= beta <= 1 and 0 < alpha <= MAX_COORD):
        raise ValueError("a guess's β is in [0, 1] and its α above 0")
    return (float(alpha), float(beta)) if kind == "pad" else (float(beta), 0.0)


def point_guess(kind: str, point: tuple[float, float]) -> tuple[float, ...]:
    """The guess a kept point stands for (see :func:`guess_point`): ``(β,)`` for a β."""
    return (point[0],) if kind == "beta" else tuple(point)


class RoomStore(Protocol):
    """Where a room lives. Every method is safe to call from many threads and processes."""

    def open(self, owner: str) -> Opened:
        """A new room, for the client ``owner`` (its address), and its key. Raises
        :class:`RoomsBusy` when every room is in use or the client has
        :data:`MAX_ROOMS_PER_OWNER` in use; an idle room (see :data:`IDLE_SECONDS`), the
        least recently used first, makes way when the store is full."""

    def holds(self, room: str, key: str) -> bool:
        """Whether ``key`` is the room's presenter's key."""

    def publish(
        self, room: str, key: str, scene: str, revealed: bool = False, talk: str = ""
    ) -> Now:
        """Make ``scene`` (of the talk ``talk``, ``""``: the built-in scenes) the room's
        current scene; bumps the version only when something changed. Raises
        :class:`NotPresenter` for a wrong key, :class:`RoomGone` for a room that is no
        more."""

    def now(self, room: str) -> Now | None:
        """The room's state, or None for a room nobody presents (yet); a follower's poll,
        so it marks the room in use (at most every :data:`SEEN_EVERY` seconds)."""

    def answer(self, room: str, question: str, device: str, choice: int) -> str:
        """Record a device's answer to the room's current question; returns :data:`OK`,
        :data:`AGAIN` (first answer kept), :data:`FULL` or :data:`CLOSED` (not the current
        question, or no such room). Raises ValueError on malformed input."""

    def tally(self, room: str, question: str) -> dict[int, int]:
        """How many devices gave each answer (choice index -> count)."""

    def mine(self, room: str, question: str, device: str) -> int | None:
        """The answer ``device`` gave (kept), or None."""

    def answer_point(self, room: str, question: str, device: str, x: float, y: float) -> str:
        """Record a device's point (a tap on the landscape) for the room's current question,
        as :meth:`answer` does a choice: one a device, the first kept, at most
        :data:`MAX_ANSWERS`. Raises ValueError on malformed input."""

    def points(self, room: str, question: str) -> list[tuple[float, float]]:
        """Every device's point for ``question`` (in no particular order)."""

    def my_point(self, room: str, question: str, device: str) -> tuple[float, float] | None:
        """The point ``device`` gave (kept), or None."""

    def save_talk(self, owner: str, text: str) -> str:
        """Keep a talk's scenes file for :data:`TALK_SECONDS` from now; returns its id
        (:func:`talk_id`). Raises ValueError for a text over :data:`MAX_TALK_BYTES`,
        :class:`TalksFull` past :data:`MAX_TALKS` (or a client's share) of unexpired talks."""

    def talk(self, talk: str) -> str | None:
        """The talk ``talk``'s scenes file, or None (unknown, or expired)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    room TEXT PRIMARY KEY, scene TEXT NOT NULL, revealed INTEGER NOT NULL,
    version INTEGER NOT NULL, used REAL NOT NULL, key_hash TEXT NOT NULL,
    owner TEXT NOT NULL, talk TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS rooms_used ON rooms (used);
CREATE TABLE IF NOT EXISTS answers (
    room TEXT NOT NULL, question TEXT NOT NULL, device TEXT NOT NULL, choice INTEGER NOT NULL,
    PRIMARY KEY (room, question, device)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS points (
    room TEXT NOT NULL, question TEXT NOT NULL, device TEXT NOT NULL, x REAL NOT NULL,
    y REAL NOT NULL, PRIMARY KEY (room, question, device)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS talks (
    talk TEXT PRIMARY KEY, body TEXT NOT NULL, owner TEXT NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS talks_expires ON talks (expires);
"""


def _owner(owner: object) -> str:
    return str(owner)[:64] if owner else "?"


class SqliteStore:
    """A room store in one SQLite file (WAL mode), shared by the processes of one machine.

    Connections are lent from a pool of idle ones, whatever the thread: Streamlit runs every
    script run in a thread of its own, and a connection a thread (opened, set up in WAL mode,
    then left to the garbage collector) cost a follower's every page run a few milliseconds.
    ``synchronous=FULL``: an answer is on disk before it is acknowledged, so a killed worker
    (or a power cut) loses none that a follower saw accepted.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._idle: list[sqlite3.Connection] = []  # list.pop and append are atomic
        with self._lent() as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(rooms)")}
            if columns and "key_hash" not in columns:  # a file from before keys: rooms are brief
                db.executescript("DROP TABLE rooms; DROP TABLE IF EXISTS answers;")
            elif columns and "talk" not in columns:  # a file from before talks
                db.execute("ALTER TABLE rooms ADD COLUMN talk TEXT NOT NULL DEFAULT ''")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _lent(self):
        """An idle connection (or a new one), given back after use."""
        try:
            db = self._idle.pop()
        except IndexError:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                                 check_same_thread=False)  # fmt: skip
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
        try:
            yield db
        finally:
            self._idle.append(db)

    def _rows(self, sql: str, params: tuple) -> list:
        """Every row of one query."""
        with self._lent() as db:
            return db.execute(sql, params).fetchall()

    def _write(self, work):
        """``work(db)`` in one write transaction."""
        with self._lent() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return result

    def open(self, owner: str) -> Opened:
        owner, key = _owner(owner), secrets.token_urlsafe(24)

        def work(db: sqlite3.Connection) -> Opened:
            now = time.time()
            idle = now - IDLE_SECONDS
            mine = db.execute(
                "SELECT COUNT(*) FROM rooms WHERE owner = ? AND used >= ?", (owner, idle)
            ).fetchone()[0]
            if mine >= MAX_ROOMS_PER_OWNER:
                raise RoomsBusy(f"this device has {mine} rooms in use, the most it may have")
            over = db.execute("SELECT COUNT(*) FROM rooms").fetchone()[0] - MAX_ROOMS + 1
            if over > 0:
                gone = db.execute(
                    "SELECT room FROM rooms WHERE used < ? ORDER BY used LIMIT ?", (idle, over)
                ).fetchall()
                if len(gone) < over:
                    raise RoomsBusy(f"all {MAX_ROOMS} rooms are in use; try again later")
                for (old,) in gone:
                    db.execute("DELETE FROM rooms WHERE room = ?", (old,))
                    db.execute("DELETE FROM answers WHERE room = ?", (old,))
                    db.execute("DELETE FROM points WHERE room = ?", (old,))
            while True:
                room = new_room_id()
                if not db.execute("SELECT 1 FROM rooms WHERE room = ?", (room,)).fetchone():
                    break
            db.execute(
                "INSERT INTO rooms VALUES (?, '', 0, 0, ?, ?, ?, '')",
                (room, now, key_hash(key), owner),
            )
            return Opened(room, key)

        return self._write(work)

    def holds(self, room: str, key: str) -> bool:
        check_room(room)
        rows = self._rows("SELECT key_hash FROM rooms WHERE room = ?", (room,))
        return bool(rows) and _key_matches(rows[0][0], key)

    def publish(
        self, room: str, key: str, scene: str, revealed: bool = False, talk: str = ""
    ) -> Now:
        check_room(room)
        check_scene(scene)
        check_talk_id(talk, empty=True)

        def work(db: sqlite3.Connection) -> Now:
            row = db.execute(
                "SELECT scene, revealed, version, key_hash, talk FROM rooms WHERE room = ?",
                (room,),
            ).fetchone()
            if row is None:
                raise RoomGone(f"room {room} was closed")
            if not _key_matches(row[3], key):
                raise NotPresenter(f"room {room} is presented from another browser")
            version = row[2] + ((row[0], bool(row[1]), row[4]) != (scene, revealed, talk))
            db.execute(
                "UPDATE rooms SET scene = ?, revealed = ?, version = ?, used = ?, talk = ? "
                "WHERE room = ?",
                (scene, int(revealed), version, time.time(), talk, room),
            )
            return Now(scene, revealed, version, talk)

        return self._write(work)

    def now(self, room: str) -> Now | None:
        check_room(room)
        with self._lent() as db:
            row = db.execute(
                "SELECT scene, revealed, version, used, talk FROM rooms WHERE room = ?", (room,)
            ).fetchone()
            if row is None or not row[0]:
                return None
            if row[3] < time.time() - SEEN_EVERY:  # followed: in use (one write a minute)
                db.execute("UPDATE rooms SET used = ? WHERE room = ?", (time.time(), room))
        return Now(row[0], bool(row[1]), row[2], row[4])

    def answer(self, room: str, question: str, device: str, choice: int) -> str:
        check_answer(room, question, device, choice)
        return self._take("answers", room, question, device, (choice,))

    def _take(self, table: str, room: str, question: str, device: str, values: tuple) -> str:
        """One device's answer (a choice, or a point) into ``table``: the rules of every
        answer, whatever it holds (the room's question open, one a device, at most
        :data:`MAX_ANSWERS`). ``table`` is one of this store's own, never a caller's text."""
        # A device that answered already (a flooding client, a double tap) is told so by a
        # plain read, without the write lock that the room's other answers wait for.
        if self._kept(table, "1", room, question, device) is not None:
            return AGAIN
        where = "room = ? AND question = ?"

        def work(db: sqlite3.Connection) -> str:  # the checks and the insert as one step
            if not db.execute(
                "SELECT 1 FROM rooms WHERE room = ? AND scene = ? AND revealed = 0",
                (room, question),
            ).fetchone():
                return CLOSED
            if db.execute(f"SELECT 1 FROM {table} WHERE {where} AND device = ?",
                          (room, question, device)).fetchone():  # fmt: skip
                return AGAIN
            if db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}",
                          (room, question)).fetchone()[0] >= MAX_ANSWERS:  # fmt: skip
                return FULL
            marks = ", ".join("?" * (3 + len(values)))
            db.execute(f"INSERT INTO {table} VALUES ({marks})", (room, question, device, *values))
            return OK

        return self._write(work)

    def _kept(self, table: str, columns: str, room: str, question: str, device: str):
        """``columns`` of this device's answer in ``table``, or None."""
        rows = self._rows(
            f"SELECT {columns} FROM {table} WHERE room = ? AND question = ? AND device = ?",
            (room, question, device),
        )
        return rows[0] if rows else None

    def tally(self, room: str, question: str) -> dict[int, int]:
        check_room(room)
        check_scene(question)
        rows = self._rows(
            "SELECT choice, COUNT(*) FROM answers WHERE room = ? AND question = ? GROUP BY choice",
            (room, question),
        )
        return dict(rows)

    def mine(self, room: str, question: str, device: str) -> int | None:
        check_answer(room, question, device, 0)
        row = self._kept("answers", "choice", room, question, device)
        return None if row is None else row[0]

    def answer_point(self, room: str, question: str, device: str, x: float, y: float) -> str:
        check_point(room, question, device, x, y)
        return self._take("points", room, question, device, (float(x), float(y)))

    def points(self, room: str, question: str) -> list[tuple[float, float]]:
        check_room(room)
        check_scene(question)
        where = "room = ? AND question = ?"
        rows = self._rows(f"SELECT x, y FROM points WHERE {where}", (room, question))
        return [(float(x), float(y)) for x, y in rows]

    def my_point(self, room: str, question: str, device: str) -> tuple[float, float] | None:
        check_answer(room, question, device, 0)
        row = self._kept("points", "x, y", room, question, device)
        return None if row is None else (float(row[0]), float(row[1]))

    def save_talk(self, owner: str, text: str) -> str:
        talk, owner = talk_id(check_talk(text)), _owner(owner)

        def work(db: sqlite3.Connection) -> str:
            now = time.time()
            expires = now + TALK_SECONDS
            if db.execute("UPDATE talks SET expires = ? WHERE talk = ?", (expires, talk)).rowcount:
                return talk  # kept already: kept longer
            db.execute("DELETE FROM talks WHERE expires < ?", (now,))
            if db.execute("SELECT COUNT(*) FROM talks").fetchone()[0] >= MAX_TALKS:
                raise TalksFull(f"the store keeps {MAX_TALKS} talks, the most it may; try later")
            mine = db.execute("SELECT COUNT(*) FROM talks WHERE owner = ?", (owner,)).fetchone()[0]
            if mine >= MAX_TALKS_PER_OWNER:
                raise TalksFull(f"this device keeps {mine} talks, the most it may")
            db.execute("INSERT INTO talks VALUES (?, ?, ?, ?)", (talk, text, owner, expires))
            return talk

        return self._write(work)

    def talk(self, talk: str) -> str | None:
        check_talk_id(talk)
        rows = self._rows(
            "SELECT body FROM talks WHERE talk = ? AND expires >= ?", (talk, time.time())
        )
        return rows[0][0] if rows else None


# One script per change, run atomically by Redis: it decides from what it reads. A room is a
# hash (scene, revealed, version, hash of the key, owner); a sorted set scores the rooms
# by their last use.
_OPEN = """
local prefix, room, owner = ARGV[1], ARGV[2], ARGV[4]
local now, idle = tonumber(ARGV[5]), tonumber(ARGV[7])
if redis.call('EXISTS', prefix .. room) == 1 then return 'taken' end
local mine = 0
for _, r in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], idle, '+inf')) do
  if redis.call('HGET', prefix .. r, 'owner') == owner then mine = mine + 1 end
end
if mine >= tonumber(ARGV[8]) then return 'mine:' .. mine end
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6]) + 1
if over > 0 then
  local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. idle, 'LIMIT', 0, over)
  if #gone < over then return 'busy' end
  for _, old in ipairs(gone) do
    redis.call('ZREM', KEYS[1], old)
    redis.call('DEL', prefix .. old)
    for _, k in ipairs(redis.call('KEYS', prefix .. old .. ':a:*')) do redis.call('DEL', k) end
    for _, k in ipairs(redis.call('KEYS', prefix .. old .. ':p:*')) do redis.call('DEL', k) end
  end
end
redis.call('HSET', prefix .. room, 'scene', '', 'revealed', '0', 'version', 0,
           'hash', ARGV[3], 'owner', owner)
redis.call('ZADD', KEYS[1], now, room)
return 'ok'
"""
_PUBLISH = """
local old = redis.call('HMGET', KEYS[1], 'scene', 'revealed', 'version', 'hash', 'talk')
if not old[4] then return -1 end
if old[4] ~= ARGV[5] then return -2 end
local version = tonumber(old[3])
if old[1] ~= ARGV[1] or old[2] ~= ARGV[2] or (old[5] or '') ~= ARGV[6] then
  version = version + 1
end
redis.call('HSET', KEYS[1], 'scene', ARGV[1], 'revealed', ARGV[2], 'version', version,
           'talk', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return version
"""
_NOW = """
local room = redis.call('HMGET', KEYS[1], 'scene', 'revealed', 'version', 'talk')
if room[1] then redis.call('ZADD', KEYS[2], 'XX', 'GT', ARGV[1], ARGV[2]) end
return room
"""
_ANSWER = """
local room = redis.call('HMGET', KEYS[1], 'scene', 'revealed')
if room[1] ~= ARGV[1] or room[2] ~= '0' then return 'closed' end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 'again' end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 'ok'
"""
# A talk: a string key with its expiry; two sorted sets (every talk, and the client's)
# scored by expiry count the unexpired ones.
_SAVE_TALK = """
local now, expires, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('ZADD', KEYS[2], expires, ARGV[1])
  return 'ok'
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return 'full' end
local mine = redis.call('ZCARD', KEYS[3])
if mine >= tonumber(ARGV[7]) then return 'mine:' .. mine end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
redis.call('ZADD', KEYS[3], expires, ARGV[1])
redis.call('EXPIRE', KEYS[3], ttl)
return 'ok'
"""


class RedisStore:
    """A room store in Redis, for workers on several machines.

    A room is a hash ``<prefix><room>`` (scene, revealed, version, the key's hash, owner),
    its answers to one question a hash ``<prefix><room>:a:<question>`` (device -> choice),
    its points a hash ``<prefix><room>:p:<question>`` (device -> "x,y"),
    and a sorted set of rooms by last use says which are idle. Each change is one Lua
    script: atomic, one round trip.
    """

    def __init__(self, url: str, prefix: str = "momentum:room:") -> None:
        import redis  # only a Redis room needs the client

        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)
        self._open = self.client.register_script(_OPEN)
        self._publish = self.client.register_script(_PUBLISH)
        self._now = self.client.register_script(_NOW)
        self._answer = self.client.register_script(_ANSWER)
        self._save_talk = self.client.register_script(_SAVE_TALK)
        self._used = self.prefix[:-1] + "s"

    def open(self, owner: str) -> Opened:
        key = secrets.token_urlsafe(24)
        while True:
            room = new_room_id()
            args = [self.prefix, room, key_hash(key), _owner(owner), time.time(), MAX_ROOMS,
                    time.time() - IDLE_SECONDS, MAX_ROOMS_PER_OWNER]  # fmt: skip
            said = self._open(keys=[self._used], args=args)
            if said == "ok":
                return Opened(room, key)
            if said == "busy":
                raise RoomsBusy(f"all {MAX_ROOMS} rooms are in use; try again later")
            if said.startswith("mine:"):
                mine = said.split(":")[1]
                raise RoomsBusy(f"this device has {mine} rooms in use, the most it may have")

    def holds(self, room: str, key: str) -> bool:
        check_room(room)
        return _key_matches(self.client.hget(self.prefix + room, "hash"), key)

    def publish(
        self, room: str, key: str, scene: str, revealed: bool = False, talk: str = ""
    ) -> Now:
        check_room(room)
        check_scene(scene)
        check_talk_id(talk, empty=True)
        given = key_hash(key) if isinstance(key, str) else ""
        args = [scene, str(int(revealed)), time.time(), room, given, talk]
        version = int(self._publish(keys=[self.prefix + room, self._used], args=args))
        if version == -1:
            raise RoomGone(f"room {room} was closed")
        if version == -2:
            raise NotPresenter(f"room {room} is presented from another browser")
        return Now(scene, revealed, version, talk)

    def now(self, room: str) -> Now | None:
        check_room(room)
        scene, revealed, version, talk = self._now(
            keys=[self.prefix + room, self._used], args=[time.time(), room]
        )
        return None if not scene else Now(scene, revealed == "1", int(version), talk or "")

    def answer(self, room: str, question: str, device: str, choice: int) -> str:
        check_answer(room, question, device, choice)
        keys = [self.prefix + room, f"{self.prefix}{room}:a:{question}"]
        return self._answer(keys=keys, args=[question, device, choice, MAX_ANSWERS])

    def tally(self, room: str, question: str) -> dict[int, int]:
        check_room(room)
        check_scene(question)
        counts: dict[int, int] = {}
        for choice in self.client.hvals(f"{self.prefix}{room}:a:{question}"):
            counts[int(choice)] = counts.get(int(choice), 0) + 1
        return counts

    def mine(self, room: str, question: str, device: str) -> int | None:
        check_answer(room, question, device, 0)
        choice = self.client.hget(f"{self.prefix}{room}:a:{question}", device)
        return None if choice is None else int(choice)

    def answer_point(self, room: str, question: str, device: str, x: float, y: float) -> str:
        check_point(room, question, device, x, y)
        keys = [self.prefix + room, f"{self.prefix}{room}:p:{question}"]
        # the rules of every answer (_ANSWER), its value "x,y" (repr of two floats)
        return self._answer(keys=keys, args=[question, device, f"{x!r},{y!r}", MAX_ANSWERS])

    def points(self, room: str, question: str) -> list[tuple[float, float]]:
        check_room(room)
        check_scene(question)
        return [_xy(v) for v in self.client.hvals(f"{self.prefix}{room}:p:{question}")]

    def my_point(self, room: str, question: str, device: str) -> tuple[float, float] | None:
        check_answer(room, question, device, 0)
        value = self.client.hget(f"{self.prefix}{room}:p:{question}", device)
        return None if value is None else _xy(value)

    def save_talk(self, owner: str, text: str) -> str:
        talk, now = talk_id(check_talk(text)), time.time()
        keys = [f"{self.prefix}talk:{talk}", self.prefix + "talks",
                f"{self.prefix}talks:{_owner(owner)}"]  # fmt: skip
        args = [talk, text, now, now + TALK_SECONDS, TALK_SECONDS, MAX_TALKS, MAX_TALKS_PER_OWNER]
        said = self._save_talk(keys=keys, args=args)
        if said == "full":
            raise TalksFull(f"the store keeps {MAX_TALKS} talks, the most it may; try later")
        if said.startswith("mine:"):
            raise TalksFull(f"this device keeps {said.split(':')[1]} talks, the most it may")
        return talk

    def talk(self, talk: str) -> str | None:
        check_talk_id(talk)
        return self.client.get(f"{self.prefix}talk:{talk}")


def _xy(value: str) -> tuple[float, float]:
    x, y = value.split(",")
    return float(x), float(y)


def default_path() -> Path:
    """The SQLite file every worker on this machine shares unless told otherwise."""
    return Path(tempfile.gettempdir()) / "momentum-rooms.sqlite3"


@functools.cache
def open_store(where: str = "") -> RoomStore:
    """The store at ``where``: ``redis://host:port/db``, a SQLite file path (or
    ``sqlite:///path``), or ``""`` for ``$MOMENTUM_ROOM_STORE`` (default: :func:`default_path`).
    One per process and address."""
    where = where or os.environ.get("MOMENTUM_ROOM_STORE", "") or str(default_path())
    if where.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(where)
    return SqliteStore(where.removeprefix("sqlite://"))
