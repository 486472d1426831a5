"""Nagle's algorithm off on the server's listening socket (momentum_app.talk.nodelay): the
listener gets TCP_NODELAY, the connections it accepts inherit it, nothing else is touched
and no descriptor is left open."""

from __future__ import annotations

import os
import socket
import sys

import pytest

from momentum_app.talk import nodelay


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def _open_fds() -> int:
    return len(os.listdir(nodelay.FD_DIRS[0]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inheritance checked on Linux")
def test_the_listener_and_its_connections_get_no_delay():
    listener = socket.socket(socket.AF_INET)  # as Streamlit binds it: protocol 0
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    before, _ = listener.accept()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert not _nodelay(listener) and not _nodelay(before)
        fds = _open_fds()
        assert nodelay.no_delay_on_listeners() >= 1
        assert _open_fds() == fds  # each copy closed, the originals open
        assert _nodelay(listener)
        later = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        assert _nodelay(accepted)  # inherited from the listener
        assert not _nodelay(client) and not _nodelay(before)  # not listening: left alone
        assert udp.fileno() >= 0  # still open
        for sock in (later, accepted):
            sock.close()
    finally:
        for sock in (client, before, udp, listener):
            sock.close()


def test_nothing_listening_is_nothing_set(monkeypatch, tmp_path):
    monkeypatch.setattr(nodelay, "FD_DIRS", (str(tmp_path / "none"),))
    assert nodelay.no_delay_on_listeners() == 0
