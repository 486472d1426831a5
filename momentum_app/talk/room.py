"""A room: the presenter's current scene and the room's answers, in a store every worker reaches.

Sessions of one room land on different processes (``scripts/serve-room.sh`` spreads browsers
over its workers), so nothing about a room lives in a process. Two stores behind one small
interface (:class:`RoomStore`):

- :class:`SqliteStore`, the default: one SQLite file in WAL mode, for workers on one machine
  (readers never wait for the writer, so thirty followers polling cost one indexed read each).
- :class:`RedisStore`, for workers on several machines (``MOMENTUM_ROOM_STORE=redis://...``).

Everything a client sends is checked here, at the boundary (:func:`check_answer`): a room id
is 4-8 capitals or digits, a device id 32 hex digits, an answer the index of one of at most
:data:`MAX_CHOICES` choices, and only the room's current question takes answers. Answers
are anonymous (a random device id) and one per device per question, the first one kept;
at most :data:`MAX_ANSWERS` per question and :data:`MAX_ROOMS` rooms (the least recently
used room goes). Nothing here imports Streamlit.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

#: Bounds: answers per question, live rooms, choices per question.
MAX_ANSWERS = 500
MAX_ROOMS = 200
MAX_CHOICES = 8
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


def new_room_id() -> str:
    """A random 4-character room id (about a million of them)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(4))


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


class RoomStore(Protocol):
    """Where a room lives. Every method is safe to call from many threads and processes."""

    def publish(self, room: str, scene: str, revealed: bool = False) -> Now:
        """Make ``scene`` the room's current scene (creating the room); bumps the version
        only when something changed."""

    def now(self, room: str) -> Now | None:
        """The room's state, or None for a room nobody presents."""

    def answer(self, room: str, question: str, device: str, choice: int) -> str:
        """Record a device's answer to the room's current question; returns :data:`OK`,
        :data:`AGAIN` (first answer kept), :data:`FULL` or :data:`CLOSED` (not the current
        question, or no such room). Raises ValueError on malformed input."""

    def tally(self, room: str, question: str) -> dict[int, int]:
        """How many devices gave each answer (choice index -> count)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    room TEXT PRIMARY KEY, scene TEXT NOT NULL, revealed INTEGER NOT NULL,
    version INTEGER NOT NULL, used REAL NOT NULL);
CREATE INDEX IF NOT EXISTS rooms_used ON rooms (used);
CREATE TABLE IF NOT EXISTS answers (
    room TEXT NOT NULL, question TEXT NOT NULL, device TEXT NOT NULL, choice INTEGER NOT NULL,
    PRIMARY KEY (room, question, device)) WITHOUT ROWID;
"""


class SqliteStore:
    """A room store in one SQLite file (WAL mode), shared by the processes of one machine.

    One connection per thread (Streamlit runs each session's script in a thread of its own).
    ``synchronous=FULL``: an answer is on disk before it is acknowledged, so a killed worker
    (or a power cut) loses none that a follower saw accepted.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        return db

    def publish(self, room: str, scene: str, revealed: bool = False) -> Now:
        check_room(room)
        check_scene(scene)
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT scene, revealed, version FROM rooms WHERE room = ?", (room,)
            ).fetchone()
            if row is None:
                count = db.execute("SELECT COUNT(*) FROM rooms").fetchone()[0]
                for (old,) in db.execute(
                    "SELECT room FROM rooms ORDER BY used LIMIT ?", (max(count - MAX_ROOMS + 1, 0),)
                ).fetchall():
                    db.execute("DELETE FROM rooms WHERE room = ?", (old,))
                    db.execute("DELETE FROM answers WHERE room = ?", (old,))
                version = 1
            elif (row[0], bool(row[1])) == (scene, revealed):
                db.execute("UPDATE rooms SET used = ? WHERE room = ?", (time.time(), room))
                db.execute("COMMIT")
                return Now(scene, revealed, row[2])
            else:
                version = row[2] + 1
            db.execute(
                "INSERT OR REPLACE INTO rooms VALUES (?, ?, ?, ?, ?)",
                (room, scene, int(revealed), version, time.time()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Now(scene, revealed, version)

    def now(self, room: str) -> Now | None:
        check_room(room)
        row = (
            self._db()
            .execute("SELECT scene, revealed, version FROM rooms WHERE room = ?", (room,))
            .fetchone()
        )
        return None if row is None else Now(row[0], bool(row[1]), row[2])

    def answer(self, room: str, question: str, device: str, choice: int) -> str:
        check_answer(room, question, device, choice)
        db = self._db()
        # A device that answered already (a flooding client, a double tap) is told so by a
        # plain read, without the write lock that the room's other answers wait for.
        if db.execute(
            "SELECT 1 FROM answers WHERE room = ? AND question = ? AND device = ?",
            (room, question, device),
        ).fetchone():
            return AGAIN
        db.execute("BEGIN IMMEDIATE")  # the count and the insert as one step
        try:
            open_ = db.execute(
                "SELECT 1 FROM rooms WHERE room = ? AND scene = ? AND revealed = 0",
                (room, question),
            ).fetchone()
            if open_ is None:
                result = CLOSED
            elif db.execute(
                "SELECT 1 FROM answers WHERE room = ? AND question = ? AND device = ?",
                (room, question, device),
            ).fetchone():
                result = AGAIN
            elif (
                db.execute(
                    "SELECT COUNT(*) FROM answers WHERE room = ? AND question = ?", (room, question)
                ).fetchone()[0]
                >= MAX_ANSWERS
            ):
                result = FULL
            else:
                db.execute(
                    "INSERT INTO answers VALUES (?, ?, ?, ?)", (room, question, device, choice)
                )
                result = OK
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return result

    def tally(self, room: str, question: str) -> dict[int, int]:
        check_room(room)
        check_scene(question)
        rows = self._db().execute(
            "SELECT choice, COUNT(*) FROM answers WHERE room = ? AND question = ? GROUP BY choice",
            (room, question),
        )
        return dict(rows.fetchall())


# One script per change, run atomically by Redis: it decides from what it reads.
_PUBLISH = """
local key, scene, revealed = KEYS[1], ARGV[1], ARGV[2]
local old = redis.call('HMGET', key, 'scene', 'revealed', 'version')
local version = tonumber(old[3] or '0')
if old[1] ~= scene or old[2] ~= revealed then version = version + 1 end
redis.call('HSET', key, 'scene', scene, 'revealed', revealed, 'version', version)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  for _, gone in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    redis.call('ZREM', KEYS[2], gone)
    local prefix = ARGV[6] .. gone
    redis.call('DEL', prefix)
    for _, k in ipairs(redis.call('KEYS', prefix .. ':a:*')) do redis.call('DEL', k) end
  end
end
return version
"""
_ANSWER = """
local room = redis.call('HMGET', KEYS[1], 'scene', 'revealed')
if room[1] ~= ARGV[1] or room[2] ~= '0' then return 'closed' end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 'again' end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 'ok'
"""


class RedisStore:
    """A room store in Redis, for workers on several machines.

    A room is a hash ``<prefix><room>`` (scene, revealed, version), its answers to one
    question a hash ``<prefix><room>:a:<question>`` (device -> choice), and a sorted set of
    rooms by last use bounds their number. Each change is one Lua script: atomic, one
    round trip.
    """

    def __init__(self, url: str, prefix: str = "momentum:room:") -> None:
        import redis  # only a Redis room needs the client

        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)
        self._publish = self.client.register_script(_PUBLISH)
        self._answer = self.client.register_script(_ANSWER)

    def publish(self, room: str, scene: str, revealed: bool = False) -> Now:
        check_room(room)
        check_scene(scene)
        keys = [self.prefix + room, self.prefix[:-1] + "s"]
        args = [scene, str(int(revealed)), time.time(), room, MAX_ROOMS, self.prefix]
        return Now(scene, revealed, int(self._publish(keys=keys, args=args)))

    def now(self, room: str) -> Now | None:
        check_room(room)
        scene, revealed, version = self.client.hmget(
            self.prefix + room, "scene", "revealed", "version"
        )
        return None if scene is None else Now(scene, revealed == "1", int(version))

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
