"""One kubeconfig document (already YAML-decoded) into model values, with its paths resolved.

Checks the shapes that Go's decoder would reject (``clusters`` not a list, a
bool that is a string, bad base64, duplicate names) and names the file, the
entry and the field in every error. Unknown keys are ignored, as upstream.
Relative file references resolve against the directory of the file they
came from (clientcmd ``ResolveLocalPaths``): ``certificate-authority``,
``client-certificate``, ``client-key``, ``tokenFile``, and ``exec.command``
only when it contains a path separator (a bare name is looked up on PATH).
Values are never quoted in errors, since any of them might be a secret.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, TypeVar

from .errors import ConfigError
from .impersonation import Impersonation
from .model import AuthProviderConfig, ClusterInfo, ContextInfo, ExecConfig, UserInfo

__all__ = ["ParsedFile", "parse_document"]

T = TypeVar("T")


class ParsedFile:
    """The maps and settings of one kubeconfig document, in file order.

    A plain class, not a dataclass: generating one costs a millisecond of
    import time (``discovery._frozen``), and nothing compares or prints these.
    """

    __slots__ = ("source", "clusters", "users", "contexts", "current_context", "preferences", "extensions")

    def __init__(self, source: str, clusters: Optional[Dict[str, ClusterInfo]] = None,
                 users: Optional[Dict[str, UserInfo]] = None, contexts: Optional[Dict[str, ContextInfo]] = None,
                 current_context: Optional[str] = None, preferences: Optional[Dict[str, Any]] = None,
                 extensions: Optional[Dict[str, Any]] = None) -> None:
        self.source = source
        self.clusters: Dict[str, ClusterInfo] = {} if clusters is None else clusters
        self.users: Dict[str, UserInfo] = {} if users is None else users
        self.contexts: Dict[str, ContextInfo] = {} if contexts is None else contexts
        self.current_context = current_context
        self.preferences: Dict[str, Any] = {} if preferences is None else preferences
        self.extensions: Dict[str, Any] = {} if extensions is None else extensions

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ParsedFile({shown})"


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class _Reader:
    """Typed access to one mapping, raising ConfigErrors that say where."""

    def __init__(self, source: str, entry: Optional[str], base_dir: Optional[str]) -> None:
        self.source = source
        self.entry = entry
        self.base_dir = base_dir

    def error(self, field_name: Optional[str], reason: str) -> ConfigError:
        return ConfigError(reason, file=self.source, entry=self.entry, field=field_name)

    def mapping(self, value: Any, field_name: Optional[str]) -> Dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(field_name, f"expected a mapping, got {_type_name(value)}")
        return value

    def string(self, m: Mapping[str, Any], key: str, prefix: str = "") -> Optional[str]:
        value = m.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.error(prefix + key, f"expected a string, got {_type_name(value)}")
        return value

    def boolean(self, m: Mapping[str, Any], key: str, prefix: str = "") -> bool:
        value = m.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(prefix + key, f"expected true or false, got {_type_name(value)}")
        return value

    def data(self, m: Mapping[str, Any], key: str) -> Optional[bytes]:
        text = self.string(m, key)
        if text is None:
            return None
        try:
            # Go's []byte JSON decoding: standard base64, line breaks tolerated.
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise self.error(key, "is not valid base64") from None

    def path(self, m: Mapping[str, Any], key: str) -> Optional[str]:
        value = self.string(m, key)
        return self.resolve(value) if value else None

    def resolve(self, value: str) -> str:
        if self.base_dir and not os.path.isabs(value):
            return os.path.normpath(os.path.join(self.base_dir, value))
        return value

    def strings(self, m: Mapping[str, Any], key: str, prefix: str = "") -> Tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(prefix + key, "expected a list of strings")
        return tuple(value)


def _named_list(
    doc: Mapping[str, Any],
    key: str,
    inner: str,
    source: str,
    build: Callable[[str, Dict[str, Any]], T],
) -> Dict[str, T]:
    """Decode a ``[{name: ..., <inner>: {...}}]`` list into an ordered dict; names must be unique."""
    items = doc.get(key)
    if items is None:
        return {}
    if not isinstance(items, list):
        raise ConfigError(f"expected a list, got {_type_name(items)}", file=source, field=key)
    out: Dict[str, T] = {}
    for index, item in enumerate(items):
        where = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f"expected a mapping, got {_type_name(item)}", file=source, entry=where)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError("every entry needs a non-empty string name", file=source, entry=where, field="name")
        if name in out:
            # clientcmd's v1 conversion rejects duplicate names within one file.
            raise ConfigError(f'duplicate name "{name}"', file=source, entry=where, field="name")
        body = item.get(inner)
        if body is not None and not isinstance(body, dict):
            raise ConfigError(f"expected a mapping, got {_type_name(body)}", file=source, entry=where, field=inner)
        out[name] = build(name, dict(body or {}))
    return out


def _extensions(reader: _Reader, value: Any, field_name: str) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise reader.error(field_name, f"expected a list, got {_type_name(value)}")
    out: Dict[str, Any] = {}
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise reader.error(f"{field_name}[{index}]", "every extension needs a name")
        out.setdefault(item["name"], item.get("extension"))
    return out


def _cluster(source: str, base_dir: Optional[str], name: str, m: Dict[str, Any]) -> ClusterInfo:
    r = _Reader(source, f'cluster "{name}"', base_dir)
    raw = dict(m)
    ca = r.path(m, "certificate-authority")
    if ca:
        raw["certificate-authority"] = ca
    return ClusterInfo(
        server=r.string(m, "server"),
        certificate_authority=ca,
        certificate_authority_data=r.data(m, "certificate-authority-data"),
        insecure_skip_tls_verify=r.boolean(m, "insecure-skip-tls-verify"),
        tls_server_name=r.string(m, "tls-server-name"),
        proxy_url=r.string(m, "proxy-url"),
        disable_compression=r.boolean(m, "disable-compression"),
        extensions=_extensions(r, m.get("extensions"), "extensions"),
        origin=source,
        raw=raw,
    )


def _exec(r: _Reader, value: Any) -> Optional[ExecConfig]:
    if value is None:
        return None
    m = r.mapping(value, "exec")
    env: List[Tuple[str, str]] = []
    raw_env = m.get("env")
    if raw_env is not None:
        if not isinstance(raw_env, list):
            raise r.error("exec.env", f"expected a list, got {_type_name(raw_env)}")
        for index, item in enumerate(raw_env):
            if not isinstance(item, dict):
                raise r.error(f"exec.env[{index}]", "expected a mapping with name and value")
            env_name = r.string(item, "name", f"exec.env[{index}].")
            env_value = item.get("value", "")
            if not isinstance(env_value, str):
                raise r.error(f"exec.env[{index}].value", f"expected a string, got {_type_name(env_value)}")
            env.append((env_name or "", env_value))
    command = r.string(m, "command", "exec.") or ""
    if command and os.sep in command:
        command = r.resolve(command)
    return ExecConfig(
        command=command,
        args=r.strings(m, "args", "exec."),
        env=tuple(env),
        api_version=r.string(m, "apiVersion", "exec.") or "",
        install_hint=r.string(m, "installHint", "exec."),
        interactive_mode=r.string(m, "interactiveMode", "exec."),
        provide_cluster_info=r.boolean(m, "provideClusterInfo", "exec."),
    )


def _auth_provider(r: _Reader, value: Any) -> Optional[AuthProviderConfig]:
    if value is None:
        return None
    m = r.mapping(value, "auth-provider")
    name = r.string(m, "name", "auth-provider.")
    if not name:
        raise r.error("auth-provider.name", "is required")
    config = r.mapping(m.get("config"), "auth-provider.config")
    if not all(isinstance(v, str) for v in config.values()):
        raise r.error("auth-provider.config", "expected a mapping of strings")
    return AuthProviderConfig(name=name, config=dict(config))


def _impersonation(r: _Reader, m: Mapping[str, Any]) -> Impersonation:
    extra_raw = r.mapping(m.get("as-user-extra"), "as-user-extra")
    extra: Dict[str, Tuple[str, ...]] = {}
    for key, values in extra_raw.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise r.error("as-user-extra", "expected a mapping of string lists")
        extra[str(key)] = tuple(values)
    return Impersonation(
        user=r.string(m, "as"),
        uid=r.string(m, "as-uid"),
        groups=r.strings(m, "as-groups"),
        extra=extra,
    )


def _user(source: str, base_dir: Optional[str], name: str, m: Dict[str, Any]) -> UserInfo:
    r = _Reader(source, f'user "{name}"', base_dir)
    return UserInfo(
        client_certificate=r.path(m, "client-certificate"),
        client_certificate_data=r.data(m, "client-certificate-data"),
        client_key=r.path(m, "client-key"),
        client_key_data=r.data(m, "client-key-data"),
        token=r.string(m, "token"),
        token_file=r.path(m, "tokenFile"),
        username=r.string(m, "username"),
        password=r.string(m, "password"),
        exec=_exec(r, m.get("exec")),
        auth_provider=_auth_provider(r, m.get("auth-provider")),
        impersonate=_impersonation(r, m),
        origin=source,
    )


def _context(source: str, name: str, m: Dict[str, Any]) -> ContextInfo:
    r = _Reader(source, f'context "{name}"', None)
    return ContextInfo(
        cluster=r.string(m, "cluster"),
        user=r.string(m, "user"),
        namespace=r.string(m, "namespace"),
        origin=source,
        raw=dict(m),
    )


def parse_document(doc: Any, *, source: str, base_dir: Optional[str]) -> ParsedFile:
    """Decode one kubeconfig document; ``base_dir`` (absolute) anchors relative paths, None keeps them."""
    if doc is None:
        return ParsedFile(source=source)
    if not isinstance(doc, dict):
        raise ConfigError(f"expected a kubeconfig mapping at the top level, got {_type_name(doc)}", file=source)
    kind = doc.get("kind")
    if kind not in (None, "", "Config"):
        raise ConfigError(f'expected kind "Config", got "{kind}"', file=source, field="kind")
    top = _Reader(source, None, base_dir)
    current = doc.get("current-context")
    if current is not None and not isinstance(current, str):
        raise top.error("current-context", f"expected a string, got {_type_name(current)}")
    return ParsedFile(
        source=source,
        clusters=_named_list(doc, "clusters", "cluster", source, lambda n, m: _cluster(source, base_dir, n, m)),
        users=_named_list(doc, "users", "user", source, lambda n, m: _user(source, base_dir, n, m)),
        contexts=_named_list(doc, "contexts", "context", source, lambda n, m: _context(source, n, m)),
        current_context=current or None,
        preferences=top.mapping(doc.get("preferences"), "preferences"),
        extensions=_extensions(top, doc.get("extensions"), "extensions"),
    )
