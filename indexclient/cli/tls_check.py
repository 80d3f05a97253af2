"""``tls check URL``: what a server presents, and the verdict under the trust in effect.

A module of its own: it loads the diagnosis (cryptography and aiohttp) at its top, which
``tls show`` never needs.
"""

from __future__ import annotations

import argparse

from indexclient.cli.exits import OK, UsageError, exit_code
from indexclient.cli.loop import run_async
from indexclient.cli.output import Console, iso, table
from indexclient.cli.settings import load_settings
from indexclient.diagnostics import CertificateInfo, SourceVerdict, TlsCheck, check_tls
from indexclient.errors import CertificateVerificationError
from indexclient.urls import redact_url

__all__ = ["check"]


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


def _source_json(verdict: SourceVerdict) -> dict[str, object]:
    return {
        "source": verdict.source,
        "where": verdict.where,
        "in_effect": verdict.in_effect,
        "trusts": verdict.trusts,
        "note": verdict.note or None,
        "fix": verdict.fix or None,
    }


def _trusts(verdict: SourceVerdict) -> str:
    word = {True: "yes", False: "no", None: "unknown"}[verdict.trusts]
    return f"{word}: {verdict.note}" if verdict.note else word


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
        "sources": [_source_json(v) for v in result.sources],
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
    if result.sources:
        console.print("trust sources on this machine:")
        rows = [
            (f"{v.source}{' (in effect)' if v.in_effect else ''}", v.where, _trusts(v))
            for v in result.sources
        ]
        for line in table(("source", "path and origin", "trusts the chain"), rows).splitlines():
            console.print(f"  {line}")
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
