"""The one boundary where aiohttp and ssl exceptions become indexclient errors."""

from __future__ import annotations

import asyncio
import ssl
from http import HTTPStatus

import aiohttp

from indexclient.errors import (
    CertificateVerificationError,
    ClientCertificateRequiredError,
    ConnectError,
    DeadlineError,
    IndexClientError,
    ProxyAuthenticationError,
    RequestTimeoutError,
    TLSError,
    TransportError,
)
from indexclient.tls.diagnose import CertificateRejected, hint_for
from indexclient.tls.trust import Trust
from indexclient.urls import redact_text, redact_url, split_credentials

__all__ = ["client_certificate_refusal", "proxy_refusal", "translate_error"]

# OpenSSL alert reasons meaning "the server wants a (different) client certificate".
_CLIENT_CERT_ALERTS = {
    "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    "SSLV3_ALERT_HANDSHAKE_FAILURE",
    "SSLV3_ALERT_BAD_CERTIFICATE",
    "TLSV1_ALERT_UNKNOWN_CA",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
    "TLSV1_ALERT_ACCESS_DENIED",
}
_PROTOCOL_REASONS = {
    "UNSUPPORTED_PROTOCOL",
    "TLSV1_ALERT_PROTOCOL_VERSION",
    "NO_PROTOCOLS_AVAILABLE",
}


def _ssl_error_in(exc: BaseException) -> ssl.SSLError | None:
    """The ssl.SSLError behind an aiohttp error, following causes and contexts."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CertificateRejected):
            return current  # raised by the policy hook; its cause is OpenSSL's bare error
        if isinstance(current, aiohttp.ClientConnectorCertificateError):
            inner = current.certificate_error
            if isinstance(inner, ssl.SSLError):
                return inner
        if isinstance(current, ssl.SSLError) and getattr(current, "reason", None):
            return current
        if isinstance(current, aiohttp.ClientSSLError) and isinstance(
            getattr(current, "os_error", None), ssl.SSLError
        ):
            return current.os_error  # type: ignore[return-value]
        current = current.__cause__ or current.__context__
    return None


def translate_error(
    exc: BaseException, url: str, host: str, trust: Trust, *, deadline: float | None = None
) -> IndexClientError:
    """Translate an aiohttp/ssl/asyncio exception raised while fetching ``url``.

    ``url`` must already be redacted. ``deadline`` is the request's overall deadline in
    seconds when it is what passed (the caller knows: it set it). The caller raises the
    result ``from exc``.
    """
    if isinstance(exc, IndexClientError):
        return exc
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        if deadline is not None:
            return DeadlineError(
                url,
                f"the request did not finish within its deadline of {deadline:g} seconds",
                hint="Raise INDEXCLIENT_HTTP_DEADLINE (seconds) for very large files on "
                "slow links.",
            )
        return RequestTimeoutError(url, "timed out", hint="Raise UV_HTTP_TIMEOUT for slow servers.")
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # The proxy answered the CONNECT with something else than 200: before any TLS, so
        # it is about the proxy, never about the server's certificate or mutual TLS.
        return proxy_refusal(url, str(exc.request_info.url), exc.status)
    ssl_exc = _ssl_error_in(exc)
    if isinstance(ssl_exc, CertificateRejected):
        # A context is shared by every Trust with the same roots, whatever their origin
        # (docs/trust.md, "Contexts"): describe the requesting client's source, not the
        # first builder's.
        return CertificateVerificationError(
            url,
            host,
            trust.source.describe(),
            ssl_exc.rejection.reason,
            kind=ssl_exc.rejection.kind,
            hint=hint_for(ssl_exc.rejection.kind, trust.source, ssl_exc.presented, ssl_exc.host),
        )
    if isinstance(ssl_exc, ssl.SSLCertVerificationError):
        return CertificateVerificationError(
            url,
            host,
            trust.source.describe(),
            ssl_exc.verify_message or str(ssl_exc),
            kind="other",
        )
    if ssl_exc is not None:
        reason = ssl_exc.reason or ""
        if reason in _CLIENT_CERT_ALERTS:
            have = trust.identity.describe() if trust.identity else "none"
            return ClientCertificateRequiredError(
                url,
                f"the server refused the TLS handshake ({reason.lower()}); it requires a "
                f"client certificate it accepts (client certificate: {have})",
                hint="Set SSL_CLIENT_CERT to a PEM file with the certificate and key the "
                "server expects.",
            )
        if reason in _PROTOCOL_REASONS:
            return TLSError(
                url,
                f"no TLS version in common with the server ({reason.lower()}); "
                "indexclient requires TLS 1.2 or newer",
            )
        if reason == "WRONG_VERSION_NUMBER":
            return TLSError(
                url,
                "the server did not answer with TLS (wrong version number)",
                hint="Is this port serving plain HTTP? Then the URL should start with http://.",
            )
        return TLSError(url, f"TLS failed: {ssl_exc.reason or _text(ssl_exc)}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError(url, f"cannot connect to {exc.host}:{exc.port}: {exc.os_error}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ConnectError(url, "the server closed the connection", hint=_mtls_hint(url, trust))
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ConnectError(url, f"the response body was cut short: {_text(exc)}")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return ConnectError(url, f"connection failed: {_text(exc)}", hint=_mtls_hint(url, trust))
    return TransportError(url, f"request failed: {type(exc).__name__}: {_text(exc)}")


def _text(exc: BaseException) -> str:
    # Another library's message may quote a URL (aiohttp's often do): its userinfo is
    # hidden like any other (docs/security.md, "Secrets").
    return redact_text(str(exc))


# nginx with `ssl_verify_client on` finishes the handshake whatever the client sent, then
# answers every request with 400 and one of these pages (its internal 496 and 495).
_NGINX_CLIENT_CERT_PAGES = {
    b"<title>400 No required SSL certificate was sent</title>": "no client certificate was sent",
    b"<title>400 The SSL certificate error</title>": "the client certificate was not accepted",
}


def client_certificate_refusal(
    url: str, status: int, body: bytes, trust: Trust
) -> ClientCertificateRequiredError | None:
    """The error for a 400 page that means "client certificate required", else None.

    ``url`` must already be redacted.
    """
    if status != 400 or not url.startswith("https:"):
        return None
    head = body[:1024]
    for title, what in _NGINX_CLIENT_CERT_PAGES.items():
        if title in head:
            have = trust.identity.describe() if trust.identity else "none"
            return ClientCertificateRequiredError(
                url,
                f"the server refused the request with HTTP 400: {what}; it requires a "
                f"client certificate it accepts (client certificate: {have})",
                hint="Set SSL_CLIENT_CERT to a PEM file with the certificate and key the "
                "server expects.",
            )
    return None


def proxy_refusal(url: str, proxy: str, status: int) -> TransportError:
    """The error for a proxy that refused to carry a request to ``url``: its answer to
    a CONNECT (https), or a 407 to a plain request (http). ``url`` must be redacted;
    ``proxy`` is redacted here.

    A 407 says how to give the proxy credentials (docs/security.md, "Proxies"): in the
    proxy URL, which indexclient turns into ``Proxy-Authorization`` for the proxy only.
    """
    try:
        phrase = HTTPStatus(status).phrase  # not the proxy's own words: they are unchecked
    except ValueError:
        phrase = "unknown status"
    shown = redact_url(proxy)
    if status == 407:
        variable = "HTTPS_PROXY" if url.startswith("https:") else "HTTP_PROXY"
        given = split_credentials(proxy)[1] is not None
        return ProxyAuthenticationError(
            url,
            shown,
            f"the proxy {shown} wants credentials (HTTP 407 {phrase})",
            # Names only: what the proxy URL held, never a value (docs/security.md).
            tried=(f"proxy URL ({'user name and password' if given else 'none'})",),
            hint=f"Put the proxy's credentials in the proxy URL, percent-encoded: "
            f"{variable}=http://user:password@proxy:port (if they are there already, the "
            "proxy did not accept them).",
        )
    if status in (502, 503, 504):
        # The proxy could not reach the server (or was busy): that may pass, so retried.
        return ConnectError(url, f"the proxy {shown} could not connect (HTTP {status} {phrase})")
    return TransportError(url, f"the proxy {shown} refused the connection (HTTP {status} {phrase})")


def _mtls_hint(url: str, trust: Trust) -> str | None:
    # Some TLS servers drop a client that lacks a certificate without sending an alert,
    # which looks like any other disconnect.
    if url.startswith("https:") and trust.identity is None:
        return "If the server requires a client certificate (mutual TLS), set SSL_CLIENT_CERT."
    return None
