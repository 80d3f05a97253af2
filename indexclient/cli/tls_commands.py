"""``tls show`` and ``tls check``: the trust in effect, and what a server presents."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from indexclient.cli.exits import OK, UsageError, exit_code
from indexclient.cli.loop import run_async
from indexclient.cli.output import Console, iso
from indexclient.cli.settings import load_settings
from indexclient.errors import CertificateVerificationError
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.diagnostics import CertificateInfo, TlsCheck
    from indexclient.tls import Trust

__all__ = ["check", "show", "trust_report"]


def _roots(trust: Trust) -> dict[str, object]:
    stats = trust.verified_context().cert_store_stats()
    locations = trust.loaded_locations()
    return {
        # Roots OpenSSL loads lazily (a capath) are not counted until used.
        "certificates": stats.get("x509_ca", 0),
        "locations": [
            {
                "path": loc.path,
                "kind": loc.kind,
                "certificates": loc.certificates,
                "files": loc.files,
            }
            for loc in locations
        ],
    }


def trust_report(args: argparse.Namespace) -> dict[str, object]:
    """What ``tls show --json`` prints. Loads the roots and the client certificate."""
    from indexclient.tls import describe_policy

    settings = load_settings(args)
    trust = settings.trust()
    identity = trust.identity
    return {
        "trust": {
            "kind": trust.source.kind,
            "description": trust.source.describe(),
            "origin": trust.source.origin,
        },
        "roots": _roots(trust),
        "client_certificate": None
        if identity is None
        else {
            "path": identity.cert_path,
            "key_path": identity.key_path,
            "origin": identity.origin,
            "subject": identity.subject,
            "issuer": identity.issuer,
            "not_after": iso(identity.not_after),
        },
        "insecure_hosts": [
            {"entry": redact_url(h.raw), "origin": h.origin} for h in trust.insecure_hosts
        ],
        "policy": describe_policy(),
        "config_files": list(settings.config_files),
    }


def _count(number: object, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def show(args: argparse.Namespace, console: Console) -> int:
    """``tls show``: trust source, roots, client certificate, insecure hosts, policy."""
    report = trust_report(args)
    if console.json_mode:
        console.json(report)
        return OK
    trust = report["trust"]
    roots = report["roots"]
    identity = report["client_certificate"]
    assert isinstance(trust, dict)
    assert isinstance(roots, dict)
    console.print(f"trust source: {trust['description']}")
    console.print(f"  selected by: {trust['origin']}")
    console.print(f"roots loaded: {_count(roots['certificates'], 'certificate')}")
    for loc in roots["locations"]:
        read = f" from {_count(loc['files'], 'file')}" if loc["kind"] == "dir" else ""
        console.print(
            f"  {loc['kind']} {loc['path']}: {_count(loc['certificates'], 'certificate')}{read}"
        )
    if isinstance(identity, dict):
        console.print(f"client certificate: {identity['path']} [{identity['origin']}]")
        console.print(f"  subject: {identity['subject']}")
        console.print(f"  issuer:  {identity['issuer']}")
        console.print(f"  expires: {identity['not_after']}")
    else:
        console.print("client certificate: none")
    hosts = report["insecure_hosts"]
    assert isinstance(hosts, list)
    if hosts:
        console.print("allow-insecure-host (certificates NOT verified):")
        for entry in hosts:
            console.print(f"  {entry['entry']}  from {entry['origin']}")
    else:
        console.print("allow-insecure-host: none")
    console.print(f"policy: {report['policy']}")
    files = report["config_files"]
    assert isinstance(files, list)
    console.print("configuration files read: " + (", ".join(files) if files else "none"))
    return OK


def _certificate_json(cert: CertificateInfo) -> dict[str, object]:
    return {
        "subject": cert.subject,
        "issuer": cert.issuer,
        "not_before": iso(cert.not_before),
        "not_after": iso(cert.not_after),
        "key": cert.key,
        "signature": cert.signature,
        "names": list(cert.names),
        "self_signed": cert.self_signed,
        "policy_problem": cert.policy_problem,
    }


def _check_json(result: TlsCheck) -> dict[str, object]:
    error = result.error
    entry = result.insecure_entry
    return {
        "url": result.url,
        "host": result.host,
        "port": result.port,
        "trust": result.trust,
        "insecure_host": None
        if entry is None
        else {"entry": redact_url(entry.raw), "origin": entry.origin},
        "tls_version": result.tls_version,
        "cipher": result.cipher,
        "chain": [_certificate_json(c) for c in result.chain],
        "verified": result.verified,
        "ok": result.ok,
        "error": None
        if error is None
        else {
            "type": type(error).__name__,
            "kind": getattr(error, "kind", None),
            "message": str(error),
            "hint": error.hint,
        },
    }


def _print_check(console: Console, result: TlsCheck) -> None:
    console.print(f"{result.url}  ({result.host} port {result.port})")
    console.print(f"trust: {result.trust}")
    if result.tls_version:
        console.print(f"connected: {result.tls_version}, {result.cipher}")
    if result.chain:
        console.print(f"chain presented by the server ({len(result.chain)}):")
    for number, cert in enumerate(result.chain):
        console.print(f"  [{number}] {cert.subject}{'  (self-signed)' if cert.self_signed else ''}")
        console.print(f"      issuer:    {cert.issuer}")
        console.print(f"      valid:     {iso(cert.not_before)} to {iso(cert.not_after)}")
        console.print(f"      key:       {cert.key}")
        console.print(f"      signature: {cert.signature}")
        if cert.names:
            console.print(f"      names:     {', '.join(cert.names)}")
        if cert.policy_problem:
            console.print(f"      policy:    REFUSED: {cert.policy_problem}")
    entry = result.insecure_entry
    if result.error is not None:
        # REJECTED: the certificate was refused; FAILED: no verdict (could not connect...).
        rejected = isinstance(result.error, CertificateVerificationError)
        console.print(f"verdict: {'REJECTED' if rejected else 'FAILED'}: {result.error}")
        if result.error.hint:
            console.print(f"hint: {result.error.hint}")
    elif entry is not None:
        console.print(
            f"verdict: accepted WITHOUT verification: allow-insecure-host {redact_url(entry.raw)} "
            f"from {entry.origin}"
        )
    else:
        console.print("verdict: verified")


def check(args: argparse.Namespace, console: Console) -> int:
    """``tls check URL``: the chain, the verdict, and the fix for a failure."""
    from indexclient.diagnostics import check_tls

    settings = load_settings(args)
    trust = settings.trust()
    try:
        result = run_async(check_tls(trust, args.url, timeout=settings.timeout.value))
    except ValueError as exc:
        raise UsageError(
            str(exc), hint="e.g. indexclient tls check https://index.example/"
        ) from None
    if console.json_mode:
        console.json(_check_json(result))
    else:
        _print_check(console, result)
    return OK if result.error is None else exit_code(result.error)
