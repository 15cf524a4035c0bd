"""Decode a kubeconfig file's YAML as kubectl does, with limits, into the config error tree.

clientcmd decodes kubeconfigs with ``sigs.k8s.io/yaml`` (go-yaml v2, then
JSON), which ``dynclient.kyaml`` reproduces, together with go-yaml's alias
budget and a depth limit: a "billion laughs" hidden in an exec plugin's
``extensions`` fails at once with ``document contains excessive aliasing``
instead of hanging every command. Its ``KYAMLError`` becomes a ConfigError
naming the file and the line; the offending text is never quoted, since a
kubeconfig line may hold a token.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigError

__all__ = ["decode_kubeconfig"]


def decode_kubeconfig(data: bytes, *, path: str) -> Any:
    """The first YAML document of ``data`` (``None`` when empty); ConfigError naming ``path`` otherwise."""
    if not data.strip():
        return None
    from .. import kyaml  # YAML machinery only for callers that read files: kept off import time

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"invalid YAML: the file is not UTF-8 (byte {err.start})", file=path) from None
    try:
        return kyaml.safe_load(text, source=path)
    except kyaml.KYAMLError as err:
        where = f"line {err.line}: " if err.line is not None else ""
        raise ConfigError(f"{where}{err.problem}", file=path) from None
