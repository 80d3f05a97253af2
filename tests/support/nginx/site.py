"""What nginx serves: one :class:`Site` per ``server {}`` block."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

from indexclient.testing.pki import CertificateAuthority, IssuedCert, is_weak
from support.nginx.binary import NginxError

TLSProtocol: TypeAlias = Literal["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
"""A value of nginx's ``ssl_protocols``."""

ClientCertCheck: TypeAlias = Literal["http", "handshake"]
"""How a mutual-TLS site refuses a client without a certificate.

``http`` is nginx's own behaviour with ``ssl_verify_client on``: the handshake completes and
every request gets ``400 No required SSL certificate was sent``. ``handshake`` adds
``ssl_conf_command VerifyMode Peer,Require`` so that OpenSSL fails the handshake with an
alert instead, as most other TLS servers do.
"""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]+\Z")


@dataclass
class Site:
    """One ``server {}`` block: a port on 127.0.0.1 serving ``root`` as static files.

    ``cert`` makes it HTTPS (its chain as ``ssl_certificate``, its key as
    ``ssl_certificate_key``); ``None`` serves plain HTTP. ``protocols`` is ``ssl_protocols``.
    ``client_ca`` turns on mutual TLS (``ssl_verify_client on``) with that authority as
    ``ssl_client_certificate``; ``client_cert_check`` says how a client without a
    certificate is refused. ``allow_weak`` adds ``ssl_ciphers DEFAULT:@SECLEVEL=0`` so
    OpenSSL agrees to load SHA-1 or RSA-1024 certificates and to speak TLS below 1.2;
    it is switched on automatically when the chain holds such a certificate (as
    :func:`~indexclient.testing.pki.server_context` does) or a protocol below TLS 1.2 is
    listed. ``negotiate`` picks ``index.json`` or ``index.html`` under ``/simple/`` from
    the Accept header; ``ranges=False`` sets ``max_ranges 0`` (Range headers ignored, the
    whole file sent with 200). ``headers`` are added to the responses of the ``/simple/``
    pages and of the ``.metadata`` files (``add_header ... always``), e.g.
    ``(("Cache-Control", "max-age=600"),)`` to make them cacheable as real indexes do.
    ``basic_auth`` (pairs of user name and password) puts the whole site behind HTTP Basic
    auth (``auth_basic``, an htpasswd file of ``user:{PLAIN}password`` lines): any other
    request gets 401 with ``WWW-Authenticate: Basic realm="index"``.
    """

    name: str
    root: Path
    cert: IssuedCert | None = None
    protocols: tuple[TLSProtocol, ...] = ("TLSv1.2", "TLSv1.3")
    client_ca: CertificateAuthority | None = None
    client_cert_check: ClientCertCheck = "http"
    allow_weak: bool = False
    negotiate: bool = True
    ranges: bool = True
    headers: tuple[tuple[str, str], ...] = ()
    basic_auth: tuple[tuple[str, str], ...] = ()
    port: int = field(default=0, init=False)
    """The port nginx listens on, set by :meth:`NginxServer.start`."""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"site names are letters, digits, '.', '_' and '-': {self.name!r}")
        if not self.protocols:
            raise ValueError(f"site {self.name!r}: at least one TLS protocol is needed")
        if self.client_ca is not None and self.cert is None:
            raise ValueError(f"site {self.name!r}: mutual TLS needs a server certificate")
        for user, password in self.basic_auth:
            # nginx ends the password field at a ':' (a comment may follow).
            if not user or ":" in user + password or any(c in user + password for c in "\r\n"):
                raise ValueError(f"site {self.name!r}: not an htpasswd entry: {user!r}")
        for header, _ in self.headers:
            if not _HEADER_NAME.match(header):
                raise ValueError(f"site {self.name!r}: not a header name: {header!r}")

    @property
    def scheme(self) -> str:
        """``https`` with a certificate, else ``http``."""
        return "http" if self.cert is None else "https"

    @property
    def url(self) -> str:
        """``scheme://127.0.0.1:port/``."""
        if not self.port:
            raise NginxError(f"site {self.name!r} has no port yet: start the server first")
        return f"{self.scheme}://127.0.0.1:{self.port}/"

    @property
    def weak(self) -> bool:
        """Whether the server side needs OpenSSL's security level 0."""
        if self.allow_weak or any(p in ("TLSv1", "TLSv1.1") for p in self.protocols):
            return True
        certs = [] if self.cert is None else [self.cert.cert, *self.cert.chain]
        if self.client_ca is not None:
            certs += [ca.cert for ca in (self.client_ca, *self.client_ca.parents)]
        return any(is_weak(c) for c in certs)
