"""Errors raised while loading a kubeconfig or obtaining credentials.

The config branch of dynclient's single error tree::

    DynclientError                  discovery/errors.py
    └── ConfigError                 a kubeconfig, in-cluster or credential problem
        ├── ExecPluginError         a client-go credential plugin failed
        └── CredentialsExpired      a stored credential is past its expiry (OIDC id-token)

Every message names where the problem is, in the order a reader looks for it::

    kubeconfig /x/config: context "dev": user "bob": client-key: file not found: /x/key.pem

Messages never carry a secret (token, password, key data): the values that
are shown are names, paths, URLs and commands only.
"""

from __future__ import annotations

from typing import Optional

from discovery.errors import DynclientError

__all__ = ["ConfigError", "ExecPluginError", "CredentialsExpired"]


class ConfigError(DynclientError):
    """The configuration cannot be used; says which file, context, entry and field.

    ``file`` is the kubeconfig the offending stanza came from (or ``"in-cluster"``),
    ``context`` the context being built, ``entry`` the stanza inside the file
    (``'user "bob"'``, ``'cluster "prod"'``, ``"users[2]"``) and ``field`` the
    key within it (``"client-key"``). Any of them may be ``None``; ``reason`` is
    the bare explanation. ``value`` is shown quoted after the field
    (``server "https://h:99999": invalid port``) and is only ever given for
    values that are not secret (URLs with their user info removed, names).
    """

    def __init__(
        self,
        reason: str,
        *,
        file: Optional[str] = None,
        context: Optional[str] = None,
        entry: Optional[str] = None,
        field: Optional[str] = None,
        value: Optional[str] = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.context = context
        self.entry = entry
        self.field = field
        self.value = value
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file if self.file == "in-cluster" else f"kubeconfig {self.file}")
        if self.context:
            parts.append(f'context "{self.context}"')
        if self.entry:
            parts.append(self.entry)
        if self.field:
            parts.append(self.field if self.value is None else f'{self.field} "{self.value}"')
        parts.append(self.reason)
        return ": ".join(parts)


class ExecPluginError(ConfigError):
    """A client-go exec credential plugin could not be run or gave unusable output."""


class CredentialsExpired(ConfigError):
    """A stored credential has expired and dynclient will not renew it over the network."""
