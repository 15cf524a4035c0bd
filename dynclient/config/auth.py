"""Per-request credentials: the ``AuthProvider`` seam and its simple implementations.

A transport asks ``headers()`` before each request, ``client_cert()`` when it
builds its TLS context, and calls ``refresh()`` once after a 401 and retries
only if it returns True (client-go does the same for exec plugins and
token files). The exec plugin lives in ``exec_plugin.py``.

None of these objects ever prints its secret: not in ``repr``, not in an error.
A token that cannot be sent as a header value (a newline pasted with it) is
refused where the header is made, naming whose token it is, never the token.
Basic auth needs no such check: its header value is base64, which carries no
control character whatever the password holds (Go's ``SetBasicAuth`` alike).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from typing import Callable, Dict, Optional, Protocol, Tuple, runtime_checkable

from ._headers import describe, invalid_token_char
from .errors import ConfigError, CredentialsExpired
from .model import REDACTED

__all__ = ["AuthProvider", "StaticToken", "TokenFile", "BasicAuth", "OIDCToken"]

Clock = Callable[[], float]


@runtime_checkable
class AuthProvider(Protocol):
    """Supplies credentials for each request to one API server."""

    def headers(self) -> Dict[str, str]:
        """Headers to add to the next request, e.g. ``{"Authorization": "Bearer ..."}``."""
        ...

    def client_cert(self) -> Optional[Tuple[str, str]]:
        """``(cert_path, key_path)`` for the TLS handshake, or ``None``."""
        ...

    def refresh(self) -> bool:
        """Get new credentials after a 401; True if they differ, so a retry is worth it."""
        ...


def _bearer(token: str, whose: str, where: Optional[Dict[str, Optional[str]]] = None) -> Dict[str, str]:
    """The ``Authorization`` header for ``token``; ConfigError if it holds a character a header cannot carry."""
    bad = invalid_token_char(token)
    if bad is not None:
        raise ConfigError(f"the token of {whose} contains an invalid character, {describe(bad)}; "
                          "it cannot be sent in an HTTP header", **(where or {}))
    return {"Authorization": f"Bearer {token}"}


def _whose(user: Optional[str], entry: Optional[str] = None) -> str:
    if user is not None:
        return f'user "{user}"'
    return entry or "the user"


class StaticToken:
    """A bearer token written in the kubeconfig (``users[].user.token``)."""

    def __init__(self, token: str, *, user: Optional[str] = None, file: Optional[str] = None,
                 context: Optional[str] = None) -> None:
        if not token:
            raise ValueError("StaticToken needs a non-empty token")
        self._token = token
        self._whose = _whose(user)
        self._where = {"file": file, "context": context}

    def __repr__(self) -> str:
        return f"StaticToken(token={REDACTED})"

    def headers(self) -> Dict[str, str]:
        """The bearer token header."""
        return _bearer(self._token, self._whose, self._where)

    def client_cert(self) -> Optional[Tuple[str, str]]:
        """Always ``None``: a token is not a certificate."""
        return None

    def refresh(self) -> bool:
        """A static token cannot change: always False."""
        return False


class TokenFile:
    """A bearer token read from a file that may be rotated (``tokenFile``, service accounts).

    Re-read when the file's mtime or size changes, and at least every
    ``max_age`` seconds, like client-go's ``cachingTokenSource`` over a
    ``fileTokenSource`` (one-minute period). Surrounding whitespace is trimmed.
    """

    def __init__(
        self,
        path: str,
        *,
        max_age: float = 60.0,
        clock: Clock = time.monotonic,
        file: Optional[str] = None,
        context: Optional[str] = None,
        entry: Optional[str] = None,
    ) -> None:
        self.path = path
        self._max_age = max_age
        self._clock = clock
        self._where = {"file": file, "context": context, "entry": entry}
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._stamp: Optional[Tuple[int, int, int]] = None
        self._read_at = 0.0

    def __repr__(self) -> str:
        return f"TokenFile(path={self.path!r})"

    def _error(self, reason: str) -> ConfigError:
        return ConfigError(reason, field="tokenFile", **self._where)

    def _stat(self) -> Tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise self._error(f"file not found: {self.path}") from None
        except OSError as err:
            raise self._error(f"cannot read {self.path}: {err.strerror}") from None
        # The inode catches kubelet's atomic symlink swap of projected tokens.
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _read_locked(self) -> str:
        stamp = self._stat()
        try:
            with open(self.path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except (OSError, UnicodeDecodeError) as err:
            raise self._error(f"cannot read {self.path}: {type(err).__name__}") from None
        if not token:
            raise self._error(f"token file is empty: {self.path}")
        self._token, self._stamp, self._read_at = token, stamp, self._clock()
        return token

    def token(self) -> str:
        """The current token, re-read if the file changed or the cached copy is stale."""
        with self._lock:
            if (
                self._token is None
                or self._clock() - self._read_at >= self._max_age
                or self._stat() != self._stamp
            ):
                return self._read_locked()
            return self._token

    def headers(self) -> Dict[str, str]:
        """The bearer token header with the file's current token."""
        where = {"file": self._where["file"], "context": self._where["context"]}
        return _bearer(self.token(), f"{_whose(None, self._where['entry'])} (tokenFile {self.path})", where)

    def client_cert(self) -> Optional[Tuple[str, str]]:
        """Always ``None``."""
        return None

    def refresh(self) -> bool:
        """Re-read the file now; True if the token changed."""
        with self._lock:
            old = self._token
            return self._read_locked() != old


class BasicAuth:
    """HTTP basic auth from ``username``/``password`` (deprecated upstream but still served)."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self._password = password

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password={REDACTED})"

    def headers(self) -> Dict[str, str]:
        """The ``Authorization: Basic`` header."""
        raw = f"{self.username}:{self._password}".encode("utf-8")
        return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}

    def client_cert(self) -> Optional[Tuple[str, str]]:
        """Always ``None``."""
        return None

    def refresh(self) -> bool:
        """Fixed credentials: always False."""
        return False


def _jwt_claims(token: str) -> Dict[str, object]:
    """Decode a JWT's payload without verifying it; ValueError if it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT (expected three dot-separated parts)")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        raise ValueError("the JWT payload is not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise ValueError("the JWT payload is not a JSON object")
    return claims


_REFRESH_HINT = 'run "kubectl oidc-login" or your provider\'s login to refresh it'


class OIDCToken:
    """The ``oidc`` auth-provider: send its ``id-token``, and refuse one that has expired.

    client-go's oidc provider (removed in 1.26) refreshed tokens itself; we never
    talk to the identity provider. The JWT payload is decoded without
    verification only to read ``exp``: the API server does the verifying.
    """

    def __init__(
        self,
        id_token: Optional[str],
        *,
        issuer: Optional[str] = None,
        clock: Clock = time.time,
        file: Optional[str] = None,
        context: Optional[str] = None,
        entry: Optional[str] = None,
    ) -> None:
        self.issuer = issuer
        self._where = {"file": file, "context": context, "entry": entry}
        self._clock = clock
        if not id_token:
            raise CredentialsExpired(
                f"the oidc auth-provider has no id-token; {_REFRESH_HINT}",
                field="auth-provider.config.id-token", **self._where)
        try:
            claims = _jwt_claims(id_token)
        except ValueError as err:
            raise ConfigError(str(err), field="auth-provider.config.id-token", **self._where) from None
        exp = claims.get("exp")
        if exp is not None and not isinstance(exp, (int, float)):
            raise ConfigError("the id-token's exp claim is not a number",
                              field="auth-provider.config.id-token", **self._where)
        self.expires_at: Optional[float] = float(exp) if exp is not None else None
        self._token = id_token

    def __repr__(self) -> str:
        return f"OIDCToken(id_token={REDACTED}, issuer={self.issuer!r}, expires_at={self.expires_at!r})"

    def is_expired(self) -> bool:
        """True when the id-token's ``exp`` is in the past."""
        return self.expires_at is not None and self._clock() >= self.expires_at

    def headers(self) -> Dict[str, str]:
        """The bearer header; raises CredentialsExpired once the token has expired."""
        if self.is_expired():
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.expires_at or 0))
            raise CredentialsExpired(
                f"the oidc id-token expired at {when}; {_REFRESH_HINT}",
                field="auth-provider.config.id-token", **self._where)
        return _bearer(self._token, f"{_whose(None, self._where['entry'])} (oidc id-token)",
                       {"file": self._where["file"], "context": self._where["context"]})

    def client_cert(self) -> Optional[Tuple[str, str]]:
        """Always ``None``."""
        return None

    def refresh(self) -> bool:
        """Never refreshes over the network: always False."""
        return False
