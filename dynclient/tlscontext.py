"""The ``ssl.SSLContext`` a kubeconfig cluster and user ask for, handed to urllib3 through the adapter.

Why a context of our own rather than requests' ``verify=``/``cert=``: the
kubeconfig's CA usually comes as data, and ``load_verify_locations(cadata=)``
takes it from memory, where ``verify=`` wants a file. ``tls-server-name`` is
set on the pool as urllib3's ``server_hostname`` (SNI) and
``assert_hostname`` (the name the certificate must carry), as client-go sets
``tls.Config.ServerName`` for both.
"""

from __future__ import annotations

import ssl
from typing import Any, Dict, Optional, Tuple

__all__ = ["TLSConfig", "ClientCert"]

ClientCert = Optional[Tuple[str, str]]


class TLSConfig:
    """What the TLS handshake needs from a kubeconfig cluster entry.

    ``verify`` False is ``insecure-skip-tls-verify``. ``server_name`` is
    ``tls-server-name``: sent as SNI and checked against the certificate
    instead of the URL's host. Without ``ca_file``/``ca_data`` the system
    CAs are trusted, as Go's ``x509.SystemCertPool``.
    """

    __slots__ = ("verify", "ca_file", "ca_data", "server_name")

    def __init__(self, *, verify: bool = True, ca_file: Optional[str] = None, ca_data: Optional[bytes] = None,
                 server_name: str = "") -> None:
        self.verify, self.ca_file, self.ca_data, self.server_name = verify, ca_file, ca_data, server_name

    def context(self, cert: ClientCert) -> ssl.SSLContext:
        """A new context trusting exactly the kubeconfig's CAs and presenting ``cert`` (``(cert_path, key_path)``)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif self.ca_data or self.ca_file:
            if self.ca_data:
                ctx.load_verify_locations(cadata=self.ca_data.decode("ascii", "replace"))
            if self.ca_file:
                ctx.load_verify_locations(cafile=self.ca_file)
        else:
            ctx.load_default_certs()
        if cert is not None:
            ctx.load_cert_chain(cert[0], cert[1])
        return ctx

    def pool_options(self, cert: ClientCert) -> Dict[str, Any]:
        """urllib3 pool keywords for the API server's connections (context, SNI and the checked name)."""
        options: Dict[str, Any] = {"ssl_context": self.context(cert)}
        if not self.verify:
            options["assert_hostname"] = False
        elif self.server_name:
            options["server_hostname"] = self.server_name
            options["assert_hostname"] = self.server_name
        return options

    def proxy_options(self, cert: ClientCert) -> Dict[str, Any]:
        """urllib3 ``ProxyManager`` keywords for an ``https://`` proxy.

        Go dials an https proxy with the cluster's own ``tls.Config`` (its CAs,
        client certificate and ``ServerName``), so the proxy's certificate is
        checked against the same CAs; a context of its own keeps urllib3's
        per-connection settings from leaking between the two.
        """
        options: Dict[str, Any] = {"proxy_ssl_context": self.context(cert)}
        if not self.verify:
            options["proxy_assert_hostname"] = False
        elif self.server_name:
            options["proxy_assert_hostname"] = self.server_name
        return options
