"""The certificate matrix of test_verification and mutual TLS, with nginx as the server.

test_verification serves each case with Python's own ``ssl`` module; here the same
certificates are served by nginx (its own OpenSSL setup, alerts and chain handling), one
``server {}`` per case. Accepted cases fetch, rejected cases fail with the same kind and
reason, and are fetched when their host:port is an allow-insecure-host entry.
"""

from __future__ import annotations

import http.client
import ssl

import pytest
from conftest import Pki, fetch, insecure_entry, make_trust
from test_verification import ACCEPTED, REJECTED

from indexclient.errors import CertificateVerificationError, ClientCertificateRequiredError
from indexclient.transport import Response

from .conftest import NGINX_CANNOT_SERVE, OK_BODY, Matrix, Mtls

REJECTED_SERVED = [
    pytest.param(case, marks=pytest.mark.skip(reason=NGINX_CANNOT_SERVE[case]))
    if case in NGINX_CANNOT_SERVE
    else case
    for case in REJECTED
]


@pytest.mark.parametrize("case", ACCEPTED)
async def test_accepted_case_fetches(case: str, matrix: Matrix) -> None:
    site = f"ok-{case}"
    before = len(matrix.nginx.access_log(site))
    response = await fetch(make_trust({"SSL_CERT_FILE": str(matrix.bundle)}), matrix.url(site))
    assert response.status == 200
    assert response.body == OK_BODY
    entries = matrix.nginx.access_log(site, wait_for=before + 1)[before:]
    assert [(e.uri, e.status) for e in entries] == [("/", 200)]
    assert entries[0].tls == "TLSv1.3"


@pytest.mark.parametrize("case", REJECTED_SERVED)
async def test_rejected_case_fails_with_its_reason(case: str, matrix: Matrix, pki: Pki) -> None:
    _, kind, words = REJECTED[case]
    site = f"bad-{case}"
    url = matrix.url(site)
    before = len(matrix.nginx.access_log(site))
    with pytest.raises(CertificateVerificationError) as caught:
        await fetch(make_trust({"SSL_CERT_FILE": str(pki.ca_file)}), url)
    error = caught.value
    assert error.kind == kind, str(error)
    for word in words:
        assert word in error.reason, (word, error.reason)
    assert error.url == url
    assert error.host == "127.0.0.1"
    assert f"SSL_CERT_FILE={pki.ca_file}" in error.trust
    assert error.hint, "every rejection says what to do"
    assert matrix.nginx.access_log(site)[before:] == [], "no request on a rejected connection"


@pytest.mark.parametrize("case", REJECTED_SERVED)
async def test_rejected_case_fetches_when_host_is_insecure(
    case: str, matrix: Matrix, pki: Pki
) -> None:
    url = matrix.url(f"bad-{case}")
    env = {"SSL_CERT_FILE": str(pki.ca_file), "UV_INSECURE_HOST": insecure_entry(url)}
    response = await fetch(make_trust(env), url)
    assert response.status == 200
    assert response.body == OK_BODY


async def test_insecure_entry_for_another_port_does_not_apply(matrix: Matrix, pki: Pki) -> None:
    url = matrix.url("bad-self-signed")
    port = matrix.nginx.site("bad-self-signed").port
    env = {"SSL_CERT_FILE": str(pki.ca_file), "UV_INSECURE_HOST": f"127.0.0.1:{port + 1}"}
    with pytest.raises(CertificateVerificationError) as caught:
        await fetch(make_trust(env), url)
    assert caught.value.kind == "self-signed"


# --------------------------------------------------------------------------- mutual TLS


@pytest.mark.parametrize("site", ["mtls-http", "mtls-handshake"])
async def test_client_certificate_accepted(site: str, mtls: Mtls, pki: Pki) -> None:
    env = {"SSL_CERT_FILE": str(pki.ca_file), "SSL_CLIENT_CERT": str(mtls.client_pem)}
    before = len(mtls.nginx.access_log(site))
    response = await fetch(make_trust(env), mtls.nginx.url(site))
    assert response.status == 200
    assert response.body == OK_BODY
    (entry,) = mtls.nginx.access_log(site, wait_for=before + 1)[before:]
    assert entry.client_verify == "SUCCESS"
    assert entry.client_dn == "CN=client.example"


async def test_no_client_certificate_refused_in_the_handshake(mtls: Mtls, pki: Pki) -> None:
    # ssl_conf_command VerifyMode ...Require: OpenSSL ends the handshake with an alert.
    before = len(mtls.nginx.access_log("mtls-handshake"))
    with pytest.raises(ClientCertificateRequiredError) as caught:
        await _fetch_as(mtls, pki, "mtls-handshake", None)
    assert "client certificate: none" in str(caught.value)
    assert caught.value.hint is not None
    assert "SSL_CLIENT_CERT" in caught.value.hint
    assert mtls.nginx.access_log("mtls-handshake")[before:] == [], "no request was served"


async def _fetch_as(mtls: Mtls, pki: Pki, site: str, client_pem: str | None) -> Response:
    env = {"SSL_CERT_FILE": str(pki.ca_file)}
    if client_pem is not None:
        env["SSL_CLIENT_CERT"] = client_pem
    return await fetch(make_trust(env), mtls.nginx.url(site))


@pytest.mark.parametrize(
    ("site", "client", "nginx_says"),
    [
        ("mtls-http", None, "No required SSL certificate was sent"),
        ("mtls-http", "stranger", "The SSL certificate error"),
        ("mtls-handshake", "stranger", "The SSL certificate error"),
    ],
)
def test_nginx_refuses_with_http_400(
    site: str, client: str | None, nginx_says: str, mtls: Mtls, pki: Pki
) -> None:
    """What nginx itself does, seen with the standard library: ``ssl_verify_client on``
    finishes the handshake whatever the client sent (the handshake site too, for a
    certificate it does not trust), then answers every request with 400 and says why."""
    context = ssl.create_default_context(cafile=str(pki.ca_file))
    if client is not None:
        context.load_cert_chain(mtls.stranger_pem)
    port = mtls.nginx.site(site).port
    before = len(mtls.nginx.access_log(site))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    assert response.status == 400
    assert f"<title>400 {nginx_says}</title>" in body
    (entry,) = mtls.nginx.access_log(site, wait_for=before + 1)[before:]
    assert entry.status == 400
    if client is None:
        assert entry.client_verify == "NONE"
    else:
        assert entry.client_verify.startswith("FAILED:"), entry.client_verify


@pytest.mark.parametrize(
    ("site", "client"),
    [("mtls-http", None), ("mtls-http", "stranger"), ("mtls-handshake", "stranger")],
)
async def test_nginx_http_400_refusal_is_a_client_certificate_error(
    site: str, client: str | None, mtls: Mtls, pki: Pki
) -> None:
    pem = None if client is None else str(mtls.stranger_pem)
    with pytest.raises(ClientCertificateRequiredError):
        await _fetch_as(mtls, pki, site, pem)
