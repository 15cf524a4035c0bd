"""Test helpers: planted secrets, kubeconfig builders, a scriptable exec plugin, JWTs."""

from __future__ import annotations

import base64
import json
import stat
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional


#: Secrets planted in fixtures; redaction tests assert none of them ever leaks.
TOKEN = "s3cr3t-T0KEN-value"
PASSWORD = "s3cr3t-PASSW0RD"
# A real P-256 client key and certificate, and a CA certificate (test-only, valid until 2126):
# the kubeconfig loader parses TLS material, as client-go does, so placeholders would be refused.
KEY_PEM = (
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6q7JJJv+S2ZiVyxk\n"
    b"EiAriA+bsJ9c7LDhGDh/ECVlgq+hRANCAAStNgmcg83Lbk774J9m76tf9P03GkgS\n"
    b"S7j1DofhkcBm6kyGfLyrIbwVuS+jofWH6YDMepIWrRSkYg1MewkP4gpw\n"
    b"-----END PRIVATE KEY-----\n"
)
CERT_PEM = (
    b"-----BEGIN CERTIFICATE-----\n"
    b"MIIBmDCCAT2gAwIBAgIUBksb3Edypgj0On8h8ucL5HvbcEcwCgYIKoZIzj0EAwIw\n"
    b"IDEeMBwGA1UEAwwVZHluY2xpZW50LXRlc3QtY2xpZW50MCAXDTI2MTIwMzEzMTg1\n"
    b"MVoYDzIxMjYxMTA5MTMxODUxWjAgMR4wHAYDVQQDDBVkeW5jbGllbnQtdGVzdC1j\n"
    b"bGllbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAStNgmcg83Lbk774J9m76tf\n"
    b"9P03GkgSS7j1DofhkcBm6kyGfLyrIbwVuS+jofWH6YDMepIWrRSkYg1MewkP4gpw\n"
    b"o1MwUTAdBgNVHQ4EFgQUfCfywfwM0G1WG32Qq9wp5ZRwESEwHwYDVR0jBBgwFoAU\n"
    b"fCfywfwM0G1WG32Qq9wp5ZRwESEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD\n"
    b"AgNJADBGAiEAuN38PVxZlzpDpEn6hJdaF+GQGBVcMfiS5NeHscxDbvkCIQCV1fy0\n"
    b"mdMFNgAV/LUSbUw1EK5x9x9J0Nk8VUb6+FhX8g==\n"
    b"-----END CERTIFICATE-----\n"
)
CA_PEM = (
    b"-----BEGIN CERTIFICATE-----\n"
    b"MIIBkDCCATWgAwIBAgIUNtudups3obdEtOpc2sHmIcqP9BEwCgYIKoZIzj0EAwIw\n"
    b"HDEaMBgGA1UEAwwRZHluY2xpZW50LXRlc3QtY2EwIBcNMjYxMjAzMTMxODUxWhgP\n"
    b"MjEyNjExMDkxMzE4NTFaMBwxGjAYBgNVBAMMEWR5bmNsaWVudC10ZXN0LWNhMFkw\n"
    b"EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnCNV13dQqPd53fb9Itauv+KdH+H9lSV1\n"
    b"FFNvh27n1I30lyZacSRZTzxsVFAzsmddz7EOJnv04mh5XyV17iY3v6NTMFEwHQYD\n"
    b"VR0OBBYEFPOcdT+HCY5PNubPS/Ngx7JkgVIdMB8GA1UdIwQYMBaAFPOcdT+HCY5P\n"
    b"NubPS/Ngx7JkgVIdMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh\n"
    b"AM2ddgqJd9qgATsGQ9ZvzelxLPWMY+oyEgpGuwN8Q2WOAiEA7yAD3bHvdEyPe0/y\n"
    b"63cQ2LRrURTbpSnyEOubebFAfF8=\n"
    b"-----END CERTIFICATE-----\n"
)
#: A second key, which does not match CERT_PEM.
OTHER_KEY_PEM = (
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBbuom5JjaFNqpn8r\n"
    b"6E4FP0A0lesGhkTc6m3NII8rEhKhRANCAAQlKSwBjaeOu0JZCcbpVVUdJ73L7Gky\n"
    b"zTw6FrE4ryfmrA5QAT5EN4ukKZ/L717Af2RGfmQVHkC/HnPCeGBqI61S\n"
    b"-----END PRIVATE KEY-----\n"
)
#: A line from inside KEY_PEM: if it shows up anywhere, key material leaked.
KEY_MARKER = KEY_PEM.split(b"\n")[2].decode()
SECRETS = (TOKEN, PASSWORD, KEY_MARKER, base64.b64encode(KEY_PEM).decode()[40:100])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def kubeconfig(
    *,
    server: str = "https://k8s.example:6443",
    cluster: Optional[Dict[str, Any]] = None,
    user: Optional[Dict[str, Any]] = None,
    context: Optional[Dict[str, Any]] = None,
    name: str = "dev",
    current: Optional[str] = "dev",
) -> Dict[str, Any]:
    """A one-context kubeconfig dict; ``cluster``/``user``/``context`` replace the stanza bodies."""
    doc: Dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster if cluster is not None else {"server": server}}],
        "users": [{"name": name, "user": user if user is not None else {"token": TOKEN}}],
        "contexts": [{"name": name, "context": context if context is not None else {"cluster": name, "user": name}}],
    }
    if current is not None:
        doc["current-context"] = current
    return doc



PLUGIN_SOURCE = '''\
#!/usr/bin/env python3
"""A test exec credential plugin driven by files in $PLUGIN_STATE."""
import json, os, sys
state = os.environ["PLUGIN_STATE"]
def path(name):
    return os.path.join(state, name)
count = 1
if os.path.exists(path("count")):
    with open(path("count")) as f:
        count = int(f.read()) + 1
with open(path("count"), "w") as f:
    f.write(str(count))
try:
    stdin_target = os.path.realpath("/proc/self/fd/0")
except OSError:
    stdin_target = ""
record = {
    "argv": sys.argv[1:],
    "exec_info": json.loads(os.environ.get("KUBERNETES_EXEC_INFO", "null")),
    "env": {k: v for k, v in os.environ.items() if k.startswith("PLUGIN_")},
    "has_home": "HOME" in os.environ,
    "stdin": stdin_target,
}
with open(path("call-%d.json" % count), "w") as f:
    json.dump(record, f)
if os.path.exists(path("stderr")):
    with open(path("stderr")) as f:
        sys.stderr.write(f.read())
if os.path.exists(path("exit")):
    with open(path("exit")) as f:
        sys.exit(int(f.read()))
with open(path("response")) as f:
    sys.stdout.write(f.read().replace("{n}", str(count)))
'''


class Plugin:
    """An exec plugin script plus the state directory that drives and records it."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "plugin-state"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = root / "bin" / "test-plugin"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(PLUGIN_SOURCE)
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    def respond(self, doc: Any) -> None:
        """What the plugin prints; ``{n}`` in it becomes the call number."""
        (self.dir / "response").write_text(doc if isinstance(doc, str) else json.dumps(doc))

    def respond_token(self, api_version: str, token: str = "tok-{n}", expiration: Optional[str] = None) -> None:
        status: Dict[str, Any] = {"token": token}
        if expiration:
            status["expirationTimestamp"] = expiration
        self.respond({"apiVersion": api_version, "kind": "ExecCredential", "status": status})

    def fail(self, code: int, stderr: str = "") -> None:
        (self.dir / "exit").write_text(str(code))
        (self.dir / "stderr").write_text(stderr)

    @property
    def calls(self) -> int:
        count = self.dir / "count"
        return int(count.read_text()) if count.exists() else 0

    def call(self, number: int) -> Dict[str, Any]:
        return json.loads((self.dir / f"call-{number}.json").read_text())

    def exec_stanza(self, api_version: str, **extra: Any) -> Dict[str, Any]:
        stanza: Dict[str, Any] = {
            "command": str(self.path),
            "apiVersion": api_version,
            "env": [{"name": "PLUGIN_STATE", "value": str(self.dir)}],
        }
        if api_version.endswith("/v1"):
            stanza["interactiveMode"] = "Never"
        stanza.update(extra)
        return stanza




def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"secret leaked: {secret!r} in {text!r}"


def make_jwt(claims: Dict[str, Any]) -> str:
    def part(obj: Dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"
