"""Nagle's algorithm off on the server's listening socket, so that no answer waits 40 ms.

``streamlit run serve.py`` binds its listening socket itself (``socket.socket(family)``,
protocol 0), and asyncio sets TCP_NODELAY only on the connections of sockets whose
protocol says TCP: Streamlit's connections keep Nagle's algorithm. A kept-alive
connection's answer goes out as two writes (head, then body); the body waits until the
browser acknowledges the head, and the browser delays that acknowledgement by 40 ms. Every
request after a connection's first (the playground's 138 scripts over the browser's 6
connections, the race component's files, the websocket's small messages one after
another) took 44 ms instead of 1 ms.

uvicorn imports ``serve.py`` after the socket is bound and listening and before it accepts
a connection, so :func:`no_delay_on_listeners`, called there, sets TCP_NODELAY on it; on
Linux each accepted connection inherits it. Only public ``os`` and ``socket`` calls: no
Streamlit or uvicorn internals.
"""

from __future__ import annotations

import os
import socket

#: Where a process's open file descriptors are listed (Linux; macOS and the BSDs).
FD_DIRS = ("/proc/self/fd", "/dev/fd")


def _listening_tcp(sock: socket.socket) -> bool:
    return (
        sock.family in (socket.AF_INET, socket.AF_INET6)
        and sock.type == socket.SOCK_STREAM
        and bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    )


def no_delay_on_listeners() -> int:
    """Set TCP_NODELAY on every listening TCP socket of this process (the server's); the
    connections it accepts from then on inherit it. Returns how many sockets were set (0
    where file descriptors cannot be listed, or where nothing listens yet)."""
    folder = next((d for d in FD_DIRS if os.path.isdir(d)), None)
    if folder is None:
        return 0
    found = 0
    for name in os.listdir(folder):
        try:
            fd = os.dup(int(name))  # a copy: closing it leaves the server's socket open
        except (OSError, ValueError):
            continue  # the listing's own descriptor, closed by now; or no number
        try:
            sock = socket.socket(fileno=fd)
        except OSError:  # not a socket (closing fd is then ours to do)
            os.close(fd)
            continue
        with sock:
            try:
                if _listening_tcp(sock):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    found += 1
            except OSError:
                continue
    return found
