"""Who to act as: the ``Impersonate-*`` request headers (client-go ``transport/round_trippers.go``).

The apiserver's impersonation filter reads ``req.Header["Impersonate-Group"]``
as a list of *separate* header lines; Go's net/http does not split a
comma-joined value. So the headers come out as a list of ``(name, value)``
pairs, and a transport must send each pair as its own header line (never
merged into a dict; ``dynclient.http`` sends the list as it is).

A value with CR, LF or another control character could end the header and
start another one, so it is refused before any request: where the kubeconfig
or the ``--as*`` flags are read, and again by ``header_pairs()``. Go's
net/http refuses the same values (``invalid header field value``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from discovery._frozen import Frozen

from ._headers import describe, invalid_header_char
from .errors import ConfigError

__all__ = ["Impersonation", "escape_extra_key", "FLAG_NAMES"]

#: The kubectl flag for each kubeconfig field, to name the source of an override.
FLAG_NAMES = {"as": "--as", "as-uid": "--as-uid", "as-groups": "--as-group", "as-user-extra": "--as-user-extra"}

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


class Impersonation(Frozen):
    """The identity to impersonate: user, uid, groups and extra fields (all optional)."""

    user: Optional[str]
    uid: Optional[str]
    groups: Tuple[str, ...]
    extra: Mapping[str, Tuple[str, ...]]
    __slots__ = ("user", "uid", "groups", "extra")

    def __init__(self, user: Optional[str] = None, uid: Optional[str] = None,
                 groups: Union[str, Iterable[str]] = (), extra: Optional[Mapping[str, Iterable[str]]] = None) -> None:
        object.__setattr__(self, "user", user)
        object.__setattr__(self, "uid", uid)
        object.__setattr__(self, "groups", _as_tuple(groups))
        frozen = {str(k): _as_tuple(v) for k, v in dict(extra or {}).items()}
        object.__setattr__(self, "extra", MappingProxyType(frozen))

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return self.__class__, (self.user, self.uid, self.groups, dict(self.extra))  # a mappingproxy does not pickle

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

    def _values(self) -> Iterator[Tuple[str, Optional[str], str]]:
        """``(kubeconfig field, index or key, value)`` for every value that becomes a header."""
        if self.user:
            yield "as", None, self.user
        if self.uid:
            yield "as-uid", None, self.uid
        for index, group in enumerate(self.groups):
            yield "as-groups", str(index), group
        for key in sorted(self.extra):
            for value in self.extra[key]:
                yield "as-user-extra", key, value

    def _invalid_value(self) -> Optional[Tuple[str, Optional[str], str]]:
        """``(field, index or key, character)`` of the first value a header cannot carry, or ``None``."""
        for field_name, where, value in self._values():
            bad = invalid_header_char(value)
            if bad is not None:
                return field_name, where, bad
        return None

    def problem(self, *, flags: bool = False) -> Optional[Tuple[str, str]]:
        """``(field, reason)`` when a value cannot be sent; ``flags`` names kubectl's ``--as*`` flags instead."""
        found = self._invalid_value()
        if found is None:
            return None
        field_name, where, bad = found
        if flags:
            label = FLAG_NAMES[field_name]
            if field_name == "as-groups":
                label += f" (value {int(where or 0) + 1})"
            elif field_name == "as-user-extra":
                label += f' (key "{escape_extra_key(where or "")}")'
        else:
            label = field_name
            if field_name == "as-groups":
                label += f"[{where}]"
            elif field_name == "as-user-extra":
                label += f'["{escape_extra_key(where or "")}"]'
        return label, (f"the value to impersonate contains an invalid character, {describe(bad)}; "
                       "CR, LF and other control characters cannot be sent in an Impersonate-* header")

    def header_pairs(self) -> List[Tuple[str, str]]:
        """The headers to send, as ``(name, value)`` pairs; names may repeat and must be sent repeated.

        Empty when no user is set: client-go only impersonates with a user name.
        Raises ConfigError, before anything is sent, for a value with a control character.
        """
        if not self.user:
            return []
        found = self.problem()
        if found is not None:
            raise ConfigError(found[1], field=f"impersonation {found[0]}")
        pairs = [(USER_HEADER, self.user)]
        if self.uid:
            pairs.append((UID_HEADER, self.uid))
        pairs.extend((GROUP_HEADER, group) for group in self.groups)
        for key in sorted(self.extra):
            name = EXTRA_HEADER_PREFIX + escape_extra_key(key)
            pairs.extend((name, value) for value in self.extra[key])
        return pairs
