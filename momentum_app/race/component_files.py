"""The race component's files served from memory, each compressed once, ahead of Streamlit.

Streamlit answers ``/component/<name>/<file>`` by reading the file from disk and gzipping it
(level 5) on every request: plotly.js's basic bundle (1.19 MB) costs the server about 30 ms
of CPU each time, while the page's script thread holds the GIL computing the race, and the
first chart waits for that file. Here each file of ``race_component/`` is read once and
gzipped once (level 9: paid once), and :class:`ComponentFiles` answers it with the headers
Streamlit sends (Content-Type; Cache-Control ``no-cache`` for .html, ``public`` otherwise;
the CORS header) plus ``Vary: Accept-Encoding`` and an ETag, so that a returning browser's
copy costs a 304.

It is ASGI middleware, not a route: ``st.App`` refuses user routes under ``/component/``,
and its users' middleware runs before Streamlit's (so Streamlit's gzip never sees these
answers). Only the names of files found in the folder are served, never a path built from
the request: anything else under the prefix is a 404. A file edited while the server runs
is read again (its size and mtime are checked on each request); a file added is found on
its first request. Nothing here imports Streamlit at the top.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

#: The race component's folder (``race_chart.py`` declares it).
FOLDER = Path(__file__).with_name("race_component")
#: Streamlit's name for it: ``declare_component``'s name, after its module's.
NAME = "momentum_app.race.race_chart.race_component"


@dataclass(frozen=True)
class File:
    """One file as it is sent: its bytes, gzipped (None when that is no smaller), headers."""

    path: Path
    stamp: tuple[int, int]  # (mtime in ns, size): a change means the file is read again
    plain: bytes
    gzipped: bytes | None
    cache_control: str
    etag: str


def content_type(name: str) -> str:
    """The Content-Type Streamlit sends for a component's file (by its suffix). Asked on
    each request, not kept: Streamlit registers its own types (``.js`` as
    ``application/javascript``) as its server starts, maybe after a file was loaded."""
    mime, encoding = mimetypes.guess_type(name)
    if encoding == "gzip":
        return "application/gzip"
    if encoding is not None or mime is None:
        return "application/octet-stream"
    return mime


def _stamp(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


class Folder:
    """The files of one folder, by their path inside it (``vendor/plotly-basic.min.js``),
    read and compressed when first asked for (or all at once: :meth:`load_all`)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._names: dict[str, Path] = {}
        self._files: dict[str, File] = {}
        self._lock = threading.Lock()
        self.loads = 0  # files read and compressed, for the tests

    def _scan(self) -> None:
        """The folder's files, by name; only files that really lie inside it (no link out)."""
        found = {}
        for path in self.root.rglob("*"):
            real = path.resolve()
            if real.is_file() and real.is_relative_to(self.root):
                found[path.relative_to(self.root).as_posix()] = real
        self._names = found

    def cached(self, name: str) -> File | None:
        """The file ``name`` if it is in memory and unchanged on disk; else None. Costs one
        ``stat``: fine on the event loop."""
        file = self._files.get(name)
        try:
            return file if file is not None and _stamp(file.path) == file.stamp else None
        except OSError:
            return None

    def load(self, name: str) -> File | None:
        """The file ``name`` (read and compressed if new or changed), or None when the folder
        holds no such file. Blocking: call it from a thread."""
        with self._lock:
            if (file := self.cached(name)) is not None:
                return file
            if name not in self._names:
                self._scan()  # a file added since: found on its first request
            path = self._names.get(name)
            if path is None:
                return None
            try:
                stamp, plain = _stamp(path), path.read_bytes()
            except OSError:
                return None
            packed = gzip.compress(plain, compresslevel=9, mtime=0)
            is_html = name.endswith(".html")
            file = File(
                path=path, stamp=stamp, plain=plain,
                gzipped=packed if len(packed) < len(plain) else None,
                cache_control="no-cache" if is_html else "public",
                etag='"' + hashlib.sha1(plain).hexdigest()[:20] + '"',
            )  # fmt: skip
            self._files[name] = file
            self.loads += 1
            return file

    def load_all(self) -> None:
        """Read and compress every file now (at the server's start, before any visitor)."""
        with self._lock:
            self._scan()
        for name in list(self._names):
            self.load(name)


#: The race component's files (one copy a process).
RACE = Folder(FOLDER)


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (``gzip``, or ``*``, not at q=0)."""
    codings = {}
    for item in header.split(","):
        coding, _, params = item.partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        codings[coding.strip().lower()] = q
    return codings.get("gzip", codings.get("*", 0.0)) > 0


def safe_name(name: str) -> bool:
    """Whether a requested name could be a file of the folder at all: a relative path of
    plain parts (no ``..``, ``.``, empty part, backslash or NUL). A name that passes is
    still only looked up among the files found in the folder."""
    parts = name.split("/")
    return bool(name) and "\\" not in name and "\0" not in name and all(
        p not in ("", ".", "..") for p in parts
    )  # fmt: skip


class ComponentFiles:
    """ASGI middleware: answers GET and HEAD under ``/<base>/component/<name>/`` from
    ``folder`` and passes every other request on to ``app``.

    Args:
        app: The rest of the server (Streamlit's middleware and routes).
        folder: The files; the race component's by default.
        name: The component's name in its address.
        base: The server's base path (``server.baseUrlPath``); read from Streamlit's
            config when None.
    """

    def __init__(self, app, folder: Folder = RACE, name: str = NAME, base: str | None = None):
        if base is None:
            from streamlit import config

            base = config.get_option("server.baseUrlPath") or ""
        base = base.strip("/")
        self.app = app
        self.folder = folder
        self.prefix = ("/" + base if base else "") + f"/component/{name}/"

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(self.prefix) or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import Headers
        from starlette.responses import PlainTextResponse, Response

        name = path[len(self.prefix) :]
        file = None
        if safe_name(name):
            file = self.folder.cached(name) or await asyncio.to_thread(self.folder.load, name)
        if file is None:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        sent = {"Cache-Control": file.cache_control, "ETag": file.etag,
                "Vary": "Accept-Encoding"}  # fmt: skip
        if (origin := _allowed_origin(headers.get("origin"))) is not None:
            sent["Access-Control-Allow-Origin"] = origin
        if file.etag in headers.get("if-none-match", ""):
            response = Response(status_code=304, headers=sent)
        elif file.gzipped is not None and accepts_gzip(headers.get("accept-encoding", "")):
            sent["Content-Encoding"] = "gzip"
            response = Response(file.gzipped, media_type=content_type(name), headers=sent)
        else:
            response = Response(file.plain, media_type=content_type(name), headers=sent)
        await response(scope, receive, send)


def _allowed_origin(origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin that Streamlit's component route sends, if any."""
    from streamlit.web.server.server_util import (
        allow_all_cross_origin_requests,
        is_allowed_origin,
    )

    if allow_all_cross_origin_requests():
        return "*"
    return origin if origin and is_allowed_origin(origin) else None


def middleware() -> list:
    """The middleware for ``st.App(..., middleware=middleware())``."""
    from starlette.middleware import Middleware

    return [Middleware(ComponentFiles)]
