"""``tls show``: the trust in effect, its roots, client certificate and exceptions."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from indexclient.cli.exits import OK
from indexclient.cli.output import Console, iso
from indexclient.cli.settings import load_settings
from indexclient.tls.contexts import describe_policy
from indexclient.urls import redact_url

if TYPE_CHECKING:
    from indexclient.tls import Trust

__all__ = ["show", "trust_report"]


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
