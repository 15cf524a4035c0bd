"""SPDY/3.1 frames as bytes and back: the framing kubectl's port-forward tunnels through a WebSocket.

Only what a port-forward client meets is built: SYN_STREAM, SYN_REPLY,
RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE and DATA
(draft-mbelshe-httpbis-spdy-00 with the 3.1 flow-control changes). Header
blocks are zlib-compressed with the SPDY/3 dictionary, one compression
context per direction for the whole connection (each block ends with a
sync flush), exactly as the Go framer in spdystream writes and reads them.
``FrameReader`` takes bytes in whatever pieces the WebSocket delivers them
(a frame may span messages, a message may hold several frames).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from .spdy_dictionary import SPDY3_DICTIONARY

__all__ = ["VERSION", "FLAG_FIN", "FLAG_UNIDIRECTIONAL", "SYN_STREAM", "SYN_REPLY", "RST_STREAM", "SETTINGS",
           "PING", "GOAWAY", "HEADERS", "WINDOW_UPDATE", "RST_PROTOCOL_ERROR", "RST_REFUSED_STREAM", "RST_CANCEL",
           "DataFrame", "ControlFrame", "HeaderCodec", "FrameReader", "FrameError",
           "data_frame", "syn_stream", "rst_stream", "ping", "goaway", "window_update", "settings"]

VERSION = 3
FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02

SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
RST_PROTOCOL_ERROR, RST_REFUSED_STREAM, RST_CANCEL = 1, 3, 5
MAX_LENGTH = 0xFFFFFF  # 24-bit length field

_HEAD = struct.Struct(">IB3s")  # first word, flags, 24-bit length


class FrameError(ValueError):
    """Bytes that are not SPDY/3 (a wrong version, a truncated header block, an oversized frame)."""


@dataclass(frozen=True)
class DataFrame:
    stream_id: int
    flags: int
    data: bytes

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


@dataclass(frozen=True)
class ControlFrame:
    """A control frame, decoded: ``stream_id`` where the type has one; ``headers`` for SYN_*/HEADERS;
    ``value`` for RST_STREAM/GOAWAY status, PING id, WINDOW_UPDATE delta; ``settings`` (id -> value)."""

    type: int
    flags: int
    stream_id: int = 0
    headers: Optional[Mapping[str, Tuple[str, ...]]] = None
    value: int = 0
    settings: Optional[Mapping[int, int]] = None

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


def _head(first: int, flags: int, length: int) -> bytes:
    if length > MAX_LENGTH:
        raise FrameError(f"frame of {length} bytes is over SPDY's 24-bit length")
    return _HEAD.pack(first, flags, length.to_bytes(3, "big"))


def _control(frame_type: int, flags: int, payload: bytes) -> bytes:
    return _head(0x80000000 | (VERSION << 16) | frame_type, flags, len(payload)) + payload


def data_frame(stream_id: int, data: bytes, fin: bool = False) -> bytes:
    """One DATA frame (``data`` at most 16 MiB - 1)."""
    return _head(stream_id & 0x7FFFFFFF, FLAG_FIN if fin else 0, len(data)) + data


def rst_stream(stream_id: int, status: int) -> bytes:
    return _control(RST_STREAM, 0, struct.pack(">II", stream_id & 0x7FFFFFFF, status))


def ping(ping_id: int) -> bytes:
    return _control(PING, 0, struct.pack(">I", ping_id))


def goaway(last_good_stream_id: int, status: int = 0) -> bytes:
    return _control(GOAWAY, 0, struct.pack(">II", last_good_stream_id & 0x7FFFFFFF, status))


def window_update(stream_id: int, delta: int) -> bytes:
    """Grant the peer ``delta`` more bytes on ``stream_id`` (0: the session window, SPDY/3.1)."""
    return _control(WINDOW_UPDATE, 0, struct.pack(">II", stream_id & 0x7FFFFFFF, delta & 0x7FFFFFFF))


def settings(entries: Mapping[int, int], flags: int = 0) -> bytes:
    body = struct.pack(">I", len(entries)) + b"".join(struct.pack(">II", key & 0xFFFFFF, value)
                                                     for key, value in entries.items())
    return _control(SETTINGS, flags, body)


class HeaderCodec:
    """The two zlib contexts of one connection: what we send, and what we read."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY,
                                         SPDY3_DICTIONARY)
        self._inflate = zlib.decompressobj(15, SPDY3_DICTIONARY)

    def encode(self, headers: Sequence[Tuple[str, str]]) -> bytes:
        """A compressed name/value block; names go lowercase, as SPDY requires."""
        parts: List[bytes] = [struct.pack(">I", len(headers))]
        for name, value in headers:
            n, v = name.lower().encode(), value.encode()
            parts += [struct.pack(">I", len(n)), n, struct.pack(">I", len(v)), v]
        return self._deflate.compress(b"".join(parts)) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def decode(self, block: bytes) -> Dict[str, Tuple[str, ...]]:
        """A name/value block back into names and their values (a NUL separates several values)."""
        try:
            raw = self._inflate.decompress(block)
        except zlib.error as exc:
            raise FrameError(f"header block does not inflate: {exc}") from None
        out: Dict[str, Tuple[str, ...]] = {}
        try:
            (count,), pos = struct.unpack_from(">I", raw, 0), 4
            for _ in range(count):
                (n,) = struct.unpack_from(">I", raw, pos)
                name = raw[pos + 4:pos + 4 + n].decode("latin-1")
                pos += 4 + n
                (n,) = struct.unpack_from(">I", raw, pos)
                value = raw[pos + 4:pos + 4 + n].decode("latin-1")
                pos += 4 + n
                out[name] = tuple(value.split("\x00"))
        except struct.error:
            raise FrameError("truncated header block") from None
        return out


def syn_stream(codec: HeaderCodec, stream_id: int, headers: Sequence[Tuple[str, str]], *, fin: bool = False,
               priority: int = 0) -> bytes:
    """Open ``stream_id`` (odd: the client's) with ``headers``."""
    body = struct.pack(">IIBB", stream_id & 0x7FFFFFFF, 0, (priority & 7) << 5, 0) + codec.encode(headers)
    return _control(SYN_STREAM, FLAG_FIN if fin else 0, body)


class FrameReader:
    """Bytes in, frames out: ``feed(chunk)`` yields every frame the bytes so far complete."""

    def __init__(self, codec: HeaderCodec) -> None:
        self._codec = codec
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> Iterator[object]:
        buf = self._buf
        if buf:
            buf += chunk
            data: Any = buf
        else:
            data = chunk  # the usual case: the message starts with a frame; no copy into the buffer
        pos, size = 0, len(data)
        try:
            while size - pos >= 8:
                first, flags, length3 = _HEAD.unpack_from(data, pos)
                end = pos + 8 + int.from_bytes(length3, "big")
                if size < end:
                    break
                payload = bytes(data[pos + 8:end])
                pos = end
                if first & 0x80000000:
                    yield self._control(first, flags, payload)
                else:
                    yield DataFrame(first & 0x7FFFFFFF, flags, payload)
        finally:
            if data is buf:
                del buf[:pos]
            else:
                buf += chunk[pos:]

    def _control(self, first: int, flags: int, payload: bytes) -> ControlFrame:
        version, frame_type = (first >> 16) & 0x7FFF, first & 0xFFFF
        if version != VERSION:
            raise FrameError(f"SPDY version {version}, not {VERSION}")
        try:
            if frame_type == SYN_STREAM:
                (sid,) = struct.unpack_from(">I", payload, 0)
                return ControlFrame(frame_type, flags, sid & 0x7FFFFFFF, self._codec.decode(payload[10:]))
            if frame_type in (SYN_REPLY, HEADERS):
                (sid,) = struct.unpack_from(">I", payload, 0)
                return ControlFrame(frame_type, flags, sid & 0x7FFFFFFF, self._codec.decode(payload[4:]))
            if frame_type in (RST_STREAM, WINDOW_UPDATE):
                sid, value = struct.unpack_from(">II", payload, 0)
                return ControlFrame(frame_type, flags, sid & 0x7FFFFFFF, value=value & 0x7FFFFFFF)
            if frame_type == GOAWAY:
                sid, value = struct.unpack_from(">II", payload, 0) if len(payload) >= 8 else \
                    (struct.unpack_from(">I", payload, 0)[0], 0)
                return ControlFrame(frame_type, flags, sid & 0x7FFFFFFF, value=value)
            if frame_type == PING:
                (value,) = struct.unpack_from(">I", payload, 0)
                return ControlFrame(frame_type, flags, value=value)
            if frame_type == SETTINGS:
                (count,) = struct.unpack_from(">I", payload, 0)
                entries = {}
                for i in range(count):
                    key, value = struct.unpack_from(">II", payload, 4 + 8 * i)
                    entries[key & 0xFFFFFF] = value
                return ControlFrame(frame_type, flags, settings=entries)
        except struct.error:
            raise FrameError(f"truncated control frame of type {frame_type}") from None
        return ControlFrame(frame_type, flags)  # unknown types are ignored, as the spec asks
