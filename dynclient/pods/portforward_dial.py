"""Dial the SPDY tunnel's WebSocket: ``dial`` for a subprotocol that is not an RFC 7230 token.

``SPDY/3.1+portforward.k8s.io`` holds a ``/``, which the WebSocket RFC's
token grammar excludes; Go's gorilla/websocket (the API server) accepts it,
``websockets`` refuses to send it (``validate_subprotocols``) or to read it
back (``parse_subprotocol``). So the offer goes in as a plain
``Sec-WebSocket-Protocol`` header and the answer is checked here, by
string equality, through a ``ClientConnection`` whose protocol knows it.
Everything else is ``dynclient.pods.dial``'s own code path: its socket
(direct or through the proxy), its TLS context, its headers, its 401
refresh and its errors; ``dial`` sends a non-token offer as a header.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional

from . import dial as _dial

__all__ = ["dial_tunnel"]


def _connection_class(subprotocol: str) -> Any:
    from websockets.exceptions import InvalidHeader, NegotiationError
    from websockets.sync.client import ClientConnection

    def process_subprotocol(headers: Any) -> Optional[str]:
        values = [v.strip() for value in headers.get_all("Sec-WebSocket-Protocol") for v in value.split(",")]
        if not values:
            return None
        if len(values) > 1:
            raise InvalidHeader("Sec-WebSocket-Protocol", f"multiple values: {', '.join(values)}")
        if values[0] != subprotocol:
            raise NegotiationError(f"unsupported subprotocol: {values[0]}")
        return values[0]

    from websockets.frames import Opcode

    class TunnelConnection(ClientConnection):
        """A ``ClientConnection`` whose binary frames can go straight to a byte sink (``attach_sink``).

        The SPDY tunnel is a byte stream: message boundaries mean nothing, so
        each binary (or continuation) frame's bytes are handed to the sink in
        websockets' own reading thread, outside its lock, as they are parsed,
        instead of being assembled into messages and handed over to another
        thread (measured: that hand-over was the larger part of the CPU spent
        per received frame, and the API server sends 4 KiB frames). ``recv``
        still raises at the end of the connection, and returns text frames.
        """

        def __init__(self, sock: Any, protocol: Any, **kw: Any) -> None:
            protocol.available_subprotocols = [subprotocol]
            protocol.process_subprotocol = process_subprotocol
            self._sink: Optional[Callable[[bytes], None]] = None
            self._early: List[bytes] = []
            self._sink_lock = threading.Lock()
            super().__init__(sock, protocol, **kw)

        def attach_sink(self, sink: Callable[[bytes], None]) -> None:
            with self._sink_lock:  # what came before the sink goes first, in order
                for data in self._early:
                    sink(data)
                self._early = []
                self._sink = sink

        def process_event(self, event: Any) -> None:
            if self.response is not None and getattr(event, "opcode", None) in (Opcode.BINARY, Opcode.CONT):
                sink = self._sink
                if sink is None:
                    with self._sink_lock:
                        sink = self._sink
                        if sink is None:
                            self._early.append(bytes(event.data))
                            return
                sink(event.data)
                return
            super().process_event(event)

    return TunnelConnection


def dial_tunnel(transport: Any, target: str, subprotocol: str, *, timeout: Optional[float] = None) -> Any:
    """A ``websockets.sync`` connection for ``target`` that agreed on ``subprotocol`` (``dial``'s errors)."""
    return _dial.dial(transport, target, [subprotocol], timeout=timeout,
                      connection_class=_connection_class(subprotocol))
