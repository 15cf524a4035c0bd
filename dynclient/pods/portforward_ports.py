"""Which local port goes to which pod port: the ``ports`` argument of ``port_forward``, checked before anything opens.

The library's reading (the issue's): a bare remote port (``80`` or ``"80"``)
listens on a free local port; ``"8080:80"`` on 8080; ``":80"`` on a free one.
``kubectl port-forward pod 80`` instead listens on 80 itself; the CLI turns
that into ``"80:80"`` before calling the library, so both readings stay exact.
The messages are client-go's ``parsePorts`` ones, which kubectl prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Union

__all__ = ["PortMapping", "parse_ports", "parse_port"]


@dataclass(frozen=True)
class PortMapping:
    """One forwarded port: ``local`` 0 means "pick a free one" until the listener is bound."""

    local: int
    remote: int


def _number(text: str, which: str) -> int:
    """client-go's ``strconv.ParseUint(s, 10, 16)`` with its error text."""
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"error parsing {which} port '{text}': strconv.ParseUint: parsing \"{text}\": invalid syntax")
    value = int(text)
    if value > 65535:
        raise ValueError(f"error parsing {which} port '{text}': strconv.ParseUint: parsing \"{text}\": "
                         "value out of range")
    return value


def parse_port(spec: Union[int, str]) -> PortMapping:
    """One mapping from ``80``, ``"80"``, ``":80"`` or ``"8080:80"``; ``ValueError`` in client-go's words."""
    if isinstance(spec, bool) or not isinstance(spec, (int, str)):
        raise TypeError(f"a port is an int or a string, not {type(spec).__name__}")
    if isinstance(spec, int):
        if not 0 < spec <= 65535:
            raise ValueError(f"remote port must be > 0 and < 65536, not {spec}")
        return PortMapping(0, spec)
    parts = spec.split(":")
    if len(parts) == 1:
        local_text, remote_text = "0", parts[0]
    elif len(parts) == 2:
        local_text, remote_text = parts[0] or "0", parts[1]
    else:
        raise ValueError(f"invalid port format '{spec}'")
    local = _number(local_text, "local")
    remote = _number(remote_text, "remote")
    if remote == 0:
        raise ValueError("remote port must be > 0")
    return PortMapping(local, remote)


def parse_ports(specs: Sequence[Union[int, str]]) -> List[PortMapping]:
    """Every mapping of ``specs`` in order; at least one is needed."""
    if isinstance(specs, (str, int)):
        specs = [specs]
    mappings = [parse_port(s) for s in specs]
    if not mappings:
        raise ValueError("at least 1 PORT is required for port-forward")
    return mappings
