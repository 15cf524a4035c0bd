"""Who to act as: the ``Impersonate-*`` request headers (client-go ``transport/round_trippers.go``).

The apiserver's impersonation filter reads ``req.Header["Impersonate-Group"]``
as a list of *separate* header lines; Go's net/http does not split a
comma-joined value. So the headers come out as a list of ``(name, value)``
pairs, and a transport must send each pair as its own header line (never
merged into a dict; ``dynclient.http`` sends the list as it is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, List, Mapping, Optional, Tuple, Union

__all__ = ["Impersonation", "escape_extra_key"]

USER_HEADER = "Impersonate-User"
UID_HEADER = "Impersonate-Uid"
GROUP_HEADER = "Impersonate-Group"
EXTRA_HEADER_PREFIX = "Impersonate-Extra-"

# RFC 7230 "tchar": the bytes legal in a header name (net/http lex.go isTokenTable).
_TCHAR = frozenset(
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


def escape_extra_key(key: str) -> str:
    """Percent-encode an extra key for use in a header name, as client-go's ``headerKeyEscape``.

    Bytes that are not legal in a header name are encoded as ``%XX``, and so is
    ``%`` itself, so the apiserver's ``url.PathUnescape`` gets the key back.
    """
    out = []
    for byte in key.encode("utf-8"):
        if byte in _TCHAR and byte != ord("%"):
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def _as_tuple(values: Union[str, Iterable[str]]) -> Tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True, eq=False, repr=False)
class Impersonation:
    """The identity to impersonate: user, uid, groups and extra fields (all optional)."""

    user: Optional[str] = None
    uid: Optional[str] = None
    groups: Tuple[str, ...] = ()
    extra: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", _as_tuple(self.groups))
        frozen = {str(k): _as_tuple(v) for k, v in dict(self.extra or {}).items()}
        object.__setattr__(self, "extra", MappingProxyType(frozen))

    def __repr__(self) -> str:
        return (
            f"Impersonation(user={self.user!r}, uid={self.uid!r}, "
            f"groups={self.groups!r}, extra={dict(self.extra)!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Impersonation):
            return NotImplemented
        return (self.user, self.uid, self.groups, dict(self.extra)) == (
            other.user, other.uid, other.groups, dict(other.extra))

    def __hash__(self) -> int:
        return hash((self.user, self.uid, self.groups, tuple(sorted(self.extra.items()))))

    def is_empty(self) -> bool:
        """True when nothing is impersonated."""
        return not (self.user or self.uid or self.groups or self.extra)

    def lacks_user(self) -> bool:
        """True when uid, groups or extra are asked for without a user (clientcmd rejects that)."""
        return not self.user and bool(self.uid or self.groups or self.extra)

    def overridden_by(self, other: Optional["Impersonation"]) -> "Impersonation":
        """Return a copy where every non-empty field of ``other`` replaces ours (kubectl ``--as*`` flags)."""
        if other is None:
            return self
        return Impersonation(
            user=other.user or self.user,
            uid=other.uid or self.uid,
            groups=other.groups or self.groups,
            extra=other.extra or self.extra,
        )

    def header_pairs(self) -> List[Tuple[str, str]]:
        """The headers to send, as ``(name, value)`` pairs; names may repeat and must be sent repeated.

        Empty when no user is set: client-go only impersonates with a user name.
        """
        if not self.user:
            return []
        pairs = [(USER_HEADER, self.user)]
        if self.uid:
            pairs.append((UID_HEADER, self.uid))
        pairs.extend((GROUP_HEADER, group) for group in self.groups)
        for key in sorted(self.extra):
            name = EXTRA_HEADER_PREFIX + escape_extra_key(key)
            pairs.extend((name, value) for value in self.extra[key])
        return pairs
