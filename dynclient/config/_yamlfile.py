"""Decode a kubeconfig file's YAML as kubectl does, with limits, into the config error tree.

clientcmd decodes kubeconfigs with ``sigs.k8s.io/yaml`` (go-yaml v2, then
JSON), which ``dynclient.kyaml`` reproduces, together with go-yaml's alias
budget and a depth limit: a "billion laughs" hidden in an exec plugin's
``extensions`` fails at once with ``document contains excessive aliasing``
instead of hanging every command. Its ``KYAMLError`` becomes a ConfigError
naming the file and the line; the offending text is never quoted, since a
kubeconfig line may hold a token.

A kubeconfig written as JSON (``kubectl config view -o json``, generated
files) is YAML too, and most of them read the same through ``json``: when
the text is plain enough that both readers must agree, ``json`` reads it and
PyYAML is not imported at all (about a sixth of a cold ``connect()``'s own
CPU). Anything else, and every error, goes through ``kyaml``.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ConfigError

__all__ = ["decode_kubeconfig"]

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
#: kyaml's MAX_DEPTH; a text with fewer brackets than this cannot nest deeper.
_MAX_BRACKETS = 256


class _NotPlain(Exception):
    """The JSON holds something YAML may read otherwise (a float, NaN, a 65-bit integer): ask kyaml."""


def _int64(text: str) -> int:
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _NotPlain  # go-yaml: a float (kyaml's rule); leave it to kyaml
    return value


def _refuse(text: str) -> Any:
    raise _NotPlain


_DECODER = json.JSONDecoder(parse_float=_refuse, parse_int=_int64, parse_constant=_refuse)


def _plain_json(text: str) -> Any:
    """``text`` decoded as JSON when go-yaml would give exactly the same value, else ``None``.

    Same value guaranteed by what is let through: one JSON object of
    printable ASCII (no tab: YAML refuses one at the start of a line; no
    backslash: JSON's escapes and YAML's differ on surrogates), whose
    numbers are all int64 integers (a float or a larger integer is
    converted by sigs.k8s.io/yaml), nested less than kyaml's depth limit.
    Strings, ``true``/``false``/``null`` and such integers mean the same to
    both readers, and both keep the last of duplicate keys.
    """
    if not text.startswith("{") or not text.isascii() or "\\" in text or "\t" in text or "\x7f" in text:
        return None
    if text.count("{") + text.count("[") > _MAX_BRACKETS:
        return None
    try:
        value = _DECODER.decode(text)
    except (_NotPlain, ValueError):
        return None
    return value if isinstance(value, dict) else None


def decode_kubeconfig(data: bytes, *, path: str) -> Any:
    """The first YAML document of ``data`` (``None`` when empty); ConfigError naming ``path`` otherwise."""
    if not data.strip():
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"invalid YAML: the file is not UTF-8 (byte {err.start})", file=path) from None
    plain = _plain_json(text.strip(" \r\n"))
    if plain is not None:
        return plain
    from .. import kyaml  # YAML machinery only for YAML files: kept off import time, and off JSON files

    try:
        return kyaml.safe_load(text, source=path)
    except kyaml.KYAMLError as err:
        where = f"line {err.line}: " if err.line is not None else ""
        raise ConfigError(f"{where}{err.problem}", file=path) from None
