"""Check TLS material when the kubeconfig is loaded, not at the first handshake.

Unchecked, a CA that is base64 but not PEM, or a client key that does not
match its certificate, surfaces inside the first connection as an
``ssl.SSLError`` that looks like a network fault and is retried. client-go
parses this material while building the transport and stops with
``unable to load root certificates: unable to parse bytes as PEM block`` or
``tls: private key does not match public key``; these functions return the
same words (or ``None`` when the material is usable).

``ssl`` loads a certificate chain from files only. Material given as data is
checked through an anonymous in-memory file (``memfd_create``) where the
platform has one, otherwise through a 0600 temp file that is removed before
this function returns: no key material is left on disk by a check.
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
import tempfile
from typing import Iterator, List, Optional

__all__ = ["ca_problem", "key_pair_problem", "key_pair_files_problem"]

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


def _context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _no_password() -> bytes:
    # An encrypted key would otherwise make OpenSSL prompt on the terminal; client-go
    # cannot use one either.
    return b""


_CERT_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


def ca_problem(pem: bytes) -> Optional[str]:
    """Why ``pem`` cannot serve as root certificates (client-go's words), or ``None``.

    Go's ``AppendCertsFromPEM`` skips a certificate it cannot parse if another
    one parses. Python's ``load_verify_locations`` refuses the whole bundle, so
    the transport would fail at the first handshake: such a bundle is refused
    here, naming the block.
    """
    failed = "unable to load root certificates: unable to parse bytes as PEM block"
    blocks = _CERT_BLOCK.findall(pem)
    if not blocks:
        return failed  # DER, or text that is no PEM at all: Go's AppendCertsFromPEM finds nothing
    bad = []
    context = _context()
    for index, block in enumerate(blocks, 1):
        try:
            context.load_verify_locations(cadata=block.decode("ascii"))
        except (ssl.SSLError, UnicodeDecodeError, ValueError):
            bad.append(index)
    if len(bad) == len(blocks):
        return failed
    if bad:
        return (f"certificate {bad[0]} of the {len(blocks)} in the bundle cannot be parsed "
                "(kubectl skips it; Python's TLS stack would refuse the whole bundle at the first connection)")
    return None


def _block_types(pem: bytes) -> List[str]:
    return [m.group(1).decode("ascii") for m in _PEM_BLOCK.finditer(pem)]


@contextlib.contextmanager
def _transient_file(data: bytes) -> Iterator[str]:
    """A path that reads as ``data`` for the duration of the block, and is gone afterwards."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None and os.path.isdir("/proc/self/fd"):
        fd = memfd_create("dynclient-tls-check", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    fd, path = tempfile.mkstemp(prefix="dynclient-check-", suffix=".pem")  # mode 0600
    try:
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        yield path
    finally:
        os.unlink(path)


def _pem_problem(cert_pem: bytes, key_pem: bytes) -> Optional[str]:
    # tls.X509KeyPair's first checks, in its words.
    if "CERTIFICATE" not in _block_types(cert_pem):
        return "tls: failed to find any PEM data in certificate input"
    key_types = _block_types(key_pem)
    if not any(t == "PRIVATE KEY" or t.endswith(" PRIVATE KEY") for t in key_types):
        if "CERTIFICATE" in key_types:
            return "tls: found a certificate rather than a key in the PEM for the private key"
        return "tls: failed to find any PEM data in key input"
    return None


def key_pair_problem(cert_pem: bytes, key_pem: bytes) -> Optional[str]:
    """Why ``cert_pem``/``key_pem`` are not a usable client certificate (client-go's words), or ``None``."""
    problem = _pem_problem(cert_pem, key_pem)
    if problem:
        return problem
    with _transient_file(key_pem.rstrip(b"\n") + b"\n" + cert_pem) as path:
        return _load_problem(path, None)


def key_pair_files_problem(cert_file: str, key_file: str) -> Optional[str]:
    """``key_pair_problem`` for files already on disk (loaded where they are, never copied)."""
    try:
        with open(cert_file, "rb") as handle:
            cert_pem = handle.read()
        with open(key_file, "rb") as handle:
            key_pem = handle.read()
    except OSError as err:
        return f"cannot read: {err.strerror or type(err).__name__}"
    return _pem_problem(cert_pem, key_pem) or _load_problem(cert_file, key_file)


def _load_problem(cert_path: str, key_path: Optional[str]) -> Optional[str]:
    try:
        _context().load_cert_chain(cert_path, key_path, password=_no_password)
    except ssl.SSLError as err:
        if err.reason == "KEY_VALUES_MISMATCH":
            return "tls: private key does not match public key"
        return f"tls: failed to parse the certificate or private key ({err.reason or 'not valid PEM'})"
    return None
