"""Send on a ``websockets.sync`` connection without ever blocking inside its lock.

``websockets``' sync connection holds one mutex while it writes a frame to the
socket (``send_context`` -> ``send_data`` -> ``sendall``), and its reader
thread needs that same mutex to hand over what it read. When the socket's
send buffer is full, a ``send`` waits inside the mutex, the reader stops
draining, and through the pod's echo that is a cycle: the far end stops
reading us because we stopped reading it. Measured on the harness: 64 MiB
echoed through one port-forward connection stalled forever.

So a payload goes out in pieces of at most ``PIECE`` bytes, each only once
``poll`` says the socket is writable: Linux reports a TCP socket writable
when a third of its send buffer is free, and a piece is kept well under that
third (an eighth of ``SO_SNDBUF``, read each time as the kernel grows it, so
the kernel's per-packet overhead fits too), so the ``sendall`` under the
mutex does not wait. Waiting for writability happens
outside the mutex, while the reader keeps draining.
"""

from __future__ import annotations

import select
import socket
from typing import Any, Callable, Optional

__all__ = ["WriteGate", "PIECE"]

PIECE = 64 * 1024
_OVERHEAD = 1024  # a WebSocket header, a TLS record's header and tag, per piece at most


class WriteGate:
    """``send(payload)`` on ``ws`` in writable-sized pieces (``frame(piece)`` turns each piece into a message)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._sock: socket.socket = ws.socket
        self._poll: Optional[Any] = select.poll()
        try:
            self._poll.register(self._sock.fileno(), select.POLLOUT)
        except (ValueError, OSError):  # already closed: the send itself will say so
            self._poll = None

    def _piece(self) -> int:
        try:
            buffer = self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        except OSError:
            return PIECE
        return max(1024, min(PIECE, buffer // 8 - _OVERHEAD))

    def _writable(self) -> None:
        while self._poll is not None:
            events = self._poll.poll(1000)
            if any(ev & (select.POLLOUT | select.POLLERR | select.POLLHUP | select.POLLNVAL) for _, ev in events):
                return  # an error is left for the send to raise

    def send(self, data: bytes, frame: Optional[Callable[[memoryview], bytes]] = None) -> None:
        """Send ``data`` as one or more binary messages (``frame`` makes each piece a message: a channel
        byte first, say). Call from one thread at a time: the caller's lock orders the pieces."""
        view = memoryview(data)
        pos = 0
        while True:
            self._writable()
            size = self._piece()
            piece = view[pos:pos + size]
            self._ws.send(frame(piece) if frame is not None else piece)
            pos += size
            if pos >= len(view):
                return
