"""Port-forward over the plain WebSocket protocol (``v4.channel.k8s.io``): one WebSocket per connection.

The fallback for a server without the SPDY tunnel (before PortForwardWebsockets).
The kubelet's WebSocket port-forward takes its ports from the query
(``?ports=80``) and gives each exactly one stream, on channels 2i (data) and
2i+1 (error); the first frame of each channel starts with the port, two bytes
little-endian. One stream per port per WebSocket means one WebSocket per
forwarded connection here: many connections cannot share one in this
protocol (that is what the SPDY tunnel is for).

The protocol has no half-close: after the local side's EOF the pod's answer
is still read until the kubelet closes the WebSocket or nothing comes for
``LINGER`` seconds.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Callable, List, Optional

from .portforward_wsgate import WriteGate

__all__ = ["PROTOCOLS", "WebSocketCarrier", "LINGER"]


def _data_channel(piece: memoryview) -> bytes:
    return b"\x00" + piece

PROTOCOLS = ("v4.channel.k8s.io",)
RECV_SIZE = 256 * 1024
LINGER = 5.0


class WebSocketCarrier:
    """Carries each local connection on its own WebSocket, dialed by ``dial_ws(remote_port)``."""

    protocol = PROTOCOLS[0]

    def __init__(self, dial_ws: Callable[[int], Any]) -> None:
        self._dial_ws = dial_ws
        self.closed = False
        self.alive = True
        self._open: List[Any] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Nothing to dial yet: each connection dials its own WebSocket."""

    def _dial(self, remote: int) -> Any:
        """Dial, again up to twice when the upgrade itself broke (measured: with 50 upgrades at once the API
        server now and then drops one before its reply, "did not receive a valid HTTP response")."""
        from websockets.exceptions import ConnectionClosed

        from discovery.errors import TransportError

        for attempt in range(3):
            try:
                return self._dial_ws(remote)
            except (TransportError, ConnectionClosed) as err:
                # ConnectionClosed: the TLS under the upgrade broke mid-handshake (seen once: "[SSL] internal error")
                broken = isinstance(err, ConnectionClosed) or "handshake failed" in str(err)
                if attempt == 2 or not broken or self.closed:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def carry(self, conn: socket.socket, remote: int) -> Optional[str]:
        ws = self._dial(remote)
        gate = WriteGate(ws)
        with self._lock:
            self._open.append(ws)
        local_eof = threading.Event()

        def up() -> None:
            try:
                while True:
                    data = conn.recv(RECV_SIZE)
                    if not data:
                        break
                    gate.send(data, _data_channel)
            except Exception:
                pass
            local_eof.set()

        threading.Thread(target=up, name="dynclient-pf-up", daemon=True).start()
        seen = [False, False]
        error = bytearray()
        from websockets.exceptions import ConnectionClosed

        try:
            idle = 0.0
            while True:
                try:
                    message = ws.recv(timeout=1.0)
                except TimeoutError:
                    idle = idle + 1.0 if local_eof.is_set() else 0.0
                    if idle >= LINGER:
                        break
                    continue
                idle = 0.0
                if isinstance(message, str) or not message:
                    continue
                channel, payload = message[0], message[1:]
                if channel > 1:
                    continue
                if not seen[channel]:  # the port, before the first byte of the stream
                    seen[channel] = True
                    payload = payload[2:]
                if channel == 0:
                    if payload:
                        conn.sendall(payload)
                else:
                    error += payload
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._lock:
                if ws in self._open:
                    self._open.remove(ws)
            ws.close()
        return error.decode("utf-8", "replace") if error else None

    def close(self) -> None:
        self.closed = True
        with self._lock:
            sockets, self._open = self._open, []
        for ws in sockets:
            try:
                ws.close()
            except Exception:
                pass
