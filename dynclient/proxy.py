"""Which proxy a request to the API server goes through: kubectl's rules, without requests' own.

client-go takes the cluster's ``proxy-url`` when the kubeconfig has one, and
otherwise ``http.ProxyFromEnvironment``, whose rules live in
``golang.org/x/net/http/httpproxy`` (config.go). This module is a port of
those rules, so that dynclient and kubectl send the same request the same
way on the same machine:

* ``HTTPS_PROXY`` for https URLs, ``HTTP_PROXY`` for http URLs; each name is
  read upper case first, then lower case. ``HTTP_PROXY`` is ignored when
  ``REQUEST_METHOD`` is set (a CGI process, httpoxy).
* A proxy value without a scheme is ``http://`` + value.
* ``localhost`` and loopback addresses (127/8, ``::1``) never use an
  environment proxy.
* ``NO_PROXY`` is a comma-separated list: ``*`` (no proxy at all), an IP
  address (optionally ``ip:port``), a CIDR, a host name (that host and its
  subdomains, optionally ``host:port``), or ``.domain`` / ``*.domain``
  (subdomains only).

The session that sends requests has ``trust_env = False``, so requests'
different reading of the same variables (its ``no_proxy`` has no CIDRs and
no ports) never applies.

A proxy URL can carry ``user:password``; ``redact`` is what any message
shows instead.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import List, Mapping, Optional, Tuple, Union
from urllib.parse import quote, unquote, urlsplit

__all__ = ["ProxyURL", "from_environment", "proxy_for", "redact", "NoProxy"]

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
_DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


@dataclass(frozen=True)
class ProxyURL:
    """A proxy: its URL as configured (credentials included) and where it came from.

    ``origin`` is ``"proxy-url"`` (the kubeconfig) or the environment variable's name.
    ``str()`` and ``repr()`` never show the password.
    """

    url: str
    origin: str

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 80)

    @property
    def credentials(self) -> Optional[Tuple[str, str]]:
        """``(user, password)`` percent-decoded, or ``None``."""
        parts = urlsplit(self.url)
        if parts.username is None:
            return None
        return unquote(parts.username), unquote(parts.password or "")

    @property
    def address(self) -> str:
        """``host:port`` (IPv6 in brackets): how messages name the proxy."""
        host = self.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def scrub(self, text: str) -> str:
        """``text`` with this proxy's password (raw or percent-encoded) replaced by ``<redacted>``."""
        creds = self.credentials
        if creds is None or not creds[1]:
            return text
        raw_password = urlsplit(self.url).password or ""
        for secret in sorted({creds[1], raw_password, quote(creds[1], safe="")}, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "<redacted>")
        return text

    def __repr__(self) -> str:
        return f"ProxyURL({redact(self.url)!r}, origin={self.origin!r})"

    __str__ = __repr__


def redact(url: str) -> str:
    """``url`` with its password replaced by ``<redacted>`` (the user name is kept, as Go's ``URL.Redacted``)."""
    try:
        parts = urlsplit(url)
        has_password = parts.password is not None
    except ValueError:
        return "<redacted>"
    if not has_password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:<redacted>@{host}").geturl()


def _parse_ip(host: str) -> Optional[IPAddress]:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _is_loopback(ip: IPAddress) -> bool:
    # Go's IsLoopback sees an IPv4-mapped IPv6 address as the IPv4 address it carries.
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _split_host_port(text: str) -> Tuple[str, str]:
    """Go's ``net.SplitHostPort``, leniently: ``("host", "port")``, or ``(text, "")`` when there is no port."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[end + 1:end + 2] == ":":
            return text[1:end], text[end + 2:]
        return text.strip("[]"), ""
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, port
    return text, ""


class NoProxy:
    """A parsed ``NO_PROXY`` (httpproxy ``config.init``): ``matches(host, port)`` means "go direct"."""

    def __init__(self, value: str) -> None:
        self.everything = False
        self._cidrs: List[Union[ipaddress.IPv4Network, ipaddress.IPv6Network]] = []
        self._ips: List[Tuple[IPAddress, str]] = []
        self._domains: List[Tuple[str, str, bool]] = []  # (".suffix", port, also the bare host)
        for entry in value.split(","):
            entry = entry.strip().lower()
            if not entry:
                continue
            if entry == "*":
                self.everything = True
                return
            if "/" in entry:
                try:
                    self._cidrs.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    pass  # Go skips what ParseCIDR refuses... and then tries it as a host below
                else:
                    continue
            host, port = _split_host_port(entry)
            ip = _parse_ip(host)
            if ip is not None:
                self._ips.append((ip, port))
                continue
            if not host:
                continue
            if host.startswith("*."):
                host = host[1:]
            exact = not host.startswith(".")
            if exact:
                host = "." + host
            self._domains.append((host, port, exact))

    def matches(self, host: str, port: str) -> bool:
        """True when ``host:port`` must not use the proxy."""
        if self.everything:
            return True
        host = host.strip().lower().strip("[]")
        ip = _parse_ip(host)
        if ip is not None:
            for net in self._cidrs:
                if ip.version == net.version and ip in net:
                    return True
            for listed, listed_port in self._ips:
                if listed == ip and listed_port in ("", port):
                    return True
        for suffix, listed_port, exact in self._domains:
            if host.endswith(suffix) or (exact and host == suffix[1:]):
                if listed_port in ("", port):
                    return True
        return False


def _env(environ: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = environ.get(name)
        if value:
            return value
    return ""


def _env_name(environ: Mapping[str, str], *names: str) -> str:
    return next((name for name in names if environ.get(name)), names[0])


def _with_scheme(value: str) -> str:
    """httpproxy ``parseProxy``: a value with no scheme (or no host) is read as ``http://value``."""
    try:
        parts = urlsplit(value)
        if parts.scheme and parts.netloc:
            return value
    except ValueError:
        pass
    return "http://" + value


def from_environment(server_url: str, environ: Optional[Mapping[str, str]] = None) -> Optional[ProxyURL]:
    """The environment's proxy for ``server_url`` by Go's ``ProxyFromEnvironment`` rules, or ``None`` for direct."""
    env = os.environ if environ is None else environ
    parts = urlsplit(server_url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        names: Tuple[str, ...] = ("HTTPS_PROXY", "https_proxy")
    elif scheme == "http" and not env.get("REQUEST_METHOD"):
        names = ("HTTP_PROXY", "http_proxy")
    else:
        return None
    value = _env(env, *names)
    if not value:
        return None
    host = (parts.hostname or "").lower()
    port = str(parts.port or _DEFAULT_PORTS[scheme])
    if host == "localhost":
        return None
    ip = _parse_ip(host)
    if ip is not None and _is_loopback(ip):
        return None
    if NoProxy(_env(env, "NO_PROXY", "no_proxy")).matches(host, port):
        return None
    return ProxyURL(_with_scheme(value), _env_name(env, *names))


def proxy_for(server_url: str, proxy_url: str = "", environ: Optional[Mapping[str, str]] = None) -> Optional[ProxyURL]:
    """The proxy for requests to ``server_url``: the kubeconfig's ``proxy-url`` first, else the environment."""
    if proxy_url:
        return ProxyURL(proxy_url, "proxy-url")
    return from_environment(server_url, environ)
