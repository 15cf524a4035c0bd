"""The remotecommand channel protocol (``v5.channel.k8s.io``, ``v4.channel.k8s.io``): frames in, frames out.

exec and attach carry five streams over one WebSocket. Every binary
message starts with one byte naming its channel; the rest is that
channel's data:

===  ==========  ================================================================
 0   stdin       client to server
 1   stdout      server to client
 2   stderr      server to client
 3   error       server to client, once, at the end: a ``metav1.Status`` as JSON
 4   resize      client to server: ``{"Width": W, "Height": H}``
255  close       v5 only, client to server: ``[255, channel]`` half-closes
                 that channel (stdin), so ``cat`` sees its end of input
===  ==========  ================================================================

The error channel's Status says how the command ended: ``Success``, or
``Failure`` with reason ``NonZeroExitCode`` and the code in the cause whose
reason is ``ExitCode`` (client-go's ``errorDecoderV4``); any other Failure
is a refusal (the kubelet could not start the command, the API server could
not reach the kubelet). This module is pure: no sockets, so every rule is
tested on bytes alone. Older protocols (v1-v3: a plain-text error channel,
no resize on v1) are not offered; every supported server speaks v4.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from discovery.errors import StatusError, status_error_from_response

from .errors import KubeletUnreachable, StreamProtocolError

__all__ = ["V5", "V4", "PROTOCOLS", "STDIN", "STDOUT", "STDERR", "ERROR", "RESIZE", "CLOSE", "frame", "close_frame",
           "resize_frame", "split", "Outcome", "decode_error", "supports_close", "refusal", "unreachable_from"]

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
#: What is offered, best first; the server picks one (an API server without the v5 translator picks v4).
PROTOCOLS: Tuple[str, ...] = (V5, V4)

STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255

NON_ZERO_EXIT = "NonZeroExitCode"
EXIT_CODE_CAUSE = "ExitCode"


def supports_close(protocol: Optional[str]) -> bool:
    """Whether ``protocol`` can half-close stdin (v5's close channel); on v4 stdin only ends with the connection."""
    return protocol == V5


def frame(channel: int, data: bytes) -> bytes:
    """One message for ``channel``: the channel byte, then the data."""
    return bytes((channel,)) + bytes(data)


def close_frame(channel: int = STDIN) -> bytes:
    """v5's half-close of ``channel``: ``[255, channel]``."""
    return bytes((CLOSE, channel))


def resize_frame(width: int, height: int) -> bytes:
    """A terminal size for the resize channel, as client-go's ``TerminalSize`` marshals (Width, then Height)."""
    if not (0 <= int(width) <= 0xFFFF and 0 <= int(height) <= 0xFFFF):
        raise ValueError(f"terminal size {width}x{height} is out of range (0..65535)")
    return frame(RESIZE, json.dumps({"Width": int(width), "Height": int(height)}, separators=(",", ":")).encode())


def split(message: Any) -> Tuple[int, bytes]:
    """``(channel, data)`` of a received message; a text or empty message breaks the protocol."""
    if isinstance(message, str):
        raise StreamProtocolError(f"unexpected text message on a binary channel protocol: {message[:80]!r}")
    if not message:
        raise StreamProtocolError("empty message: no channel byte")
    return message[0], bytes(message[1:])


@dataclass(frozen=True)
class Outcome:
    """How the remote command ended, from the error channel: its exit code, or a refusal as an error."""

    exit_code: Optional[int]
    error: Optional[Exception] = None


# What the API server says when its dial to the kubelet fails: "error dialing backend: dial tcp ...",
# the SPDY executor's "dial tcp ...: connect: connection refused", a TLS failure to the kubelet...
_DIAL = re.compile(r"error dialing backend|dial tcp|dial udp|connection refused|no route to host|i/o timeout|"
                   r"connection reset by peer|tls: |x509: |network is unreachable|no such host",
                   re.IGNORECASE)


def refusal(status: Dict[str, Any], *, namespace: str = "", pod: str = "", url: str = "") -> Exception:
    """The error for a Failure Status: ``KubeletUnreachable`` when it says the kubelet could not be reached."""
    status = {"kind": "Status", "apiVersion": "v1", **status}
    code = int(status.get("code") or 500) if str(status.get("code") or "").isdigit() else 500
    message = str(status.get("message") or "")
    if code in (500, 502, 503, 504) and _DIAL.search(message):
        return KubeletUnreachable(message, namespace=namespace, pod=pod, status=status)
    return status_error_from_response(code, json.dumps(status).encode(), method="GET", url=url)


def unreachable_from(err: StatusError, *, namespace: str = "", pod: str = "") -> Exception:
    """A dial's refusal (HTTP, before any frame) as ``refusal`` sees it: the same rule for both paths."""
    return refusal(dict(err.status), namespace=namespace, pod=pod, url=err.url)


def decode_error(data: bytes, *, namespace: str = "", pod: str = "", url: str = "") -> Outcome:
    """The error channel's message (v4/v5: a Status as JSON) as an ``Outcome``.

    Success is exit code 0; NonZeroExitCode carries the code (0-255, as
    client-go parses it); any other Failure is a refusal, in the error tree.
    """
    try:
        status = json.loads(bytes(data).decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise StreamProtocolError(f"error stream protocol error: {exc} in {bytes(data)[:200]!r}",
                                  namespace=namespace, pod=pod) from None
    if not isinstance(status, dict):
        raise StreamProtocolError(f"error stream protocol error: not a Status: {bytes(data)[:200]!r}",
                                  namespace=namespace, pod=pod)
    state = status.get("status")
    if state == "Success":
        return Outcome(0)
    if state != "Failure":
        raise StreamProtocolError("error stream protocol error: unknown error", namespace=namespace, pod=pod)
    if status.get("reason") == NON_ZERO_EXIT:
        details = status.get("details")
        if not isinstance(details, dict):
            raise StreamProtocolError("error stream protocol error: details must be set", namespace=namespace,
                                      pod=pod)
        for cause in details.get("causes") or []:
            if not isinstance(cause, dict) or cause.get("reason") != EXIT_CODE_CAUSE:
                continue
            value = str(cause.get("message", ""))
            if not value.isdigit() or int(value) > 255:
                raise StreamProtocolError(f"error stream protocol error: invalid exit code value {value!r}",
                                          namespace=namespace, pod=pod)
            return Outcome(int(value))
        raise StreamProtocolError("error stream protocol error: no ExitCode cause given", namespace=namespace,
                                  pod=pod)
    return Outcome(None, refusal(status, namespace=namespace, pod=pod, url=url))
