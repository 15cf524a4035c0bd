"""Is the host and port of a kubeconfig URL usable? Checked at load time, shown without user info.

``urllib.parse`` checks a port only when ``.port`` is read, and then says
``Port out of range 0-65535`` with no URL, deep inside the first request.
Go's ``url.Parse`` refuses a port that is not a number and a broken
bracketed IPv6 host, and its dialer a port above 65535
(``dial tcp: address 99999: invalid port``). Both are found here, when the
kubeconfig is loaded, for ``server`` and ``proxy-url`` alike.
"""

from __future__ import annotations

import ipaddress
from typing import Optional

__all__ = ["hostport_problem", "shown_url"]


def _split(url: str) -> "tuple[str, str, str]":
    """``(scheme://, netloc, rest)`` by plain string rules, for URLs ``urlsplit`` would refuse."""
    scheme, sep, remainder = url.partition("://")
    if not sep:
        return "", "", url
    end = len(remainder)
    for delim in "/?#":
        at = remainder.find(delim)
        if at >= 0:
            end = min(end, at)
    return scheme + sep, remainder[:end], remainder[end:]


def shown_url(url: str) -> str:
    """``url`` fit for an error message: ``user:password@`` becomes ``<redacted>@``, a query or fragment ``...``."""
    prefix, netloc, rest = _split(url.strip())
    if "@" in netloc:
        netloc = "<redacted>@" + netloc.rpartition("@")[2]
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if cut >= 0:
        rest = rest[:cut] + "..."  # a query may carry a token (?access_token=)
    return prefix + netloc + rest


def hostport_problem(url: str) -> Optional[str]:
    """What is wrong with the host or port of ``url`` (``"invalid port (...)"``), or ``None``."""
    _, netloc, _ = _split(url.strip())
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            return "invalid IPv6 address (no closing bracket)"
        literal = hostport[1:end]
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return "invalid IPv6 address"
        after = hostport[end + 1:]
        if after and not after.startswith(":"):
            return "invalid port (text after the IPv6 address)"
        port = after[1:]
    elif "[" in hostport or "]" in hostport:
        return "invalid IPv6 address (brackets must enclose the whole host)"
    else:
        port = hostport.rpartition(":")[2] if ":" in hostport else ""
        if hostport.count(":") > 1:
            return "invalid IPv6 address (an IPv6 host must be in brackets)"
    if not port:
        return None
    if not port.isascii() or not port.isdigit():
        return "invalid port (not a number)"
    if int(port) > 65535:
        return "invalid port (out of range 0-65535)"
    return None
