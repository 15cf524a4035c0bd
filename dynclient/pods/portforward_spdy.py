"""Port-forward over SPDY/3.1 tunneled in one WebSocket: kubectl's way since 1.30 (``SPDY/3.1+portforward.k8s.io``).

One session carries every forwarded connection. Each connection is two
streams with the headers client-go's ``tools/portforward`` sends:
``streamType: error`` (half-closed at once: we only read it) and
``streamType: data``, both with ``port`` and the same ``requestID``. The
kubelet pairs them by ``requestID``, dials the pod's port and copies; when
it is done it closes both, and whatever it wrote on the error stream is the
reason the connection failed (e.g. nothing listens on the port).

The session is dialed when the forwarder starts (as kubectl does, so a
refusal is reported before "Forwarding from") and dialed again for the next
connection if it dropped.
"""

from __future__ import annotations

import socket
import threading
from typing import Any, Callable, Optional

from .spdy_session import SessionClosed, SpdySession, SpdyStream

__all__ = ["PROTOCOL", "SpdyCarrier"]

PROTOCOL = "SPDY/3.1+portforward.k8s.io"
RECV_SIZE = 256 * 1024


def _pump_up(conn: socket.socket, stream: SpdyStream, failed: threading.Event) -> None:
    """Local -> pod until the local side's EOF (then FIN: the kubelet half-closes the pod's side too)."""
    try:
        while True:
            data = conn.recv(RECV_SIZE)
            if not data:
                break
            stream.write(data)
        stream.close_write()
    except (OSError, SessionClosed):
        failed.set()
        stream.reset()


class SpdyCarrier:
    """Carries local connections to the pod's ports through one SPDY session (dialed by ``dial_ws``)."""

    protocol = PROTOCOL

    def __init__(self, dial_ws: Callable[[], Any],
                 on_lost: Optional[Callable[[Optional[BaseException]], None]] = None) -> None:
        self._dial_ws = dial_ws
        self._on_lost = on_lost
        self._lock = threading.Lock()
        self._session: Optional[SpdySession] = None
        self._request_id = 0
        self.closed = False

    def start(self) -> None:
        self._current()

    def _current(self) -> SpdySession:
        with self._lock:
            if self.closed:
                raise SessionClosed("port-forward is closed")
            if self._session is None or not self._session.alive:
                self._session = SpdySession(self._dial_ws(), on_close=self._session_closed)
            return self._session

    def _next_id(self) -> int:
        with self._lock:
            rid, self._request_id = self._request_id, self._request_id + 1
            return rid

    @property
    def alive(self) -> bool:
        session = self._session
        return session is not None and session.alive

    def carry(self, conn: socket.socket, remote: int) -> Optional[str]:
        """Forward ``conn`` to the pod's ``remote`` port until both sides are done; the error stream's text."""
        session = self._current()
        rid = str(self._next_id())
        headers = [("streamtype", "error"), ("port", str(remote)), ("requestid", rid)]
        errors = session.open_stream(headers)
        errors.close_write()
        data = session.open_stream([("streamtype", "data"), ("port", str(remote)), ("requestid", rid)])
        data.deliver_to(conn)
        failed = threading.Event()
        up = threading.Thread(target=_pump_up, args=(conn, data, failed), name="dynclient-pf-up", daemon=True)
        up.start()
        try:
            while True:
                chunk = data.read()
                if not chunk:
                    break
                conn.sendall(chunk)
        except OSError:
            data.reset()
        finally:
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        message = errors.read_all()
        session.forget(errors)
        session.forget(data)
        if not session.alive and session.error is not None and not message:
            raise SessionClosed(f"lost connection to pod: {session.error}")
        return message.decode("utf-8", "replace") if message else None

    def _session_closed(self, error: Optional[BaseException]) -> None:
        if not self.closed and self._on_lost is not None:
            self._on_lost(error)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            session, self._session = self._session, None
        if session is not None:
            session.close()
