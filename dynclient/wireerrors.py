"""requests/urllib3 failures as one ``ConnectionError`` whose message names the cause (and the proxy, when it was the proxy's).

requests wraps urllib3, which wraps the socket library: a refused
connection arrives as ``ConnectionError(MaxRetryError(NewConnectionError(
ConnectionRefusedError)))``, each with its own text, the middle ones naming
pool objects. What a user needs is the innermost cause, and, when a proxy
was involved, which proxy; never its password.
"""

from __future__ import annotations

from typing import List, Optional

import requests
from urllib3.exceptions import ProxyError as _Urllib3ProxyError

from .proxy import ProxyURL

__all__ = ["innermost", "wire_error"]


def _chain(err: BaseException) -> List[BaseException]:
    """``err`` and what it wraps: requests' args[0], urllib3's ``reason``/``original_error``, causes."""
    seen: List[BaseException] = []
    current: Optional[BaseException] = err
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        nxt = getattr(current, "reason", None) if not isinstance(getattr(current, "reason", None), str) else None
        if nxt is None and isinstance(current, _Urllib3ProxyError):
            nxt = current.original_error
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        if nxt is None and len(current.args) > 1 and isinstance(current.args[1], BaseException):
            nxt = current.args[1]
        if nxt is None:
            nxt = current.__cause__ or current.__context__
        current = nxt if isinstance(nxt, BaseException) else None
    return seen


def _is_wrapper(err: BaseException) -> bool:
    module = type(err).__module__
    return module.startswith(("requests", "urllib3")) or type(err) is ConnectionError and not err.args


def innermost(err: BaseException) -> str:
    """The deepest error that is not a requests/urllib3 wrapper, as ``Type: message``."""
    chain = _chain(err)
    root = next((e for e in reversed(chain) if not _is_wrapper(e)), chain[-1])
    return f"{type(root).__name__}: {root}"


def wire_error(what: str, err: BaseException, proxy: Optional[ProxyURL]) -> ConnectionError:
    """A requests/urllib3 failure as the ``ConnectionError`` this module promises, credentials scrubbed."""
    chain = _chain(err)
    text = innermost(err)
    via_proxy = proxy is not None and any(
        isinstance(e, (_Urllib3ProxyError, requests.exceptions.ProxyError)) or type(e).__module__ == "socks"
        for e in chain)
    if via_proxy:
        assert proxy is not None
        text = f"proxy {proxy.address} ({proxy.origin}): {text}"
    if what:
        text = f"{what}: {text}"
    if proxy is not None:
        text = proxy.scrub(text)
    return ConnectionError(text)
